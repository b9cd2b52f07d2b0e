package middleware_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/d24go/d24/middleware"
	"github.com/d24go/d24/openapi"
)

const canaryCard = "4111111111111111"

func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		m[kv.Key] = kv.Value
	}
	return m
}

// everything renders every attribute, event and status of the recorded spans.
func everything(spans []sdktrace.ReadOnlySpan) string {
	var b strings.Builder
	for _, s := range spans {
		fmt.Fprintf(&b, "%s %v %v\n", s.Name(), s.Status(), s.Attributes())
		for _, e := range s.Events() {
			fmt.Fprintf(&b, "  %s %v\n", e.Name, e.Attributes)
		}
	}
	return b.String()
}

func TestCallAndAttemptSpans(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	srv := newScript(t,
		status(503, `{"code":700,"description":"busy","type":"INTERNAL"}`),
		status(400, `{"code":102,"description":"Invalid signature","type":"INVALID_SIGNATURE","details":["creditCard.cardNumber: 411111******1111"]}`))
	rt, err := middleware.NewChain("L", "secret-canary-key",
		middleware.WithDocument(openapi.MustLoad(openapi.PCI)),
		middleware.WithTracing(middleware.WithTracerProvider(tp)),
		middleware.WithRetryPolicy(fast))
	if err != nil {
		t.Fatal(err)
	}
	// The 503 may have been processed, so the POST's outcome is unknown.
	_, err = (&http.Client{Transport: rt}).Post(srv.srv.URL+"/v3/deposits?foo=bar", "application/json", strings.NewReader(validCardDeposit))
	var unknown *middleware.OutcomeUnknownError
	if !errors.As(err, &unknown) {
		t.Fatalf("want an outcome-unknown error, got %v", err)
	}

	spans := rec.Ended()
	if len(spans) != 3 {
		t.Fatalf("want 1 call span and 2 attempt spans, got %d:\n%s", len(spans), everything(spans))
	}
	call := spans[2]
	if call.Name() != "createCardDeposit" || call.SpanKind() != trace.SpanKindInternal {
		t.Errorf("call span %q kind %v", call.Name(), call.SpanKind())
	}
	for i, a := range spans[:2] {
		if a.Parent().SpanID() != call.SpanContext().SpanID() || a.SpanKind() != trace.SpanKindClient || a.Name() != "POST /v3/deposits" {
			t.Errorf("attempt %d: %q kind %v not under the call span", i, a.Name(), a.SpanKind())
		}
		at := attrs(a)
		_, hasResend := at["http.request.resend_count"]
		if (i == 0) == hasResend || (i == 1 && at["http.request.resend_count"].AsInt64() != 1) {
			t.Errorf("attempt %d resend_count: %v", i, at["http.request.resend_count"])
		}
		if at["http.request.method"].AsString() != "POST" || at["server.address"].AsString() != "127.0.0.1" || at["server.port"].AsInt64() == 0 {
			t.Errorf("attempt %d attributes: %v", i, a.Attributes())
		}
		if u := at["url.full"].AsString(); !strings.HasSuffix(u, "/v3/deposits?foo=REDACTED") {
			t.Errorf("url.full = %q", u)
		}
	}
	if at := attrs(spans[0]); at["http.response.status_code"].AsInt64() != 503 || at["error.type"].AsString() != "503" || at["d24.error.code"].AsInt64() != 700 {
		t.Errorf("first attempt: %v", spans[0].Attributes())
	}
	at := attrs(call)
	if at["http.response.status_code"].AsInt64() != 400 || at["d24.error.code"].AsInt64() != 102 || at["error.type"].AsString() != "outcome_unknown" ||
		at["d24.error.type"].AsString() != "INVALID_SIGNATURE" || at["d24.attempts"].AsInt64() != 2 {
		t.Errorf("call span: %v", call.Attributes())
	}
	all := everything(spans)
	for _, secret := range []string{canaryCard, "secret-canary-key", "411111******1111", "987", "Authorization", "D24 "} {
		if strings.Contains(all, secret) {
			t.Errorf("spans contain %q:\n%s", secret, all)
		}
	}
}

// A request refused by validation is still one call span, with the reason
// named by kind and no value.
func TestValidationFailureSpan(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	srv := newScript(t, status(200, `{}`))
	rt, _ := middleware.NewChain("L", "S", middleware.WithDocument(openapi.MustLoad(openapi.PCI)), middleware.WithTracing(middleware.WithTracerProvider(tp)))
	bad := strings.Replace(validCardDeposit, canaryCard, "4111111111111112", 1)
	if _, err := (&http.Client{Transport: rt}).Post(srv.srv.URL+"/v3/deposits", "application/json", strings.NewReader(bad)); err == nil {
		t.Fatal("invalid card accepted")
	}
	spans := rec.Ended()
	if len(spans) != 1 || attrs(spans[0])["error.type"].AsString() != "validation" || len(srv.seen()) != 0 {
		t.Errorf("spans: %s; requests %d", everything(spans), len(srv.seen()))
	}
	if all := everything(spans); strings.Contains(all, "4111111111111112") {
		t.Errorf("card number in spans: %s", all)
	}
}

func TestPropagationIsAnOption(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	srv := newScript(t, status(200, `{}`))
	for _, propagate := range []bool{false, true} {
		opts := []middleware.TracingOption{middleware.WithTracerProvider(tp)}
		if propagate {
			opts = append(opts, middleware.WithPropagation(propagation.TraceContext{}))
		}
		rt, _ := middleware.NewChain("L", "S", middleware.WithTracing(opts...))
		resp, err := (&http.Client{Transport: rt}).Get(srv.srv.URL + "/v3/deposits/1")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	reqs := srv.seen()
	if reqs[0].header.Get("Traceparent") != "" || reqs[1].header.Get("Traceparent") == "" {
		t.Errorf("traceparent: off=%q on=%q", reqs[0].header.Get("Traceparent"), reqs[1].header.Get("Traceparent"))
	}
}

// StartCall names the call span, and each call keeps its
// own attempt count: the second call, answered at once, is not counted on top of
// the first one's retry.
func TestStartCall(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	srv := newScript(t, status(503, `{"code":700,"type":"INTERNAL"}`), status(200, `{}`))
	rt, err := middleware.NewChain("L", "secret", middleware.WithDocument(openapi.MustLoad(openapi.PCI)),
		middleware.WithTracing(middleware.WithTracerProvider(tp)), middleware.WithRetryPolicy(fast))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		req, _ := http.NewRequest(http.MethodPost, srv.srv.URL+"/v3/deposits", strings.NewReader(validCardDeposit))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(middleware.HeaderIdempotencyKey, "start-call-"+strconv.Itoa(i))
		resp, err := rt.RoundTrip(req.WithContext(middleware.StartCall(context.Background(), "chargeCard")))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	var calls []string
	for _, s := range rec.Ended() {
		if s.SpanKind() == trace.SpanKindInternal {
			calls = append(calls, s.Name()+"/"+attrs(s)["d24.operation"].AsString()+"/"+strconv.FormatInt(attrs(s)["d24.attempts"].AsInt64(), 10))
		}
	}
	if got := strings.Join(calls, ","); got != "chargeCard/chargeCard/2,chargeCard/chargeCard/1" {
		t.Errorf("call spans (name/operation/attempts): %s", got)
	}
}
