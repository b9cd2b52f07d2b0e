package d24

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/d24go/d24/middleware"
)

// Option configures New.
type Option func(*options)

type options struct {
	transport   http.RoundTripper
	httpTimeout time.Duration
	tracing     []middleware.TracingOption
	metrics     []middleware.MetricsOption
	retry       RetryPolicy
	keyFunc     KeyFunc
	logger      *slog.Logger
	clock       func() time.Time
	userAgent   string
}

// RetryPolicy says when and how calls are retried, and how long they may take
// (see middleware.RetryPolicy): 3 attempts, a 250ms base backoff, 30s per
// attempt and 80s per call by default; its zero fields take their defaults.
// Retries draw from a retry budget (middleware.RetryBudget) that the client's
// hosts share: 100 retries, one earned back per five answered attempts, so an
// outage of D24 is not multiplied by the retries.
type RetryPolicy = middleware.RetryPolicy

// KeyFunc derives an idempotency key from a request (carrying the call's
// context) and its body (see middleware.KeyFunc).
type KeyFunc = middleware.KeyFunc

// KeyFromInvoiceID derives each deposit creation's idempotency key from its
// invoice_id alone, so that D24 refuses (104) a second deposit under the same
// invoice_id even when its body differs, instead of creating it. Refunds keep
// the default key, derived from the whole request.
//
// By default (without this option) every POST's key is derived from the
// operation and its exact body: the same request sent again, by a restarted
// process or another replica, carries the same key.
func KeyFromInvoiceID() KeyFunc {
	byInvoice := middleware.KeyFromJSONField("invoice_id")
	return func(req *http.Request, body []byte) (string, error) {
		if !strings.HasSuffix(req.URL.Path, "/v3/deposits") {
			return "", nil
		}
		return byInvoice(req, body)
	}
}

// WithTransport sets the RoundTripper under the middleware chain
// (DefaultTransport() by default).
func WithTransport(rt http.RoundTripper) Option { return func(o *options) { o.transport = rt } }

// WithHTTPClient takes the transport of c, and its Timeout, when set, as
// RetryPolicy.CallTimeout (unless WithRetryPolicy sets one). Its redirect
// policy is not used: a signed request never follows a redirect.
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) { o.transport, o.httpTimeout = c.Transport, c.Timeout }
}

// WithTracing configures the client's spans with the options of package
// middleware, the same the chain takes: middleware.WithTracerProvider(tp) for
// where spans go (the global provider by default), and
// middleware.WithPropagation(p) to send the attempt span's trace context to
// D24 (off by default). Each call records a call span and a span per attempt
// (see middleware.WithTracing), with D24's attributes d24.operation,
// d24.attempts, d24.error.code and d24.error.type.
func WithTracing(opts ...middleware.TracingOption) Option {
	return func(o *options) { o.tracing = append(o.tracing, opts...) }
}

// WithMetrics configures the client's metrics with the options of package
// middleware, the same the chain takes: middleware.WithMeterProvider(mp) for
// where they go (the global provider by default; a noop.MeterProvider turns
// them off at no cost). Each call adds one to d24.client.calls and records
// d24.client.call.duration (seconds, the retries and their waits included),
// with d24.operation (createCardDeposit, getDeposit, ...) and d24.outcome:
// success, pending_authentication (a card deposit waiting for the payer's
// 3DS), card_rejected (a card deposit answered REJECTED), refund_rejected
// (a card refund answered REJECTED), api_error (D24 refused it),
// validation_refused (refused before sending), outcome_unknown (it may have
// been processed: see OutcomeUnknownError), canceled, timeout or error (the
// network, a redirect, an unreadable answer); a call refused before its
// request was built (a nil context, say) is counted too. Each attempt
// records http.client.request.duration, and each retry as it begins and each
// retry the budget refused adds to d24.client.retries and d24.client.retry_budget.refusals
// (see middleware.WithMetrics for their attributes). No attribute holds an
// ID, an amount or a URL's path. middleware.WithMetricsNamespace(ns) names
// them all ns.calls, ns.call.duration, ns.retries and so on instead.
func WithMetrics(opts ...middleware.MetricsOption) Option {
	return func(o *options) { o.metrics = append(o.metrics, opts...) }
}

// WithRetryPolicy sets the retry policy and the calls' bounds (3 attempts,
// 250ms base backoff, 30s per attempt, 80s per call by default).
func WithRetryPolicy(p RetryPolicy) Option { return func(o *options) { o.retry = p } }

// WithIdempotencyKeyFunc derives idempotency keys with f instead of from the
// whole request (the default), for example KeyFromInvoiceID(). A key f leaves
// empty is random.
func WithIdempotencyKeyFunc(f KeyFunc) Option { return func(o *options) { o.keyFunc = f } }

// WithLogger logs each call (operation, status, duration, IDs; never a body, a
// header or card data) at debug level, and failures at warn level; and, at
// debug level, each retry: the operation, the number of the attempt retried,
// its status or the kind of its error (never its text), and the wait before
// the next attempt.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithClock sets the clock used for X-Date and for card expiry checks.
func WithClock(now func() time.Time) Option { return func(o *options) { o.clock = now } }
