package main

import (
	"bytes"
	"context"
	"github.com/d24go/d24/d24test"
	"github.com/d24go/d24/examples/internal/leakcheck"
	"strings"
	"testing"
	"time"
)

func TestWebhooksFollowADepositToCompleted(t *testing.T) {
	t.Setenv("D24_LOGIN", "")
	var out bytes.Buffer
	if err := run(context.Background(), &out, 10*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "is COMPLETED") || !strings.Contains(out.String(), "COMPLETED: 250.00 BRL") {
		t.Errorf("output:\n%s", out.String())
	}
}

// Nothing the example emits (spans, debug logs, its output) carries the
// sandbox's secret key, a full card number or a CVV.
func TestNothingLeaks(t *testing.T) {
	t.Setenv("D24_LOGIN", "")
	rec := leakcheck.Install(t)
	var out bytes.Buffer
	if err := run(context.Background(), &out, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	rec.Check(t, out.String(), d24test.DefaultSecretKey, "4111111111111111", "4444444444444440", "4111111111111112", "123")
}
