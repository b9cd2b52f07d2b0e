package d24_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/d24go/d24"
	"github.com/d24go/d24/d24test"
	"github.com/d24go/d24/types"
)

func amountFromJSON(t *testing.T, s string) d24.Amount {
	var a d24.Amount
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		t.Fatal(err)
	}
	return a
}

func ptr[T any](v T) *T { return &v }

// One invalid request per rule of D24's documents, each refused before sending
// with the field named, and not one request reaching the sandbox.
func TestBadInputNeverLeaves(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	client := newClient(t, srv)
	defer client.CloseIdleConnections()
	long := func(n int) string { return strings.Repeat("a", n) }
	card := []struct {
		rule, field string
		edit        func(r *d24.CardDepositRequest)
	}{
		{"invoice_id required", "invoice_id", func(r *d24.CardDepositRequest) { r.InvoiceID = "" }},
		{"invoice_id length", "invoice_id", func(r *d24.CardDepositRequest) { r.InvoiceID = long(129) }},
		{"invoice_id pattern", "invoice_id", func(r *d24.CardDepositRequest) { r.InvoiceID = "order 1" }},
		{"amount zero", "amount", func(r *d24.CardDepositRequest) { r.Amount = d24.Amount{} }},
		{"amount negative", "amount", func(r *d24.CardDepositRequest) { r.Amount = types.MustParseAmount("-1") }},
		{"amount three decimals", "amount", func(r *d24.CardDepositRequest) { r.Amount = amountFromJSON(t, "10.005") }},
		{"amount above 18 digits", "amount", func(r *d24.CardDepositRequest) { r.Amount = types.MustParseAmount("1000000000000000000") }},
		{"country required", "country", func(r *d24.CardDepositRequest) { r.Country = "" }},
		{"country uppercase", "country", func(r *d24.CardDepositRequest) { r.Country = "br" }},
		{"country length", "country", func(r *d24.CardDepositRequest) { r.Country = "BRA" }},
		{"currency required", "currency", func(r *d24.CardDepositRequest) { r.Currency = "" }},
		{"currency length", "currency", func(r *d24.CardDepositRequest) { r.Currency = "R$" }},
		{"installments 0", "installments", func(r *d24.CardDepositRequest) { r.Installments = ptr(int32(0)) }},
		{"installments 13", "installments", func(r *d24.CardDepositRequest) { r.Installments = ptr(int32(13)) }},
		{"client_ip required", "client_ip", func(r *d24.CardDepositRequest) { r.ClientIP = "" }},
		{"client_ip invalid IPv4", "client_ip", func(r *d24.CardDepositRequest) { r.ClientIP = "300.1.1.1" }},
		{"client_ip host name", "client_ip", func(r *d24.CardDepositRequest) { r.ClientIP = "localhost" }},
		{"email format", "payer.email", func(r *d24.CardDepositRequest) { r.Payer.Email = "john.example.com" }},
		{"email length", "payer.email", func(r *d24.CardDepositRequest) { r.Payer.Email = long(250) + "@x.com" }},
		{"document required", "payer.document", func(r *d24.CardDepositRequest) { r.Payer.Document = "" }},
		{"document length", "payer.document", func(r *d24.CardDepositRequest) { r.Payer.Document = long(31) }},
		{"document_type length", "payer.document_type", func(r *d24.CardDepositRequest) { r.Payer.DocumentType = long(11) }},
		{"first_name required", "payer.first_name", func(r *d24.CardDepositRequest) { r.Payer.FirstName = "" }},
		{"last_name length", "payer.last_name", func(r *d24.CardDepositRequest) { r.Payer.LastName = long(129) }},
		{"payer id pattern", "payer.id", func(r *d24.CardDepositRequest) { r.Payer.ID = "user-1" }},
		{"phone length", "payer.phone", func(r *d24.CardDepositRequest) { r.Payer.Phone = long(33) }},
		{"birth_date pattern", "payer.birth_date", func(r *d24.CardDepositRequest) { r.Payer.BirthDate = "1988-09-10" }},
		{"state length", "payer.address.state", func(r *d24.CardDepositRequest) { r.Payer.Address.State = "SPXX" }},
		{"zip_code length", "payer.address.zip_code", func(r *d24.CardDepositRequest) { r.Payer.Address.ZipCode = long(17) }},
		{"card number Luhn", "credit_card.card_number", func(r *d24.CardDepositRequest) { r.CreditCard.CardNumber = "4111111111111112" }},
		{"card number too short", "credit_card.card_number", func(r *d24.CardDepositRequest) { r.CreditCard.CardNumber = "411111111111" }},
		{"card number spaces", "credit_card.card_number", func(r *d24.CardDepositRequest) { r.CreditCard.CardNumber = "4111 1111 1111 1111" }},
		{"cvv digits", "credit_card.cvv", func(r *d24.CardDepositRequest) { r.CreditCard.Cvv = "12a" }},
		{"cvv length", "credit_card.cvv", func(r *d24.CardDepositRequest) { r.CreditCard.Cvv = "12345" }},
		{"month 13", "credit_card.expiration_month", func(r *d24.CardDepositRequest) { r.CreditCard.ExpirationMonth = "13" }},
		{"month 00", "credit_card.expiration_month", func(r *d24.CardDepositRequest) { r.CreditCard.ExpirationMonth = "00" }},
		{"year four digits", "credit_card.expiration_year", func(r *d24.CardDepositRequest) { r.CreditCard.ExpirationYear = "2030" }},
		{"past expiry", "credit_card.expiration_year", func(r *d24.CardDepositRequest) { r.CreditCard.ExpirationYear = "20" }},
		{"holder_name required", "credit_card.holder_name", func(r *d24.CardDepositRequest) { r.CreditCard.HolderName = "" }},
		{"holder_name length", "credit_card.holder_name", func(r *d24.CardDepositRequest) { r.CreditCard.HolderName = long(257) }},
		{"no card, token or identifier", "credit_card|card_token|card_identifier", func(r *d24.CardDepositRequest) { r.CreditCard = d24.CreditCard{} }},
		{"card and token together", "credit_card|card_token|card_identifier", func(r *d24.CardDepositRequest) { r.CardToken = "tok" }},
		{"card_token length", "card_token", func(r *d24.CardDepositRequest) { r.CreditCard, r.CardToken = d24.CreditCard{}, long(51) }},
		{"description length", "description", func(r *d24.CardDepositRequest) { r.Description = long(101) }},
		{"device_id length", "device_id", func(r *d24.CardDepositRequest) { r.DeviceID = long(101) }},
		{"external_subscription_id length", "external_subscription_id", func(r *d24.CardDepositRequest) { r.ExternalSubscriptionID = long(129) }},
	}
	deposit := []struct {
		rule, field string
		edit        func(r *d24.DepositRequest)
	}{
		{"notification_url over http", "notification_url", func(r *d24.DepositRequest) { r.NotificationURL = "http://shop.example/n" }},
		{"back_url length", "back_url", func(r *d24.DepositRequest) { r.BackURL = "https://x.example/" + long(2040) }},
		{"language code", "language", func(r *d24.DepositRequest) { r.Language = "Portuguese" }},
		{"payment_method length", "payment_method", func(r *d24.DepositRequest) { r.PaymentMethod = "BOLETO" }},
		{"reported bank account length", "reported_info.bank_account_number", func(r *d24.DepositRequest) { r.ReportedInfo.BankAccountNumber = long(46) }},
		{"registration_date pattern", "payer.registration_date", func(r *d24.DepositRequest) { r.Payer.RegistrationDate = "2021/11/23" }},
		{"bonus_amount three decimals", "bonus_amount", func(r *d24.DepositRequest) { r.BonusAmount = amountFromJSON(t, "1.999") }},
	}
	check := func(t *testing.T, err error, field string) {
		t.Helper()
		var invalid *d24.ValidationError
		if !errors.As(err, &invalid) {
			t.Fatalf("want *ValidationError, got %v", err)
		}
		for _, f := range invalid.Fields() {
			if f == field {
				return
			}
		}
		t.Errorf("field %q not named in %v", field, invalid)
	}
	ctx := context.Background()
	for _, c := range card {
		t.Run("card/"+c.rule, func(t *testing.T) {
			r := cardDeposit("bad-1", canaryCard)
			c.edit(&r)
			_, err := client.CreateCardDeposit(ctx, r)
			check(t, err, c.field)
		})
	}
	for _, c := range deposit {
		t.Run("deposit/"+c.rule, func(t *testing.T) {
			r := d24.DepositRequest{InvoiceID: "bad-2", Amount: types.MustParseAmount("10"), Country: "BR"}
			c.edit(&r)
			_, err := client.CreateDeposit(ctx, r)
			check(t, err, c.field)
		})
	}
	for _, id := range []int64{0, -5} {
		_, err := client.GetDeposit(ctx, id)
		check(t, err, "deposit_id")
	}
	blank := newClient(t, srv, d24.WithIdempotencyKeyFunc(func(*http.Request, []byte) (string, error) { return "  ", nil }))
	_, err := blank.CreateCardDeposit(ctx, cardDeposit("bad-3", canaryCard))
	check(t, err, "X-Idempotency-Key")

	if n := len(card) + len(deposit) + 3; n < 40 {
		t.Errorf("only %d rules", n)
	}
	if reqs := srv.Requests(); len(reqs) != 0 {
		t.Errorf("%d invalid requests reached D24", len(reqs))
	}
}
