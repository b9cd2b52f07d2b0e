package middleware

import (
	"io"
	"net/http"
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
