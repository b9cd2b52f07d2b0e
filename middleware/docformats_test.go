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

// A rule the document holds after it was loaded (doc.SetStringFormatValidator,
// kin-openapi's own way to give a document a format) holds in the chain: the
// fast path does not call the validator the loader attached before, alone or
// beside a rule added by WithDocument's formats for another format.
func TestDocumentFormatSetAfterLoadHolds(t *testing.T) {
	anyCard := map[string]openapi3.StringFormatValidator{openapi.FormatCardNumber: formatFunc(func(string) error { return nil })}
	for name, added := range map[string][]map[string]openapi3.StringFormatValidator{"alone": nil, "beside an added rule": {anyCard}} {
		t.Run(name, func(t *testing.T) {
			srv := newScript(t, status(200, `{}`))
			doc := openapi.MustLoad(openapi.PCI)
			doc.SetStringFormatValidator(openapi.FormatEmail, formatFunc(func(s string) error {
				if !strings.HasSuffix(s, "@example.com") {
					return errors.New("must be an address at example.com")
				}
				return nil
			}))
			rt, err := middleware.NewChain("L", "S", middleware.WithDocument(doc, added...), middleware.WithoutTracing())
			if err != nil {
				t.Fatal(err)
			}
			otherDomain := strings.Replace(validCardDeposit, "john@example.com", "john@example.org", 1)
			resp, err := (&http.Client{Transport: rt}).Post(srv.srv.URL+"/v3/deposits", "application/json", strings.NewReader(otherDomain))
			if err == nil {
				resp.Body.Close()
			}
			var verr *middleware.ValidationError
			if !errors.As(err, &verr) || !strings.Contains(verr.Error(), "payer.email: ") {
				t.Fatalf("want a ValidationError naming payer.email (the document's own rule), got %v; %d request(s) sent", err, len(srv.seen()))
			}
		})
	}
}

const intFormatDoc = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things:
    post:
      operationId: createThing
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [count, name]
              properties:
                count: {type: integer, format: even}
                name: {type: string, format: shout, minLength: 1}
      responses:
        "200": {description: ok}
`

func intFormatChain(t *testing.T, withAdded bool) (http.RoundTripper, *script) {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(intFormatDoc))
	if err != nil {
		t.Fatal(err)
	}
	doc.SetIntegerFormatValidator("even", openapi3.NewCallbackValidator(func(n int64) error {
		if n%2 != 0 {
			return errors.New("must be even")
		}
		return nil
	}))
	var formats []map[string]openapi3.StringFormatValidator
	if withAdded {
		formats = append(formats, map[string]openapi3.StringFormatValidator{"shout": formatFunc(func(s string) error {
			if strings.ToUpper(s) != s {
				return errors.New("must be upper case")
			}
			return nil
		})})
	}
	srv := newScript(t, status(200, `{}`))
	rt, err := middleware.NewChain("", "", middleware.WithAuthenticator(middleware.BearerAuth("tok")),
		middleware.WithDocument(doc, formats...), middleware.WithoutTracing())
	if err != nil {
		t.Fatal(err)
	}
	return rt, srv
}

func wantFieldRefused(t *testing.T, rt http.RoundTripper, srv *script, body, field string) {
	t.Helper()
	resp, err := (&http.Client{Transport: rt}).Post(srv.srv.URL+"/things", "application/json", strings.NewReader(body))
	if err == nil {
		resp.Body.Close()
	}
	var verr *middleware.ValidationError
	if !errors.As(err, &verr) || !strings.Contains(verr.Error(), field+": ") {
		t.Fatalf("want a ValidationError naming %s, got %v; %d request(s) sent", field, err, len(srv.seen()))
	}
}

// formats added with WithDocument replace the document's whole
// set of format options in the full check (schemacheck.Formats returns only
// WithStringFormatValidators(combined)): the document's integer formats
// (SetIntegerFormatValidator) are dropped, so adding a string rule removes an
// integer one. name "a" fails the fast path so the full check reports.
func TestAddedStringFormatsKeepTheDocumentsIntegerFormats(t *testing.T) {
	t.Run("without added formats (holds)", func(t *testing.T) {
		rt, srv := intFormatChain(t, false)
		wantFieldRefused(t, rt, srv, `{"count":3,"name":""}`, "count")
	})
	t.Run("with an added string format", func(t *testing.T) {
		rt, srv := intFormatChain(t, true)
		wantFieldRefused(t, rt, srv, `{"count":3,"name":"a"}`, "count")
	})
}

// (Found by review, older than the plugin work; fast path vs full check.) the fast path checks an
// integer's custom format as if it were a string format (formatProbe), so
// an odd count under format "even" is certainly valid and sent, while the
// full check refuses it.
func TestFastPathChecksIntegerFormats(t *testing.T) {
	rt, srv := intFormatChain(t, false)
	wantFieldRefused(t, rt, srv, `{"count":3,"name":"A"}`, "count")
}
