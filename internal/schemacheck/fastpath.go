package schemacheck

import (
	"errors"
	"math"
	"regexp"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/d24go/d24/internal/jsonnum"
)

// The fast path checks a request body straight from its bytes against a
// schema compiled once per operation, without decoding it into maps. It
// answers only "certainly valid" or "not sure": anything it cannot vouch for
// (a broken rule, a keyword it does not know, odd JSON) goes to the full
// kin-openapi validation, which stays the authority and words the violations.
// So the fast path can make validation cheaper, never looser; a test holds it
// to agreeing with kin-openapi on every input of the validation table and the
// fuzzer's.

type verdict bool

const (
	valid  verdict = true
	unsure verdict = false
)

type jsonType uint8

const (
	tObject jsonType = 1 << iota
	tArray
	tString
	tNumber
	tInteger
	tBoolean
	tAny = tObject | tArray | tString | tNumber | tInteger | tBoolean
)

// fastSchema is a schema compiled for the fast path. The fields a value's
// check reads come first, so that checking a string or a number reads one
// cache line of its schema: the path runs between network waits, with its
// data out of the CPU's caches.
type fastSchema struct {
	types    jsonType
	nullable bool
	noExtra  bool
	cents    bool // multipleOf 0.01

	int32, int64     bool
	hasMin, hasMax   bool
	exclMin, exclMax bool
	placeholder      bool // a property only listed as required, with no schema of its own

	minLen, maxLen int // -1 when absent
	pattern        patternMatcher
	format         openapi3.StringFormatValidator // given to Compile (middleware.WithStringFormats)
	enum           []string
	min, max       float64

	byLen      [][]int // indexes in propNames by name length (seal)
	sealed     int     // how many of propNames byLen indexes
	propNames  []string
	propSchema []*fastSchema
	required   []int
	extra      *fastSchema // schema of other properties; nil means allowed, any value
	exactly    [][]int     // "exactly one of" alternatives, as property indexes
	expiry     *expiryRule

	items              *fastSchema
	minItems, maxItems int

	formatProbe *openapi3.Schema // {type: string, format: X}, checked by kin-openapi itself

	props map[string]int // property name -> index in propSchemas

	allOf, oneOf, anyOf []*fastSchema

	// oneOfByType replaces oneOf when its alternatives each accept one JSON
	// type no other accepts: the value's type picks the only candidate.
	oneOfByType map[jsonType]*fastSchema
}

type expiryRule struct{ month, year int }

var errUnsupported = errors.New("schema keyword not supported by the fast path")

