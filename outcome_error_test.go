package d24_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/d24go/d24"
	"github.com/d24go/d24/middleware"
)

// outcomeServer answers every request with a 503 whose D24 body quotes the
// card, and returns a client that tries twice.
func outcomeServer(t *testing.T) *d24.Client {
	t.Helper()
	srv := httptest.NewServer(d24ErrorHandler(503, "SERVICE_UNAVAILABLE", "down while charging "+canaryNumber))
	t.Cleanup(srv.Close)
	c, err := d24.New(d24.Config{Login: "l", SecretKey: canarySecret, APIURL: srv.URL, CardAPIURL: srv.URL, AllowInsecureHTTP: true},
		d24.WithRetryPolicy(d24.RetryPolicy{MaxAttempts: 2, BaseDelay: 1e6}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// The chain's outcome error and the client's are one: errors.As finds it
// under either name. It tells the merchant to send the same request again,
// never under a new key, and neither its text, %#v nor its JSON (nor the
// dereferenced value's) holds D24's answer, which here quotes the card.
func TestOneOutcomeError(t *testing.T) {
	_, err := outcomeServer(t).CreateCardDeposit(context.Background(), cardDeposit("one-1", canaryNumber))
	var fromClient *d24.OutcomeUnknownError
	var fromChain *middleware.OutcomeUnknownError
	if !errors.As(err, &fromClient) || !errors.As(err, &fromChain) {
		t.Fatalf("want one outcome error under both names, found as d24's: %v, as the chain's: %v: %v",
			fromClient != nil, fromChain != nil, err)
	}
	var apiErr *d24.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
		t.Errorf("D24's last answer is not the cause: %v", err)
	}
	text := err.Error()
	for _, want := range []string{`d24: createCardDeposit outcome unknown for invoice_id "one-1"`, "send the same request again",
		"never under a new key", "HTTP 503", "down while charging REDACTED"} {
		if !strings.Contains(text, want) {
			t.Errorf("the error does not say %q: %s", want, text)
		}
	}
	asJSON, jsonErr := json.Marshal(err)
	if jsonErr != nil {
		t.Fatal(jsonErr)
	}
	for verb, out := range map[string]string{"%v": text, "%+v": fmt.Sprintf("%+v", err), "%#v": fmt.Sprintf("%#v", err), "JSON": string(asJSON)} {
		if strings.Contains(out, canaryNumber) || strings.Contains(out, canarySecret) || strings.Contains(out, `"Body"`) {
			t.Errorf("%s of the error holds the card, the key or the body: %s", verb, out)
		}
	}
	// The value, dereferenced, prints and marshals as the error does: its
	// body (here quoting the card) never shows.
	valueJSON, _ := json.Marshal(*fromClient)
	for verb, out := range map[string]string{"%v": fmt.Sprintf("%v", *fromClient), "%+v": fmt.Sprintf("%+v", *fromClient),
		"%#v": fmt.Sprintf("%#v", *fromClient)} {
		if out != text {
			t.Errorf("%s of the error's value is not its text: %s", verb, out)
		}
	}
	if string(valueJSON) != string(asJSON) {
		t.Errorf("the error's value marshals otherwise than the error: %s", valueJSON)
	}
}

// The one error carries what the chain knows (the request, its attempts, the
// last answer whole) and what the client knows (the invoice_id, D24's answer
// read as an *APIError), and the chain fills in the operation and the key.
func TestOutcomeErrorCarriesBoth(t *testing.T) {
	_, err := outcomeServer(t).CreateCardDeposit(context.Background(), cardDeposit("one-2", canaryNumber))
	var unknown *d24.OutcomeUnknownError
	if !errors.As(err, &unknown) {
		t.Fatalf("want an unknown outcome, got %v", err)
	}
	var apiErr *d24.APIError
	if unknown.API != "d24" || unknown.Operation != "createCardDeposit" || unknown.Method != "POST" ||
		!strings.HasSuffix(unknown.URL, "/v3/deposits") || unknown.Attempts != 2 || len(unknown.IdempotencyKey) != 32 ||
		unknown.Reference != "one-2" || unknown.ReferenceName != "invoice_id" {
		t.Errorf("what the call was: %q %q %s %s, %d attempts, key %q, %s %q", unknown.API, unknown.Operation, unknown.Method,
			unknown.URL, unknown.Attempts, unknown.IdempotencyKey, unknown.ReferenceName, unknown.Reference)
	}
	if unknown.StatusCode != 503 || unknown.Header.Get("Content-Type") != "application/json" ||
		!strings.Contains(string(unknown.Body), canaryNumber) || !errors.As(unknown.Cause, &apiErr) {
		t.Errorf("the last answer, whole for reading, and D24's reading of it: %d %v, %d bytes, %v",
			unknown.StatusCode, unknown.Header, len(unknown.Body), unknown.Cause)
	}
}
