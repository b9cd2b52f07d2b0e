package schemacheck

import (
	"reflect"
	"testing"

	"github.com/d24go/d24/internal/docformats"
	"github.com/d24go/d24/openapi"
)

// pack copies the rules, not only the shape: the packed tree holds what the
// one it was made from holds, for every operation of both documents, and
// shares none of its schemas.
func TestPackKeepsEveryRule(t *testing.T) {
	for _, name := range []string{openapi.PCI, openapi.Deposits} {
		doc := openapi.MustLoad(name)
		formats := docformats.Current(doc)
		for route, item := range doc.Paths.Map() {
			for method, operation := range item.Operations() {
				op, err := Compile(route, method, item, operation, formats)
				if err != nil {
					t.Fatal(err)
				}
				if op.body == nil {
					continue
				}
				fast, err := compileFast(op.body, formats, 0)
				if err != nil {
					continue // the fast path does not take it; nothing is packed
				}
				fast.seal()
				packed := pack(fast)
				if !sameRules(reflect.ValueOf(fast), reflect.ValueOf(packed)) {
					t.Errorf("%s %s %s: the packed schema differs from the compiled one", name, method, route)
				}
				if packed == fast || len(fast.propSchema) > 0 && packed.propSchema[0] == fast.propSchema[0] {
					t.Errorf("%s %s %s: the packed schema still refers to the compiled one", name, method, route)
				}
			}
		}
	}
}

// sameRules is reflect.DeepEqual, except that two functions (a format's
// validator) are the same when they are the same code, which DeepEqual never
// says of functions.
func sameRules(a, b reflect.Value) bool {
	if a.Kind() != b.Kind() {
		return false
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		if a.Kind() == reflect.Interface && a.Elem().Type() != b.Elem().Type() {
			return false
		}
		return sameRules(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if !sameRules(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !sameRules(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.Len() != b.Len() {
			return false
		}
		for _, k := range a.MapKeys() {
			if !b.MapIndex(k).IsValid() || !sameRules(a.MapIndex(k), b.MapIndex(k)) {
				return false
			}
		}
		return true
	case reflect.Func:
		return a.Pointer() == b.Pointer()
	case reflect.Array:
		for i := 0; i < a.Len(); i++ {
			if !sameRules(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.String:
		return a.String() == b.String()
	case reflect.Bool:
		return a.Bool() == b.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return a.Int() == b.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return a.Uint() == b.Uint()
	case reflect.Float32, reflect.Float64:
		return a.Float() == b.Float()
	}
	return false
}
