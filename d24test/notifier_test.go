package d24test_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/d24go/d24/d24test"
)

// hungMerchant accepts connections and never answers. It holds them without a
// goroutine each, so that the goroutines counted are the sandbox's.
type hungMerchant struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newHungMerchant(t *testing.T) *hungMerchant {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := &hungMerchant{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			m.mu.Lock()
			m.conns = append(m.conns, c)
			m.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		m.mu.Lock()
		defer m.mu.Unlock()
		for _, c := range m.conns {
			c.Close()
		}
	})
	return m
}

// url is https, as D24 requires of notification URLs: the TLS handshake is
// where the merchant hangs.
func (m *hungMerchant) url() string { return "https://" + m.ln.Addr().String() + "/notify" }

func (m *hungMerchant) accepted() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.conns)
}

// eventually polls cond for up to 10 seconds.
func eventually(cond func() bool) bool {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// 1,000 status changes notified to a merchant that never answers run on the
// configured workers, not a goroutine (and a connection) each, and Close ends
// them all.
func TestNotificationGoroutinesAreBounded(t *testing.T) {
	const changes, workers = 1000, 4
	merchant := newHungMerchant(t)
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	baseline := runtime.NumGoroutine()

	srv := d24test.NewServer(d24test.WithNotificationClient(&http.Client{Transport: transport}), d24test.WithNotificationWorkers(workers))
	created := do(t, srv, "POST", srv.APIURL+"/v3/deposits", strings.Replace(depositBody, "https://127.0.0.1:9/notify", merchant.url(), 1), nil)
	id := int64(created.json["deposit_id"].(float64))
	for i := 0; i < changes; i++ {
		if err := srv.SetDepositStatus(id, []string{"PENDING", "COMPLETED"}[i%2]); err != nil {
			t.Fatal(err)
		}
	}
	if !eventually(func() bool { return merchant.accepted() >= workers }) {
		t.Fatalf("%d deliveries started, want %d", merchant.accepted(), workers)
	}
	// Each worker's request holds a connection: two goroutines of the
	// transport. The rest is the sandbox's two hosts, its dispatcher and the
	// keep-alive connection of the request above.
	peak := runtime.NumGoroutine() - baseline
	if bound := 3*workers + 12; peak > bound {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines over the baseline with %d notifications pending, want at most %d:\n%s",
			peak, changes, bound, buf[:runtime.Stack(buf, true)])
	}
	t.Logf("%d status changes to a hung merchant: %d goroutines over the baseline, %d connections", changes, peak, merchant.accepted())

	srv.Close()
	transport.CloseIdleConnections()
	if n := merchant.accepted(); n != workers {
		t.Errorf("%d connections to the merchant, want one per worker (%d)", n, workers)
	}
	if !eventually(func() bool { return runtime.NumGoroutine() <= baseline }) {
		buf := make([]byte, 1<<20)
		t.Errorf("after Close: %d goroutines, baseline %d:\n%s", runtime.NumGoroutine(), baseline, buf[:runtime.Stack(buf, true)])
	}
}

// A status change beyond the queue limit is not notified, and says so.
func TestNotificationQueueLimit(t *testing.T) {
	merchant := newHungMerchant(t)
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	srv := d24test.NewServer(d24test.WithNotificationClient(&http.Client{Transport: transport}),
		d24test.WithNotificationWorkers(1), d24test.WithNotificationQueueLimit(3))
	defer srv.Close()
	created := do(t, srv, "POST", srv.APIURL+"/v3/deposits", strings.Replace(depositBody, "https://127.0.0.1:9/notify", merchant.url(), 1), nil)
	id := int64(created.json["deposit_id"].(float64))
	for i := 0; i < 5; i++ {
		if err := srv.SetDepositStatus(id, "COMPLETED"); err != nil {
			t.Fatal(err)
		}
	}
	var full int
	for _, n := range srv.Notifications() {
		if strings.Contains(n.Err, "queue full") && n.DepositID == id && n.URL == merchant.url() {
			full++
		}
	}
	if full != 2 {
		t.Errorf("%d notifications refused for a full queue, want 2 of 5 with room for 3: %+v", full, srv.Notifications())
	}
}

// A notification the merchant keeps refusing is sent six times in all, each
// retry after D24's delay (5, 25, 125, 625, 3125 units), then given up.
func TestNotificationRetrySchedule(t *testing.T) {
	const unit = 100 * time.Microsecond
	merchant := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) }))
	defer merchant.Close()
	srv := d24test.NewServer(d24test.WithNotificationSchedule(unit), d24test.WithNotificationClient(merchant.Client()))
	defer srv.Close()
	created := do(t, srv, "POST", srv.APIURL+"/v3/deposits", strings.Replace(depositBody, "https://127.0.0.1:9/notify", merchant.URL+"/notify", 1), nil)
	id := int64(created.json["deposit_id"].(float64))
	if err := srv.SetDepositStatus(id, "COMPLETED"); err != nil {
		t.Fatal(err)
	}
	if !eventually(func() bool { return len(srv.Notifications()) >= 6 }) {
		t.Fatalf("attempts: %+v", srv.Notifications())
	}
	time.Sleep(3125 * unit) // room for a seventh attempt, which must not come
	n := srv.Notifications()
	if len(n) != 6 {
		t.Fatalf("%d attempts, want 6: %+v", len(n), n)
	}
	for i, delay := range []int{5, 25, 125, 625, 3125} {
		if n[i+1].Attempt != i+1 || n[i+1].Status != 500 {
			t.Errorf("attempt %d: %+v", i+1, n[i+1])
		}
		if gap := n[i+1].At.Sub(n[i].At); gap < time.Duration(delay)*unit {
			t.Errorf("retry %d came %v after the previous attempt, before D24's %v", i+1, gap, time.Duration(delay)*unit)
		}
	}
}
