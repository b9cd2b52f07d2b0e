package d24

import (
	"bytes"
	"encoding"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/d24go/d24/types"
)

// A request body is written exactly as encoding/json writes it (the bytes
// the generated request builders send), by an encoder compiled once per
// request type: encoding/json looks every field's encoder up again on every
// call, and calls the card number's, the CVV's and the amount's MarshalJSON,
// two of which call json.Marshal themselves, then re-reads what they wrote.
// It costed about as much as everything the middleware does to a call.
//
// The compiled encoder covers what D24's request types are made of: structs
// of named fields (json tags with omitempty and omitzero), strings, bools,
// integers, pointers, slices, maps with string keys, and the types of package
// types. For a type with anything else in it (a float, an embedded struct, a
// "string" tag option, another type with its own marshaller) the whole body
// goes through encoding/json. TestRequestEncodingIsEncodingJSONs and
// FuzzRequestEncoding hold the two to the same bytes.

// encodeFunc appends the JSON of v, an addressable value, to dst.
type encodeFunc func(dst []byte, v reflect.Value) ([]byte, error)

// requestEncoder is the compiled encoder of one request type (nil encode:
// encoding/json's), and the size of the last body it wrote, which the next
// one's buffer starts from.
type requestEncoder struct {
	encode encodeFunc
	size   atomic.Int64
}

// encoders caches the requestEncoder of each request type.
var encoders sync.Map // reflect.Type -> *requestEncoder

// marshalRequest returns the JSON of *body, as json.Marshal(*body) would.
func marshalRequest[T any](body *T) ([]byte, error) {
	v := reflect.ValueOf(body).Elem()
	e, ok := encoders.Load(v.Type())
	if !ok {
		compiled, _ := compileEncoder(v.Type(), 0)
		e, _ = encoders.LoadOrStore(v.Type(), &requestEncoder{encode: compiled})
	}
	enc := e.(*requestEncoder)
	if enc.encode == nil {
		return json.Marshal(*body)
	}
	b, err := enc.encode(make([]byte, 0, enc.size.Load()+64), v)
	if err == nil {
		enc.size.Store(int64(len(b)))
	}
	return b, err
}

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	isZeroerType      = reflect.TypeFor[interface{ IsZero() bool }]()
	amountType        = reflect.TypeFor[types.Amount]()
	// quotedTypes' MarshalJSON is json.Marshal(string(v)).
	quotedTypes = []reflect.Type{reflect.TypeFor[types.CardNumber](), reflect.TypeFor[types.SecurityCode](),
		reflect.TypeFor[types.FlexString]()}
)

// maxEncoderDepth bounds the nesting of types the encoder compiles.
const maxEncoderDepth = 16

// compileEncoder returns the encoder of t, or false when t holds something
// only encoding/json writes.
func compileEncoder(t reflect.Type, depth int) (encodeFunc, bool) {
	if depth > maxEncoderDepth {
		return nil, false
	}
	if t.Kind() == reflect.Pointer {
		// A pointer's methods are its element's (a pointer-receiver
		// marshaller leaves the element uncompiled): written as its element.
		return compilePointer(t, depth)
	}
	switch {
	case t == amountType:
		// Amount.MarshalJSON writes its decimal string as a number.
		return func(dst []byte, v reflect.Value) ([]byte, error) {
			return append(dst, v.Addr().Interface().(*types.Amount).String()...), nil
		}, true
	case slices.Contains(quotedTypes, t):
		return encodeString, true
	case t.Implements(marshalerType):
		return encodeMarshaler, true
	case reflect.PointerTo(t).Implements(marshalerType), t.Implements(textMarshalerType),
		reflect.PointerTo(t).Implements(textMarshalerType):
		return nil, false
	}
	switch t.Kind() {
	case reflect.String:
		return encodeString, true
	case reflect.Bool:
		return func(dst []byte, v reflect.Value) ([]byte, error) { return strconv.AppendBool(dst, v.Bool()), nil }, true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(dst []byte, v reflect.Value) ([]byte, error) { return strconv.AppendInt(dst, v.Int(), 10), nil }, true
	case reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return func(dst []byte, v reflect.Value) ([]byte, error) { return strconv.AppendUint(dst, v.Uint(), 10), nil }, true
	case reflect.Slice:
		return compileSlice(t, depth)
	case reflect.Map:
		return compileMap(t, depth)
	case reflect.Struct:
		return compileStruct(t, depth)
	}
	return nil, false
}

func compilePointer(t reflect.Type, depth int) (encodeFunc, bool) {
	elem, ok := compileEncoder(t.Elem(), depth+1)
	if !ok {
		return nil, false
	}
	return func(dst []byte, v reflect.Value) ([]byte, error) {
		if v.IsNil() {
			return append(dst, "null"...), nil
		}
		return elem(dst, v.Elem())
	}, true
}

