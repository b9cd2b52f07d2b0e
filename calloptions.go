package d24

import "time"

// CallOption configures one call, for example:
//
//	dep, err := client.CreateCardDeposit(ctx, req, d24.WithIdempotencyKey(key), d24.WithCallTimeout(20*time.Second))
type CallOption func(*callOptions)

type callOptions struct {
	key     string
	keySet  bool
	timeout time.Duration
}

// WithIdempotencyKey sends a POST (a deposit, a card deposit, a refund) under
// key instead of the key the client derives from the request. D24 processes a
// key once: the same request sent again under the same key is answered with
// what D24 did the first time (or with 104, ErrIdempotencyKeyUsed), never
// processed twice. Use it to send again a call that ended in an
// OutcomeUnknownError (its IdempotencyKey), or to make a second, deliberate,
// identical refund (a key of its own). A blank key is refused before sending;
// GET calls ignore it.
func WithIdempotencyKey(key string) CallOption {
	return func(o *callOptions) { o.key, o.keySet = key, true }
}

// WithCallTimeout bounds this call, all its attempts and the waits between
// them included, instead of RetryPolicy.CallTimeout (80s by default); a
// negative d sets no bound beyond the context's. An earlier deadline of the
// call's context still applies. A POST cut short after its request was sent
// ends in an OutcomeUnknownError.
func WithCallTimeout(d time.Duration) CallOption {
	return func(o *callOptions) { o.timeout = d }
}

// applyCallOptions collects a call's options (none: no work).
func applyCallOptions(opts []CallOption) callOptions {
	if len(opts) == 0 {
		return callOptions{}
	}
	o := new(callOptions)
	for _, opt := range opts {
		if opt != nil {
			opt(o)
		}
	}
	return *o
}
