package middleware

import (
	"encoding/json"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
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
//
// The values sit in a closure, which no fmt verb (nor slog's text handler,
// which prints with fmt) prints, as the Signer keeps its key: a Scrubber
// holds a call's card data and keys.
type Scrubber struct{ values func() *scrubValues }

// scrubValues are a Scrubber's values.
type scrubValues struct {
	numbers []string         // digit-only values (a card number, a CVV): matched as whole digit runs
	spread  []*regexp.Regexp // the long numbers, with anything but digits between their digits
	texts   []string         // other values (keys), with their escaped forms: matched anywhere
	public  []string         // numbers the records show anyway (a status code): see WithPublic
}

// noValues are the zero Scrubber's.
var noValues scrubValues

// v returns s's values.
func (s Scrubber) v() *scrubValues {
	if s.values == nil {
		return &noValues
	}
	return s.values()
}

// scrubberOf returns the Scrubber of values.
func scrubberOf(values *scrubValues) Scrubber {
	return Scrubber{values: func() *scrubValues { return values }}
}

// minSensitiveLen is the shortest value a Scrubber removes: a shorter one
// (an empty field, a one-digit value) would only blank unrelated text.
const minSensitiveLen = 3

// NewScrubber returns a Scrubber for values, ignoring those shorter than 3
// characters.
func NewScrubber(values ...string) Scrubber { return Scrubber{}.With(values...) }

// With returns a Scrubber that also removes values.
func (s Scrubber) With(values ...string) Scrubber {
	in := s.v()
	out := *in
	cloned := false
	for _, v := range values {
		v = strings.TrimSpace(v)
		if len(v) < minSensitiveLen {
			continue
		}
		if !cloned {
			out.numbers = append([]string(nil), in.numbers...)
			out.spread = append([]*regexp.Regexp(nil), in.spread...)
			out.texts = append([]string(nil), in.texts...)
			cloned = true
		}
		// A number is read in any digits: the server may echo it in ASCII's.
		number := asciiDigits(v)
		if digits := onlyDigits(number); digits != "" && isCardish(number) {
			if contains(out.numbers, digits) {
				continue
			}
			out.numbers = append(out.numbers, digits)
			if len(digits) >= shortNumber {
				out.spread = append(out.spread, spreadPattern(digits))
			}
			continue
		}
		out.texts = append(out.texts, escapedForms(v)...)
	}
	return scrubberOf(&out)
}

// WithPublic returns a Scrubber that knows numbers the records show anyway,
// such as the answer's status code: a short known number (a CVV) equal to one
// is removed only where the text quotes it, since blanking a bare 400 next to
// "status 400" would tell the CVV.
func (s Scrubber) WithPublic(numbers ...string) Scrubber {
	out := *s.v()
	out.public = append(append([]string(nil), out.public...), numbers...)
	return scrubberOf(&out)
}

// spreadPattern matches digits with up to 6 characters that are not digits,
// or escapes (\u00a0, \x20, %20), between any two of them: a card number
// however it is grouped, split or escaped ("4000\\n0566...", "4000%200566...",
// "4000+0566...").
func spreadPattern(digits string) *regexp.Regexp {
	const gap = `(?:\\[uU][0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}|%[0-9a-fA-F]{2}|\D){0,6}`
	var b strings.Builder
	for i := 0; i < len(digits); i++ {
		if i > 0 {
			b.WriteString(gap)
		}
		b.WriteByte(digits[i])
	}
	return regexp.MustCompile(b.String())
}

// escapedForms are v as it can appear in server text: itself, URL-escaped and
// JSON-escaped.
func escapedForms(v string) []string {
	forms := []string{v}
	j, _ := json.Marshal(v)
	for _, f := range []string{url.QueryEscape(v), url.PathEscape(v), string(j[1 : len(j)-1]), strings.ToLower(v), strings.ToUpper(v)} {
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
// data replaced by REDACTED. Any decimal digit counts as a digit (a card
// number in full-width or Arabic-Indic digits is a card number): where Text
// removes something from a text written with other digits than ASCII's, the
// digits it leaves are written as ASCII digits.
func (s Scrubber) Text(t string) string {
	for _, v := range s.v().texts {
		t = strings.ReplaceAll(t, v, Redacted)
	}
	read := asciiDigits(t)
	if !strings.ContainsAny(read, "0123456789*") && !quotes.MatchString(read) {
		return t
	}
	out := read
	for _, q := range quotingPhrases {
		out = q.re.ReplaceAllString(out, q.repl)
	}
	return unlessSame(s.digitRuns(s.spreadOut(out), false), read, t)
}

// unlessSame returns scrubbed, or orig when scrubbed is read (orig with its
// digits as ASCII digits) unchanged: nothing was removed, and the text keeps
// its own digits.
func unlessSame(scrubbed, read, orig string) string {
	if scrubbed == read {
		return orig
	}
	return scrubbed
}

// asciiDigits returns t with every decimal digit (unicode.Nd: full-width,
// Arabic-Indic, Devanagari, ...) written as its ASCII digit, and t itself when
// it holds no other digits than ASCII's, which a pure-ASCII text tells at
// once.
func asciiDigits(t string) string {
	i := 0
	for i < len(t) && t[i] < utf8.RuneSelf {
		i++
	}
	if i == len(t) {
		return t
	}
	var b []byte
	for j := i; j < len(t); {
		r, size := utf8.DecodeRuneInString(t[j:])
		if d, ok := digitValue(r); ok && r >= utf8.RuneSelf {
			if b == nil {
				b = make([]byte, 0, len(t))
				b = append(b, t[:j]...)
			}
			b = append(b, '0'+d)
		} else if b != nil {
			b = append(b, t[j:j+size]...)
		}
		j += size
	}
	if b == nil {
		return t
	}
	return string(b)
}

// digitValue returns the value of a decimal digit of any script. Every range
// of unicode.Nd is one or more whole runs of ten digits, zero to nine.
func digitValue(r rune) (byte, bool) {
	if r < utf8.RuneSelf {
		return byte(r - '0'), r >= '0' && r <= '9'
	}
	if !unicode.IsDigit(r) {
		return 0, false
	}
	for _, rg := range unicode.Nd.R16 {
		if lo, hi := rune(rg.Lo), rune(rg.Hi); r >= lo && r <= hi {
			return byte((r - lo) % 10), true
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if lo, hi := rune(rg.Lo), rune(rg.Hi); r >= lo && r <= hi {
			return byte((r - lo) % 10), true
		}
	}
	return 0, false
}

// spreadOut removes the known card numbers split in ways digit runs do not
// join.
func (s Scrubber) spreadOut(t string) string {
	for _, re := range s.v().spread {
		t = re.ReplaceAllString(t, Redacted)
	}
	return t
}

// URL returns u as it may be recorded: see RedactURL; its path, query keys
// and opaque part are scrubbed as text, and its host of the Scrubber's values.
func (s Scrubber) URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if p := s.Text(c.Path); p != c.Path {
		c.Path, c.RawPath = p, ""
	}
	c.Opaque = s.Text(c.Opaque)
	c.Host = s.byValue(c.Host)
	if c.RawQuery != "" {
		q := url.Values{}
		for k := range c.Query() {
			q[s.Text(k)] = []string{Redacted}
		}
		c.RawQuery = q.Encode()
	}
	return RedactURL(&c)
}

// byValue removes the Scrubber's values from t, and nothing else.
func (s Scrubber) byValue(t string) string {
	for _, v := range s.v().texts {
		t = strings.ReplaceAll(t, v, Redacted)
	}
	if len(s.v().numbers) == 0 {
		return t
	}
	read := asciiDigits(t)
	return unlessSame(s.digitRuns(s.spreadOut(read), true), read, t)
}

// Token returns t when it is a short identifier that holds none of the
// Scrubber's values (an API's error type, such as INVALID_SIGNATURE), and "" for any
// other text, which a span or metric attribute must not carry.
func (s Scrubber) Token(t string) string {
	if !identifier.MatchString(t) || s.Text(t) != t {
		return ""
	}
	for i := 0; i < len(t); {
		if !isDigitOrMask(t[i]) {
			i++
			continue
		}
		end := runEnd(t, i)
		if contains(s.v().numbers, onlyDigits(t[i:end])) {
			return ""
		}
		i = end
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

// Digit runs: digits (or '*', a masked digit) joined by at most 4 separators
// between them: whitespace (Unicode spaces included), a dash of any script,
// or ".-_/,|\\" (full-width forms included); so
// "4111.1111.1111.1111", "4111\t1111 ...", "4111 | 1111 | ..." are one run.
// ':' is not one, so that times stay readable.
const (
	maxSeparators = 4
	// cardishDigits is the shortest run treated as a card number whatever it
	// holds: every card number (12 to 19 digits, Luhn-valid or not, masked or
	// not) is at least this long.
	cardishDigits = 12
	// shortNumber is the length under which a known number (a CVV) is removed
	// only where it stands alone ("cvv 7391", "[7391]", not "order-7391" or a
	// hexadecimal key's digits) or is quoted: blanking a number the records
	// show elsewhere would tell the CVV.
	shortNumber = 8
	// pieceDigits is the shortest piece of a known card number removed on its
	// own, for a number split by what is not a separator.
	pieceDigits = 6
)

func isSeparator(r rune) bool {
	if r >= 0xFF01 && r <= 0xFF5E {
		r -= 0xFEE0 // a full-width form ("－", "．"): its ASCII character
	}
	return unicode.IsSpace(r) || unicode.Is(unicode.Pd, r) || strings.ContainsRune(".-_/,|\\", r)
}

// digitRuns replaces each run of digits that could be card data: 12 or more
// digits or masks (unless onlyKnown), one of the Scrubber's numbers (a short
// one only where quoted), one holding a known card number, or a piece of 6 or
// more digits of one.
func (s Scrubber) digitRuns(t string, onlyKnown bool) string {
	var b strings.Builder
	last := 0
	cut := func(start, end int) {
		if b.Len() == 0 {
			b.Grow(len(t))
		}
		b.WriteString(t[last:start])
		b.WriteString(Redacted)
		last = end
	}
	for i := 0; i < len(t); {
		if !isDigitOrMask(t[i]) {
			i++
			continue
		}
		start, end := i, runEnd(t, i)
		if s.sensitiveRun(t, start, end, onlyKnown) {
			cut(start, end)
		} else {
			// A short known number (a CVV) among other numbers: "12/30 737".
			for p := start; p < end; {
				if !isDigitOrMask(t[p]) {
					p++
					continue
				}
				q := p
				for q < end && isDigitOrMask(t[q]) {
					q++
				}
				if s.shortNumberAt(t, p, q) {
					cut(p, q)
				}
				p = q
			}
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
		k, n := j, 0
		for k < len(t) && n < maxSeparators {
			r, size := utf8.DecodeRuneInString(t[k:])
			if !isSeparator(r) {
				break
			}
			k += size
			n++
		}
		if k == j || k >= len(t) || !isDigitOrMask(t[k]) {
			break
		}
		j = k
	}
	return end
}

func (s Scrubber) sensitiveRun(t string, start, end int, onlyKnown bool) bool {
	run := t[start:end]
	n := 0
	for i := 0; i < len(run); i++ {
		if isDigitOrMask(run[i]) {
			n++
		}
	}
	if n >= cardishDigits && !onlyKnown {
		return true
	}
	if len(s.v().numbers) == 0 {
		return false
	}
	digits := onlyDigits(run)
	for _, v := range s.v().numbers {
		if len(v) >= shortNumber && (strings.Contains(digits, v) || len(digits) >= pieceDigits && strings.Contains(v, digits)) {
			return true
		}
	}
	return s.shortNumberAt(t, start, end)
}

// shortNumberAt reports whether t[start:end] is one of the Scrubber's short
// numbers where it stands alone or is quoted, and is not a public number.
func (s Scrubber) shortNumberAt(t string, start, end int) bool {
	digits := onlyDigits(t[start:end])
	for _, v := range s.v().numbers {
		if len(v) < shortNumber && digits == v && (quoted(t, start, end) || standalone(t, start, end) && !contains(s.v().public, v)) {
			return true
		}
	}
	return false
}

// standalone reports whether t[start:end] is a word of its own: not part of
// an identifier, a hyphenated or dotted name, or a hexadecimal string.
// A number joined to a value already removed ("REDACTED_737") was part of it.
func standalone(t string, start, end int) bool {
	before, _ := utf8.DecodeLastRuneInString(t[:start])
	after, _ := utf8.DecodeRuneInString(t[end:])
	inWord := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_.", r) }
	alone := (start == 0 || !inWord(before)) && (end == len(t) || !inWord(after))
	return alone || strings.HasSuffix(strings.TrimRight(t[:start], "-_."), Redacted) ||
		strings.HasPrefix(strings.TrimLeft(t[end:], "-_."), Redacted)
}

// quoted reports whether t[start:end] is quoted or bracketed.
func quoted(t string, start, end int) bool {
	before, _ := utf8.DecodeLastRuneInString(t[:start])
	after, _ := utf8.DecodeRuneInString(t[end:])
	return strings.ContainsRune("\"'[(<`", before) || strings.ContainsRune("\"')]>`", after)
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
// nothing to remove. The scrubbed error does not unwrap, so that nothing
// walking an error chain (an error reporter) reads the original text; but
// errors.Is and errors.As still reach err's chain, so a caller who asks for a
// cause by its type gets it, original text included.
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

func (e *scrubbedError) Error() string        { return e.text }
func (e *scrubbedError) Is(target error) bool { return errors.Is(e.err, target) }
func (e *scrubbedError) As(target any) bool   { return errors.As(e.err, target) }
