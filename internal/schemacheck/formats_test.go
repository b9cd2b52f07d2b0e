package schemacheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/d24go/d24/openapi"
)

// Differential: the fast path must never vouch for what the full
// check (kin-openapi, with the options NewValidator gives it) refuses.

// A document with integer and number formats of its own.
const numberFormatDoc = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                count: {type: integer, format: even}
                ratio: {type: number, format: unit}
      responses:
        "200": {description: ok}
`

func TestFastPathKeepsNumericFormats(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(numberFormatDoc))
	if err != nil {
		t.Fatal(err)
	}
	doc.SetIntegerFormatValidator("even", openapi3.NewCallbackValidator(func(n int64) error {
		if n%2 != 0 {
			return errors.New("odd")
		}
		return nil
	}))
	doc.SetNumberFormatValidator("unit", openapi3.NewRangeFormatValidator(0.0, 1.0))
	fast, full := Formats(doc, nil)
	opts := SchemaOptions(doc)
	if full != nil {
		opts = full
	}
	op := compiled(t, doc, "POST", "/things", fast)
	now := func() time.Time { return time.Unix(0, 0) }
	for _, body := range []string{`{"count":3}`, `{"ratio":7.5}`, `{"count":2,"ratio":0.5}`} {
		req, _ := http.NewRequest("POST", "https://x.example/things", bytes.NewReader([]byte(body)))
		certain := op.CertainlyValid(req, nil, now, opts)
		_, violations, err := op.Check(req, nil, now, opts)
		if err != nil {
			t.Fatal(err)
		}
		if certain && len(violations) > 0 {
			t.Errorf("fast path vouched for %s, the full check refuses it: %v", body, violations)
		}
	}
}

// The document's own email rule replaced after loading (kin-openapi's
// SetStringFormatValidator): Formats hands the fast path the loader's stale
// validator while the full check calls the new one.
func TestFastPathSeesAFormatReplacedAfterLoading(t *testing.T) {
	doc := openapi.MustLoad(openapi.PCI)
	doc.SetStringFormatValidator(openapi.FormatEmail, openapi3.NewCallbackValidator(func(s string) error {
		if !strings.HasSuffix(s, "@example.com") {
			return errors.New("not ours")
		}
		return nil
	}))
	fast, full := Formats(doc, nil)
	opts := SchemaOptions(doc)
	if full != nil {
		opts = full
	}
	op := compiled(t, doc, "POST", "/v3/deposits", fast)
	now := func() time.Time { return time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC) }
	body := strings.Replace(agreeCard, "john@example.com", "john@example.org", 1)
	req, _ := http.NewRequest("POST", "https://d24.example/v3/deposits", bytes.NewReader([]byte(body)))
	certain := op.CertainlyValid(req, nil, now, opts)
	_, violations, err := op.Check(req, nil, now, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(violations) == 0 {
		t.Fatalf("the full check accepts it too: test is wrong")
	}
	if certain {
		t.Errorf("fast path vouched for an email the document's own (replaced) rule refuses: %v", violations)
	}
}

// The fast path calls the document's own URL format (https-url): it never
// vouches for a URL field that is not a real URL, and the full check names
// the field and the format's rule.
func TestFastPathAppliesTheURLFormat(t *testing.T) {
	doc := openapi.MustLoad(openapi.Deposits)
	fast, _ := Formats(doc, nil)
	opts := SchemaOptions(doc)
	now := func() time.Time { return time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC) }
	for route, body := range map[string]string{
		"/v3/deposits": agreeDeposit,
		"/v3/refunds":  `{"deposit_id":1,"invoice_id":"inv-2","notification_url":"https://a.example/n"}`,
	} {
		op := compiled(t, doc, "POST", route, fast)
		check := func(body string) (bool, []Violation) {
			req, _ := http.NewRequest("POST", "https://d24.example"+route, bytes.NewReader([]byte(body)))
			certain := op.CertainlyValid(req, nil, now, opts)
			_, violations, err := op.Check(req, nil, now, opts)
			if err != nil {
				t.Fatal(err)
			}
			return certain, violations
		}
		if certain, violations := check(body); !certain || len(violations) > 0 {
			t.Fatalf("%s: the valid body is not on the fast path (%v)", route, violations)
		}
		for _, url := range []string{"https://\u00a0", "https:///n", "https://:443/n", "https://\v", "https://a.example/\u2028",
			"https://a.example/\u0080", "https://a.example/\u0085", "https://a.example/\u007f", "https://a.example/\u3000"} {
			quoted, _ := json.Marshal(url)
			certain, violations := check(strings.Replace(body, `"https://a.example/n"`, string(quoted), 1))
			if certain {
				t.Errorf("%s: the fast path vouched for notification_url %q", route, url)
			}
			if len(violations) != 1 || violations[0].Field != "notification_url" || !strings.HasPrefix(violations[0].Rule, "must be an https:// URL") {
				t.Errorf("%s: notification_url %q: %v", route, url, violations)
			}
		}
	}
}
