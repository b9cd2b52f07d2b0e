package middleware

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// RetryPolicy says when and how a call is tried again. The zero value of any
// field takes its default.
//
// A request is retried only if repeating it cannot charge twice: GET, HEAD
// and OPTIONS, and a request of a method the API deduplicates
// (API.KeyedMethods) that carries one key under its idempotency header
// (API.IdempotencyHeader), the caller's own included. It is retried on
// connection errors and on 408, 429, 500, 502, 503 and 504; any other answer
// is final. A POST without a key is retried only when no connection was ever
// obtained for it (its bytes cannot have left). Whatever the policy, a POST's
// outcome is judged over all its attempts (see OutcomeUnknownError).
type RetryPolicy struct {
	// MaxAttempts is the number of attempts in all, the first included (3).
	// 1 disables retries.
	MaxAttempts int
	// BaseDelay is the backoff before the second attempt (250ms); it doubles per
	// attempt, with full jitter.
	BaseDelay time.Duration
	// MaxDelay caps a backoff (5s).
	MaxDelay time.Duration
	// MaxRetryAfter caps how long a Retry-After is waited on (30s); a longer one
	// ends the retries and the answer is returned at once.
	MaxRetryAfter time.Duration
	// AttemptTimeout bounds one attempt, reading its answer included (30s). A
	// negative value sets no bound of its own.
	AttemptTimeout time.Duration
	// CallTimeout bounds the whole call: every attempt, the waits between
	// them and the reading of the last answer (80s). No retry is made whose
	// wait would outlast it. WithCallTimeout sets another for one call; a
	// negative value sets none. The call's context, if it ends first, wins.
	CallTimeout time.Duration
	// Budget is the retry budget the retries draw from (see RetryBudget): nil
	// gives the chain a budget of its own with the defaults; share one between
	// chains to budget them together, or set NoRetryBudget to retry without one.
	// A retry the budget refuses ends the call with its last answer, and is
	// recorded on the spans (AttrRetryBudgetExhausted).
	Budget *RetryBudget
}

// DefaultRetryPolicy returns the policy NewRetry uses for zero fields.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 3, BaseDelay: 250 * time.Millisecond, MaxDelay: 5 * time.Second, MaxRetryAfter: 30 * time.Second,
		AttemptTimeout: 30 * time.Second, CallTimeout: 80 * time.Second}
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy()
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = d.MaxAttempts
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = d.BaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = d.MaxDelay
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = d.MaxRetryAfter
	}
	if p.AttemptTimeout == 0 {
		p.AttemptTimeout = d.AttemptTimeout
	}
	if p.CallTimeout == 0 {
		p.CallTimeout = d.CallTimeout
	}
	if p.Budget == nil {
		p.Budget = NewRetryBudget(0, 0)
	}
	return p
}

// retryableStatus are the answers worth another attempt.
var retryableStatus = map[int]bool{
	http.StatusRequestTimeout:      true,
	http.StatusTooManyRequests:     true,
	http.StatusInternalServerError: true,
	http.StatusBadGateway:          true,
	http.StatusServiceUnavailable:  true,
	http.StatusGatewayTimeout:      true,
}

// Retry retries calls under a RetryPolicy, on go-retryablehttp. When it gives
// up, the caller gets the last answer with its body intact, or the last error
// with its cause (errors.Is and errors.As see through it); except for a request
// not safe to repeat (a POST) that one of its attempts may have processed,
// which ends in a 2xx answer or in an *OutcomeUnknownError.
type Retry struct {
	policy RetryPolicy
	// attempt sends each attempt; client makes them all, retries those after
	// the first (see send; nil without retries).
	attempt attempt
	client  *retryablehttp.Client
	retries *retryablehttp.Client
	// connEvents: the transport has reported net/http's connection events
	// (GetConn) at least once, so an attempt that reported none never asked
	// for a connection, and sent nothing.
	connEvents atomic.Bool
	// observe, when set, is told of each attempt once judged; retried, of
	// each retry when it begins, with the event of the attempt it repeats.
	observe observers
	retried AttemptObserver
	// watching, when set, says whether observe records anything for ctx:
	// when it does not (the chain's metrics only, and no SDK behind the
	// global provider), no event is made.
	watching func(ctx context.Context) bool
	// api names the idempotency header that makes a request safe to repeat,
	// and reads the error bodies that prove a refusal.
	api    API
	header string // api.IdempotencyHeader, canonical
}

