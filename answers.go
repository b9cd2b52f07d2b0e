package d24

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// answerRules decide whether a 2xx body is the operation's answer. A proxy, a
// misrouted request or a D24 fault can answer 2xx with something else: D24's
// error body, or an object without the identifiers every answer carries. For a
// POST that is not a success but an unknown outcome (the deposit may exist
// without the client knowing its deposit_id), for a GET an error.
type answerRules struct {
	// required lists, by operationId, the properties the documents' 2xx answer
	// schema requires.
	required map[string][]string
	// fields caches, by operationId, the index of each required property's
	// field in the Go type the answer decodes into (-1: no such field).
	fields sync.Map
}

// newAnswerRules reads the required properties of every operation's 2xx
// answer from the documents.
func newAnswerRules(docs map[string]*openapi3.T) *answerRules {
	r := &answerRules{required: map[string][]string{}}
	for _, doc := range docs {
		for _, item := range doc.Paths.Map() {
			for _, op := range item.Operations() {
				if schema := answerSchema(op); schema != nil && len(schema.Required) > 0 {
					r.required[op.OperationID] = schema.Required
				}
			}
		}
	}
	return r
}

// answerSchema is the JSON schema of an operation's success answer.
func answerSchema(op *openapi3.Operation) *openapi3.Schema {
	if op.Responses == nil {
		return nil
	}
	for _, code := range []string{"200", "201", "2XX"} {
		resp := op.Responses.Value(code)
		if resp == nil || resp.Value == nil {
			continue
		}
		if mt := resp.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
			return mt.Schema.Value
		}
	}
	return nil
}

// decode decodes a 2xx body into out, or says why it is not op's answer (an
// error wrapping ErrMalformedAnswer).
func (r *answerRules) decode(ctx context.Context, op string, status int, body []byte, out any) error {
	if apiErr := errorEnvelope(ctx, op, status, body); apiErr != nil {
		return fmt.Errorf("d24: %s: %w: D24's error body: %w", op, ErrMalformedAnswer, apiErr)
	}
	if err := decodeAnswer(body, out); err != nil {
		// The decoder quotes what it could not decode: the call scrubs every
		// error of reading or decoding an answer before returning it.
		return fmt.Errorf("d24: %s: %w: %s", op, ErrMalformedAnswer, err.Error())
	}
	if name := r.missing(op, out); name != "" {
		return fmt.Errorf("d24: %s: %w: HTTP %d without %s", op, ErrMalformedAnswer, status, name)
	}
	return nil
}

// missing returns the first required property of op's answer that out, a
// pointer to the decoded struct, lacks (its field is zero), or "".
func (r *answerRules) missing(op string, out any) string {
	names := r.required[op]
	if len(names) == 0 {
		return ""
	}
	v := reflect.ValueOf(out).Elem()
	if v.Kind() != reflect.Struct {
		return ""
	}
	cached, ok := r.fields.Load(op)
	if !ok {
		cached, _ = r.fields.LoadOrStore(op, fieldIndexes(v.Type(), names))
	}
	for i, f := range cached.([]int) {
		if f >= 0 && v.Field(f).IsZero() {
			return names[i]
		}
	}
	return ""
}

// fieldIndexes finds the field of t that each JSON name decodes into.
func fieldIndexes(t reflect.Type, names []string) []int {
	out := make([]int, len(names))
	for i, name := range names {
		out[i] = -1
		for f := 0; f < t.NumField(); f++ {
			if tag, _, _ := strings.Cut(t.Field(f).Tag.Get("json"), ","); tag == name {
				out[i] = f
				break
			}
		}
	}
	return out
}

// errorEnvelope returns D24's error as an *APIError when a 2xx body is D24's
// error body ({"code": N, "description": ...}) or an error object under
// "error"; nil otherwise. Answers never carry a top-level "code" or "error",
// so the body is parsed only when one of them appears in it.
func errorEnvelope(ctx context.Context, op string, status int, body []byte) *APIError {
	if !bytes.Contains(body, []byte(`"code"`)) && !bytes.Contains(body, []byte(`"error"`)) {
		return nil
	}
	var top struct {
		Code        json.RawMessage `json:"code"`
		Description json.RawMessage `json:"description"`
		Error       json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &top) != nil {
		return nil
	}
	isNull := func(raw json.RawMessage) bool { return len(raw) == 0 || string(raw) == "null" }
	switch {
	case !isNull(top.Code) && !isNull(top.Description):
		return newAPIError(ctx, op, status, body)
	case len(top.Error) > 0 && top.Error[0] == '{':
		return newAPIError(ctx, op, status, top.Error)
	}
	return nil
}
