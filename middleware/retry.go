package middleware

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// RetryPolicy says when and how a call is tried again. The zero value of any
// field takes its default.
//
// A request is retried only if repeating it cannot charge twice: GET and HEAD,
// and POST with an X-Idempotency-Key. It is retried on connection errors and on
// 408, 429, 500, 502, 503 and 504; any other answer is final. A POST without a
// key is retried only when the connection was never made (its bytes cannot have
// left).
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
	// AttemptTimeout bounds one attempt, reading its answer included (no bound by
	// default: the caller's context bounds the call).
	AttemptTimeout time.Duration
}

// DefaultRetryPolicy returns the policy NewRetry uses for zero fields.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 3, BaseDelay: 250 * time.Millisecond, MaxDelay: 5 * time.Second, MaxRetryAfter: 30 * time.Second}
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

// RetryableStatus reports whether an answer with this status is worth another
// attempt (408, 429, 500, 502, 503, 504); after one, a POST's outcome is unknown.
func RetryableStatus(code int) bool { return retryableStatus[code] }

// Retry retries calls under a RetryPolicy, on go-retryablehttp. When it gives
// up, the caller gets the last answer with its body intact, or the last error
// with its cause (errors.Is and errors.As see through it).
type Retry struct {
	policy RetryPolicy
	client *retryablehttp.Client
}

// NewRetry returns the retry middleware around next.
func NewRetry(next http.RoundTripper, policy RetryPolicy) *Retry {
	p := policy.withDefaults()
	var inner http.RoundTripper = keepIdle{orDefault(next)}
	if p.AttemptTimeout > 0 {
		inner = attemptTimeout{next: inner, timeout: p.AttemptTimeout}
	}
	r := &Retry{policy: p}
	r.client = &retryablehttp.Client{
		HTTPClient: &http.Client{
			Transport: inner,
			// A redirect is returned, never followed: it would carry a signed body,
			// card data included, to another place.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		RetryWaitMin:   p.BaseDelay,
		RetryWaitMax:   p.MaxDelay,
		RetryMax:       p.MaxAttempts - 1,
		CheckRetry:     r.checkRetry,
		Backoff:        r.backoff,
		RequestLogHook: countAttempt,
		ErrorHandler:   lastOutcome,
		PrepareRetry:   rewindBody,
	}
	return r
}

// RoundTrip sends req, retrying as the policy allows.
func (r *Retry) RoundTrip(req *http.Request) (*http.Response, error) {
	state, ctx := stateFrom(req.Context())
	state.eligible = retryEligible(req)
	if ctx != req.Context() {
		req = req.WithContext(ctx)
	}
	rreq := &retryablehttp.Request{Request: req}
	if err := setBody(rreq, req); err != nil {
		return nil, err
	}
	resp, err := r.client.Do(rreq)
	if err != nil {
		if resp != nil {
			drainAndClose(resp.Body)
		}
		return nil, unwrapURLError(err)
	}
	return resp, nil
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

// rewindBody gives a retry a fresh body. go-retryablehttp calls it before every
// attempt but the first.
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

// retryEligible reports whether repeating req cannot charge twice.
func retryEligible(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return strings.TrimSpace(req.Header.Get(HeaderIdempotencyKey)) != ""
}

func countAttempt(_ retryablehttp.Logger, req *http.Request, attempt int) {
	if s, ok := req.Context().Value(callStateKey{}).(*callState); ok {
		s.attempt = attempt
	}
}

// checkRetry is the payments-safe policy described on RetryPolicy.
func (r *Retry) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, context.Cause(ctx)
	}
	state, _ := ctx.Value(callStateKey{}).(*callState)
	eligible := state != nil && state.eligible
	if err != nil {
		if !retryableError(err) {
			return false, err
		}
		return eligible || neverSent(err), nil
	}
	if !eligible || !retryableStatus[resp.StatusCode] {
		return false, nil
	}
	if wait, ok := retryAfter(resp); ok && wait > r.policy.MaxRetryAfter {
		return false, nil
	}
	return true, nil
}

// backoff waits what Retry-After asks (already capped by checkRetry), or an
// exponential delay with full jitter.
func (r *Retry) backoff(base, max time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if wait, ok := retryAfter(resp); ok {
			return wait
		}
	}
	ceiling := max
	if attempt < 30 && base<<attempt < max {
		ceiling = base << attempt
	}
	return rand.N(ceiling + 1)
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

// NeverSent reports whether err proves a request never left the process: the
// connection could not be made at all (DNS failure, connection refused), or
// validation refused it. A POST that failed otherwise may have been processed.
func NeverSent(err error) bool {
	var v *ValidationError
	if errors.As(err, &v) || errors.Is(err, ErrBlankIdempotencyKey) {
		return true
	}
	return neverSent(err)
}

// neverSent reports whether err proves the connection was never made.
func neverSent(err error) bool {
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
	type unwrapper interface{ Unwrap() error }
	if u, ok := err.(interface {
		unwrapper
		Timeout() bool
		Temporary() bool
	}); ok {
		if inner := u.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

// keepIdle hides CloseIdleConnections from go-retryablehttp, which calls it
// whenever it gives up: closing the shared pool would cost every other call its
// warm connection.
type keepIdle struct{ rt http.RoundTripper }

func (k keepIdle) RoundTrip(r *http.Request) (*http.Response, error) { return k.rt.RoundTrip(r) }

// attemptTimeout bounds one attempt, its answer's body included.
type attemptTimeout struct {
	next    http.RoundTripper
	timeout time.Duration
}

func (a attemptTimeout) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeoutCause(req.Context(), a.timeout, errAttemptTimeout)
	resp, err := a.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// errAttemptTimeout is the cause of an attempt cut short by AttemptTimeout.
var errAttemptTimeout = errors.New("d24 middleware: attempt timed out")

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
