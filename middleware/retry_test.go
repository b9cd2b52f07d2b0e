package middleware_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/d24go/d24/middleware"
)

func post(t *testing.T, c *http.Client, url string, key string) (*http.Response, error) {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/v3/deposits", strings.NewReader(`{"invoice_id":"r1","amount":10}`))
	if key != "" {
		req.Header.Set("X-Idempotency-Key", key)
	}
	return c.Do(req)
}

func retryOnly(p middleware.RetryPolicy) *http.Client {
	return &http.Client{Transport: middleware.NewRetry(nil, p, middleware.WithAPI(middleware.D24()))}
}

var fast = middleware.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}

// The server reads a keyed POST, drops the connection (the answer is lost), then
// answers the repeat: one call, one success.
func TestKeyedPostSurvivesALostAnswer(t *testing.T) {
	srv := newScript(t, hangUp, status(200, `{"deposit_id":1}`))
	resp, err := post(t, retryOnly(fast), srv.srv.URL, "k-1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	reqs := srv.seen()
	if resp.StatusCode != 200 || string(body) != `{"deposit_id":1}` || len(reqs) != 2 {
		t.Fatalf("status %d body %s after %d requests", resp.StatusCode, body, len(reqs))
	}
	if reqs[0].body != reqs[1].body || reqs[1].body != `{"invoice_id":"r1","amount":10}` {
		t.Errorf("repeat body differs: %q / %q", reqs[0].body, reqs[1].body)
	}
}

// The same without a key: its bytes have left, so it is never sent again, and
// since it may have been processed its outcome is unknown.
func TestUnkeyedPostIsNotRepeated(t *testing.T) {
	srv := newScript(t, hangUp, status(200, `{}`))
	_, err := post(t, retryOnly(fast), srv.srv.URL, "")
	var unknown *middleware.OutcomeUnknownError
	if !errors.As(err, &unknown) || unknown.StatusCode != 0 || unknown.Err == nil {
		t.Fatalf("want an outcome-unknown connection error, got %v", err)
	}
	if n := len(srv.seen()); n != 1 {
		t.Errorf("%d requests reached the server, want 1", n)
	}
	srv2 := newScript(t, status(503, ``), status(200, ``))
	_, err = post(t, retryOnly(fast), srv2.srv.URL, "")
	if !errors.As(err, &unknown) || unknown.StatusCode != 503 || len(srv2.seen()) != 1 {
		t.Errorf("unkeyed 503: %v after %d requests", err, len(srv2.seen()))
	}
}

// A POST whose connection was refused never left, so even without a key it is
// tried again; the last error keeps its cause.
func TestRefusedConnectionIsRetriedAndKeepsItsCause(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	attempts := 0
	counting := roundTripCounter(&attempts, http.DefaultTransport)
	c := &http.Client{Transport: middleware.NewRetry(counting, fast, middleware.WithAPI(middleware.D24()))}
	_, err = post(t, c, "http://"+addr, "")
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("cause lost: %v", err)
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) || attempts != 3 {
		t.Errorf("errors.As: %v, attempts %d", err, attempts)
	}
}

func roundTripCounter(n *int, next http.RoundTripper) http.RoundTripper {
	return rtFunc(func(r *http.Request) (*http.Response, error) { *n++; return next.RoundTrip(r) })
}

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRetryOnStatus(t *testing.T) {
	for _, code := range []int{408, 429, 500, 502, 503, 504} {
		srv := newScript(t, status(code, `{}`), status(200, `{"ok":1}`))
		resp, err := post(t, retryOnly(fast), srv.srv.URL, "k")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || len(srv.seen()) != 2 {
			t.Errorf("%d: final %d after %d requests", code, resp.StatusCode, len(srv.seen()))
		}
	}
	// A refusal in the API's own words is final, and proves nothing was
	// processed: the caller gets the answer.
	for _, code := range []int{400, 401, 404, 409} {
		srv := newScript(t, status(code, `{"code":201}`), status(200, `{}`))
		resp, err := post(t, retryOnly(fast), srv.srv.URL, "k")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != code || len(srv.seen()) != 1 {
			t.Errorf("%d was retried: final %d after %d requests", code, resp.StatusCode, len(srv.seen()))
		}
	}
	// A 5xx outside the retry list is final too, but says nothing of whether
	// the POST was processed.
	srv := newScript(t, status(501, `{"code":700}`), status(200, `{}`))
	_, err := post(t, retryOnly(fast), srv.srv.URL, "k")
	var unknown *middleware.OutcomeUnknownError
	if !errors.As(err, &unknown) || unknown.StatusCode != 501 || len(srv.seen()) != 1 {
		t.Errorf("501: %v after %d requests", err, len(srv.seen()))
	}
}

