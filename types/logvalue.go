package types

import (
	"encoding"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// MaskedLogValue is the slog value of a model that holds card data (the
// generated models marked x-masked-in-logs call it from their LogValue): a
// group of its fields under their JSON names, leaving out the empty optional
// ones as the JSON would, nested structs, slices and maps as groups, and every
// value that has its own LogValue (CardNumber, SecurityCode) resolved through
// it, so card data is masked at any depth. Values that encode themselves
// (Amount, Time) are kept as they are.
func MaskedLogValue(v any) slog.Value {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return slog.AnyValue(nil)
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return maskedValue(rv, 0)
	}
	return structValue(rv, 0)
}

// maxLogDepth bounds the walk, against a cyclic value.
const maxLogDepth = 16

var (
	logValuer     = reflect.TypeFor[slog.LogValuer]()
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// maskedValue is the slog value of one field's value.
func maskedValue(rv reflect.Value, depth int) slog.Value {
	if depth > maxLogDepth {
		return slog.StringValue("...")
	}
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return slog.AnyValue(nil)
		}
		if rv.Type().Implements(logValuer) {
			break
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() || !rv.CanInterface() {
		return slog.AnyValue(nil)
	}
	t := rv.Type()
	switch {
	case t.Implements(logValuer):
		return rv.Interface().(slog.LogValuer).LogValue().Resolve()
	case t.Implements(jsonMarshaler) || t.Implements(textMarshaler):
		return slog.AnyValue(rv.Interface())
	}
	switch rv.Kind() {
	case reflect.Struct:
		return structValue(rv, depth)
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			// Bytes (a json.RawMessage, say) are not shown: they could hold
			// anything.
			return slog.StringValue("[" + strconv.Itoa(rv.Len()) + " bytes]")
		}
		attrs := make([]slog.Attr, rv.Len())
		for i := range attrs {
			attrs[i] = slog.Attr{Key: strconv.Itoa(i), Value: maskedValue(rv.Index(i), depth+1)}
		}
		return slog.GroupValue(attrs...)
	case reflect.Map:
		keys := rv.MapKeys()
		attrs := make([]slog.Attr, 0, len(keys))
		for _, k := range keys {
			attrs = append(attrs, slog.Attr{Key: mapKey(k), Value: maskedValue(rv.MapIndex(k), depth+1)})
		}
		sort.Slice(attrs, func(i, j int) bool { return attrs[i].Key < attrs[j].Key })
		return slog.GroupValue(attrs...)
	}
	return slog.AnyValue(rv.Interface())
}

// structValue is the group of a struct's exported fields, by JSON name.
func structValue(rv reflect.Value, depth int) slog.Value {
	t := rv.Type()
	attrs := make([]slog.Attr, 0, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" && opts == "" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fv := rv.Field(i)
		if fv.IsZero() && (strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")) {
			continue
		}
		attrs = append(attrs, slog.Attr{Key: name, Value: maskedValue(fv, depth+1)})
	}
	return slog.GroupValue(attrs...)
}

func mapKey(k reflect.Value) string {
	switch {
	case k.Kind() == reflect.String:
		return k.String()
	case !k.CanInterface():
		return ""
	}
	if tm, ok := k.Interface().(encoding.TextMarshaler); ok {
		if b, err := tm.MarshalText(); err == nil {
			return string(b)
		}
	}
	return fmt.Sprint(k.Interface())
}