// compileFast compiles s, or fails for any keyword it does not implement
// exactly as kin-openapi does.
func compileFast(s *openapi3.Schema, formats map[string]openapi3.StringFormatValidator, depth int) (*fastSchema, error) {
	if s == nil || depth > maxSchemaDepth {
		return nil, errUnsupported
	}
	if s.Not != nil || s.Discriminator != nil || s.MinProps != 0 || s.MaxProps != nil || s.UniqueItems ||
		s.ReadOnly || s.WriteOnly || s.Const != nil || len(s.PatternProperties) > 0 || s.PropertyNames != nil ||
		s.AdditionalProperties.Has != nil && *s.AdditionalProperties.Has && s.AdditionalProperties.Schema != nil {
		return nil, errUnsupported
	}
	f := &fastSchema{nullable: s.Nullable, minLen: int(s.MinLength), maxLen: -1}
	if s.Type == nil || len(s.Type.Slice()) == 0 {
		f.types = tAny
	}
	if s.Type != nil {
		for _, t := range s.Type.Slice() {
			switch t {
			case "object":
				f.types |= tObject
			case "array":
				f.types |= tArray
			case "string":
				f.types |= tString
			case "number":
				f.types |= tNumber | tInteger
			case "integer":
				f.types |= tInteger
			case "boolean":
				f.types |= tBoolean
			default:
				return nil, errUnsupported
			}
		}
	}
	if s.MaxLength != nil {
		f.maxLen = int(*s.MaxLength)
	}
	if s.Pattern != "" {
		m, err := compilePattern(s.Pattern)
		if err != nil {
			return nil, errUnsupported
		}
		f.pattern = m
	}
	switch s.Format {
	case "":
	case "int32":
		f.int32 = true
	case "int64":
		f.int64 = true
	case "double", "float":
	default:
		if s.Type != nil && (s.Type.Includes(openapi3.TypeInteger) || s.Type.Includes(openapi3.TypeNumber)) {
			// A number format of the document's own: only the full check
			// knows it.
			return nil, errUnsupported
		}
		// The document's own validators are not readable from outside
		// kin-openapi: those the module attached (docformats.Current) are
		// called directly, any other string format is checked by kin-openapi
		// itself, on a schema with that one keyword.
		if v, ok := formats[s.Format]; ok {
			f.format = v
		} else {
			f.formatProbe = &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}, Format: s.Format}
		}
	}
	for _, e := range s.Enum {
		str, ok := e.(string)
		if !ok {
			return nil, errUnsupported
		}
		f.enum = append(f.enum, str)
	}
	if s.Enum != nil && len(f.enum) == 0 {
		return nil, errUnsupported
	}
	if s.Min != nil {
		f.min, f.hasMin, f.exclMin = *s.Min, true, s.ExclusiveMin.IsTrue()
	}
	if s.Max != nil {
		f.max, f.hasMax, f.exclMax = *s.Max, true, s.ExclusiveMax.IsTrue()
	}
	if s.ExclusiveMin.Value != nil || s.ExclusiveMax.Value != nil {
		return nil, errUnsupported
	}
	if s.MultipleOf != nil {
		if *s.MultipleOf != 0.01 {
			return nil, errUnsupported
		}
		f.cents = true
	}
	f.minItems, f.maxItems = int(s.MinItems), -1
	if s.MaxItems != nil {
		f.maxItems = int(*s.MaxItems)
	}
	if s.Items != nil {
		items, err := compileFast(s.Items.Value, formats, depth+1)
		if err != nil {
			return nil, err
		}
		f.items = items
	}
	if len(s.Properties) > 0 {
		f.props = make(map[string]int, len(s.Properties))
		for name, ref := range s.Properties {
			if ref == nil {
				return nil, errUnsupported
			}
			p, err := compileFast(ref.Value, formats, depth+1)
			if err != nil {
				return nil, err
			}
			f.props[name] = len(f.propSchema)
			f.propNames = append(f.propNames, name)
			f.propSchema = append(f.propSchema, p)
		}
	}
	for _, name := range s.Required {
		i, ok := f.props[name]
		if !ok {
			// Required but not described: track it as an any-value property.
			if f.props == nil {
				f.props = map[string]int{}
			}
			i = len(f.propSchema)
			f.props[name] = i
			f.propNames = append(f.propNames, name)
			f.propSchema = append(f.propSchema, &fastSchema{types: tAny, nullable: true, maxLen: -1, maxItems: -1, placeholder: true})
		}
		f.required = append(f.required, i)
	}
	if len(f.propSchema) > 64 {
		return nil, errUnsupported
	}
	if s.AdditionalProperties.Has != nil && !*s.AdditionalProperties.Has {
		f.noExtra = true
	} else if s.AdditionalProperties.Schema != nil {
		extra, err := compileFast(s.AdditionalProperties.Schema.Value, formats, depth+1)
		if err != nil {
			return nil, err
		}
		f.extra = extra
	}
	for _, list := range []struct {
		refs openapi3.SchemaRefs
		out  *[]*fastSchema
	}{{s.AllOf, &f.allOf}, {s.OneOf, &f.oneOf}, {s.AnyOf, &f.anyOf}} {
		for _, ref := range list.refs {
			if ref == nil {
				return nil, errUnsupported
			}
			sub, err := compileFast(ref.Value, formats, depth+1)
			if err != nil {
				return nil, err
			}
			*list.out = append(*list.out, sub)
		}
	}
	f.mergeAllOf()
	f.dispatchOneOf()
	return f, nil
}

