package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// merchantOnLoopback is a merchant's notification endpoint over plain HTTP on
// loopback, as a developer runs one; it passes on "path body".
func merchantOnLoopback(t *testing.T) (*httptest.Server, <-chan string) {
	t.Helper()
	got := make(chan string, 16)
	m := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r.URL.Path + " " + string(b)
	}))
	t.Cleanup(m.Close)
	return m, got
}

func receive(t *testing.T, got <-chan string, want string) {
	t.Helper()
	select {
	case g := <-got:
		if g != want {
			t.Errorf("the merchant got %q, want %q", g, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("the merchant got nothing, want %q", want)
	}
}

// The built command, with -allow-http-notifications, completes a deposit
// through its control API and notifies the merchant panel's URL, plain HTTP
// on loopback; the lists show the deposit and the delivery; the control
// requests are not in the request log.
func TestBuiltSandboxControlAPINotifiesLoopbackHTTP(t *testing.T) {
	t.Parallel()
	merchant, got := merchantOnLoopback(t)
	sb := startBuiltSandbox(t, "-notification-url", merchant.URL+"/d24/notifications", "-allow-http-notifications")
	created := send(t, "POST", sb.api+"/v3/deposits", `{"invoice_id":"ctl-1","amount":100,"country":"BR","currency":"BRL"}`, true)
	id := fmt.Sprintf("%.0f", created.json["deposit_id"])
	if created.status != 200 {
		t.Fatalf("deposit: %d %s", created.status, created.raw)
	}

	a := send(t, "POST", sb.api+"/sandbox/deposits/"+id+"/status", `{"deposit_id":`+id+`,"status":"COMPLETED"}`, true)
	if want := `{"deposit_id":` + id + `,"notification_url":"` + merchant.URL + `/d24/notifications","status":"COMPLETED"}`; a.status != 200 || a.raw != want {
		t.Errorf("control: %d %s, want %s", a.status, a.raw, want)
	}
	receive(t, got, `/d24/notifications {"deposit_id": `+id+`}`)

	var n answer
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		// The attempt is listed once the merchant's answer is read.
		if n = send(t, "GET", sb.api+"/sandbox/notifications?deposit_id="+id, "", true); strings.Contains(n.raw, `"status":200`) {
			break
		}
	}
	if !strings.Contains(n.raw, `"attempt":0,"deposit_id":`+id+`,"sent_at":`) || !strings.Contains(n.raw, `"status":200,"url":"`+merchant.URL+`/d24/notifications"`) {
		t.Errorf("notifications: %s", n.raw)
	}
	if d := send(t, "GET", sb.api+"/sandbox/deposits?invoice_id=ctl-1", "", true); !strings.Contains(d.raw, `"deposit_id":`+id+`,"invoice_id":"ctl-1","status":"COMPLETED"`) {
		t.Errorf("deposits: %s", d.raw)
	}
	if st := send(t, "GET", sb.api+"/v3/deposits/"+id, "", true); st.json["status"] != "COMPLETED" {
		t.Errorf("status: %s", st.raw)
	}
	printed, _ := sb.stop(10 * time.Second)
	if n := loggedRequests(t, printed); n != 2 {
		t.Errorf("%d requests in the log, want the deposit and its status", n)
	}
}

// A fault queued through the control API hits the next request, which the
// request log then shows with it.
func TestBuiltSandboxControlAPIInjectsFaults(t *testing.T) {
	t.Parallel()
	sb := startBuiltSandbox(t)
	if a := send(t, "POST", sb.api+"/sandbox/faults", `{"faults":[{"kind":"too_many_requests","retry_after":3}]}`, true); a.raw != `{"pending":1}` {
		t.Fatalf("faults: %d %s", a.status, a.raw)
	}
	if a := send(t, "POST", sb.api+"/sandbox/faults", `{"faults":[{"kind":"slow"}]}`, true); a.status != 400 || !strings.Contains(a.raw, "faults[0].kind: Invalid value. Accepted values: none|server_error|") {
		t.Errorf("an unknown kind: %d %s", a.status, a.raw)
	}
	body := `{"invoice_id":"ctl-f","amount":100,"country":"BR"}`
	if a := send(t, "POST", sb.api+"/v3/deposits", body, true); a.status != 429 || a.header.Get("Retry-After") != "3" {
		t.Errorf("first deposit: %d %v %s", a.status, a.header, a.raw)
	}
	if a := send(t, "POST", sb.api+"/v3/deposits", body, true); a.status != 200 {
		t.Errorf("second deposit: %d %s", a.status, a.raw)
	}
	r := send(t, "GET", sb.api+"/sandbox/requests", "", true)
	if list, _ := r.json["requests"].([]any); len(list) != 2 || !strings.Contains(r.raw, `"status":429,"fault":"too_many_requests"`) {
		t.Errorf("requests: %s", r.raw)
	}
	sb.stop(10 * time.Second)
}

// Without -allow-http-notifications an http:// notification URL is refused,
// the command's -notification-url as a request's; with it, only loopback.
func TestBuiltSandboxHTTPNotificationURLs(t *testing.T) {
	t.Parallel()
	exe := builtSandbox(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-notification-url", "http://127.0.0.1:8080/d24/notifications"}, "must be an https:// URL, as D24 requires (http:// on loopback is accepted with d24test.WithLoopbackHTTPNotifications, d24sandbox -allow-http-notifications)"},
		{[]string{"-notification-url", "http://shop.example/d24/notifications", "-allow-http-notifications"}, "http:// is accepted only on loopback (127.0.0.0/8, ::1, localhost)"},
	} {
		out, err := exec.Command(exe, append([]string{"-api-addr", "127.0.0.1:0", "-card-addr", "127.0.0.1:0"}, c.args...)...).CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), c.want) || strings.Contains(string(out), "/d24/notifications") {
			t.Errorf("%v: %v %s", c.args, err, out)
		}
	}

	deposit := func(sb *sandbox, url string) answer {
		return send(t, "POST", sb.api+"/v3/deposits", `{"invoice_id":"u","amount":1,"country":"BR","notification_url":"`+url+`"}`, true)
	}
	plain := startBuiltSandbox(t)
	if a := deposit(plain, "http://127.0.0.1:8080/n"); a.status != 400 || !strings.Contains(a.raw, `"notification_url: must be a valid HTTPS URL`) || !strings.Contains(a.raw, "-allow-http-notifications") {
		t.Errorf("http on loopback without the flag: %d %s", a.status, a.raw)
	}
	if a := deposit(plain, "https://shop.example/n"); a.status != 200 {
		t.Errorf("https without the flag: %d %s", a.status, a.raw)
	}
	allowed := startBuiltSandbox(t, "-allow-http-notifications")
	for url, status := range map[string]int{"http://127.0.0.1:8080/n": 200, "http://[::1]:8080/n": 200, "http://localhost:8080/n": 200,
		"http://shop.example/n": 400, "http://127.0.0.1.nip.io/n": 400, "http://192.168.1.10/n": 400} {
		if a := deposit(allowed, url); a.status != status {
			t.Errorf("%s with the flag: %d %s", url, a.status, a.raw)
		}
	}
	plain.stop(10 * time.Second)
	allowed.stop(10 * time.Second)
}
