package middleware_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/d24go/d24/middleware"
	"github.com/d24go/d24/openapi"
)

// events collects the AttemptEvents of a chain.
type events struct {
	mu  sync.Mutex
	all []middleware.AttemptEvent
}

func (e *events) observe(_ context.Context, ev middleware.AttemptEvent) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
}

// Each attempt is reported once judged: the first, a 503 asking for a
// second's wait, with the retry scheduled after that wait; the second, lost
// (the connection dropped), by its error's kind; the third, answered.
func TestAttemptObserver(t *testing.T) {
	srv := newScript(t, status(503, `{"code":700}`, "Retry-After", "1"), hangUp, status(200, `{}`))
	var got events
	rt, err := middleware.NewChain("L", "S", middleware.WithDocument(openapi.MustLoad(openapi.PCI)),
		middleware.WithRetryPolicy(fast), middleware.WithAttemptObserver(got.observe))
	if err != nil {
		t.Fatal(err)
	}
	chargeCard(t, rt, srv.srv.URL+"/v3/deposits", "observed-1")
	if len(got.all) != 3 {
		t.Fatalf("%d events, want 3: %+v", len(got.all), got.all)
	}
	first, lost, last := got.all[0], got.all[1], got.all[2]
	for i, e := range got.all {
		if e.Attempt != i || e.Operation != "chargeCard" || e.Method != "POST" || e.Scheme != "http" || e.Host != "127.0.0.1" ||
			e.Port == 0 || e.Route != "/v3/deposits" || e.Duration <= 0 {
			t.Errorf("event %d: %+v", i, e)
		}
	}
	if first.StatusCode != 503 || first.ErrorType != "" || !first.Retry || first.Wait != time.Second || first.BudgetRefused {
		t.Errorf("first: %+v", first)
	}
	if lost.StatusCode != 0 || lost.ErrorType != "connection_closed" || !lost.Retry || lost.Wait > fast.MaxDelay {
		t.Errorf("lost: %+v", lost)
	}
	if last.StatusCode != 200 || last.ErrorType != "" || last.Retry || last.Wait != 0 {
		t.Errorf("last: %+v", last)
	}
}

// Without StartCall, an event names the operation the
// Validator matched.
func TestAttemptObserverNamesTheValidatedOperation(t *testing.T) {
	srv := newScript(t, status(200, `{}`))
	var got events
	rt, err := middleware.NewChain("L", "S", middleware.WithDocument(openapi.MustLoad(openapi.PCI)),
		middleware.WithAttemptObserver(got.observe))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Transport: rt}).Post(srv.srv.URL+"/v3/deposits", "application/json", strings.NewReader(validCardDeposit))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(got.all) != 1 || got.all[0].Operation != "createCardDeposit" || got.all[0].Route != "/v3/deposits" {
		t.Errorf("events: %+v", got.all)
	}
}

// A retry the budget refuses is reported as such, with no retry scheduled.
func TestAttemptObserverBudgetRefusal(t *testing.T) {
	srv := newScript(t, status(503, ``))
	var got events
	p := fast
	p.Budget = middleware.NewRetryBudget(1, 0)
	rt, err := middleware.NewChain("L", "S", middleware.WithRetryPolicy(p), middleware.WithAttemptObserver(got.observe))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Transport: rt}).Get(srv.srv.URL + "/v3/deposits/1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// One retry in the bucket: the first failure is retried, the second is
	// refused.
	if len(got.all) != 2 || !got.all[0].Retry || got.all[0].BudgetRefused ||
		!got.all[1].BudgetRefused || got.all[1].Retry || got.all[1].StatusCode != 503 {
		t.Errorf("events: %+v", got.all)
	}
}

// The wait the event reports is the one the Retry waits: a context that
// ends during it ends the call with the context's error.
func TestCancelDuringReportedWait(t *testing.T) {
	srv := newScript(t, status(503, ``, "Retry-After", "30"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got events
	observe := func(ctx context.Context, e middleware.AttemptEvent) {
		got.observe(ctx, e)
		if e.Retry {
			cancel()
		}
	}
	p := fast
	p.MaxRetryAfter = time.Minute
	rt, err := middleware.NewChain("L", "S", middleware.WithRetryPolicy(p), middleware.WithAttemptObserver(observe))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.srv.URL+"/v3/deposits/1", nil)
	_, err = (&http.Client{Transport: rt}).Do(req)
	if err == nil || !strings.Contains(err.Error(), context.Canceled.Error()) {
		t.Errorf("err = %v", err)
	}
	if len(got.all) != 1 || got.all[0].Wait != 30*time.Second || len(srv.seen()) != 1 {
		t.Errorf("events %+v after %d requests", got.all, len(srv.seen()))
	}
}

// chargeCard sends a valid card deposit through rt under key, as the call
// "chargeCard", and closes its answer.
func chargeCard(t *testing.T, rt http.RoundTripper, url, key string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(validCardDeposit))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(middleware.HeaderIdempotencyKey, key)
	resp, err := rt.RoundTrip(req.WithContext(middleware.StartCall(context.Background(), "chargeCard")))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}