// seal builds the lookup tables of f and everything under it, once all rules
// are attached.
func (f *fastSchema) seal() {
	if f == nil {
		return
	}
	f.byLen, f.sealed = nil, len(f.propNames)
	for i, name := range f.propNames {
		for len(f.byLen) <= len(name) {
			f.byLen = append(f.byLen, nil)
		}
		f.byLen[len(name)] = append(f.byLen[len(name)], i)
	}
	for _, sub := range f.propSchema {
		sub.seal()
	}
	f.items.seal()
	f.extra.seal()
	for _, list := range [][]*fastSchema{f.allOf, f.oneOf, f.anyOf} {
		for _, sub := range list {
			sub.seal()
		}
	}
	for _, sub := range f.oneOfByType {
		sub.seal()
	}
}

// prop finds a property by name: among the few names of its length, compared
// byte for byte, which is cheaper than hashing the name for a map.
func (f *fastSchema) prop(key []byte) (int, bool) {
	if len(key) >= len(f.byLen) {
		return 0, false
	}
	for _, i := range f.byLen[len(key)] {
		if f.propNames[i] == string(key) {
			return i, true
		}
	}
	return 0, false
}

// dispatchOneOf builds oneOfByType when the alternatives' types are disjoint
// and scalar, so a value is checked against its one candidate only.
func (f *fastSchema) dispatchOneOf() {
	if len(f.oneOf) == 0 {
		return
	}
	byType := map[jsonType]*fastSchema{}
	var all jsonType
	for _, alt := range f.oneOf {
		t := alt.types
		if t == tNumber|tInteger {
			t = tNumber
		}
		if t != tNumber && t != tString && t != tBoolean || all&alt.types != 0 || len(alt.allOf)+len(alt.oneOf)+len(alt.anyOf) > 0 {
			return
		}
		all |= alt.types
		byType[t] = alt
	}
	f.oneOfByType, f.oneOf = byType, nil
}

// mergeAllOf folds allOf members that only describe object properties into f
// itself, so the object is scanned once instead of once per member. A property
// that a member only lists as required takes the schema another member gives
// it; two real schemas for one property keep the allOf as it is.
func (f *fastSchema) mergeAllOf() {
	if len(f.allOf) == 0 || f.noExtra || f.extra != nil || f.expiry != nil || len(f.exactly) > 0 || f.types&tObject == 0 {
		return
	}
	merged := map[string]*fastSchema{}
	var order []string
	for name, i := range f.props {
		merged[name] = f.propSchema[i]
		order = append(order, name)
	}
	var required []string
	for _, i := range f.required {
		required = append(required, f.propNames[i])
	}
	types := f.types
	for _, m := range f.allOf {
		if !m.onlyObjectProperties() {
			return
		}
		types &= m.types
		for _, name := range m.propNames {
			sch := m.propSchema[m.props[name]]
			prev, seen := merged[name]
			switch {
			case !seen:
				merged[name] = sch
				order = append(order, name)
			case sch.placeholder:
			case prev.placeholder:
				merged[name] = sch
			default:
				return
			}
		}
		for _, r := range m.required {
			required = append(required, m.propNames[r])
		}
	}
	if len(order) > 64 {
		return
	}
	f.props = make(map[string]int, len(order))
	f.propNames, f.propSchema, f.required = nil, nil, nil
	for _, name := range order {
		f.props[name] = len(f.propSchema)
		f.propNames = append(f.propNames, name)
		f.propSchema = append(f.propSchema, merged[name])
	}
	for _, name := range required {
		f.required = append(f.required, f.props[name])
	}
	f.types = types
	f.allOf = nil
}

