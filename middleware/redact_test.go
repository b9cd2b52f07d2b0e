package middleware_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/d24go/d24/middleware"
)

// A Scrubber that knows no values (the zero value) still removes what looks
// like card data and the values messages quote.
func TestScrubberText(t *testing.T) {
	for in, want := range map[string]string{
		"creditCard.cardNumber: size must be between 13 and 20, rejected value is 345678***********1090": "creditCard.cardNumber: size must be between 13 and 20, rejected value is REDACTED",
		"card 4111 1111 1111 1111 declined":                                     "card REDACTED declined",
		"card 4111-1111-1111-1111":                                              "card REDACTED",
		"payer.document: Invalid document":                                      "payer.document: Invalid document",
		"creditCard.cvv: size must be between 3 and 4, rejected value is 73915": "creditCard.cvv: size must be between 3 and 4, rejected value is REDACTED",
		"expirationYear: Rejected value: 19":                                    "expirationYear: Rejected value: REDACTED",
		"amount: must be at most 1000000.00":                                    "amount: must be at most 1000000.00",
		"deposit 300004285 not found":                                           "deposit 300004285 not found",
		"card 4111.1111.1111.1111 refused":                                      "card REDACTED refused",
		"card 4111\t1111\t1111\t1111":                                           "card REDACTED",
		"cvv: expected 3 digits but was 8642":                                   "cvv: expected 3 digits but was REDACTED",
		`For input string: "8642"`:                                              "For input string: REDACTED",
		"Invalid CVV [8642]":                                                    "Invalid CVV [REDACTED]",
		"security_code=864":                                                     "security_code=REDACTED",
		"created on 2026-11-23 at 10:20":                                        "created on 2026-11-23 at 10:20",
	} {
		if got := (middleware.Scrubber{}).Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactURL(t *testing.T) {
	u, _ := url.Parse("https://user:pass@api.example/v3/refunds/1?voucher=abc#frag")
	if got := middleware.RedactURL(u); got != "https://api.example/v3/refunds/1?voucher=REDACTED" {
		t.Errorf("RedactURL = %q", got)
	}
}

func TestScrubberRemovesKnownValues(t *testing.T) {
	s := middleware.NewScrubber("4000056655665556", "8642", "s3cr3t/key+1", "", "12")
	for in, want := range map[string]string{
		"number 4000 0566 5566 5556 and 8642":   "number REDACTED and REDACTED",
		`code "8642", not 86420 nor [18642]`:    `code "REDACTED", not 86420 nor [18642]`,
		"HTTP 8642 is a bare number":            "HTTP REDACTED is a bare number",
		"invoice order-8642, key a8642f":        "invoice order-8642, key a8642f",
		`split 400005\n6655665556 by an escape`: `split REDACTED by an escape`,
		"4000\u00a00566\u2009 5566\u00a05556":   "REDACTED",
		"4000    0566\r\n5566 | 5556":           "REDACTED",
		"at 2026-11-23 10:20:30":                "at 2026-11-23 10:20:30",
		"key s3cr3t/key+1 or s3cr3t%2Fkey%2B1":  "key REDACTED or REDACTED",
		"amount 12 stays":                       "amount 12 stays",
		"prefix 400005665566555612345 glued":    "prefix REDACTED12345 glued",
		"deposit 300000001 ok":                  "deposit 300000001 ok",
	} {
		if got := s.Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
	// However the card is split or escaped, and wherever the CVV stands among
	// other numbers, neither is left.
	for _, in := range []string{
		`split 4000\n0566\n5566\n5556 by an escape`, `split 4000\t0566\t5566\t5556`,
		`split 4000\u00a00566\u00a05566\u00a05556`, "split 4000+0566+5566+5556", "split 4000:0566:5566:5556",
		"split 4000%200566%205566%205556", "split 4000\u20130566\u200b5566 5556",
		"expiration/cvv: 12/30 8642", "card data 12/2030 8642 invalid", "fields [12, 2030, 8642]",
		"cvv 8642 12/30", "invalid (month, year, cvv) = (12, 30, 8642)",
	} {
		if out := s.Text(in); strings.Contains(onlyDigitsOf(out), "8642") || strings.Contains(onlyDigitsOf(out), "0566") {
			t.Errorf("Text(%q) = %q: the card or the CVV is left", in, out)
		}
	}
	if got := s.WithPublic("8642").Text(`status 8642, "8642"`); got != `status 8642, "REDACTED"` {
		t.Errorf("a public number: %q", got)
	}
	u, _ := url.Parse("https://h.example/pay/8642/4000056655665556?cvv=8642#x")
	if got := s.URL(u); got != "https://h.example/pay/REDACTED/REDACTED?cvv=REDACTED" {
		t.Errorf("URL = %q", got)
	}
	for in, want := range map[string]string{"INVALID_SIGNATURE": "INVALID_SIGNATURE", "CARD_8642": "", "Invalid CVV": "", "s3cr3t": "s3cr3t"} {
		if got := s.Token(in); got != want {
			t.Errorf("Token(%q) = %q, want %q", in, got, want)
		}
	}
}

func onlyDigitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// A card number or CVV written in other decimal digits than ASCII's
// (full-width, Arabic-Indic, Devanagari, mathematical: 2, 3 and 4 bytes in
// UTF-8), grouped or not, is removed as in ASCII digits; a text with such
// digits and nothing to remove is left as it was.
func TestScrubberReadsEveryDigit(t *testing.T) {
	s := middleware.NewScrubber("4000056655665556", "8642", "９３１７")
	for in, want := range map[string]string{
		"card ４１１１ １１１１ １１１１ １１１１ declined":       "card REDACTED declined",
		"card ４１１１１１１１１１１１１１１１":                   "card REDACTED",
		"card ４１１１－１１１１－１１１１－１１１１":                "card REDACTED",
		"card ４１１１．１１１１．１１１１．１１１１":                "card REDACTED",
		"card ４１１１\u3000１１１１\u3000１１１１\u3000１１１１": "card REDACTED",
		"card 4111 １１１１ 1111 １１１１":                "card REDACTED",
		"بطاقة ٤١١١ ١١١١ ١١١١ ١١١١ مرفوضة":        "بطاقة REDACTED مرفوضة",
		"कार्ड ४१११-१११११११११११११":                "कार्ड REDACTED",
		"card 𝟒𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏":                   "card REDACTED",
		"number ４０００ ０５６６ ５５６６ ５５５６ and ８６４２":     "number REDACTED and REDACTED",
		"Invalid CVV [８６４２]":                      "Invalid CVV [REDACTED]",
		"code 9317 refused":                       "code REDACTED refused",
		// Where something is removed, the digits left are written in ASCII.
		"carte ４１１１ １１１１ １１１１ １１１１ le ２０２６": "carte REDACTED le 2026",
		// Nothing to remove: the text keeps its own digits.
		"pedido ٤٢ recusado em ２０２６-１１-２３": "pedido ٤٢ recusado em ２０２６-１１-２３",
		"deposit ３０００００００１ not found":      "deposit ３０００００００１ not found",
	} {
		if got := s.Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}
