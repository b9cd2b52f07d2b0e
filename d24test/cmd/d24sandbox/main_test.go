package main

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
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
	os.Exit(m.Run())
}

func TestCommandAnswersASignedRequestAndStopsOnSIGTERM(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-api-addr", "127.0.0.1:0", "-card-addr", "127.0.0.1:0", "-login", "curl-login", "-secret", "curl-secret")
	cmd.Env = append(os.Environ(), "D24SANDBOX_RUN_MAIN=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(out)
	urls := map[string]string{}
	for len(urls) < 2 && lines.Scan() {
		if k, v, ok := strings.Cut(lines.Text(), "="); ok {
			urls[k] = v
		}
	}
	if urls["D24_API_URL"] == "" || urls["D24_CARD_API_URL"] == "" {
		t.Fatalf("printed %v", urls)
	}

	// What a curl user would send: the headers of FACTS.md, signed by hand.
	body := `{"invoice_id":"curl-1","amount":100,"country":"BR","currency":"BRL"}`
	date := time.Now().UTC().Format("2006-01-02T15:04:05Z")
	mac := hmac.New(sha256.New, []byte("curl-secret"))
	mac.Write([]byte(date + "curl-login" + body))
	req, _ := http.NewRequest("POST", urls["D24_API_URL"]+"/v3/deposits", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Date", date)
	req.Header.Set("X-Login", "curl-login")
	req.Header.Set("Authorization", "D24 "+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(answer), `"checkout_type":"HOSTED"`) {
		t.Errorf("answer %d %s", resp.StatusCode, answer)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("did not stop on SIGTERM")
	}
}
