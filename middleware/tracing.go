package middleware

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"syscall"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/d24go/d24/internal/version"
)

// tracerName is the instrumentation scope of the SDK's spans.
const tracerName = "github.com/d24go/d24/middleware"

// Span attributes beyond OpenTelemetry's HTTP conventions. The call span
// also carries the API's own (see API): <name>.operation, the operation it
// stands for (createCardDeposit); <name>.attempts, the attempts it made; and,
// when the API answered with its error body, <name>.error.code and
// <name>.error.type (102, INVALID_SIGNATURE), on attempt spans too.
const (
	// AttrRetryBudgetExhausted is set (true) on a call span, and on the span of
	// its last attempt, when the retry budget refused the retry the policy
	// would have made.
	AttrRetryBudgetExhausted = attribute.Key("retry.budget.exhausted")
)

type tracing struct {
	provider   trace.TracerProvider
	propagator propagation.TextMapPropagator
	tracer     trace.Tracer
	api        API
	attrs      apiAttrs
}

// WithTracerProvider sets where spans go (otel.GetTracerProvider() by default).
func WithTracerProvider(tp trace.TracerProvider) TracingOption {
	return tracingOption(func(t *tracing) { t.provider = tp })
}

// WithPropagation injects the attempt span's trace context into each outgoing
// request with p (for example propagation.TraceContext{}). Off by default: an
// API may not use it, and a caller may not want to tell the API its trace
// IDs.
func WithPropagation(p propagation.TextMapPropagator) TracingOption {
	return tracingOption(func(t *tracing) { t.propagator = p })
}

func newTracing(opts []TracingOption) *tracing {
	t := &tracing{}
	for _, o := range opts {
		o.applyTracing(t)
	}
	t.attrs = t.api.attrs()
	if t.provider == nil {
		t.provider = otel.GetTracerProvider()
	}
	t.tracer = t.provider.Tracer(tracerName, trace.WithInstrumentationVersion(version.Version), trace.WithSchemaURL(semconv.SchemaURL))
	return t
}

// noop reports whether spans go to a provider known to drop them all, so the
// span layers can stay out of the chain. (The global provider is not: an SDK
// may be installed behind it later.)
func (t *tracing) noop() bool {
	_, ok := t.provider.(noop.TracerProvider)
	return ok
}

// operationFrom is the operation StartCall named the call of ctx by, or "".
func operationFrom(ctx context.Context) string {
	if s := stateOf(ctx); s != nil {
		return s.operation
	}
	return ""
}

// spanLayer is what both span middlewares hold.
type spanLayer struct {
	next http.RoundTripper
	t    *tracing
}

func newSpanLayer(next http.RoundTripper, opts []TracingOption) spanLayer {
	return spanLayer{next: orDefault(next), t: newTracing(opts)}
}

// CallTracing records one span per logical call, whatever number of attempts
// it takes. Put it outermost.
type CallTracing struct{ spanLayer }

// NewCallTracing returns the call-span middleware around next.
func NewCallTracing(next http.RoundTripper, opts ...TracingOption) *CallTracing {
	return &CallTracing{newSpanLayer(next, opts)}
}

// RoundTrip records the call's span around the rest of the chain.
func (c *CallTracing) RoundTrip(req *http.Request) (*http.Response, error) {
	op := operationFrom(req.Context())
	name := op
	if name == "" {
		name = req.Method
	}
	ctx, span := c.t.tracer.Start(req.Context(), name, internalSpan...)
	if !span.IsRecording() {
		defer span.End()
		return c.next.RoundTrip(req)
	}
	state, ctx := stateFrom(ctx)
	state.namedByOp = op != ""
	state.span = span
	if op == "" {
		span.SetName(req.Method + " " + redactPath(req.URL.Path))
	} else {
		span.SetAttributes(c.t.attrs.operation.String(op))
	}
	span.SetAttributes(requestAttributes(req)...)
	resp, err := c.next.RoundTrip(req.WithContext(ctx))
	if !state.namedByOp && state.validatedOp != "" {
		// Named by the operation the Validator recognised.
		span.SetName(state.validatedOp)
		span.SetAttributes(c.t.attrs.operation.String(state.validatedOp))
	}
	span.SetAttributes(c.t.attrs.attempts.Int(state.attempt + 1))
	if state.throttled {
		span.SetAttributes(AttrRetryBudgetExhausted.Bool(true))
	}
	c.t.recordOutcome(ctx, span, resp, err)
	if resp == nil || resp.Body == nil {
		span.End()
		return resp, err
	}
	// The call ends when its answer has been read: until then the caller can
	// still find it is not an answer (RecordCallError).
	resp.Body = &endSpanOnClose{ReadCloser: resp.Body, span: span}
	return resp, err
}

// endSpanOnClose ends the call span when the answer's body is closed.
type endSpanOnClose struct {
	io.ReadCloser
	span trace.Span
	once sync.Once
}

func (b *endSpanOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(func() { b.span.End() })
	return err
}

// RecordCallError marks the call of ctx (a StartCall context) as failed on its
// call span, with error.type errorType, when the answer the chain handed back
// turns out not to be a success after all (a 2xx that is not the operation's
// answer, say). Call it before closing the answer's body, which ends the span.
func RecordCallError(ctx context.Context, errorType string) {
	if s, ok := ctx.Value(callStateKey{}).(*callState); ok && s.span != nil && s.span.IsRecording() {
		s.span.SetAttributes(semconv.ErrorTypeKey.String(errorType))
		s.span.SetStatus(codes.Error, errorType)
	}
}

