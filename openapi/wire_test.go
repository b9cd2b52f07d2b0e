package openapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/d24go/d24/generated/common"
	"github.com/d24go/d24/generated/deposits"
	"github.com/d24go/d24/generated/pci"
	"github.com/d24go/d24/types"
)

// recorder is a loopback server that keeps the last request and answers with a
// fixed body.
type recorder struct {
	body   string
	header http.Header
	answer string
}

func (r *recorder) serve(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.body, r.header = string(b), req.Header.Clone()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, r.answer)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func cardRequest(amount types.Amount) pci.CardDepositRequest {
	return pci.CardDepositRequest{
		InvoiceID: "inv-1", Amount: amount, Country: "BR", Currency: "BRL", ClientIP: "123.123.123.123",
		Payer: common.Payer{Document: "84932568207", DocumentType: "CPF", Email: "j@example.com", FirstName: "John", LastName: "Smith"},
		CreditCard: pci.CreditCard{
			CardNumber: "4111111111111111", Cvv: "123", ExpirationMonth: "10", ExpirationYear: "99", HolderName: "JOHN SMITH",
		},
	}
}

// An amount computed as 0.10 + 0.20 reaches the wire as 0.3, and the generated
// method asks for no X-Date, X-Login or Authorization (the signer owns them).
func TestAmountReachesTheWireExactly(t *testing.T) {
	rec := &recorder{answer: `{"deposit_id":1,"merchant_invoice_id":"inv-1","payment_info":{"result":"SUCCESS"}}`}
	client, err := pci.NewClient(rec.serve(t).URL)
	if err != nil {
		t.Fatal(err)
	}
	sum := types.MustParseAmount("0.10").Add(types.MustParseAmount("0.20"))
	resp, err := client.CreateCardDeposit(t.Context(), nil, cardRequest(sum))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.Contains(rec.body, `"amount":0.3,`) {
		t.Errorf("body on the wire: %s", rec.body)
	}
	for _, h := range []string{"X-Date", "X-Login", "Authorization", "X-Idempotency-Key"} {
		if _, set := rec.header[h]; set {
			t.Errorf("generated client set %s by itself", h)
		}
	}
}

// A caller's idempotency key goes out as given; no key means no header at all,
// never a blank one (D24 answers a blank optional header with 105).
func TestIdempotencyKeyParameter(t *testing.T) {
	rec := &recorder{answer: `{"deposit_id":1,"checkout_type":"HOSTED"}`}
	client, _ := deposits.NewClient(rec.serve(t).URL)
	key := "order-42"
	req := deposits.DepositRequest{InvoiceID: "inv-1", Amount: types.MustParseAmount("10"), Country: "BR"}
	resp, err := client.CreateDeposit(t.Context(), &deposits.CreateDepositParams{XIdempotencyKey: &key}, req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := rec.header.Get("X-Idempotency-Key"); got != key {
		t.Errorf("X-Idempotency-Key = %q, want %q", got, key)
	}
	resp, err = client.CreateDeposit(t.Context(), &deposits.CreateDepositParams{}, req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, set := rec.header["X-Idempotency-Key"]; set {
		t.Error("an absent key was sent as a blank header")
	}
	if rec.body != `{"amount":10,"country":"BR","invoice_id":"inv-1"}` {
		t.Errorf("optional fields were not left off the wire: %s", rec.body)
	}
}

// Responses decode leniently: more decimals than requests allow, numbers as
// strings, both timestamp formats, unknown fields and unknown enum values.
func TestResponsesDecodeLeniently(t *testing.T) {
	rec := &recorder{answer: `{"deposit_id":300004285,"status":"SOMETHING_NEW","local_amount":"6.9448",
		"usd_amount":1000.00,"bonus_relative":"false","refunded":"True","brand_new_field":{"x":[1,2]},
		"bank_account":{"account_number":10122538,"ispb_code":"00000000"}}`}
	client, _ := deposits.NewClientWithResponses(rec.serve(t).URL)
	resp, err := client.GetDepositWithResponse(t.Context(), 300004285)
	if err != nil {
		t.Fatal(err)
	}
	got := resp.JSON200
	if got == nil {
		t.Fatalf("no JSON200 for %s", resp.Body)
	}
	if got.Status != "SOMETHING_NEW" || got.Status.Valid() {
		t.Errorf("unknown status decoded as %q (valid=%v)", got.Status, got.Status.Valid())
	}
	if got.LocalAmount.String() != "6.9448" || got.UsdAmount.String() != "1000" {
		t.Errorf("amounts: %s %s", got.LocalAmount, got.UsdAmount)
	}
	if got.BonusRelative || !got.Refunded {
		t.Errorf("booleans: %v %v", got.BonusRelative, got.Refunded)
	}
	if got.BankAccount.AccountNumber != "10122538" || got.BankAccount.IspbCode != "00000000" {
		t.Errorf("bank account: %+v", got.BankAccount)
	}
	if rec.body != "" {
		t.Errorf("status GET sent a body: %q", rec.body)
	}
}

func TestCardResponseKeepsDigitsAndBothTimestamps(t *testing.T) {
	for _, answer := range []string{
		`{"deposit_id":1,"merchant_invoice_id":"a","payment_info":{"result":"REJECTED","reason_code":"INSUFFICIENT_FUNDS","amount":6.9448,"created_at":"2021-02-05 22:10:45"}}`,
		`{"deposit_id":1,"merchant_invoice_id":"a","payment_info":{"result":"REJECTED","reason_code":"INSUFFICIENT_FUNDS","amount":"6.9448","created_at":"2021-02-05T22:10:45.000Z"}}`,
	} {
		var got pci.CardDepositResponse
		if err := json.Unmarshal([]byte(answer), &got); err != nil {
			t.Fatal(err)
		}
		info := got.PaymentInfo
		if info.Amount.String() != "6.9448" || info.Result != pci.CardResultRejected || info.ReasonCode != pci.ReasonInsufficientFunds {
			t.Errorf("decoded %+v", info)
		}
		if info.CreatedAt.UTC().Format(types.Layout) != "2021-02-05 22:10:45" {
			t.Errorf("created_at = %v", info.CreatedAt.Time)
		}
	}
}
