package middleware_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/d24go/d24/middleware"
	"github.com/d24go/d24/middleware/internal/acmeapi"
)

// The chain under a client oapi-codegen generated for Acme Payouts, an API
// that is not D24's (internal/acmeapi/acme.yaml): its own HMAC scheme and
// header names, Idempotency-Key, and its own error body. Each attempt is
// signed afresh by Acme's signer, each call keyed once, retried, validated
// against Acme's document and traced, and nothing of D24 shows in its errors,
// its spans or on the wire.

const acmeKeyID, acmeSecret = "key_live_1", "acme-secret-canary"

// acmeSigner is what a user of another API writes: its signature, per attempt,
// as an Authenticator.
type acmeSigner struct {
	next  http.RoundTripper
	now   func() time.Time
	calls atomic.Int32
}

func (s *acmeSigner) RoundTrip(req *http.Request) (*http.Response, error) {
	s.calls.Add(1)
	middleware.WithSensitive(req.Context(), acmeSecret) // no record of the call may hold it
	var body []byte
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		body, _ = io.ReadAll(rc)
		rc.Close()
	}
	ts := strconv.FormatInt(s.now().Unix(), 10)
	out := req.Clone(req.Context())
	out.Header.Set("Acme-Key-Id", acmeKeyID)
	out.Header.Set("Acme-Timestamp", ts)
	out.Header.Set("Acme-Signature", "v1="+acmeSignature(ts, req.Method, req.URL.Path, body))
	return s.next.RoundTrip(out)
}

// acmeSignature is Acme's scheme: HMAC-SHA256(secret, timestamp \n method \n
// path \n hex SHA-256 of the body).
func acmeSignature(ts, method, path string, body []byte) string {
	sum := sha256.Sum256(body)
	m := hmac.New(sha256.New, []byte(acmeSecret))
	fmt.Fprintf(m, "%s\n%s\n%s\n%s", ts, method, path, hex.EncodeToString(sum[:]))
	return hex.EncodeToString(m.Sum(nil))
}

// acmeAPI describes Acme to the chain.
var acmeAPI = middleware.API{
	Name:              "acme",
	IdempotencyHeader: "Idempotency-Key",
	ParseError: func(body []byte) (middleware.ErrorBody, bool) {
		var e acmeapi.Error
		if json.Unmarshal(body, &e) != nil || e.Error.Code == "" {
			return middleware.ErrorBody{}, false
		}
		return middleware.ErrorBody{Type: e.Error.Code, KeyReused: e.Error.Code == "idempotency_key_reused"}, true
	},
}

// fakeAcme checks Acme's signature, deduplicates by Idempotency-Key, and
// answers each request by the fault the test scripted for it.
type fakeAcme struct {
	mu       sync.Mutex
	srv      *httptest.Server
	payouts  int                 // payouts created
	byKey    map[string][]byte   // the answer first given under a key
	seen     []http.Header       // every request's headers
	faults   []string            // the n-th request's fault: "", "lost", "503", "proxy400", "invalid_amount", "reused"
	badSigns int                 // requests whose signature did not verify
	stamps   map[string]struct{} // signatures seen, to show each attempt signs afresh
	bodies   map[string]json.RawMessage
}

