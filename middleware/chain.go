package middleware

import (
	"net/http"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// Option configures NewChain.
type Option func(*chainConfig)

type chainConfig struct {
	transport http.RoundTripper
	doc       *openapi3.T
	retry     RetryPolicy
	keyFunc   KeyFunc
	tracing   []TracingOption
	clock     func() time.Time
	formats   map[string]openapi3.StringFormatValidator
	noTracing bool
	metrics   []MetricsOption
	observers observers
}

// WithTransport sets the RoundTripper that finally sends each attempt
// (http.DefaultTransport by default).
func WithTransport(rt http.RoundTripper) Option {
	return func(c *chainConfig) { c.transport = rt }
}

// WithDocument turns on request validation against doc (see Validator).
// formats, optional, are the document's own string format validators for the
// validator's fast path (see WithStringFormats).
func WithDocument(doc *openapi3.T, formats ...map[string]openapi3.StringFormatValidator) Option {
	return func(c *chainConfig) {
		c.doc = doc
		for _, f := range formats {
			c.formats = f
		}
	}
}

// WithRetryPolicy sets the retry policy (DefaultRetryPolicy by default).
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *chainConfig) { c.retry = p }
}

// WithIdempotencyKeyFunc derives idempotency keys from requests (for example
// KeyFromJSONField("invoice_id")) instead of choosing random ones.
func WithIdempotencyKeyFunc(f KeyFunc) Option {
	return func(c *chainConfig) { c.keyFunc = f }
}

// WithTracing passes options to both tracing middlewares, for example
// WithTracerProvider(tp) or WithPropagation(propagation.TraceContext{}).
func WithTracing(opts ...TracingOption) Option {
	return func(c *chainConfig) { c.tracing = append(c.tracing, opts...) }
}

// WithMetrics passes options to the chain's metrics, for example
// WithMeterProvider(mp). Metrics are on by default, recorded through
// otel.GetMeterProvider() (at next to no cost while no SDK is installed
// behind it); a noop.MeterProvider leaves them out. They are recorded from
// each attempt's AttemptEvent:
//
//   - http.client.request.duration (histogram, seconds, OpenTelemetry's
//     stable HTTP client metric and its buckets): one point per attempt, with
//     http.request.method, server.address, server.port, url.scheme,
//     url.template when the Validator matched the route,
//     http.response.status_code when the attempt was answered, and error.type
//     when it failed (the status code of a 4xx or 5xx answer, the error's
//     kind otherwise);
//   - <namespace>.retries (counter, {retry}): the retries the policy
//     scheduled, with the attributes of the attempt that was retried;
//   - <namespace>.retry_budget.refusals (counter, {retry}): the retries the
//     policy would have made and the retry budget refused, with the
//     attributes of the attempt that was not retried.
//
// The namespace is DefaultMetricsNamespace unless WithMetricsNamespace sets
// another. Every attribute comes from a small set: no ID, path, query or
// amount.
func WithMetrics(opts ...MetricsOption) Option {
	return func(c *chainConfig) { c.metrics = append(c.metrics, opts...) }
}

// WithoutTracing leaves both span middlewares out of the chain.
func WithoutTracing() Option {
	return func(c *chainConfig) { c.noTracing = true }
}

// WithChainClock sets the clock used for X-Date and card expiry checks.
func WithChainClock(now func() time.Time) Option {
	return func(c *chainConfig) { c.clock = now }
}

// NewChain builds D24's middleware chain for the merchant's login and secret
// key, outermost first:
//
//	call span -> validation -> idempotency -> retry -> attempt span -> signer -> transport
//
// Validation is on when WithDocument gives a document. To use it under any
// oapi-codegen client:
//
//	rt, err := middleware.NewChain(login, secret, middleware.WithDocument(openapi.MustLoad(openapi.PCI)))
//	client, err := pci.NewClient(baseURL, pci.WithHTTPClient(&http.Client{
//		Transport:     rt,
//		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
//	}))
func NewChain(login, secret string, opts ...Option) (http.RoundTripper, error) {
	return newChain(opts, func(c chainConfig) (http.RoundTripper, error) {
		var signerOpts []SignerOption
		if c.clock != nil {
			signerOpts = append(signerOpts, WithClock(c.clock))
		}
		return NewSigner(login, secret, c.transport, signerOpts...)
	})
}

// NewReadOnlyChain builds the chain for D24's read-only lookups: the same
// layers as NewChain, with the Bearer authenticator where the Signer would be.
// The secret key is not given to it, so it cannot send it.
func NewReadOnlyChain(readOnlyKey string, opts ...Option) (http.RoundTripper, error) {
	return newChain(opts, func(c chainConfig) (http.RoundTripper, error) {
		return NewBearer(readOnlyKey, c.transport)
	})
}

// newChain orders the layers around the authenticator auth builds.
func newChain(opts []Option, auth func(chainConfig) (http.RoundTripper, error)) (http.RoundTripper, error) {
	c := chainConfig{}
	for _, o := range opts {
		o(&c)
	}
	validatorOpts := []ValidatorOption{WithStringFormats(c.formats)}
	if c.clock != nil {
		validatorOpts = append(validatorOpts, WithValidationClock(c.clock))
	}
	rt, err := auth(c)
	if err != nil {
		return nil, err
	}
	tracing := !c.noTracing && !newTracing(c.tracing).noop()
	if tracing {
		rt = NewAttemptTracing(rt, c.tracing...)
	}
	metrics, err := newAttemptMetrics(c.metrics)
	if err != nil {
		return nil, err
	}
	retry := newRetry(rt, c.retry, c.transport)
	if metrics != nil {
		retry.observe = append(retry.observe, metrics.observe)
	}
	retry.observe = append(retry.observe, c.observers...)
	rt = NewIdempotency(retry, c.keyFunc)
	if c.doc != nil {
		if rt, err = NewValidator(c.doc, rt, validatorOpts...); err != nil {
			return nil, err
		}
	}
	if tracing {
		rt = NewCallTracing(rt, c.tracing...)
	}
	return rt, nil
}
