package middleware_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/d24go/d24/middleware"
	"github.com/d24go/d24/openapi"
)

type formatFunc func(string) error

func (f formatFunc) Validate(s string) error { return f(s) }

// Formats given to WithDocument add rules to the document's own: a map that
// says any card number is fine does not switch off the Luhn check, and a rule
// of one's own (emails of one domain) holds beside the document's.
func TestAddedFormatsNeverRemoveTheDocumentsOwn(t *testing.T) {
	srv := newScript(t, status(200, `{}`))
	anything := map[string]openapi3.StringFormatValidator{
		openapi.FormatCardNumber: formatFunc(func(string) error { return nil }),
		openapi.FormatEmail:      formatFunc(func(string) error { return nil }),
	}
	ourDomain := map[string]openapi3.StringFormatValidator{openapi.FormatEmail: formatFunc(func(s string) error {
		if !strings.HasSuffix(s, "@example.com") {
			return errors.New("must be an address at example.com")
		}
		return nil
	})}
	luhnInvalid := strings.Replace(validCardDeposit, "4111111111111111", "4111111111111112", 1)
	otherDomain := strings.Replace(validCardDeposit, "john@example.com", "john@example.org", 1)
	notAnEmail := strings.Replace(validCardDeposit, "john@example.com", "john", 1)
	cases := []struct {
		name, body string
		formats    []map[string]openapi3.StringFormatValidator
		field      string // "" for a request that is sent
	}{
		{"a Luhn-invalid card, formats that accept anything", luhnInvalid, []map[string]openapi3.StringFormatValidator{anything}, "credit_card.card_number"},
		{"not an email, formats that accept anything", notAnEmail, []map[string]openapi3.StringFormatValidator{anything}, "payer.email"},
		{"an added rule refuses", otherDomain, []map[string]openapi3.StringFormatValidator{ourDomain}, "payer.email"},
		{"an added rule, then one accepting anything", otherDomain, []map[string]openapi3.StringFormatValidator{ourDomain, anything}, "payer.email"},
		{"an added rule lets a good request through", validCardDeposit, []map[string]openapi3.StringFormatValidator{ourDomain, anything}, ""},
		{"the document's rule still holds beside an added one", luhnInvalid, []map[string]openapi3.StringFormatValidator{ourDomain}, "credit_card.card_number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rt, err := middleware.NewChain("L", "S", middleware.WithDocument(openapi.MustLoad(openapi.PCI), c.formats...), middleware.WithoutTracing())
			if err != nil {
				t.Fatal(err)
			}
			before := len(srv.seen())
			resp, err := (&http.Client{Transport: rt}).Post(srv.srv.URL+"/v3/deposits", "application/json", strings.NewReader(c.body))
			var verr *middleware.ValidationError
			switch {
			case c.field == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.field == "":
				resp.Body.Close()
			case !errors.As(err, &verr):
				t.Fatalf("want a ValidationError naming %s, got %v", c.field, err)
			case !strings.Contains(verr.Error(), c.field+": "):
				t.Errorf("want %s named, got %v", c.field, verr)
			case len(srv.seen()) != before:
				t.Errorf("the refused request was sent")
			}
		})
	}
}