// onlyObjectProperties reports whether f says nothing but object, properties
// and required.
func (f *fastSchema) onlyObjectProperties() bool {
	return f.types&tObject != 0 && !f.nullable && !f.noExtra && f.extra == nil && len(f.exactly) == 0 && f.expiry == nil &&
		f.items == nil && f.minItems == 0 && f.maxItems < 0 && f.minLen == 0 && f.maxLen < 0 && f.pattern == nil &&
		f.format == nil && f.formatProbe == nil && len(f.enum) == 0 && !f.hasMin && !f.hasMax && !f.cents && !f.int32 && !f.int64 &&
		len(f.allOf)+len(f.oneOf)+len(f.anyOf) == 0 && f.oneOfByType == nil
}

// kinPattern rewrites a pattern as kin-openapi does before compiling it.
func kinPattern(p string) string { return kinCodepoints.ReplaceAllString(p, `\x{${code}}`) }

var kinCodepoints = regexp.MustCompile(`(?P<replaced_with_slash_x>\\u)(?P<code>[0-9A-F]{4})`)

// addRules attaches the operation's own rules ("exactly one of", card expiry)
// to the compiled object at path.
func (f *fastSchema) addRules(path []string, exactly [][]string, expiry *cardExpiry) bool {
	obj := f
	for _, p := range path {
		i, ok := obj.props[p]
		if !ok {
			return false
		}
		obj = obj.propSchema[i]
	}
	if obj.props == nil {
		return false
	}
	index := func(name string) int {
		i, ok := obj.props[name]
		if !ok {
			i = len(obj.propSchema)
			obj.props[name] = i
			obj.propNames = append(obj.propNames, name)
			obj.propSchema = append(obj.propSchema, &fastSchema{types: tAny, nullable: true, maxLen: -1, maxItems: -1, placeholder: true})
		}
		return i
	}
	if exactly != nil {
		for _, choice := range exactly {
			if len(choice) != 1 {
				return false
			}
			obj.exactly = append(obj.exactly, []int{index(choice[0])})
		}
	}
	if expiry != nil {
		obj.expiry = &expiryRule{month: index(expiry.month), year: index(expiry.year)}
	}
	return len(obj.propSchema) <= 64
}

// fastCheck reports whether body is certainly valid against f. opts are the
// document's validation options (its format validators). Where a null member
// means an absent one (nullIsAbsent), any null is left to the full check.
func fastCheck(f *fastSchema, body []byte, now time.Time, opts []openapi3.SchemaValidationOption, nullIsAbsent bool) verdict {
	sc := scanner{data: body, now: now, opts: opts, nullIsAbsent: nullIsAbsent}
	sc.skipSpace()
	if sc.value(f, 0) != valid {
		return unsure
	}
	sc.skipSpace()
	return verdict(sc.pos == len(sc.data))
}

// scanner walks JSON bytes once, checking them against compiled schemas.
type scanner struct {
	data  []byte
	pos   int
	now   time.Time
	opts  []openapi3.SchemaValidationOption
	buf   []byte // scratch for strings with escapes
	ascii bool   // the last string read was all ASCII
	// nullIsAbsent: a null member counts as absent, which only the full
	// check implements.
	nullIsAbsent bool
}

func (s *scanner) skipSpace() {
	i := s.pos
	for i < len(s.data) {
		switch s.data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			s.pos = i
			return
		}
	}
	s.pos = i
}

const maxJSONDepth = 64

// value checks the JSON value at pos against f (nil: any value, only skipped).
func (s *scanner) value(f *fastSchema, depth int) verdict {
	if depth > maxJSONDepth || s.pos >= len(s.data) {
		return unsure
	}
	start := s.pos
	c := s.data[s.pos]
	if c == '{' || c == '[' {
		if f != nil && f.oneOfByType != nil {
			return unsure // only scalar alternatives are dispatched
		}
		if c == '{' {
			return s.object(f, depth)
		}
		return s.array(f, depth)
	}
	if s.scalar(f) != valid {
		return unsure
	}
	if f != nil && f.oneOfByType != nil {
		alt := f.oneOfByType[jsonTypeAt(c)]
		end := s.pos
		s.pos = start
		ok := alt != nil && s.scalar(alt) == valid
		s.pos = end
		if !ok {
			return unsure
		}
	}
	return s.combinators(f, start, depth)
}

