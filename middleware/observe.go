package middleware

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// AttemptEvent is one attempt of a call, as the Retry judged it: what a metric
// or a log record may hold, and nothing more. It carries no header, body,
// path, query or error text, so that an observer cannot record card data or a
// key by mistake.
type AttemptEvent struct {
	// Operation is the call's operation (StartCall: the caller's own text),
	// else the ID of the operation the Validator matched, else "".
	Operation string
	// Method is the request's method, or "_OTHER" for one the HTTP
	// conventions do not name; Scheme, Host and Port are its URL's
	// (Port is the scheme's default when the URL names none, 0 if unknown).
	Method, Scheme, Host string
	Port                 int
	// Route is the route template the Validator matched
	// ("/v3/deposits/{deposit_id}"), or "" without validation.
	Route string
	// Attempt is which attempt of the call this was: 0 for the first, as
	// Attempt(ctx) counts.
	Attempt int
	// Duration is how long the attempt took, until its answer's headers or its
	// error.
	Duration time.Duration
	// StatusCode is the answer's status; 0 when the attempt got no answer.
	StatusCode int
	// ErrorType names the attempt's error by kind ("timeout",
	// "connection_failed", "canceled", or the error's Go type), never by its
	// text; "" when the attempt got an answer.
	ErrorType string
	// Retry reports that the Retry scheduled another attempt, to be made after
	// Wait (unless the call's context ends first).
	Retry bool
	Wait  time.Duration
	// BudgetRefused reports that the policy would have retried, and the retry
	// budget refused it: the call ends with this attempt.
	BudgetRefused bool
}

// AttemptObserver is told of every attempt a chain's Retry makes, once it has
// judged it; an attempt that never began (its context had ended) is not
// reported. It runs on the call's goroutine, inside the retry loop: it must
// return quickly and must not keep the event's context.
type AttemptObserver func(context.Context, AttemptEvent)

// WithAttemptObserver adds an observer of every attempt of the chain's calls,
// for a log record or a metric of one's own (the chain's metrics use the same
// events, see WithMetrics).
func WithAttemptObserver(f AttemptObserver) Option {
	return chainOption(func(c *chainConfig) {
		if f != nil {
			c.observers = append(c.observers, f)
		}
	})
}

// observers calls each observer in turn.
type observers []AttemptObserver

func (obs observers) observe(ctx context.Context, e AttemptEvent) {
	for _, o := range obs {
		o(ctx, e)
	}
}

// attemptEvent describes the attempt of state just judged, with resp or err.
func attemptEvent(ctx context.Context, state *callState, resp *http.Response, err error, now time.Duration) AttemptEvent {
	e := AttemptEvent{Operation: operationFrom(ctx), Route: state.route, Attempt: state.attempt,
		Duration: now - state.attemptStart}
	if e.Operation == "" {
		e.Operation = state.validatedOp
	}
	if req := state.request; req != nil {
		e.Method, e.Scheme, e.Host = knownMethod(req.Method), req.URL.Scheme, req.URL.Hostname()
		e.Port = urlPort(req.URL.Scheme, req.URL.Port())
	}
	switch {
	case err != nil:
		e.ErrorType = errorType(unwrapURLError(err))
	case resp != nil:
		e.StatusCode = resp.StatusCode
	}
	return e
}

// epoch is what monotonicNow counts from.
var epoch = time.Now()

// monotonicNow is the time on the monotonic clock, in 8 bytes of the call's
// state rather than a time.Time's 24.
func monotonicNow() time.Duration { return time.Since(epoch) }

// urlPort is a URL's port as a number: the scheme's default when it names
// none, 0 when it is not a number.
func urlPort(scheme, port string) int {
	if port == "" {
		switch scheme {
		case "https":
			return 443
		case "http":
			return 80
		}
		return 0
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return 0
	}
	return p
}
