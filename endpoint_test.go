package d24

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"testing"

	"github.com/d24go/d24/generated/deposits"
	"github.com/d24go/d24/generated/pci"
)

// The client's POST requests are exactly the generated builders' requests:
// method, URL, Host, headers and body bytes, for every reference example and
// a body with characters encoding/json escapes.
func TestEndpointsBuildWhatTheGeneratedBuildersBuild(t *testing.T) {
	c, err := New(Config{Login: "l", SecretKey: "s", APIURL: "https://api.example:8443/base", CardAPIURL: "https://cc-api.example"})
	if err != nil {
		t.Fatal(err)
	}
	bodies := append(ReferenceExamples(t),
		[]byte(`{"invoice_id":"<b>&amp;é\u2028","amount":"100.10","country":"BR","currency":"BRL","description":"a\"b\\c\u0001",`+
			`"credit_card":{"card_number":"4111<1111>1111&1111","cvv":"1\u003c3","expiration_month":"10","expiration_year":"30","holder_name":"J\u00f6"}}`))
	n := 0
	for _, b := range bodies {
		for _, compared := range []bool{
			sameRequest(t, b, &c.endpoints[opCardDeposit], func(v CardDepositRequest) (*http.Request, error) {
				return pci.NewCreateCardDepositRequest(c.cardURL, nil, v)
			}),
			sameRequest(t, b, &c.endpoints[opDeposit], func(v DepositRequest) (*http.Request, error) {
				return deposits.NewCreateDepositRequest(c.apiURL, nil, v)
			}),
			sameRequest(t, b, &c.endpoints[opRefund], func(v RefundRequest) (*http.Request, error) {
				return deposits.NewCreateRefundRequest(c.apiURL, nil, v)
			}),
		} {
			if compared {
				n++
			}
		}
	}
	if n < len(bodies) {
		t.Errorf("only %d requests compared for %d bodies", n, len(bodies))
	}
	// Each request has its own URL and header map: changing one changes no other.
	ep := &c.endpoints[opCardDeposit]
	a := ep.request(context.Background(), []byte(`{}`), c.userAgent)
	b := ep.request(context.Background(), []byte(`{}`), c.userAgent)
	a.URL.Path, a.Header["X-Extra"] = "/changed", []string{"x"}
	if b.URL.Path == "/changed" || b.Header["X-Extra"] != nil || ep.proto.URL.Path == "/changed" {
		t.Error("requests share their URL or headers")
	}
}

// sameRequest decodes body into a T and checks that e builds the request the
// generated builder does for it; false if body is not a T.
func sameRequest[T any](t *testing.T, body []byte, e *endpoint, builder func(T) (*http.Request, error)) bool {
	t.Helper()
	var v T
	if json.Unmarshal(body, &v) != nil {
		return false
	}
	buf, err1 := marshalRequest(&v)
	theirs, err2 := builder(v)
	if err1 != nil || err2 != nil {
		t.Fatalf("%v / %v", err1, err2)
	}
	ours := e.request(context.Background(), buf, []string{"ua"})
	// The builder's headers, and the client's User-Agent.
	theirs.Header["User-Agent"] = []string{"ua"}
	if ours.Method != theirs.Method || ours.URL.String() != theirs.URL.String() || ours.Host != theirs.Host ||
		ours.Proto != theirs.Proto || ours.ContentLength != theirs.ContentLength || !reflect.DeepEqual(ours.Header, theirs.Header) {
		t.Errorf("ours %s %s %s %s %d %v\ntheirs %s %s %s %s %d %v", ours.Method, ours.URL, ours.Host, ours.Proto, ours.ContentLength, ours.Header,
			theirs.Method, theirs.URL, theirs.Host, theirs.Proto, theirs.ContentLength, theirs.Header)
	}
	read := func(rc io.ReadCloser) []byte { b, _ := io.ReadAll(rc); return b }
	want := read(theirs.Body)
	if got := read(ours.Body); !bytes.Equal(got, want) || !bytes.Equal(buf, want) {
		t.Errorf("body\n%s\nwant\n%s", got, want)
	}
	again, err := ours.GetBody()
	if err != nil || !bytes.Equal(read(again), want) {
		t.Errorf("GetBody: %v", err)
	}
	return true
}