// AttemptTracing records one client span per attempt, with
// http.request.resend_count on retries. Put it inside the retry loop.
type AttemptTracing struct{ spanLayer }

// NewAttemptTracing returns the attempt-span middleware around next.
func NewAttemptTracing(next http.RoundTripper, opts ...TracingOption) *AttemptTracing {
	return &AttemptTracing{newSpanLayer(next, opts)}
}

// RoundTrip records the attempt's span around the rest of the chain.
func (a *AttemptTracing) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, span := a.t.tracer.Start(req.Context(), req.Method, clientSpan...)
	recording := span.IsRecording()
	if s, ok := ctx.Value(callStateKey{}).(*callState); ok && s.judging && recording {
		// The Retry ends it once it has judged the attempt, so that a retry
		// its budget refuses can be recorded on it.
		s.endAttemptSpan()
		s.attemptSpan = span
	} else {
		defer span.End()
	}
	if recording {
		attrs := requestAttributes(req)
		if n := Attempt(ctx); n > 0 {
			attrs = append(attrs, semconv.HTTPRequestResendCount(n))
		}
		if s, ok := ctx.Value(callStateKey{}).(*callState); ok && s.route != "" {
			span.SetName(req.Method + " " + s.route)
			attrs = append(attrs, semconv.URLTemplate(s.route))
		}
		span.SetAttributes(attrs...)
	}
	if a.t.propagator != nil {
		req = req.Clone(ctx)
		a.t.propagator.Inject(ctx, propagation.HeaderCarrier(req.Header))
	} else if recording {
		req = req.WithContext(ctx)
	}
	resp, err := a.next.RoundTrip(req)
	if recording {
		a.t.recordOutcome(ctx, span, resp, err)
	}
	return resp, err
}

// Span start options, built once.
var (
	internalSpan = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindInternal)}
	clientSpan   = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient)}
)

// requestAttributes are the HTTP semantic conventions of a request, redacted.
func requestAttributes(req *http.Request) []attribute.KeyValue {
	attrs := make([]attribute.KeyValue, 0, 6)
	attrs = append(attrs, semconv.HTTPRequestMethodKey.String(req.Method), semconv.URLFull(RedactURL(req.URL)))
	host, port := req.URL.Hostname(), req.URL.Port()
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[req.URL.Scheme]
	}
	attrs = append(attrs, semconv.ServerAddress(host))
	if p, err := strconv.Atoi(port); err == nil {
		attrs = append(attrs, semconv.ServerPort(p))
	}
	return attrs
}

// recordOutcome sets a span's status and outcome attributes: the status code,
// error.type, and the API's error code and type (never its description or
// details, which can quote card data). A call whose outcome is unknown is
// recorded with error.type outcome_unknown and its last answer's status and
// code, if it had one.
func (t *tracing) recordOutcome(ctx context.Context, span trace.Span, resp *http.Response, err error) {
	var unknown *OutcomeUnknownError
	switch {
	case errors.As(err, &unknown) && unknown.StatusCode != 0:
		e, _ := t.api.parseError(unknown.Body)
		t.recordAnswer(ctx, span, unknown.StatusCode, e, "outcome_unknown")
	case err != nil:
		kind := errorType(err)
		span.SetAttributes(semconv.ErrorTypeKey.String(kind))
		span.SetStatus(codes.Error, kind)
	case resp == nil:
		// Neither an answer nor an error: the layer above says so.
	case resp.StatusCode >= 400:
		e, _ := peekAPIError(resp, t.api)
		t.recordAnswer(ctx, span, resp.StatusCode, e, "")
	default:
		span.SetAttributes(semconv.HTTPResponseStatusCode(resp.StatusCode))
	}
}

// recordAnswer records an answer that is not a success: its status, the
// API's error code and type when its body is the API's, and kind as
// error.type (the status code when kind is empty). The type is recorded only
// if it is an identifier holding none of the call's sensitive values
// (Scrubber.Token): it is the server's text.
func (t *tracing) recordAnswer(ctx context.Context, span trace.Span, status int, e ErrorBody, kind string) {
	code := strconv.Itoa(status)
	desc := "HTTP " + code
	if kind == "" {
		kind = code
	} else {
		desc = kind + ": " + desc
	}
	span.SetAttributes(semconv.HTTPResponseStatusCode(status), semconv.ErrorTypeKey.String(kind))
	if e.Code != 0 {
		span.SetAttributes(t.attrs.errorCode.Int(e.Code))
	}
	if typ := ScrubberFrom(ctx).Token(e.Type); typ != "" {
		span.SetAttributes(t.attrs.errorType.String(typ))
		if e.Code != 0 {
			desc = fmt.Sprintf("%s %d", desc, e.Code)
		}
		desc += " " + typ
	}
	span.SetStatus(codes.Error, desc)
}

// errorType names an error by kind, never by message.
func errorType(err error) string {
	var v *ValidationError
	var netErr net.Error
	var unknown *OutcomeUnknownError
	switch {
	case errors.As(err, &v):
		return "validation"
	case errors.As(err, &unknown):
		return "outcome_unknown"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case isDialError(err):
		return "connection_failed"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		// The connection closed before the whole answer came: net/http's
		// own error values, all of one Go type.
		return "connection_closed"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection_reset"
	}
	return fmt.Sprintf("%T", err)
}
