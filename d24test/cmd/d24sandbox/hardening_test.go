package main

import (
	"bufio"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The figures these tests measure are logged (go test -v) for RELIABILITY.md.

// A client that opens connections and never finishes its headers loses them
// after -read-header-timeout, however many it opens.
func TestSlowHeaderConnectionsAreClosed(t *testing.T) {
	t.Parallel()
	const conns, timeout = 500, time.Second
	sb := startSandbox(t, "-read-header-timeout", timeout.String())
	addr := strings.TrimPrefix(sb.api, "http://")

	type result struct {
		open time.Duration // how long the server kept it open
		err  error
	}
	results := make(chan result, conns)
	start := time.Now()
	for i := 0; i < conns; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		defer c.Close()
		opened := time.Now()
		if _, err := io.WriteString(c, "POST /v3/deposits HTTP/1.1\r\nHost: sandbox\r\nX-Login: "); err != nil {
			t.Fatal(err)
		}
		go func() {
			// The server must close the connection: EOF (or a reset), not our
			// deadline.
			_ = c.SetReadDeadline(opened.Add(timeout + 10*time.Second))
			_, err := c.Read(make([]byte, 1))
			if errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) {
				err = nil
			} else if err == nil {
				err = errors.New("the server answered a request it never received")
			}
			results <- result{time.Since(opened), err}
		}()
	}
	var longest time.Duration
	for i := 0; i < conns; i++ {
		r := <-results
		if r.err != nil {
			t.Fatalf("a slow-header connection was not closed by the server: %v", r.err)
		}
		if r.open < timeout-100*time.Millisecond {
			t.Errorf("closed after %v, before the %v timeout", r.open, timeout)
		}
		longest = max(longest, r.open)
	}
	t.Logf("%d slow-header connections: all closed %v after opening the first, each within %v of opening (timeout %v)",
		conns, time.Since(start).Round(time.Millisecond), longest.Round(time.Millisecond), timeout)
	// The sandbox still serves.
	if a := send(t, "GET", sb.api+"/v3/deposits/1", "", true); a.status != 404 {
		t.Errorf("after the slow clients: %d %s", a.status, a.raw)
	}
	sb.stop(10 * time.Second)
}

// A megabyte sent by a stranger, or by a client whose signature fails, is
// answered and forgotten: it is not in the request log and the process does
// not grow with it.
func TestUnauthenticatedMegabytesAreNotKept(t *testing.T) {
	t.Parallel()
	const requests = 200
	const threshold = 16 << 20
	sb := startBuiltSandbox(t)
	// One signed request first, so the baseline is a sandbox that has served.
	if a := send(t, "POST", sb.api+"/v3/deposits", `{"invoice_id":"mem-1","amount":100,"country":"BR","currency":"BRL"}`, true); a.status != 200 {
		t.Fatalf("signed request: %d %s", a.status, a.raw)
	}
	before := rss(t, sb.cmd.Process.Pid)
	flood(t, sb, requests)
	after := rss(t, sb.cmd.Process.Pid)
	t.Logf("RSS %.1f MiB after one signed request, %.1f MiB after %d unauthenticated 1 MiB requests (%+.1f MiB)",
		mib(before), mib(after), requests, mib(after-before))
	if after-before > threshold {
		t.Errorf("RSS grew %.1f MiB (from %.1f MiB), more than %d MiB", mib(after-before), mib(before), threshold>>20)
	}
	printed, _ := sb.stop(10 * time.Second)
	if n := loggedRequests(t, printed); n != 1 {
		t.Errorf("%d requests in the log, want only the signed one", n)
	}
}

// flood sends n requests of 1 MiB of JSON, one at a time (a body the old log
// kept whole): half with no credentials, half with the right login and date
// and a wrong signature, so that the sandbox reads their bodies. Each must be
// refused.
func flood(t *testing.T, sb *sandbox, n int) {
	t.Helper()
	prefix, suffix := `{"invoice_id":"mem-2","padding":"`, `"}`
	body := prefix + strings.Repeat("x", 1<<20-len(prefix)-len(suffix)) + suffix
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	codes := map[string]int{}
	for i := 0; i < n; i++ {
		req, _ := http.NewRequest("POST", sb.api+"/v3/deposits", strings.NewReader(body))
		if i%2 == 1 {
			req.Header.Set("X-Date", xDate())
			req.Header.Set("X-Login", testLogin)
			req.Header.Set("Authorization", "D24 "+strings.Repeat("0", 64))
		}
		got := "transport error"
		if resp, err := client.Do(req); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			got = fmt.Sprintf("%d %s", resp.StatusCode, anyXDate.ReplaceAll(b, []byte(`"X-Date: (sent)"`)))
		}
		codes[got]++
	}
	want := map[string]int{
		`400 {"code":101,"description":"Missing required header: X-Date","type":"MISSING_REQUIRED_HEADER"}`: n / 2,
		fmt.Sprintf(`400 {"code":102,"description":"Invalid signature","details":["signed: HMAC-SHA256, keyed by the secret key, of X-Date + X-Login + body (no separator), sent as Authorization: D24 and the lowercase hex","X-Date: (sent)","X-Login: %s","body: 1048576 bytes, SHA-256 %x"],"type":"INVALID_SIGNATURE"}`,
			testLogin, sha256.Sum256([]byte(body))): n / 2,
	}
	if fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Errorf("answers %v, want %v", codes, want)
	}
}

