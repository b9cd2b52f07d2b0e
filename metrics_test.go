package d24_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/d24go/d24"
	"github.com/d24go/d24/d24test"
	"github.com/d24go/d24/middleware"
)

// metricsReader is an in-memory reader of what a client records.
type metricsReader struct {
	*sdkmetric.ManualReader
	provider *sdkmetric.MeterProvider
}

func newMetricsReader() metricsReader {
	r := sdkmetric.NewManualReader()
	return metricsReader{ManualReader: r, provider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(r))}
}

// points reads every data point, each rendered as its metric's name, its
// attributes (k=v, sorted) and its value (a histogram's count).
func (r metricsReader) points(t *testing.T) []string {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var out []string
	point := func(name string, set attribute.Set, value int64) {
		parts := []string{name}
		for _, kv := range set.ToSlice() {
			parts = append(parts, fmt.Sprintf("%s=%s", kv.Key, kv.Value.Emit()))
		}
		slices.Sort(parts[1:])
		out = append(out, strings.Join(parts, " ")+" = "+strconv.FormatInt(value, 10))
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					point(m.Name, p.Attributes, p.Value)
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					point(m.Name, p.Attributes, int64(p.Count))
				}
			default:
				t.Fatalf("%s: unexpected data %T", m.Name, m.Data)
			}
		}
	}
	slices.Sort(out)
	return out
}

// words renders every metric's name and the attributes of each of its
// points, without values or times (whose digits could hold a CVV's by
// chance): every word a metric records about a call.
func (r metricsReader) words() string {
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		return err.Error()
	}
	var b strings.Builder
	attrs := func(name string, set attribute.Set) {
		b.WriteString(name)
		for _, kv := range set.ToSlice() {
			fmt.Fprintf(&b, " %s=%s", kv.Key, kv.Value.Emit())
		}
		b.WriteString("\n")
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					attrs(m.Name, p.Attributes)
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					attrs(m.Name, p.Attributes)
				}
			}
		}
	}
	return b.String()
}

// matching returns the points of metric name holding every attribute given.
func matching(points []string, name string, attrs ...string) []string {
	var out []string
	for _, p := range points {
		fields := strings.Fields(p)
		if fields[0] != name {
			continue
		}
		if !slices.ContainsFunc(attrs, func(a string) bool { return !slices.Contains(fields, a) }) {
			out = append(out, p)
		}
	}
	return out
}

// want fails unless exactly one point of name holds attrs, with value.
func want(t *testing.T, points []string, value int, name string, attrs ...string) {
	t.Helper()
	got := matching(points, name, attrs...)
	if len(got) != 1 || !strings.HasSuffix(got[0], " = "+strconv.Itoa(value)) {
		t.Errorf("%s %v: want one point = %d, got %q", name, attrs, value, got)
	}
}

