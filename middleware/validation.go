package middleware

import (
	"errors"
	"maps"
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
const CardExpiryExtension = "x-card-expiry"

// NullMeansAbsentExtension, set to true on a request body's schema, says that
// the API reads a member whose value is null as if it were absent, at every
// depth of the body (as Java services deserialising into beans do): an
// optional field sent as null passes, a required one sent as null is missing.
const NullMeansAbsentExtension = "x-null-means-absent"

// ValidationError is a request refused before anything was sent, with every
// rule it breaks. It names fields and rules, never values: values can be card
// data.
type ValidationError struct {
	// API is the name of the API the request was for (API.Name; "api" for an
	// unnamed one).
	API string
	// Operation is the OpenAPI operationId of the request (createCardDeposit).
	Operation string
	// Violations lists each broken rule, sorted by field.
	Violations []Violation
}

// Violation is one broken rule.
type Violation struct {
	// Field is the path of the field in the document's wording:
	// "payer.email", "credit_card.card_number", or a parameter name
	// ("X-Idempotency-Key").
	Field string
	// Rule says what the field must be: "is required", "must match ^[0-9]{8}$".
	Rule string
}

func (v Violation) String() string { return v.Field + ": " + v.Rule }

func (e *ValidationError) Error() string {
	var b strings.Builder
	if e.API != "" {
		b.WriteString(e.API)
		b.WriteString(": ")
	}
	b.WriteString("invalid ")
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
// expiry the document marks with x-card-expiry. A request that breaks a rule
// is refused with a *ValidationError and never reaches the network. The body is
// read through GetBody and never rewritten. Requests the document does not
// describe pass unchecked.
//
// Format checks (card numbers, emails, IP addresses, URLs) are the document's own
// (openapi3.T.SetStringFormatValidator): load it with the format validators
// attached, as package openapi of this module does. WithStringFormats adds
// rules to them, never removes one.
type Validator struct {
	next  http.RoundTripper
	ops   []*schemacheck.Operation
	now   func() time.Time
	opts  []openapi3.SchemaValidationOption
	added map[string]openapi3.StringFormatValidator
	api   API
}

// WithStringFormats adds rules to the document's own format validators: a
// string of a format named in formats must pass the document's validator of
// that format, if it has one, and then the one given here. Given more than
// once, every rule holds.
func WithStringFormats(formats map[string]openapi3.StringFormatValidator) ValidatorOption {
	return validatorOption(func(v *Validator) { v.added = mergeFormats(v.added, formats) })
}

type validatorOption func(*Validator)

func (f validatorOption) applyValidator(v *Validator) { f(v) }

// mergeFormats returns the rules of a and b together: a format named in both
// must pass both.
func mergeFormats(a, b map[string]openapi3.StringFormatValidator) map[string]openapi3.StringFormatValidator {
	if len(a) == 0 {
		return b
	}
	out := maps.Clone(a)
	for name, v := range b {
		if prev, ok := out[name]; ok {
			v = schemacheck.AllFormats{prev, v}
		}
		out[name] = v
	}
	return out
}

// NewValidator prepares validation of every operation of doc, sending valid
// requests through next.
func NewValidator(doc *openapi3.T, next http.RoundTripper, opts ...ValidatorOption) (*Validator, error) {
	if doc == nil || doc.Paths == nil {
		return nil, errors.New("middleware: the validator needs an OpenAPI document with paths")
	}
	v := &Validator{next: orDefault(next), now: time.Now}
	for _, o := range opts {
		o.applyValidator(v)
	}
	formats, full := schemacheck.Formats(doc, v.added)
	v.opts = schemacheck.SchemaOptions(doc)
	if full != nil {
		v.opts = full
	}
	for _, route := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(route)
		for method, op := range item.Operations() {
			prepared, err := schemacheck.Compile(route, method, item, op, formats)
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
		return nil, &ValidationError{API: v.api.name(), Operation: op.ID, Violations: violations}
	}
	return v.next.RoundTrip(req)
}