// scalar checks a string, number, boolean or null against f's own keywords.
func (s *scanner) scalar(f *fastSchema) verdict {
	switch c := s.data[s.pos]; {
	case c == '"':
		str, ok := s.str()
		if !ok {
			return unsure
		}
		return f.checkString(str, s.ascii, s.opts)
	case c == 't' || c == 'f':
		word := "true"
		if c == 'f' {
			word = "false"
		}
		if !s.literal(word) {
			return unsure
		}
		return f.checkOther(tBoolean)
	case c == 'n':
		if !s.literal("null") || s.nullIsAbsent {
			return unsure
		}
		if f == nil || f.nullable {
			return valid
		}
		return unsure
	case c == '-' || c >= '0' && c <= '9':
		num, ok := s.number()
		if !ok {
			return unsure
		}
		return f.checkNumber(num)
	}
	return unsure
}

func (s *scanner) literal(word string) bool {
	if len(s.data)-s.pos < len(word) || string(s.data[s.pos:s.pos+len(word)]) != word {
		return false
	}
	s.pos += len(word)
	return true
}

// combinators applies allOf, oneOf and anyOf by re-scanning the same value:
// the value starts at start and the scanner is left after it.
func (s *scanner) combinators(f *fastSchema, start, depth int) verdict {
	if f == nil || len(f.allOf)+len(f.oneOf)+len(f.anyOf) == 0 {
		return valid
	}
	end := s.pos
	check := func(sub *fastSchema) verdict {
		s.pos = start
		v := s.value(sub, depth)
		s.pos = end
		return v
	}
	for _, sub := range f.allOf {
		if check(sub) != valid {
			return unsure
		}
	}
	if len(f.oneOf) > 0 {
		n := 0
		for _, sub := range f.oneOf {
			if check(sub) == valid {
				n++
			}
		}
		// Another alternative may be valid in a way the fast path cannot tell,
		// so even one match must not hide a second: count only certain ones and
		// refuse to vouch unless the others certainly fail their type.
		if n != 1 || !s.othersExcluded(f.oneOf, start) {
			return unsure
		}
	}
	if len(f.anyOf) > 0 {
		ok := false
		for _, sub := range f.anyOf {
			if check(sub) == valid {
				ok = true
				break
			}
		}
		if !ok {
			return unsure
		}
	}
	return valid
}

// othersExcluded reports whether at most one alternative of a oneOf accepts the
// JSON type of the value at start: then one certain match is the only match.
func (s *scanner) othersExcluded(alts []*fastSchema, start int) bool {
	t := jsonTypeAt(s.data[start])
	n := 0
	for _, a := range alts {
		if a.types&t != 0 || t == 0 {
			n++
		}
	}
	return n <= 1
}

func jsonTypeAt(c byte) jsonType {
	switch {
	case c == '{':
		return tObject
	case c == '[':
		return tArray
	case c == '"':
		return tString
	case c == 't' || c == 'f':
		return tBoolean
	case c == '-' || c >= '0' && c <= '9':
		return tNumber
	}
	return 0
}

