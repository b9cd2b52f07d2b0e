package middleware_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/d24go/d24/internal/schemacheck"
	"github.com/d24go/d24/middleware"
	"github.com/d24go/d24/openapi"
)

const validCardDeposit = `{"invoice_id":"inv-1","amount":100.5,"country":"BR","currency":"BRL","client_ip":"203.0.113.7",
"payer":{"document":"84932568207","document_type":"CPF","email":"john@example.com","first_name":"John","last_name":"Smith"},
"credit_card":{"card_number":"4111111111111111","cvv":"987","expiration_month":"10","expiration_year":"30","holder_name":"JOHN SMITH"}}`

const validDeposit = `{"invoice_id":"inv-2","amount":"1000","country":"BR","currency":"BRL","payer":{"email":"a@example.com"}}`

var validationNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func validatingClient(t *testing.T, doc string) *http.Client {
	t.Helper()
	v, err := middleware.NewValidator(openapi.MustLoad(doc), nil, middleware.WithClock(fixedClock(validationNow)), middleware.WithAPI(middleware.D24()))
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: v}
}

func TestValidRequestsPassUnchanged(t *testing.T) {
	srv := newScript(t, status(200, `{}`))
	for _, c := range []struct{ doc, body string }{{openapi.PCI, validCardDeposit}, {openapi.Deposits, validDeposit}} {
		doc, body := c.doc, c.body
		resp, err := validatingClient(t, doc).Post(srv.srv.URL+"/v3/deposits", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		resp.Body.Close()
	}
	resp, err := validatingClient(t, openapi.Deposits).Get(srv.srv.URL + "/base/v3/deposits/300004285")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	reqs := srv.seen()
	if len(reqs) != 3 || reqs[0].body != validCardDeposit || reqs[1].body != validDeposit {
		t.Errorf("bodies changed or requests lost: %d", len(reqs))
	}
}

// Each invalid request is refused with its field named, and never sent.
func TestValidationTable(t *testing.T) {
	card := func(old, new string) string { return strings.Replace(validCardDeposit, old, new, 1) }
	cases := []struct {
		name, doc, method, path, body, header, field string
	}{
		{"missing invoice_id", openapi.PCI, "POST", "/v3/deposits", card(`"invoice_id":"inv-1",`, ""), "", "invoice_id"},
		{"invoice_id pattern", openapi.PCI, "POST", "/v3/deposits", card(`"inv-1"`, `"inv 1"`), "", "invoice_id"},
		{"invoice_id length", openapi.PCI, "POST", "/v3/deposits", card(`"inv-1"`, `"`+strings.Repeat("a", 129)+`"`), "", "invoice_id"},
		{"three decimals", openapi.PCI, "POST", "/v3/deposits", card(`100.5`, `100.505`), "", "amount"},
		{"negative amount", openapi.PCI, "POST", "/v3/deposits", card(`100.5`, `-1`), "", "amount"},
		{"amount as text", openapi.PCI, "POST", "/v3/deposits", card(`100.5`, `"lots"`), "", "amount"},
		{"country length", openapi.PCI, "POST", "/v3/deposits", card(`"BR"`, `"BRA"`), "", "country"},
		{"currency lowercase", openapi.PCI, "POST", "/v3/deposits", card(`"BRL"`, `"brl"`), "", "currency"},
		{"installments 0", openapi.PCI, "POST", "/v3/deposits", card(`"country"`, `"installments":0,"country"`), "", "installments"},
		{"installments 13", openapi.PCI, "POST", "/v3/deposits", card(`"country"`, `"installments":13,"country"`), "", "installments"},
		{"invalid IP", openapi.PCI, "POST", "/v3/deposits", card(`203.0.113.7`, `203.0.113.700`), "", "client_ip"},
		{"invalid email", openapi.PCI, "POST", "/v3/deposits", card(`john@example.com`, `john.example.com`), "", "payer.email"},
		{"payer last_name required", openapi.PCI, "POST", "/v3/deposits", card(`,"last_name":"Smith"`, ``), "", "payer.last_name"},
		{"birth_date pattern", openapi.PCI, "POST", "/v3/deposits", card(`"last_name":"Smith"`, `"last_name":"Smith","birth_date":"1988-09-10"`), "", "payer.birth_date"},
		{"Luhn", openapi.PCI, "POST", "/v3/deposits", card(canaryCard, "4111111111111112"), "", "credit_card.card_number"},
		{"card too short", openapi.PCI, "POST", "/v3/deposits", card(canaryCard, "411111111111"), "", "credit_card.card_number"},
		{"card with spaces", openapi.PCI, "POST", "/v3/deposits", card(canaryCard, "4111 1111 1111 1111"), "", "credit_card.card_number"},
		{"cvv letters", openapi.PCI, "POST", "/v3/deposits", card(`"987"`, `"98a"`), "", "credit_card.cvv"},
		{"month 13", openapi.PCI, "POST", "/v3/deposits", card(`"10"`, `"13"`), "", "credit_card.expiration_month"},
		{"past expiry", openapi.PCI, "POST", "/v3/deposits", card(`"expiration_year":"30"`, `"expiration_year":"26"`), "", "credit_card.expiration_year"},
		{"year four digits", openapi.PCI, "POST", "/v3/deposits", card(`"30"`, `"2030"`), "", "credit_card.expiration_year"},
		{"no card", openapi.PCI, "POST", "/v3/deposits", card(`"credit_card"`, `"ignored"`), "", "credit_card|card_token|card_identifier"},
		{"card and token", openapi.PCI, "POST", "/v3/deposits", card(`"credit_card"`, `"card_token":"t","credit_card"`), "", "credit_card|card_token|card_identifier"},
		{"description length", openapi.PCI, "POST", "/v3/deposits", card(`"country"`, `"description":"`+strings.Repeat("d", 101)+`","country"`), "", "description"},
		{"blank idempotency key", openapi.PCI, "POST", "/v3/deposits", validCardDeposit, " ", "X-Idempotency-Key"},
		{"not JSON", openapi.PCI, "POST", "/v3/deposits", `{"invoice_id":`, "", "(body)"},
		{"deposit notification_url over http", openapi.Deposits, "POST", "/v3/deposits", strings.Replace(validDeposit, `"country"`, `"notification_url":"http://shop.example/n","country"`, 1), "", "notification_url"},
		{"deposit payment_method length", openapi.Deposits, "POST", "/v3/deposits", strings.Replace(validDeposit, `"country"`, `"payment_method":"BOLETO","country"`, 1), "", "payment_method"},
		{"deposit language", openapi.Deposits, "POST", "/v3/deposits", strings.Replace(validDeposit, `"country"`, `"language":"Portuguese","country"`, 1), "", "language"},
		{"deposit_id zero", openapi.Deposits, "GET", "/v3/deposits/0", "", "", "deposit_id"},
		{"deposit_id not a number", openapi.Deposits, "GET", "/v3/deposits/abc", "", "", "deposit_id"},
	}
	srv := newScript(t, status(200, `{}`))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(c.method, srv.srv.URL+c.path, strings.NewReader(c.body))
			if c.body == "" {
				req.Body = http.NoBody
			}
			if c.header != "" {
				req.Header.Set("X-Idempotency-Key", c.header)
			}
			_, err := validatingClient(t, c.doc).Do(req)
			var verr *middleware.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("want a *ValidationError, got %v", err)
			}
			found := false
			for _, v := range verr.Violations {
				if v.Field == c.field && v.Rule != "" {
					found = true
				}
			}
			if !found {
				t.Errorf("field %q not named: %v", c.field, verr)
			}
			if msg := fmt.Sprintf("%v %+v", err, verr); strings.Contains(msg, "4111111111111112") || strings.Contains(msg, "987") || strings.Contains(msg, "98a") {
				t.Errorf("value echoed: %s", msg)
			}
		})
	}
	if n := len(srv.seen()); n != 0 {
		t.Errorf("%d invalid requests reached the server", n)
	}
}

