package openapi

import (
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/d24go/d24/internal/docformats"
)

// Format names the documents use beyond OpenAPI's own.
const (
	FormatIP         = "ip"
	FormatEmail      = "email"
	FormatCardNumber = "card-number"
	// FormatHTTPSURL is a URL D24 calls or sends the payer to (notification,
	// back, success and error URLs, a logo): see ValidateHTTPSURL.
	FormatHTTPSURL = "https-url"
)

// Errors of the format validators. They never quote the value, which may be
// card data.
var (
	ErrNotIP       = errors.New("must be a valid IPv4 or IPv6 address")
	ErrNotEmail    = errors.New("must be a valid email address")
	ErrLuhn        = errors.New("must be a valid card number (Luhn check)")
	ErrNotHTTPSURL = errors.New("must be an https:// URL")
	errCardDigits  = errors.New("must contain only digits")
	errEmailDomain = errors.New("must be a valid email address with a domain")
	errURLHost     = errors.New("must be an https:// URL with a host")
	errURLChars    = errors.New("must be an https:// URL without whitespace, control or invisible characters")
)

// attachFormats gives doc its own validators for the formats above, so nothing
// is registered globally in kin-openapi; the validation middleware's fast path
// calls the same validators.
func attachFormats(doc *openapi3.T) {
	docformats.Attach(doc, stringFormats(doc))
}

// stringFormats returns the validators of the formats doc uses.
func stringFormats(doc *openapi3.T) map[string]openapi3.StringFormatValidator {
	testCards := collectTestCards(doc)
	return map[string]openapi3.StringFormatValidator{
		FormatIP:       stringFormat(validIP),
		FormatEmail:    stringFormat(validEmail),
		FormatHTTPSURL: stringFormat(ValidateHTTPSURL),
		FormatCardNumber: stringFormat(func(s string) error {
			// Luhn first: a real card number never looks in the map.
			err := Luhn(s)
			if err != nil {
				if _, ok := testCards[s]; ok {
					return nil
				}
			}
			return err
		}),
	}
}

type stringFormat func(string) error

func (f stringFormat) Validate(s string) error { return f(s) }

func validIP(s string) error {
	addr, err := netip.ParseAddr(s)
	if err != nil || addr.Zone() != "" {
		return ErrNotIP
	}
	return nil
}

// validEmail accepts a plain address: a dot-atom local part (RFC 5322
// characters, no leading, trailing or doubled dot) of at most 64 characters,
// '@', and a domain of at least two labels (letters, digits, inner hyphens).
// Quoted local parts and IP-literal domains, legal but unheard of in payments,
// are refused.
func validEmail(s string) error {
	at := strings.LastIndexByte(s, '@')
	if at < 1 || at > 64 {
		return ErrNotEmail
	}
	local, domain := s[:at], s[at+1:]
	for i := 0; i < len(local); i++ {
		c := local[i]
		switch {
		case c == '.':
			if i == 0 || i == len(local)-1 || local[i-1] == '.' {
				return ErrNotEmail
			}
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte("!#$%&'*+/=?^_`{|}~-", c) >= 0:
		default:
			return ErrNotEmail
		}
	}
	labels := 0
	for len(domain) > 0 {
		label := domain
		if dot := strings.IndexByte(domain, '.'); dot >= 0 {
			label, domain = domain[:dot], domain[dot+1:]
			if domain == "" {
				return errEmailDomain
			}
		} else {
			domain = ""
		}
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return errEmailDomain
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return errEmailDomain
			}
		}
		labels++
	}
	if labels < 2 {
		return errEmailDomain
	}
	return nil
}

// ValidateHTTPSURL checks a URL that D24 calls or sends the payer to, the
// format https-url. It must:
//
//   - begin with https:// (in lower case, as D24's pages write it);
//   - hold no control character (Unicode's Cc: C0 U+0000 to U+001F, DEL
//     U+007F, C1 U+0080 to U+009F), no whitespace of any kind (the space,
//     Unicode's White_Space characters such as tab, vertical tab, NBSP
//     U+00A0, U+2028 and the ideographic space U+3000, and its separators
//     Zs, Zl and Zp) and no invisible format character (Cf: the zero-width
//     spaces U+200B and U+FEFF, bidirectional overrides, the soft hyphen),
//     which a real URL never holds unescaped;
//   - be valid UTF-8 and parse as a URL (net/url: no invalid %-escape or
//     port) with a host: https:///path, https://:443/ and https://user@/
//     have none.
//
// Other characters, non-ASCII letters included (https://shop.example/pagó),
// are left to the URL's owner. The error never quotes the URL, whose path
// may be a secret token.
func ValidateHTTPSURL(s string) error {
	rest, ok := strings.CutPrefix(s, "https://")
	if !ok || !utf8.ValidString(s) {
		return ErrNotHTTPSURL
	}
	if strings.ContainsFunc(rest, notInURL) {
		return errURLChars
	}
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" {
		return ErrNotHTTPSURL
	}
	if u.Hostname() == "" {
		return errURLHost
	}
	return nil
}

// notInURL reports whether r is a control character (C0, DEL, C1),
// whitespace of any kind or an invisible format character, which no URL of
// format https-url holds.
func notInURL(r rune) bool {
	return unicode.IsSpace(r) || unicode.In(r, unicode.Cc, unicode.Z, unicode.Cf)
}

// Luhn reports whether a string of digits passes the Luhn (mod 10) check.
func Luhn(number string) error {
	if number == "" {
		return errCardDigits
	}
	sum := 0
	double := false
	for i := len(number) - 1; i >= 0; i-- {
		c := number[i]
		if c < '0' || c > '9' {
			return errCardDigits
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	if sum%10 != 0 {
		return ErrLuhn
	}
	return nil
}

// collectTestCards gathers the x-d24-test-cards lists of the document's schemas.
func collectTestCards(doc *openapi3.T) map[string]struct{} {
	cards := map[string]struct{}{}
	if doc.Components == nil {
		return cards
	}
	for _, ref := range doc.Components.Schemas {
		if ref == nil || ref.Value == nil {
			continue
		}
		walkSchema(ref.Value, map[*openapi3.Schema]bool{}, func(s *openapi3.Schema) {
			list, _ := s.Extensions[TestCardsExtension].([]any)
			for _, v := range list {
				if card, ok := v.(string); ok {
					cards[card] = struct{}{}
				}
			}
		})
	}
	return cards
}

// walkSchema calls fn on s and every schema reachable from it, once each.
func walkSchema(s *openapi3.Schema, seen map[*openapi3.Schema]bool, fn func(*openapi3.Schema)) {
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	fn(s)
	visit := func(refs ...*openapi3.SchemaRef) {
		for _, r := range refs {
			if r != nil {
				walkSchema(r.Value, seen, fn)
			}
		}
	}
	visit(s.OneOf...)
	visit(s.AnyOf...)
	visit(s.AllOf...)
	visit(s.Not, s.Items)
	for _, p := range s.Properties {
		visit(p)
	}
	if s.AdditionalProperties.Schema != nil {
		visit(s.AdditionalProperties.Schema)
	}
}
