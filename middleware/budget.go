package middleware

import (
	"math"
	"sync/atomic"
)

// RetryBudget is a token bucket that retries draw from, shared by every call
// of the chains that hold it (a client of several hosts can share one), as
// AWS's SDKs keep a retry quota: each retry takes one token, and each attempt
// the server answered (any answer but 408, 429 and 5xx) puts back a fraction
// of one, up to the bucket's size. Isolated faults are retried as if there
// were no budget; when the server fails everything, the bucket empties and
// calls get one attempt each, so the SDK adds load to an outage only until the
// budget is spent; once the server answers again, successes refill it.
//
// Retries of requests safe to repeat (GET) leave the last fifth of the bucket
// to the others (POSTs with a key), so that a caller polling a failing status
// cannot spend the retry that would have settled a payment.
//
// A RetryBudget is safe for concurrent use. The zero value refuses nothing,
// as NoRetryBudget; make one with NewRetryBudget.
type RetryBudget struct {
	capacity int64 // in milli-tokens; 0: no budget
	refill   int64 // milli-tokens per answered attempt
	tokens   atomic.Int64
	refused  atomic.Int64
}

// Defaults of NewRetryBudget, AWS's standard retry quota in retries: 100
// retries in the bucket (AWS: 500 tokens at 5 a retry) and one retry earned
// back for every five answered attempts (AWS: 1 token per success). A steady
// failure rate up to about 15% is retried in full; a full outage costs at most
// 100 extra requests per budget, then none.
const (
	DefaultRetryBudgetSize   = 100
	DefaultRetryBudgetRefill = 0.2
)

// NoRetryBudget lets every call make all the attempts its policy allows, as
// before retry budgets: RetryPolicy{Budget: middleware.NoRetryBudget}.
var NoRetryBudget = &RetryBudget{}

// NewRetryBudget returns a full budget of size retries, refilled by refill
// (a fraction of a retry, 0 to 1) for every attempt the server answered. A size
// of 0 or less, or a refill outside (0, 1], takes the default.
func NewRetryBudget(size int, refill float64) *RetryBudget {
	if size <= 0 {
		size = DefaultRetryBudgetSize
	}
	if !(refill > 0 && refill <= 1) || math.IsNaN(refill) {
		refill = DefaultRetryBudgetRefill
	}
	b := &RetryBudget{capacity: int64(size) * 1000, refill: max(int64(refill*1000), 1)}
	b.tokens.Store(b.capacity)
	return b
}

// take spends one retry's token, reporting whether there was one; a retry of
// a request safe to repeat leaves the last fifth of the bucket.
func (b *RetryBudget) take(safe bool) bool {
	if b.capacity == 0 {
		return true
	}
	floor := int64(1000)
	if safe {
		// A bucket too small to keep a reserve keeps none.
		floor = max(floor, min(floor+b.capacity/5, b.capacity))
	}
	for {
		n := b.tokens.Load()
		if n < floor {
			b.refused.Add(1)
			return false
		}
		if b.tokens.CompareAndSwap(n, n-1000) {
			return true
		}
	}
}

// refund puts back the token of a retry that was never sent.
func (b *RetryBudget) refund() {
	if b.capacity == 0 {
		return
	}
	for {
		n := b.tokens.Load()
		if b.tokens.CompareAndSwap(n, min(n+1000, b.capacity)) {
			return
		}
	}
}

// answered puts back the refill of an attempt the server answered.
func (b *RetryBudget) answered() {
	if b.capacity == 0 {
		return
	}
	for {
		n := b.tokens.Load()
		if n >= b.capacity {
			return
		}
		if b.tokens.CompareAndSwap(n, min(n+b.refill, b.capacity)) {
			return
		}
	}
}

// Available returns the number of retries the budget can pay for now (+Inf
// for NoRetryBudget).
func (b *RetryBudget) Available() float64 {
	if b.capacity == 0 {
		return math.Inf(1)
	}
	return float64(b.tokens.Load()) / 1000
}

// Refused returns the number of retries the budget has refused so far.
func (b *RetryBudget) Refused() int64 { return b.refused.Load() }
