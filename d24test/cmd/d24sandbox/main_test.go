package main

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The test binary runs the command itself when asked, so the test can start it
// as a separate process and signal it.
func TestMain(m *testing.M) {
	if os.Getenv("D24SANDBOX_RUN_MAIN") == "1" {
		main()
		return
	}
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

const (
	testLogin  = "curl-login"
	testSecret = "curl-secret"
)

// sandbox is a running d24sandbox process.
type sandbox struct {
	t       *testing.T
	cmd     *exec.Cmd
	api     string
	card    string
	lines   chan string // what it printed after the URLs
	exited  chan error
	stopped bool
}

// startSandbox runs the command, as this test binary run again, with the
// test's credentials and args.
func startSandbox(t *testing.T, args ...string) *sandbox {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// Under the race detector, a process sleeps a second before exiting
	// unless told not to: the exit times measured are the sandbox's.
	return startProcess(t, exe, []string{"D24SANDBOX_RUN_MAIN=1", "GORACE=" + os.Getenv("GORACE") + " atexit_sleep_ms=0"}, args...)
}

// startBuiltSandbox runs the command built as a user would build it
// (builtSandbox): its memory is the sandbox's, not the race detector's.
func startBuiltSandbox(t *testing.T, args ...string) *sandbox {
	t.Helper()
	return startProcess(t, builtSandbox(t), nil, args...)
}

// built is the command built once for all the tests of the run.
var built struct {
	once sync.Once
	dir  string
	exe  string
	err  error
}

// builtSandbox builds the command as a user would, without the race detector
// whatever the tests run with, once per run, and returns its path.
func builtSandbox(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		if built.dir, built.err = os.MkdirTemp("", "d24sandbox-test"); built.err != nil {
			return
		}
		built.exe = filepath.Join(built.dir, "d24sandbox")
		build := exec.Command(goTool, "build", "-race=false", "-o", built.exe, "github.com/d24go/d24/d24test/cmd/d24sandbox")
		if out, err := build.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.exe
}

// startProcess runs exe with the test's credentials, addresses and args, env
// added to the test's environment, and reads the URLs it prints.
func startProcess(t *testing.T, exe string, env []string, args ...string) *sandbox {
	t.Helper()
	args = append([]string{"-api-addr", "127.0.0.1:0", "-card-addr", "127.0.0.1:0", "-login", testLogin, "-secret", testSecret}, args...)
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sb := &sandbox{t: t, cmd: cmd, lines: make(chan string, 100), exited: make(chan error, 1)}
	t.Cleanup(func() {
		if !sb.stopped {
			_ = cmd.Process.Kill()
			<-sb.exited
		}
	})
	lines := bufio.NewScanner(out)
	urls := map[string]string{}
	for len(urls) < 2 && lines.Scan() {
		if k, v, ok := strings.Cut(lines.Text(), "="); ok {
			urls[k] = v
		}
	}
	go func() {
		for lines.Scan() {
			sb.lines <- lines.Text()
		}
		close(sb.lines)
		sb.exited <- cmd.Wait()
	}()
	sb.api, sb.card = urls["D24_API_URL"], urls["D24_CARD_API_URL"]
	if sb.api == "" || sb.card == "" {
		t.Fatalf("printed %v", urls)
	}
	return sb
}

// stop sends SIGTERM and returns what the process printed and how long it took
// to exit, failing the test if it has not exited within limit.
func (sb *sandbox) stop(limit time.Duration) (printed string, took time.Duration) {
	sb.t.Helper()
	start := time.Now()
	if err := sb.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		sb.t.Fatal(err)
	}
	var out []string
	deadline := start.Add(limit)
	for line := range sb.linesUntil(time.After(limit)) {
		out = append(out, line)
	}
	select {
	case err := <-sb.exited:
		took = time.Since(start)
		sb.stopped = true
		if err != nil {
			sb.t.Errorf("exit: %v", err)
		}
	case <-time.After(time.Until(deadline)):
		sb.t.Fatalf("did not exit within %v of SIGTERM; printed %q", limit, out)
	}
	return strings.Join(out, "\n"), took
}

// linesUntil passes on the process's lines until it closes stdout or timeout.
func (sb *sandbox) linesUntil(timeout <-chan time.Time) <-chan string {
	ch := make(chan string)
	go func() {
		defer close(ch)
		for {
			select {
			case l, ok := <-sb.lines:
				if !ok {
					return
				}
				ch <- l
			case <-timeout:
				return
			}
		}
	}()
	return ch
}

// loggedRequests reads the count the command prints when it stops.
func loggedRequests(t *testing.T, printed string) int {
	t.Helper()
	var n int
	for _, line := range strings.Split(printed, "\n") {
		if _, err := fmt.Sscanf(line, "d24sandbox: stopped, requests in the log: %d", &n); err == nil {
			return n
		}
	}
	t.Fatalf("no request count in %q", printed)
	return 0
}

// signature is this test's own reading of D24's signature: HMAC-SHA256 of
// X-Date, X-Login and the body, hex, after "D24 ".
func signature(date, body string) string {
	mac := hmac.New(sha256.New, []byte(testSecret))
	mac.Write([]byte(date + testLogin + body))
	return "D24 " + hex.EncodeToString(mac.Sum(nil))
}

func xDate() string { return time.Now().UTC().Format("2006-01-02T15:04:05Z") }

// answer is a response read whole.
type answer struct {
	status int
	header http.Header
	raw    string
	json   map[string]any
}

// send makes a request, signed as a curl user would sign it when signed is
// true, with no credentials at all otherwise.
func send(t *testing.T, method, url, body string, signed bool) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if signed {
		date := xDate()
		req.Header.Set("X-Date", date)
		req.Header.Set("X-Login", testLogin)
		req.Header.Set("Authorization", signature(date, body))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	_ = json.Unmarshal(b, &a.json)
	return a
}

func TestCommandAnswersASignedRequestAndStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t)
	// What a curl user would send: the D24 headers, signed by hand.
	a := send(t, "POST", sb.api+"/v3/deposits", `{"invoice_id":"curl-1","amount":100,"country":"BR","currency":"BRL"}`, true)
	if a.status != 200 || !strings.Contains(a.raw, `"checkout_type":"HOSTED"`) {
		t.Errorf("answer %d %s", a.status, a.raw)
	}
	printed, _ := sb.stop(10 * time.Second)
	if n := loggedRequests(t, printed); n != 1 {
		t.Errorf("%d requests in the log, want the one sent", n)
	}
}
