package middleware_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/d24go/d24/middleware"
)

// A retry whose wait the caller's context cuts short was never sent: its token
// goes back. A budget of one retry keeps no reserve from GETs. The zero value
// refuses nothing.
func TestRetryBudgetEdges(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	get := func(c *http.Client, ctx context.Context) {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/v3/deposits/1", nil)
		if resp, err := c.Do(req); err == nil {
			resp.Body.Close()
		}
	}

	budget := middleware.NewRetryBudget(5, 0.2)
	slow := &http.Client{Transport: middleware.NewRetry(nil, middleware.RetryPolicy{BaseDelay: 10 * time.Second, MaxDelay: 10 * time.Second, Budget: budget})}
	for range 3 {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		get(slow, ctx)
		cancel()
	}
	if budget.Available() != 5 || n.Load() != 3 {
		t.Errorf("3 calls cut during their wait: %.1f retries left of 5, %d requests; want 5 and 3", budget.Available(), n.Load())
	}

	one := middleware.NewRetryBudget(1, 0.2)
	n.Store(0)
	get(&http.Client{Transport: middleware.NewRetry(nil, middleware.RetryPolicy{BaseDelay: time.Millisecond, Budget: one})}, context.Background())
	if n.Load() != 2 || one.Available() != 0 {
		t.Errorf("a budget of one retry: %d requests, %.1f left; want 2 and 0", n.Load(), one.Available())
	}

	n.Store(0)
	get(&http.Client{Transport: middleware.NewRetry(nil, middleware.RetryPolicy{BaseDelay: time.Millisecond, Budget: &middleware.RetryBudget{}})}, context.Background())
	if n.Load() != 3 {
		t.Errorf("the zero budget: %d requests, want 3", n.Load())
	}
}
