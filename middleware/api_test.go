package middleware_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/d24go/d24/middleware"
)

// passAuth is an Authenticator that adds nothing.
func passAuth(next http.RoundTripper) (http.RoundTripper, error) {
	if next == nil {
		next = http.DefaultTransport
	}
	return next, nil
}

func apiChain(t *testing.T, api middleware.API) http.RoundTripper {
	t.Helper()
	rt, err := middleware.NewChain("", "", middleware.WithAuthenticator(passAuth), middleware.WithAPI(api),
		middleware.WithRetryPolicy(middleware.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}),
		middleware.WithoutTracing())
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

// the API says it deduplicates POST only (KeyedMethods empty means
// POST; Acme's document names Idempotency-Key on its POST alone). A PATCH the
// caller sent with an Idempotency-Key header is nonetheless retried after a
// 503 that may have been processed: the API would apply it twice.
func TestKeyOnANonKeyedMethodDoesNotMakeItRepeatable(t *testing.T) {
	srv := newScript(t, status(503, `{"error":{"code":"unavailable"}}`), status(200, `{}`))
	rt := apiChain(t, middleware.API{Name: "acme", IdempotencyHeader: "Idempotency-Key"})
	req, _ := http.NewRequest(http.MethodPatch, srv.srv.URL+"/v1/payouts/p1", strings.NewReader(`{"amount":5}`))
	req.Header.Set("Idempotency-Key", "caller-key-0001")
	resp, err := rt.RoundTrip(req)
	if err == nil {
		resp.Body.Close()
	}
	if n := len(srv.seen()); n != 1 {
		t.Errorf("a PATCH the API does not deduplicate was sent %d times after a 503", n)
	}
	var unknown *middleware.OutcomeUnknownError
	if !errors.As(err, &unknown) {
		t.Errorf("want OutcomeUnknownError for the 503'd PATCH, got resp=%v err=%v", resp != nil, err)
	}
}

// a caller's key set under another spelling of the header
// (req.Header["idempotency-key"], as code copying HTTP/2 or gRPC metadata
// does) is not seen: the Idempotency layer adds a random key beside it, and
// the wire carries two keys for one request.
func TestCallersKeyUnderAnotherSpellingIsKept(t *testing.T) {
	srv := newScript(t, status(200, `{}`))
	rt := apiChain(t, middleware.API{Name: "acme", IdempotencyHeader: "Idempotency-Key"})
	req, _ := http.NewRequest(http.MethodPost, srv.srv.URL+"/v1/payouts", strings.NewReader(`{"amount":5}`))
	req.Header["idempotency-key"] = []string{"caller-key-0001"}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := srv.seen()[0].header.Values("Idempotency-Key")
	if len(got) != 1 || got[0] != "caller-key-0001" {
		t.Errorf("want the caller's key alone on the wire, got %q", got)
	}
}

type nilRT struct{ next http.RoundTripper }

func (r *nilRT) RoundTrip(req *http.Request) (*http.Response, error) {
	return r.next.RoundTrip(req)
}

// an Authenticator that returns a typed nil (a nil *T in the
// interface, the classic Go slip) passes NewChain's nil check; the chain then
// panics on its first call instead of NewChain refusing it.
func TestAuthenticatorReturningTypedNilIsRefused(t *testing.T) {
	auth := func(next http.RoundTripper) (http.RoundTripper, error) {
		var rt *nilRT
		return rt, nil
	}
	rt, err := middleware.NewChain("", "", middleware.WithAuthenticator(auth), middleware.WithoutTracing())
	if err != nil {
		return // refused: fine
	}
	defer func() {
		if p := recover(); p != nil {
			t.Errorf("NewChain accepted a typed-nil authenticator; the first call panicked: %v", p)
		}
	}()
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:1/x", nil)
	if resp, err := rt.RoundTrip(req); err == nil {
		resp.Body.Close()
	}
}

// API's doc says an unnamed API is named "api" in the chain's
// errors, as it is in span attributes (api.operation); a ValidationError
// of an unnamed API carries no name at all.
func TestUnnamedAPIIsNamedAPIInErrors(t *testing.T) {
	doc := acmeDocument(t)
	rt, err := middleware.NewChain("", "", middleware.WithAuthenticator(passAuth), middleware.WithDocument(doc), middleware.WithoutTracing())
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/v1/payouts", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	_, err = rt.RoundTrip(req)
	var verr *middleware.ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("want a ValidationError, got %v", err)
	}
	if !strings.HasPrefix(verr.Error(), "api: invalid ") {
		t.Errorf("want \"api: invalid createPayout request...\", got %q", verr.Error())
	}
}

// "bad input gets a clear error naming the field": a blank key
// under an API's own header is refused before sending, but the error no
// longer names the header (it used to say X-Idempotency-Key), so the caller
// of an API with several headers cannot tell which one.
func TestBlankKeyErrorNamesTheHeader(t *testing.T) {
	srv := newScript(t, status(200, `{}`))
	rt := apiChain(t, middleware.API{Name: "acme", IdempotencyHeader: "Idempotency-Key"})
	req, _ := http.NewRequest(http.MethodPost, srv.srv.URL+"/v1/payouts", strings.NewReader(`{}`))
	req.Header.Set("Idempotency-Key", " ")
	_, err := rt.RoundTrip(req)
	if !errors.Is(err, middleware.ErrBlankIdempotencyKey) {
		t.Fatalf("want ErrBlankIdempotencyKey, got %v", err)
	}
	if len(srv.seen()) != 0 {
		t.Errorf("sent")
	}
	if !strings.Contains(err.Error(), "Idempotency-Key") {
		t.Errorf("the error does not name the header: %q", err)
	}
}

// the blank-key check looks at the header's first value only: a
// key header given twice, "k" then blank, is sent as it is and retried as
// keyed, while an API that reads the last value (or joins them) sees a
// blank or mangled key and cannot deduplicate the retry.
func TestDuplicatedKeyHeaderIsRefused(t *testing.T) {
	srv := newScript(t, status(503, `{}`), status(200, `{}`))
	rt := apiChain(t, middleware.API{Name: "acme", IdempotencyHeader: "Idempotency-Key"})
	req, _ := http.NewRequest(http.MethodPost, srv.srv.URL+"/v1/payouts", strings.NewReader(`{}`))
	req.Header.Add("Idempotency-Key", "caller-key-0001")
	req.Header.Add("Idempotency-Key", " ")
	resp, err := rt.RoundTrip(req)
	if err == nil {
		resp.Body.Close()
	}
	if n := len(srv.seen()); n != 0 {
		t.Errorf("a POST with two key values, one blank, was sent %d times (values %q); want it refused like a blank key",
			n, srv.seen()[0].header.Values("Idempotency-Key"))
	}
}
