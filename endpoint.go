package d24

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
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

// request returns a request carrying body as JSON, marshalled as the generated
// builders marshal it (encoding/json), with GetBody set so that the validator,
// the signer and retries can read it again, and the body's bytes.
func (e *endpoint) request(body any) (*http.Request, []byte, error) {
	buf, err := json.Marshal(body)
	if err != nil {
		return nil, nil, err
	}
	req := new(http.Request)
	*req = *e.proto
	u := *e.proto.URL
	req.URL = &u
	req.Header = http.Header{"Content-Type": {"application/json"}}
	req.Body = io.NopCloser(bytes.NewReader(buf))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf)), nil }
	req.ContentLength = int64(len(buf))
	return req, buf, nil
}