// NewRetry returns the retry middleware around next. WithAPI tells it the
// API's idempotency header and error body (see API).
func NewRetry(next http.RoundTripper, policy RetryPolicy, opts ...RetryOption) *Retry {
	r := newRetry(next, policy, next, API{})
	for _, o := range opts {
		o.applyRetry(r)
	}
	r.header = http.CanonicalHeaderKey(r.api.IdempotencyHeader)
	return r
}

// newRetry is NewRetry where transport is what finally sends each attempt,
// below next: net/http's own transport reports every connection it asks for,
// from the first attempt on.
func newRetry(next http.RoundTripper, policy RetryPolicy, transport http.RoundTripper, api API) *Retry {
	p := policy.withDefaults()
	r := &Retry{policy: p, api: api, header: http.CanonicalHeaderKey(api.IdempotencyHeader)}
	if _, ok := orDefault(transport).(*http.Transport); ok {
		r.connEvents.Store(true)
	}
	r.attempt = attempt{next: orDefault(next), timeout: p.AttemptTimeout, bounds: new(deadlines)}
	r.client = r.retryable(0)
	if p.MaxAttempts > 1 {
		r.retries = r.retryable(1)
	}
	return r
}

// retryable returns the go-retryablehttp client that makes a call's attempts
// from the first-th on (0: all of them).
func (r *Retry) retryable(first int) *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient: &http.Client{
			Transport: r.attempt,
			// A redirect is returned, never followed: it would carry a signed body,
			// card data included, to another place.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		RetryWaitMin: r.policy.BaseDelay,
		RetryWaitMax: r.policy.MaxDelay,
		RetryMax:     r.policy.MaxAttempts - 1 - first,
		CheckRetry:   r.checkRetry,
		// The wait is chosen when the attempt is judged (checkRetry), where
		// the call's state is at hand to hold it and observers are told of it,
		// and waited in prepareRetry: go-retryablehttp's own wait is none.
		Backoff: noWait,
		RequestLogHook: func(l retryablehttp.Logger, req *http.Request, i int) {
			r.countAttempt(l, req, first+i)
		},
		ErrorHandler: lastOutcome,
		PrepareRetry: prepareRetry,
	}
}

// RoundTrip sends req, retrying as the policy allows.
func (r *Retry) RoundTrip(req *http.Request) (*http.Response, error) {
	state, ctx := stateFrom(req.Context())
	state.eligible = r.eligible(req)
	state.tracked, state.processed, state.throttled = !safeToRepeat(req.Method), false, false
	state.judging, state.tokenPending = true, false
	state.request = req
	defer r.endCall(state)
	state.deadline = time.Time{}
	if timeout := cmp.Or(state.callTimeout(ctx), r.policy.CallTimeout); timeout > 0 {
		state.deadline = time.Now().Add(timeout)
	}
	if ctx != req.Context() {
		req = req.WithContext(ctx)
	}
	rreq := &retryablehttp.Request{Request: req}
	if err := setBody(rreq, req); err != nil {
		return nil, err
	}
	resp, err := r.send(rreq)
	r.endCall(state)
	if err != nil {
		if resp != nil {
			drainAndClose(resp.Body)
			resp = nil
		}
		err = unwrapURLError(err)
	}
	if state.tracked && state.processed && (err != nil || resp.StatusCode < 200 || resp.StatusCode > 299) {
		return nil, unknownOutcome(r.api, req, state.attempt+1, resp, err)
	}
	return resp, err
}

