package middleware_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/d24go/d24/internal/reqbody"
	"github.com/d24go/d24/middleware"
)

var vectorDate = time.Date(2020, 6, 24, 17, 13, 21, 0, time.UTC)

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

// The three test vectors of docs/d24-api.md, exactly, through a real round trip.
func TestSignerVectors(t *testing.T) {
	vectors := []struct{ method, body, want string }{
		{"GET", "", "D24 98ce05871fbc1bd20558c27ad42dd1c4fec470d222e6c7829fd68e771c944391"},
		{"POST", `{"invoice_id":"999","amount":100}`, "D24 df06cc7ffe2bb024277913a9ee924d2a37454111277d16742bc57591e46ab299"},
		{"POST", `{"first_name":"Muñoz"}`, "D24 f6a1db18e7153e069dc74fe27509183172aafea529b1c8117671e0dc9575f008"},
	}
	srv := newScript(t, status(200, `{}`))
	signer, err := middleware.NewSigner("test-login", "test-secret", nil, middleware.WithClock(fixedClock(vectorDate)))
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: signer}
	for i, v := range vectors {
		var body io.Reader
		if v.body != "" {
			body = strings.NewReader(v.body)
		}
		req, _ := http.NewRequest(v.method, srv.srv.URL+"/v3/deposits", body)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got := srv.seen()[i]
		if a := got.header.Get("Authorization"); a != v.want {
			t.Errorf("%s %q: Authorization = %s, want %s", v.method, v.body, a, v.want)
		}
		if got.header.Get("X-Date") != "2020-06-24T17:13:21Z" || got.header.Get("X-Login") != "test-login" {
			t.Errorf("headers: %v", got.header)
		}
		if got.body != v.body {
			t.Errorf("body on the wire %q, signed %q", got.body, v.body)
		}
		if middleware.Signature("test-secret", "2020-06-24T17:13:21Z", "test-login", []byte(v.body)) != v.want {
			t.Errorf("Signature() disagrees with vector %d", i)
		}
	}
	if ct := srv.seen()[1].header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
}

// A body without GetBody (a plain reader) is still signed over its exact bytes,
// and the caller's request is left as it was.
func TestSignerBodyWithoutGetBody(t *testing.T) {
	srv := newScript(t, status(200, `{}`))
	signer, _ := middleware.NewSigner("L", "S", nil, middleware.WithClock(fixedClock(vectorDate)))
	body := `{"amount":10.5,"first_name":"José"}`
	req, _ := http.NewRequest("POST", srv.srv.URL, io.NopCloser(bytes.NewBufferString(body)))
	req.GetBody = nil
	resp, err := signer.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := srv.seen()[0]
	if got.body != body || got.header.Get("Authorization") != expectedSignature("S", "2020-06-24T17:13:21Z", "L", body) {
		t.Errorf("signed %q as %s", got.body, got.header.Get("Authorization"))
	}
	if req.Header.Get("Authorization") != "" || req.Header.Get("X-Date") != "" {
		t.Error("the caller's request was modified")
	}
}

