package d24

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/d24go/d24/internal/jsonnum"
)

// Most answers are decoded by a decoder compiled once per answer type, which
// reads the answer's bytes once and sets each field it names: the JSON v2
// machinery behind decodeAnswer costed about as much as a bare call spends
// decoding its answer, most of it in code that the rest of a call leaves cold.
// It is a fast path, like the validation's: it decodes only what it is sure
// encoding/json decodes the same way, and says "not sure" for anything else
// (a name that matches a field in another case, a name given twice, a number
// that does not fit, a value of the wrong type, a type it does not cover,
// malformed JSON anywhere), and the answer is then decoded afresh by the v2
// path, which is held to encoding/json already. TestDecodeAnswerAgreesWithEncodingJSON
// and FuzzDecodeAnswer hold the two together to encoding/json.

// decodeFunc decodes the JSON value that starts at d.pos into v, an
// addressable value, or returns false.
type decodeFunc func(d *answerReader, v reflect.Value) bool

// answerDecoders caches the compiled decoder of each answer type; a nil
// decodeFunc means the v2 path.
var answerDecoders sync.Map // reflect.Type -> decodeFunc

// decodeFast decodes body into *out with the type's compiled decoder, and
// reports whether it could; when it could not, *out is left zero.
func decodeFast(body []byte, out any) bool {
	ptr := reflect.ValueOf(out)
	if ptr.Kind() != reflect.Pointer || ptr.IsNil() {
		return false
	}
	v := ptr.Elem()
	dec, ok := answerDecoders.Load(v.Type())
	if !ok {
		compiled, _ := compileDecoder(v.Type(), 0)
		dec, _ = answerDecoders.LoadOrStore(v.Type(), compiled)
	}
	f := dec.(decodeFunc)
	if f == nil {
		return false
	}
	d := answerReader{data: body}
	d.space()
	if f(&d, v) && d.space() == len(body) {
		return true
	}
	v.SetZero()
	return false
}

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// maxDecoderDepth bounds the nesting of the types compiled, and of the JSON
// decoded.
const maxDecoderDepth = 64

func compileDecoder(t reflect.Type, depth int) (decodeFunc, bool) {
	if depth > maxDecoderDepth {
		return nil, false
	}
	if t.Kind() == reflect.Pointer {
		return compilePointerDecoder(t, depth)
	}
	switch {
	case reflect.PointerTo(t).Implements(unmarshalerType):
		if t.Kind() == reflect.Interface {
			return nil, false
		}
		// encoding/json hands the value's bytes, null included, to the
		// type's UnmarshalJSON.
		return func(d *answerReader, v reflect.Value) bool {
			start := d.pos
			if !d.skip() {
				return false
			}
			return v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(d.data[start:d.pos]) == nil
		}, true
	case t.Implements(unmarshalerType), reflect.PointerTo(t).Implements(textUnmarshalerType):
		return nil, false
	}
	switch t.Kind() {
	case reflect.String:
		return decodeString, true
	case reflect.Bool:
		return decodeBool, true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return decodeInt, true
	case reflect.Interface:
		if t.NumMethod() != 0 {
			return nil, false
		}
		return decodeAny, true
	case reflect.Slice:
		return compileSliceDecoder(t, depth)
	case reflect.Map:
		return compileMapDecoder(t, depth)
	case reflect.Struct:
		return compileStructDecoder(t, depth)
	}
	return nil, false
}

// null reads a null, which leaves a string, number, bool or struct as it is
// and sets a pointer, slice, map or interface to nil, as encoding/json does.
func (d *answerReader) null(v reflect.Value) bool {
	if !d.literal("null") {
		return false
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		v.SetZero()
	}
	return true
}

// opens reads the start of a value that must open with open ('[' or '{'):
// done when the value was null (v is set as encoding/json sets it, and ok
// says whether null was read) or is anything else (ok false); otherwise the
// caller reads the value, from open.
func (d *answerReader) opens(v reflect.Value, open byte) (done, ok bool) {
	switch d.peek() {
	case 'n':
		return true, d.null(v)
	case open:
		return false, true
	}
	return true, false
}

func decodeString(d *answerReader, v reflect.Value) bool {
	if d.peek() == 'n' {
		return d.null(v)
	}
	s, ok := d.str()
	if ok {
		v.SetString(s)
	}
	return ok
}

