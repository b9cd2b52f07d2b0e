package middleware

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// callState is what the layers of one logical call share through its context;
// the outermost layer that needs it creates it. It is that context itself
// (the call's parent context with the state as a value), so that starting a
// call allocates nothing else.
type callState struct {
	parent       context.Context
	operation    string // StartCall: the operation's name
	eligible     bool   // Retry: repeating the request cannot charge twice
	tracked      bool   // Retry: the request is not safe to repeat; its outcome is judged
	processed    bool   // Retry: an attempt may have been processed (see OutcomeUnknownError)
	namedByOp    bool   // CallTracing: StartCall named the span
	judging      bool   // Retry: it ends the attempt spans once it has judged them
	throttled    bool   // Retry: the retry budget refused a retry
	tokenPending bool   // Retry: a retry took a token and has not begun
	probe        attemptProbe
	timeout      time.Duration // WithCallTimeout: this call's bound instead of the policy's
	deadline     time.Time     // Retry: when the call's bound ends
	attempt      int           // Retry: 0 for the first attempt
	span         trace.Span    // CallTracing: the call span
	route        string        // Validator: the matched route template
	validatedOp  string        // Validator: the matched operation's ID
	attemptSpan  trace.Span    // AttemptTracing: the attempt's span, while Retry judges it
	sensitive    [4]string     // WithSensitive: values the call's records must not hold
	nSensitive   int           // how many of sensitive are set
	more         []string      // WithSensitive: the values beyond the first 4
	authKey      string        // Signer, Bearer: the key that authenticated the call
	scrubber     *Scrubber     // ScrubberFrom: built once, dropped when the values change
	request      *http.Request // Retry: the call's request, for its AttemptEvents
	attemptStart time.Duration // Retry: when the attempt began (monotonicNow), when observed
	wait         time.Duration // Retry: the wait before the retry it scheduled
	retried      *AttemptEvent // Retry: the attempt a scheduled retry repeats, until the retry begins
	bound        attemptCtx    // attempt: the first bounded attempt's context
	firstBound   bool          // attempt: bound is taken
	send         *http.Request // attempt: the request it made for this send alone (forHeaders)
}

type callStateKey struct{}

// stateOf returns the call's state, or nil outside a call.
func stateOf(ctx context.Context) *callState {
	s, _ := ctx.Value(callStateKey{}).(*callState)
	return s
}

// claimSend reports whether req is the request the attempt layer made for
// the send in progress, which the caller may then change: once per send.
func (s *callState) claimSend(req *http.Request) bool {
	if s.send != req {
		return false
	}
	s.send = nil
	return true
}

// attemptContext returns a context for the call's next bounded attempt: the
// one in the state for the first, a new one after (an earlier attempt's may
// still be referred to by what it left running).
func (s *callState) attemptContext() *attemptCtx {
	if !s.firstBound {
		s.firstBound = true
		return &s.bound
	}
	return new(attemptCtx)
}

// stateFrom returns the call's state, creating it (a context derived from
// ctx) if no outer layer did.
func stateFrom(ctx context.Context) (*callState, context.Context) {
	if s, ok := ctx.Value(callStateKey{}).(*callState); ok {
		return s, ctx
	}
	s := &callState{parent: ctx}
	return s, s
}

// The call's context is its parent's, with the state as a value.

func (s *callState) Deadline() (time.Time, bool) { return s.parent.Deadline() }
func (s *callState) Done() <-chan struct{}       { return s.parent.Done() }
func (s *callState) Err() error                  { return s.parent.Err() }

func (s *callState) Value(key any) any {
	if key == (callStateKey{}) {
		return s
	}
	return s.parent.Value(key)
}

// String names the context without its values (the sensitive ones among
// them), as context.WithValue's does.
func (s *callState) String() string { return "middleware.StartCall(" + s.operation + ")" }

