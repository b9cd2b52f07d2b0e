package d24_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel"

	"github.com/d24go/d24"
	"github.com/d24go/d24/d24test"
)

// A client made before the application installs its OpenTelemetry SDK (the
// default: the global meter provider) records nothing while there is none,
// and records every call and attempt from the moment there is: the client
// skips the measurements no SDK would take, and must not decide that once.
// It runs in a process of its own, since the global provider is set once.
func TestMetricsFollowTheGlobalProvider(t *testing.T) {
	if !inOwnProcess(t) {
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

// A call that is running when the SDK is installed, and a retry scheduled
// before it that begins after, are counted: whether to record is decided
// when the measurement is taken, not when the call or the attempt began.
func TestMetricsOfACallRunningWhenTheSDKIsInstalled(t *testing.T) {
	if !inOwnProcess(t) {
		return
	}
	srv := d24test.NewServer()
	defer srv.Close()
	rec := newMetricsReader()
	installed := make(chan struct{})
	unavailable := &unavailableOnce{then: func() {
		// The retry waits Retry-After's second; the attempt before it was
		// judged when its answer came back.
		time.Sleep(300 * time.Millisecond)
		otel.SetMeterProvider(rec.provider)
		close(installed)
	}}
	c := newClient(t, srv, d24.WithTransport(unavailable))
	defer c.CloseIdleConnections()
	ctx := context.Background()
	dep, err := c.CreateCardDeposit(ctx, cardDeposit("installed-1", canaryCard))
	if err != nil {
		t.Fatal(err)
	}
	unavailable.armed.Store(true)
	if _, err := c.GetDeposit(ctx, dep.DepositID); err != nil {
		t.Fatal(err)
	}
	<-installed
	got := rec.points(t)
	want(t, got, 1, "http.client.request.duration", "http.request.method=GET", "http.response.status_code=200")
	want(t, got, 1, "d24.client.retries", "http.request.method=GET", "http.response.status_code=503")
	want(t, got, 1, "d24.client.calls", "d24.operation=getDeposit", "d24.outcome=success")
	want(t, got, 1, "d24.client.call.duration", "d24.operation=getDeposit")
}

// unavailableOnce answers one GET, once armed, with a 503 and Retry-After: 1,
// and then calls then in the background; everything else goes to the server.
type unavailableOnce struct {
	armed atomic.Bool
	then  func()
}

func (u *unavailableOnce) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet || !u.armed.CompareAndSwap(true, false) {
		return http.DefaultTransport.RoundTrip(req)
	}
	go u.then()
	return &http.Response{StatusCode: http.StatusServiceUnavailable, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Retry-After": {"1"}}, Body: http.NoBody, Request: req}, nil
}

// inOwnProcess runs the calling test again in a process of its own (the
// global provider is set once per process) and reports whether this is that
// process.
func inOwnProcess(t *testing.T) bool {
	t.Helper()
	if os.Getenv("D24_GLOBAL_METER_CHILD") == "1" {
		return true
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), "D24_GLOBAL_METER_CHILD=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return false
}
