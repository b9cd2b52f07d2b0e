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
	return &http.Client{Transport: middleware.NewRetry(nil, p)}
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

// The same without a key: its bytes have left, so it is never sent again.
func TestUnkeyedPostIsNotRepeated(t *testing.T) {
	srv := newScript(t, hangUp, status(200, `{}`))
	_, err := post(t, retryOnly(fast), srv.srv.URL, "")
	if err == nil {
		t.Fatal("want the connection error")
	}
	if n := len(srv.seen()); n != 1 {
		t.Errorf("%d requests reached the server, want 1", n)
	}
	srv2 := newScript(t, status(503, ``), status(200, ``))
	resp, err := post(t, retryOnly(fast), srv2.srv.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || len(srv2.seen()) != 1 {
		t.Errorf("unkeyed 503: status %d after %d requests", resp.StatusCode, len(srv2.seen()))
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
	c := &http.Client{Transport: middleware.NewRetry(counting, fast)}
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
	for _, code := range []int{400, 401, 404, 409, 501} {
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
}

// When retries run out the caller reads the last answer's body.
func TestGivingUpReturnsTheLastAnswer(t *testing.T) {
	srv := newScript(t, status(503, `{"code":700,"description":"try later"}`))
	resp, err := post(t, retryOnly(fast), srv.srv.URL, "k")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || string(body) != `{"code":700,"description":"try later"}` || len(srv.seen()) != 3 {
		t.Errorf("status %d body %q after %d attempts", resp.StatusCode, body, len(srv.seen()))
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
	resp, err = post(t, retryOnly(fast), long.srv.URL, "k")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if waited := time.Since(start); resp.StatusCode != 429 || len(long.seen()) != 1 || waited > 500*time.Millisecond {
		t.Errorf("Retry-After: 3600 slept on or retried: %d after %v, %d requests", resp.StatusCode, waited, len(long.seen()))
	}

	date := newScript(t, status(503, ``, "Retry-After", time.Now().Add(2*time.Hour).UTC().Format(http.TimeFormat)))
	resp, err = post(t, retryOnly(fast), date.srv.URL, "k")
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
