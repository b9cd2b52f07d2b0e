package openapi_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/d24go/d24/generated/common"
	"github.com/d24go/d24/generated/deposits"
	"github.com/d24go/d24/generated/pci"
	"github.com/d24go/d24/generated/readonly"
	"github.com/d24go/d24/internal/docformats"
	"github.com/d24go/d24/openapi"
)

// exampleKind says where an example of the reference pages belongs: which
// schema of which document it must satisfy, and which generated type it must
// decode into.
type exampleKind struct {
	doc    string
	schema func(*openapi3.T) *openapi3.SchemaRef
	target func() any
}

func requestSchema(path, method string) func(*openapi3.T) *openapi3.SchemaRef {
	return func(doc *openapi3.T) *openapi3.SchemaRef {
		return doc.Paths.Find(path).GetOperation(method).RequestBody.Value.Content.Get("application/json").Schema
	}
}

func responseSchema(path, method string, status int) func(*openapi3.T) *openapi3.SchemaRef {
	return func(doc *openapi3.T) *openapi3.SchemaRef {
		return doc.Paths.Find(path).GetOperation(method).Responses.Status(status).Value.Content.Get("application/json").Schema
	}
}

var exampleKinds = map[string]exampleKind{
	"card-deposit-request":  {openapi.PCI, requestSchema("/v3/deposits", "POST"), func() any { return new(pci.CardDepositRequest) }},
	"card-deposit-response": {openapi.PCI, responseSchema("/v3/deposits", "POST", 200), func() any { return new(pci.CardDepositResponse) }},
	"deposit-request":       {openapi.Deposits, requestSchema("/v3/deposits", "POST"), func() any { return new(deposits.DepositRequest) }},
	"deposit-response":      {openapi.Deposits, responseSchema("/v3/deposits", "POST", 200), func() any { return new(deposits.DepositResponse) }},
	"deposit-status":        {openapi.Deposits, responseSchema("/v3/deposits/{deposit_id}", "GET", 200), func() any { return new(deposits.DepositStatus) }},
	"error":                 {openapi.PCI, responseSchema("/v3/deposits", "POST", 400), func() any { return new(common.Error) }},
	"notification": {openapi.Deposits, func(doc *openapi3.T) *openapi3.SchemaRef {
		return doc.Components.Schemas["DepositNotification"]
	}, func() any { return new(deposits.DepositNotification) }},
	"refund-request":  {openapi.Deposits, requestSchema("/v3/refunds", "POST"), func() any { return new(deposits.RefundRequest) }},
	"refund-response": {openapi.Deposits, responseSchema("/v3/refunds", "POST", 200), func() any { return new(deposits.RefundResponse) }},
	"refund-status":   {openapi.Deposits, responseSchema("/v3/refunds/{refund_id}", "GET", 200), func() any { return new(deposits.RefundStatus) }},
	"refund-notification": {openapi.Deposits, func(doc *openapi3.T) *openapi3.SchemaRef {
		return doc.Components.Schemas["RefundNotification"]
	}, func() any { return new(deposits.RefundNotification) }},
	"payment-methods":      {openapi.ReadOnly, responseSchema("/v3/payment_methods", "GET", 200), func() any { return new([]readonly.PaymentMethod) }},
	"exchange-rate":        {openapi.ReadOnly, responseSchema("/v3/exchange_rates", "GET", 200), func() any { return new(readonly.ExchangeRate) }},
	"crypto-exchange-rate": {openapi.ReadOnly, responseSchema("/v3/exchange_rates/crypto", "GET", 200), func() any { return new(readonly.CryptoExchangeRate) }},
	"states":               {openapi.ReadOnly, responseSchema("/v3/states", "GET", 200), func() any { return new([]readonly.State) }},
	"banks":                {openapi.ReadOnly, responseSchema("/v3/banks", "GET", 200), func() any { return new([]readonly.Bank) }},
}

func loadDocs(t testing.TB) map[string]*openapi3.T {
	t.Helper()
	docs := map[string]*openapi3.T{}
	for _, name := range []string{openapi.PCI, openapi.Deposits, openapi.ReadOnly} {
		doc, err := openapi.Load(name)
		if err != nil {
			t.Fatalf("Load(%s): %v", name, err)
		}
		docs[name] = doc
	}
	return docs
}

