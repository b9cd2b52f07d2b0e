package d24test_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/d24go/d24/d24test"
)

func completedCardDeposit(t *testing.T, srv *d24test.Server) (int64, string) {
	t.Helper()
	r := do(t, srv, "POST", srv.CardAPIURL+"/v3/deposits", cardBody("4111111111111111", "10", "30"), nil)
	return int64(r.json["deposit_id"].(float64)), r.json["merchant_invoice_id"].(string)
}

func TestRefunds(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	id, invoice := completedCardDeposit(t, srv)
	refund := func(body string) reply {
		return do(t, srv, "POST", srv.APIURL+"/v3/refunds", body, nil)
	}
	ids := func(extra string) string {
		return `{"deposit_id":` + jsonNumber(id) + `,"invoice_id":"` + invoice + `"` + extra + `}`
	}
	if r := refund(`{"deposit_id":` + jsonNumber(id) + `,"invoice_id":"someone-else"}`); r.status != 404 || r.code() != 208 {
		t.Errorf("wrong invoice: %d %s", r.status, r.raw)
	}
	if r := refund(ids(`,"amount":1000`)); r.status != 400 || r.code() != 802 {
		t.Errorf("more than the deposit: %d %s", r.status, r.raw)
	}
	partial := refund(ids(`,"amount":100.5`))
	if partial.status != 200 || partial.json["refund_info"] == nil {
		t.Fatalf("card refund: %d %s", partial.status, partial.raw)
	}
	if _, isString := partial.json["refund_id"].(string); !isString {
		t.Errorf("card refunds give refund_id as a string, as on D24's page: %s", partial.raw)
	}
	rest := refund(ids(``)) // the rest: 405.45
	info, _ := rest.json["refund_info"].(map[string]any)
	if rest.status != 200 || info["amount"] != 405.45 {
		t.Errorf("full refund of what is left: %s", rest.raw)
	}
	if r := refund(ids(`,"amount":1`)); r.code() != 802 {
		t.Errorf("nothing left: %s", r.raw)
	}
	st := do(t, srv, "GET", srv.APIURL+"/v3/deposits/"+jsonNumber(id), "", nil)
	if st.json["refunded"] != true {
		t.Errorf("deposit not marked refunded: %s", st.raw)
	}

	// A non-card deposit: pending until it completes, bank account required.
	dep := do(t, srv, "POST", srv.APIURL+"/v3/deposits", depositBody, nil)
	depID := int64(dep.json["deposit_id"].(float64))
	nonCard := func(extra string) reply {
		return refund(`{"deposit_id":` + jsonNumber(depID) + `,"invoice_id":"dep-1"` + extra + `}`)
	}
	if r := nonCard(``); r.code() != 801 {
		t.Errorf("refund of a pending deposit: %s", r.raw)
	}
	if err := srv.SetDepositStatus(depID, "COMPLETED"); err != nil {
		t.Fatal(err)
	}
	if r := nonCard(``); r.code() != 804 {
		t.Errorf("no bank account: %s", r.raw)
	}
	async := nonCard(`,"bank_account":{"beneficiary":"Carlos Ramirez","bank_code":"1","branch":"9283","account_number":"18293435","account_type":"SAVING"}`)
	refundID, isNumber := async.json["refund_id"].(float64)
	if async.status != 200 || !isNumber || len(async.json) != 1 {
		t.Fatalf("async refund: %s", async.raw)
	}
	status := do(t, srv, "GET", srv.APIURL+"/v3/refunds/"+jsonNumber(int64(refundID))+"?voucher=true", "", nil)
	if status.json["status"] != "PENDING" || status.json["voucher"] == nil || status.json["refund_id"] != nil {
		t.Errorf("refund status: %s", status.raw)
	}
	if r := do(t, srv, "GET", srv.APIURL+"/v3/refunds/999", "", nil); r.status != 404 {
		t.Errorf("unknown refund: %s", r.raw)
	}
	if r := nonCard(`,"amount":"x"`); r.code() != 201 {
		t.Errorf("invalid body: %s", r.raw)
	}
}

