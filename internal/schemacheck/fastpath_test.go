package schemacheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/d24go/d24/internal/docformats"
	"github.com/d24go/d24/openapi"
)

// compiled returns the operation for method at route of doc, compiled as
// middleware.NewValidator compiles it.
func compiled(t testing.TB, doc *openapi3.T, method, route string, formats map[string]openapi3.StringFormatValidator) *Operation {
	t.Helper()
	item := doc.Paths.Value(route)
	if item == nil || item.GetOperation(method) == nil {
		t.Fatalf("no %s %s in the document", method, route)
	}
	op, err := Compile(route, method, item, item.GetOperation(method), formats)
	if err != nil {
		t.Fatal(err)
	}
	return op
}

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

var replacements = []any{nil, "", " ", "x", strings.Repeat("y", 300), "4111111111111112", "4000000000000060", "13", "5", "2030", "26",
	"no-reply@example", "a b", "http://x.example", "https://x.example", "https:///x", "https://\u00a0", "https://x.example/\u0085", "1.2.3.4", "999.1.1.1", "ñandú", "\u0000", "😀", "\\u00e9",
	0, -1, 1, 12, 13, 1.005, 0.1, 1e3, 1e20, 12345678901234.5, "10.005", "1000", true, false, map[string]any{}, []any{}, []any{1}, map[string]any{"a": 1}}

// mutations returns the body changed at every path in every way above, plus
// each key removed and an unknown key added.
func mutations(t *testing.T, body string) []string {
	var root map[string]any
	if err := json.Unmarshal([]byte(body), &root); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(obj map[string]any)
	walk = func(obj map[string]any) {
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			orig := obj[k]
			for _, r := range replacements {
				obj[k] = r
				b, _ := json.Marshal(root)
				out = append(out, string(b))
			}
			delete(obj, k)
			b, _ := json.Marshal(root)
			out = append(out, string(b))
			obj[k] = orig
			if inner, ok := orig.(map[string]any); ok {
				walk(inner)
			}
		}
		obj["unknown_field"] = "z"
		b, _ := json.Marshal(root)
		out = append(out, string(b))
		delete(obj, "unknown_field")
	}
	walk(root)
	return append(out, body, "", "{", "[]", "null", body+"{}", strings.Replace(body, `"credit_card"`, `"card_token":"t","credit_card"`, 1))
}

func TestFastPathNeverLooserThanKin(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		doc, body   string
		withFormats bool
	}{{openapi.PCI, agreeCard, false}, {openapi.Deposits, agreeDeposit, false}, {openapi.PCI, agreeCard, true}, {openapi.Deposits, agreeDeposit, true}} {
		doc := openapi.MustLoad(c.doc)
		var formats map[string]openapi3.StringFormatValidator
		if c.withFormats {
			formats = docformats.Current(doc)
		}
		op, opts := compiled(t, doc, "POST", "/v3/deposits", formats), SchemaOptions(doc)
		clock := func() time.Time { return now }
		fastValid, kinValid, total := 0, 0, 0
		for _, body := range mutations(t, c.body) {
			for _, key := range []string{"", "k", " "} {
				req, _ := http.NewRequest("POST", "https://d24.example/v3/deposits", bytes.NewReader([]byte(body)))
				if key != "" {
					req.Header.Set("X-Idempotency-Key", key)
				}
				if op.fast == nil {
					t.Fatalf("%s: no fast path for the operation", c.doc)
				}
				total++
				fast := op.CertainlyValid(req, nil, clock, opts)
				_, violations, err := op.Check(req, nil, clock, opts)
				if err != nil {
					t.Fatal(err)
				}
				if fast && len(violations) > 0 {
					t.Errorf("%s: fast path accepted what kin-openapi refuses (%v):\n%s", c.doc, violations, body)
				}
				if fast {
					fastValid++
				}
				if len(violations) == 0 {
					kinValid++
					if !fast {
						t.Logf("missed: %.200s", body)
					}
				}
				if body == c.body && key != " " && !fast {
					t.Errorf("%s: the valid body missed the fast path", c.doc)
				}
			}
		}
		t.Logf("%s: %d requests, %d valid, %d of them on the fast path", c.doc, total, kinValid, fastValid)
		if fastValid < total/10 {
			t.Errorf("the fast path vouched for only %d of %d", fastValid, total)
		}
	}
}

func TestFastPathParameters(t *testing.T) {
	doc := openapi.MustLoad(openapi.Deposits)
	op, opts := compiled(t, doc, "GET", "/v3/deposits/{deposit_id}", nil), SchemaOptions(doc)
	for id, want := range map[string]bool{"300004285": true, "0": false, "abc": false, "1.5": false} {
		req, _ := http.NewRequest("GET", "https://d24.example/v3/deposits/"+id, nil)
		params := map[string]string{"deposit_id": id}
		fast := op.CertainlyValid(req, params, time.Now, opts)
		_, violations, _ := op.Check(req, params, time.Now, opts)
		if fast != want || fast && len(violations) > 0 {
			t.Errorf("%s: fast %v, violations %v", id, fast, violations)
		}
	}
}

// An object whose lookup table was not built after its last property was
// added is never vouched for: the full check decides.
func TestFastPathNeedsSeal(t *testing.T) {
	doc := openapi.MustLoad(openapi.PCI)
	op, opts := compiled(t, doc, "POST", "/v3/deposits", nil), SchemaOptions(doc)
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	if fastCheck(op.fast, []byte(agreeCard), now, opts, false) != valid {
		t.Fatal("the valid card deposit missed the fast path")
	}
	unsealed, err := compileFast(op.body, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if fastCheck(unsealed, []byte(agreeCard), now, opts, false) != unsure {
		t.Error("an unsealed schema vouched for a body")
	}
	unsealed.seal()
	unsealed.propNames = append(unsealed.propNames, "added_after_seal")
	if fastCheck(unsealed, []byte(agreeCard), now, opts, false) != unsure {
		t.Error("a schema with a property added after seal vouched for a body")
	}
}

// The fast path's card expiry agrees with the rule as dates have it: a card
// is past from the first instant (UTC) of the month after its own, for every
// month and year it can name, and clocks in other zones.
func TestFastPathExpiry(t *testing.T) {
	zone := time.FixedZone("UTC-3", -3*3600)
	for _, now := range []time.Time{
		time.Date(2026, 11, 30, 23, 59, 59, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 30, 21, 30, 0, 0, zone), time.Date(2099, 12, 31, 23, 0, 0, 0, time.UTC), time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		for y := 0; y < 100; y++ {
			for m := 1; m <= 12; m++ {
				want := !now.UTC().Before(time.Date(2000+y, time.Month(m)+1, 1, 0, 0, 0, 0, time.UTC))
				month, year := []byte(strconv.Itoa(m)), []byte(fmt.Sprintf("%02d", y))
				if got := expired(month, year, now); got != want {
					t.Fatalf("%s/%s at %v: expired %v, want %v", month, year, now, got, want)
				}
			}
		}
	}
}
