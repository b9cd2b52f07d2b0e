package middleware

import (
	"io"
	"maps"
	"net/http"

	"github.com/d24go/d24/internal/reqbody"
)

// orDefault returns rt, or http.DefaultTransport when rt is nil.
func orDefault(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		return http.DefaultTransport
	}
	return rt
}

// closeBody closes a request body a RoundTripper will not send, as the
// http.RoundTripper contract requires.
func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// maxDrain bounds how much of an unwanted response body is read so that its
// connection can be reused; a longer body costs a new connection instead.
const maxDrain = 256 << 10

// drainAndClose reads what is left of a body (up to maxDrain) and closes it, so
// the connection goes back to the pool.
func drainAndClose(body io.ReadCloser) {
	if body == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(body, maxDrain))
	body.Close()
}

// roundTripperFunc adapts a function to http.RoundTripper.
type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// forHeaders returns the request an authenticator sends for req, with a
// header map of its own to add its headers to (room for extra more keys) and
// the URL and body shared (see reqbody.ForTransport). It is req itself when req is the request the
// chain's attempt layer made for this send alone, which no one else holds;
// otherwise a shallow copy, since a RoundTripper must not change the request
// it is given.
func forHeaders(req *http.Request, extra int) *http.Request {
	out := req
	if s := stateOf(req.Context()); s == nil || !s.claimSend(req) {
		out = new(http.Request)
		*out = *req
	}
	// The last layer before the transport: a body that says its bytes goes
	// as net/http knows a body in memory, in one write with the headers.
	out.Body = reqbody.ForTransport(req.Body)
	if len(req.Header)+extra <= 8 {
		// One group of a small map, copied as it is: no key is hashed again.
		out.Header = maps.Clone(req.Header)
		if out.Header != nil {
			return out
		}
	}
	out.Header = make(http.Header, len(req.Header)+extra)
	for k, v := range req.Header {
		out.Header[k] = v
	}
	return out
}
