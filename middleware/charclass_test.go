package middleware

import (
	"regexp"
	"testing"
)

// The byte-table matcher agrees with the regexp engine on the documents'
// patterns and on shapes around them.
func TestClassPatternAgreesWithRegexp(t *testing.T) {
	patterns := []string{`^[A-Z]{2}$`, `^[A-Z]{3}$`, `^[0-9]{8}$`, `^[0-9]{3,4}$`, `^[0-9]{2}$`, `^[A-Za-z0-9_-]*$`,
		`^[A-Za-z0-9]*$`, `^[a-z]{2}$`, `^[0-9]{13,20}$`, `^[a-c]+$`, `^[x]?$`, `^[0-9]{2,}$`, `^[-a]$`}
	inputs := []string{"", "B", "BR", "BRA", "br", "1", "12", "123", "1234", "12345678", "1234567", "123456789",
		"inv-1", "inv_1", "inv 1", "ñ", "Ö1", "4111111111111111", "41111111111", "abc", "x", "xx", "-", "a-", "\n12"}
	for _, pat := range patterns {
		fast, ok := parseClassPattern(pat)
		if !ok {
			t.Errorf("%s: not compiled to a byte table", pat)
			continue
		}
		re := regexp.MustCompile(pat)
		for _, in := range inputs {
			if fast.Match([]byte(in)) != re.MatchString(in) {
				t.Errorf("%s on %q: table %v, regexp %v", pat, in, fast.Match([]byte(in)), re.MatchString(in))
			}
		}
	}
	for _, pat := range []string{`^(0[1-9]|1[0-2])$`, `^[^\s]+$`, `^https://[^\s]+$`, `\S`, `^[\d]{2}$`, `^[0-9]{1,18}(\.[0-9]{1,2})?$`} {
		if _, ok := parseClassPattern(pat); ok {
			t.Errorf("%s compiled to a byte table", pat)
		}
	}
}
