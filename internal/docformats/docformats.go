// Package docformats keeps the format validators attached to each OpenAPI
// document, which kin-openapi keeps where nothing outside it can read them.
package docformats

import (
	"maps"
	"runtime"
	"sync"
	"weak"

	"github.com/getkin/kin-openapi/openapi3"
)

// kin-openapi keeps a document's own format validators
// (openapi3.T.SetStringFormatValidator) where nothing outside it can read
// them. Attach attaches them and remembers them, so that the fast path
// calls exactly the document's own validators; for a document attached
// elsewhere, each format goes through kin-openapi (Of).

// attached maps a document to the validators Attach gave it; an entry
// goes with its document.
var attached sync.Map // weak.Pointer[openapi3.T] -> map[string]openapi3.StringFormatValidator

// Attach attaches formats to doc as its own validators and remembers
// them for the fast path. Attach every format of a document this way, before
// validating with it.
func Attach(doc *openapi3.T, formats map[string]openapi3.StringFormatValidator) {
	for name, v := range formats {
		doc.SetStringFormatValidator(name, v)
	}
	key := weak.Make(doc)
	prev, loaded := attached.Load(key)
	all := maps.Clone(formats)
	if loaded {
		all = maps.Clone(prev.(map[string]openapi3.StringFormatValidator))
		maps.Copy(all, formats)
	}
	attached.Store(key, all)
	if !loaded {
		runtime.AddCleanup(doc, func(k weak.Pointer[openapi3.T]) { attached.Delete(k) }, key)
	}
}

// DocumentFormat returns the document's own validator of format name: the one
// Attach attached, or one that asks kin-openapi to check the value
// against the document's options (which is slower, and does nothing for a
// format the document has no validator of).
func Of(doc *openapi3.T, name string) openapi3.StringFormatValidator {
	if all, ok := attached.Load(weak.Make(doc)); ok {
		if v, ok := all.(map[string]openapi3.StringFormatValidator)[name]; ok {
			return v
		}
	}
	return kinFormat{schema: &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}, Format: name},
		opts: doc.GetSchemaValidationOptions()}
}

// kinFormat checks a format through kin-openapi, with a document's options.
type kinFormat struct {
	schema *openapi3.Schema
	opts   []openapi3.SchemaValidationOption
}

func (k kinFormat) Validate(s string) error { return k.schema.VisitJSON(s, k.opts...) }

// Attached returns a copy of the validators Attach gave doc (nil if none).
func Attached(doc *openapi3.T) map[string]openapi3.StringFormatValidator {
	if all, ok := attached.Load(weak.Make(doc)); ok {
		return maps.Clone(all.(map[string]openapi3.StringFormatValidator))
	}
	return nil
}