// Format prints String whatever the verb (%d, %x, %+v and %#v included),
// so that no verb prints the state's fields.
func (s *callState) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// StartCall begins one logical call made with the returned context: it names
// the call's operation (the call span takes it as its name, an AttemptEvent
// as its Operation) and holds the state the chain's layers share for that
// call, so that they need not derive contexts and copy the request to add
// it. Use a fresh StartCall per call and never share its context between
// calls.
func StartCall(ctx context.Context, operation string) context.Context {
	if ctx == nil {
		panic("cannot create context from nil parent") // as context.WithValue
	}
	return &callState{parent: ctx, operation: operation}
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

// named records the operation the Validator recognised: CallTracing names the
// call span by its ID once the call returns, unless StartCall gave one, and attempt spans take the route; so do AttemptEvents.
func (s *callState) named(operation, route string) {
	s.route, s.validatedOp = route, operation
}

// Attempt returns which attempt of its call a request is: 0 for the first, 1
// for the first retry, and so on. It is 0 outside a Retry.
func Attempt(ctx context.Context) int {
	if s, ok := ctx.Value(callStateKey{}).(*callState); ok {
		return s.attempt
	}
	return 0
}

// WithSensitive declares values the call of ctx holds that must never be
// recorded (a card number, a CVV): every error, span and log record the chain
// writes about the call is scrubbed of them (see Scrubber), as of its key,
// which the authenticators declare themselves (an Authenticator of one's own
// calls WithSensitive(req.Context(), key) in its RoundTrip: inside a chain
// the call's state exists, and a value declared again is ignored). On a
// StartCall context, or inside a chain, it returns ctx itself; on another it
// returns a context for one call, which, like StartCall's, must not be shared
// between calls.
func WithSensitive(ctx context.Context, values ...string) context.Context {
	s, ctx := stateFrom(ctx)
	for _, v := range values {
		if v == "" || slices.Contains(s.sensitive[:s.nSensitive], v) || slices.Contains(s.more, v) {
			continue // an authenticator declares its key on every attempt
		}
		s.scrubber = nil
		// Kept as given, in the state itself (the Scrubber is built only if
		// a record needs it): a call that succeeds allocates nothing for them.
		if s.nSensitive < len(s.sensitive) {
			s.sensitive[s.nSensitive] = v
			s.nSensitive++
		} else {
			s.more = append(s.more, v)
		}
	}
	return ctx
}

// ScrubberFrom returns the Scrubber of the call of ctx: one for the values
// WithSensitive declared and the key the call was authenticated with.
func ScrubberFrom(ctx context.Context) Scrubber {
	if ctx == nil {
		return Scrubber{}
	}
	s, ok := ctx.Value(callStateKey{}).(*callState)
	if !ok {
		return Scrubber{}
	}
	if s.scrubber != nil {
		return *s.scrubber
	}
	values := make([]string, 0, s.nSensitive+len(s.more)+1)
	values = append(append(append(values, s.sensitive[:s.nSensitive]...), s.more...), s.authKey)
	sc := NewScrubber(values...)
	// Built once per call: an error path asks for it several times.
	s.scrubber = &sc
	return sc
}

// authenticatedWith records the key that authenticated the call of ctx, so
// that its records are scrubbed of it.
func authenticatedWith(ctx context.Context, key string) {
	if s, ok := ctx.Value(callStateKey{}).(*callState); ok {
		if s.authKey != key {
			s.authKey, s.scrubber = key, nil
		}
	}
}

// endAttemptSpan ends the span of the attempt just judged, if AttemptTracing
// left it to the Retry, marking it when the retry budget refused its retry.
func (s *callState) endAttemptSpan() {
	span := s.attemptSpan
	if span == nil {
		return
	}
	s.attemptSpan = nil
	if s.throttled {
		span.SetAttributes(AttrRetryBudgetExhausted.Bool(true))
	}
	span.End()
}

// RetryBudgetExhausted reports whether the retry budget refused a retry to the
// call of ctx (a StartCall context), after the call.
func RetryBudgetExhausted(ctx context.Context) bool {
	s, ok := ctx.Value(callStateKey{}).(*callState)
	return ok && s.throttled
}
