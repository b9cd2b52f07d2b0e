package main

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// curlRecipe is the README's shell block that defines the d24 function and
// uses it.
func curlRecipe(t *testing.T) string {
	t.Helper()
	block := regexp.MustCompile("(?s)```sh\n([^`]*\nd24\\(\\) \\{\n.*?)```")
	b, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := block.FindSubmatch(b)
	if m == nil {
		t.Fatal("no shell block defining d24() in README.md")
	}
	return string(m[1])
}

// The README's curl recipe, run as written by bash with openssl and curl
// against the built command, with the credentials and URL it says to export:
// it creates a deposit, completes it through the control API, and the
// merchant is notified.
func TestCurlRecipeAgainstBuiltSandbox(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"bash", "openssl", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s: %v", tool, err)
		}
	}
	recipe := curlRecipe(t)
	merchant, got := merchantOnLoopback(t)
	sb := startBuiltSandbox(t, "-notification-url", merchant.URL+"/d24/notifications", "-allow-http-notifications")
	cmd := exec.Command("bash", "-e", "-c", recipe)
	cmd.Env = append(os.Environ(), "D24_LOGIN="+testLogin, "D24_SECRET_KEY="+testSecret, "D24_API_URL="+sb.api)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the recipe: %v\n%s", err, out)
	}
	answers := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(answers) != 3 || !strings.Contains(answers[0], `"deposit_id":300000001`) ||
		answers[1] != `{"deposit_id":300000001,"notification_url":"`+merchant.URL+`/d24/notifications","status":"COMPLETED"}` ||
		!strings.HasPrefix(answers[2], `{"notifications":[`) {
		t.Errorf("the recipe printed:\n%s", out)
	}
	receive(t, got, `/d24/notifications {"deposit_id": 300000001}`)
	if st := send(t, "GET", sb.api+"/v3/deposits/300000001", "", true); st.json["status"] != "COMPLETED" {
		t.Errorf("status: %s", st.raw)
	}

	// The same function with another secret: the sandbox says what it signed.
	cmd = exec.Command("bash", "-c", recipe)
	cmd.Env = append(os.Environ(), "D24_LOGIN="+testLogin, "D24_SECRET_KEY=not-the-secret", "D24_API_URL="+sb.api)
	out, _ = cmd.CombinedOutput()
	if !strings.Contains(string(out), `"code":102`) || !strings.Contains(string(out), `"X-Login: `+testLogin+`"`) || strings.Contains(string(out), testSecret) {
		t.Errorf("with another secret:\n%s", out)
	}
	sb.stop(10 * time.Second)
}
