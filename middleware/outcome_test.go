package middleware_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/d24go/d24/middleware"
)

// Under any API the chain's outcome error names the API and the operation,
// and carries the key the request was deduplicated by, so that its text tells
// the caller to send the same request again under that key; without a key the
// API honours, it tells them to look the request up first.
func TestOutcomeErrorSaysWhatToDo(t *testing.T) {
	acme := middleware.API{Name: "acme", IdempotencyHeader: "Idempotency-Key"}
	for _, tc := range []struct {
		method, key string
		want        []string
	}{
		{http.MethodPost, "caller-key-0001", []string{"acme: createPayout outcome unknown (3 attempts, idempotency key caller-key-0001)",
			"send the same request again or look it up, never under a new key", "last answer HTTP 503"}},
		// Acme deduplicates POST only: a PATCH's key promises nothing.
		{http.MethodPatch, "caller-key-0002", []string{"acme: createPayout outcome unknown (1 attempt)",
			"look it up before sending it again", "last answer HTTP 503"}},
	} {
		srv := newScript(t, status(503, `{"error":{"code":"unavailable"}}`))
		req, _ := http.NewRequest(tc.method, srv.srv.URL+"/v1/payouts", strings.NewReader(`{"amount":5}`))
		req.Header.Set("Idempotency-Key", tc.key)
		req = req.WithContext(middleware.StartCall(req.Context(), "createPayout"))
		resp, err := apiChain(t, acme).RoundTrip(req)
		if err == nil {
			resp.Body.Close()
		}
		var unknown *middleware.OutcomeUnknownError
		if !errors.As(err, &unknown) {
			t.Fatalf("%s: want an unknown outcome, got %v", tc.method, err)
		}
		for _, want := range tc.want {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: the error does not say %q: %v", tc.method, want, err)
			}
		}
		if (unknown.IdempotencyKey != "") != (tc.method == http.MethodPost) || unknown.API != "acme" || unknown.Operation != "createPayout" {
			t.Errorf("%s: API %q, operation %q, key %q", tc.method, unknown.API, unknown.Operation, unknown.IdempotencyKey)
		}
	}
}
