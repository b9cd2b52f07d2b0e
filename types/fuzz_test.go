package types_test

import (
	"encoding/json"
	"testing"

	"github.com/d24go/d24/types"
)

// Any JSON value decodes into an Amount or fails cleanly, and what decodes
// writes back to the same number.
func FuzzAmount(f *testing.F) {
	for _, s := range []string{`6.9448`, `"1000"`, `1e3`, `-0.0`, `"12.30"`, `1e400`, `"abc"`, `null`, `123456789012345678901234567890.123`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var a types.Amount
		if json.Unmarshal([]byte(in), &a) != nil {
			return
		}
		out, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		var b types.Amount
		if err := json.Unmarshal(out, &b); err != nil || !a.Equal(b) {
			t.Fatalf("%s -> %s -> %v (%v)", in, out, b, err)
		}
	})
}
