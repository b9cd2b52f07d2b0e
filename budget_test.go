package d24_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel/attribute"

	"github.com/d24go/d24"
	"github.com/d24go/d24/middleware"
)

// flakyD24 answers GetDeposit: 503 to everything while down, or to the first
// attempt of each call while flaky (an isolated fault), and 200 otherwise.
type flakyD24 struct {
	*httptest.Server
	requests    atomic.Int64
	down, flaky atomic.Bool
}

func newFlakyD24() *flakyD24 {
	f := &flakyD24{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.requests.Add(1)
		if f.down.Load() || f.flaky.Load() && r.Header.Get("X-Test-Attempt") == "" {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"deposit_id":300000001,"invoice_id":"inv-1","status":"PENDING"}`))
	}))
	return f
}

// markRetries tags every attempt after the first, so the fake can fail only
// first attempts.
type markRetries struct{ next http.RoundTripper }

func (m markRetries) RoundTrip(r *http.Request) (*http.Response, error) {
	if middleware.Attempt(r.Context()) > 0 {
		r = r.Clone(r.Context())
		r.Header.Set("X-Test-Attempt", "retry")
	}
	return m.next.RoundTrip(r)
}

// calls makes callers × each GetDeposit calls at once and returns how many
// failed.
func calls(c *d24.Client, callers, each int) int64 {
	var failed atomic.Int64
	var wg sync.WaitGroup
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if _, err := c.GetDeposit(context.Background(), 300000001); err != nil {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return failed.Load()
}

// With D24 failing everything, 64 busy callers spend the retry budget and then
// send one request per call; once D24 answers again, successes refill the
// budget and an isolated fault is retried as before.
func TestRetryBudgetUnderOutage(t *testing.T) {
	const callers, each = 64, 20
	f := newFlakyD24()
	defer f.Close()
	rec := newRecorders()
	transport := d24.DefaultTransport()
	defer transport.CloseIdleConnections()
	c, err := d24.New(d24.Config{Login: "l", SecretKey: "s", APIURL: f.URL, CardAPIURL: f.URL, AllowInsecureHTTP: true},
		d24.WithTransport(markRetries{transport}), d24.WithRetryPolicy(d24.RetryPolicy{BaseDelay: 1e6, MaxDelay: 2e6}),
		d24.WithLogger(rec.logger()), d24.WithTracing(middleware.WithTracerProvider(rec.tp)))
	if err != nil {
		t.Fatal(err)
	}
	n := int64(callers * each)

	f.down.Store(true)
	if failed := calls(c, callers, each); failed != n {
		t.Fatalf("%d of %d calls failed with D24 down", failed, n)
	}
	spending := f.requests.Swap(0)
	t.Logf("outage, budget being spent: %d calls sent %d requests (%.3f per call)", n, spending, float64(spending)/float64(n))
	if spending > n+middleware.DefaultRetryBudgetSize {
		t.Errorf("%d calls sent %d requests: more retries than the budget's %d", n, spending, middleware.DefaultRetryBudgetSize)
	}
	calls(c, callers, each)
	spent := f.requests.Swap(0)
	t.Logf("outage, budget spent: %d calls sent %d requests (%.3f per call)", n, spent, float64(spent)/float64(n))
	if float64(spent) > 1.1*float64(n) {
		t.Errorf("once the budget is spent, %d calls sent %d requests: over 1.1 per call", n, spent)
	}
	if all := rec.all(); !strings.Contains(all, `"retry_budget_exhausted":true`) || !strings.Contains(all, "retry_budget_exhausted=true") {
		t.Error("no log record says the budget stopped a retry")
	}
	if !attemptSpanMarked(rec) {
		t.Error("no attempt span says the budget stopped its retry")
	}

	f.down.Store(false)
	if failed := calls(c, callers, each/2); failed != 0 {
		t.Fatalf("%d calls failed once D24 was back", failed)
	}
	f.requests.Store(0)
	f.flaky.Store(true)
	const isolated = 20
	for i := range isolated {
		if _, err := c.GetDeposit(context.Background(), 300000001); err != nil {
			t.Fatalf("call %d after recovery: an isolated fault was not retried: %v", i, err)
		}
	}
	if got := f.requests.Load(); got != 2*isolated {
		t.Errorf("after recovery, %d calls with one fault each sent %d requests, want %d", isolated, got, 2*isolated)
	}
}

// Without a budget the same outage triples the load: what the budget is for,
// and proof that the measure above can fail.
func TestRetryBudgetOff(t *testing.T) {
	f := newFlakyD24()
	defer f.Close()
	transport := d24.DefaultTransport()
	defer transport.CloseIdleConnections()
	c, err := d24.New(d24.Config{Login: "l", SecretKey: "s", APIURL: f.URL, CardAPIURL: f.URL, AllowInsecureHTTP: true},
		d24.WithTransport(transport), d24.WithRetryPolicy(d24.RetryPolicy{BaseDelay: 1e6, MaxDelay: 2e6, Budget: middleware.NoRetryBudget}))
	if err != nil {
		t.Fatal(err)
	}
	f.down.Store(true)
	const callers, each = 64, 5
	calls(c, callers, each)
	if got, want := f.requests.Load(), int64(3*callers*each); got != want {
		t.Errorf("without a budget, %d calls sent %d requests, want %d", callers*each, got, want)
	}
}

// A budget shared by two clients' chains is one budget, and a policy with its
// own budget reports what it refused.
func TestRetryBudgetShared(t *testing.T) {
	f := newFlakyD24()
	defer f.Close()
	f.down.Store(true)
	budget := middleware.NewRetryBudget(4, 0.5)
	transport := d24.DefaultTransport()
	defer transport.CloseIdleConnections()
	var clients []*d24.Client
	for range 2 {
		c, err := d24.New(d24.Config{Login: "l", SecretKey: "s", APIURL: f.URL, CardAPIURL: f.URL, AllowInsecureHTTP: true},
			d24.WithTransport(transport), d24.WithRetryPolicy(d24.RetryPolicy{BaseDelay: 1e6, MaxDelay: 2e6, Budget: budget}))
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	for i := range 6 {
		_, err := clients[i%2].GetDeposit(context.Background(), 300000001)
		var apiErr *d24.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
			t.Fatalf("%v", err)
		}
	}
	// 6 GETs: the first spends 2 retries, the second 1, and the last fifth of
	// the bucket is left to POSTs; the other retries are refused.
	if got := f.requests.Load(); got != 6+3 {
		t.Errorf("6 GETs sent %d requests, want 9", got)
	}
	if budget.Available() != 1 || budget.Refused() != 5 {
		t.Errorf("budget: %.1f available, %d refused; want 1 and 5", budget.Available(), budget.Refused())
	}
	// A payment's retry may take the reserve: the GETs could not spend it.
	f.requests.Store(0)
	_, err := clients[0].CreateCardDeposit(context.Background(), cardDeposit("budget-post-1", canaryCard))
	var unknown *d24.OutcomeUnknownError
	if !errors.As(err, &unknown) || f.requests.Load() != 2 || budget.Available() != 0 {
		t.Errorf("a POST after the GETs: %v, %d requests (want 2: one retry, from the reserve), %.1f left", err, f.requests.Load(), budget.Available())
	}
}

func attemptSpanMarked(rec *recorders) bool {
	for _, s := range rec.spans.Ended() {
		for _, a := range s.Attributes() {
			if a.Key == middleware.AttrRetryBudgetExhausted && a.Value == attribute.BoolValue(true) && s.Name() != "getDeposit" {
				return true
			}
		}
	}
	return false
}
