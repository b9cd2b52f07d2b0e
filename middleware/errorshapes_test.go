package middleware_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/d24go/d24/middleware"
)

// D24 answers errors in two shapes, flat and nested under "error", and the
// chain reads both alike: a refusal in either proves that a POST was not
// processed (D24's answer is handed back, once), and a 104 in either (the key
// was used before) leaves its outcome unknown, with the code on its span.
func TestBothD24ErrorShapes(t *testing.T) {
	shapes := map[string]func(code int) string{
		"flat":   func(code int) string { return fmt.Sprintf(`{"code":%d,"description":"refused","type":"A_TYPE"}`, code) },
		"nested": func(code int) string { return fmt.Sprintf(`{"error":{"code":%d,"message":"refused"}}`, code) },
	}
	for shape, body := range shapes {
		for _, code := range []int{201, 104} {
			e, ok := middleware.ParseD24Error([]byte(body(code)))
			if !ok || e.Code != code || e.KeyReused != (code == 104) {
				t.Errorf("%s %d: ParseD24Error = %+v, %v", shape, code, e, ok)
			}
		}

		refused := newScript(t, status(400, body(201)))
		resp, err := post(t, retryOnly(fast), refused.srv.URL, "k")
		if err != nil {
			t.Errorf("%s refusal: want D24's answer, got %v", shape, err)
		} else if resp.Body.Close(); resp.StatusCode != 400 || len(refused.seen()) != 1 {
			t.Errorf("%s refusal: HTTP %d after %d requests", shape, resp.StatusCode, len(refused.seen()))
		}

		rec := tracetest.NewSpanRecorder()
		rt, err := middleware.NewChain("L", "secret-canary-key", middleware.WithRetryPolicy(fast),
			middleware.WithTracing(middleware.WithTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))))
		if err != nil {
			t.Fatal(err)
		}
		reused := newScript(t, status(400, body(104)))
		_, err = post(t, &http.Client{Transport: rt}, reused.srv.URL, "k")
		var unknown *middleware.OutcomeUnknownError
		if !errors.As(err, &unknown) || unknown.StatusCode != 400 {
			t.Errorf("%s 104: want an unknown outcome, got %v", shape, err)
		}
		spans := rec.Ended()
		if len(spans) == 0 {
			t.Fatalf("%s 104: no span", shape)
		}
		call := spans[len(spans)-1]
		if got := attrs(call)["d24.error.code"]; got.AsInt64() != 104 {
			t.Errorf("%s 104: the call span's d24.error.code is %v:\n%s", shape, got.Emit(), everything(spans))
		}
	}
}
