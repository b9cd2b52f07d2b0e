package d24test_test

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/d24go/d24/d24test"
)

// merchantAnswering is a plain-HTTP notification endpoint on loopback that
// answers each notification with answer, and counts the connections made to
// it.
func merchantAnswering(t *testing.T, answer http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var conns atomic.Int32
	m := httptest.NewUnstartedServer(answer)
	m.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			conns.Add(1)
		}
	}
	m.Start()
	t.Cleanup(m.Close)
	return m, &conns
}

// notifiedDeposit starts a sandbox whose deposit notifies url, with one
// notification worker and a transport of the test's own.
func notifiedDeposit(t *testing.T, url string) (*d24test.Server, int64) {
	t.Helper()
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	srv := d24test.NewServer(d24test.WithLoopbackHTTPNotifications(), d24test.WithNotificationWorkers(1),
		d24test.WithNotificationClient(&http.Client{Transport: transport}))
	t.Cleanup(srv.Close)
	dep := do(t, srv, "POST", srv.APIURL+"/v3/deposits", strings.Replace(depositBody, "https://127.0.0.1:9/notify", url, 1), nil)
	id, ok := dep.json["deposit_id"].(float64)
	if !ok {
		t.Fatalf("deposit: %d %s", dep.status, dep.raw)
	}
	return srv, int64(id)
}

// The notifier reads a merchant's answer before closing it, so that one
// connection serves notification after notification: closed unread, each
// answer would cost its connection, and each notification a new one.
func TestNotificationConnectionsAreReused(t *testing.T) {
	t.Parallel()
	merchant, conns := merchantAnswering(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, `{"received":true}`) // a body, as most merchants answer
	})
	srv, id := notifiedDeposit(t, merchant.URL)
	const changes = 5
	for i := range changes {
		if err := srv.SetDepositStatus(id, "COMPLETED"); err != nil {
			t.Fatal(err)
		}
		if !eventually(func() bool { return len(srv.Notifications()) == i+1 }) {
			t.Fatalf("notification %d not delivered: %+v", i+1, srv.Notifications())
		}
	}
	for _, n := range srv.Notifications() {
		if n.Status != http.StatusOK {
			t.Errorf("delivery %+v, want 200", n)
		}
	}
	if got := conns.Load(); got != 1 {
		t.Errorf("%d notifications, one after the other, opened %d connections to the merchant, want 1 reused", changes, got)
	}
}

// A merchant that answers without end is not read without end: the notifier
// reads a bounded prefix, then closes the connection, and the delivery counts
// by its status.
func TestNotificationAnswerIsReadWithinABound(t *testing.T) {
	t.Parallel()
	const offered = 32 << 20 // beyond what loopback's socket buffers hold
	written := make(chan int, 1)
	merchant, _ := merchantAnswering(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		chunk := bytes.Repeat([]byte("x"), 32<<10)
		n := 0
		for n < offered {
			k, err := w.Write(chunk)
			n += k
			if err != nil {
				break // the sandbox hung up
			}
		}
		written <- n
	})
	srv, id := notifiedDeposit(t, merchant.URL)
	if err := srv.SetDepositStatus(id, "COMPLETED"); err != nil {
		t.Fatal(err)
	}
	if n := <-written; n >= offered {
		t.Errorf("the sandbox read all %d bytes the merchant offered", n)
	}
	if !eventually(func() bool { return len(srv.Notifications()) == 1 }) {
		t.Fatalf("no delivery logged: %+v", srv.Notifications())
	}
	if n := srv.Notifications()[0]; n.Status != http.StatusOK || n.Err != "" {
		t.Errorf("delivery %+v, want 200 and no error", n)
	}
}
