package schemacheck

import (
	"bytes"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/d24go/d24/internal/reqbody"
)

// fastParam is a path, query or header parameter compiled for the fast path.
type fastParam struct {
	in, name string
	required bool
	schema   *fastSchema
	number   bool
}

// compileParam compiles a scalar parameter in its default style, or fails.
func compileParam(ref *openapi3.ParameterRef, formats map[string]openapi3.StringFormatValidator) (fastParam, bool) {
	if ref == nil || ref.Value == nil || ref.Value.Schema == nil || ref.Value.Content != nil {
		return fastParam{}, false
	}
	p := ref.Value
	if p.Style != "" && p.Style != openapi3.SerializationSimple && p.Style != openapi3.SerializationForm {
		return fastParam{}, false
	}
	sch, err := compileFast(p.Schema.Value, formats, 0)
	if err != nil || sch.types&(tObject|tArray|tBoolean) != 0 && sch.types != tAny || sch.types == tAny ||
		len(sch.allOf)+len(sch.oneOf)+len(sch.anyOf) > 0 {
		return fastParam{}, false
	}
	name := p.Name
	if p.In == openapi3.ParameterInHeader {
		name = http.CanonicalHeaderKey(name)
	}
	return fastParam{in: p.In, name: name, required: p.Required, schema: sch, number: sch.types&tString == 0}, true
}

// check reports whether the parameter's raw value is certainly valid.
func (p fastParam) check(req *http.Request, pathParams map[string]string, opts []openapi3.SchemaValidationOption) verdict {
	var raw string
	var present bool
	switch p.in {
	case openapi3.ParameterInPath:
		raw, present = pathParams[p.name]
	case openapi3.ParameterInHeader:
		values := req.Header[p.name]
		if len(values) > 1 {
			return unsure
		}
		if present = len(values) == 1; present {
			raw = values[0]
		}
	case openapi3.ParameterInQuery:
		values, ok := req.URL.Query()[p.name]
		if len(values) > 1 {
			return unsure
		}
		if present = ok; present {
			raw = values[0]
		}
	default:
		return unsure
	}
	if !present {
		return verdict(!p.required)
	}
	if p.number {
		pos := 0
		if !isNumberAt([]byte(raw), &pos) || pos != len(raw) {
			return unsure
		}
		return p.schema.checkNumber([]byte(raw))
	}
	return p.schema.checkString([]byte(raw), false, opts)
}

var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// CertainlyValid runs the fast path: true only when the request is certainly
// valid; anything else goes to the full check (Check). now is the clock card
// expiry is checked against, opts the full check's (SchemaOptions).
func (op *Operation) CertainlyValid(req *http.Request, pathParams map[string]string, now func() time.Time, opts []openapi3.SchemaValidationOption) bool {
	if op.fastParam == nil || (op.body != nil && op.fast == nil) {
		return false
	}
	for _, p := range op.fastParam {
		if p.check(req, pathParams, opts) != valid {
			return false
		}
	}
	if op.body == nil {
		return true
	}
	if body, ok := reqbody.Of(req); ok {
		return fastCheck(op.fast, body, now(), opts, op.nullIsAbsent) == valid
	}
	if req.GetBody == nil || req.Body == nil || req.Body == http.NoBody {
		return false
	}
	rc, err := req.GetBody()
	if err != nil {
		return false
	}
	buf := bodyBuffers.Get().(*bytes.Buffer)
	defer bodyBuffers.Put(buf)
	buf.Reset()
	_, err = buf.ReadFrom(io.LimitReader(rc, 1<<20))
	rc.Close()
	if err != nil {
		return false
	}
	return fastCheck(op.fast, buf.Bytes(), now(), opts, op.nullIsAbsent) == valid
}
