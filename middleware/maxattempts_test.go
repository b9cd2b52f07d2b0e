package middleware_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/d24go/d24/middleware"
)

// WithMaxAttempts(ctx, 1) makes a retryable call once: the 503 is the answer,
// its body intact; a larger n than the policy's changes nothing.
func TestWithMaxAttempts(t *testing.T) {
	const busy = `{"code":700,"description":"try later"}`
	for _, tc := range []struct{ n, want int }{{1, 1}, {2, 2}, {0, 3}, {10, 3}} {
		srv := newScript(t, status(503, busy))
		req, _ := http.NewRequest("GET", srv.srv.URL+"/v3/deposits/1", nil)
		resp, err := retryOnly(fast).Do(req.WithContext(middleware.WithMaxAttempts(req.Context(), tc.n)))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := len(srv.seen()); resp.StatusCode != 503 || string(body) != busy || got != tc.want {
			t.Errorf("WithMaxAttempts(%d): %d %q after %d attempts, want %d", tc.n, resp.StatusCode, body, got, tc.want)
		}
	}
}
