package d24

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// answerTypes are a fresh value of every type a Client decodes a 2xx answer into.
var answerTypes = []func() any{
	func() any { return new(CardDepositResponse) },
	func() any { return new(DepositResponse) },
	func() any { return new(DepositStatus) },
	func() any { return new(RefundResponse) },
	func() any { return new(RefundStatus) },
	func() any { return new([]PaymentMethod) },
	func() any { return new(ExchangeRate) },
	func() any { return new(CryptoExchangeRate) },
	func() any { return new([]State) },
	func() any { return new([]Bank) },
}

// agree decodes body into every answer type with decodeAnswer and with
// encoding/json, and reports where they differ: in refusing it, or in the value.
func agree(t *testing.T, body []byte) {
	t.Helper()
	for _, newValue := range answerTypes {
		ours, std := newValue(), newValue()
		errOurs, errStd := decodeAnswer(body, ours), json.Unmarshal(body, std)
		if (errOurs == nil) != (errStd == nil) {
			t.Fatalf("%T from %q: decodeAnswer error %v, encoding/json error %v", ours, body, errOurs, errStd)
		}
		if errOurs == nil && !reflect.DeepEqual(ours, std) {
			t.Fatalf("%T from %q:\ndecodeAnswer  %+v\nencoding/json %+v", ours, body, ours, std)
		}
	}
}

// decodeAnswer (JSON v2 with v1 options) decodes every example of D24's pages,
// and shapes around them, exactly as encoding/json does.
func TestDecodeAnswerAgreesWithEncodingJSON(t *testing.T) {
	for _, body := range answerSeeds(t) {
		agree(t, body)
	}
}

func FuzzDecodeAnswer(f *testing.F) {
	for _, body := range answerSeeds(f) {
		f.Add(body)
	}
	f.Fuzz(agree)
}

// ReferenceExamples returns the JSON examples of D24's pages (the fuzzers'
// seeds); exported to the package's external tests.
func ReferenceExamples(t testing.TB) [][]byte {
	files, err := filepath.Glob("openapi/testdata/examples/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no reference examples: %v", err)
	}
	var out [][]byte
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// answerSeeds are the reference examples plus the edge cases where JSON
// decoders are known to differ.
func answerSeeds(t testing.TB) [][]byte {
	out := ReferenceExamples(t)
	for _, s := range []string{
		`{"DEPOSIT_ID":1,"Payment_Info":{"Amount":1.5}}`,                   // names in another case
		`{"deposit_id":1,"deposit_id":2}`,                                  // duplicate names
		`{"user_id":"\xff\xfe","deposit_id":1}`,                            // invalid UTF-8
		`{"deposit_id":null,"payment_info":null}`,                          // nulls
		`{"deposit_id":"1"}`, `{"deposit_id":1.5}`, `{"deposit_id":1e400}`, // wrong types
		`{"payment_info":{"amount":"1e400"}}`, `{"payment_info":{"created_at":"yesterday"}}`,
		`[]`, `[{"code":"VI"},{"code":1}]`, `{"deposit_id":1} trailing`, `{"deposit_id":1}{}`, ``, `null`, ` {} `,
		`{"a":{"b":[1,2,{"c":null}]},"deposit_id":7}`, `{"deposit_id":-0,"user_id":"\u0000\ud800"}`,
		// The compiled decoder's edges (fastdecode.go): escapes, integer
		// bounds, nulls into every kind, metadata of any shape, unknown names
		// in another case than a field's.
		`{"user_id":"a\/b\u00e9\ud83d\ude00\ud800x\uDC00\t","deposit_id":1}`,
		`{"deposit_id":9223372036854775807}`, `{"deposit_id":-9223372036854775808}`, `{"deposit_id":9223372036854775808}`, `{"deposit_id":18446744073709551617}`,
		`{"deposit_id":01}`, `{"deposit_id":1,}`, `{"deposit_id":1 "x":2}`, `{"deposit_id":"\x"}`, `{"x":"\'"}`,
		`{"deposit_id":1,"payment_info":{"metadata":{"a":[1,"x",null,true,{"b":-1.5e3}],"c":{}},"amount":null,"created_at":null}}`,
		`{"deposit_id":1,"payment_info":{"metadata":{"a":1e400}}}`, `{"deposit_id":1,"payment_info":{"metadata":null,"card_detail":null}}`,
		`{"deposit_id":1,"refund_info":{"amount":"10.5"},"refund_id":"12"}`, `{"refund_id":12,"refund_id":13}`,
		`[{"code":"VI","name":"Visa"},null,{}]`, `[{"iso":"SP","ISO":"x"}]`, `{"deposit_id":1,"unknown":{"deep":[[[[]]]]}}`,
		`{"deposit_id":1,"Unknown_Key":1,"ünicode":2}`, `{"deposit_id":1,"payment_info":{"amount":1.50,"currency":"BRL"}}`,
		`{"deposit_id":true}`, `{"user_id":5}`, `{"payment_info":[]}`, `{"deposit_id":1,"user_id":null}`,
		// Member names with escapes: a field's, a metadata key's, one in another case.
		`{"deposit\u005fid":7,"user\u005Fid":"u"}`, `{"deposit_id":1,"payment_info":{"metadata":{"k\u00e9y":{"\u0061":1}}}}`,
		`{"Deposit\u005FID":3}`, `{"deposit_id\u0000":3}`,
	} {
		out = append(out, []byte(s))
	}
	return out
}

// The compiled decoder covers every answer type, and decodes the reference
// examples itself (the v2 path is not what decodes a plain answer).
func TestCompiledDecoderCoversTheAnswers(t *testing.T) {
	for _, newValue := range answerTypes {
		if dec, _ := compileDecoder(reflect.TypeOf(newValue()).Elem(), 0); dec == nil {
			t.Errorf("%T is decoded by the v2 path only", newValue())
		}
	}
	decoded := 0
	for _, body := range ReferenceExamples(t) {
		for _, newValue := range answerTypes {
			if decodeFast(body, newValue()) {
				decoded++
			}
		}
	}
	if decoded < len(ReferenceExamples(t)) {
		t.Errorf("the compiled decoder decoded %d of the %d examples", decoded, len(ReferenceExamples(t)))
	}
}
