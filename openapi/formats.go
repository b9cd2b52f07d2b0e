package openapi

import (
	"errors"
	"net/mail"
	"net/netip"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Format names the documents use beyond OpenAPI's own.
const (
	FormatIP         = "ip"
	FormatEmail      = "email"
	FormatCardNumber = "card-number"
)

// Errors of the format validators. They never quote the value, which may be
// card data.
var (
	ErrNotIP       = errors.New("must be a valid IPv4 or IPv6 address")
	ErrNotEmail    = errors.New("must be a valid email address")
	ErrLuhn        = errors.New("must be a valid card number (Luhn check)")
	errCardDigits  = errors.New("must contain only digits")
	errEmailDomain = errors.New("must be a valid email address with a domain")
)

// attachFormats gives doc its own validators for the formats above, so nothing
// is registered globally in kin-openapi.
func attachFormats(doc *openapi3.T) {
	testCards := collectTestCards(doc)
	doc.SetStringFormatValidator(FormatIP, stringFormat(validIP))
	doc.SetStringFormatValidator(FormatEmail, stringFormat(validEmail))
	doc.SetStringFormatValidator(FormatCardNumber, stringFormat(func(s string) error {
		if _, ok := testCards[s]; ok {
			return nil
		}
		return Luhn(s)
	}))
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

func validEmail(s string) error {
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return ErrNotEmail
	}
	at := strings.LastIndexByte(s, '@')
	if domain := s[at+1:]; !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return errEmailDomain
	}
	return nil
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
