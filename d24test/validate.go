package d24test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/d24go/d24/openapi"
)

// validator checks request bodies against the same OpenAPI documents the client
// uses, and words what is wrong as D24 does: one "field: message" line per
// field, never quoting card data.
type validator struct {
	card, deposit, refund schemaCheck
	// notificationURL is the rule of a deposit's notification_url, which
	// the merchant panel's URL (WithNotificationURL) must follow too.
	notificationURL *openapi3.Schema
	// depositStatuses and refundStatuses are the statuses the document
	// knows, which the control API sets.
	depositStatuses, refundStatuses []string
}

// schemaCheck is a request schema with its own document's format validators
// (only the card document knows D24's test cards).
type schemaCheck struct {
	schema *openapi3.Schema
	opts   []openapi3.SchemaValidationOption
	// nullIsAbsent: D24 reads a member sent as null as a member left out
	// (nullMeansAbsent).
	nullIsAbsent bool
	// loopbackHTTP accepts an http:// notification_url on loopback
	// (WithLoopbackHTTPNotifications).
	loopbackHTTP bool
}

func newValidator() (*validator, error) {
	v := &validator{}
	for _, d := range []struct {
		name, path string
		check      *schemaCheck
	}{{openapi.PCI, "/v3/deposits", &v.card}, {openapi.Deposits, "/v3/deposits", &v.deposit}, {openapi.Deposits, "/v3/refunds", &v.refund}} {
		doc, err := openapi.Load(d.name)
		if err != nil {
			return nil, err
		}
		d.check.schema = doc.Paths.Find(d.path).Post.RequestBody.Value.Content.Get("application/json").Schema.Value
		d.check.opts = append(doc.GetSchemaValidationOptions(), openapi3.MultiErrors())
		d.check.nullIsAbsent, _ = d.check.schema.Extensions[nullMeansAbsent].(bool)
		if d.check == &v.deposit {
			v.depositStatuses, v.refundStatuses = enumOf(doc, "DepositStatusValue"), enumOf(doc, "RefundStatusValue")
		}
	}
	v.notificationURL = v.deposit.schema.Properties["notification_url"].Value
	return v, nil
}

// enumOf lists the values of a document's string enum.
func enumOf(doc *openapi3.T, schema string) []string {
	var out []string
	for _, v := range doc.Components.Schemas[schema].Value.Enum {
		out = append(out, fmt.Sprint(v))
	}
	return out
}

// check returns nil for a valid body, 502 for a body that is not JSON, and 201
// with details otherwise.
func (c schemaCheck) check(body []byte) *apiError {
	var value any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&value); err != nil || dec.More() {
		return &apiError{status: 400, Code: 502, Description: "Invalid request body", Type: "INVALID_REQUEST_BODY"}
	}
	if c.nullIsAbsent {
		value = withoutNulls(value)
	}
	err := c.schema.VisitJSON(value, c.opts...)
	if err != nil && c.loopbackHTTP {
		err = forgiveLoopbackHTTP(value, err)
	}
	if err == nil {
		return nil
	}
	seen := map[string]bool{}
	var details []string
	for _, d := range describe(err) {
		if d = hintLoopbackHTTP(value, d); !seen[d] {
			seen[d] = true
			details = append(details, d)
		}
	}
	sort.Strings(details)
	return &apiError{status: 400, Code: 201, Description: "Field validation error. Check details", Details: details, Type: "BEAN_VALIDATION_ERROR"}
}

// withoutNulls returns value as D24 reads it: objects lose their null members,
// at any depth, as a Java bean's unset fields.
func withoutNulls(value any) any {
	if obj, ok := value.(map[string]any); ok {
		kept := make(map[string]any, len(obj))
		for name, member := range obj {
			if member != nil {
				kept[name] = withoutNulls(member)
			}
		}
		return kept
	}
	if list, ok := value.([]any); ok {
		for i := range list {
			list[i] = withoutNulls(list[i])
		}
	}
	return value
}

