package d24_test

import (
	"context"
	"strings"
	"testing"

	"github.com/d24go/d24"
	"github.com/d24go/d24/d24test"
	"github.com/d24go/d24/middleware"
)

// d24.WithMetrics takes middleware.WithMetricsNamespace, and the
// client's code says "a namespace given to WithMetrics comes later and wins";
// it wins for the chain's counters only: the client then records
// shop.retries beside d24.client.calls, one client under two namespaces.
func TestMetricsNamespaceIsOneForTheClient(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	rec := newMetricsReader()
	c := newClient(t, srv, d24.WithMetrics(middleware.WithMeterProvider(rec.provider), middleware.WithMetricsNamespace("shop")))
	defer c.CloseIdleConnections()
	ctx := context.Background()
	dep, err := c.CreateCardDeposit(ctx, cardDeposit("ns-ok", canaryNumber))
	if err != nil {
		t.Fatal(err)
	}
	srv.InjectFaults(d24test.Fault{Kind: d24test.FaultServerError})
	if _, err := c.GetDeposit(ctx, dep.DepositID); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, p := range rec.points(t) {
		name := strings.Fields(p)[0]
		if name != "http.client.request.duration" {
			names[strings.SplitN(name, ".", 2)[0]] = true
		}
	}
	if len(names) != 1 {
		t.Errorf("one client's metrics under several namespaces: %v", names)
	}
}
