package d24test_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/d24go/d24/d24test"
)

// HEAD is answered as GET is wherever GET is allowed: the same status and
// headers, and no body. A signed read is signed over the empty body, as a GET
// is; a lookup takes the read-only key.
func TestHEADAnswersLikeGET(t *testing.T) {
	t.Parallel()
	srv := d24test.NewServer()
	defer srv.Close()
	dep := do(t, srv, "POST", srv.APIURL+"/v3/deposits", depositBody, nil)
	depID, _ := dep.json["deposit_id"].(float64)
	checkout, _ := dep.json["redirect_url"].(string)
	if err := srv.SetDepositStatus(int64(depID), "COMPLETED"); err != nil {
		t.Fatal(err)
	}
	refund := do(t, srv, "POST", srv.APIURL+"/v3/refunds", `{"deposit_id":`+jsonNumber(int64(depID))+`,`+refundBody, nil)
	refundID, _ := refund.json["refund_id"].(float64)
	card := do(t, srv, "POST", srv.CardAPIURL+"/v3/deposits", cardBody(d24test.DefaultThreeDSCard, "10", "34"), nil)
	authentication, _ := card.json["authentication_url"].(string)
	if depID == 0 || checkout == "" || refundID == 0 || authentication == "" {
		t.Fatalf("setting up: %s %s %s", dep.raw, refund.raw, card.raw)
	}
	readOnly := func(h http.Header) { h.Set("Authorization", "Bearer "+srv.ReadOnlyKey) }
	for _, c := range []struct {
		name, url string
		edit      func(http.Header)
	}{
		{"deposit status", srv.APIURL + "/v3/deposits/" + jsonNumber(int64(depID)), nil},
		{"unknown deposit", srv.APIURL + "/v3/deposits/1", nil},
		{"refund status", srv.APIURL + "/v3/refunds/" + jsonNumber(int64(refundID)) + "?voucher=true", nil},
		{"lookup", srv.APIURL + "/v3/payment_methods?country=BR", readOnly},
		{"lookup without the key", srv.APIURL + "/v3/banks?country=BR", nil},
		{"control: deposits", srv.APIURL + "/sandbox/deposits", nil},
		{"control: notifications", srv.APIURL + "/sandbox/notifications", nil},
		{"control: requests", srv.APIURL + "/sandbox/requests", nil},
		{"checkout page", checkout, nil},
		{"3DS, an API client's", authentication, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			get := do(t, srv, "GET", c.url, "", c.edit)
			head := do(t, srv, "HEAD", c.url, "", c.edit)
			if get.status == http.StatusMethodNotAllowed || head.status != get.status {
				t.Errorf("GET %d, HEAD %d %s", get.status, head.status, head.raw)
			}
			if len(head.raw) != 0 {
				t.Errorf("HEAD answered a body: %.200s", head.raw)
			}
			get.header.Del("Date")
			head.header.Del("Date")
			if !reflect.DeepEqual(head.header, get.header) {
				t.Errorf("headers:\nGET  %v\nHEAD %v", get.header, head.header)
			}
		})
	}
	// A path that takes only POST says so, HEAD and GET alike.
	for _, method := range []string{"GET", "HEAD"} {
		if r := do(t, srv, method, srv.APIURL+"/v3/refunds", "", nil); r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "POST" {
			t.Errorf("%s /v3/refunds: %d, Allow %q", method, r.status, r.header.Get("Allow"))
		}
	}
	// A path read with GET names HEAD among its methods.
	if r := do(t, srv, "POST", srv.APIURL+"/v3/deposits/1", "{}", nil); !strings.Contains(r.header.Get("Allow"), "HEAD") {
		t.Errorf("POST /v3/deposits/1: %d, Allow %q", r.status, r.header.Get("Allow"))
	}
}