func TestDocumentsAreValid(t *testing.T) {
	for name, doc := range loadDocs(t) {
		if err := doc.Validate(t.Context()); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if len(doc.Servers) != 4 {
			t.Errorf("%s: want staging and production servers of both brands, got %d", name, len(doc.Servers))
		}
	}
	if _, err := openapi.Load("nope.yaml"); err == nil {
		t.Error("Load of an unknown document succeeded")
	}
}

// Every example of the reference pages validates against its schema and decodes
// into its generated type, with no field the schema does not know.
func TestReferenceExamples(t *testing.T) {
	docs := loadDocs(t)
	files, err := filepath.Glob("testdata/examples/*.json")
	if err != nil || len(files) < 25 {
		t.Fatalf("want every reference example in testdata/examples, found %d (%v)", len(files), err)
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			kind, ok := exampleKinds[strings.SplitN(name, "--", 2)[0]]
			if !ok {
				t.Fatalf("no kind for %s", name)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			doc := docs[kind.doc]
			var value any
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.UseNumber()
			if err := dec.Decode(&value); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			opts := append(doc.GetSchemaValidationOptions(), openapi3.MultiErrors())
			if err := kind.schema(doc).Value.VisitJSON(value, opts...); err != nil {
				t.Errorf("does not validate against its schema: %v", err)
			}
			strict := json.NewDecoder(bytes.NewReader(data))
			strict.DisallowUnknownFields()
			if err := strict.Decode(kind.target()); err != nil {
				t.Errorf("does not decode into its generated type: %v", err)
			}
			// A type with its own UnmarshalJSON (x-integer-or-string) decodes
			// without the decoder's DisallowUnknownFields: the schema, which
			// the type is generated from, must name every member instead.
			if unknown := undescribed(kind.schema(doc).Value, value, ""); len(unknown) > 0 {
				t.Errorf("members its schema does not describe: %v", unknown)
			}
		})
	}
}

// undescribed returns the members of value, at any depth, that schema names
// nowhere (in its properties or those of its allOf, oneOf and anyOf
// alternatives) in an object that takes no additional properties.
func undescribed(schema *openapi3.Schema, value any, path string) []string {
	var out []string
	switch v := value.(type) {
	case map[string]any:
		for name, member := range v {
			var subs []*openapi3.Schema
			open := false
			var collect func(s *openapi3.Schema)
			collect = func(s *openapi3.Schema) {
				if p := s.Properties[name]; p != nil {
					subs = append(subs, p.Value)
				}
				if s.AdditionalProperties.Schema != nil || s.AdditionalProperties.Has != nil && *s.AdditionalProperties.Has {
					open = true
				}
				for _, list := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
					for _, ref := range list {
						collect(ref.Value)
					}
				}
			}
			collect(schema)
			if len(subs) == 0 && !open {
				out = append(out, path+name)
			}
			for _, sub := range subs {
				out = append(out, undescribed(sub, member, path+name+".")...)
			}
		}
	case []any:
		if schema.Items != nil {
			for _, item := range v {
				out = append(out, undescribed(schema.Items.Value, item, path+"[].")...)
			}
		}
	}
	return out
}

// The examples the pages print as something other than JSON stay unparseable,
// so the -fixed copies are the only ones changed.
func TestExamplesThatAreNotJSON(t *testing.T) {
	files, _ := filepath.Glob("testdata/examples/*.notjson")
	if len(files) != 2 {
		t.Fatalf("want 2 .notjson examples, got %d", len(files))
	}
	for _, file := range files {
		data, _ := os.ReadFile(file)
		if json.Valid(data) {
			t.Errorf("%s is valid JSON; move it to .json", file)
		}
		if _, err := os.Stat(strings.TrimSuffix(file, ".notjson") + "-fixed.json"); err != nil {
			t.Errorf("%s has no -fixed.json copy", file)
		}
	}
}

func validate(t *testing.T, doc *openapi3.T, schema *openapi3.SchemaRef, body string) error {
	t.Helper()
	var value any
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&value); err != nil {
		t.Fatal(err)
	}
	return schema.Value.VisitJSON(value, doc.GetSchemaValidationOptions()...)
}

