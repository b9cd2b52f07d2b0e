package d24test_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/d24go/d24/d24test"
	"github.com/d24go/d24/generated/deposits"
	"github.com/d24go/d24/generated/pci"
)

// sign is this test's own reading of D24's signature (docs/d24-api.md), independent of the SDK's signer.
func sign(secret, date, login string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(date))
	m.Write([]byte(login))
	m.Write(body)
	return "D24 " + hex.EncodeToString(m.Sum(nil))
}

type reply struct {
	status int
	header http.Header
	raw    []byte
	json   map[string]any
}

func (r reply) code() float64 { c, _ := r.json["code"].(float64); return c }

func (r reply) info() map[string]any { m, _ := r.json["payment_info"].(map[string]any); return m }

// do sends a request signed for srv, with edits applied to the headers last.
func do(t *testing.T, srv *d24test.Server, method, url, body string, edit func(h http.Header)) reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	date := time.Now().UTC().Format("2006-01-02T15:04:05Z")
	req.Header.Set("X-Date", date)
	req.Header.Set("X-Login", srv.Login)
	req.Header.Set("Authorization", sign(srv.SecretKey, date, srv.Login, []byte(body)))
	req.Header.Set("Content-Type", "application/json")
	if edit != nil {
		edit(req.Header)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: b}
	_ = json.Unmarshal(b, &r.json)
	return r
}

func cardBody(number, month, year string) string {
	return `{"invoice_id":"inv-` + month + year + `","amount":505.95,"country":"MX","currency":"MXN","client_ip":"203.0.113.7",
"payer":{"document":"84932568207","document_type":"CPF","email":"john@example.com","first_name":"John","last_name":"Smith"},
"credit_card":{"card_number":"` + number + `","cvv":"123","expiration_month":"` + month + `","expiration_year":"` + year + `","holder_name":"JOHN SMITH"}}`
}

const depositBody = `{"invoice_id":"dep-1","amount":"1000","country":"BR","currency":"BRL","payer":{"id":"11","document":"84932568207","email":"juan@example.com"},"notification_url":"https://127.0.0.1:9/notify"}` // a refused loopback port: tests never reach out

func TestErrorCodesInD24sOrder(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	url := srv.CardAPIURL + "/v3/deposits"
	body := cardBody("4111111111111111", "10", "30")
	cases := []struct {
		name   string
		body   string
		edit   func(http.Header)
		status int
		code   float64
	}{
		{"missing X-Date (even with a bad body)", "{", func(h http.Header) { h.Del("X-Date") }, 400, 101},
		{"missing Authorization", body, func(h http.Header) { h.Del("Authorization") }, 400, 101},
		{"missing X-Login", body, func(h http.Header) { h.Del("X-Login") }, 400, 101},
		{"unknown login", body, func(h http.Header) { h.Set("X-Login", "someone-else") }, 401, 100},
		{"malformed X-Date", body, func(h http.Header) { h.Set("X-Date", "24/06/2020 17:13") }, 400, 103},
		{"X-Date an hour old", body, func(h http.Header) {
			h.Set("X-Date", time.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04:05Z"))
		}, 400, 103},
		{"signature over other bytes", body, func(h http.Header) {
			h.Set("Authorization", sign(srv.SecretKey, h.Get("X-Date"), srv.Login, []byte(strings.Replace(body, "505.95", "5.95", 1))))
		}, 400, 102},
		{"signature with another key", body, func(h http.Header) {
			h.Set("Authorization", sign("wrong", h.Get("X-Date"), srv.Login, []byte(body)))
		}, 400, 102},
		{"blank idempotency key", body, func(h http.Header) { h.Set("X-Idempotency-Key", "") }, 400, 105},
		{"not JSON", "{", nil, 400, 502},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, srv, "POST", url, c.body, c.edit)
			if r.status != c.status || r.code() != c.code {
				t.Errorf("got %d %s, want %d code %v", r.status, r.raw, c.status, c.code)
			}
		})
	}
	if n := len(srv.Deposits()); n != 0 {
		t.Errorf("refused requests created %d deposits", n)
	}
}