// Every broken rule is reported at once, in field order, each with its rule.
func TestViolationsAreAllReported(t *testing.T) {
	body := strings.NewReplacer(`100.5`, `100.505`, `john@example.com`, `nope`, `"10"`, `"13"`).Replace(validCardDeposit)
	body = strings.Replace(body, `"credit_card"`, `"card_token":"t","credit_card"`, 1)
	_, err := validatingClient(t, openapi.PCI).Post("http://127.0.0.1:1/v3/deposits", "application/json", strings.NewReader(body))
	var verr *middleware.ValidationError
	if !errors.As(err, &verr) {
		t.Fatal(err)
	}
	want := "amount: must have at most 2 decimal places; credit_card.expiration_month: must match ^(0[1-9]|1[0-2]|[1-9])$; " +
		"credit_card|card_token|card_identifier: only one of credit_card, card_token, card_identifier may be sent; payer.email: must be a valid email address"
	if !strings.HasSuffix(verr.Error(), want) || verr.Operation != "createCardDeposit" {
		t.Errorf("got  %s\nwant ...%s", verr, want)
	}
}

// D24's staging test cards fail Luhn but pass, and a one-digit month is valid.
func TestD24TestCardsPass(t *testing.T) {
	srv := newScript(t, status(200, `{}`))
	for _, number := range []string{"4000000000000060", "5454545454545450", "3530185156387080", "340000000000009"} {
		resp, err := validatingClient(t, openapi.PCI).Post(srv.srv.URL+"/v3/deposits", "application/json",
			strings.NewReader(strings.NewReplacer(canaryCard, number, `"10"`, `"5"`).Replace(validCardDeposit)))
		if err != nil {
			t.Errorf("%s: %v", number, err)
			continue
		}
		resp.Body.Close()
	}
}

