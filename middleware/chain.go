package middleware

import (
	"errors"
	"net/http"
	"reflect"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

type chainConfig struct {
	transport http.RoundTripper
	doc       *openapi3.T
	formats   map[string]openapi3.StringFormatValidator
	retry     RetryPolicy
	keyFunc   KeyFunc
	tracing   []TracingOption
	clock     func() time.Time
	api       *API
	auth      Authenticator
	noTracing bool
	metrics   []MetricsOption
	observers observers
}

// WithTransport sets the RoundTripper that finally sends each attempt
// (http.DefaultTransport by default).
func WithTransport(rt http.RoundTripper) Option {
	return chainOption(func(c *chainConfig) { c.transport = rt })
}

// WithDocument turns on request validation against doc (see Validator).
// formats, optional, add rules to the document's own: a string of a format
// named in them must pass both (see WithStringFormats).
func WithDocument(doc *openapi3.T, formats ...map[string]openapi3.StringFormatValidator) Option {
	return chainOption(func(c *chainConfig) {
		c.doc = doc
		for _, f := range formats {
			c.formats = mergeFormats(c.formats, f)
		}
	})
}

// WithRetryPolicy sets the retry policy (DefaultRetryPolicy by default).
func WithRetryPolicy(p RetryPolicy) Option {
	return chainOption(func(c *chainConfig) { c.retry = p })
}

// WithIdempotencyKeyFunc derives idempotency keys from requests (for example
// KeyFromJSONField("invoice_id")) instead of choosing random ones.
func WithIdempotencyKeyFunc(f KeyFunc) Option {
	return chainOption(func(c *chainConfig) { c.keyFunc = f })
}

// WithTracing passes options to both tracing middlewares, for example
// WithTracerProvider(tp) or WithPropagation(propagation.TraceContext{}).
func WithTracing(opts ...TracingOption) Option {
	return chainOption(func(c *chainConfig) { c.tracing = append(c.tracing, opts...) })
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
//   - <namespace>.retries (counter, {retry}): the retries made, each
//     counted when it begins (one scheduled and never begun, its context
//     ended during the wait, is not), with the attributes of the attempt
//     that was retried;
//   - <namespace>.retry_budget.refusals (counter, {retry}): the retries the
//     policy would have made and the retry budget refused, with the
//     attributes of the attempt that was not retried.
//
// The namespace is DefaultMetricsNamespace unless WithMetricsNamespace sets
// another. Every attribute comes from a small set: no ID, path, query or
// amount.
func WithMetrics(opts ...MetricsOption) Option {
	return chainOption(func(c *chainConfig) { c.metrics = append(c.metrics, opts...) })
}

// WithoutTracing leaves both span middlewares out of the chain.
func WithoutTracing() Option {
	return chainOption(func(c *chainConfig) { c.noTracing = true })
}

// Authenticator builds a chain's authentication step around next, the layer
// that sends each attempt: it is the innermost layer, run for every attempt,
// so that a signature it makes is fresh on each. NewSigner and NewBearer are
// two; an API's own scheme plugs in the same way:
//
//	middleware.WithAuthenticator(func(next http.RoundTripper) (http.RoundTripper, error) {
//		return &acmeSigner{key: key, next: next}, nil
//	})
//
// An authenticator that holds a key should declare it on each call
// (WithSensitive), so that no record of the call holds it.
type Authenticator func(next http.RoundTripper) (http.RoundTripper, error)

// WithAuthenticator sets the chain's authentication step instead of D24's
// Signer (see Authenticator); NewChain's login and secret must then be empty.
func WithAuthenticator(a Authenticator) Option {
	return chainOption(func(c *chainConfig) { c.auth = a })
}

// SignerAuth is the Authenticator of D24's request signature (NewSigner).
func SignerAuth(login, secret string, opts ...SignerOption) Authenticator {
	return func(next http.RoundTripper) (http.RoundTripper, error) {
		return NewSigner(login, secret, next, opts...)
	}
}

// BearerAuth is the Authenticator that sends `Authorization: Bearer <token>`
// (NewBearer).
func BearerAuth(token string) Authenticator {
	return func(next http.RoundTripper) (http.RoundTripper, error) { return NewBearer(token, next) }
}

// errAuthenticatorAndCredentials refuses a chain given both D24's credentials
// and another authenticator: which one signs would not be obvious.
var errAuthenticatorAndCredentials = errors.New("middleware: NewChain: login and secret are the default Signer's; with WithAuthenticator leave them empty")

// NewChain builds the middleware chain, outermost first:
//
//	call span -> validation -> idempotency -> retry -> attempt span -> authentication -> transport
//
// By default it calls D24: it signs with D24's Signer for the merchant's
// login and secret key and describes the API as D24() does. For any other
// API, give its authentication step (WithAuthenticator, login and secret
// empty) and its description (WithAPI). Validation is on when WithDocument
// gives a document. Under any oapi-codegen client:
//
//	rt, err := middleware.NewChain(login, secret, middleware.WithDocument(doc))
//	client, err := pci.NewClient(baseURL, pci.WithHTTPClient(&http.Client{
//		Transport:     rt,
//		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
//	}))
func NewChain(login, secret string, opts ...Option) (http.RoundTripper, error) {
	c := chainConfig{}
	for _, o := range opts {
		o.applyChain(&c)
	}
	if c.auth == nil {
		c.auth = SignerAuth(login, secret, WithClock(c.clock))
		if c.api == nil {
			d := D24()
			c.api = &d
		}
	} else if login != "" || secret != "" {
		return nil, errAuthenticatorAndCredentials
	}
	if c.api == nil {
		c.api = &API{}
	}
	return newChain(c)
}

// newChain orders the layers around the authenticator.
func newChain(c chainConfig) (http.RoundTripper, error) {
	api := *c.api
	rt, err := c.auth(orDefault(c.transport))
	if err != nil {
		return nil, err
	}
	if rt == nil || isNilPointer(rt) {
		return nil, errors.New("middleware: NewChain: the authenticator returned no RoundTripper")
	}
	tracingOpts := append([]TracingOption{WithAPI(api)}, c.tracing...)
	tracing := !c.noTracing && !newTracing(tracingOpts).noop()
	if tracing {
		rt = NewAttemptTracing(rt, tracingOpts...)
	}
	metrics, err := newAttemptMetrics(c.metrics)
	if err != nil {
		return nil, err
	}
	retry := newRetry(rt, c.retry, c.transport, api)
	if metrics != nil {
		retry.observe = append(retry.observe, metrics.observe)
		retry.retried = metrics.retry
		if len(c.observers) == 0 {
			retry.watching = metrics.enabled
		}
	}
	retry.observe = append(retry.observe, c.observers...)
	rt = NewIdempotency(retry, c.keyFunc, WithAPI(api))
	if c.doc != nil {
		if rt, err = NewValidator(c.doc, rt, WithStringFormats(c.formats), WithClock(c.clock), WithAPI(api)); err != nil {
			return nil, err
		}
	}
	if tracing {
		rt = NewCallTracing(rt, tracingOpts...)
	}
	return rt, nil
}

// isNilPointer reports whether rt holds a nil pointer (a typed nil, which
// would panic on the first call).
func isNilPointer(rt http.RoundTripper) bool {
	v := reflect.ValueOf(rt)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
