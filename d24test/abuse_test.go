package d24test_test

// What an adversarial review of the payer's pages, the control API and the
// loopback notifications found: each test failed on the code it reviewed.

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/d24go/d24/d24test"
)

// The notifier is a plain http.Client, which follows redirects: a loopback
// http:// notification URL (the only http:// the option admits) that answers
// 307 sends the notification on to wherever Location says, off loopback, on
// http, or to another https host. D24 does not follow a merchant's redirects,
// and the "literal loopback only, never resolved" rule is moot if the first
// hop can send the sandbox anywhere. (The target here is another loopback
// server so that the test sends nothing off this machine; the Location could
// as well be http://10.0.0.1/ or http://internal.example/.)
func TestNotifierDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer target.Close()
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/somewhere-else", http.StatusTemporaryRedirect)
	}))
	defer redirector.Close()
	srv := d24test.NewServer(d24test.WithLoopbackHTTPNotifications(), d24test.WithNotificationURL(redirector.URL+"/notify"))
	defer srv.Close()
	dep := do(t, srv, "POST", srv.APIURL+"/v3/deposits", strings.Replace(depositBody, `,"notification_url":"https://127.0.0.1:9/notify"`, "", 1), nil)
	id := int64(dep.json["deposit_id"].(float64))
	if err := srv.SetDepositStatus(id, "COMPLETED"); err != nil {
		t.Fatal(err)
	}
	if !eventually(func() bool { return len(srv.Notifications()) > 0 }) {
		t.Fatal("no notification attempt logged")
	}
	time.Sleep(200 * time.Millisecond)
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the notifier followed the merchant's 307 to %s (%d requests): a notification must go only to the notification URL", target.URL, n)
	}
	if n := srv.Notifications()[0]; n.Status != http.StatusTemporaryRedirect {
		t.Errorf("the attempt was logged as %d %q; want the merchant's own answer, 307 (a failure, retried on D24's schedule)", n.Status, n.Err)
	}
}

// D24's signature covers X-Date + X-Login + body, not the method or the path,
// so a status change names its deposit in the body too: the signed change for
// one deposit, replayed on another's path, is refused and changes nothing.
// (The reads are not bound so; the README says so.)
func TestControlChangesCannotBeReplayedOnOtherDeposits(t *testing.T) {
	t.Parallel()
	srv := d24test.NewServer()
	defer srv.Close()
	var first, second int64
	for i, id := range []*int64{&first, &second} {
		body := strings.Replace(depositBody, `"dep-1"`, fmt.Sprintf(`"replay-%d"`, i), 1)
		*id = int64(do(t, srv, "POST", srv.APIURL+"/v3/deposits", body, nil).json["deposit_id"].(float64))
	}
	var captured http.Header
	replay := func(h http.Header) {
		for _, k := range []string{"X-Date", "X-Login", "Authorization"} {
			h.Set(k, captured.Get(k))
		}
	}
	body := fmt.Sprintf(`{"deposit_id":%d,"status":"COMPLETED"}`, first)
	if r := do(t, srv, "POST", fmt.Sprintf("%s/sandbox/deposits/%d/status", srv.APIURL, first), body, func(h http.Header) { captured = h.Clone() }); r.status != 200 {
		t.Fatalf("the change for deposit %d: %d %s", first, r.status, r.raw)
	}
	if r := do(t, srv, "POST", fmt.Sprintf("%s/sandbox/deposits/%d/status", srv.APIURL, second), body, replay); r.status == 200 {
		t.Errorf("the control POST for deposit %d, replayed for deposit %d: %d %s", first, second, r.status, r.raw)
	}
	if d, _ := srv.Deposit(second); d.Status != "PENDING" {
		t.Errorf("the replay changed deposit %d to %s", second, d.Status)
	}
}

