package middleware_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/d24go/d24/middleware"
	"github.com/d24go/d24/openapi"
)

// collect reads every metric the reader holds, by name.
func collect(t *testing.T, reader *sdkmetric.ManualReader) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

// render writes a data point's attributes as k=v, sorted.
func render(set attribute.Set) string {
	var parts []string
	for _, kv := range set.ToSlice() {
		parts = append(parts, fmt.Sprintf("%s=%s", kv.Key, kv.Value.Emit()))
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

// histogramPoints renders each point of a histogram as its attributes and count.
func histogramPoints(m metricdata.Metrics) []string {
	var out []string
	if h, ok := m.Data.(metricdata.Histogram[float64]); ok {
		for _, p := range h.DataPoints {
			out = append(out, fmt.Sprintf("%s count=%d", render(p.Attributes), p.Count))
		}
	}
	slices.Sort(out)
	return out
}

// sumPoints renders each point of a counter as its attributes and value.
func sumPoints(m metricdata.Metrics) []string {
	var out []string
	if s, ok := m.Data.(metricdata.Sum[int64]); ok {
		for _, p := range s.DataPoints {
			out = append(out, fmt.Sprintf("%s value=%d", render(p.Attributes), p.Value))
		}
	}
	slices.Sort(out)
	return out
}

// A POST answered 503 then 200: one duration point per attempt, with the
// route's template and each answer's status, and one retry, under the
// middleware's own names (nothing of D24's).
func TestAttemptMetrics(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	srv := newScript(t, status(503, `{"code":700,"type":"INTERNAL"}`), status(200, `{}`))
	rt, err := middleware.NewChain("L", "secret-canary-key", middleware.WithDocument(openapi.MustLoad(openapi.PCI)),
		middleware.WithMetrics(middleware.WithMeterProvider(mp)), middleware.WithRetryPolicy(fast))
	if err != nil {
		t.Fatal(err)
	}
	chargeCard(t, rt, srv.srv.URL+"/v3/deposits?invoice=inv-1", "metrics-1")

	got := collect(t, reader)
	u, _ := url.Parse(srv.srv.URL)
	point := func(attrs ...string) string {
		attrs = append(attrs, "http.request.method=POST", "server.address=127.0.0.1", "server.port="+u.Port(), "url.scheme=http",
			"url.template=/v3/deposits")
		slices.Sort(attrs)
		return strings.Join(attrs, " ")
	}
	duration := got["http.client.request.duration"]
	want := []string{
		point("error.type=503", "http.response.status_code=503") + " count=1",
		point("http.response.status_code=200") + " count=1",
	}
	if p := histogramPoints(duration); !slices.Equal(p, want) {
		t.Errorf("http.client.request.duration points:\n%s\nwant:\n%s", strings.Join(p, "\n"), strings.Join(want, "\n"))
	}
	if duration.Unit != "s" {
		t.Errorf("unit %q", duration.Unit)
	}
	if h, ok := duration.Data.(metricdata.Histogram[float64]); !ok || len(h.DataPoints) == 0 ||
		!slices.Equal(h.DataPoints[0].Bounds, []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}) {
		t.Errorf("not the semantic conventions' buckets: %+v", duration.Data)
	}
	if p := sumPoints(got["http.client.retries"]); !slices.Equal(p, []string{point("error.type=503", "http.response.status_code=503") + " value=1"}) {
		t.Errorf("http.client.retries: %v", p)
	}
	for name, m := range got {
		if strings.Contains(strings.ToLower(name), "d24") {
			t.Errorf("the middleware names a metric after D24: %s", name)
		}
		if s := fmt.Sprintf("%+v", m.Data); strings.Contains(s, "inv-1") || strings.Contains(s, "metrics-1") || strings.Contains(s, canaryCard) {
			t.Errorf("%s holds a value of the request: %s", name, s)
		}
	}
}

// A retry the budget refuses is counted, under the namespace the caller
// chose, and is not counted as a retry.
func TestRetryBudgetRefusalMetric(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	srv := newScript(t, status(503, ``))
	p := fast
	// One retry in the bucket: the first failure is retried, the second refused.
	p.Budget = middleware.NewRetryBudget(1, 0)
	rt, err := middleware.NewChain("L", "S", middleware.WithRetryPolicy(p),
		middleware.WithMetrics(middleware.WithMeterProvider(mp), middleware.WithMetricsNamespace("payments.client")))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Transport: rt}).Get(srv.srv.URL + "/v3/deposits/300000001")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := collect(t, reader)
	refusals := sumPoints(got["payments.client.retry_budget.refusals"])
	if len(refusals) != 1 || !strings.Contains(refusals[0], "http.request.method=GET") || !strings.Contains(refusals[0], "error.type=503") ||
		!strings.HasSuffix(refusals[0], "value=1") {
		t.Errorf("refusals: %v", refusals)
	}
	if retries := sumPoints(got["payments.client.retries"]); len(retries) != 1 || !strings.HasSuffix(retries[0], "value=1") {
		t.Errorf("retries: %v, want the one made (a refused retry is not one)", retries)
	}
	if _, ok := got["http.client.retry_budget.refusals"]; ok {
		t.Error("the namespace was not used")
	}
	for _, pt := range histogramPoints(got["http.client.request.duration"]) {
		if strings.Contains(pt, "300000001") {
			t.Errorf("an ID in the duration's attributes: %s", pt)
		}
	}
}

// A retry is counted when it begins: one the policy schedules and the call's
// context ends before (during its wait) is never made, and is not counted.
func TestRetryCountedWhenItBegins(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	srv := newScript(t, status(503, ``, "Retry-After", "5"), status(200, `{}`))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The caller gives up as soon as the retry is scheduled, 5 s out.
	giveUp := middleware.WithAttemptObserver(func(_ context.Context, e middleware.AttemptEvent) {
		if e.Retry {
			cancel()
		}
	})
	rt, err := middleware.NewChain("L", "secret", middleware.WithMetrics(middleware.WithMeterProvider(mp)),
		middleware.WithRetryPolicy(fast), giveUp)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.srv.URL+"/v3/deposits/1", nil)
	if _, err := rt.RoundTrip(req); !errors.Is(err, context.Canceled) || len(srv.seen()) != 1 {
		t.Fatalf("err = %v after %d requests", err, len(srv.seen()))
	}
	if got := sumPoints(collect(t, reader)["http.client.retries"]); len(got) != 0 {
		t.Errorf("a retry that never began was counted: %v", got)
	}

	// One that begins is counted, with the status of the attempt it repeats.
	srv2 := newScript(t, status(503, ``), status(200, `{}`))
	req, _ = http.NewRequest("GET", srv2.srv.URL+"/v3/deposits/1", nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := sumPoints(collect(t, reader)["http.client.retries"])
	if len(got) != 1 || !strings.Contains(got[0], "http.response.status_code=503") || !strings.HasSuffix(got[0], "value=1") {
		t.Errorf("retries = %v", got)
	}
}
