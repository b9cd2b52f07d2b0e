package middleware

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/semconv/v1.43.0/httpconv"

	"github.com/d24go/d24/internal/attrcache"
	"github.com/d24go/d24/internal/telemetry"
	"github.com/d24go/d24/internal/version"
)

// DefaultMetricsNamespace names the chain's own counters unless
// WithMetricsNamespace sets another.
const DefaultMetricsNamespace = "http.client"

// MetricsOption configures the chain's metrics (see WithMetrics), and a
// d24.Client's (d24.WithMetrics).
type MetricsOption func(*telemetry.Metrics)

// WithMeterProvider sets where the chain's metrics go
// (otel.GetMeterProvider() by default). A noop.MeterProvider leaves them out
// of the chain, at no cost.
func WithMeterProvider(mp metric.MeterProvider) MetricsOption {
	return func(c *telemetry.Metrics) { c.Provider = mp }
}

// WithMetricsNamespace names the chain's own counters
// <namespace>.retries and <namespace>.retry_budget.refusals
// (DefaultMetricsNamespace by default). http.client.request.duration keeps
// its semantic-convention name.
func WithMetricsNamespace(namespace string) MetricsOption {
	return func(c *telemetry.Metrics) { c.Namespace = namespace }
}

// attemptMetrics records the chain's metrics from its AttemptEvents. Its
// instruments are made once per chain.
type attemptMetrics struct {
	duration httpconv.ClientRequestDuration
	retries  metric.Int64Counter
	refusals metric.Int64Counter
	sets     attrcache.Cache[attemptKey]
}

// newAttemptMetrics makes the chain's instruments; nil when the provider is a
// noop.MeterProvider.
func newAttemptMetrics(opts []MetricsOption) (*attemptMetrics, error) {
	c := telemetry.Metrics{Namespace: DefaultMetricsNamespace}
	for _, o := range opts {
		o(&c)
	}
	if c.Provider == nil {
		c.Provider = otel.GetMeterProvider()
	}
	if _, ok := c.Provider.(noop.MeterProvider); ok {
		return nil, nil
	}
	meter := c.Provider.Meter(tracerName, metric.WithInstrumentationVersion(version.Version),
		metric.WithSchemaURL(semconv.SchemaURL))
	m := &attemptMetrics{sets: attrcache.Cache[attemptKey]{Max: maxAttributeSets}}
	var err error
	if m.duration, err = httpconv.NewClientRequestDuration(meter); err != nil {
		return nil, fmt.Errorf("middleware: metrics: %w", err)
	}
	if m.retries, err = meter.Int64Counter(c.Namespace+".retries", metric.WithUnit("{retry}"),
		metric.WithDescription("Retries the retry policy scheduled, by the attempt that was retried.")); err != nil {
		return nil, fmt.Errorf("middleware: metrics: %w", err)
	}
	if m.refusals, err = meter.Int64Counter(c.Namespace+".retry_budget.refusals", metric.WithUnit("{retry}"),
		metric.WithDescription("Retries the retry policy would have made and the retry budget refused.")); err != nil {
		return nil, fmt.Errorf("middleware: metrics: %w", err)
	}
	return m, nil
}

// enabled reports whether any of the chain's instruments records for ctx
// (none does with no SDK behind the global provider).
func (m *attemptMetrics) enabled(ctx context.Context) bool {
	return m.duration.Enabled(ctx) || m.retries.Enabled(ctx) || m.refusals.Enabled(ctx)
}

// observe records an attempt. When no instrument is enabled (no SDK behind
// the global provider) it does nothing more than ask.
func (m *attemptMetrics) observe(ctx context.Context, e AttemptEvent) {
	duration := m.duration.Enabled(ctx)
	refused := e.BudgetRefused && m.refusals.Enabled(ctx)
	if !duration && !refused {
		return
	}
	a := m.attributes(e)
	if duration {
		m.duration.Inst().Record(ctx, e.Duration.Seconds(), a.Record...)
	}
	if refused {
		m.refusals.Add(ctx, 1, a.Add...)
	}
}

// retry counts a retry as it begins; e is the attempt it repeats.
func (m *attemptMetrics) retry(ctx context.Context, e AttemptEvent) {
	if m.retries.Enabled(ctx) {
		m.retries.Add(ctx, 1, m.attributes(e).Add...)
	}
}

// attributes are e's attribute set, cached.
func (m *attemptMetrics) attributes(e AttemptEvent) *attrcache.Options {
	k := attemptKey{method: knownMethod(e.Method), scheme: e.Scheme, host: e.Host, route: e.Route,
		errorType: e.ErrorType, port: e.Port, status: e.StatusCode}
	return m.sets.Get(k, attemptAttributes)
}

// attemptKey is what an attempt's attributes depend on.
type attemptKey struct {
	method, scheme, host, route, errorType string
	port, status                           int
}

// maxAttributeSets bounds the cache of attribute sets; the sets beyond it are
// made per measurement (only a chain used with many hosts would get there).
const maxAttributeSets = 512

// attemptAttributes builds the semantic-convention attributes of k.
func attemptAttributes(k attemptKey) attribute.Set {
	attrs := make([]attribute.KeyValue, 0, 7)
	attrs = append(attrs, semconv.HTTPRequestMethodKey.String(k.method), semconv.ServerAddress(k.host),
		semconv.URLScheme(k.scheme))
	if k.port > 0 {
		attrs = append(attrs, semconv.ServerPort(k.port))
	}
	if k.route != "" {
		attrs = append(attrs, semconv.URLTemplate(k.route))
	}
	if k.status != 0 {
		attrs = append(attrs, semconv.HTTPResponseStatusCode(k.status))
	}
	switch {
	case k.errorType != "":
		attrs = append(attrs, semconv.ErrorTypeKey.String(k.errorType))
	case k.status >= 400:
		attrs = append(attrs, semconv.ErrorTypeKey.String(strconv.Itoa(k.status)))
	}
	return attribute.NewSet(attrs...)
}

// knownMethod is method, or "_OTHER" for a method the HTTP conventions do not
// name, so that the method cannot grow the metrics' cardinality.
func knownMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodHead,
		http.MethodPatch, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "_OTHER"
}