func (s *scanner) object(f *fastSchema, depth int) verdict {
	start := s.pos
	if f != nil && f.types&tObject == 0 {
		return unsure
	}
	if f != nil && f.sealed != len(f.propNames) {
		return unsure // properties added since seal: the lookup would miss them
	}
	s.pos++ // {
	var seen uint64
	var month, year []byte
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
	} else {
		for {
			s.skipSpace()
			if s.pos >= len(s.data) || s.data[s.pos] != '"' {
				return unsure
			}
			key, ok := s.str()
			if !ok {
				return unsure
			}
			s.skipSpace()
			if s.pos >= len(s.data) || s.data[s.pos] != ':' {
				return unsure
			}
			s.pos++
			s.skipSpace()
			var child *fastSchema
			idx := -1
			if f != nil {
				if i, ok := f.prop(key); ok {
					idx, child = i, f.propSchema[i]
					if seen&(1<<uint(i)) != 0 {
						return unsure // a repeated key: encoding/json keeps the last
					}
					seen |= 1 << uint(i)
				} else if f.noExtra {
					return unsure
				} else {
					child = f.extra
				}
			}
			valueStart := s.pos
			if s.value(child, depth+1) != valid {
				return unsure
			}
			if f != nil && f.expiry != nil && s.data[valueStart] == '"' {
				switch idx {
				case f.expiry.month:
					month = s.data[valueStart+1 : s.pos-1]
				case f.expiry.year:
					year = s.data[valueStart+1 : s.pos-1]
				}
			}
			more, ok := s.separator('}')
			if !ok {
				return unsure
			}
			if !more {
				break
			}
		}
	}
	if f == nil {
		return valid
	}
	for _, i := range f.required {
		if seen&(1<<uint(i)) == 0 {
			return unsure
		}
	}
	if len(f.exactly) > 0 {
		n := 0
		for _, alt := range f.exactly {
			if seen&(1<<uint(alt[0])) != 0 {
				n++
			}
		}
		if n != 1 {
			return unsure
		}
	}
	if f.expiry != nil && month != nil && year != nil && expired(month, year, s.now) {
		return unsure
	}
	return s.combinators(f, start, depth)
}

// expired mirrors cardExpiry.check for the digits the schema's patterns let
// through.
func expired(month, year []byte, now time.Time) bool {
	m, err1 := strconv.Atoi(string(month))
	y, err2 := strconv.Atoi(string(year))
	if err1 != nil || err2 != nil || m < 1 || m > 12 || len(year) != 2 {
		return true // not sure: let the full check speak
	}
	// Past once the month after it has begun, in UTC.
	ny, nm, _ := now.UTC().Date()
	return ny*12+int(nm) > (2000+y)*12+m
}

func (s *scanner) array(f *fastSchema, depth int) verdict {
	start := s.pos
	if f != nil && f.types&tArray == 0 {
		return unsure
	}
	s.pos++
	n := 0
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
	} else {
		for {
			s.skipSpace()
			var items *fastSchema
			if f != nil {
				items = f.items
			}
			if s.value(items, depth+1) != valid {
				return unsure
			}
			n++
			more, ok := s.separator(']')
			if !ok {
				return unsure
			}
			if !more {
				break
			}
		}
	}
	if f == nil {
		return valid
	}
	if n < f.minItems || f.maxItems >= 0 && n > f.maxItems {
		return unsure
	}
	return s.combinators(f, start, depth)
}

// separator reads what follows a member or an element: ',' (more follows) or
// the closing byte (done); anything else is not sure.
func (s *scanner) separator(closing byte) (more, ok bool) {
	s.skipSpace()
	if s.pos >= len(s.data) {
		return false, false
	}
	switch s.data[s.pos] {
	case ',':
		s.pos++
		return true, true
	case closing:
		s.pos++
		return false, true
	}
	return false, false
}

// str reads a JSON string at pos and returns its decoded bytes, which alias
// the input unless it has escapes. Invalid UTF-8 is "not sure": encoding/json
// would replace it. s.ascii tells whether every byte was ASCII.
func (s *scanner) str() ([]byte, bool) {
	// A local index and slice, not s.pos, so the loop stays in registers.
	data, start := s.data, s.pos+1
	var high byte
	for i := start; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '"':
			out := data[start:i]
			s.pos = i + 1
			s.ascii = high < 0x80
			return out, s.ascii || utf8.Valid(out)
		case c == '\\':
			s.pos = i
			s.ascii = false
			return s.escapedStr(start)
		case c < 0x20:
			s.pos = i
			return nil, false
		}
		high |= c
	}
	s.pos = len(data)
	return nil, false
}

