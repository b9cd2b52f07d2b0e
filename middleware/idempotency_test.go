package middleware_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/d24go/d24/middleware"
)

func chain(t *testing.T, opts ...middleware.Option) *http.Client {
	t.Helper()
	opts = append([]middleware.Option{middleware.WithoutTracing(), middleware.WithRetryPolicy(middleware.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond})}, opts...)
	rt, err := middleware.NewChain("L", "S", opts...)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: rt}
}

func TestOneKeyForEveryAttempt(t *testing.T) {
	srv := newScript(t, status(503, ``), status(502, ``), status(200, `{}`))
	resp, err := chain(t).Post(srv.srv.URL, "application/json", strings.NewReader(`{"invoice_id":"1"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	reqs := srv.seen()
	if len(reqs) != 3 {
		t.Fatalf("%d attempts", len(reqs))
	}
	key := reqs[0].header.Get("X-Idempotency-Key")
	if len(key) != 32 {
		t.Fatalf("key %q is not 128 random bits in hex", key)
	}
	for _, r := range reqs {
		if r.header.Get("X-Idempotency-Key") != key {
			t.Errorf("attempts carry different keys: %q vs %q", r.header.Get("X-Idempotency-Key"), key)
		}
	}
	// A second call gets a new key.
	resp, _ = chain(t).Post(srv.srv.URL, "application/json", strings.NewReader(`{}`))
	resp.Body.Close()
	if k := srv.seen()[3].header.Get("X-Idempotency-Key"); k == key || k == "" {
		t.Errorf("second call's key %q", k)
	}
}

func TestCallersKeyKeptAndGETLeftAlone(t *testing.T) {
	srv := newScript(t, status(200, `{}`))
	req, _ := http.NewRequest("POST", srv.srv.URL, strings.NewReader(`{}`))
	req.Header.Set("X-Idempotency-Key", "mine-1")
	resp, err := chain(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = chain(t).Get(srv.srv.URL + "/v3/deposits/1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	reqs := srv.seen()
	if reqs[0].header.Get("X-Idempotency-Key") != "mine-1" {
		t.Errorf("caller's key replaced by %q", reqs[0].header.Get("X-Idempotency-Key"))
	}
	if _, ok := reqs[1].header["X-Idempotency-Key"]; ok {
		t.Error("GET got a key")
	}
}

func TestBlankKeyRefused(t *testing.T) {
	srv := newScript(t, status(200, `{}`))
	req, _ := http.NewRequest("POST", srv.srv.URL, strings.NewReader(`{}`))
	req.Header.Set("X-Idempotency-Key", "  ")
	_, err := chain(t).Do(req)
	if !errors.Is(err, middleware.ErrBlankIdempotencyKey) {
		t.Errorf("err = %v", err)
	}
	if len(srv.seen()) != 0 {
		t.Error("a blank key reached the server")
	}
}

// A key derived from invoice_id is the same for the same invoice, whichever
// process sends it, and differs between invoices.
func TestKeyFromInvoiceID(t *testing.T) {
	srv := newScript(t, status(200, `{}`))
	c := chain(t, middleware.WithIdempotencyKeyFunc(middleware.KeyFromJSONField("invoice_id")))
	for _, body := range []string{`{"invoice_id":"A-1","amount":1}`, `{"amount":2,"invoice_id":"A-1"}`, `{"invoice_id":"A-2"}`, `{"amount":3}`} {
		resp, err := c.Post(srv.srv.URL+"/v3/deposits", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	k := func(i int) string { return srv.seen()[i].header.Get("X-Idempotency-Key") }
	if k(0) != k(1) || k(0) == k(2) || k(3) == "" || k(3) == k(0) {
		t.Errorf("keys: %q %q %q %q", k(0), k(1), k(2), k(3))
	}
}

// A key derived from the body is the same for the same request, on any host
// spelling, differs for another body or path or secret, and shows nothing of
// the body.
func TestKeyFromBody(t *testing.T) {
	key := func(secret, url, body string) string {
		req, _ := http.NewRequest("POST", url, strings.NewReader(body))
		k, err := middleware.KeyFromBody(secret)(req, []byte(body))
		if err != nil || len(k) != 32 {
			t.Fatalf("key %q, %v", k, err)
		}
		return k
	}
	const body = `{"invoice_id":"A-1","credit_card":{"card_number":"4111111111111111"}}`
	same := []string{
		key("S", "https://api.example/v3/deposits", body),
		key("S", "https://api.example:443/v3/deposits", body),
		key("S", "https://API.EXAMPLE/v3/deposits", body),
	}
	if same[0] != same[1] || same[1] != same[2] {
		t.Errorf("the host's spelling changes the key: %q", same)
	}
	for name, other := range map[string]string{
		"another body":   key("S", "https://api.example/v3/deposits", strings.Replace(body, "A-1", "A-2", 1)),
		"another path":   key("S", "https://api.example/v3/refunds", body),
		"another secret": key("T", "https://api.example/v3/deposits", body),
	} {
		if other == same[0] {
			t.Errorf("%s gives the same key", name)
		}
	}
	if strings.Contains(same[0], "4111") || strings.Contains(same[0], "A-1") {
		t.Errorf("the key shows the body: %q", same[0])
	}
}
