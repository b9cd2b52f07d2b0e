// Package schemacheck is the engine of middleware's Validator: it compiles
// each operation of an OpenAPI document once (its body schema, parameters,
// "exactly one of" lists and card expiry objects) and checks requests against
// it. A request goes first through the fast path, which reads the body's bytes
// against the compiled schema and answers only "certainly valid" or "not sure";
// anything else goes to the full check, kin-openapi's, which stays the
// authority and words the violations.
//
// The layer (middleware.Validator) finds the operation of a request, runs
// CertainlyValid then Check, and turns the violations into its
// *ValidationError.
package schemacheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// CardExpiryExtension marks an object schema holding a card expiry that must not
// be in the past; its value names the month and year properties:
// {"month": "expiration_month", "year": "expiration_year"}.
const CardExpiryExtension = "x-card-expiry"

// NullMeansAbsentExtension, set to true on a request body's schema, says that
// the API reads a member whose value is null as if it were absent, at every
// depth of the body.
const NullMeansAbsentExtension = "x-null-means-absent"

// Violation is one broken rule: middleware.Violation has the same fields.
type Violation struct {
	Field string
	Rule  string
}

func (v Violation) String() string { return v.Field + ": " + v.Rule }

// SchemaOptions returns the options the full check validates with: the
// document's own (its format validators) and every error, not the first.
func SchemaOptions(doc *openapi3.T) []openapi3.SchemaValidationOption {
	return append(doc.GetSchemaValidationOptions(), openapi3.MultiErrors())
}

// Operation is one documented request, compiled once.
type Operation struct {
	Method   string
	ID       string   // the operationId, or "METHOD route"
	Route    string   // the path template: /v3/deposits/{deposit_id}
	Segments []string // the template's segments

	params       openapi3.Parameters
	body         *openapi3.Schema // with "exactly one of" lists taken out
	required     bool
	nullIsAbsent bool // the body schema's x-null-means-absent
	exactlies    []exactlyOne
	expiries     []cardExpiry
	fast         *fastSchema // nil when the body schema uses a keyword the fast path does not know
	fastParam    []fastParam // nil when a parameter needs the full check
}

// exactlyOne is a oneOf whose alternatives only name required properties: the
// Check checks it itself, so that it can report it plainly and still report
// every other rule of the object (kin-openapi stops at a failed oneOf).
type exactlyOne struct {
	path    []string
	choices [][]string
}

// cardExpiry locates an object whose card expiry must not be past.
type cardExpiry struct {
	path        []string
	month, year string
}

// Compile prepares op, the operation for method at route in item, for the fast
// path when it can and for the full check. formats are the document's own
// format validators, called directly by the fast path (nil: kin-openapi calls
// them).
func Compile(route, method string, item *openapi3.PathItem, op *openapi3.Operation, formats map[string]openapi3.StringFormatValidator) (*Operation, error) {
	o := &Operation{Method: method, ID: op.OperationID, Route: route, Segments: strings.Split(strings.Trim(route, "/"), "/")}
	o.params = append(o.params, item.Parameters...)
	o.params = append(o.params, op.Parameters...)
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		rb := op.RequestBody.Value
		if mt := rb.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
			o.required = rb.Required
			o.nullIsAbsent, _ = mt.Schema.Value.Extensions[NullMeansAbsentExtension].(bool)
			o.body = o.strip(mt.Schema.Value, nil, 0)
		}
	}
	if o.ID == "" {
		o.ID = method + " " + route
	}
	o.prepareFast(formats)
	return o, nil
}

// prepareFast compiles the operation for the fast path, if it can.
func (o *Operation) prepareFast(formats map[string]openapi3.StringFormatValidator) {
	if o.body != nil {
		fast, err := compileFast(o.body, formats, 0)
		if err != nil {
			return
		}
		for _, r := range o.exactlies {
			if !fast.addRules(r.path, r.choices, nil) {
				return
			}
		}
		for i := range o.expiries {
			if !fast.addRules(o.expiries[i].path, nil, &o.expiries[i]) {
				return
			}
		}
		fast.seal()
		o.fast = pack(fast)
	}
	o.fastParam = []fastParam{}
	for _, p := range o.params {
		fp, ok := compileParam(p, formats)
		if !ok {
			o.fastParam, o.fast = nil, nil
			return
		}
		o.fastParam = append(o.fastParam, fp)
	}
}

