package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The README's two commands: a d24sandbox built as a user builds it, started
// with -notification-url on loopback and -allow-http-notifications, and the
// example pointed at it. The test plays the person at the keyboard: it runs
// the curl command the example prints, and the example receives the
// COMPLETED notification over plain HTTP.
func TestWebhooksAgainstD24Sandbox(t *testing.T) {
	if testing.Short() {
		t.Skip("builds d24sandbox with the go tool")
	}
	for _, tool := range []string{"go", "bash", "openssl", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s: %v", tool, err)
		}
	}
	const login, secret = "webhooks-login", "webhooks-secret-key"
	// The example listens where the sandbox notifies: a port free a moment ago.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := ln.Addr().String()
	ln.Close()
	api, card := startD24Sandbox(t, "-login", login, "-secret", secret,
		"-notification-url", "http://"+listen+"/d24/notifications", "-allow-http-notifications")

	for k, v := range map[string]string{"D24_LOGIN": login, "D24_SECRET_KEY": secret, "D24_API_URL": api, "D24_CARD_API_URL": card,
		"D24_LISTEN_ADDR": listen, "D24_NOTIFICATION_URL": "", "D24_READ_ONLY_KEY": ""} {
		t.Setenv(k, v)
	}
	out := &lines{ch: make(chan string, 64)}
	done := make(chan error, 1)
	go func() { done <- run(context.Background(), out, 30*time.Second) }()
	var printed []string
	for {
		select {
		case line := <-out.ch:
			printed = append(printed, line)
			if cmd, ok := strings.CutPrefix(line, "  body="); ok {
				// What the person at the keyboard pastes.
				if b, err := exec.Command("bash", "-c", "body="+cmd).CombinedOutput(); err != nil || !strings.Contains(string(b), `"status":"COMPLETED"`) {
					t.Errorf("the printed command: %v %s", err, b)
				}
			}
			continue
		case err := <-done:
			if err != nil {
				t.Fatalf("%v\n%s", err, strings.Join(printed, "\n"))
			}
		}
		break
	}
	all := strings.Join(append(printed, out.rest()...), "\n")
	for _, want := range []string{"Talking to " + api, "(HOSTED); the payer pays at " + api + "/validate/", "is COMPLETED", "COMPLETED: 250.00 BRL"} {
		if !strings.Contains(all, want) {
			t.Errorf("no %q in the output:\n%s", want, all)
		}
	}
	if strings.Contains(all, secret) {
		t.Errorf("the output shows the secret key:\n%s", all)
	}
}

// lines passes on what the example prints, line by line.
type lines struct {
	mu      sync.Mutex
	partial string
	ch      chan string
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial += string(p)
	for {
		line, rest, ok := strings.Cut(l.partial, "\n")
		if !ok {
			return len(p), nil
		}
		l.ch <- line
		l.partial = rest
	}
}

// rest returns the lines not read yet.
func (l *lines) rest() []string {
	var out []string
	for {
		select {
		case line := <-l.ch:
			out = append(out, line)
		default:
			return out
		}
	}
}

// startD24Sandbox builds d24sandbox and runs it with args until the test ends,
// returning the URLs it prints.
func startD24Sandbox(t *testing.T, args ...string) (api, card string) {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "d24sandbox")
	if b, err := exec.Command("go", "build", "-race=false", "-o", exe, "github.com/d24go/d24/d24test/cmd/d24sandbox").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	cmd := exec.Command(exe, append([]string{"-api-addr", "127.0.0.1:0", "-card-addr", "127.0.0.1:0"}, args...)...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	urls := map[string]string{}
	sc := bufio.NewScanner(stdout)
	for len(urls) < 2 && sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			urls[k] = v
		}
	}
	go io.Copy(io.Discard, stdout)
	if urls["D24_API_URL"] == "" || urls["D24_CARD_API_URL"] == "" {
		t.Fatalf("d24sandbox printed %v", urls)
	}
	return urls["D24_API_URL"], urls["D24_CARD_API_URL"]
}