// A user's view of the metrics: calls by operation and outcome, each attempt's
// duration with its status, the retries, through a sandbox that fails on
// demand; and no ID, amount, key or card data in any of it.
func TestCallMetrics(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	rec := newMetricsReader()
	c := newClient(t, srv, d24.WithMetrics(middleware.WithMeterProvider(rec.provider)))
	defer c.CloseIdleConnections()
	ctx := context.Background()

	dep, err := c.CreateCardDeposit(ctx, cardDeposit("metrics-ok", canaryNumber))
	if err != nil {
		t.Fatal(err)
	}
	before := rec.points(t)
	want(t, before, 1, "d24.client.calls", "d24.operation=createCardDeposit", "d24.outcome=success")

	// A GET answered 503, then 200.
	srv.InjectFaults(d24test.Fault{Kind: d24test.FaultServerError})
	if _, err := c.GetDeposit(ctx, dep.DepositID); err != nil {
		t.Fatal(err)
	}
	got := rec.points(t)
	want(t, got, 1, "d24.client.calls", "d24.operation=getDeposit", "d24.outcome=success")
	want(t, got, 1, "d24.client.call.duration", "d24.operation=getDeposit", "d24.outcome=success")
	want(t, got, 1, "http.client.request.duration", "http.request.method=GET", "http.response.status_code=503", "error.type=503",
		"server.address=127.0.0.1", "url.scheme=http")
	want(t, got, 1, "http.client.request.duration", "http.request.method=GET", "http.response.status_code=200")
	if p := matching(got, "http.client.request.duration", "http.request.method=GET", "http.response.status_code=200"); len(p) == 1 &&
		strings.Contains(p[0], "error.type") {
		t.Errorf("a success with an error.type: %s", p[0])
	}
	want(t, got, 1, "d24.client.retries", "http.request.method=GET", "http.response.status_code=503")
	if n := len(matching(got, "d24.client.retries")); n != 1 {
		t.Errorf("%d retry points, want the GET's alone", n)
	}

	// A card deposit whose answers are lost: the outcome is unknown.
	lost := d24test.Fault{Kind: d24test.FaultDropAfterProcessing}
	srv.InjectFaults(lost, lost, lost)
	_, err = c.CreateCardDeposit(ctx, cardDeposit("metrics-lost", canaryNumber))
	var unknown *d24.OutcomeUnknownError
	if !errors.As(err, &unknown) {
		t.Fatalf("want an outcome-unknown error, got %v", err)
	}
	// A card the sandbox declines; a card number refused before sending.
	declined, err := c.CreateCardDeposit(ctx, cardDeposit("metrics-declined", "4444444444444440"))
	if err != nil || declined.PaymentInfo.Result != d24.CardResultRejected {
		t.Fatalf("%+v %v", declined, err)
	}
	if _, err = c.CreateCardDeposit(ctx, cardDeposit("metrics-invalid", "4111111111111112")); err == nil {
		t.Fatal("an invalid card number was accepted")
	}
	got = rec.points(t)
	want(t, got, 1, "d24.client.calls", "d24.operation=createCardDeposit", "d24.outcome=outcome_unknown")
	want(t, got, 1, "d24.client.calls", "d24.operation=createCardDeposit", "d24.outcome=card_rejected")
	want(t, got, 1, "d24.client.calls", "d24.operation=createCardDeposit", "d24.outcome=validation_refused")
	want(t, got, 1, "d24.client.calls", "d24.operation=createCardDeposit", "d24.outcome=success")
	want(t, got, 2, "d24.client.retries", "http.request.method=POST", "error.type=connection_closed")
	want(t, got, 3, "http.client.request.duration", "http.request.method=POST", "error.type=connection_closed")
	// 2 answered POSTs (the first, the declined card) and the 3 lost ones:
	// the refused card sent nothing.
	if p := matching(got, "http.client.request.duration", "http.request.method=POST", "http.response.status_code=200"); len(p) != 1 ||
		!strings.HasSuffix(p[0], " = 2") {
		t.Errorf("answered POSTs: %q", p)
	}
	if p := matching(got, "http.client.request.duration", "http.response.status_code=400"); len(p) != 0 {
		t.Errorf("the refused card reached D24: %q", p)
	}

	all := strings.Join(got, "\n")
	for _, leak := range []string{canaryNumber, "4444444444444440", "4111111111111112", srv.SecretKey,
		"metrics-", unknown.IdempotencyKey, strconv.FormatInt(dep.DepositID, 10), "100.5", "/v3/deposits/" + strconv.FormatInt(dep.DepositID, 10)} {
		if strings.Contains(all, leak) {
			t.Errorf("the metrics hold %q:\n%s", leak, all)
		}
	}
	// Every attribute is one of the fixed keys.
	keys := regexp.MustCompile(`(\S+)=`)
	allowed := []string{"d24.operation", "d24.outcome", "http.request.method", "server.address", "server.port", "url.scheme",
		"url.template", "http.response.status_code", "error.type"}
	for _, m := range keys.FindAllStringSubmatch(all, -1) {
		if !slices.Contains(allowed, m[1]) {
			t.Errorf("attribute %q beyond the fixed set", m[1])
		}
	}
}

// Every call is counted: a card deposit waiting for 3DS is its own outcome,
// not a success, and calls refused before a request is built (a nil
// context, a refund amount CreateRefund refuses) are counted as the others.
func TestEveryCallIsCounted(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	rec := newMetricsReader()
	c := newClient(t, srv, d24.WithMetrics(middleware.WithMeterProvider(rec.provider)))
	defer c.CloseIdleConnections()
	ctx := context.Background()

	dep, err := c.CreateCardDeposit(ctx, cardDeposit("metrics-3ds", d24test.DefaultThreeDSCard))
	if err != nil || dep.PaymentInfo.Result != d24.CardResultPendingAuthentication {
		t.Fatalf("%+v %v", dep, err)
	}
	var noContext context.Context
	if _, err := c.GetDeposit(noContext, dep.DepositID); !errors.Is(err, d24.ErrNilContext) {
		t.Fatalf("nil context: %v", err)
	}
	var invalid *d24.ValidationError
	if _, err := c.CreateRefund(ctx, d24.RefundRequest{DepositID: dep.DepositID}); !errors.As(err, &invalid) {
		t.Fatalf("zero refund: %v", err)
	}
	got := rec.points(t)
	want(t, got, 1, "d24.client.calls", "d24.operation=createCardDeposit", "d24.outcome=pending_authentication")
	want(t, got, 1, "d24.client.calls", "d24.operation=getDeposit", "d24.outcome=error")
	want(t, got, 1, "d24.client.calls", "d24.operation=createRefund", "d24.outcome=validation_refused")
	if p := matching(got, "d24.client.calls", "d24.outcome=success"); len(p) != 0 {
		t.Errorf("counted as successes: %q", p)
	}
}
