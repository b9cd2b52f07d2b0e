package main

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/d24go/d24/d24test"
	"github.com/d24go/d24/examples/internal/leakcheck"
	"strings"
	"testing"
)

func TestTracingPrintsCallAndAttemptSpans(t *testing.T) {
	t.Setenv("D24_LOGIN", "")
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	// The exporter writes one JSON document per span.
	dec := json.NewDecoder(strings.NewReader(out.String()[strings.Index(out.String(), "{"):]))
	var names []string
	resent := false
	for dec.More() {
		var span struct {
			Name       string
			Attributes []struct {
				Key   string
				Value struct{ Value any }
			}
		}
		if err := dec.Decode(&span); err != nil {
			break
		}
		names = append(names, span.Name)
		for _, a := range span.Attributes {
			if a.Key == "http.request.resend_count" {
				resent = true
			}
		}
	}
	if strings.Join(names, ",") != "POST /v3/deposits,POST /v3/deposits,createCardDeposit" || !resent {
		t.Errorf("spans %v, resent %v\n%s", names, resent, out.String())
	}
	if strings.Contains(out.String(), "4111111111111111") {
		t.Error("card number in the spans")
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
