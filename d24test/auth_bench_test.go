package d24test

import (
	"strings"
	"testing"
)

// What a refused signature's details cost the sandbox for a body of 1 MiB,
// the largest it reads: scanned for a run of digits, parsed only when it names
// a card member (1MiB-parsed, the worst case), hashed when it carries none.
func BenchmarkSignedOver(b *testing.B) {
	prefix, suffix := `{"invoice_id":"bench","padding":"`, `"}`
	plain := []byte(prefix + strings.Repeat("x", 1<<20-len(prefix)-len(suffix)) + suffix)
	card := []byte(`{"credit_card":{"card_number":"4111111111111111"},"padding":"` + strings.Repeat("x", 1<<20-70) + `"}`)
	for _, c := range []struct {
		name string
		body []byte
	}{{"1MiB-no-card", plain}, {"1MiB-card", card}, {"1MiB-parsed", []byte(strings.Replace(string(plain), "padding", "number", 1))}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			for b.Loop() {
				signedOver("2026-11-23T14:00:00Z", "login", "D24 00", c.body)
			}
		})
	}
}
