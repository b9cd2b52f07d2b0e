package d24_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/d24go/d24"
	"github.com/d24go/d24/middleware"
	"github.com/d24go/d24/types"
)

// REVIEW: a transport that answers an attempt with neither a response nor an
// error must end the call with an error (as net/http's Client does, and as
// fb962a0 says the chain now does), not a panic. The Retry alone was fixed; the
// Signer below it dereferences the nil response (resp.StatusCode) first, so
// every d24.Client call through such a transport panics (so does the Bearer
// chain once AttemptTracing records: recordOutcome reads resp.StatusCode). The
// same panic is there at 0c62145; fb962a0's test only covers a bare Retry.
func TestReviewTransportAnsweringNeitherResponseNorError(t *testing.T) {
	neither := roundTrip(func(*http.Request) (*http.Response, error) { return nil, nil })
	c, err := d24.New(d24.Config{Login: "l", SecretKey: "s", ReadOnlyKey: "ro"}, d24.WithTransport(neither),
		d24.WithRetryPolicy(d24.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	// With the attempt spans recording too (AttemptTracing reads the answer).
	tp, _ := sdkProvider()
	traced, err := d24.New(d24.Config{Login: "l", SecretKey: "s", ReadOnlyKey: "ro"}, d24.WithTransport(neither),
		d24.WithRetryPolicy(d24.RetryPolicy{MaxAttempts: 1}), d24.WithTracing(middleware.WithTracerProvider(tp)))
	if err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"GetDeposit": func() error { _, err := c.GetDeposit(context.Background(), 1); return err },
		"CreateDeposit": func() error {
			_, err := c.CreateDeposit(context.Background(), d24.DepositRequest{InvoiceID: "neither-1", Amount: types.MustParseAmount("1"), Country: "BR"})
			return err
		},
		"traced Banks": func() error { _, err := traced.Banks(context.Background(), "BR"); return err },
		"traced CreateDeposit": func() error {
			_, err := traced.CreateDeposit(context.Background(), d24.DepositRequest{InvoiceID: "neither-2", Amount: types.MustParseAmount("1"), Country: "BR"})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			var err error
			func() {
				defer func() {
					if p := recover(); p != nil {
						err = errors.New("panic")
						t.Errorf("%s panicked: %v", name, p)
					}
				}()
				err = call()
			}()
			if err == nil {
				t.Errorf("%s: no error for an attempt answered with nothing", name)
			}
		})
	}
}
