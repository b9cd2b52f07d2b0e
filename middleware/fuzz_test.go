package middleware

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func seedExamples(f *testing.F) {
	files, _ := filepath.Glob("../openapi/testdata/examples/*")
	if len(files) == 0 {
		f.Fatal("no reference examples")
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(agreeCard))
	f.Add([]byte(agreeDeposit))
}

// The two bodies internal/schemacheck's differential test mutates, kept here
// as seeds of FuzzSigner.
const agreeCard = `{"invoice_id":"inv-1","amount":100.5,"country":"BR","currency":"BRL","client_ip":"203.0.113.7","installments":3,
"description":"Test","device_id":"dev","fee_on_payer":false,"sub_merchant_id":12,
"payer":{"id":"11","document":"84932568207","document_type":"CPF","email":"john@example.com","first_name":"John","last_name":"Smith","phone":"+5511","birth_date":"19880910",
"address":{"street":"Rua 13","city":"Sao Paulo","state":"SP","zip_code":"12345-678"}},
"credit_card":{"card_number":"4111111111111111","cvv":"987","expiration_month":"10","expiration_year":"30","holder_name":"JOHN SMITH","payment_mode":"CREDIT"},
"three_domain_secure":{"cavv":"AAAB","eci":"05","transaction_id":"x","specification_version":"2.1.0"}}`

const agreeDeposit = `{"invoice_id":"inv-2","amount":"1000","country":"BR","currency":"BRL","payment_method":"IX","payment_types":["BANK_TRANSFER"],
"payer":{"email":"a@example.com","first_name":"A","last_name":"B","registration_date":"20211123"},"reported_info":{"bank_account_number":"1"},
"bank_account":{"k":"v"},"bonus_amount":50,"bonus_relative":false,"strikethrough_price":150.99,"surcharge_on_payer":false,
"language":"pt","back_url":"https://a.example/b","notification_url":"https://a.example/n","test":true,"mobile":false,"early_release":false,"client_ip":"::1"}`

// captured answers 200 and keeps what it was sent.
type captured struct {
	header http.Header
	body   []byte
}

func (c *captured) RoundTrip(r *http.Request) (*http.Response, error) {
	c.header = r.Header.Clone()
	c.body = nil
	if r.Body != nil {
		c.body, _ = io.ReadAll(r.Body)
		r.Body.Close()
	}
	return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
}

// Whatever the body, the signer sends it byte for byte and signs exactly those
// bytes, as D24 defines the signature (docs/d24-api.md).
func FuzzSigner(f *testing.F) {
	seedExamples(f)
	f.Add([]byte(`{"first_name":"Muñoz"}`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		sink := &captured{}
		now := time.Date(2020, 6, 24, 17, 13, 21, 0, time.UTC)
		s, _ := NewSigner("test-login", "test-secret", sink, WithClock(func() time.Time { return now }))
		method := "POST"
		var rd io.Reader = bytes.NewReader(body)
		if len(body) == 0 {
			method, rd = "GET", nil
		}
		req, _ := http.NewRequest(method, "https://d24.example/v3/deposits", rd)
		if _, err := s.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(sink.body, body) {
			t.Fatal("the body sent is not the body given")
		}
		m := hmac.New(sha256.New, []byte("test-secret"))
		m.Write([]byte("2020-06-24T17:13:21Z" + "test-login"))
		m.Write(body)
		if got, want := sink.header.Get("Authorization"), "D24 "+hex.EncodeToString(m.Sum(nil)); got != want {
			t.Fatalf("Authorization %s, want %s", got, want)
		}
	})
}
