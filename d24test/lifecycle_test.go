package d24test_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/d24go/d24/d24test"
)

// stallMidBody sends signed-looking headers announcing a body of 1000 bytes,
// waits for the server to start reading it (100 Continue), sends 10 bytes and
// stops there.
func stallMidBody(t *testing.T, srv *d24test.Server) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(srv.APIURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST /v3/deposits HTTP/1.1\r\nHost: sandbox\r\nX-Date: %s\r\nX-Login: %s\r\nAuthorization: D24 00\r\n"+
		"Expect: 100-continue\r\nContent-Length: 1000\r\n\r\n", time.Now().UTC().Format("2006-01-02T15:04:05Z"), srv.Login)
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
	r := bufio.NewReader(c)
	if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 100 ") {
		t.Fatalf("want 100 Continue, got %q %v", line, err)
	}
	if _, err := r.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(c, "0123456789"); err != nil {
		t.Fatal(err)
	}
	return c, r
}

// A body that does not arrive within WithBodyReadTimeout is answered 408 and
// its connection closed.
func TestBodyReadTimeout(t *testing.T) {
	srv := d24test.NewServer(d24test.WithBodyReadTimeout(200 * time.Millisecond))
	defer srv.Close()
	_, r := stallMidBody(t, srv)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout || !resp.Close {
		t.Errorf("got %d (close %v) %s, want 408 and the connection closed", resp.StatusCode, resp.Close, body)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests recorded", n)
	}
}

// The body read timeout bounds reading only, and the write timeout counts from
// the answer's start: an answer delayed longer than either (an injected
// FaultDelay) still comes.
func TestTimeoutsDoNotCutADelayedAnswer(t *testing.T) {
	for name, timeout := range map[string]d24test.Option{
		"body read": d24test.WithBodyReadTimeout(100 * time.Millisecond),
		"write":     d24test.WithWriteTimeout(100 * time.Millisecond),
	} {
		t.Run(name, func(t *testing.T) {
			srv := d24test.NewServer(timeout)
			defer srv.Close()
			srv.InjectFaults(d24test.Fault{Kind: d24test.FaultDelay, Delay: 400 * time.Millisecond})
			if r := do(t, srv, "POST", srv.APIURL+"/v3/deposits", depositBody, nil); r.status != 200 || r.json["deposit_id"] == nil {
				t.Errorf("delayed answer: %d %q", r.status, r.raw)
			}
		})
	}
}

// A keep-alive connection left idle for WithIdleTimeout is closed.
func TestIdleTimeout(t *testing.T) {
	srv := d24test.NewServer(d24test.WithIdleTimeout(200 * time.Millisecond))
	defer srv.Close()
	c, err := net.Dial("tcp", strings.TrimPrefix(srv.APIURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /v3/deposits/1 HTTP/1.1\r\nHost: sandbox\r\n\r\n")
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
	r := bufio.NewReader(c)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	if resp.Close {
		t.Fatal("the connection was not kept alive")
	}
	if _, err := r.ReadByte(); !errors.Is(err, io.EOF) {
		t.Errorf("idle connection: %v, want it closed by the server", err)
	}
}

// Close ends within WithShutdownTimeout even with a client stalled in the
// middle of a body, and closes that client's connection.
func TestCloseWithAClientStalledMidBody(t *testing.T) {
	srv := d24test.NewServer(d24test.WithShutdownTimeout(300*time.Millisecond), d24test.WithBodyReadTimeout(time.Minute))
	_, r := stallMidBody(t, srv)
	closed := make(chan struct{})
	go func() {
		srv.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close still waiting for the stalled client")
	}
	if rest, _ := io.ReadAll(r); len(rest) != 0 {
		t.Errorf("the stalled client got %q", rest)
	}
	srv.Close() // again: returns at once
}

// Shutdown says when it had to cut a request short.
func TestShutdownReportsARequestCutShort(t *testing.T) {
	srv := d24test.NewServer(d24test.WithBodyReadTimeout(time.Minute))
	stallMidBody(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown: %v, want the deadline it had to cut short", err)
	}
}

// With nothing in progress, Shutdown ends at once and without error.
func TestShutdownWhenIdle(t *testing.T) {
	srv := d24test.NewServer()
	do(t, srv, "GET", srv.APIURL+"/v3/deposits/1", "", nil)
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if _, err := http.Get(srv.APIURL + "/v3/deposits/1"); err == nil {
		t.Error("still serving after Shutdown")
	}
}

// An answer its client stops reading is cut off after WithWriteTimeout: it
// holds neither its handler nor its connection, so Shutdown finds nothing in
// progress. The answer is the request log, 6 MiB: more than the sockets
// between the two hold.
func TestWriteTimeout(t *testing.T) {
	srv := d24test.NewServer(d24test.WithWriteTimeout(200*time.Millisecond), d24test.WithLogBodyLimit(1<<20))
	defer srv.Close()
	padded := `{"padding":"` + strings.Repeat("x", 1<<20-16) + `"}`
	for range 6 {
		if r := do(t, srv, "POST", srv.APIURL+"/v3/deposits", padded, nil); r.status != http.StatusBadRequest {
			t.Fatalf("a deposit of padding: %d %.200s", r.status, r.raw)
		}
	}
	c, err := net.Dial("tcp", strings.TrimPrefix(srv.APIURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.(*net.TCPConn).SetReadBuffer(4096); err != nil {
		t.Fatal(err)
	}
	date := time.Now().UTC().Format("2006-01-02T15:04:05Z")
	fmt.Fprintf(c, "GET /sandbox/requests HTTP/1.1\r\nHost: sandbox\r\nX-Date: %s\r\nX-Login: %s\r\nAuthorization: %s\r\n\r\n",
		date, srv.Login, sign(srv.SecretKey, date, srv.Login, nil))
	// The answer's headers, so that the sandbox is writing it; then nothing
	// more is read until the sandbox has stopped.
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReaderSize(c, 4096), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.ContentLength < 6<<20 {
		t.Fatalf("the request log: %d, %d bytes", resp.StatusCode, resp.ContentLength)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v; the answer nobody read still held its request", err)
	}
}
