package middleware

import (
	"errors"
	"net/http"
	"strings"
)

// ErrMissingReadOnlyKey is returned by NewBearer for an empty key, and
// wrapped by a d24.Client's lookup made without one (d24.ErrMissingReadOnlyKey
// is the same value).
var ErrMissingReadOnlyKey = errors.New("no read-only key")

// Bearer authenticates D24's read-only lookups (payment methods, exchange
// rates, states, banks) with `Authorization: Bearer <read-only key>`. It sends
// nothing else: no X-Login, no X-Date, no signature. NewReadOnlyChain puts it
// where NewChain puts the Signer, so a chain carries one kind of key only.
type Bearer struct {
	next   http.RoundTripper
	header string
}

// NewBearer returns the Bearer authenticator for readOnlyKey around next.
func NewBearer(readOnlyKey string, next http.RoundTripper) (*Bearer, error) {
	if readOnlyKey == "" {
		return nil, ErrMissingReadOnlyKey
	}
	return &Bearer{next: orDefault(next), header: "Bearer " + readOnlyKey}, nil
}

// String describes the Bearer without its key.
func (b *Bearer) String() string { return "middleware.Bearer{key: [REDACTED]}" }

// GoString describes the Bearer without its key for %#v.
func (b *Bearer) GoString() string { return b.String() }

// RoundTrip sends req with the read-only key, replacing any Authorization.
func (b *Bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	authenticatedWith(req.Context(), strings.TrimPrefix(b.header, "Bearer "))
	out := shallowCopy(req, 1)
	out.Header[HeaderAuthorization] = []string{b.header}
	if out.Body != nil && out.Body != http.NoBody {
		out.GetBody = nil // as the Signer: every repeat is the retry layer's
	}
	return b.next.RoundTrip(out)
}
