// Package docformats keeps the format validators attached to each OpenAPI
// document, which kin-openapi keeps where nothing outside it can read them.
//
// Attach attaches a document's validators and remembers them, so that the
// validation fast path can call exactly the document's own validators. A
// remembered validator is trusted only while it is still the document's: one
// replaced since (openapi3.T.SetStringFormatValidator), or a format attached
// elsewhere, goes through kin-openapi with the document's options (Of).
package docformats

import (
	"crypto/rand"
	"maps"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/getkin/kin-openapi/openapi3"
)

// attached maps a document to the validators Attach gave it; an entry goes
// with its document.
var attached sync.Map // weak.Pointer[openapi3.T] -> map[string]*own

// own is a validator as Attach attaches it: it answers a probe (a value that
// begins with probePrefix) by noting it, so that Current can tell whether the
// document still holds it.
type own struct {
	v     openapi3.StringFormatValidator
	heard sync.Map // probe values seen
}

func (o *own) Validate(s string) error {
	if strings.HasPrefix(s, probePrefix) {
		o.heard.Store(s, true)
		return nil
	}
	return o.v.Validate(s)
}

// probePrefix begins the values that probe a document's validators: random
// per process, and with a NUL, so that no request holds one.
var probePrefix = "\x00docformats-probe-" + rand.Text() + "-"

var probes atomic.Uint64

// Attach attaches formats to doc as its own validators and remembers them for
// the fast path. Attach every format of a document this way, before
// validating with it.
func Attach(doc *openapi3.T, formats map[string]openapi3.StringFormatValidator) {
	wrapped := make(map[string]*own, len(formats))
	for name, v := range formats {
		o := &own{v: v}
		wrapped[name] = o
		doc.SetStringFormatValidator(name, o)
	}
	key := weak.Make(doc)
	prev, loaded := attached.Load(key)
	all := wrapped
	if loaded {
		all = maps.Clone(prev.(map[string]*own))
		maps.Copy(all, wrapped)
	}
	attached.Store(key, all)
	if !loaded {
		runtime.AddCleanup(doc, func(k weak.Pointer[openapi3.T]) { attached.Delete(k) }, key)
	}
}

// Current returns the validators Attach gave doc that are still the
// document's own, asking kin-openapi which validator it would call for each
// (nil if none).
func Current(doc *openapi3.T) map[string]openapi3.StringFormatValidator {
	all, ok := attached.Load(weak.Make(doc))
	if !ok {
		return nil
	}
	opts := doc.GetSchemaValidationOptions()
	out := map[string]openapi3.StringFormatValidator{}
	for name, o := range all.(map[string]*own) {
		probe := probePrefix + strconv.FormatUint(probes.Add(1), 10)
		_ = (&openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}, Format: name}).VisitJSON(probe, opts...)
		if _, heard := o.heard.LoadAndDelete(probe); heard {
			out[name] = o.v
		}
	}
	return out
}

// Of returns the document's own validator of format name: the one Attach
// attached while the document still holds it, or one that asks kin-openapi to
// check the value against the document's options (which is slower, and does
// nothing for a format the document has no validator of).
func Of(doc *openapi3.T, name string, current map[string]openapi3.StringFormatValidator) openapi3.StringFormatValidator {
	if v, ok := current[name]; ok {
		return v
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
