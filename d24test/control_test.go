package d24test_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/d24go/d24/d24test"
)

// loopbackMerchant is a plain-HTTP notification endpoint on loopback that
// passes on "path body" of each notification.
func loopbackMerchant(t *testing.T) (*httptest.Server, <-chan string) {
	t.Helper()
	got := make(chan string, 16)
	m := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r.URL.Path + " " + string(b)
	}))
	t.Cleanup(m.Close)
	return m, got
}

const refundBody = `"invoice_id":"dep-1","bank_account":{"account_number":"1","bank_code":"1","beneficiary":"A B"}}`

// The control API changes a deposit's or a refund's status and notifies
// exactly as SetDepositStatus and SetRefundStatus do; it is not recorded as a
// D24 request.
func TestControlSetsStatusesAndNotifies(t *testing.T) {
	t.Parallel()
	merchant, got := loopbackMerchant(t)
	srv := d24test.NewServer(d24test.WithLoopbackHTTPNotifications(), d24test.WithNotificationURL(merchant.URL+"/panel"))
	defer srv.Close()
	dep := do(t, srv, "POST", srv.APIURL+"/v3/deposits", strings.Replace(depositBody, "https://127.0.0.1:9/notify", merchant.URL+"/deposit", 1), nil)
	id := jsonNumber(int64(dep.json["deposit_id"].(float64)))

	r := do(t, srv, "POST", srv.APIURL+"/sandbox/deposits/"+id+"/status", `{"deposit_id":`+id+`,"status":"COMPLETED"}`, nil)
	if want := `{"deposit_id":` + id + `,"notification_url":"` + merchant.URL + `/deposit","status":"COMPLETED"}`; r.status != 200 || string(r.raw) != want {
		t.Errorf("got %d %s, want %s", r.status, r.raw, want)
	}
	expect(t, got, `/deposit {"deposit_id": `+id+`}`)
	if st := do(t, srv, "GET", srv.APIURL+"/v3/deposits/"+id, "", nil); st.json["status"] != "COMPLETED" {
		t.Errorf("status: %s", st.raw)
	}

	ref := do(t, srv, "POST", srv.APIURL+"/v3/refunds", `{"deposit_id":`+id+`,`+refundBody, nil)
	refundID := jsonNumber(int64(ref.json["refund_id"].(float64)))
	r = do(t, srv, "POST", srv.APIURL+"/sandbox/refunds/"+refundID+"/status", `{"refund_id":`+refundID+`,"status":"DELIVERED"}`, nil)
	if r.status != 200 || r.json["status"] != "DELIVERED" {
		t.Errorf("refund: %d %s", r.status, r.raw)
	}
	expect(t, got, `/panel {"refund_id": `+refundID+`}`)
	if st := do(t, srv, "GET", srv.APIURL+"/v3/refunds/"+refundID, "", nil); st.json["status"] != "DELIVERED" {
		t.Errorf("refund status: %s", st.raw)
	}
	var paths []string
	for _, req := range srv.Requests() {
		paths = append(paths, req.Method+" "+req.Path)
	}
	if fmt.Sprint(paths) != "[POST /v3/deposits GET /v3/deposits/"+id+" POST /v3/refunds GET /v3/refunds/"+refundID+"]" {
		t.Errorf("recorded %v: the control API's requests are not D24's", paths)
	}
}