// When retries run out a GET reads the last answer's body; a POST, which may
// have been processed, gets an OutcomeUnknownError carrying that answer.
func TestGivingUpReturnsTheLastAnswer(t *testing.T) {
	const busy = `{"code":700,"description":"try later"}`
	srv := newScript(t, status(503, busy))
	resp, err := retryOnly(fast).Get(srv.srv.URL + "/v3/deposits/1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || string(body) != busy || len(srv.seen()) != 3 {
		t.Errorf("status %d body %q after %d attempts", resp.StatusCode, body, len(srv.seen()))
	}

	_, err = post(t, retryOnly(fast), srv.srv.URL, "k")
	var unknown *middleware.OutcomeUnknownError
	if !errors.As(err, &unknown) || unknown.StatusCode != 503 || string(unknown.Body) != busy || unknown.Attempts != 3 || len(srv.seen()) != 6 {
		t.Errorf("POST: %v (%+v) after %d requests", err, unknown, len(srv.seen()))
	}
}

func TestRetryAfter(t *testing.T) {
	srv := newScript(t, status(429, ``, "Retry-After", "1"), status(200, `{}`))
	start := time.Now()
	resp, err := post(t, retryOnly(fast), srv.srv.URL, "k")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if waited := time.Since(start); resp.StatusCode != 200 || waited < time.Second {
		t.Errorf("Retry-After: 1 not honoured: %d after %v", resp.StatusCode, waited)
	}

	long := newScript(t, status(429, `{"code":429}`, "Retry-After", "3600"), status(200, `{}`))
	start = time.Now()
	resp, err = retryOnly(fast).Get(long.srv.URL + "/v3/deposits/1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if waited := time.Since(start); resp.StatusCode != 429 || len(long.seen()) != 1 || waited > 500*time.Millisecond {
		t.Errorf("Retry-After: 3600 slept on or retried: %d after %v, %d requests", resp.StatusCode, waited, len(long.seen()))
	}

	date := newScript(t, status(503, ``, "Retry-After", time.Now().Add(2*time.Hour).UTC().Format(http.TimeFormat)))
	resp, err = retryOnly(fast).Get(date.srv.URL + "/v3/deposits/1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(date.seen()) != 1 {
		t.Errorf("an HTTP-date Retry-After two hours away was retried")
	}
}

func TestCancelDuringBackoffReturnsPromptly(t *testing.T) {
	srv := newScript(t, status(503, ``))
	c := retryOnly(middleware.RetryPolicy{BaseDelay: 10 * time.Second, MaxDelay: 10 * time.Second, MaxAttempts: 5})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.srv.URL+"/v3/deposits/1", nil)
	start := time.Now()
	_, err := c.Do(req)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("cancel took %v", took)
	}
}

// A per-attempt timeout cuts a slow answer and the keyed call tries again.
func TestAttemptTimeout(t *testing.T) {
	slow := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}
	srv := newScript(t, slow, status(200, `{}`))
	p := fast
	p.AttemptTimeout = 100 * time.Millisecond
	resp, err := post(t, retryOnly(p), srv.srv.URL, "k")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || len(srv.seen()) != 2 {
		t.Errorf("%d after %d requests", resp.StatusCode, len(srv.seen()))
	}
}