// send makes the call's attempts. The first is sent here, and judged by
// checkRetry as go-retryablehttp's loop judges every attempt; when it asks for
// another, go-retryablehttp's loop makes the retries. go-retryablehttp sends
// each attempt through an http.Client, whose only work here (redirects are
// never followed, there is no cookie jar and no timeout) is to copy the
// request's headers for a redirect: about 0.6 µs that a call answered at
// once need not pay. A request that http.Client would change on its way (a
// URL with user info, no header map) takes go-retryablehttp's loop from its
// first attempt.
func (r *Retry) send(rreq *retryablehttp.Request) (*http.Response, error) {
	req := rreq.Request
	if req.URL == nil || req.URL.User != nil || req.RequestURI != "" || req.Header == nil {
		return r.client.Do(rreq)
	}
	r.countAttempt(nil, req, 0)
	resp, err := r.attempt.RoundTrip(req)
	switch {
	case err != nil:
		resp = nil
		var tlsErr tls.RecordHeaderError
		if errors.As(err, &tlsErr) && string(tlsErr.RecordHeader[:]) == "HTTP/" {
			err = http.ErrSchemeMismatch
		}
	case resp == nil:
		err = fmt.Errorf("http: RoundTripper implementation (%T) returned a nil *Response with a nil error", r.attempt.next)
	case resp.Body == nil:
		resp.Body = http.NoBody
	}
	retry, checkErr := r.checkRetry(req.Context(), resp, err)
	if !retry || r.retries == nil {
		// As go-retryablehttp ends its loop.
		if e := cmp.Or(checkErr, err); e != nil {
			return lastOutcome(resp, e, 1)
		}
		return resp, nil
	}
	if err == nil {
		drainAndClose(resp.Body)
	}
	next := *req
	if err := prepareRetry(&next); err != nil {
		return nil, err
	}
	rreq.Request = &next
	return r.retries.Do(rreq)
}

// endCall ends what the call's attempts left open, even after a panic below:
// the last attempt's span, and the token of a retry that was never sent (the
// context ended during the wait) goes back to the budget.
func (r *Retry) endCall(state *callState) {
	state.endAttemptSpan()
	state.judging = false
	if state.tokenPending {
		state.tokenPending = false
		r.policy.Budget.refund()
	}
}

// setBody makes sure the body can be rewound: a request with GetBody (the
// usual case) is sent as it is, and each retry takes a fresh reader from
// GetBody (rewindBody); one without is read into memory once.
func setBody(rreq *retryablehttp.Request, req *http.Request) error {
	if req.Body == nil || req.Body == http.NoBody || req.GetBody != nil {
		return nil
	}
	buf, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return err
	}
	r := *rreq.Request
	r.Body = io.NopCloser(bytes.NewReader(buf))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf)), nil }
	r.ContentLength = int64(len(buf))
	rreq.Request = &r
	return nil
}

// prepareRetry waits the wait checkRetry chose for the retry, then gives it a
// fresh body. go-retryablehttp calls it before every attempt but the first.
// A context that ends during the wait ends the call with its error.
func prepareRetry(req *http.Request) error {
	ctx := req.Context()
	if s, ok := ctx.Value(callStateKey{}).(*callState); ok && s.wait > 0 {
		timer := time.NewTimer(s.wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
	}
	return rewindBody(req)
}

// rewindBody gives a retry a fresh body.
func rewindBody(req *http.Request) error {
	if req.GetBody == nil || req.Body == nil || req.Body == http.NoBody {
		return nil
	}
	body, err := req.GetBody()
	if err != nil {
		return err
	}
	req.Body = body
	return nil
}

// eligible reports whether repeating req cannot charge twice: its method
// changes nothing, or it is of a method the API deduplicates and carries one
// key under the API's idempotency header.
func (r *Retry) eligible(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	if !r.api.keyed(req.Method) {
		return false
	}
	v, ok := headerValues(req.Header, r.header)
	return ok && oneKey(v)
}

// countAttempt starts an attempt: it numbers it and resets its probe (and
// notes when it began, for observers).
func (r *Retry) countAttempt(_ retryablehttp.Logger, req *http.Request, attempt int) {
	if s, ok := req.Context().Value(callStateKey{}).(*callState); ok {
		s.attempt = attempt
		s.tokenPending = false
		s.wait = 0
		s.probe.start()
		if r.observe != nil {
			s.attemptStart = monotonicNow()
		}
		if e := s.retried; e != nil {
			// The retry begins: one that never does (its context ended
			// during the wait) is never counted.
			s.retried = nil
			r.retried(req.Context(), *e)
		}
	}
}

// checkRetry judges each attempt's outcome, for a request not safe to repeat,
// and applies the payments-safe policy described on RetryPolicy.
func (r *Retry) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	observing := r.observe != nil && (r.watching == nil || r.watching(ctx))
	var end time.Duration
	if observing {
		end = monotonicNow()
	}
	state, _ := ctx.Value(callStateKey{}).(*callState)
	if state == nil {
		state = &callState{}
	}
	retry, judged := r.judge(ctx, state, resp, err)
	// go-retryablehttp asks after the last attempt too: only a retry that
	// would be made draws on the budget, and is waited for.
	scheduled, refused := false, false
	if retry && state.attempt < r.policy.MaxAttempts-1 {
		if !r.policy.Budget.take(!state.tracked) {
			retry, state.throttled, refused = false, true, true
		} else {
			state.tokenPending, scheduled = true, true
			state.wait = r.backoff(state.attempt, resp)
		}
	}
	// A scheduled retry makes its event even when no instrument records
	// now: an SDK installed during the wait counts the retry when it begins.
	if (observing || scheduled && r.retried != nil) && !state.probe.skipped.Load() {
		if !observing {
			end = monotonicNow()
		}
		e := attemptEvent(ctx, state, resp, err, end)
		e.Retry, e.BudgetRefused = scheduled, refused
		if scheduled {
			e.Wait = state.wait
			if r.retried != nil {
				state.retried = new(AttemptEvent)
				*state.retried = e
			}
		}
		r.observe.observe(ctx, e)
	}
	state.endAttemptSpan()
	return retry, judged
}