func TestValidationDetailsNeverEchoCardData(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	body := strings.NewReplacer(`"john@example.com"`, `"not-an-email"`, `"203.0.113.7"`, `"1.2.3"`).Replace(cardBody("4111111111111112", "10", "30"))
	r := do(t, srv, "POST", srv.CardAPIURL+"/v3/deposits", body, nil)
	if r.status != 400 || r.code() != 201 || r.json["type"] != "BEAN_VALIDATION_ERROR" {
		t.Fatalf("got %d %s", r.status, r.raw)
	}
	details, _ := json.Marshal(r.json["details"])
	for _, want := range []string{"payer.email: ", "client_ip: ", "credit_card.card_number: invalid credit card number"} {
		if !strings.Contains(string(details), want) {
			t.Errorf("details lack %q: %s", want, details)
		}
	}
	if strings.Contains(string(r.raw), "4111111111111112") || strings.Contains(string(r.raw), "123") {
		t.Errorf("card data echoed: %s", r.raw)
	}
}

func TestEveryTestCard(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	numbers := d24test.TestCardNumbers()
	if len(numbers) != 20 {
		t.Fatalf("%d test cards, want the 20 of the reference page", len(numbers))
	}
	brands := map[byte]string{'4': "VI", '5': "MC", '3': ""}
	for _, n := range numbers {
		wantCode, wantReason, _ := d24test.TestCardOutcome(n)
		r := do(t, srv, "POST", srv.CardAPIURL+"/v3/deposits", cardBody(n, "10", "30"), nil)
		info := r.info()
		if r.status != 200 || info["result"] != "REJECTED" || info["reason_code"] != wantCode || info["reason"] != wantReason {
			t.Errorf("%s: %d %s", n, r.status, r.raw)
		}
		if want := brands[n[0]]; want != "" && info["payment_method"] != want {
			t.Errorf("%s: payment_method %v", n, info["payment_method"])
		}
		if strings.HasPrefix(n, "34") || strings.HasPrefix(n, "37") {
			if info["payment_method"] != "AE" || info["payment_method_name"] != "American Express" {
				t.Errorf("%s: %v", n, info)
			}
		}
		if strings.HasPrefix(n, "35") && info["payment_method_name"] != "JCB" {
			t.Errorf("%s: %v", n, info)
		}
	}
	for name, c := range map[string]struct{ number, month, year, result, reason string }{
		"success":      {"4111111111111111", "10", "30", "SUCCESS", ""},
		"expired card": {"4111111111111111", "01", "20", "REJECTED", "CARD_EXPIRED"},
		"3DS card":     {d24test.DefaultThreeDSCard, "10", "30", "PENDING_AUTHENTICATION", ""},
	} {
		r := do(t, srv, "POST", srv.CardAPIURL+"/v3/deposits", cardBody(c.number, c.month, c.year), nil)
		info := r.info()
		if info["result"] != c.result || (c.reason != "" && info["reason_code"] != c.reason) {
			t.Errorf("%s: %s", name, r.raw)
		}
		if (c.result == "PENDING_AUTHENTICATION") != (r.json["authentication_url"] != nil) {
			t.Errorf("%s: authentication_url %v", name, r.json["authentication_url"])
		}
		var decoded pci.CardDepositResponse
		if err := json.Unmarshal(r.raw, &decoded); err != nil || decoded.DepositID == 0 {
			t.Errorf("%s: answer does not decode: %v", name, err)
		}
	}
}

func TestOneShotAndHosted(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	hosted := do(t, srv, "POST", srv.APIURL+"/v3/deposits", depositBody, nil)
	if hosted.status != 200 || hosted.json["checkout_type"] != "HOSTED" || hosted.json["redirect_url"] == nil || hosted.json["payment_info"] != nil {
		t.Errorf("hosted: %s", hosted.raw)
	}
	oneShot := strings.Replace(depositBody, `"payer":{"id":"11",`, `"payment_method":"IX","payer":{"id":"11","first_name":"Ricardo","last_name":"Carlos",`, 1)
	oneShot = strings.Replace(oneShot, "dep-1", "dep-2", 1)
	r := do(t, srv, "POST", srv.APIURL+"/v3/deposits", oneShot, nil)
	var got deposits.DepositResponse
	if err := json.Unmarshal(r.raw, &got); err != nil {
		t.Fatal(err)
	}
	if got.CheckoutType != deposits.CheckoutOneShot || got.PaymentInfo.PaymentMethodName != "Pix" || got.PaymentInfo.Metadata["digitable_line"] == nil || got.PaymentInfo.Amount.String() != "1000" {
		t.Errorf("one shot: %s", r.raw)
	}
	if _, isNumber := got.PaymentInfo.Metadata["reference"].(float64); !isNumber {
		t.Errorf("metadata.reference should be a number, as on D24's page: %s", r.raw)
	}
}

