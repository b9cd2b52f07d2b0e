package d24_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/d24go/d24"
	"github.com/d24go/d24/d24test"
	"github.com/d24go/d24/middleware"
)

// Every flow of the client, with every span, event and log line recorded and
// every error formatted, never shows the secret key, the canary card number or
// its CVV; not even when D24's validation details quote the number.
func TestNothingLeaks(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	tel := newTelemetry()
	c := newClient(t, srv, d24.WithTracing(middleware.WithTracerProvider(tel.tp)), d24.WithLogger(tel.logger))
	defer c.CloseIdleConnections()
	ctx := context.Background()
	canary := func(invoice, number string) d24.CardDepositRequest {
		r := cardDeposit(invoice, number)
		r.CreditCard.Cvv = canaryCVV
		return r
	}
	record := func(err error) {
		if err != nil {
			tel.recordError(err)
		}
	}
	dep, err := c.CreateCardDeposit(ctx, canary("leak-ok", canaryNumber))
	record(err)
	_, err = c.CreateCardDeposit(ctx, canary("leak-rejected", "4444444444444440"))
	record(err)
	_, err = c.CreateCardDeposit(ctx, canary("leak-3ds", d24test.DefaultThreeDSCard))
	record(err)
	bad := canary("leak bad", canaryNumber[:15]+"0") // fails Luhn and the invoice pattern
	_, err = c.CreateCardDeposit(ctx, bad)
	record(err)
	if dep != nil {
		_, err = c.GetDeposit(ctx, dep.DepositID)
		record(err)
	}
	srv.InjectFaults(d24test.Fault{Kind: d24test.FaultDropAfterProcessing}, d24test.Fault{Kind: d24test.FaultDropAfterProcessing}, d24test.Fault{Kind: d24test.FaultDropAfterProcessing})
	_, err = c.CreateCardDeposit(ctx, canary("leak-lost", canaryNumber))
	record(err)

	// D24 answers 201 quoting the card number; a proxy answers 502 with HTML.
	quoting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		io.WriteString(w, `{"code":201,"description":"Field validation error. Check details","details":["creditCard.cardNumber: rejected value is `+canaryNumber+`","creditCard.cvv: rejected value is `+canaryCVV+`"],"type":"BEAN_VALIDATION_ERROR"}`)
	}))
	defer quoting.Close()
	q, _ := d24.New(d24.Config{Login: "l", SecretKey: srv.SecretKey, APIURL: quoting.URL, CardAPIURL: quoting.URL, AllowInsecureHTTP: true},
		d24.WithTracing(middleware.WithTracerProvider(tel.tp)), d24.WithLogger(tel.logger))
	_, err = q.CreateCardDeposit(ctx, canary("leak-201", canaryNumber))
	if err == nil {
		t.Fatal("want the 201")
	}
	record(err)

	if len(tel.spans.Ended()) < 8 || tel.logs.Len() == 0 {
		t.Fatalf("nothing was recorded: %d spans", len(tel.spans.Ended()))
	}
	tel.assertNoSecrets(t, srv.SecretKey)
}
