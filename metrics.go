package d24

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/d24go/d24/internal/attrcache"
	"github.com/d24go/d24/internal/telemetry"
	"github.com/d24go/d24/internal/version"
	"github.com/d24go/d24/middleware"
)

// metricsNamespace prefixes the client's metrics: d24.client.calls,
// d24.client.call.duration, and the chain's d24.client.retries and
// d24.client.retry_budget.refusals (see WithMetrics).
const metricsNamespace = "d24.client"

// meterName is the instrumentation scope of the client's own metrics.
const meterName = "github.com/d24go/d24"

// attrOperation is the operation of a call (createCardDeposit), on its span
// and its metrics: D24's name for what middleware calls <API name>.operation.
const attrOperation = attribute.Key("d24.operation")

// attrOutcome is how a call ended (one of the outcomes below), on
// d24.client.calls and d24.client.call.duration.
const attrOutcome = attribute.Key("d24.outcome")

// The outcomes of a call, from a fixed set.
const (
	outcomeSuccess           = "success"                // D24's answer, a result
	outcomePending3DS        = "pending_authentication" // a card deposit waiting for the payer's 3DS
	outcomeCardRejected      = "card_rejected"          // a card deposit D24 answered REJECTED
	outcomeRefundRejected    = "refund_rejected"        // a card refund D24 answered REJECTED
	outcomeAPIError          = "api_error"              // D24 refused the request (*APIError)
	outcomeValidationRefused = "validation_refused"     // refused before sending (*ValidationError)
	outcomeUnknown           = "outcome_unknown"        // may have been processed (*OutcomeUnknownError)
	outcomeCanceled          = "canceled"               // the caller's context was canceled
	outcomeTimeout           = "timeout"                // a deadline passed: the context's, or the call's bound
	outcomeError             = "error"                  // anything else: the network, a redirect, an unreadable answer
)

// callMetrics records the client's calls. Its instruments are made once per
// client.
type callMetrics struct {
	calls    metric.Int64Counter
	duration metric.Float64Histogram
	sets     attrcache.Cache[callKey]
}

// callDurationBuckets are the HTTP conventions' buckets, with more above 10s:
// a call's retries and their waits take up to RetryPolicy.CallTimeout (80s).
var callDurationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80}

// newCallMetrics makes the client's instruments on the provider opts name
// (the global provider when none); nil for a noop.MeterProvider.
func newCallMetrics(opts []middleware.MetricsOption) (*callMetrics, error) {
	cfg := telemetry.Metrics{Namespace: metricsNamespace}
	for _, o := range opts {
		o(&cfg)
	}
	mp := cfg.Provider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	if _, ok := mp.(noop.MeterProvider); ok {
		return nil, nil
	}
	meter := mp.Meter(meterName, metric.WithInstrumentationVersion(version.Version), metric.WithSchemaURL(semconv.SchemaURL))
	m := &callMetrics{}
	var err error
	if m.calls, err = meter.Int64Counter(cfg.Namespace+".calls", metric.WithUnit("{call}"),
		metric.WithDescription("Calls to D24, by operation and outcome.")); err != nil {
		return nil, fmt.Errorf("d24: metrics: %w", err)
	}
	if m.duration, err = meter.Float64Histogram(cfg.Namespace+".call.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of calls to D24, every attempt and the waits between them included."),
		metric.WithExplicitBucketBoundaries(callDurationBuckets...)); err != nil {
		return nil, fmt.Errorf("d24: metrics: %w", err)
	}
	return m, nil
}

// callKey is what a call's attributes depend on: both from fixed sets.
type callKey struct{ operation, outcome string }

func callAttributes(k callKey) attribute.Set {
	return attribute.NewSet(attrOperation.String(k.operation), attrOutcome.String(k.outcome))
}

// enabled reports whether a call's measurements are recorded for ctx (not
// with no SDK behind the global provider). It is nil-safe.
func (m *callMetrics) enabled(ctx context.Context) bool {
	return m != nil && (m.calls.Enabled(ctx) || m.duration.Enabled(ctx))
}

// record records a call of operation that decoded its answer into out, or
// ended with err, after took. It is nil-safe.
func (m *callMetrics) record(ctx context.Context, operation string, out any, err error, took time.Duration) {
	if m == nil {
		return
	}
	calls, duration := m.calls.Enabled(ctx), m.duration.Enabled(ctx)
	if !calls && !duration {
		return
	}
	a := m.sets.Get(callKey{operation, callOutcome(out, err)}, callAttributes)
	if calls {
		m.calls.Add(ctx, 1, a.Add...)
	}
	if duration {
		m.duration.Record(ctx, took.Seconds(), a.Record...)
	}
}

// callOutcome classifies how a call ended.
func callOutcome(out any, err error) string {
	if err == nil {
		switch r := out.(type) {
		case *CardDepositResponse:
			switch r.PaymentInfo.Result {
			case CardResultRejected:
				return outcomeCardRejected
			case CardResultPendingAuthentication:
				return outcomePending3DS
			}
		case *RefundResponse:
			if r.RefundInfo.Result == RefundResultRejected {
				return outcomeRefundRejected
			}
		}
		return outcomeSuccess
	}
	var unknown *OutcomeUnknownError
	var invalid *ValidationError
	var apiErr *APIError
	var netErr net.Error
	switch {
	case errors.As(err, &unknown):
		return outcomeUnknown
	case errors.As(err, &invalid):
		return outcomeValidationRefused
	case errors.As(err, &apiErr):
		return outcomeAPIError
	case errors.Is(err, context.Canceled):
		return outcomeCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return outcomeTimeout
	}
	return outcomeError
}