// describe words kin-openapi's errors. It reads their path and kind and the
// schema, never their text, which quotes the value.
func describe(err error) []string {
	switch e := err.(type) {
	case openapi3.MultiError:
		var out []string
		for _, inner := range e {
			out = append(out, describe(inner)...)
		}
		return out
	case *openapi3.SchemaError:
		field := strings.Join(e.JSONPointer(), ".")
		switch e.SchemaField {
		case "oneOf", "anyOf", "allOf":
			var out []string
			for _, inner := range innerErrors(e.Origin) {
				if e.SchemaField != "allOf" && inner.SchemaField == "type" {
					continue
				}
				out = append(out, describe(inner)...)
			}
			if len(out) == 0 {
				if field == "" {
					field = "body"
				}
				out = []string{field + ": " + oneOfMessage(e)}
			}
			return out
		}
		return []string{field + ": " + message(e)}
	}
	return []string{"body: invalid"}
}

func innerErrors(err error) []*openapi3.SchemaError {
	var out []*openapi3.SchemaError
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case nil:
		case *openapi3.SchemaError:
			out = append(out, e)
		case openapi3.MultiError:
			for _, inner := range e {
				walk(inner)
			}
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			walk(e.Unwrap())
		}
	}
	walk(err)
	return out
}

func oneOfMessage(e *openapi3.SchemaError) string {
	if e.Schema != nil {
		var names []string
		for _, alt := range e.Schema.OneOf {
			if alt.Value != nil {
				names = append(names, alt.Value.Required...)
			}
		}
		if len(names) > 0 {
			return "exactly one of " + strings.Join(names, ", ") + " must be sent"
		}
	}
	return "invalid value"
}

// message is D24's (Java Bean Validation) wording for a broken rule.
func message(e *openapi3.SchemaError) string {
	s := e.Schema
	if s == nil {
		s = &openapi3.Schema{}
	}
	switch e.SchemaField {
	case "required":
		return "must not be null"
	case "pattern":
		return fmt.Sprintf("must match %q", s.Pattern)
	case "minLength", "maxLength":
		maxLen := uint64(0)
		if s.MaxLength != nil {
			maxLen = *s.MaxLength
		}
		return fmt.Sprintf("size must be between %d and %d", s.MinLength, maxLen)
	case "format":
		switch s.Format {
		case openapi.FormatEmail:
			return "must be a well-formed email address"
		case openapi.FormatIP:
			return "must be a valid IPv4 or IPv6 address"
		case openapi.FormatCardNumber:
			return "invalid credit card number"
		case openapi.FormatHTTPSURL:
			return httpsURLMessage
		}
		return "invalid format"
	case "multipleOf", "type":
		if s.Type != nil && (s.Type.Is("number") || s.Type.Is("integer")) {
			return "invalid numeric format"
		}
		return "invalid value"
	case "minimum", "exclusiveMinimum":
		if s.Min != nil {
			return fmt.Sprintf("must be greater than or equal to %g", *s.Min)
		}
	case "maximum", "exclusiveMaximum":
		if s.Max != nil {
			return fmt.Sprintf("must be less than or equal to %g", *s.Max)
		}
	case "enum":
		var vals []string
		for _, v := range s.Enum {
			vals = append(vals, fmt.Sprint(v))
		}
		return "Invalid value. Accepted values: " + strings.Join(vals, "|")
	}
	return "invalid value"
}

// httpsURLMessage is the detail of a URL field that is not an https:// URL
// with a host, free of control characters and whitespace (format https-url).
const httpsURLMessage = "must be a valid HTTPS URL"

// nullMeansAbsent is the documents' extension saying that D24 reads a member
// sent as null as if it were absent (the SDK's validator reads it too, as
// middleware.NullMeansAbsentExtension; the sandbox keeps its own reading).
const nullMeansAbsent = "x-null-means-absent"
