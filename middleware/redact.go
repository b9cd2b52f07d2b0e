package middleware

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
)

// Redaction is decided here, once, for every span attribute, log field and
// error string the SDK writes about a request:
//
//   - A URL keeps its scheme, host, port and path, loses any user information
//     and fragment, and keeps query keys with their values replaced by
//     REDACTED; its path is scrubbed as text.
//   - Text from the server (error descriptions, details and types, decode
//     errors, a redirect's path) is scrubbed: the values the call is known to
//     hold (the card number, the CVV, the secret key) are removed wherever they
//     appear, and so is anything that looks like a card number, whatever its
//     grouping, or a value a message quotes ("rejected value is ...", "but was
//     ...", `For input string: "..."`, "CVV [...]").
//   - Headers and bodies are never recorded at all (they carry the signature,
//     the secret's HMAC and card data).

// Redacted is what stands in for a removed value.
const Redacted = "REDACTED"

// Scrubber removes from text the sensitive values it was given and anything
// that looks like card data. The zero value knows no values and still removes
// what looks like card data. A Scrubber is immutable and safe to share.
type Scrubber struct {
	numbers []string // digit-only values (a card number, a CVV): matched as whole digit runs
	texts   []string // other values (keys), with their escaped forms: matched anywhere
}

// minSensitiveLen is the shortest value a Scrubber removes: a shorter one
// (an empty field, a one-digit value) would only blank unrelated text.
const minSensitiveLen = 3

// NewScrubber returns a Scrubber for values, ignoring those shorter than 3
// characters.
func NewScrubber(values ...string) Scrubber { return Scrubber{}.With(values...) }

// With returns a Scrubber that also removes values.
func (s Scrubber) With(values ...string) Scrubber {
	out := Scrubber{numbers: s.numbers, texts: s.texts}
	cloned := false
	for _, v := range values {
		v = strings.TrimSpace(v)
		if len(v) < minSensitiveLen {
			continue
		}
		if !cloned {
			out.numbers = append([]string(nil), s.numbers...)
			out.texts = append([]string(nil), s.texts...)
			cloned = true
		}
		if digits := onlyDigits(v); digits != "" && isCardish(v) {
			out.numbers = append(out.numbers, digits)
			continue
		}
		out.texts = append(out.texts, escapedForms(v)...)
	}
	return out
}

// escapedForms are v as it can appear in server text: itself, URL-escaped and
// JSON-escaped.
func escapedForms(v string) []string {
	forms := []string{v}
	j, _ := json.Marshal(v)
	for _, f := range []string{url.QueryEscape(v), url.PathEscape(v), string(j[1 : len(j)-1])} {
		if f != v && !contains(forms, f) {
			forms = append(forms, f)
		}
	}
	return forms
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Text returns t with the Scrubber's values and anything that looks like card
// data replaced by REDACTED.
func (s Scrubber) Text(t string) string {
	for _, v := range s.texts {
		t = strings.ReplaceAll(t, v, Redacted)
	}
	if !strings.ContainsAny(t, "0123456789*") && !quotes.MatchString(t) {
		return t
	}
	for _, q := range quotingPhrases {
		t = q.re.ReplaceAllString(t, q.repl)
	}
	return s.digitRuns(t)
}

// URL returns u as it may be recorded: see RedactURL; the path is scrubbed as
// text too.
func (s Scrubber) URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if p := s.Text(c.Path); p != c.Path {
		c.Path, c.RawPath = p, ""
	}
	return RedactURL(&c)
}

// Token returns t when it is a short identifier that holds none of the
// Scrubber's values (D24's error types are: INVALID_SIGNATURE), and "" for any
// other text, which a span or metric attribute must not carry.
func (s Scrubber) Token(t string) string {
	if !identifier.MatchString(t) || s.Text(t) != t {
		return ""
	}
	return t
}

