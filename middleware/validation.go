package middleware

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/d24go/d24/internal/schemacheck"
)

// CardExpiryExtension marks an object schema holding a card expiry that must not
// be in the past; its value names the month and year properties:
// {"month": "expiration_month", "year": "expiration_year"}.
const CardExpiryExtension = "x-d24-card-expiry"

// NullMeansAbsentExtension, set to true on a request body's schema, says that
// the API reads a member whose value is null as if it were absent, at every
// depth of the body (as Java services deserialising into beans do): an
// optional field sent as null passes, a required one sent as null is missing.
const NullMeansAbsentExtension = "x-null-means-absent"

// ValidationError is a request refused before anything was sent, with every
// rule it breaks. It names fields and rules, never values: values can be card
// data.
type ValidationError struct {
	// Operation is the OpenAPI operationId of the request (createCardDeposit).
	Operation string
	// Violations lists each broken rule, sorted by field.
	Violations []Violation
}

// Violation is one broken rule.
type Violation struct {
	// Field is the path of the field in D24's wording: "payer.email",
	// "credit_card.card_number", or a parameter name ("X-Idempotency-Key").
	Field string
	// Rule says what the field must be: "is required", "must match ^[0-9]{8}$".
	Rule string
}

func (v Violation) String() string { return v.Field + ": " + v.Rule }

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("d24: invalid ")
	b.WriteString(e.Operation)
	b.WriteString(" request, not sent: ")
	for i, v := range e.Violations {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(v.String())
	}
	return b.String()
}

// Fields returns the names of the fields that break a rule.
func (e *ValidationError) Fields() []string {
	out := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		out[i] = v.Field
	}
	return out
}

// Validator checks each request against an OpenAPI document before it is sent:
// its body (required fields, types, lengths, patterns, formats, enums, bounds,
// "exactly one of" rules), path, query and header parameters, and the card
// expiry the document marks with x-d24-card-expiry. A request that breaks a rule
// is refused with a *ValidationError and never reaches the network. The body is
// read through GetBody and never rewritten. Requests the document does not
// describe pass unchecked.
//
// Format checks (card numbers, emails, IP addresses) are the document's own
// (openapi3.T.SetStringFormatValidator): load it with the format validators
// attached, as package openapi of this module does.
type Validator struct {
	next    http.RoundTripper
	ops     []*schemacheck.Operation
	now     func() time.Time
	opts    []openapi3.SchemaValidationOption
	formats map[string]openapi3.StringFormatValidator
}

// ValidatorOption configures a Validator.
type ValidatorOption func(*Validator)

// WithValidationClock sets the clock card expiry is checked against.
func WithValidationClock(now func() time.Time) ValidatorOption {
	return func(v *Validator) {
		if now != nil {
			v.now = now
		}
	}
}

// WithStringFormats gives the fast path the document's own format validators
// (the ones attached to it with SetStringFormatValidator), so it can call them
// directly instead of through kin-openapi. They must be the same validators:
// kin-openapi does not let the Validator read them from the document.
func WithStringFormats(formats map[string]openapi3.StringFormatValidator) ValidatorOption {
	return func(v *Validator) { v.formats = formats }
}

// NewValidator prepares validation of every operation of doc, sending valid
// requests through next.
func NewValidator(doc *openapi3.T, next http.RoundTripper, opts ...ValidatorOption) (*Validator, error) {
	if doc == nil || doc.Paths == nil {
		return nil, errors.New("d24 middleware: the validator needs an OpenAPI document with paths")
	}
	v := &Validator{next: orDefault(next), now: time.Now}
	for _, o := range opts {
		o(v)
	}
	v.opts = schemacheck.SchemaOptions(doc)
	for _, route := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(route)
		for method, op := range item.Operations() {
			prepared, err := schemacheck.Compile(route, method, item, op, v.formats)
			if err != nil {
				return nil, err
			}
			v.ops = append(v.ops, prepared)
		}
	}
	// Longer templates first, literal segments before parameters.
	slices.SortStableFunc(v.ops, func(a, b *schemacheck.Operation) int { return len(b.Segments) - len(a.Segments) })
	return v, nil
}

// match finds the operation for req: the route's segments must end the
// request's path, so a base URL with a path prefix still matches.
func (v *Validator) match(req *http.Request) (*schemacheck.Operation, map[string]string) {
	var buf [16]string
	segs := splitPath(req.URL.Path, buf[:0])
	for _, op := range v.ops {
		if op.Method != req.Method || len(op.Segments) > len(segs) {
			continue
		}
		tail := segs[len(segs)-len(op.Segments):]
		var params map[string]string
		ok := true
		for i, s := range op.Segments {
			if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
				if tail[i] == "" {
					ok = false
					break
				}
				if params == nil {
					params = map[string]string{}
				}
				params[s[1:len(s)-1]] = tail[i]
			} else if s != tail[i] {
				ok = false
				break
			}
		}
		if ok {
			return op, params
		}
	}
	return nil, nil
}

// splitPath splits a path into its non-empty segments, into buf when it fits.
func splitPath(path string, buf []string) []string {
	for len(path) > 0 {
		i := strings.IndexByte(path, '/')
		if i < 0 {
			return append(buf, path)
		}
		if i > 0 {
			buf = append(buf, path[:i])
		}
		path = path[i+1:]
	}
	return buf
}

// RoundTrip validates req and sends it only if it is valid.
func (v *Validator) RoundTrip(req *http.Request) (*http.Response, error) {
	op, pathParams := v.match(req)
	if op == nil {
		return v.next.RoundTrip(req)
	}
	// The call's state holds the operation for the spans and AttemptEvents;
	// made here when no outer layer made it, which the Retry then need not.
	state, ctx := stateFrom(req.Context())
	if ctx != req.Context() {
		req = req.WithContext(ctx)
	}
	state.named(op.ID, op.Route)
	if op.CertainlyValid(req, pathParams, v.now, v.opts) {
		return v.next.RoundTrip(req)
	}
	req, found, err := op.Check(req, pathParams, v.now, v.opts)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	if len(found) > 0 {
		closeBody(req)
		violations := make([]Violation, len(found))
		for i, f := range found {
			violations[i] = Violation(f)
		}
		slices.SortStableFunc(violations, func(a, b Violation) int { return strings.Compare(a.String(), b.String()) })
		violations = slices.Compact(violations)
		return nil, &ValidationError{Operation: op.ID, Violations: violations}
	}
	return v.next.RoundTrip(req)
}