// rememberingString decodes a struct's field of an enum type (a result, a
// status, a reason code), reusing the value it made first while the answers
// repeat it: no allocation for those; other values allocate, as a plain
// string does. Only enums are remembered: a plain string field can hold the
// payer's data, which is not kept beyond its answer.
func rememberingString() decodeFunc {
	var last atomic.Pointer[string]
	return func(d *answerReader, v reflect.Value) bool {
		if d.peek() == 'n' {
			return d.null(v)
		}
		start := d.pos
		plain, ok := d.rawString()
		if !ok {
			return false
		}
		lit := d.data[start+1 : d.pos-1]
		if !plain {
			v.SetString(string(unquoteJSON(lit)))
			return true
		}
		if p := last.Load(); p != nil && *p == string(lit) {
			v.SetString(*p)
			return true
		}
		s := string(lit)
		if last.Load() == nil {
			last.Store(&s)
		}
		v.SetString(s)
		return true
	}
}

func decodeBool(d *answerReader, v reflect.Value) bool {
	switch d.peek() {
	case 't':
		v.SetBool(true)
		return d.literal("true")
	case 'f':
		v.SetBool(false)
		return d.literal("false")
	case 'n':
		return d.null(v)
	}
	return false
}

// decodeInt reads an integer literal that fits v; anything else (a fraction,
// an exponent, an overflow) is encoding/json's error, and not sure here.
func decodeInt(d *answerReader, v reflect.Value) bool {
	if d.peek() == 'n' {
		return d.null(v)
	}
	start := d.pos
	end, ok := jsonnum.Scan(d.data, start)
	if !ok {
		return false
	}
	d.pos = end
	lit := d.data[start:end]
	neg := lit[0] == '-'
	if neg {
		lit = lit[1:]
	}
	var n uint64
	for _, c := range lit {
		if c < '0' || c > '9' || n > (1<<63)/10 {
			return false
		}
		n = n*10 + uint64(c-'0')
	}
	if n > 1<<63-1 && !(neg && n == 1<<63) {
		return false
	}
	i := int64(n)
	if neg {
		i = -i
	}
	if v.OverflowInt(i) {
		return false
	}
	v.SetInt(i)
	return true
}

func compilePointerDecoder(t reflect.Type, depth int) (decodeFunc, bool) {
	elem, ok := compileDecoder(t.Elem(), depth+1)
	if !ok {
		return nil, false
	}
	return func(d *answerReader, v reflect.Value) bool {
		if d.peek() == 'n' {
			return d.null(v)
		}
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		return elem(d, v.Elem())
	}, true
}

func compileSliceDecoder(t reflect.Type, depth int) (decodeFunc, bool) {
	if t.Elem().Kind() == reflect.Uint8 {
		return nil, false // base64
	}
	elem, ok := compileDecoder(t.Elem(), depth+1)
	if !ok {
		return nil, false
	}
	return func(d *answerReader, v reflect.Value) bool {
		if done, ok := d.opens(v, '['); done {
			return ok
		}
		s := reflect.MakeSlice(t, 0, 0)
		ok := d.array(func() bool {
			s = reflect.Append(s, reflect.Zero(t.Elem()))
			return elem(d, s.Index(s.Len()-1))
		})
		if ok {
			v.Set(s)
		}
		return ok
	}, true
}

func compileMapDecoder(t reflect.Type, depth int) (decodeFunc, bool) {
	if t.Key().Kind() != reflect.String || reflect.PointerTo(t.Key()).Implements(textUnmarshalerType) {
		return nil, false
	}
	elem, ok := compileDecoder(t.Elem(), depth+1)
	if !ok {
		return nil, false
	}
	return func(d *answerReader, v reflect.Value) bool {
		if done, ok := d.opens(v, '{'); done {
			return ok
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(t))
		}
		return d.object(func(name []byte) bool {
			key := reflect.ValueOf(string(name)).Convert(t.Key())
			value := reflect.New(t.Elem()).Elem()
			if !elem(d, value) {
				return false
			}
			v.SetMapIndex(key, value)
			return true
		})
	}, true
}

// fieldDecoder is one field a struct's decoder sets, by its JSON name.
type fieldDecoder struct {
	name   string
	index  int
	decode decodeFunc
}

