package d24

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"

	"github.com/d24go/d24/internal/version"
)

// Version is the SDK's semantic version. It is sent in the User-Agent, names
// the tracer's instrumentation scope, and heads CHANGELOG.md.
const Version = version.Version

// userAgent is the User-Agent every request carries: the SDK and Go's
// version, then the caller's product token (WithUserAgent), if any.
func userAgent(product string) string {
	ua := fmt.Sprintf("d24-go/%s (%s)", Version, runtime.Version())
	if product != "" {
		ua += " " + product
	}
	return ua
}

// WithUserAgent appends product, a token naming your application such as
// "acme-checkout/2.4.1", to the User-Agent every request carries
// ("d24-go/0.3.0 (go1.26.8) acme-checkout/2.4.1"), so D24's support can tell
// your traffic apart. New refuses a token with control characters.
func WithUserAgent(product string) Option {
	return func(o *options) { o.userAgent = strings.TrimSpace(product) }
}

// validProductToken reports whether s may go in a header value.
func validProductToken(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// setUserAgent sets the Client's User-Agent on a request it sends.
func (c *Client) setUserAgent(req *http.Request) {
	req.Header["User-Agent"] = c.userAgent
}

// editRequest is the generated clients' request editor: their requests carry
// the same User-Agent as the Client's own.
func (c *Client) editRequest(_ context.Context, req *http.Request) error {
	c.setUserAgent(req)
	return nil
}
