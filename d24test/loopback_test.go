package d24test_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/d24go/d24/d24test"
)

// notificationURLCases are notification URLs and whether the sandbox accepts
// them with WithLoopbackHTTPNotifications; without it, only the https ones.
var notificationURLCases = []struct {
	url      string
	accepted bool
}{
	{"https://shop.example/notify", true},
	{"http://127.0.0.1:8080/notify", true},
	{"http://127.45.6.7/notify", true},
	{"http://[::1]:8080/notify", true},
	{"http://[::ffff:127.0.0.1]:8080/notify", true},
	{"http://localhost:8080/notify", true},
	{"http://LocalHost/notify", true},
	// Not loopback, or not written as loopback: a name is never resolved.
	{"http://shop.example/notify", false},
	{"http://10.0.0.1/notify", false},
	{"http://0.0.0.0:8080/notify", false},
	{"http://127.0.0.1.nip.io/notify", false},
	{"http://localhost.shop.example/notify", false},
	{"http://2130706433/notify", false},
	{"http://0x7f000001/notify", false},
	{"http://127.1/notify", false},
	{"http://127.0.0.1@shop.example/notify", false},
	{"http://[::1%25lo]/notify", false},
	{"HTTP://127.0.0.1/notify", false},
	{"ftp://127.0.0.1/notify", false},
	// Not a real URL, on loopback or not: no host, a control character (C0,
	// DEL, C1) or whitespace of any kind.
	{"https:///notify", false},
	{"https://:8080/notify", false},
	{"https://\u00a0/notify", false},
	{"https://shop.example/\u2028notify", false},
	{"https://shop.example/\u0080notify", false},
	{"https://\v", false},
	{"http://127.0.0.1:8080/\u0080notify", false},
	{"http://127.0.0.1:8080/\u009fnotify", false},
	{"http://localhost/\u3000notify", false},
	{"http://127.0.0.1:8080/no\u00a0tify", false},
}

func TestLoopbackHTTPNotificationURLs(t *testing.T) {
	t.Parallel()
	plain := d24test.NewServer()
	defer plain.Close()
	loopback := d24test.NewServer(d24test.WithLoopbackHTTPNotifications())
	defer loopback.Close()
	for _, c := range notificationURLCases {
		quoted, _ := json.Marshal(c.url)
		body := strings.Replace(depositBody, `"https://127.0.0.1:9/notify"`, string(quoted), 1)
		r := do(t, loopback, "POST", loopback.APIURL+"/v3/deposits", body, nil)
		if accepted := r.status == 200; accepted != c.accepted {
			t.Errorf("with the option, %s: %d %s", c.url, r.status, r.raw)
		}
		if !c.accepted && !strings.Contains(string(r.raw), `notification_url: must be a valid HTTPS URL`) {
			t.Errorf("with the option, %s refused without naming the rule: %s", c.url, r.raw)
		}
		r = do(t, plain, "POST", plain.APIURL+"/v3/deposits", body, nil)
		if accepted, https := r.status == 200, strings.HasPrefix(c.url, "https://"); accepted != (c.accepted && https) {
			t.Errorf("without the option, %s: %d %s", c.url, r.status, r.raw)
		}
	}
}

// Without the option, an http:// URL on loopback is refused as D24 refuses it,
// with a hint of how to allow it; other fields' errors are kept either way.
func TestLoopbackHTTPRefusedWithAHint(t *testing.T) {
	t.Parallel()
	plain := d24test.NewServer()
	defer plain.Close()
	body := strings.Replace(depositBody, "https://127.0.0.1:9/notify", "http://127.0.0.1:8080/notify", 1)
	r := do(t, plain, "POST", plain.APIURL+"/v3/deposits", body, nil)
	want := `[notification_url: must be a valid HTTPS URL (http:// on loopback is accepted with d24test.WithLoopbackHTTPNotifications, d24sandbox -allow-http-notifications)]`
	if got := fmt.Sprint(r.json["details"]); r.status != 400 || r.code() != 201 || got != want {
		t.Errorf("got %d %s", r.status, r.raw)
	}

	loopback := d24test.NewServer(d24test.WithLoopbackHTTPNotifications())
	defer loopback.Close()
	r = do(t, loopback, "POST", loopback.APIURL+"/v3/deposits", strings.Replace(body, `"amount":"1000"`, `"amount":"x"`, 1), nil)
	if got := fmt.Sprint(r.json["details"]); r.status != 400 || !strings.HasPrefix(got, "[amount: must match") || strings.Contains(got, "notification_url") {
		t.Errorf("an invalid amount beside an allowed URL: %d %s", r.status, r.raw)
	}
}

// The merchant panel's URL follows the same rule, and the error never quotes
// it (its path may be the merchant's secret token). (Four cases: each Start
// loads the OpenAPI documents; the rule itself is the one the table above
// holds requests to.)
func TestDefaultNotificationURLRule(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		url      string
		loopback bool // WithLoopbackHTTPNotifications
		accepted bool
	}{
		{"https://shop.example/notify", false, true},
		{"http://127.0.0.1:8080/notify", false, false},
		{"http://127.0.0.1:8080/notify", true, true},
		{"http://shop.example/notify", true, false},
		{"https:///notify", false, false},
		{"https://shop.example/\u00a0notify", false, false},
		{"http://127.0.0.1:8080/\u0080notify", true, false},
	} {
		opts := []d24test.Option{d24test.WithNotificationURL(c.url)}
		if c.loopback {
			opts = append(opts, d24test.WithLoopbackHTTPNotifications())
		}
		srv, err := d24test.Start(opts...)
		if srv != nil {
			srv.Close()
		}
		if (err == nil) != c.accepted || err != nil && (strings.Contains(err.Error(), "/notify") || !strings.Contains(err.Error(), "https://")) {
			t.Errorf("%s (loopback option %v): %v", c.url, c.loopback, err)
		}
	}
}

// With the option, a deposit's and a refund's notifications reach a plain
// HTTP endpoint on loopback.
func TestLoopbackHTTPNotificationsDelivered(t *testing.T) {
	t.Parallel()
	merchant, got := loopbackMerchant(t)
	srv := d24test.NewServer(d24test.WithLoopbackHTTPNotifications(), d24test.WithNotificationURL(merchant.URL+"/panel"))
	defer srv.Close()
	dep := do(t, srv, "POST", srv.APIURL+"/v3/deposits", strings.Replace(depositBody, "https://127.0.0.1:9/notify", merchant.URL+"/deposit", 1), nil)
	id := int64(dep.json["deposit_id"].(float64))
	if err := srv.SetDepositStatus(id, "COMPLETED"); err != nil {
		t.Fatal(err)
	}
	expect(t, got, "/deposit "+`{"deposit_id": `+jsonNumber(id)+`}`)
	r := do(t, srv, "POST", srv.APIURL+"/v3/refunds", `{"deposit_id":`+jsonNumber(id)+`,"invoice_id":"dep-1","bank_account":{"account_number":"1","bank_code":"1","beneficiary":"A B"}}`, nil)
	refundID := int64(r.json["refund_id"].(float64))
	if err := srv.SetRefundStatus(refundID, "COMPLETED"); err != nil {
		t.Fatal(err)
	}
	expect(t, got, "/panel "+`{"refund_id": `+jsonNumber(refundID)+`}`)
}

func expect(t *testing.T, got <-chan string, want string) {
	t.Helper()
	select {
	case g := <-got:
		if g != want {
			t.Errorf("notified %q, want %q", g, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no notification %q", want)
	}
}