func compileSlice(t reflect.Type, depth int) (encodeFunc, bool) {
	if t.Elem().Kind() == reflect.Uint8 {
		return nil, false // base64
	}
	elem, ok := compileEncoder(t.Elem(), depth+1)
	if !ok {
		return nil, false
	}
	return func(dst []byte, v reflect.Value) ([]byte, error) {
		if v.IsNil() {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		var err error
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = elem(dst, v.Index(i)); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	}, true
}

// compileMap covers maps with string keys: written in the order of their
// keys, as encoding/json writes them.
func compileMap(t reflect.Type, depth int) (encodeFunc, bool) {
	k := t.Key()
	if k.Kind() != reflect.String || k.Implements(textMarshalerType) || reflect.PointerTo(k).Implements(textMarshalerType) {
		return nil, false
	}
	elem, ok := compileEncoder(t.Elem(), depth+1)
	if !ok {
		return nil, false
	}
	return func(dst []byte, v reflect.Value) ([]byte, error) {
		if v.IsNil() {
			return append(dst, "null"...), nil
		}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		dst = append(dst, '{')
		for i, key := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, key.String())
			dst = append(dst, ':')
			// A map's values are not addressable: copied into one that is.
			value := reflect.New(t.Elem()).Elem()
			value.Set(v.MapIndex(key))
			var err error
			if dst, err = elem(dst, value); err != nil {
				return nil, err
			}
		}
		return append(dst, '}'), nil
	}, true
}

// structField is one field a struct's encoder writes.
type structField struct {
	index  int
	prefix string // `,"name":` (its first byte is left out for the first field written)
	encode encodeFunc
	omit   func(reflect.Value) bool // nil: always written
}

func compileStruct(t reflect.Type, depth int) (encodeFunc, bool) {
	var fields []structField
	names := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Anonymous {
			return nil, false // embedded fields' name rules: encoding/json's
		}
		if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = sf.Name
		}
		if !plainName(name) || names[name] || strings.Contains(","+opts+",", ",string,") {
			return nil, false
		}
		names[name] = true
		enc, ok := compileEncoder(sf.Type, depth+1)
		if !ok {
			return nil, false
		}
		f := structField{index: i, prefix: `,"` + name + `":`, encode: enc}
		omitEmpty := strings.Contains(","+opts+",", ",omitempty,")
		omitZero := strings.Contains(","+opts+",", ",omitzero,")
		if omitZero && sf.Type.Kind() == reflect.Interface {
			return nil, false
		}
		f.omit = omitRule(sf.Type, omitEmpty, omitZero)
		fields = append(fields, f)
	}
	return func(dst []byte, v reflect.Value) ([]byte, error) {
		dst = append(dst, '{')
		first := true
		var err error
		for i := range fields {
			f := &fields[i]
			fv := v.Field(f.index)
			if f.omit != nil && f.omit(fv) {
				continue
			}
			prefix := f.prefix
			if first {
				prefix, first = prefix[1:], false
			}
			dst = append(dst, prefix...)
			if dst, err = f.encode(dst, fv); err != nil {
				return nil, err
			}
		}
		return append(dst, '}'), nil
	}, true
}

// omitRule is when encoding/json leaves a field of type t out: omitempty
// leaves out an empty string, slice or map, false, 0 and nil; omitzero the
// zero value, by the type's IsZero method when it has one.
func omitRule(t reflect.Type, omitEmpty, omitZero bool) func(reflect.Value) bool {
	var empty, zero func(reflect.Value) bool
	if omitEmpty {
		switch t.Kind() {
		case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
			empty = func(v reflect.Value) bool { return v.Len() == 0 }
		case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
			reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
			empty = reflect.Value.IsZero
		}
	}
	if omitZero {
		switch {
		case t.Kind() == reflect.Pointer && t.Implements(isZeroerType):
			zero = func(v reflect.Value) bool { return v.IsNil() || v.Interface().(interface{ IsZero() bool }).IsZero() }
		case t.Implements(isZeroerType), reflect.PointerTo(t).Implements(isZeroerType):
			zero = func(v reflect.Value) bool { return v.Addr().Interface().(interface{ IsZero() bool }).IsZero() }
		default:
			zero = reflect.Value.IsZero
		}
	}
	switch {
	case empty != nil && zero != nil:
		return func(v reflect.Value) bool { return empty(v) || zero(v) }
	case empty != nil:
		return empty
	}
	return zero
}

// plainName reports whether a field's JSON name needs no escaping and is one
// encoding/json takes as it is.
func plainName(name string) bool {
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return name != ""
}

func encodeString(dst []byte, v reflect.Value) ([]byte, error) {
	return appendJSONString(dst, v.String()), nil
}

// encodeMarshaler writes what a type's own MarshalJSON writes, compacted and
// HTML-escaped as encoding/json does.
func encodeMarshaler(dst []byte, v reflect.Value) ([]byte, error) {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return append(dst, "null"...), nil
	}
	b, err := v.Interface().(json.Marshaler).MarshalJSON()
	if err != nil {
		return nil, &json.MarshalerError{Type: v.Type(), Err: err}
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, b); err != nil {
		return nil, &json.MarshalerError{Type: v.Type(), Err: err}
	}
	var out bytes.Buffer
	json.HTMLEscape(&out, compact.Bytes())
	return append(dst, out.Bytes()...), nil
}

// appendJSONString appends s as encoding/json writes a string: quoted, with
// <, > and &, U+2028 and U+2029 and control characters escaped, and invalid
// UTF-8 replaced by U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(append(dst, s[start:i]...), `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(append(dst, s[start:i]...), '\\', 'u', '2', '0', '2', hex[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(append(dst, s[start:]...), '"')
}