// A transport that reports no connection events (no net/http underneath): only
// a failed dial proves that nothing was sent; any other error may hide a
// processed request.
func TestOutcomeWithoutConnectionEvents(t *testing.T) {
	for _, tc := range []struct {
		name    string
		err     error
		unknown bool
		tries   int
	}{
		{"refused dial", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, false, 3},
		{"reset after writing", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, true, 1},
		{"an unexplained error", errors.New("something broke"), true, 1},
	} {
		tries := 0
		rt := middleware.NewRetry(rtFunc(func(r *http.Request) (*http.Response, error) {
			tries++
			return nil, tc.err
		}), fast)
		_, err := post(t, &http.Client{Transport: rt}, "http://d24.invalid", "")
		var unknown *middleware.OutcomeUnknownError
		if errors.As(err, &unknown) != tc.unknown || tries != tc.tries || !errors.Is(err, tc.err) {
			t.Errorf("%s: %v after %d tries, want unknown=%v after %d", tc.name, err, tries, tc.unknown, tc.tries)
		}
	}
}

// CallTimeout bounds the whole call: no retry is made whose wait would outlast
// it, and the attempt in flight is cut at it. WithCallTimeout sets another
// bound for one call.
func TestCallTimeout(t *testing.T) {
	srv := newScript(t, status(503, ``, "Retry-After", "2"))
	p := fast
	p.CallTimeout = time.Second
	resp, err := retryOnly(p).Get(srv.srv.URL + "/v3/deposits/1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := len(srv.seen()); resp.StatusCode != 503 || n != 1 {
		t.Errorf("a retry whose Retry-After outlasts the call was made: %d requests", n)
	}

	slow := newScript(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	req, _ := http.NewRequest("GET", slow.srv.URL+"/v3/deposits/1", nil)
	ctx := middleware.WithCallTimeout(req.Context(), 100*time.Millisecond)
	_, err = retryOnly(fast).Do(req.WithContext(ctx))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WithCallTimeout: %v", err)
	}
}

// The first attempt, which the Retry sends without an http.Client, ends as
// an http.Client would end it: a URL's user info becomes Basic
// authentication, a server request's RequestURI is refused, a transport's nil
// answer is an error, a nil body an empty one, and an HTTPS request to a
// plain HTTP server says so.
func TestFirstAttemptAsHTTPClientSendsIt(t *testing.T) {
	srv := newScript(t, status(200, `{}`))
	retry := retryOnly(fast)

	req, _ := http.NewRequest("GET", strings.Replace(srv.srv.URL, "http://", "http://merchant:pw@", 1)+"/v3/deposits/1", nil)
	resp, err := retry.Transport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := srv.seen()[0].header.Get("Authorization"); got != "Basic bWVyY2hhbnQ6cHc=" {
		t.Errorf("user info sent as %q", got)
	}

	req, _ = http.NewRequest("GET", srv.srv.URL+"/v3/deposits/1", nil)
	req.RequestURI = "/v3/deposits/1"
	if _, err := retry.Transport.RoundTrip(req); err == nil || !strings.Contains(err.Error(), "RequestURI can't be set") {
		t.Errorf("a server request sent as a client's: %v", err)
	}

	for _, tc := range []struct {
		name string
		rt   rtFunc
		want string
	}{
		{"nil answer", func(*http.Request) (*http.Response, error) { return nil, nil }, "nil *Response"},
		{"nil body", func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Header: http.Header{}, Request: r}, nil
		}, ""},
	} {
		rt := middleware.NewRetry(tc.rt, fast)
		req, _ := http.NewRequest("GET", "http://d24.invalid/v3/deposits/1", nil)
		resp, err := rt.RoundTrip(req)
		switch {
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v", tc.name, err)
		case tc.want == "" && (err != nil || resp.Body == nil):
			t.Errorf("%s: %v, body %v", tc.name, err, resp)
		}
	}

	req, _ = http.NewRequest("GET", strings.Replace(srv.srv.URL, "http://", "https://", 1)+"/v3/deposits/1", nil)
	if _, err := retry.Transport.RoundTrip(req); !errors.Is(err, http.ErrSchemeMismatch) {
		t.Errorf("HTTPS to an HTTP server: %v", err)
	}
}