// judge judges an attempt's outcome, for a request not safe to repeat, and
// applies the payments-safe policy described on RetryPolicy; an answer other
// than 408, 429 and 5xx refills the retry budget.
func (r *Retry) judge(ctx context.Context, state *callState, resp *http.Response, err error) (bool, error) {
	if err == nil && !retryableStatus[resp.StatusCode] && resp.StatusCode < 500 {
		r.policy.Budget.answered()
	}
	if err == nil && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		// A success is handed back even if the context has just ended: the
		// caller reads it, and a POST whose answer cannot be read is unknown.
		state.processed = state.processed || state.tracked
		return false, nil
	}
	events := r.connEvents.Load()
	if state.probe.getConn.Load() && !events {
		r.connEvents.Store(true)
		events = true
	}
	if state.tracked && state.probe.mayHaveProcessed(resp, err, events, r.api) {
		state.processed = true
	}
	if ctx.Err() != nil {
		return false, context.Cause(ctx)
	}
	if state.lastAttempt(ctx) {
		return false, nil
	}
	if err != nil {
		if !retryableError(err) {
			return false, err
		}
		return (state.eligible || state.probe.neverSent(err, events)) && r.inTime(ctx, state, nil), nil
	}
	if !state.eligible || !retryableStatus[resp.StatusCode] {
		return false, nil
	}
	if wait, ok := retryAfter(resp); ok && wait > r.policy.MaxRetryAfter {
		return false, nil
	}
	return r.inTime(ctx, state, resp), nil
}

// inTime reports whether the longest wait before the next attempt (resp's
// Retry-After, or the backoff's ceiling) still ends before the call's
// deadline and the context's.
func (r *Retry) inTime(ctx context.Context, state *callState, resp *http.Response) bool {
	ctxDeadline, hasCtxDeadline := ctx.Deadline()
	if state.deadline.IsZero() && !hasCtxDeadline {
		return true
	}
	wait := r.ceiling(state.attempt)
	if resp != nil {
		if after, ok := retryAfter(resp); ok {
			wait = after
		}
	}
	next := time.Now().Add(wait)
	return (state.deadline.IsZero() || next.Before(state.deadline)) && (!hasCtxDeadline || next.Before(ctxDeadline))
}

// ceiling is the longest backoff after the attempt-th attempt (0 for the
// first).
func (r *Retry) ceiling(attempt int) time.Duration {
	d, most := r.policy.BaseDelay, r.policy.MaxDelay
	for ; attempt > 0 && d < most; attempt-- {
		if d > most/2 {
			return most
		}
		d *= 2
	}
	return min(d, most)
}

// noWait is go-retryablehttp's Backoff: the Retry waits in prepareRetry.
func noWait(_, _ time.Duration, _ int, _ *http.Response) time.Duration { return 0 }

// backoff is the wait after the attempt-th attempt (0 for the first): what
// Retry-After asks (already capped by judge), or an exponential delay with
// full jitter.
func (r *Retry) backoff(attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if wait, ok := retryAfter(resp); ok {
			return wait
		}
	}
	return rand.N(r.ceiling(attempt) + 1)
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(resp *http.Response) (time.Duration, bool) {
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(time.Duration(1<<62)/time.Second) {
			return time.Duration(1 << 62), true
		}
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(time.Until(at), 0), true
	}
	return 0, false
}