const maxSchemaDepth = 32

// strip returns s without its "exactly one of" lists (recorded in o), copying
// only the schemas on the way to one; it also records card expiry objects.
func (o *Operation) strip(s *openapi3.Schema, path []string, depth int) *openapi3.Schema {
	if s == nil || depth > maxSchemaDepth {
		return s
	}
	out := s
	copyOnce := func() {
		if out == s {
			c := *s
			out = &c
		}
	}
	if choices, ok := requiredOnly(s.OneOf); ok {
		o.exactlies = append(o.exactlies, exactlyOne{path: slices.Clone(path), choices: choices})
		copyOnce()
		out.OneOf = nil
	}
	if ext, ok := s.Extensions[CardExpiryExtension].(map[string]any); ok {
		month, _ := ext["month"].(string)
		year, _ := ext["year"].(string)
		if month != "" && year != "" {
			o.expiries = append(o.expiries, cardExpiry{path: slices.Clone(path), month: month, year: year})
		}
	}
	for i, ref := range s.AllOf {
		if ref == nil || ref.Value == nil {
			continue
		}
		if n := o.strip(ref.Value, path, depth+1); n != ref.Value {
			copyOnce()
			if &out.AllOf[0] == &s.AllOf[0] {
				out.AllOf = slices.Clone(s.AllOf)
			}
			out.AllOf[i] = &openapi3.SchemaRef{Value: n}
		}
	}
	for name, ref := range s.Properties {
		if ref == nil || ref.Value == nil {
			continue
		}
		if n := o.strip(ref.Value, append(path, name), depth+1); n != ref.Value {
			copyOnce()
			if sameMap(out.Properties, s.Properties) {
				out.Properties = make(openapi3.Schemas, len(s.Properties))
				for k, r := range s.Properties {
					out.Properties[k] = r
				}
			}
			out.Properties[name] = &openapi3.SchemaRef{Value: n}
		}
	}
	return out
}

func sameMap(a, b openapi3.Schemas) bool {
	if len(a) == 0 || len(a) != len(b) {
		return len(a) == len(b)
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// requiredOnly reports whether every alternative of a oneOf only names required
// properties, and returns those names.
func requiredOnly(alts openapi3.SchemaRefs) ([][]string, bool) {
	if len(alts) == 0 {
		return nil, false
	}
	var out [][]string
	for _, a := range alts {
		if a == nil || a.Value == nil || len(a.Value.Required) == 0 {
			return nil, false
		}
		c := *a.Value
		c.Required, c.Extensions, c.Description = nil, nil, ""
		if !c.IsEmpty() {
			return nil, false
		}
		out = append(out, a.Value.Required)
	}
	return out, true
}

// Check returns every violation of req, the full check: kin-openapi's, with
// opts (SchemaOptions), and the operation's own rules, card expiry against
// now(). It may return a new request whose body can be read again (when req
// had no GetBody).
func (op *Operation) Check(req *http.Request, pathParams map[string]string, now func() time.Time, opts []openapi3.SchemaValidationOption) (*http.Request, []Violation, error) {
	var violations []Violation
	input := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: pathParams,
		Options:    &openapi3filter.Options{MultiError: true},
	}
	for _, p := range op.params {
		if p == nil || p.Value == nil {
			continue
		}
		if err := openapi3filter.ValidateParameter(req.Context(), input, p.Value); err != nil {
			violations = append(violations, paramViolations(p.Value, err)...)
		}
	}
	if op.body == nil {
		return req, violations, nil
	}
	body, req, err := readBody(req)
	if err != nil {
		return req, nil, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if op.required {
			violations = append(violations, Violation{Field: "(body)", Rule: "is required"})
		}
		return req, violations, nil
	}
	var value any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&value); err != nil || dec.More() {
		return req, append(violations, Violation{Field: "(body)", Rule: "must be one JSON value"}), nil
	}
	if op.nullIsAbsent {
		dropNullMembers(value)
	}
	if err := op.body.VisitJSON(value, opts...); err != nil {
		violations = append(violations, schemaViolations(err, nil)...)
	}
	for _, rule := range op.exactlies {
		violations = append(violations, rule.check(value)...)
	}
	for _, rule := range op.expiries {
		violations = append(violations, rule.check(value, now())...)
	}
	return req, violations, nil
}

// readBody returns the body's bytes and a request whose body is still unread.
func readBody(req *http.Request) ([]byte, *http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, req, nil
	}
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return nil, req, fmt.Errorf("middleware: reading the body to validate: %w", err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		return b, req, err
	}
	b, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, req, fmt.Errorf("middleware: reading the body to validate: %w", err)
	}
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(b))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return b, out, nil
}

// dropNullMembers removes from every object in value, at any depth, the
// members whose value is null (NullMeansAbsentExtension). Only the decoded
// copy that is validated changes: the body sent is left as it is.
func dropNullMembers(value any) {
	switch v := value.(type) {
	case map[string]any:
		for name, member := range v {
			if member == nil {
				delete(v, name)
			} else {
				dropNullMembers(member)
			}
		}
	case []any:
		for _, item := range v {
			dropNullMembers(item)
		}
	}
}

// lookup follows path through nested JSON objects.
func lookup(value any, path []string) (map[string]any, bool) {
	for _, p := range path {
		m, ok := value.(map[string]any)
		if !ok {
			return nil, false
		}
		value = m[p]
	}
	m, ok := value.(map[string]any)
	return m, ok
}

func (r exactlyOne) check(value any) []Violation {
	obj, ok := lookup(value, r.path)
	if !ok {
		return nil
	}
	present := 0
	var names []string
	for _, choice := range r.choices {
		all := true
		for _, name := range choice {
			if _, ok := obj[name]; !ok {
				all = false
			}
		}
		if all {
			present++
		}
		names = append(names, strings.Join(choice, "+"))
	}
	if present == 1 {
		return nil
	}
	rule := "exactly one of " + strings.Join(names, ", ") + " is required"
	if present > 1 {
		rule = "only one of " + strings.Join(names, ", ") + " may be sent"
	}
	return []Violation{{Field: fieldName(r.path, strings.Join(names, "|")), Rule: rule}}
}

func (r cardExpiry) check(value any, now time.Time) []Violation {
	obj, ok := lookup(value, r.path)
	if !ok {
		return nil
	}
	ms, _ := obj[r.month].(string)
	ys, _ := obj[r.year].(string)
	month, err1 := strconv.Atoi(ms)
	year, err2 := strconv.Atoi(ys)
	if err1 != nil || err2 != nil || month < 1 || month > 12 || len(ys) != 2 {
		return nil // the schema's own patterns report these
	}
	// A card is valid through the last day of its expiry month.
	validUntil := time.Date(2000+year, time.Month(month)+1, 1, 0, 0, 0, 0, time.UTC)
	if now.UTC().Before(validUntil) {
		return nil
	}
	return []Violation{{Field: fieldName(r.path, r.year), Rule: "card expired: " + r.month + "/" + r.year + " must not be in the past"}}
}

func fieldName(path []string, leaf string) string {
	if len(path) == 0 {
		return leaf
	}
	return strings.Join(path, ".") + "." + leaf
}

// paramViolations turns a parameter's validation error into violations.
func paramViolations(p *openapi3.Parameter, err error) []Violation {
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		out := schemaViolations(se, nil)
		for i := range out {
			out[i].Field = p.Name
		}
		return out
	}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) && re.Reason != "" && !strings.Contains(re.Reason, "value") {
		return []Violation{{Field: p.Name, Rule: re.Reason}}
	}
	return []Violation{{Field: p.Name, Rule: "must be a valid " + p.In + " parameter"}}
}

// schemaViolations turns kin-openapi's error tree into violations. It reads the
// failing schema and the error's path and kind, never the error's text, which
// quotes the value.
func schemaViolations(err error, prefix []string) []Violation {
	switch e := err.(type) {
	case openapi3.MultiError:
		var out []Violation
		for _, inner := range e {
			out = append(out, schemaViolations(inner, prefix)...)
		}
		return out
	case *openapi3.SchemaError:
		path := append(slices.Clone(prefix), e.JSONPointer()...)
		switch e.SchemaField {
		case "oneOf", "anyOf", "allOf":
			return combinedViolations(e, prefix, path)
		}
		return []Violation{{Field: strings.Join(path, "."), Rule: rule(e)}}
	}
	return []Violation{{Field: strings.Join(prefix, "."), Rule: "is invalid"}}
}