// anyXDate is the X-Date line of a 102's details, which differs by request.
var anyXDate = regexp.MustCompile(`"X-Date: [^"]*"`)

// rss reads a process's resident set size from /proc.
func rss(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc to measure memory: %v", err)
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		if v, ok := strings.CutPrefix(lines.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// SIGTERM ends the process within -shutdown-timeout even when a client has
// stopped in the middle of a body the sandbox is reading.
func TestSIGTERMWithAClientStalledMidBody(t *testing.T) {
	t.Parallel()
	const grace = time.Second
	sb := startSandbox(t, "-shutdown-timeout", grace.String(), "-body-read-timeout", "1m")
	c, err := net.Dial("tcp", strings.TrimPrefix(sb.api, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Headers that pass the checks made before the body is read, and Expect:
	// 100-continue so that the server says when it starts reading the body.
	fmt.Fprintf(c, "POST /v3/deposits HTTP/1.1\r\nHost: sandbox\r\nContent-Type: application/json\r\nX-Date: %s\r\nX-Login: %s\r\n"+
		"Authorization: D24 %s\r\nExpect: 100-continue\r\nContent-Length: 1000\r\n\r\n", xDate(), testLogin, strings.Repeat("0", 64))
	r := bufio.NewReader(c)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 100 ") {
		t.Fatalf("want 100 Continue, got %q %v", line, err)
	}
	if _, err := r.ReadString('\n'); err != nil { // the blank line after it
		t.Fatal(err)
	}
	if _, err := io.WriteString(c, `{"invoice_`); err != nil { // 10 of the 1000 bytes, then nothing
		t.Fatal(err)
	}

	printed, took := sb.stop(grace + 5*time.Second)
	t.Logf("exited %v after SIGTERM with a client stalled mid-body (shutdown timeout %v)", took.Round(time.Millisecond), grace)
	if took < grace-100*time.Millisecond {
		t.Errorf("exited after %v: the request in progress was not given its %v", took, grace)
	}
	if !strings.Contains(printed, "closed connections still in progress") {
		t.Errorf("printed %q, want it to say it closed the stalled connection", printed)
	}
	if rest, err := io.ReadAll(r); err != nil && !errors.Is(err, syscall.ECONNRESET) || len(rest) != 0 {
		t.Errorf("the stalled client got %q %v, want its connection closed", rest, err)
	}
}

// The 3DS page's URL completes an authentication only for a signed POST, and
// only for a deposit waiting for it.
func TestThreeDSEndpointIsAuthenticatedAndGuarded(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t)
	card := func(invoice, number string) map[string]any {
		body := `{"invoice_id":"` + invoice + `","amount":10,"country":"MX","currency":"MXN","client_ip":"203.0.113.7",` +
			`"payer":{"document":"84932568207","document_type":"CPF","email":"j@example.com","first_name":"J","last_name":"S"},` +
			`"credit_card":{"card_number":"` + number + `","cvv":"123","expiration_month":"10","expiration_year":"40","holder_name":"J S"}}`
		a := send(t, "POST", sb.card+"/v3/deposits", body, true)
		if a.status != 200 {
			t.Fatalf("card deposit: %d %s", a.status, a.raw)
		}
		return a.json
	}
	status := func(id any) string {
		a := send(t, "GET", fmt.Sprintf("%s/v3/deposits/%d", sb.api, int64(id.(float64))), "", true)
		s, _ := a.json["status"].(string)
		return s
	}
	pending := card("3ds-1", "4000000000003220")
	url, _ := pending["authentication_url"].(string)
	if !strings.HasPrefix(url, sb.card+"/v3/3ds/") {
		t.Fatalf("authentication_url %q", url)
	}

	if a := send(t, "POST", url, "", false); a.status != 400 || a.json["code"] != 101.0 {
		t.Errorf("unsigned POST: %d %s", a.status, a.raw)
	}
	if a := send(t, "PUT", url, "", true); a.status != 405 || a.header.Get("Allow") != "GET, HEAD, POST" {
		t.Errorf("PUT: %d Allow %q", a.status, a.header.Get("Allow"))
	}
	if a := send(t, "GET", url, "", false); a.status != 200 || a.json["pending_authentication"] != true {
		t.Errorf("GET: %d %s", a.status, a.raw)
	}
	if s := status(pending["deposit_id"]); s != "PENDING" {
		t.Errorf("after an unsigned POST, a PUT and a GET: %s, want PENDING", s)
	}

	declined := card("3ds-2", "4222222222222220")
	declinedURL := fmt.Sprintf("%s/v3/3ds/%d", sb.card, int64(declined["deposit_id"].(float64)))
	if a := send(t, "POST", declinedURL, "", true); a.status != 409 {
		t.Errorf("completing a DECLINED deposit: %d %s", a.status, a.raw)
	}
	if s := status(declined["deposit_id"]); s != "DECLINED" {
		t.Errorf("a DECLINED deposit became %s", s)
	}

	if a := send(t, "POST", url, "", true); a.status != 200 || status(pending["deposit_id"]) != "COMPLETED" {
		t.Errorf("signed POST: %d %s, status %s", a.status, a.raw, status(pending["deposit_id"]))
	}
	if a := send(t, "POST", url, "", true); a.status != 409 {
		t.Errorf("completing it twice: %d %s", a.status, a.raw)
	}
	sb.stop(10 * time.Second)
}
