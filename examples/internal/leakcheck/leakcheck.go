// Package leakcheck records everything an example emits (spans through the
// global OpenTelemetry provider, slog at debug level through slog.Default, and
// its own output) so its test can prove that no secret or card data appears.
package leakcheck

import (
	"bytes"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// Recorder holds what was emitted while it was installed.
type Recorder struct {
	spans *tracetest.SpanRecorder
	mu    sync.Mutex
	logs  bytes.Buffer
}

// Install routes the global tracer provider and slog.Default into a Recorder
// until the test ends.
func Install(t testing.TB) *Recorder {
	r := &Recorder{spans: tracetest.NewSpanRecorder()}
	prevTP, prevLog := otel.GetTracerProvider(), slog.Default()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(r.spans)))
	slog.SetDefault(slog.New(slog.NewJSONHandler(r, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() {
		otel.SetTracerProvider(prevTP)
		slog.SetDefault(prevLog)
	})
	return r
}

func (r *Recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.logs.Write(p)
}

// Check fails t if any of secrets appears as a token in the recorded spans,
// events, logs or in extra (the example's output and errors). It also fails if
// nothing was recorded, which would make the check empty.
func (r *Recorder) Check(t testing.TB, extra string, secrets ...string) {
	t.Helper()
	r.mu.Lock()
	var all strings.Builder
	all.WriteString(r.logs.String())
	r.mu.Unlock()
	all.WriteString(extra)
	spans := r.spans.Ended()
	for _, s := range spans {
		fmt.Fprintf(&all, "%s %v %v\n", s.Name(), s.Status(), s.Attributes())
		for _, e := range s.Events() {
			fmt.Fprintf(&all, "%s %v\n", e.Name, e.Attributes)
		}
	}
	if len(spans) == 0 && r.logs.Len() == 0 {
		t.Fatal("nothing was recorded")
	}
	text := all.String()
	for _, s := range secrets {
		if regexp.MustCompile(`(^|[^0-9A-Za-z])` + regexp.QuoteMeta(s) + `([^0-9A-Za-z]|$)`).MatchString(text) {
			t.Errorf("%q appears in what the example emitted", s)
		}
	}
}