func TestRefundNotifications(t *testing.T) {
	got := make(chan string, 4)
	merchant := newTLSMerchant(t, func(body string) int { got <- body; return 200 })
	srv := d24test.NewServer(d24test.WithNotificationClient(merchant.Client()))
	defer srv.Close()
	dep := do(t, srv, "POST", srv.APIURL+"/v3/deposits", depositBody, nil)
	depID := int64(dep.json["deposit_id"].(float64))
	if err := srv.SetDepositStatus(depID, "COMPLETED"); err != nil {
		t.Fatal(err)
	}
	r := do(t, srv, "POST", srv.APIURL+"/v3/refunds", `{"deposit_id":`+jsonNumber(depID)+`,"invoice_id":"dep-1","notification_url":"`+merchant.URL+`","bank_account":{"account_number":"1","bank_code":"1","beneficiary":"A B"}}`, nil)
	refundID := int64(r.json["refund_id"].(float64))
	if err := srv.SetRefundStatus(refundID, "COMPLETED"); err != nil {
		t.Fatal(err)
	}
	select {
	case body := <-got:
		var n struct {
			RefundID int64 `json:"refund_id"`
		}
		if json.Unmarshal([]byte(body), &n) != nil || n.RefundID != refundID {
			t.Errorf("notification %s", body)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no refund notification")
	}
	if len(srv.Refunds()) != 1 || srv.Refunds()[0].Status != "COMPLETED" {
		t.Errorf("%+v", srv.Refunds())
	}
}

func TestReadOnlyLookups(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	get := func(path string, auth string) reply {
		return do(t, srv, "GET", srv.APIURL+path, "", func(h http.Header) {
			h.Del("X-Date")
			h.Del("X-Login")
			h.Set("Authorization", auth)
		})
	}
	bearer := "Bearer " + srv.ReadOnlyKey
	var methods []map[string]any
	r := get("/v3/payment_methods?country=BR", bearer)
	if json.Unmarshal(r.raw, &methods) != nil || len(methods) < 5 || methods[0]["code"] != "BB" {
		t.Errorf("payment methods: %s", r.raw)
	}
	if r := get("/v3/exchange_rates?country=BR&amount=10", bearer); r.json["currency"] != "BRL" || r.json["converted_amount"] != 53.162 {
		t.Errorf("exchange rate: %s", r.raw)
	}
	if r := get("/v3/exchange_rates/crypto?currency=BRL&amount=1000&crypto=USDT", bearer); r.json["fee"] == nil {
		t.Errorf("crypto: %s", r.raw)
	}
	if r := get("/v3/states?country=BR", bearer); !strings.Contains(string(r.raw), `"iso":"AP","name":"Amapá"`) {
		t.Errorf("states: %s", r.raw)
	}
	if r := get("/v3/banks?country=AR", bearer); string(r.raw) != "[]" {
		t.Errorf("banks: %s", r.raw)
	}
	if r := get("/v3/banks?country=br", bearer); r.status != 400 {
		t.Errorf("bad country: %d", r.status)
	}
	for _, auth := range []string{"", "Bearer wrong", "Bearer " + srv.SecretKey, "D24 0123"} {
		if r := get("/v3/states?country=BR", auth); r.status != 401 || r.code() != 100 {
			t.Errorf("%q: %d %s", auth, r.status, r.raw)
		}
	}
	// A signed request is not accepted in place of the read-only key.
	if r := do(t, srv, "GET", srv.APIURL+"/v3/states?country=BR", "", nil); r.status != 401 {
		t.Errorf("HMAC-signed lookup: %d", r.status)
	}
}

// newTLSMerchant is a merchant's HTTPS notification endpoint answering what
// answer returns.
func newTLSMerchant(t *testing.T, answer func(body string) int) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.WriteHeader(answer(string(b)))
	}))
	t.Cleanup(srv.Close)
	return srv
}
