package types

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/d24go/d24/internal/jsonnum"
)

// MaxRequestDecimals is the number of decimal places D24 accepts in a request
// amount ("up to 18 integers and 2 decimal places").
const MaxRequestDecimals = 2

// ErrTooManyDecimals is returned by ParseAmount for an amount with more decimal
// places than D24 accepts in a request.
var ErrTooManyDecimals = errors.New("more than 2 decimal places")

// Amount is an exact decimal amount of money. It never passes through float64:
// it is parsed from and written to JSON digit for digit.
//
// Amounts you send are built with ParseAmount, MustParseAmount or
// AmountFromMinorUnits, which keep at most 2 decimal places as D24 requires.
// Amounts D24 sends back decode with every digit they carry (6.9448 stays
// 6.9448), whether D24 sends them as a JSON number or a string ("1000").
//
// The zero value is 0.
type Amount struct {
	d decimal.Decimal
}

// ParseAmount parses a decimal string such as "100", "49.99" or "0.1" into an
// amount to send. It refuses exponents, signs other than a leading '-', and
// more than 2 decimal places (ErrTooManyDecimals).
func ParseAmount(s string) (Amount, error) {
	a, err := parseDecimal(s)
	if err != nil {
		return Amount{}, err
	}
	if a.Decimals() > MaxRequestDecimals {
		return Amount{}, fmt.Errorf("amount %q: %w", s, ErrTooManyDecimals)
	}
	return a, nil
}

// MustParseAmount is ParseAmount for constants; it panics on an invalid amount.
func MustParseAmount(s string) Amount {
	a, err := ParseAmount(s)
	if err != nil {
		panic("types.MustParseAmount: " + err.Error())
	}
	return a
}

// AmountFromMinorUnits returns units/100: AmountFromMinorUnits(4999) is 49.99.
// It always divides by 100, whatever the currency: for an amount kept in whole
// units, use ParseAmount instead.
func AmountFromMinorUnits(units int64) Amount {
	return Amount{d: decimal.New(units, -2)}
}

// parseDecimal accepts a plain decimal literal: an optional '-', digits, and an
// optional fraction. It is what both JSON strings and request literals may hold.
func parseDecimal(s string) (Amount, error) {
	if !isPlainDecimal(s) {
		return Amount{}, fmt.Errorf("amount %q: not a decimal number", s)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return Amount{}, fmt.Errorf("amount %q: %w", s, err)
	}
	return Amount{d: d}, nil
}

func isPlainDecimal(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		digits++
	}
	if digits == 0 {
		return false
	}
	if i == len(s) {
		return true
	}
	if s[i] != '.' {
		return false
	}
	i++
	frac := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		frac++
	}
	return frac > 0 && i == len(s)
}

// Add returns a+b, exactly.
func (a Amount) Add(b Amount) Amount { return Amount{d: a.d.Add(b.d)} }

// Sub returns a-b, exactly.
func (a Amount) Sub(b Amount) Amount { return Amount{d: a.d.Sub(b.d)} }

// Cmp compares a and b: -1 if a < b, 0 if equal, +1 if a > b.
func (a Amount) Cmp(b Amount) int { return a.d.Cmp(b.d) }

// Equal reports whether a and b are the same number (1.5 equals 1.50).
func (a Amount) Equal(b Amount) bool { return a.d.Equal(b.d) }

// Sign returns -1, 0 or +1.
func (a Amount) Sign() int { return a.d.Sign() }

// IsZero reports whether the amount is 0. It also lets `omitzero` leave an
// optional zero amount off the wire.
func (a Amount) IsZero() bool { return a.d.IsZero() }

// Decimals returns the number of significant decimal places: 0.30 has 1.
func (a Amount) Decimals() int {
	if a.d.IsZero() {
		return 0
	}
	s := a.String()
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return len(s) - i - 1
		}
	}
	return 0
}

// MinorUnits returns the amount in hundredths (49.99 -> 4999) and whether that
// is exact; it is not for amounts with more than 2 decimal places.
func (a Amount) MinorUnits() (int64, bool) {
	m := a.d.Shift(2)
	if !m.IsInteger() || !m.BigInt().IsInt64() {
		return 0, false
	}
	return m.IntPart(), true
}

// String returns the shortest exact decimal form: "0.3", "1000", "6.9448".
func (a Amount) String() string { return a.d.String() }

// StringFixed returns the amount with exactly places decimal places, rounding
// half away from zero if it has more: StringFixed(2) of 49.9 is "49.90".
func (a Amount) StringFixed(places int32) string { return a.d.StringFixed(places) }

// Float64 returns the nearest float64, for display or metrics only: never
// compute money with it.
func (a Amount) Float64() float64 {
	f, _ := a.d.Float64()
	return f
}

// MarshalJSON writes the amount as a JSON number with exactly its digits.
func (a Amount) MarshalJSON() ([]byte, error) { return []byte(a.d.String()), nil }

// AppendText implements encoding.TextAppender.
func (a Amount) AppendText(b []byte) ([]byte, error) { return append(b, a.d.String()...), nil }

// MarshalText implements encoding.TextMarshaler.
func (a Amount) MarshalText() ([]byte, error) { return []byte(a.d.String()), nil }

// UnmarshalJSON accepts a JSON number (any precision, exponents included) or a
// string holding a plain decimal, as D24 sends both. null leaves a unchanged.
func (a *Amount) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		s, err := strconv.Unquote(string(b))
		if err != nil {
			return fmt.Errorf("amount: %w", err)
		}
		v, err := parseDecimal(s)
		if err != nil {
			return err
		}
		*a = v
		return nil
	}
	d, err := decimal.NewFromString(string(b))
	if err != nil || !isJSONNumber(b) {
		return fmt.Errorf("amount %s: not a JSON number", truncate(b))
	}
	a.d = d
	return nil
}

// UnmarshalText implements encoding.TextUnmarshaler (a plain decimal).
func (a *Amount) UnmarshalText(b []byte) error {
	v, err := parseDecimal(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// isJSONNumber reports whether b is a JSON number literal (RFC 8259 grammar).
func isJSONNumber(b []byte) bool {
	end, ok := jsonnum.Scan(b, 0)
	return ok && end == len(b)
}

// truncate keeps error strings short; amounts are not secret, but a corrupt
// body may be long.
func truncate(b []byte) string {
	const max = 32
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}
