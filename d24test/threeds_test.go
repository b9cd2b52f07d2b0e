package d24test_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/d24go/d24/d24test"
)

// The authentication_url: GET describes, changes nothing and needs no
// credentials; a signed POST completes a deposit waiting for 3DS, once, and
// notifies the merchant once; anything else is refused and changes nothing.
func TestThreeDSCompletion(t *testing.T) {
	notified := make(chan string, 10)
	merchant := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		notified <- r.URL.Path
	}))
	defer merchant.Close()
	srv := d24test.NewServer(d24test.WithNotificationClient(merchant.Client()), d24test.WithNotificationURL(merchant.URL+"/3ds"))
	defer srv.Close()
	created := do(t, srv, "POST", srv.CardAPIURL+"/v3/deposits", cardBody(d24test.DefaultThreeDSCard, "10", "30"), nil)
	id := int64(created.json["deposit_id"].(float64))
	url, _ := created.json["authentication_url"].(string)
	token, ok := strings.CutPrefix(url, fmt.Sprintf("%s/v3/3ds/%d/", srv.CardAPIURL, id))
	if !ok || len(token) < 26 || strings.Contains(token, "/") {
		t.Fatalf("authentication_url %q: want /v3/3ds/{id}/{an unguessable token}", url)
	}
	status := func(id int64) string { d, _ := srv.Deposit(id); return d.Status }
	unsigned := func(h http.Header) { h.Del("X-Date"); h.Del("X-Login"); h.Del("Authorization") }

	for _, c := range []struct {
		name, method string
		edit         func(http.Header)
		status       int
		code         float64
	}{
		{"no credentials", "POST", unsigned, 400, 101},
		{"another login", "POST", func(h http.Header) { h.Set("X-Login", "someone") }, 401, 100},
		{"a wrong signature", "POST", func(h http.Header) { h.Set("Authorization", "D24 00") }, 400, 102},
		{"PUT", "PUT", nil, 405, 200},
		{"DELETE", "DELETE", nil, 405, 200},
	} {
		r := do(t, srv, c.method, url, "", c.edit)
		if r.status != c.status || r.code() != c.code {
			t.Errorf("%s: %d %s", c.name, r.status, r.raw)
		}
		if c.status == 405 && r.header.Get("Allow") != "GET, HEAD, POST" {
			t.Errorf("%s: Allow %q", c.name, r.header.Get("Allow"))
		}
	}
	// D24's signature covers neither method nor path: a signed request with an
	// empty body (any GET's) replayed here must not complete a deposit whose
	// URL, with its token, it does not know.
	for name, u := range map[string]string{
		"no token":          fmt.Sprintf("%s/v3/3ds/%d", srv.CardAPIURL, id),
		"another token":     fmt.Sprintf("%s/v3/3ds/%d/%s", srv.CardAPIURL, id, strings.Repeat("A", len(token))),
		"a token cut short": url[:len(url)-1],
	} {
		if r := do(t, srv, "POST", u, "", nil); r.status != 404 || r.code() != 208 {
			t.Errorf("signed POST with %s: %d %s", name, r.status, r.raw)
		}
		if r := do(t, srv, "GET", u, "", unsigned); r.status != 404 {
			t.Errorf("GET with %s: %d %s", name, r.status, r.raw)
		}
	}
	for i := 0; i < 2; i++ {
		if r := do(t, srv, "GET", url, "", unsigned); r.status != 200 || r.json["pending_authentication"] != true {
			t.Errorf("GET: %d %s", r.status, r.raw)
		}
	}
	if s := status(id); s != "PENDING" {
		t.Fatalf("refused requests and GETs changed the deposit to %s", s)
	}

	if r := do(t, srv, "POST", url, "", nil); r.status != 200 || r.json["status"] != "COMPLETED" {
		t.Errorf("signed POST: %d %s", r.status, r.raw)
	}
	if r := do(t, srv, "POST", url, "", nil); r.status != 409 || r.code() != 409 || r.json["type"] != "DEPOSIT_NOT_PENDING_AUTHENTICATION" {
		t.Errorf("second POST: %d %s", r.status, r.raw)
	}
	if r := do(t, srv, "GET", url, "", unsigned); r.json["pending_authentication"] != false {
		t.Errorf("GET after completion: %s", r.raw)
	}
	if s := status(id); s != "COMPLETED" {
		t.Errorf("status %s after the signed POST", s)
	}
	select {
	case <-notified:
	case <-time.After(10 * time.Second):
		t.Fatal("the merchant was not notified")
	}
	select {
	case p := <-notified:
		t.Errorf("notified twice (%s)", p)
	case <-time.After(100 * time.Millisecond):
	}
}

// Only a card deposit waiting for 3DS can be completed: a DECLINED or
// COMPLETED card deposit, or a deposit of the deposits API, stays as it is.
func TestThreeDSRefusesDepositsNotPending(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	declined := do(t, srv, "POST", srv.CardAPIURL+"/v3/deposits", cardBody("4222222222222220", "10", "30"), nil)
	completed := do(t, srv, "POST", srv.CardAPIURL+"/v3/deposits", cardBody("4111111111111111", "10", "31"), nil)
	hosted := do(t, srv, "POST", srv.APIURL+"/v3/deposits", depositBody, nil)
	// A 3DS deposit the test declined itself.
	threeDS := do(t, srv, "POST", srv.CardAPIURL+"/v3/deposits", cardBody(d24test.DefaultThreeDSCard, "10", "32"), nil)
	threeDSID := int64(threeDS.json["deposit_id"].(float64))
	if err := srv.SetDepositStatus(threeDSID, "DECLINED"); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		created reply
		status  string
	}{"DECLINED": {declined, "DECLINED"}, "COMPLETED": {completed, "COMPLETED"}, "HOSTED": {hosted, "PENDING"}, "3DS then DECLINED": {threeDS, "DECLINED"}} {
		id := int64(c.created.json["deposit_id"].(float64))
		r := do(t, srv, "POST", fmt.Sprintf("%s/v3/3ds/%d", srv.CardAPIURL, id), "", nil)
		if r.status != 409 || !strings.Contains(r.json["description"].(string), c.status) {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
		if d, _ := srv.Deposit(id); d.Status != c.status {
			t.Errorf("%s: became %s", name, d.Status)
		}
	}
	if r := do(t, srv, "POST", srv.CardAPIURL+"/v3/3ds/1", "", nil); r.status != 404 || r.code() != 208 {
		t.Errorf("unknown deposit: %d %s", r.status, r.raw)
	}
	if r := do(t, srv, "POST", srv.APIURL+fmt.Sprintf("/v3/3ds/%d", threeDSID), "", nil); r.status != 404 {
		t.Errorf("the API host has no 3DS page: %d %s", r.status, r.raw)
	}
}
