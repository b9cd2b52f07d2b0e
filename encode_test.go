package d24

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/d24go/d24/types"
)

// fill sets v (addressable) to a random value: strings full of what
// encoding/json escapes (HTML characters, controls, U+2028, invalid UTF-8),
// nil and empty pointers, slices and maps, zero and non-zero amounts.
func fill(v reflect.Value, r *rand.Rand, depth int) {
	if r.IntN(5) == 0 {
		v.SetZero()
		return
	}
	switch {
	case v.Type() == amountType:
		amounts := []string{"0", "100.5", "-5", "0.01", "12345678901234.99", "7"}
		v.Set(reflect.ValueOf(types.MustParseAmount(amounts[r.IntN(len(amounts))])))
		return
	case v.Type() == reflect.TypeFor[types.Time]():
		v.Set(reflect.ValueOf(types.Time{Time: time.Unix(r.Int64N(2e9), 0).UTC()}))
		return
	}
	switch v.Kind() {
	case reflect.String:
		pieces := []string{"a", "é", "<", ">", "&", `"`, `\`, "\n", "\t", "\x00", "\x1f", "\x7f", "\u2028", "\u2029",
			"\xff", "\xe2\x80", "4111 1111 1111 1111", "日本", "\U0001F600", "", " "}
		var b strings.Builder
		for n := r.IntN(6); n > 0; n-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		v.SetString(b.String())
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(r.Int64N(1<<40) - 1<<39)
	case reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(r.Uint64N(1 << 40))
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if depth < 4 {
			fill(p.Elem(), r, depth+1)
		}
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), r.IntN(3), 3)
		for i := 0; i < s.Len(); i++ {
			fill(s.Index(i), r, depth+1)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for n := r.IntN(4); n > 0; n-- {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(k, r, depth+1)
			fill(e, r, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), r, depth+1)
			}
		}
	}
}

// everything holds every kind the compiled encoder writes, and types whose
// MarshalJSON it calls as encoding/json does.
type everything struct {
	S        string            `json:"s"`
	SE       string            `json:"se,omitempty"`
	B        bool              `json:"b,omitempty,omitzero"`
	I8       int8              `json:"i8"`
	U64      uint64            `json:"u64,omitempty"`
	P        *int32            `json:"p"`
	PE       *string           `json:"pe,omitempty"`
	L        []string          `json:"l"`
	LE       []int64           `json:"le,omitempty"`
	LZ       []string          `json:"lz,omitzero"`
	M        map[string]string `json:"m"`
	ME       map[string]bool   `json:"me,omitempty"`
	A        types.Amount      `json:"a,omitzero"`
	PA       *types.Amount     `json:"pa,omitempty"`
	AA       []types.Amount    `json:"aa"`
	Card     types.CardNumber  `json:"card"`
	Flex     types.FlexString  `json:"flex"`
	Bool     types.Bool        `json:"bool"`
	When     types.Time        `json:"when,omitzero"`
	Nested   nested            `json:"nested,omitzero"`
	NP       *nested           `json:"np,omitempty"`
	Untagged string
	skipped  string
	Dash     string `json:"-"`
}

type nested struct {
	X  string           `json:"x,omitempty"`
	MA map[string]int16 `json:"ma"`
}

// A body the compiled encoder writes is byte for byte encoding/json's, for
// every request type and every kind it covers.
func TestRequestEncodingIsEncodingJSONs(t *testing.T) {
	r := rand.New(rand.NewPCG(24, 24))
	for i := 0; i < 3000; i++ {
		compare(t, r, &CardDepositRequest{})
		compare(t, r, &DepositRequest{})
		compare(t, r, &RefundRequest{})
		compare(t, r, &everything{})
	}
	for _, typ := range []reflect.Type{reflect.TypeFor[CardDepositRequest](), reflect.TypeFor[DepositRequest](),
		reflect.TypeFor[RefundRequest](), reflect.TypeFor[everything]()} {
		if enc, _ := compileEncoder(typ, 0); enc == nil {
			t.Errorf("%v is written by encoding/json, not compiled", typ)
		}
	}
}

// compare fills a random *T and checks both encoders write the same.
func compare[T any](t testing.TB, r *rand.Rand, v *T) {
	t.Helper()
	fill(reflect.ValueOf(v).Elem(), r, 0)
	sameAsEncodingJSON(t, v)
}

func sameAsEncodingJSON[T any](t testing.TB, v *T) {
	t.Helper()
	want, err1 := json.Marshal(*v)
	got, err2 := marshalRequest(v)
	if (err1 == nil) != (err2 == nil) || !bytes.Equal(got, want) {
		t.Fatalf("%T:\n got %s (%v)\nwant %s (%v)", v, got, err2, want, err1)
	}
}

// withFloat has what only encoding/json writes: its whole body goes there.
type withFloat struct {
	F float64 `json:"f"`
	S string  `json:"s"`
}

type embedding struct {
	nested
	Y string `json:"y"`
}

type quotedOption struct {
	N int `json:"n,string"`
}

type pointerMarshaler struct{ V string }

func (p *pointerMarshaler) MarshalJSON() ([]byte, error) { return []byte(`"by pointer"`), nil }

type holdsPointerMarshaler struct {
	P pointerMarshaler `json:"p"`
}

// A type the compiled encoder does not cover goes to encoding/json whole,
// and so is written as encoding/json writes it.
func TestUncoveredTypesGoToEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, typ := range []reflect.Type{reflect.TypeFor[withFloat](), reflect.TypeFor[embedding](), reflect.TypeFor[quotedOption](),
		reflect.TypeFor[holdsPointerMarshaler]()} {
		if enc, _ := compileEncoder(typ, 0); enc != nil {
			t.Errorf("%v compiled", typ)
		}
	}
	for i := 0; i < 200; i++ {
		compare(t, r, &withFloat{})
		compare(t, r, &embedding{})
		compare(t, r, &quotedOption{})
		compare(t, r, &holdsPointerMarshaler{})
	}
}

// FuzzRequestEncoding holds the compiled encoder to encoding/json on request
// bodies decoded from arbitrary JSON (the reference examples to start with),
// and on random values drawn from the fuzzer's seed.
func FuzzRequestEncoding(f *testing.F) {
	for _, ex := range ReferenceExamples(f) {
		f.Add(ex, uint64(1))
	}
	f.Add([]byte(`{"invoice_id":"<b>&amp;\u2028\u0000","amount":"0","bank_account":{"b":"1","a":"\ud800"},"payment_types":[]}`), uint64(7))
	f.Fuzz(func(t *testing.T, body []byte, seed uint64) {
		var card CardDepositRequest
		var dep DepositRequest
		var refund RefundRequest
		if json.Unmarshal(body, &card) == nil {
			sameAsEncodingJSON(t, &card)
		}
		if json.Unmarshal(body, &dep) == nil {
			sameAsEncodingJSON(t, &dep)
		}
		if json.Unmarshal(body, &refund) == nil {
			sameAsEncodingJSON(t, &refund)
		}
		r := rand.New(rand.NewPCG(seed, uint64(len(body))))
		compare(t, r, &DepositRequest{})
		compare(t, r, &everything{})
	})
}
