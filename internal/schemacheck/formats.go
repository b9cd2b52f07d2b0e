package schemacheck

import (
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/d24go/d24/internal/docformats"
)

// AllFormats holds a value to every one of its validators, in order: the
// document's own, then the rules added to it.
type AllFormats []openapi3.StringFormatValidator

// Validate returns the first validator's error, or nil when all pass.
func (all AllFormats) Validate(s string) error {
	for _, v := range all {
		if err := v.Validate(s); err != nil {
			return err
		}
	}
	return nil
}

// Formats returns the validators the fast path and the full check call for
// each format doc uses: the document's own (docformats.Current, docformats.Of), and for a format
// added names, the document's own and then the added rule, so that an added
// rule can make a value fail and never makes one pass that the document's own
// would fail. full is nil when nothing is added: the full check then takes the
// document's options as they are (SchemaOptions).
func Formats(doc *openapi3.T, added map[string]openapi3.StringFormatValidator) (fast map[string]openapi3.StringFormatValidator, full []openapi3.SchemaValidationOption) {
	current := docformats.Current(doc)
	fast = current
	if len(added) == 0 {
		return fast, nil
	}
	names := formatNames(doc)
	for name := range added {
		names[name] = true
	}
	combined := map[string]openapi3.StringFormatValidator{}
	for name := range names {
		v := docformats.Of(doc, name, current)
		if extra, ok := added[name]; ok {
			v = AllFormats{v, extra}
		}
		combined[name] = v
	}
	// After the document's own options, so that its number and integer
	// formats stay; the string formats are replaced by the combined ones.
	return combined, append(doc.GetSchemaValidationOptions(), openapi3.WithStringFormatValidators(combined), openapi3.MultiErrors())
}

// formatNames lists the string formats doc's request schemas use.
func formatNames(doc *openapi3.T) map[string]bool {
	names := map[string]bool{}
	seen := map[*openapi3.Schema]bool{}
	var walk func(*openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if s.Format != "" {
			names[s.Format] = true
		}
		for _, p := range s.Properties {
			walk(p)
		}
		walk(s.Items)
		walk(s.Not)
		walk(s.AdditionalProperties.Schema)
		for _, list := range [][]*openapi3.SchemaRef{s.AllOf, s.OneOf, s.AnyOf} {
			for _, r := range list {
				walk(r)
			}
		}
	}
	if doc.Paths != nil {
		for _, item := range doc.Paths.Map() {
			for _, op := range item.Operations() {
				for _, p := range append(item.Parameters, op.Parameters...) {
					if p != nil && p.Value != nil {
						walk(p.Value.Schema)
					}
				}
				if op.RequestBody != nil && op.RequestBody.Value != nil {
					for _, mt := range op.RequestBody.Value.Content {
						walk(mt.Schema)
					}
				}
			}
		}
	}
	return names
}