var identifier = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.\-]{0,63}$`)

// RedactURL returns u as it may be recorded: scheme, host, port and path,
// without user information or fragment, with query values replaced by
// REDACTED.
func RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	c.Fragment, c.RawFragment = "", ""
	if c.RawQuery != "" {
		q := c.Query()
		for k := range q {
			q[k] = []string{Redacted}
		}
		c.RawQuery = q.Encode()
	}
	return c.String()
}

// RedactText is NewScrubber().Text: it removes from free text what looks like
// card data and the values messages quote.
func RedactText(s string) string { return Scrubber{}.Text(s) }

// redactPath replaces the digits of path segments that hold only digits (deposit
// IDs) by a placeholder, to name a span without an unbounded number of names.
func redactPath(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if p != "" && strings.Trim(p, "0123456789") == "" {
			parts[i] = "{id}"
		}
	}
	return strings.Join(parts, "/")
}

// quotingPhrases are the ways messages quote the value they refused: Java
// Bean Validation's "rejected value", AssertJ-like "but was", Java's
// NumberFormatException, and a card field named right before a number.
var quotingPhrases = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`(?i)(rejected value( is)?[:=]?\s*).*$`), "${1}" + Redacted},
	{regexp.MustCompile(`(?i)(\bbut was\s*[:=]?\s*)\S+`), "${1}" + Redacted},
	{regexp.MustCompile(`(?i)(for input string\s*[:=]?\s*)("[^"]*"|\S+)`), "${1}" + Redacted},
	{regexp.MustCompile(`(?i)(\b(?:cvv2?|cvc2?|cid|csc|security[ _-]?code|card[ _-]?number|pan)\b[^0-9A-Za-z]{0,20})[0-9][0-9*]*`), "${1}" + Redacted},
}

// quotes reports whether t has a phrase that quotes a value without digits.
var quotes = regexp.MustCompile(`(?i)rejected value|but was|for input string`)

// Digit runs: digits (or '*', a masked digit) joined by at most 3 separators
// of " \t.-_/" between them: "4111.1111.1111.1111", "4111\t1111 ...".
const (
	runSeparators = " \t.-_/"
	maxSeparators = 3
	// cardishDigits is the shortest run treated as a card number whatever it
	// holds: every card number (12 to 19 digits, Luhn-valid or not, masked or
	// not) is at least this long.
	cardishDigits = 12
)

// digitRuns replaces each run of digits that could be card data: 12 or more
// digits or masks, or exactly one of the Scrubber's numbers, or one holding a
// number of 8 digits or more.
func (s Scrubber) digitRuns(t string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(t); {
		if !isDigitOrMask(t[i]) {
			i++
			continue
		}
		start, end := i, runEnd(t, i)
		if s.sensitiveRun(t[start:end]) {
			if b.Len() == 0 {
				b.Grow(len(t))
			}
			b.WriteString(t[last:start])
			b.WriteString(Redacted)
			last = end
		}
		i = end
	}
	if last == 0 {
		return t
	}
	b.WriteString(t[last:])
	return b.String()
}

// runEnd is where the run starting at i ends.
func runEnd(t string, i int) int {
	end := i
	for j := i; j < len(t); {
		if isDigitOrMask(t[j]) {
			j++
			end = j
			continue
		}
		k := j
		for k < len(t) && k-j < maxSeparators && strings.IndexByte(runSeparators, t[k]) >= 0 {
			k++
		}
		if k == j || k >= len(t) || !isDigitOrMask(t[k]) {
			break
		}
		j = k
	}
	return end
}

func (s Scrubber) sensitiveRun(run string) bool {
	n := 0
	for i := 0; i < len(run); i++ {
		if isDigitOrMask(run[i]) {
			n++
		}
	}
	if n >= cardishDigits {
		return true
	}
	if len(s.numbers) == 0 {
		return false
	}
	digits := onlyDigits(run)
	for _, v := range s.numbers {
		if digits == v || len(v) >= 8 && strings.Contains(digits, v) {
			return true
		}
	}
	return false
}

func isDigitOrMask(c byte) bool { return c >= '0' && c <= '9' || c == '*' }

// onlyDigits returns the digits of v, in order.
func onlyDigits(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] >= '0' && v[i] <= '9' {
			b.WriteByte(v[i])
		}
	}
	return b.String()
}

// isCardish reports whether v is a number as card fields hold them: digits,
// possibly grouped by spaces or dashes.
func isCardish(v string) bool {
	for i := 0; i < len(v); i++ {
		if !(v[i] >= '0' && v[i] <= '9' || v[i] == ' ' || v[i] == '-') {
			return false
		}
	}
	return true
}

// Error returns err with its text scrubbed, or err itself when the text holds
// nothing to remove. errors.Is and errors.As see through to err; only a
// caller that unwraps it and prints the cause itself can read the original.
func (s Scrubber) Error(err error) error {
	if err == nil {
		return nil
	}
	text := err.Error()
	if clean := s.Text(text); clean != text {
		return &scrubbedError{err: err, text: clean}
	}
	return err
}

// scrubbedError is an error whose text was scrubbed.
type scrubbedError struct {
	err  error
	text string
}

func (e *scrubbedError) Error() string { return e.text }
func (e *scrubbedError) Unwrap() error { return e.err }