// The documents carry the rules: each of these bodies breaks exactly one.
func TestRequestRules(t *testing.T) {
	docs := loadDocs(t)
	card := `"credit_card":{"card_number":"4111111111111111","cvv":"123","expiration_month":"10","expiration_year":"99","holder_name":"J S"}`
	payer := `"payer":{"document":"84932568207","document_type":"CPF","email":"j@example.com","first_name":"J","last_name":"S"}`
	base := `"invoice_id":"inv-1","country":"BR","currency":"BRL","client_ip":"123.123.123.123",` + payer
	cardReq := requestSchema("/v3/deposits", "POST")(docs[openapi.PCI])
	depReq := requestSchema("/v3/deposits", "POST")(docs[openapi.Deposits])
	cases := []struct {
		name  string
		doc   string
		body  string
		valid bool
	}{
		{"valid card deposit", openapi.PCI, `{` + base + `,"amount":10.5,` + card + `}`, true},
		{"valid card token", openapi.PCI, `{` + base + `,"amount":10.5,"card_token":"tok"}`, true},
		{"D24 test card failing Luhn", openapi.PCI, `{` + base + `,"amount":1,` + strings.Replace(card, "4111111111111111", "4000000000000060", 1) + `}`, true},
		{"one-digit month from the endpoint page", openapi.PCI, `{` + base + `,"amount":1,` + strings.Replace(card, `"10"`, `"5"`, 1) + `}`, true},
		{"third decimal", openapi.PCI, `{` + base + `,"amount":10.005,` + card + `}`, false},
		{"third decimal in a string", openapi.Deposits, `{"invoice_id":"a","country":"BR","amount":"10.005"}`, false},
		{"zero amount", openapi.PCI, `{` + base + `,"amount":0,` + card + `}`, false},
		{"zero amount in a string", openapi.Deposits, `{"invoice_id":"a","country":"BR","amount":"0.00"}`, false},
		{"leading zero in a string", openapi.Deposits, `{"invoice_id":"a","country":"BR","amount":"007"}`, false},
		{"cents in a string", openapi.Deposits, `{"invoice_id":"a","country":"BR","amount":"0.05"}`, true},
		{"18 digits in a string", openapi.Deposits, `{"invoice_id":"a","country":"BR","amount":"999999999999999999.99"}`, true},
		{"19 digits in a string", openapi.Deposits, `{"invoice_id":"a","country":"BR","amount":"1000000000000000000"}`, false},
		{"no card at all", openapi.PCI, `{` + base + `,"amount":1}`, false},
		{"card and token together", openapi.PCI, `{` + base + `,"amount":1,"card_token":"t",` + card + `}`, false},
		{"Luhn failure", openapi.PCI, `{` + base + `,"amount":1,` + strings.Replace(card, "4111111111111111", "4111111111111112", 1) + `}`, false},
		{"month 13", openapi.PCI, `{` + base + `,"amount":1,` + strings.Replace(card, `"10"`, `"13"`, 1) + `}`, false},
		{"installments 0", openapi.PCI, `{` + base + `,"amount":1,"installments":0,` + card + `}`, false},
		{"installments 13", openapi.PCI, `{` + base + `,"amount":1,"installments":13,` + card + `}`, false},
		{"invalid IP", openapi.PCI, `{` + strings.Replace(base, "123.123.123.123", "999.1.1.1", 1) + `,"amount":1,` + card + `}`, false},
		{"invalid email", openapi.PCI, `{` + strings.Replace(base, "j@example.com", "not-an-email", 1) + `,"amount":1,` + card + `}`, false},
		{"card payer without last_name", openapi.PCI, `{` + strings.Replace(base, `,"last_name":"S"`, "", 1) + `,"amount":1,` + card + `}`, false},
		{"deposit payer without names (HOSTED)", openapi.Deposits, `{"invoice_id":"a","country":"BR","amount":1,"payer":{"email":"j@example.com"}}`, true},
		{"invoice_id with a space", openapi.Deposits, `{"invoice_id":"a b","country":"BR","amount":1}`, false},
		{"notification_url over http", openapi.Deposits, `{"invoice_id":"a","country":"BR","amount":1,"notification_url":"http://x.example"}`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			schema := cardReq
			if c.doc == openapi.Deposits {
				schema = depReq
			}
			err := validate(t, docs[c.doc], schema, c.body)
			if c.valid && err != nil {
				t.Errorf("want valid, got %v", err)
			}
			if err != nil {
				t.Logf("%v", err)
			}
			if !c.valid && err == nil {
				t.Error("want a validation error, got none")
			}
		})
	}
}

