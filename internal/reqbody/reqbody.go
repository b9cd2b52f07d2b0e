// Package reqbody is a request body that says what its bytes are. The d24
// client sends its requests with one, and the middleware's layers that need a
// body's bytes (validation, the idempotency key, the signature) take them from
// it instead of reading the body again through GetBody, which costs a reader
// and a copy each time.
package reqbody

import (
	"bytes"
	"io"
	"net/http"
)

// Reader reads a request body held in memory. Its bytes are never changed.
type Reader struct {
	bytes.Reader
	data []byte
}

// New returns a Reader of data, which must not be changed afterwards.
func New(data []byte) *Reader {
	r := &Reader{data: data}
	r.Reset(data)
	return r
}

// Close does nothing: the bytes stay with whoever made them.
func (r *Reader) Close() error { return nil }

// GetBody returns an http.Request.GetBody for data: a fresh Reader each time.
func GetBody(data []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return New(data), nil }
}

// Of returns the bytes of req's body when its Body is a Reader not yet read
// from: exactly what the transport would send.
func Of(req *http.Request) ([]byte, bool) {
	r, ok := req.Body.(*Reader)
	if !ok || r.Len() != len(r.data) {
		return nil, false
	}
	return r.data, true
}

// ForTransport returns body as net/http's transport recognises a body held in
// memory (a NopCloser of a *bytes.Reader) when it is a Reader, and body
// itself otherwise. The transport writes a body it recognises in the same
// write as the headers; for any other reader it flushes the headers first:
// a second write and, over TLS, a second record per request.
func ForTransport(body io.ReadCloser) io.ReadCloser {
	if r, ok := body.(*Reader); ok {
		return io.NopCloser(&r.Reader)
	}
	return body
}
