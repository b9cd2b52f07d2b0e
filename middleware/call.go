package middleware

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// callState is what the layers of one logical call share through its context;
// the outermost layer that needs it creates it.
type callState struct {
	operation string // StartCall: the operation's name
	eligible  bool   // Retry: repeating the request cannot charge twice
	tracked   bool   // Retry: the request is not safe to repeat; its outcome is judged
	processed bool   // Retry: an attempt may have been processed (see OutcomeUnknownError)
	probe     attemptProbe
	timeout   time.Duration // WithCallTimeout: this call's bound instead of the policy's
	deadline  time.Time     // Retry: when the call's bound ends
	attempt   int           // Retry: 0 for the first attempt
	span      trace.Span    // CallTracing: the call span
	namedByOp bool          // CallTracing: WithOperation or StartCall named the span
	route     string        // Validator: the matched route template
}

type callStateKey struct{}

// stateFrom returns the call's state, creating it in a derived context if no
// outer layer did.
func stateFrom(ctx context.Context) (*callState, context.Context) {
	if s, ok := ctx.Value(callStateKey{}).(*callState); ok {
		return s, ctx
	}
	s := &callState{}
	return s, context.WithValue(ctx, callStateKey{}, s)
}

// StartCall begins one logical call made with the returned context: it names
// the call's operation, as WithOperation does, and holds the state the chain's
// layers share for that call, so that they need not derive contexts and copy
// the request to add it. Use a fresh StartCall per call and never share its
// context between calls (WithOperation's can be shared).
func StartCall(ctx context.Context, operation string) context.Context {
	return context.WithValue(ctx, callStateKey{}, &callState{operation: operation})
}

// WithCallTimeout bounds the calls made with ctx, all their attempts and the
// waits between them included, by d instead of RetryPolicy.CallTimeout (a
// negative d: no bound beyond ctx's own). On a StartCall context it costs
// nothing; on another it adds a context value, which calls may share.
func WithCallTimeout(ctx context.Context, d time.Duration) context.Context {
	if s, ok := ctx.Value(callStateKey{}).(*callState); ok {
		s.timeout = d
		return ctx
	}
	return context.WithValue(ctx, callTimeoutKey{}, d)
}

type callTimeoutKey struct{}

// callTimeout is the bound WithCallTimeout set for the call, or 0.
func (s *callState) callTimeout(ctx context.Context) time.Duration {
	if s.timeout != 0 {
		return s.timeout
	}
	d, _ := ctx.Value(callTimeoutKey{}).(time.Duration)
	return d
}

// WithMaxAttempts limits the calls made with ctx to n attempts in all, the
// first included, when n is below RetryPolicy.MaxAttempts; n <= 0 leaves the
// policy's. With n = 1 a call is never repeated: for a caller whose own caller
// repeats it anyway, such as a notification handler. It adds a context value,
// which calls may share.
func WithMaxAttempts(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, maxAttemptsKey{}, n)
}

type maxAttemptsKey struct{}

// lastAttempt reports whether the call's current attempt is the last one
// WithMaxAttempts allows.
func (s *callState) lastAttempt(ctx context.Context) bool {
	n, _ := ctx.Value(maxAttemptsKey{}).(int)
	return n > 0 && s.attempt+1 >= n
}

// named records the operation the Validator recognised: the call span takes its
// ID as name unless WithOperation or StartCall gave one, and attempt spans take
// the route.
func (s *callState) named(operation, route string) {
	s.route = route
	if s.span != nil && !s.namedByOp {
		s.span.SetName(operation)
		s.span.SetAttributes(AttrD24Operation.String(operation))
	}
}

// Attempt returns which attempt of its call a request is: 0 for the first, 1
// for the first retry, and so on. It is 0 outside a Retry.
func Attempt(ctx context.Context) int {
	if s, ok := ctx.Value(callStateKey{}).(*callState); ok {
		return s.attempt
	}
	return 0
}