func compileStructDecoder(t reflect.Type, depth int) (decodeFunc, bool) {
	var fields []fieldDecoder
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Anonymous {
			return nil, false
		}
		if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, quoted := fieldTag(tag)
		if name == "" {
			name = sf.Name
		}
		if !plainName(name) || quoted {
			return nil, false
		}
		for _, f := range fields {
			if equalFoldASCII(f.name, name) {
				return nil, false // encoding/json's rules for names that collide
			}
		}
		dec, ok := compileDecoder(sf.Type, depth+1)
		if !ok {
			return nil, false
		}
		if sf.Type.Kind() == reflect.String && sf.Type.PkgPath() != "" && !reflect.PointerTo(sf.Type).Implements(unmarshalerType) {
			dec = rememberingString() // an enum of the document's: decodeString's, remembering
		}
		fields = append(fields, fieldDecoder{name: name, index: i, decode: dec})
	}
	if len(fields) > 64 {
		return nil, false
	}
	return func(d *answerReader, v reflect.Value) bool {
		if done, ok := d.opens(v, '{'); done {
			return ok
		}
		var seen uint64
		return d.object(func(key []byte) bool {
			for i := range fields {
				f := &fields[i]
				if f.name == string(key) {
					if seen&(1<<i) != 0 {
						return false // a name given twice
					}
					seen |= 1 << i
					return f.decode(d, v.Field(f.index))
				}
			}
			for i := range fields {
				if equalFoldASCII(fields[i].name, key) {
					return false // encoding/json matches it in another case
				}
			}
			for i := 0; i < len(key); i++ {
				if key[i] >= utf8.RuneSelf {
					return false // Unicode case folding: encoding/json's
				}
			}
			return d.skip()
		})
	}, true
}

// fieldTag returns a json tag's name, and whether it has the "string" option.
func fieldTag(tag string) (name string, quoted bool) {
	name, opts, _ := strings.Cut(tag, ",")
	return name, strings.Contains(","+opts+",", ",string,")
}

func equalFoldASCII[B string | []byte](a string, b B) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// decodeAny decodes into an empty interface as encoding/json does: objects
// to map[string]any, arrays to []any, numbers to float64.
func decodeAny(d *answerReader, v reflect.Value) bool {
	x, ok := d.any()
	if ok {
		if x == nil {
			v.SetZero()
		} else {
			v.Set(reflect.ValueOf(x))
		}
	}
	return ok
}

func (d *answerReader) any() (any, bool) {
	switch c := d.peek(); {
	case c == '{':
		m := map[string]any{}
		ok := d.object(func(name []byte) bool {
			key := string(name)
			x, ok := d.any()
			m[key] = x
			return ok
		})
		return m, ok
	case c == '[':
		list := []any{}
		ok := d.array(func() bool {
			x, ok := d.any()
			list = append(list, x)
			return ok
		})
		return list, ok
	case c == '"':
		return d.str()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	}
	start := d.pos
	end, ok := jsonnum.Scan(d.data, start)
	if !ok {
		return nil, false
	}
	d.pos = end
	f, err := strconv.ParseFloat(string(d.data[start:end]), 64)
	return f, err == nil
}

// answerReader reads JSON bytes once; every method reports false on
// anything malformed.
type answerReader struct {
	data  []byte
	pos   int
	depth int
}

// space skips white space and returns the position after it.
func (d *answerReader) space() int {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return d.pos
		}
	}
	return d.pos
}

func (d *answerReader) peek() byte {
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

func (d *answerReader) literal(word string) bool {
	if len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		return false
	}
	d.pos += len(word)
	return true
}

// next reads what follows a member or an element: ',' (more follows) or the
// closing byte.
func (d *answerReader) next(closing byte) (more, ok bool) {
	if d.space() >= len(d.data) {
		return false, false
	}
	switch d.data[d.pos] {
	case ',':
		d.pos++
		return true, true
	case closing:
		d.pos++
		return false, true
	}
	return false, false
}