func (s *scanner) escapedStr(start int) ([]byte, bool) {
	// Find the end, then let strconv unquote the whole literal.
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case '\\':
			s.pos += 2
			continue
		case '"':
			lit := s.data[start-1 : s.pos+1]
			s.pos++
			u, err := strconv.Unquote(string(lit))
			if err != nil || !utf8.ValidString(u) {
				return nil, false
			}
			s.buf = append(s.buf[:0], u...)
			return s.buf, true
		}
		s.pos++
	}
	return nil, false
}

// number reads a JSON number literal.
func (s *scanner) number() ([]byte, bool) {
	start := s.pos
	if !isNumberAt(s.data, &s.pos) {
		return nil, false
	}
	return s.data[start:s.pos], true
}

// isNumberAt reads a JSON number literal at *pos, advancing it.
func isNumberAt(b []byte, pos *int) bool {
	end, ok := jsonnum.Scan(b, *pos)
	if ok {
		*pos = end
	}
	return ok
}

func (f *fastSchema) checkOther(t jsonType) verdict {
	if f == nil {
		return valid
	}
	if f.types&t == 0 || len(f.enum) > 0 {
		return unsure
	}
	return valid
}

func (f *fastSchema) checkString(b []byte, ascii bool, opts []openapi3.SchemaValidationOption) verdict {
	if f == nil {
		return valid
	}
	if f.types&tString == 0 {
		return unsure
	}
	if f.minLen > 0 || f.maxLen >= 0 {
		n := len(b) // an ASCII string counts one UTF-16 unit a byte
		if !ascii {
			n = 0
			for _, r := range string(b) {
				if utf16.IsSurrogate(r) {
					n += 2
				} else {
					n++
				}
			}
		}
		if n < f.minLen || f.maxLen >= 0 && n > f.maxLen {
			return unsure
		}
	}
	if f.pattern != nil && !f.pattern.Match(b) {
		return unsure
	}
	if len(f.enum) > 0 {
		found := false
		for _, e := range f.enum {
			if e == string(b) {
				found = true
				break
			}
		}
		if !found {
			return unsure
		}
	}
	if f.format != nil && f.format.Validate(string(b)) != nil {
		return unsure
	}
	if f.formatProbe != nil && f.formatProbe.VisitJSON(string(b), opts...) != nil {
		return unsure
	}
	return valid
}

func (f *fastSchema) checkNumber(lit []byte) verdict {
	if f == nil {
		return valid
	}
	if f.types&(tNumber|tInteger) == 0 || len(f.enum) > 0 {
		return unsure
	}
	v, err := strconv.ParseFloat(string(lit), 64)
	if err != nil || math.IsInf(v, 0) {
		return unsure
	}
	if f.types&tNumber == 0 && v != math.Trunc(v) {
		return unsure
	}
	if f.int32 && (v < math.MinInt32 || v > math.MaxInt32) || f.int64 && (v < math.MinInt64 || v > math.MaxInt64) {
		return unsure
	}
	if f.hasMin && (v < f.min || f.exclMin && v == f.min) || f.hasMax && (v > f.max || f.exclMax && v == f.max) {
		return unsure
	}
	if f.cents && !certainlyCents(lit, v) {
		return unsure
	}
	return valid
}

// certainlyCents reports whether a number literal has at most 2 decimal places
// and is small enough that float64 keeps its cents exact, so kin-openapi's
// multipleOf 0.01 check agrees.
func certainlyCents(lit []byte, v float64) bool {
	if math.Abs(v) >= 1e12 {
		return false
	}
	for _, c := range lit {
		if c == 'e' || c == 'E' {
			return false
		}
	}
	for i, c := range lit {
		if c == '.' {
			frac := lit[i+1:]
			for len(frac) > 0 && frac[len(frac)-1] == '0' {
				frac = frac[:len(frac)-1]
			}
			return len(frac) <= 2
		}
	}
	return true
}
