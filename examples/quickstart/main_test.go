package main

import (
	"bytes"
	"context"
	"github.com/d24go/d24/examples/internal/leakcheck"
	"strings"
	"testing"

	"github.com/d24go/d24/d24test"
)

func TestQuickstartAgainstTheInProcessSandbox(t *testing.T) {
	t.Setenv("D24_LOGIN", "")
	t.Setenv("D24_SECRET_KEY", "")
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	checkOutput(t, out.String())
}

// The environment variables point it at a sandbox it did not start, as they
// would at the d24sandbox command.
func TestQuickstartThroughEnvironmentVariables(t *testing.T) {
	srv := d24test.NewServer(d24test.WithCredentials("env-login", "env-secret"), d24test.WithReadOnlyKey("env-read-only"))
	defer srv.Close()
	t.Setenv("D24_READ_ONLY_KEY", "env-read-only")
	t.Setenv("D24_LOGIN", "env-login")
	t.Setenv("D24_SECRET_KEY", "env-secret")
	t.Setenv("D24_API_URL", srv.APIURL)
	t.Setenv("D24_CARD_API_URL", srv.CardAPIURL)
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	checkOutput(t, out.String())
	if n := len(srv.Deposits()); n != 3 {
		t.Errorf("the sandbox holds %d deposits, want 3", n)
	}
}

func checkOutput(t *testing.T, out string) {
	t.Helper()
	for _, want := range []string{"1. Card deposit", "SUCCESS", "411111******1111", "REJECTED", "INSUFFICIENT_FUNDS",
		"COMPLETED", "ONE_SHOT via Pix", "digitable_line", "credit_card.card_number", "payer.email", "6. Payment methods in Brazil", "Boleto", "7. Refund", "100.00 BRL", "All steps completed."} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "4111111111111111") || strings.Contains(out, "4444444444444440") {
		t.Errorf("full card number printed:\n%s", out)
	}
}

// Nothing the example emits (spans, debug logs, its output) carries the
// sandbox's secret key, a full card number or a CVV.
func TestNothingLeaks(t *testing.T) {
	t.Setenv("D24_LOGIN", "")
	rec := leakcheck.Install(t)
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	rec.Check(t, out.String(), d24test.DefaultSecretKey, "4111111111111111", "4444444444444440", "4111111111111112", "123")
}
