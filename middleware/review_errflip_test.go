package middleware_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/d24go/d24/middleware"
)

// REVIEW: an attempt's context must obey context.Context's contract: once
// Err is non-nil it never changes, and it agrees with context.Cause. When
// the caller's context is canceled first and the transport has not yet
// returned when the attempt's bound passes, attemptCtx.Err switches from
// Canceled to DeadlineExceeded (expire() sets expired although Done is
// already closed), while context.Cause keeps saying Canceled; and
// timeoutCause would then blame the bound for the caller's cancellation.
// context.WithDeadlineCause, which the attempt used before d9170fc, never
// changed its Err.
func TestReviewAttemptContextErrNeverChanges(t *testing.T) {
	type seen struct{ err, cause error }
	var first, later seen
	r := middleware.NewRetry(rtFunc(func(req *http.Request) (*http.Response, error) {
		ctx := req.Context()
		<-ctx.Done()
		first = seen{ctx.Err(), context.Cause(ctx)}
		time.Sleep(150 * time.Millisecond) // a transport slow to unwind, past the bound
		later = seen{ctx.Err(), context.Cause(ctx)}
		return nil, first.err
	}), middleware.RetryPolicy{MaxAttempts: 1, AttemptTimeout: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(10*time.Millisecond, cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://d24.invalid/v3/deposits/1", nil)
	_, err := r.RoundTrip(req)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("the call's error: %v, want the caller's cancellation", err)
	}
	if first.err != context.Canceled {
		t.Fatalf("at the caller's cancellation: Err %v", first.err)
	}
	if later.err != first.err {
		t.Errorf("Err changed from %v to %v after the bound passed (Cause %v)", first.err, later.err, later.cause)
	}
	if errors.Is(later.err, context.DeadlineExceeded) != errors.Is(later.cause, context.DeadlineExceeded) {
		t.Errorf("Err %v disagrees with Cause %v", later.err, later.cause)
	}
}