// object reads an object whose '{' is at pos, calling member for each member
// with its name once the reader is at its value. The name's bytes are valid
// until member reads on: a member that keeps it makes a string of it first.
func (d *answerReader) object(member func(key []byte) bool) bool {
	if d.depth++; d.depth > maxDecoderDepth {
		return false
	}
	d.pos++
	if d.space() < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		d.depth--
		return true
	}
	for {
		if d.space() >= len(d.data) || d.data[d.pos] != '"' {
			return false
		}
		key, ok := d.name()
		if !ok || d.space() >= len(d.data) || d.data[d.pos] != ':' {
			return false
		}
		d.pos++
		d.space()
		if !member(key) {
			return false
		}
		more, ok := d.next('}')
		if !ok {
			return false
		}
		if !more {
			d.depth--
			return true
		}
	}
}

// array reads an array whose '[' is at pos, calling element for each element
// once the reader is at it.
func (d *answerReader) array(element func() bool) bool {
	if d.depth++; d.depth > maxDecoderDepth {
		return false
	}
	d.pos++
	if d.space() < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		d.depth--
		return true
	}
	for {
		d.space()
		if !element() {
			return false
		}
		more, ok := d.next(']')
		if !ok {
			return false
		}
		if !more {
			d.depth--
			return true
		}
	}
}

// skip reads any JSON value, checking its syntax.
func (d *answerReader) skip() bool {
	switch c := d.peek(); {
	case c == '{':
		return d.object(func([]byte) bool { return d.skip() })
	case c == '[':
		return d.array(d.skip)
	case c == '"':
		_, ok := d.rawString()
		return ok
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	}
	end, ok := jsonnum.Scan(d.data, d.pos)
	d.pos = end
	return ok
}

// rawString reads a string's bytes between its quotes, checking its escapes,
// and reports whether it needs unquoting.
func (d *answerReader) rawString() (plain bool, ok bool) {
	if d.peek() != '"' {
		return false, false
	}
	plain = true
	for i := d.pos + 1; i < len(d.data); i++ {
		switch c := d.data[i]; {
		case c == '"':
			d.pos = i + 1
			return plain, true
		case c == '\\':
			plain = false
			i++
			if i >= len(d.data) {
				return false, false
			}
			switch d.data[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(d.data) {
					return false, false
				}
				for _, h := range d.data[i+1 : i+5] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return false, false
					}
				}
				i += 4
			default:
				return false, false
			}
		case c < 0x20:
			return false, false
		case c >= utf8.RuneSelf:
			plain = false
		}
	}
	return false, false
}

// str reads a string, unquoted as encoding/json unquotes it (invalid UTF-8
// and lone surrogates become U+FFFD).
func (d *answerReader) str() (string, bool) {
	start := d.pos
	plain, ok := d.rawString()
	if !ok {
		return "", false
	}
	lit := d.data[start+1 : d.pos-1]
	if plain {
		return string(lit), true
	}
	return string(unquoteJSON(lit)), true
}

// name reads a member's name: the answer's own bytes when it has no escape,
// so that a struct's field is found without making a string of its name.
// The bytes are the answer's: valid until the next read.
func (d *answerReader) name() ([]byte, bool) {
	start := d.pos
	plain, ok := d.rawString()
	if !ok {
		return nil, false
	}
	lit := d.data[start+1 : d.pos-1]
	if plain {
		return lit, true
	}
	return unquoteJSON(lit), true
}

// unquoteJSON unquotes the inside of a string literal whose escapes are
// known good, as encoding/json's unquoteBytes does.
func unquoteJSON(s []byte) []byte {
	b := make([]byte, 0, len(s)+utf8.UTFMax)
	for r := 0; r < len(s); {
		switch c := s[r]; {
		case c == '\\':
			r++
			switch s[r] {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				rr := hex4(s[r+1 : r+5])
				r += 5
				if utf16.IsSurrogate(rr) {
					if r+6 <= len(s) && s[r] == '\\' && s[r+1] == 'u' {
						if dec := utf16.DecodeRune(rr, hex4(s[r+2:r+6])); dec != unicode.ReplacementChar {
							b = utf8.AppendRune(b, dec)
							r += 6
							continue
						}
					}
					rr = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, rr)
				continue
			default: // " \ /
				b = append(b, s[r])
			}
			r++
		case c < utf8.RuneSelf:
			b = append(b, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			b = utf8.AppendRune(b, rr)
			r += size
		}
	}
	return b
}

func hex4(h []byte) rune {
	var r rune
	for _, c := range h {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		default:
			c = c - 'A' + 10
		}
		r = r*16 + rune(c)
	}
	return r
}
