package d24_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/d24go/d24/middleware"
)

// REVIEW: middleware.ScrubberFrom hands anyone holding the call's context
// (an AttemptObserver, a slog handler, an Authenticator) a Scrubber value
// whose unexported fields are the call's sensitive values themselves: the
// secret key (texts, with its escaped forms), the card number and the CVV
// (numbers). Scrubber has no String/Format, so any fmt verb on it (%v,
// %+v, %#v) prints them; the Signer and Config take care that no verb prints
// their key, and the call's context now does too (Format), but the Scrubber
// made from that context does not.
func TestReviewScrubberFormatsWithoutSecrets(t *testing.T) {
	srv, ctxs := loggedContexts(t, "fmt-2")
	scrub := middleware.ScrubberFrom(ctxs[0])
	if got := scrub.Text("key " + srv.SecretKey); strings.Contains(got, srv.SecretKey) {
		t.Fatalf("not the call's Scrubber: %q", got)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d"} {
		out := fmt.Sprintf(verb, scrub)
		for name, secret := range map[string]string{"secret key": srv.SecretKey, "card number": canaryCard, "CVV": "7391"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s of the call's Scrubber holds the %s: %.160s", verb, name, out)
			}
		}
	}
}
