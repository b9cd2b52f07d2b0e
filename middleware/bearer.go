package middleware

import (
	"errors"
	"net/http"
	"strings"
)

// ErrMissingToken is returned by NewBearer for an empty token.
var ErrMissingToken = errors.New("middleware: bearer: no token")

// Bearer authenticates with `Authorization: Bearer <token>` (D24's read-only
// lookups take their read-only key so). It sends nothing else: no signature.
// Put it where NewChain puts its authenticator (BearerAuth), so a chain
// carries one kind of key only.
type Bearer struct {
	next   http.RoundTripper
	header string
}

// NewBearer returns the Bearer authenticator for token around next.
func NewBearer(token string, next http.RoundTripper) (*Bearer, error) {
	if token == "" {
		return nil, ErrMissingToken
	}
	return &Bearer{next: orDefault(next), header: "Bearer " + token}, nil
}

// String describes the Bearer without its key.
func (b *Bearer) String() string { return "middleware.Bearer{key: [REDACTED]}" }

// GoString describes the Bearer without its key for %#v.
func (b *Bearer) GoString() string { return b.String() }

// RoundTrip sends req with the token, replacing any Authorization.
func (b *Bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	authenticatedWith(req.Context(), strings.TrimPrefix(b.header, "Bearer "))
	out := forHeaders(req, 1)
	out.Header[HeaderAuthorization] = []string{b.header}
	if out.Body != nil && out.Body != http.NoBody {
		out.GetBody = nil // as the Signer: every repeat is the retry layer's
	}
	return b.next.RoundTrip(out)
}