// Where a document says null means absent (x-null-means-absent), an optional
// field sent as null passes, at any depth, and a required one sent as null is
// missing; the body is sent as it was.
func TestNullMeansAbsent(t *testing.T) {
	srv := newScript(t, status(200, `{}`))
	for _, c := range []struct{ doc, body string }{
		{openapi.Deposits, strings.Replace(validDeposit, `"payer":{`, `"payment_type":null,"notification_url":null,"payer":{"address":null,"phone":null,`, 1)},
		{openapi.Deposits, strings.Replace(validDeposit, `"payer":{"email":"a@example.com"}`, `"payer":null`, 1)},
		{openapi.PCI, strings.Replace(validCardDeposit, `"client_ip"`, `"card_token":null,"card_identifier":null,"device_id":null,"installments":null,"client_ip"`, 1)},
		{openapi.Deposits, `{"deposit_id":1,"invoice_id":"i","amount":null,"comments":null,"bank_account":{"branch":null}}`},
	} {
		path := "/v3/deposits"
		if strings.HasPrefix(c.body, `{"deposit_id"`) {
			path = "/v3/refunds"
		}
		resp, err := validatingClient(t, c.doc).Post(srv.srv.URL+path, "application/json", strings.NewReader(c.body))
		if err != nil {
			t.Errorf("%s: %v", c.body, err)
			continue
		}
		resp.Body.Close()
		if got := srv.seen(); got[len(got)-1].body != c.body {
			t.Errorf("body changed: %s", got[len(got)-1].body)
		}
	}
	_, err := validatingClient(t, openapi.Deposits).Post(srv.srv.URL+"/v3/deposits", "application/json",
		strings.NewReader(strings.Replace(validDeposit, `"inv-2"`, `null`, 1)))
	var verr *middleware.ValidationError
	if !errors.As(err, &verr) || verr.Error() != "d24: invalid createDeposit request, not sent: invoice_id: is required" {
		t.Errorf("a required field sent as null: %v", err)
	}
	_, err = validatingClient(t, openapi.PCI).Post(srv.srv.URL+"/v3/deposits", "application/json",
		strings.NewReader(strings.Replace(validCardDeposit, `"credit_card":{`, `"card_token":"tok","credit_card":null,"x":{`, 1)))
	if err != nil {
		t.Errorf("a null credit_card beside a card_token is one of the choices: %v", err)
	}
}

// The extensions merchants name in their documents are the ones the engine
// reads (the constants are spelt out in both packages so that go doc shows
// their values).
func TestExtensionsAreTheEngines(t *testing.T) {
	if middleware.CardExpiryExtension != schemacheck.CardExpiryExtension || middleware.NullMeansAbsentExtension != schemacheck.NullMeansAbsentExtension {
		t.Error("middleware and internal/schemacheck name different extensions")
	}
}