func newFakeAcme(t *testing.T, faults ...string) *fakeAcme {
	f := &fakeAcme{byKey: map[string][]byte{}, faults: faults, stamps: map[string]struct{}{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAcme) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	n := len(f.seen)
	f.seen = append(f.seen, r.Header.Clone())
	fault := ""
	if n < len(f.faults) {
		fault = f.faults[n]
	}
	sig := r.Header.Get("Acme-Signature")
	if r.Header.Get("Acme-Key-Id") != acmeKeyID || sig != "v1="+acmeSignature(r.Header.Get("Acme-Timestamp"), r.Method, r.URL.Path, body) {
		f.badSigns++
		f.mu.Unlock()
		acmeError(w, 401, "invalid_signature")
		return
	}
	f.stamps[sig] = struct{}{}
	key := r.Header.Get("Idempotency-Key")
	switch fault {
	case "503":
		f.mu.Unlock()
		acmeError(w, 503, "unavailable")
		return
	case "proxy400":
		f.mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(400)
		io.WriteString(w, "<html><body>400 Bad Request (proxy)</body></html>")
		return
	case "invalid_amount":
		f.mu.Unlock()
		acmeError(w, 422, "invalid_amount")
		return
	case "reused":
		f.mu.Unlock()
		acmeError(w, 409, "idempotency_key_reused")
		return
	}
	answer, done := f.byKey[key]
	if !done || key == "" {
		var req acmeapi.PayoutRequest
		json.Unmarshal(body, &req)
		f.payouts++
		answer, _ = json.Marshal(acmeapi.Payout{Id: fmt.Sprintf("po_%08d", f.payouts), Reference: req.Reference, Amount: req.Amount,
			Currency: string(req.Currency), Status: acmeapi.Pending})
		if key != "" {
			f.byKey[key] = answer
		}
	}
	f.mu.Unlock()
	if fault == "lost" {
		hangUp(w, r) // processed, and the answer never arrives
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(201)
	w.Write(answer)
}

func acmeError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"code":%q,"message":"refused"}}`, code)
}

// acmeDocument is Acme's document as its own SDK would load it, with its own
// format validator attached (IBAN: two letters, two digits, then letters and
// digits).
func acmeDocument(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile("internal/acmeapi/acme.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc.SetStringFormatValidator("iban", formatFunc(func(s string) error {
		if len(s) < 15 || len(s) > 34 || s[0] < 'A' || s[0] > 'Z' || s[2] < '0' || s[2] > '9' {
			return errors.New("must be an IBAN")
		}
		return nil
	}))
	return doc
}

// acmeClient is the generated client over the chain, as the README shows it.
func acmeClient(t *testing.T, f *fakeAcme, tp *sdktrace.TracerProvider) (*acmeapi.ClientWithResponses, *acmeSigner) {
	t.Helper()
	clock := time.Unix(1_800_000_000, 0)
	var mu sync.Mutex
	signer := &acmeSigner{now: func() time.Time { // a second per signature: each attempt's stamp differs
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(time.Second)
		return clock
	}}
	rt, err := middleware.NewChain("", "",
		middleware.WithAuthenticator(func(next http.RoundTripper) (http.RoundTripper, error) {
			signer.next = next
			return signer, nil
		}),
		middleware.WithAPI(acmeAPI),
		middleware.WithDocument(acmeDocument(t)),
		middleware.WithTracing(middleware.WithTracerProvider(tp)),
		middleware.WithRetryPolicy(middleware.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}),
	)
	if err != nil {
		t.Fatal(err)
	}
	client, err := acmeapi.NewClientWithResponses(f.srv.URL, acmeapi.WithHTTPClient(&http.Client{Transport: rt,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}))
	if err != nil {
		t.Fatal(err)
	}
	return client, signer
}

func payout(ref string, amount int64, iban string) acmeapi.PayoutRequest {
	return acmeapi.PayoutRequest{Reference: ref, Amount: amount, Currency: acmeapi.EUR,
		Beneficiary: acmeapi.Beneficiary{Iban: iban, Name: "Ada Lovelace"}}
}

const goodIBAN = "DE89370400440532013000"

func TestForeignAPI(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	ctx := context.Background()
	var errs []error // every error a caller saw, for the check that none speaks of D24

	t.Run("a lost answer is retried under the same key and pays once", func(t *testing.T) {
		f := newFakeAcme(t, "lost")
		client, signer := acmeClient(t, f, tp)
		resp, err := client.CreatePayoutWithResponse(ctx, &acmeapi.CreatePayoutParams{}, payout("order-1", 1250, goodIBAN))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode() != 201 || resp.JSON201 == nil || resp.JSON201.Amount != 1250 {
			t.Fatalf("want the payout, got HTTP %d %s", resp.StatusCode(), resp.Body)
		}
		if f.payouts != 1 || len(f.seen) != 2 || f.badSigns != 0 {
			t.Fatalf("payouts %d, requests %d, bad signatures %d; want 1, 2, 0", f.payouts, len(f.seen), f.badSigns)
		}
		if len(f.stamps) != 2 || signer.calls.Load() != 2 {
			t.Errorf("want a fresh signature per attempt: %d signatures, signer ran %d times", len(f.stamps), signer.calls.Load())
		}
		k0, k1 := f.seen[0].Get("Idempotency-Key"), f.seen[1].Get("Idempotency-Key")
		if k0 == "" || k0 != k1 {
			t.Errorf("want one Idempotency-Key for both attempts, got %q and %q", k0, k1)
		}
		for _, h := range f.seen {
			for _, d24 := range []string{"X-Idempotency-Key", "X-Login", "X-Date"} {
				if h.Get(d24) != "" {
					t.Errorf("D24's %s was sent to Acme", d24)
				}
			}
		}
	})

	t.Run("a POST carrying the API's own key is retried", func(t *testing.T) {
		f := newFakeAcme(t, "503")
		client, _ := acmeClient(t, f, tp)
		key := "caller-key-0001"
		resp, err := client.CreatePayoutWithResponse(ctx, &acmeapi.CreatePayoutParams{IdempotencyKey: &key}, payout("order-2", 990, goodIBAN))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode() != 201 || len(f.seen) != 2 || f.payouts != 1 {
			t.Fatalf("want 201 after one retry and one payout: HTTP %d, %d requests, %d payouts", resp.StatusCode(), len(f.seen), f.payouts)
		}
		for _, h := range f.seen {
			if got := h.Values("Idempotency-Key"); len(got) != 1 || got[0] != key {
				t.Errorf("want the caller's key alone on every attempt, got %q", got)
			}
		}
	})

	t.Run("bad input is refused before anything is sent, in Acme's name", func(t *testing.T) {
		f := newFakeAcme(t)
		client, _ := acmeClient(t, f, tp)
		for _, c := range []struct {
			req   acmeapi.PayoutRequest
			field string
		}{
			{payout("order-3", 0, goodIBAN), "amount: "},
			{payout("order-3", 100, "not-an-iban"), "beneficiary.iban: "},
			{payout("order 3!", 100, goodIBAN), "reference: "},
		} {
			_, err := client.CreatePayoutWithResponse(ctx, &acmeapi.CreatePayoutParams{}, c.req)
			var verr *middleware.ValidationError
			if !errors.As(err, &verr) || !strings.Contains(err.Error(), "acme: invalid createPayout request, not sent: ") ||
				!strings.Contains(err.Error(), c.field) {
				t.Errorf("want acme's ValidationError naming %q, got %v", c.field, err)
			}
			errs = append(errs, err)
		}
		if len(f.seen) != 0 {
			t.Errorf("%d refused requests were sent", len(f.seen))
		}
	})

	t.Run("Acme's refusal is a plain answer; a proxy's page or a reused key is an unknown outcome", func(t *testing.T) {
		f := newFakeAcme(t, "invalid_amount", "proxy400", "reused")
		client, _ := acmeClient(t, f, tp)
		resp, err := client.CreatePayoutWithResponse(ctx, &acmeapi.CreatePayoutParams{}, payout("order-4", 100, goodIBAN))
		if err != nil || resp.StatusCode() != 422 || resp.JSONDefault == nil || resp.JSONDefault.Error.Code != "invalid_amount" {
			t.Fatalf("want Acme's 422 refusal handed back, got %v %v", resp, err)
		}
		for _, what := range []string{"a proxy's 400 page", "409 idempotency_key_reused"} {
			_, err = client.CreatePayoutWithResponse(ctx, &acmeapi.CreatePayoutParams{}, payout("order-5", 100, goodIBAN))
			var unknown *middleware.OutcomeUnknownError
			if !errors.As(err, &unknown) {
				t.Errorf("%s: want an OutcomeUnknownError, got %v", what, err)
			}
			errs = append(errs, err)
		}
		if f.payouts != 0 {
			t.Errorf("nothing was processed, the fake says %d payouts", f.payouts)
		}
	})

	spans := rec.Ended()
	var calls, refusal int
	for _, s := range spans {
		at := attrs(s)
		if s.Name() == "createPayout" {
			calls++
			if at["acme.operation"].AsString() != "createPayout" || at["acme.attempts"].AsInt64() < 1 {
				t.Errorf("call span without acme.operation and acme.attempts: %v", s.Attributes())
			}
		}
		if at["acme.error.type"].AsString() == "invalid_amount" {
			refusal++
		}
	}
	if calls < 7 || refusal == 0 {
		t.Errorf("want a createPayout call span per call and Acme's error type on the refusal: %d calls, %d refusals\n%s", calls, refusal, everything(spans))
	}
	all := strings.ToLower(everything(spans))
	for _, err := range errs {
		all += strings.ToLower(err.Error())
	}
	if strings.Contains(all, "d24") {
		t.Errorf("D24 appears in Acme's spans or errors:\n%s", all)
	}
	if strings.Contains(all, acmeSecret) {
		t.Errorf("Acme's secret appears in its spans or errors")
	}
}
