package d24test_test

import (
	"bufio"
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

// A stranger's request is refused at once, and its body is not waited for: a
// client trickling the body of a refused request is cut off, instead of
// holding the connection past every timeout.
func TestRefusedBodyIsNotWaitedFor(t *testing.T) {
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprint("chunked=", chunked), func(t *testing.T) {
			srv := d24test.NewServer(d24test.WithReadHeaderTimeout(200*time.Millisecond),
				d24test.WithBodyReadTimeout(200*time.Millisecond), d24test.WithIdleTimeout(200*time.Millisecond),
				d24test.WithShutdownTimeout(300*time.Millisecond))
			defer srv.Close()
			c, err := net.Dial("tcp", strings.TrimPrefix(srv.APIURL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if chunked {
				fmt.Fprintf(c, "POST /v3/deposits HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
			} else {
				fmt.Fprintf(c, "POST /v3/deposits HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\nhello")
			}
			r := bufio.NewReader(c)
			resp, err := http.ReadResponse(r, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || !resp.Close {
				t.Errorf("a request without credentials: %d, close %v; want 400 and the connection closed", resp.StatusCode, resp.Close)
			}
			// One byte every 100 ms for 3 s: fifteen times every timeout.
			for end := time.Now().Add(3 * time.Second); time.Now().Before(end); {
				time.Sleep(100 * time.Millisecond)
				if chunked {
					_, err = fmt.Fprintf(c, "1\r\nx\r\n")
				} else {
					_, err = c.Write([]byte("x"))
				}
				if err != nil {
					return // cut off
				}
			}
			t.Error("the sandbox still held the connection of a refused request after 3 s of trickling")
		})
	}
}

// A GET that announces a body and never sends it, to a page or a lookup
// (neither reads a body), is answered and its connection closed: the sandbox
// does not wait for the body after the answer.
func TestUnreadBodyOfAGetIsNotWaitedFor(t *testing.T) {
	srv := d24test.NewServer(d24test.WithIdleTimeout(time.Minute))
	defer srv.Close()
	created := do(t, srv, "POST", srv.APIURL+"/v3/deposits", depositBody, nil)
	page, _ := created.json["redirect_url"].(string)
	if page == "" {
		t.Fatalf("no redirect_url: %s", created.raw)
	}
	for name, target := range map[string]string{
		"page":   strings.TrimPrefix(page, srv.APIURL),
		"lookup": "/v3/payment_methods?country=BR",
	} {
		t.Run(name, func(t *testing.T) {
			c, err := net.Dial("tcp", strings.TrimPrefix(srv.APIURL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: 1000\r\n\r\n", target, srv.ReadOnlyKey)
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			r := bufio.NewReader(c)
			resp, err := http.ReadResponse(r, nil)
			if err != nil {
				t.Fatalf("no answer: %v (waiting for the body first?)", err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !resp.Close {
				t.Errorf("%d, close %v; want 200 and the connection closed", resp.StatusCode, resp.Close)
			}
			if _, err := r.ReadByte(); !errors.Is(err, io.EOF) {
				t.Errorf("after the answer: %v, want the connection closed by the sandbox", err)
			}
		})
	}
}
