package d24_test

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"go.opentelemetry.io/otel"

	"github.com/d24go/d24/d24test"
)

// A client made before the application installs its OpenTelemetry SDK (the
// default: the global meter provider) records nothing while there is none,
// and records every call and attempt from the moment there is: the client
// skips the measurements no SDK would take, and must not decide that once.
// It runs in a process of its own, since the global provider is set once.
func TestMetricsFollowTheGlobalProvider(t *testing.T) {
	if os.Getenv("D24_GLOBAL_METER_CHILD") != "1" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMetricsFollowTheGlobalProvider$", "-test.count=1")
		cmd.Env = append(os.Environ(), "D24_GLOBAL_METER_CHILD=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return
	}
	srv := d24test.NewServer()
	defer srv.Close()
	c := newClient(t, srv) // metrics on by default: the global provider
	defer c.CloseIdleConnections()
	ctx := context.Background()
	if _, err := c.CreateCardDeposit(ctx, cardDeposit("global-1", canaryCard)); err != nil {
		t.Fatal(err)
	}
	rec := newMetricsReader()
	otel.SetMeterProvider(rec.provider)
	if _, err := c.CreateCardDeposit(ctx, cardDeposit("global-2", canaryCard)); err != nil {
		t.Fatal(err)
	}
	got := rec.points(t)
	want(t, got, 1, "d24.client.calls", "d24.operation=createCardDeposit", "d24.outcome=success")
	want(t, got, 1, "d24.client.call.duration", "d24.operation=createCardDeposit")
	want(t, got, 1, "http.client.request.duration", "http.request.method=POST", "http.response.status_code=200")
}