// The 3DS token is the only secret that names the deposit a signed POST may
// complete (completeThreeDS's comment), and the pages keep it out of every
// Referer; yet the signed POST is recorded with its full path, so Requests()
// and GET /sandbox/requests hand the token of every authentication_url to
// whoever reads the log.
func TestThreeDSTokenNotInRequests(t *testing.T) {
	t.Parallel()
	srv := d24test.NewServer()
	defer srv.Close()
	created := do(t, srv, "POST", srv.CardAPIURL+"/v3/deposits", cardBody(d24test.DefaultThreeDSCard, "10", "33"), nil)
	authURL, _ := created.json["authentication_url"].(string)
	token := authURL[strings.LastIndex(authURL, "/")+1:]
	if r := do(t, srv, "POST", authURL, "", nil); r.status != 200 {
		t.Fatalf("signed 3DS POST: %d %s", r.status, r.raw)
	}
	for _, rec := range srv.Requests() {
		if strings.Contains(rec.Path, token) {
			t.Errorf("Requests() records the page token: %s %s", rec.Method, rec.Path)
		}
	}
	if r := do(t, srv, "GET", srv.APIURL+"/sandbox/requests", "", nil); strings.Contains(string(r.raw), token) {
		t.Errorf("GET /sandbox/requests shows the page token: %s", r.raw)
	}
}

// mayCarryCardData parses a body that names card_number/cvv, and when it does
// not parse it calls the body free of card data, so a wrong signature's 102
// shows its SHA-256. A card deposit with one stray comma (and a card number
// written in groups, so that no run of 12 digits gives it away) gets its hash
// published: the very thing signedOver's comment says is searchable for the
// card number and CVV.
func TestWrongSignatureHidesHashOfMalformedCardBody(t *testing.T) {
	t.Parallel()
	srv := d24test.NewServer()
	defer srv.Close()
	body := strings.Replace(cardBody("4111 1111 1111 1111", "10", "30"), `"JOHN SMITH"}}`, `"JOHN SMITH",}}`, 1)
	r := do(t, srv, "POST", srv.CardAPIURL+"/v3/deposits", body, func(h http.Header) {
		h.Set("Authorization", sign("not-the-secret", h.Get("X-Date"), srv.Login, []byte(body)))
	})
	if r.code() != 102 {
		t.Fatalf("want 102: %d %s", r.status, r.raw)
	}
	if regexp.MustCompile(`SHA-256 [0-9a-f]{64}`).Match(r.raw) {
		t.Errorf("the 102 publishes the SHA-256 of a body carrying a card number and CVV: %s", r.raw)
	}
}

// The checkout's CSP lists in form-action only the merchant origins that
// match safeOrigin ([A-Za-z0-9.-] hosts). A success_url the sandbox accepts
// (the document's ^https://[^\s]+$) on a host with an underscore (a Docker
// Compose service name such as shop_web) or a non-ASCII (IDN) name is left
// out, so the browser refuses to follow the 303 after Pay: the payer is stuck
// on a blank "blocked" page although the deposit was paid and notified.
func TestFormActionAdmitsEverySuccessURL(t *testing.T) {
	t.Parallel()
	srv := d24test.NewServer()
	defer srv.Close()
	for _, host := range []string{"shop_web:8443", "tienda-ñandú.example"} {
		body := `{"invoice_id":"csp","amount":"10","country":"BR","currency":"BRL","payer":{"id":"1","email":"a@example.com"},` +
			`"success_url":"https://` + host + `/paid","back_url":"https://` + host + `/cart","error_url":"https://` + host + `/failed"}`
		dep := do(t, srv, "POST", srv.APIURL+"/v3/deposits", body, nil)
		redirect, _ := dep.json["redirect_url"].(string)
		if dep.status != 200 || redirect == "" {
			t.Fatalf("%s: %d %s", host, dep.status, dep.raw)
		}
		csp := browse(t, "GET", redirect, nil, nil).header.Get("Content-Security-Policy")
		_, formAction, _ := strings.Cut(csp, "form-action ")
		if formAction == "'self'" {
			t.Errorf("success_url on https://%s accepted, but form-action is %q: the browser blocks the redirect after Pay", host, formAction)
		}
	}
}

// HEAD of the 3DS page from a browser (a link checker, a prefetch) answers as
// its GET does: the page's headers (TestHEADAnswersLikeGET covers the rest).
func TestThreeDSPageAnswersHEAD(t *testing.T) {
	t.Parallel()
	srv := d24test.NewServer()
	defer srv.Close()
	created := do(t, srv, "POST", srv.CardAPIURL+"/v3/deposits", cardBody(d24test.DefaultThreeDSCard, "10", "34"), nil)
	authURL, _ := created.json["authentication_url"].(string)
	if p := browse(t, "HEAD", authURL, nil, nil); p.status != 200 || !strings.HasPrefix(p.header.Get("Content-Type"), "text/html") {
		t.Errorf("HEAD of the 3DS page: %d %s", p.status, p.header.Get("Content-Type"))
	}
}
