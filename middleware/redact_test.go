package middleware_test

import (
	"net/url"
	"testing"

	"github.com/d24go/d24/middleware"
)

func TestRedactText(t *testing.T) {
	for in, want := range map[string]string{
		"creditCard.cardNumber: size must be between 13 and 20, rejected value is 345678***********1090": "creditCard.cardNumber: size must be between 13 and 20, rejected value is REDACTED",
		"card 4111 1111 1111 1111 declined":                                     "card REDACTED declined",
		"card 4111-1111-1111-1111":                                              "card REDACTED",
		"payer.document: Invalid document":                                      "payer.document: Invalid document",
		"creditCard.cvv: size must be between 3 and 4, rejected value is 73915": "creditCard.cvv: size must be between 3 and 4, rejected value is REDACTED",
		"expirationYear: Rejected value: 19":                                    "expirationYear: Rejected value: REDACTED",
		"amount: must be at most 1000000.00":                                    "amount: must be at most 1000000.00",
		"deposit 300004285 not found":                                           "deposit 300004285 not found",
	} {
		if got := middleware.RedactText(in); got != want {
			t.Errorf("RedactText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactURL(t *testing.T) {
	u, _ := url.Parse("https://user:pass@api.example/v3/refunds/1?voucher=abc#frag")
	if got := middleware.RedactURL(u); got != "https://api.example/v3/refunds/1?voucher=REDACTED" {
		t.Errorf("RedactURL = %q", got)
	}
}