func TestStatusLooksLikeTheStatusPage(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	created := do(t, srv, "POST", srv.CardAPIURL+"/v3/deposits", cardBody("4111111111111111", "10", "30"), nil)
	id := int64(created.json["deposit_id"].(float64))
	r := do(t, srv, "GET", srv.APIURL+"/v3/deposits/"+itoa(id), "", nil)
	if r.status != 200 || r.json["status"] != "COMPLETED" || r.json["bonus_relative"] != "false" || r.json["payment_type"] != "CREDIT_CARD" {
		t.Fatalf("status: %s", r.raw)
	}
	var st deposits.DepositStatus
	if err := json.Unmarshal(r.raw, &st); err != nil || st.CardDetail.MaskedCard != "4111 11** **** 1111" || st.LocalAmount.String() != "505.95" {
		t.Errorf("decoded %+v %v", st, err)
	}
	if strings.Contains(string(r.raw), "4111111111111111") {
		t.Error("status carries the full card number")
	}
	if missing := do(t, srv, "GET", srv.APIURL+"/v3/deposits/1", "", nil); missing.status != 404 || missing.code() != 208 {
		t.Errorf("unknown deposit: %d %s", missing.status, missing.raw)
	}
}

func itoa(n int64) string { return jsonNumber(n) }

func jsonNumber(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestIdempotency(t *testing.T) {
	for _, mode := range []d24test.IdempotencyMode{d24test.ReplayIdenticalRequests, d24test.RejectRepeatedKeys} {
		srv := d24test.NewServer(d24test.WithIdempotencyMode(mode))
		key := func(h http.Header) { h.Set("X-Idempotency-Key", "key-1") }
		first := do(t, srv, "POST", srv.APIURL+"/v3/deposits", depositBody, key)
		again := do(t, srv, "POST", srv.APIURL+"/v3/deposits", depositBody, key)
		other := do(t, srv, "POST", srv.APIURL+"/v3/deposits", strings.Replace(depositBody, "1000", "999", 1), key)
		if mode == d24test.ReplayIdenticalRequests && (again.status != 200 || !bytes.Equal(again.raw, first.raw)) {
			t.Errorf("replay: %d %s vs %s", again.status, again.raw, first.raw)
		}
		if mode == d24test.RejectRepeatedKeys && again.code() != 104 {
			t.Errorf("reject mode repeat: %d %s", again.status, again.raw)
		}
		if other.status != 400 || other.code() != 104 || other.json["type"] != "IDEMPOTENCY_KEY_ALREADY_USED" {
			t.Errorf("other body under the key: %d %s", other.status, other.raw)
		}
		if n := len(srv.DepositsByInvoice()["dep-1"]); n != 1 {
			t.Errorf("mode %d: %d deposits for one key", mode, n)
		}
		srv.Close()
	}
}

func TestFaults(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	url := srv.APIURL + "/v3/deposits"
	body := func(inv string) string { return strings.Replace(depositBody, "dep-1", inv, 1) }

	srv.InjectFaults(d24test.Fault{Kind: d24test.FaultServerError})
	if r := do(t, srv, "POST", url, body("f1"), nil); r.status != 503 || len(srv.DepositsByInvoice()["f1"]) != 0 {
		t.Errorf("5xx before processing: %d, deposits %d", r.status, len(srv.DepositsByInvoice()["f1"]))
	}

	srv.InjectFaults(d24test.Fault{Kind: d24test.FaultTooManyRequests, RetryAfter: 2 * time.Second})
	if r := do(t, srv, "POST", url, body("f2"), nil); r.status != 429 || r.header.Get("Retry-After") != "2" {
		t.Errorf("429: %d Retry-After %q", r.status, r.header.Get("Retry-After"))
	}

	srv.InjectFaults(d24test.Fault{Kind: d24test.FaultDelay, Delay: 300 * time.Millisecond})
	start := time.Now()
	if r := do(t, srv, "POST", url, body("f3"), nil); r.status != 200 || time.Since(start) < 300*time.Millisecond {
		t.Errorf("delay: %d after %v", r.status, time.Since(start))
	}

	srv.InjectFaults(d24test.Fault{Kind: d24test.FaultDropAfterProcessing})
	req, _ := http.NewRequest("POST", url, strings.NewReader(body("f4")))
	date := time.Now().UTC().Format("2006-01-02T15:04:05Z")
	req.Header.Set("X-Date", date)
	req.Header.Set("X-Login", srv.Login)
	req.Header.Set("Authorization", sign(srv.SecretKey, date, srv.Login, []byte(body("f4"))))
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Error("the answer was not lost")
	}
	if n := len(srv.DepositsByInvoice()["f4"]); n != 1 {
		t.Errorf("dropped answer: %d deposits, want the one created", n)
	}
	counts := srv.FaultCounts()
	for _, k := range []d24test.FaultKind{d24test.FaultServerError, d24test.FaultTooManyRequests, d24test.FaultDelay, d24test.FaultDropAfterProcessing} {
		if counts[k] != 1 {
			t.Errorf("%v counted %d", k, counts[k])
		}
	}
}

