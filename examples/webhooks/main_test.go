package main

import (
	"bytes"
	"context"
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