// combinedViolations reports the rules broken inside oneOf/anyOf/allOf. For a
// oneOf or anyOf, alternatives the value is not even the type of are dropped: a
// number amount reports the number rules, not "must be a string".
// The errors inside carry their own full path from the same prefix.
func combinedViolations(e *openapi3.SchemaError, prefix, path []string) []Violation {
	var inner []*openapi3.SchemaError
	collectSchemaErrors(e.Origin, &inner)
	var out []Violation
	var types []string
	for _, se := range inner {
		if e.SchemaField != "allOf" && se.SchemaField == "type" {
			if se.Schema != nil && se.Schema.Type != nil {
				types = append(types, se.Schema.Type.Slice()...)
			}
			continue
		}
		out = append(out, schemaViolations(se, prefix)...)
	}
	if len(out) == 0 {
		r := "must match one of its allowed forms"
		if len(types) > 0 {
			r = "must be a " + strings.Join(types, " or a ")
		}
		out = append(out, Violation{Field: strings.Join(path, "."), Rule: r})
	}
	return out
}

func collectSchemaErrors(err error, out *[]*openapi3.SchemaError) {
	switch e := err.(type) {
	case nil:
	case *openapi3.SchemaError:
		*out = append(*out, e)
	case openapi3.MultiError:
		for _, inner := range e {
			collectSchemaErrors(inner, out)
		}
	case interface{ Unwrap() []error }:
		for _, inner := range e.Unwrap() {
			collectSchemaErrors(inner, out)
		}
	case interface{ Unwrap() error }:
		collectSchemaErrors(e.Unwrap(), out)
	}
}

// rule says, from the failing schema, what the value must be.
func rule(e *openapi3.SchemaError) string {
	s := e.Schema
	if s == nil {
		s = &openapi3.Schema{}
	}
	switch e.SchemaField {
	case "required":
		return "is required"
	case "pattern":
		return "must match " + s.Pattern
	case "maxLength":
		if s.MaxLength != nil {
			return fmt.Sprintf("must be at most %d characters", *s.MaxLength)
		}
	case "minLength":
		if s.MinLength == 1 {
			return "must not be empty"
		}
		return fmt.Sprintf("must be at least %d characters", s.MinLength)
	case "format":
		if msg := formatMessage(e.Origin); msg != "" {
			return msg
		}
		return "must be a valid " + s.Format
	case "multipleOf":
		if s.MultipleOf != nil {
			if *s.MultipleOf == 0.01 {
				return "must have at most 2 decimal places"
			}
			return fmt.Sprintf("must be a multiple of %g", *s.MultipleOf)
		}
	case "minimum", "exclusiveMinimum":
		if s.Min != nil {
			if s.ExclusiveMin.IsTrue() {
				return fmt.Sprintf("must be greater than %g", *s.Min)
			}
			return fmt.Sprintf("must be at least %g", *s.Min)
		}
	case "maximum", "exclusiveMaximum":
		if s.Max != nil {
			if s.ExclusiveMax.IsTrue() {
				return fmt.Sprintf("must be less than %g", *s.Max)
			}
			return fmt.Sprintf("must be at most %g", *s.Max)
		}
	case "type":
		if s.Type != nil {
			return "must be a " + strings.Join(s.Type.Slice(), " or a ")
		}
	case "enum":
		return fmt.Sprintf("must be one of %v", s.Enum)
	case "additionalProperties":
		return "is not an allowed field"
	case "nullable":
		return "must not be null"
	}
	return "breaks the " + e.SchemaField + " rule"
}

// formatMessage keeps a format validator's own message when it follows the
// "must ..." convention of this module's validators (they never quote the value).
func formatMessage(err error) string {
	for err != nil {
		next := errors.Unwrap(err)
		if next == nil {
			msg := err.Error()
			if strings.HasPrefix(msg, "must ") {
				return msg
			}
			return ""
		}
		err = next
	}
	return ""
}