// Faults by rate come from a fixed seed: the same seed, the same faults.
func TestFaultRatesAreRepeatable(t *testing.T) {
	run := func() []string {
		srv := d24test.NewServer(d24test.WithFaultRates(d24test.FaultRates{ServerError: 0.3, TooManyRequests: 0.2}, 42))
		defer srv.Close()
		for i := 0; i < 30; i++ {
			do(t, srv, "GET", srv.APIURL+"/v3/deposits/300000001", "", nil)
		}
		var faults []string
		for _, r := range srv.Requests() {
			faults = append(faults, r.Fault)
		}
		return faults
	}
	a, b := run(), run()
	n := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("request %d: %q vs %q", i, a[i], b[i])
		}
		if a[i] != "" {
			n++
		}
	}
	if n < 8 || n > 23 {
		t.Errorf("%d faults in 30 requests at a 50%% rate", n)
	}
}

func TestInspectionHoldsNoSecrets(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	do(t, srv, "POST", srv.CardAPIURL+"/v3/deposits", cardBody("4111111111111111", "10", "30"), func(h http.Header) { h.Set("X-Idempotency-Key", "k1") })
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Host != "card" || reqs[0].IdempotencyKey != "k1" || reqs[0].Status != 200 {
		t.Fatalf("%+v", reqs)
	}
	all, _ := json.Marshal(reqs)
	for _, secret := range []string{"4111111111111111", `"cvv":"123"`, srv.SecretKey, "D24 "} {
		if strings.Contains(string(all), secret) {
			t.Errorf("recorded requests contain %q: %s", secret, all)
		}
	}
	if !strings.Contains(reqs[0].Body, "411111******1111") {
		t.Errorf("masked number missing: %s", reqs[0].Body)
	}
}

// D24 reads a field sent as null as a field left out: optional ones pass,
// required ones are "must not be null".
func TestNullFieldsAreAbsent(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	withNulls := strings.Replace(depositBody, `"payer":{`, `"payment_type":null,"payment_method":null,"payer":{"phone":null,"address":null,`, 1)
	if r := do(t, srv, "POST", srv.APIURL+"/v3/deposits", withNulls, nil); r.status != 200 || r.json["checkout_type"] != "HOSTED" {
		t.Errorf("optional nulls: %d %s", r.status, r.raw)
	}
	card := strings.Replace(cardBody("4111111111111111", "10", "40"), `"client_ip"`, `"card_token":null,"installments":null,"client_ip"`, 1)
	if r := do(t, srv, "POST", srv.CardAPIURL+"/v3/deposits", card, nil); r.status != 200 || r.info()["result"] != "SUCCESS" {
		t.Errorf("card deposit with nulls: %d %s", r.status, r.raw)
	}
	missing := strings.Replace(depositBody, `"dep-1"`, `null`, 1)
	r := do(t, srv, "POST", srv.APIURL+"/v3/deposits", missing, nil)
	if r.status != 400 || r.code() != 201 || !strings.Contains(string(r.raw), "invoice_id: must not be null") {
		t.Errorf("a required null: %d %s", r.status, r.raw)
	}
}