// A control request is checked like any signed request, and a refused one
// changes nothing and notifies no one.
func TestControlRefusals(t *testing.T) {
	t.Parallel()
	merchant, got := loopbackMerchant(t)
	srv := d24test.NewServer(d24test.WithLoopbackHTTPNotifications(), d24test.WithNotificationURL(merchant.URL))
	defer srv.Close()
	dep := do(t, srv, "POST", srv.APIURL+"/v3/deposits", `{"invoice_id":"c-1","amount":"10","country":"BR"}`, nil)
	depID := jsonNumber(int64(dep.json["deposit_id"].(float64)))
	status := "/sandbox/deposits/" + depID + "/status"
	named := func(body string) string { return `{"deposit_id":` + depID + `,` + body[1:] }
	unsigned := func(h http.Header) { h.Del("Authorization") }
	for _, c := range []struct {
		name, method, url, body string
		edit                    func(http.Header)
		want                    string
	}{
		{"unknown status", "POST", srv.APIURL + status, named(`{"status":"PAID"}`), nil,
			`400 {"code":201,"description":"Field validation error. Check details","details":["status: Invalid value. Accepted values: CREATED|PENDING|APPROVED|EARLY_RELEASED|FOR_REVIEW|EXPIRED|CANCELLED|COMPLETED|DECLINED"],"type":"BEAN_VALIDATION_ERROR"}`},
		{"a refund status for a deposit", "POST", srv.APIURL + status, named(`{"status":"DELIVERED"}`), nil, `400 {"code":201`},
		{"no status", "POST", srv.APIURL + status, named(`{"state":"COMPLETED"}`), nil, `"details":["status: must not be null"]`},
		{"status not a string", "POST", srv.APIURL + status, named(`{"status":1}`), nil, `"details":["status: Invalid value.`},
		{"not JSON", "POST", srv.APIURL + status, `COMPLETED`, nil, `400 {"code":502,`},
		{"unknown deposit", "POST", srv.APIURL + "/sandbox/deposits/1/status", `{"deposit_id":1,"status":"COMPLETED"}`, nil, `404 {"code":208,`},
		{"unknown refund", "POST", srv.APIURL + "/sandbox/refunds/1/status", `{"refund_id":1,"status":"COMPLETED"}`, nil, `404 {"code":208,`},
		{"the body names no deposit", "POST", srv.APIURL + status, `{"status":"COMPLETED"}`, nil,
			`"details":["deposit_id: must be ` + depID + `, the id in the path (the signature covers the body, not the path)"]`},
		{"the body names another deposit", "POST", srv.APIURL + status, `{"deposit_id":1,"status":"COMPLETED"}`, nil, `"details":["deposit_id: must be `},
		{"the id as a string", "POST", srv.APIURL + status, `{"deposit_id":"` + depID + `","status":"COMPLETED"}`, nil, `"details":["deposit_id: must be `},
		{"a deposit_id not a number", "POST", srv.APIURL + "/sandbox/deposits/x/status", `{"status":"COMPLETED"}`, nil, `"details":["deposit_id: invalid numeric format"]`},
		{"unsigned", "POST", srv.APIURL + status, named(`{"status":"COMPLETED"}`), unsigned, `400 {"code":101,`},
		{"another key", "POST", srv.APIURL + status, named(`{"status":"COMPLETED"}`), func(h http.Header) {
			h.Set("Authorization", sign("another", h.Get("X-Date"), srv.Login, []byte(named(`{"status":"COMPLETED"}`))))
		}, `400 {"code":102,`},
		{"a GET of a status", "GET", srv.APIURL + status, "", nil, `405 {"code":200,`},
		{"a POST of the list", "POST", srv.APIURL + "/sandbox/deposits", `{}`, nil, `405 {"code":200,`},
		{"an unknown control path", "GET", srv.APIURL + "/sandbox/merchants", "", nil, `404 {"code":208,`},
		{"the card host", "POST", srv.CardAPIURL + status, named(`{"status":"COMPLETED"}`), nil, `404 {"code":208,`},
		{"unsigned list", "GET", srv.APIURL + "/sandbox/deposits", "", unsigned, `400 {"code":101,`},
	} {
		r := do(t, srv, c.method, c.url, c.body, c.edit)
		if got := fmt.Sprintf("%d %s", r.status, r.raw); !strings.Contains(got, c.want) {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
	if d := srv.Deposits(); d[0].Status != "PENDING" {
		t.Errorf("a refused control request changed the deposit: %+v", d[0])
	}
	// The first notification the merchant gets is the accepted request's.
	do(t, srv, "POST", srv.APIURL+status, named(`{"status":"CANCELLED"}`), nil)
	expect(t, got, `/ {"deposit_id": `+jsonNumber(srv.Deposits()[0].ID)+`}`)
	select {
	case n := <-got:
		t.Errorf("notified %s too", n)
	default:
	}
}

// The lists show what a test needs to follow a deposit: its status and the
// delivery of its notifications, filtered by invoice_id or deposit_id.
func TestControlListsDepositsAndNotifications(t *testing.T) {
	t.Parallel()
	merchant, got := loopbackMerchant(t)
	srv := d24test.NewServer(d24test.WithLoopbackHTTPNotifications(), d24test.WithNotificationURL(merchant.URL+"/n"))
	defer srv.Close()
	first := do(t, srv, "POST", srv.APIURL+"/v3/deposits", `{"invoice_id":"list-1","amount":"10","country":"BR","currency":"BRL"}`, nil)
	do(t, srv, "POST", srv.CardAPIURL+"/v3/deposits", cardBody("4111111111111111", "10", "30"), nil)
	id := jsonNumber(int64(first.json["deposit_id"].(float64)))

	all := do(t, srv, "GET", srv.APIURL+"/sandbox/deposits", "", nil)
	list, _ := all.json["deposits"].([]any)
	if len(list) != 2 || strings.Contains(string(all.raw), "4111111111111111") || !strings.Contains(string(all.raw), `"masked_card":"411111******1111"`) {
		t.Errorf("all deposits: %s", all.raw)
	}
	one := do(t, srv, "GET", srv.APIURL+"/sandbox/deposits?invoice_id=list-1", "", nil)
	list, _ = one.json["deposits"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["status"] != "PENDING" || list[0].(map[string]any)["notification_url"] != merchant.URL+"/n" {
		t.Errorf("invoice list-1: %s", one.raw)
	}
	if none := do(t, srv, "GET", srv.APIURL+"/sandbox/deposits?invoice_id=nobody", "", nil); string(none.raw) != `{"deposits":[]}` {
		t.Errorf("no deposit: %s", none.raw)
	}

	do(t, srv, "POST", srv.APIURL+"/sandbox/deposits/"+id+"/status", `{"deposit_id":`+id+`,"status":"EXPIRED"}`, nil)
	expect(t, got, `/n {"deposit_id": `+id+`}`)
	var entries []any
	for deadline := time.Now().Add(5 * time.Second); len(entries) == 0 && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		// The attempt is logged once the merchant's answer is read.
		entries, _ = do(t, srv, "GET", srv.APIURL+"/sandbox/notifications?deposit_id="+id, "", nil).json["notifications"].([]any)
	}
	if len(entries) != 1 {
		t.Fatalf("notifications of %s: %v", id, entries)
	}
	n := entries[0].(map[string]any)
	if n["deposit_id"] != float64(first.json["deposit_id"].(float64)) || n["url"] != merchant.URL+"/n" || n["status"] != float64(200) || n["attempt"] != float64(0) {
		t.Errorf("notification %v", n)
	}
	if other := do(t, srv, "GET", srv.APIURL+"/sandbox/notifications?deposit_id=1", "", nil); string(other.raw) != `{"notifications":[]}` {
		t.Errorf("another deposit's notifications: %s", other.raw)
	}
}

// Faults queued through the control API hit the next D24 requests, one each,
// in order; the control API's own requests take none. A list with one wrong
// fault queues nothing.
func TestControlInjectsFaults(t *testing.T) {
	t.Parallel()
	srv := d24test.NewServer()
	defer srv.Close()
	for _, c := range []struct{ body, detail string }{
		{`{"faults":[{"kind":"timeout"}]}`, "faults[0].kind: Invalid value. Accepted values: none|server_error|drop_after_processing|delay|too_many_requests"},
		{`{"faults":[{"kind":"server_error"},{"kind":"server_error","delay_ms":5}]}`, "faults[1].delay_ms: not a member of a server_error fault (delay takes delay_ms, too_many_requests takes retry_after)"},
		{`{"faults":[{"kind":"delay","delay_ms":-1}]}`, "faults[0].delay_ms: must be between 0 and 60000"},
		{`{"faults":[{"kind":"too_many_requests","retry_after":1.5}]}`, "faults[0].retry_after: invalid numeric format"},
		{`{"faults":[]}`, "faults: must be a list of at least one fault"},
		{`{"faults":["delay"]}`, "faults[0]: must be an object"},
	} {
		r := do(t, srv, "POST", srv.APIURL+"/sandbox/faults", c.body, nil)
		if r.status != 400 || r.code() != 201 || fmt.Sprint(r.json["details"]) != "["+c.detail+"]" {
			t.Errorf("%s: got %d %s", c.body, r.status, r.raw)
		}
	}
	r := do(t, srv, "POST", srv.APIURL+"/sandbox/faults",
		`{"faults":[{"kind":"server_error"},{"kind":"too_many_requests","retry_after":7},{"kind":"delay","delay_ms":20}]}`, nil)
	if string(r.raw) != `{"pending":3}` {
		t.Fatalf("queued: %d %s", r.status, r.raw)
	}
	do(t, srv, "GET", srv.APIURL+"/sandbox/requests", "", nil) // takes no fault
	var got []string
	for i := 0; i < 4; i++ {
		r := do(t, srv, "POST", srv.APIURL+"/v3/deposits", fmt.Sprintf(`{"invoice_id":"f-%d","amount":"10","country":"BR"}`, i), nil)
		got = append(got, strings.TrimSpace(fmt.Sprintf("%d %s", r.status, r.header.Get("Retry-After"))))
	}
	if fmt.Sprint(got) != "[503 429 7 200 200]" {
		t.Errorf("answers %v, want 503, 429 with Retry-After 7, then 200 twice", got)
	}
	reqs := do(t, srv, "GET", srv.APIURL+"/sandbox/requests", "", nil)
	list, _ := reqs.json["requests"].([]any)
	var faults []string
	for _, e := range list {
		f, _ := e.(map[string]any)["fault"].(string)
		faults = append(faults, f)
	}
	if fmt.Sprint(faults) != "[server_error too_many_requests delay ]" {
		t.Errorf("recorded faults %q: %s", faults, reqs.raw)
	}
}