// Each attempt gets a fresh X-Date and signature when the clock moves.
func TestSignerFreshSignaturePerAttempt(t *testing.T) {
	srv := newScript(t, status(503, `{}`), status(200, `{}`))
	var ticks atomic.Int64
	clock := func() time.Time { return vectorDate.Add(time.Duration(ticks.Add(1)) * time.Minute) }
	rt, err := middleware.NewChain("L", "S", middleware.WithClock(clock), middleware.WithoutTracing(),
		middleware.WithRetryPolicy(middleware.RetryPolicy{BaseDelay: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Transport: rt}).Post(srv.srv.URL+"/v3/deposits", "application/json", strings.NewReader(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	reqs := srv.seen()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	if reqs[0].header.Get("X-Date") == reqs[1].header.Get("X-Date") {
		t.Error("both attempts carry the same X-Date")
	}
	for _, r := range reqs {
		if r.header.Get("Authorization") != expectedSignature("S", r.header.Get("X-Date"), "L", r.body) {
			t.Errorf("attempt signed wrongly: %v", r.header)
		}
	}
}

// 103 INVALID_DATE_RANGE: the offset from the answer's Date corrects the
// signature, the attempt is repeated once, and later calls stay corrected.
func TestSignerCorrectsClockSkewOn103(t *testing.T) {
	serverNow := vectorDate.Add(10 * time.Minute)
	dateRange := status(400, `{"code":103,"description":"Invalid date range","type":"INVALID_DATE_RANGE"}`, "Date", serverNow.Format(http.TimeFormat))
	srv := newScript(t, dateRange, status(200, `{"ok":true}`))
	signer, _ := middleware.NewSigner("L", "S", nil, middleware.WithClock(fixedClock(vectorDate)))
	req, _ := http.NewRequest("POST", srv.srv.URL, strings.NewReader(`{"x":1}`))
	resp, err := signer.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != `{"ok":true}` {
		t.Fatalf("got %d %s", resp.StatusCode, body)
	}
	reqs := srv.seen()
	if len(reqs) != 2 || reqs[1].header.Get("X-Date") != serverNow.Format(middleware.DateLayout) || reqs[1].body != `{"x":1}` {
		t.Fatalf("repeat: %d requests, second X-Date %q body %q", len(reqs), reqs[1].header.Get("X-Date"), reqs[1].body)
	}
	if reqs[1].header.Get("Authorization") != expectedSignature("S", reqs[1].header.Get("X-Date"), "L", `{"x":1}`) {
		t.Error("repeat not signed over its own date")
	}
	if signer.ClockSkew() != 10*time.Minute {
		t.Errorf("ClockSkew = %v", signer.ClockSkew())
	}
	// A second 103 is returned, not repeated again.
	srv2 := newScript(t, dateRange)
	req, _ = http.NewRequest("GET", srv2.srv.URL, nil)
	resp, err = signer.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || len(srv2.seen()) != 2 || !strings.Contains(string(b), `"code":103`) {
		t.Errorf("persistent 103: status %d after %d requests, body %s", resp.StatusCode, len(srv2.seen()), b)
	}
}

func TestSignerRefusesEmptyCredentialsAndHidesTheSecret(t *testing.T) {
	if _, err := middleware.NewSigner("", "s", nil); err == nil {
		t.Error("empty login accepted")
	}
	if _, err := middleware.NewSigner("l", "", nil); err == nil {
		t.Error("empty secret accepted")
	}
	s, _ := middleware.NewSigner("login", "very-secret-key", nil)
	if out := fmt.Sprintf("%v %+v %#v", s, s, s); strings.Contains(out, "very-secret-key") || strings.Contains(out, "118 101 114") {
		t.Errorf("secret printed: %s", out)
	}
}

// Inside a chain the Signer signs the request the attempt layer made for the
// send, in place: its 103 repeat still sends the whole body, freshly signed,
// whether the body says its bytes (the d24 client's) or is read through
// GetBody.
func TestChainRepeatsA103WithTheWholeBody(t *testing.T) {
	serverNow := time.Now().Add(10 * time.Minute).UTC().Truncate(time.Second)
	dateRange := status(400, `{"code":103,"description":"Invalid date range","type":"INVALID_DATE_RANGE"}`, "Date", serverNow.Format(http.TimeFormat))
	for _, saysBytes := range []bool{false, true} {
		srv := newScript(t, dateRange, status(200, `{"ok":true}`))
		attempts := 0
		rt, err := middleware.NewChain("L", "S", middleware.WithoutTracing(), middleware.WithRetryPolicy(fast),
			middleware.WithAttemptObserver(func(context.Context, middleware.AttemptEvent) { attempts++ }))
		if err != nil {
			t.Fatal(err)
		}
		body := []byte(`{"invoice_id":"skew-1","amount":10}`)
		req, _ := http.NewRequest("POST", srv.srv.URL+"/v3/deposits", bytes.NewReader(body))
		if saysBytes {
			req.Body, req.GetBody = reqbody.New(body), reqbody.GetBody(body)
		}
		req.Header.Set("X-Idempotency-Key", "skew-key")
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		reqs := srv.seen()
		if resp.StatusCode != 200 || len(reqs) != 2 || attempts != 1 {
			t.Fatalf("reqbody %v: %d after %d requests in %d attempts, want 2 in 1 (the Signer's repeat)", saysBytes, resp.StatusCode, len(reqs), attempts)
		}
		for i, r := range reqs {
			if r.body != string(body) || r.header.Get("Authorization") != expectedSignature("S", r.header.Get("X-Date"), "L", string(body)) {
				t.Errorf("reqbody %v, send %d: body %q, signature %q", saysBytes, i, r.body, r.header.Get("Authorization"))
			}
		}
		if req.GetBody == nil || req.Header.Get("X-Date") != "" {
			t.Errorf("reqbody %v: the caller's request was changed", saysBytes)
		}
	}
}