// retryableError rules out errors another attempt cannot fix.
func retryableError(err error) bool {
	var certErr *x509.CertificateInvalidError
	var unknownAuthority x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	switch {
	case errors.As(err, &certErr), errors.As(err, &unknownAuthority), errors.As(err, &hostErr):
		return false
	case errors.Is(err, ErrBlankIdempotencyKey):
		return false
	}
	msg := err.Error()
	return !strings.Contains(msg, "unsupported protocol scheme") && !strings.Contains(msg, "stopped after") &&
		!strings.Contains(msg, "invalid header")
}

// isDialError reports whether err is a failed dial (DNS failure, connection
// refused): the connection was never made.
func isDialError(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

// lastOutcome hands back what the last attempt produced: its answer, body
// intact, or its error.
func lastOutcome(resp *http.Response, err error, _ int) (*http.Response, error) {
	if err != nil && resp != nil {
		drainAndClose(resp.Body)
		return nil, err
	}
	return resp, err
}

// unwrapURLError removes the *url.Error that the retry loop's own http.Client
// adds, since the caller's http.Client adds its own.
func unwrapURLError(err error) error {
	if u, ok := err.(*url.Error); ok && u.Err != nil {
		return u.Err
	}
	return err
}

// attempt sends one attempt: watched by the call's probe when its outcome is
// tracked, and bounded by the policy's AttemptTimeout or the call's deadline,
// whichever comes first, its answer's body included (see deadlines: no timer
// of its own), and not at all when the context's own deadline comes first.
// It also hides CloseIdleConnections from go-retryablehttp, which calls it
// whenever it gives up: closing the shared pool would cost every other call its
// warm connection.
type attempt struct {
	next    http.RoundTripper
	timeout time.Duration
	bounds  *deadlines // the Retry's attempts in flight, by bound
}

func (a attempt) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	s := stateOf(ctx)
	if err := context.Cause(ctx); err != nil {
		// Ended before the attempt began: it sends nothing.
		closeBody(req)
		if s != nil {
			s.probe.skipped.Store(true)
		}
		return nil, err
	}
	var deadline time.Time
	cause := errAttemptTimeout
	if a.timeout > 0 {
		deadline = time.Now().Add(a.timeout)
	}
	if s != nil && !s.deadline.IsZero() && (deadline.IsZero() || s.deadline.Before(deadline)) {
		deadline, cause = s.deadline, errCallTimeout
	}
	// A tracked attempt is watched by the call's probe: through the bound's
	// context when there is one and nothing else traces the call, else
	// through a context of its own.
	traced := s != nil && s.tracked
	bounded := s != nil && !deadline.IsZero()
	if earlier, ok := ctx.Deadline(); bounded && ok && !earlier.After(deadline) {
		bounded = false // the context's own comes first: none of ours
	}
	if traced && (!bounded || traceKey == nil || httptrace.ContextClientTrace(ctx) != nil) {
		ctx, traced = s.probe.watch(ctx), false
	}
	if !bounded {
		if ctx != req.Context() {
			req = req.WithContext(ctx)
		}
		return a.next.RoundTrip(req)
	}
	bound := s.attemptContext()
	bound.trace = nil
	if traced {
		bound.trace = s.probe.hooks()
	}
	bound.start(ctx, s, deadline, cause, a.bounds)
	req = req.WithContext(bound)
	s.send = req // no one else holds it: an authenticator may add to it (forHeaders)
	resp, err := a.next.RoundTrip(req)
	s.send = nil
	switch {
	case err != nil:
		bound.release()
		return nil, bound.timeoutCause(err)
	case resp == nil:
		// Not an answer: the caller says so (see send).
		bound.release()
		return nil, nil
	}
	return bound.bind(resp), nil
}

// The causes of an attempt cut short by AttemptTimeout or by the call's
// deadline; both are a context.DeadlineExceeded.
var (
	errAttemptTimeout error = timeoutError("attempt timed out (RetryPolicy.AttemptTimeout)")
	errCallTimeout    error = timeoutError("call timed out (RetryPolicy.CallTimeout)")
)

type timeoutError string

func (e timeoutError) Error() string        { return "middleware: " + string(e) }
func (e timeoutError) Timeout() bool        { return true }
func (e timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }
