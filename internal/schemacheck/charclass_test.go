package schemacheck

import (
	"math/rand/v2"
	"regexp"
	"strings"
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

// The set, prefix and contains matchers agree with the regexp engine, on the
// documents' patterns and on random strings with white space, non-ASCII
// letters and invalid UTF-8.
func TestSyntaxPatternsAgreeWithRegexp(t *testing.T) {
	compiled := []string{`^(0[1-9]|1[0-2]|[1-9])$`, `^https://[^\s]+$`, `\S`, `^(ab|c)[xy]$`, `^https://[^a]+$`}
	notCompiled := []string{`^[0-9]{1,18}(\.[0-9]{1,2})?$`, `^-?[0-9]+(\.[0-9]+)?$`, `^(é|e)$`, `^x+[^\s]+$`, `(?i)^ab$`, `^[0-9]+$x`}
	for _, pat := range notCompiled {
		if m, ok := compileSyntax(pat); ok {
			t.Errorf("%s compiled to %T", pat, m)
		}
	}
	alphabet := []string{"0", "1", "2", "9", "a", "b", "c", "x", "y", "h", "t", "p", "s", ":", "/", " ", "\t", "\n", "\r", "\f", "\v", "é", "\u00a0", "\u2028", "\xff", "\xed\xa0\x80", "https://"}
	rng := rand.New(rand.NewPCG(1, 2))
	inputs := []string{"", "1", "01", "09", "10", "12", "13", "00", "0", "https://", "https://x", "https:// x", "https://é", "https://\xff", " ", "\t\n", "é", "\xff"}
	for i := 0; i < 5000; i++ {
		var b strings.Builder
		for n := rng.IntN(6); n >= 0; n-- {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		inputs = append(inputs, b.String())
	}
	for _, pat := range compiled {
		m, ok := compileSyntax(pat)
		if !ok {
			t.Errorf("%s: not compiled", pat)
			continue
		}
		re := regexp.MustCompile(pat)
		for _, in := range inputs {
			if m.Match([]byte(in)) != re.MatchString(in) {
				t.Errorf("%s (%T) on %q: %v, regexp %v", pat, m, in, m.Match([]byte(in)), re.MatchString(in))
			}
		}
	}
}
