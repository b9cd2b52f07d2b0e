package d24

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/d24go/d24/middleware"
)

// Option configures New.
type Option func(*options)

type options struct {
	transport  http.RoundTripper
	timeout    time.Duration
	tracer     trace.TracerProvider
	propagator propagation.TextMapPropagator
	retry      RetryPolicy
	keyFunc    KeyFunc
	logger     *slog.Logger
	clock      func() time.Time
}

// RetryPolicy says when and how calls are retried (see middleware.RetryPolicy).
type RetryPolicy = middleware.RetryPolicy

// KeyFunc derives an idempotency key from a request and its body (see
// middleware.KeyFunc and KeyFromInvoiceID).
type KeyFunc = middleware.KeyFunc

// KeyFromInvoiceID derives each deposit creation's idempotency key from its
// invoice_id, so a restarted process or another replica re-sending the same
// deposit sends the same key and D24 cannot create it twice. Refunds keep
// random keys: two partial refunds of one invoice are two refunds, and a key
// derived from the invoice would make D24 replay the first instead.
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

// WithHTTPClient takes the transport and timeout of c. Its redirect policy is
// not used: a signed request never follows a redirect.
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) {
		o.transport, o.timeout = c.Transport, c.Timeout
	}
}

// WithTracerProvider sets where spans go (the global provider by default).
func WithTracerProvider(tp trace.TracerProvider) Option { return func(o *options) { o.tracer = tp } }

// WithPropagation sends the attempt span's trace context to D24 with p (off by
// default).
func WithPropagation(p propagation.TextMapPropagator) Option {
	return func(o *options) { o.propagator = p }
}

// WithRetryPolicy sets the retry policy (3 attempts, 250ms base backoff by
// default).
func WithRetryPolicy(p RetryPolicy) Option { return func(o *options) { o.retry = p } }

// WithIdempotencyKeyFunc derives idempotency keys instead of choosing random
// ones, for example KeyFromInvoiceID().
func WithIdempotencyKeyFunc(f KeyFunc) Option { return func(o *options) { o.keyFunc = f } }

// WithLogger logs each call (operation, status, duration, IDs; never a body, a
// header or card data) at debug level, and failures at warn level.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithClock sets the clock used for X-Date and for card expiry checks.
func WithClock(now func() time.Time) Option { return func(o *options) { o.clock = now } }
