package types_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/d24go/d24/types"
)

func TestAmountAddIsExact(t *testing.T) {
	sum := types.MustParseAmount("0.10").Add(types.MustParseAmount("0.20"))
	b, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "0.3" {
		t.Errorf("0.10 + 0.20 marshals as %s, want 0.3", b)
	}
	x, y := 0.10, 0.20
	if x+y == 0.3 {
		t.Fatal("float64 arithmetic became exact; this test no longer shows anything")
	}
}

func TestParseAmountRefusesAThirdDecimal(t *testing.T) {
	for _, s := range []string{"10.005", "0.001", "1.999"} {
		if _, err := types.ParseAmount(s); !errors.Is(err, types.ErrTooManyDecimals) {
			t.Errorf("ParseAmount(%q) = %v, want ErrTooManyDecimals", s, err)
		}
	}
	for _, s := range []string{"", "abc", "1e3", "+1", "1.", ".5", "1,5", " 1", "0x10"} {
		if _, err := types.ParseAmount(s); err == nil {
			t.Errorf("ParseAmount(%q) accepted a malformed amount", s)
		}
	}
	for s, want := range map[string]string{"100": "100", "49.99": "49.99", "49.90": "49.9", "0.1": "0.1", "-5.5": "-5.5", "999999999999999999.99": "999999999999999999.99"} {
		a, err := types.ParseAmount(s)
		if err != nil || a.String() != want {
			t.Errorf("ParseAmount(%q) = %v, %v; want %s", s, a, err, want)
		}
	}
}

func TestAmountDecodesResponses(t *testing.T) {
	cases := map[string]string{
		`6.9448`:                  "6.9448",
		`"1000"`:                  "1000",
		`53162.00`:                "53162",
		`1e3`:                     "1000",
		`505.95`:                  "505.95",
		`123456789012345678.99`:   "123456789012345678.99",
		`"0.123456789012345678"`:  "0.123456789012345678",
		`12345678901234567890123`: "12345678901234567890123",
	}
	for in, want := range cases {
		var a types.Amount
		if err := json.Unmarshal([]byte(in), &a); err != nil {
			t.Errorf("Unmarshal(%s): %v", in, err)
			continue
		}
		if a.String() != want {
			t.Errorf("Unmarshal(%s) = %s, want %s", in, a, want)
		}
		if out, _ := json.Marshal(a); string(out) != want {
			t.Errorf("round trip of %s wrote %s", in, out)
		}
	}
	for _, in := range []string{`"abc"`, `true`, `{}`, `"1e3"`, `01`, `1.`} {
		var a types.Amount
		if err := json.Unmarshal([]byte(in), &a); err == nil {
			t.Errorf("Unmarshal(%s) accepted it as %s", in, a)
		}
	}
	var a types.Amount
	if err := json.Unmarshal([]byte(`null`), &a); err != nil || !a.IsZero() {
		t.Errorf("null: %v, %v", a, err)
	}
}

func TestAmountHelpers(t *testing.T) {
	a := types.AmountFromMinorUnits(4999)
	if a.String() != "49.99" || a.StringFixed(2) != "49.99" {
		t.Errorf("AmountFromMinorUnits(4999) = %s", a)
	}
	if units, ok := types.MustParseAmount("49.9").MinorUnits(); !ok || units != 4990 {
		t.Errorf("MinorUnits(49.9) = %d, %v", units, ok)
	}
	var big types.Amount
	_ = json.Unmarshal([]byte("6.9448"), &big)
	if _, ok := big.MinorUnits(); ok {
		t.Error("MinorUnits of 6.9448 claims to be exact")
	}
	if big.Decimals() != 4 || types.MustParseAmount("0.30").Decimals() != 1 {
		t.Errorf("Decimals: %d", big.Decimals())
	}
	if !types.MustParseAmount("1.5").Equal(types.MustParseAmount("1.50")) || types.MustParseAmount("2").Cmp(types.MustParseAmount("10")) != -1 {
		t.Error("Equal/Cmp")
	}
	if types.MustParseAmount("3").Sub(types.MustParseAmount("3.01")).Sign() != -1 {
		t.Error("Sub/Sign")
	}
	defer func() {
		if recover() == nil {
			t.Error("MustParseAmount did not panic on a third decimal")
		}
	}()
	types.MustParseAmount("1.234")
}

// An optional amount left at zero stays off the wire (omitzero).
func TestAmountOmitZero(t *testing.T) {
	v := struct {
		Bonus types.Amount `json:"bonus,omitzero"`
	}{}
	if b, _ := json.Marshal(v); string(b) != `{}` {
		t.Errorf("zero amount written: %s", b)
	}
}
