package types

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// CardNumber is a card number (PAN). It goes to the wire unchanged, but prints
// masked everywhere else (fmt verbs, %#v, slog), keeping at most the first 6
// and last 4 digits as PCI DSS allows: "411111******1111". Encoding a request
// with json.Marshal still writes the full number: never log a marshalled
// request body.
type CardNumber string

// Masked returns the number with all but the first 6 and last 4 digits replaced
// by '*'. Numbers shorter than 13 characters keep only the last 4 at most.
func (c CardNumber) Masked() string { return MaskPAN(string(c)) }

// Last4 returns the last four characters, or "" for a shorter value.
func (c CardNumber) Last4() string {
	if len(c) < 4 {
		return ""
	}
	return string(c[len(c)-4:])
}

// String returns the masked number.
func (c CardNumber) String() string { return c.Masked() }

// GoString returns the masked number for %#v.
func (c CardNumber) GoString() string { return fmt.Sprintf("types.CardNumber(%q)", c.Masked()) }

// Format masks the number for every fmt verb.
func (c CardNumber) Format(f fmt.State, verb rune) { formatMasked(f, verb, c.Masked()) }

// LogValue masks the number in slog output.
func (c CardNumber) LogValue() slog.Value { return slog.StringValue(c.Masked()) }

// MarshalJSON writes the full number: this is what D24 must receive.
func (c CardNumber) MarshalJSON() ([]byte, error) { return json.Marshal(string(c)) }

// SecurityCode is a card's CVV/CVV2/CID. It goes to the wire unchanged and
// prints as "***" everywhere else.
type SecurityCode string

const maskedSecurityCode = "***"

// String returns "***".
func (SecurityCode) String() string { return maskedSecurityCode }

// GoString returns a masked form for %#v.
func (SecurityCode) GoString() string { return `types.SecurityCode("***")` }

// Format masks the code for every fmt verb.
func (SecurityCode) Format(f fmt.State, verb rune) { formatMasked(f, verb, maskedSecurityCode) }

// LogValue masks the code in slog output.
func (SecurityCode) LogValue() slog.Value { return slog.StringValue(maskedSecurityCode) }

// MarshalJSON writes the code itself: this is what D24 must receive.
func (s SecurityCode) MarshalJSON() ([]byte, error) { return json.Marshal(string(s)) }

func formatMasked(f fmt.State, verb rune, masked string) {
	switch verb {
	case 'q':
		fmt.Fprintf(f, "%q", masked)
	case 'v':
		if f.Flag('#') {
			fmt.Fprintf(f, "%q", masked)
			return
		}
		fmt.Fprint(f, masked)
	default:
		fmt.Fprint(f, masked)
	}
}

// MaskPAN masks a card number, keeping the first 6 and last 4 digits of a
// number of 13 or more characters, and only the last 4 (or nothing) of a
// shorter one, so a truncated or malformed number never leaks whole.
func MaskPAN(pan string) string {
	n := len(pan)
	keepHead, keepTail := 6, 4
	if n < 13 {
		keepHead = 0
		if n < 8 {
			keepTail = 0
		}
	}
	b := []byte(pan)
	for i := keepHead; i < n-keepTail; i++ {
		b[i] = '*'
	}
	return string(b)
}
