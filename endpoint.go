package d24

import (
	"context"
	"io"
	"net/http"

	"github.com/d24go/d24/internal/reqbody"
)

// endpoint builds the requests of one POST operation. The generated request
// builders parse the base URL, the operation path and the result again on
// every call; an endpoint takes the request the generated builder makes once,
// at New, and copies it per call with a new body, so the method, URL and Host
// are the generated builder's own (TestEndpointsBuildWhatTheGeneratedBuildersBuild
// holds the whole request, headers and body bytes included, to the builder's).
type endpoint struct {
	proto *http.Request
	rt    http.RoundTripper // the middleware chain of the operation's host
}

// newEndpoint keeps the request that a generated WithBody builder makes for
// server without a body or parameters, and the chain that sends it.
func newEndpoint[P any](build func(server string, params *P, contentType string, body io.Reader) (*http.Request, error), server string, rt http.RoundTripper) (endpoint, error) {
	proto, err := build(server, nil, "application/json", nil)
	if err != nil {
		return endpoint{}, err
	}
	return endpoint{proto: proto, rt: rt}, nil
}

// contentTypeJSON is the Content-Type of every body the client sends, shared
// by its requests (a full slice: an append copies it).
var contentTypeJSON = []string{"application/json"}[:1:1]

// request returns the request carrying buf, with ctx and the User-Agent ua:
// a copy of the builder's request whose body says its bytes (reqbody), so
// that the validator, the key and the signer need not read it again, and
// whose GetBody serves retries. Its header has room for the idempotency key.
func (e *endpoint) request(ctx context.Context, buf []byte, ua []string) *http.Request {
	req := e.proto.WithContext(ctx)
	u := *e.proto.URL
	req.URL = &u
	req.Header = make(http.Header, 3)
	req.Header["Content-Type"] = contentTypeJSON
	req.Header["User-Agent"] = ua
	req.Body = reqbody.New(buf)
	req.GetBody = reqbody.GetBody(buf)
	req.ContentLength = int64(len(buf))
	return req
}