func TestLuhn(t *testing.T) {
	for number, ok := range map[string]bool{"4111111111111111": true, "378282246310005": true, "4111111111111112": false, "": false, "4111-1111": false} {
		if got := openapi.Luhn(number) == nil; got != ok {
			t.Errorf("Luhn(%q) = %v, want %v", number, got, ok)
		}
	}
}

func TestEmailFormat(t *testing.T) {
	doc := openapi.MustLoad(openapi.PCI)
	email := docformats.Current(doc)[openapi.FormatEmail]
	for addr, ok := range map[string]bool{
		"john@example.com": true, "j.o+hn_1@sub.example.co": true, "a@b.co": true,
		"": false, "john": false, "@example.com": false, "john@": false, "john@example": false, "john@@example.com": false,
		".john@example.com": false, "jo..hn@example.com": false, "john@-example.com": false, "john@example..com": false,
		"John Smith <john@example.com>": false, "john@exa mple.com": false, "jöhn@example.com": false,
	} {
		if got := email.Validate(addr) == nil; got != ok {
			t.Errorf("email %q: %v, want %v", addr, got, ok)
		}
	}
}

// The https-url format of every URL D24 calls or sends the payer to, through
// the document's schema (as validation sees it) and ValidateHTTPSURL alike:
// a host, no control character, no whitespace of any kind, no invisible
// character; an error never quotes the URL.
func TestHTTPSURLFormat(t *testing.T) {
	doc := openapi.MustLoad(openapi.Common)
	schema := doc.Components.Schemas["HTTPSURL"].Value
	opts := doc.GetSchemaValidationOptions()
	check := func(url string, want bool) {
		t.Helper()
		err := schema.VisitJSON(url, opts...)
		if (err == nil) != want {
			t.Errorf("%q: %v, want valid %v", url, err, want)
		}
		if direct := openapi.ValidateHTTPSURL(url); (direct == nil) != want {
			t.Errorf("ValidateHTTPSURL(%q) = %v, want valid %v", url, direct, want)
		} else if direct != nil && (!strings.HasPrefix(direct.Error(), "must be an https:// URL") || strings.Contains(direct.Error(), "shop")) {
			t.Errorf("ValidateHTTPSURL(%q) = %q: not the rule, or quotes the URL", url, direct)
		}
	}
	for _, url := range []string{"https://shop.example/d24", "https://shop.example", "https://shop.example:8443/n?o=1&x=%20#f",
		"https://shop_1.example/n", "https://[2001:db8::1]/n", "https://127.0.0.1/n", "https://user:pw@shop.example/n",
		"https://shop.example/pagó", "https://münchen.example/n", "https://shop.example/" + strings.Repeat("a", 2027)} {
		check(url, true)
	}
	for _, url := range []string{"", "https://", "https:///shop", "https://:443/shop", "https://user@/shop", "https://[]/shop",
		"http://shop.example/n", "HTTPS://shop.example/n", "ftp://shop.example", "shop.example/n", "//shop.example/n",
		"https://shop.example/%zz", "https://shop.example:port/n",
		"https://shop.example/\xff", "https://shop.example\\@evil.example/"} {
		check(url, false)
	}
	// Every control character, whitespace and invisible format character
	// Unicode knows, in the host and in the path.
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !unicode.IsSpace(r) && !unicode.In(r, unicode.Cc, unicode.Z, unicode.Cf) {
			continue
		}
		check("https://sh"+string(r)+"op.example/n", false)
		check("https://shop.example/n"+string(r)+"x", false)
	}
	for _, r := range "éñ中ÿ€😀" {
		check("https://shop.example/"+string(r), true)
	}
}
