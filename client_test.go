package d24_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/d24go/d24"
	"github.com/d24go/d24/d24test"
	"github.com/d24go/d24/types"
)

const canaryCard = "4111111111111111"

func newClient(t *testing.T, srv *d24test.Server, opts ...d24.Option) *d24.Client {
	t.Helper()
	opts = append([]d24.Option{d24.WithRetryPolicy(d24.RetryPolicy{BaseDelay: 1e6, MaxDelay: 5e6})}, opts...)
	c, err := d24.New(d24.Config{
		Login: srv.Login, SecretKey: srv.SecretKey, ReadOnlyKey: srv.ReadOnlyKey,
		APIURL: srv.APIURL, CardAPIURL: srv.CardAPIURL, AllowInsecureHTTP: true,
	}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func cardDeposit(invoice, number string) d24.CardDepositRequest {
	return d24.CardDepositRequest{
		InvoiceID: invoice, Amount: types.MustParseAmount("100.50"), Country: "BR", Currency: "BRL", ClientIP: "203.0.113.7",
		Payer:      d24.Payer{Document: "84932568207", DocumentType: "CPF", Email: "john@example.com", FirstName: "John", LastName: "Smith"},
		CreditCard: d24.CreditCard{CardNumber: d24.CardNumber(number), Cvv: "987", ExpirationMonth: "10", ExpirationYear: "30", HolderName: "JOHN SMITH"},
	}
}

func TestCardDepositOutcomes(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	ctx := context.Background()

	ok, err := c.CreateCardDeposit(ctx, cardDeposit("ok-1", canaryCard))
	if err != nil || ok.PaymentInfo.Result != d24.CardResultSuccess || ok.PaymentInfo.PaymentMethod != "VI" || ok.DepositID == 0 {
		t.Fatalf("success: %+v %v", ok, err)
	}
	declined, err := c.CreateCardDeposit(ctx, cardDeposit("no-1", "4444444444444440"))
	if err != nil || declined.PaymentInfo.Result != d24.CardResultRejected || declined.PaymentInfo.ReasonCode != "INSUFFICIENT_FUNDS" {
		t.Errorf("a rejected card must be a result: %+v %v", declined, err)
	}
	threeDS, err := c.CreateCardDeposit(ctx, cardDeposit("3ds-1", d24test.DefaultThreeDSCard))
	if err != nil || threeDS.PaymentInfo.Result != d24.CardResultPendingAuthentication || threeDS.AuthenticationURL == "" {
		t.Errorf("3DS: %+v %v", threeDS, err)
	}
	status, err := c.GetDeposit(ctx, ok.DepositID)
	if err != nil || status.Status != d24.StatusCompleted || status.DepositID != ok.DepositID || status.LocalAmount.String() != "100.5" {
		t.Errorf("status: %+v %v", status, err)
	}
	if n := len(srv.Deposits()); n != 3 {
		t.Errorf("%d deposits", n)
	}
}

func TestDepositsAPI(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	hosted, err := c.CreateDeposit(context.Background(), d24.DepositRequest{InvoiceID: "h-1", Amount: types.MustParseAmount("1000"), Country: "BR", Currency: "BRL",
		Payer: d24.Payer{Email: "a@example.com"}})
	if err != nil || hosted.CheckoutType != d24.CheckoutHosted || hosted.RedirectURL == "" {
		t.Fatalf("hosted: %+v %v", hosted, err)
	}
	oneShot, err := c.CreateDeposit(context.Background(), d24.DepositRequest{InvoiceID: "o-1", Amount: types.MustParseAmount("11.65"), Country: "BR", Currency: "BRL",
		PaymentMethod: "IX", Payer: d24.Payer{Email: "a@example.com", FirstName: "Ricardo", LastName: "Carlos", Document: "84932568207"}})
	if err != nil || oneShot.CheckoutType != d24.CheckoutOneShot || oneShot.PaymentInfo.Metadata["digitable_line"] == nil {
		t.Fatalf("one shot: %+v %v", oneShot, err)
	}
}

func TestConfigurationRefusals(t *testing.T) {
	cases := map[string]struct {
		cfg  d24.Config
		want error
	}{
		"no login":           {d24.Config{SecretKey: "s"}, d24.ErrMissingLogin},
		"no secret":          {d24.Config{Login: "l"}, d24.ErrMissingSecretKey},
		"http without allow": {d24.Config{Login: "l", SecretKey: "s", APIURL: "http://127.0.0.1:1"}, d24.ErrInsecureURL},
	}
	for name, c := range cases {
		if _, err := d24.New(c.cfg); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	if _, err := d24.New(d24.Config{Login: "l", SecretKey: "s", Brand: d24.BrandOneKeyPayments, Environment: d24.Production}); err == nil ||
		!strings.Contains(err.Error(), "APIURL") {
		t.Errorf("OneKeyPayments production without hosts: %v", err)
	}
	if _, err := d24.New(d24.Config{Login: "l", SecretKey: "s", CardAPIURL: "ftp://x"}); err == nil {
		t.Error("ftp URL accepted")
	}
	for _, cfg := range []d24.Config{{Login: "l", SecretKey: "s"}, {Login: "l", SecretKey: "s", Environment: d24.Production}, {Login: "l", SecretKey: "s", Brand: d24.BrandOneKeyPayments}} {
		if _, err := d24.New(cfg); err != nil {
			t.Errorf("%+v: %v", cfg.Environment, err)
		}
	}
}

func TestAPIErrors(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	wrongKey, _ := d24.New(d24.Config{Login: srv.Login, SecretKey: "not-the-key", APIURL: srv.APIURL, CardAPIURL: srv.CardAPIURL, AllowInsecureHTTP: true})
	_, err := wrongKey.GetDeposit(context.Background(), 300000001)
	var apiErr *d24.APIError
	if !errors.Is(err, d24.ErrInvalidSignature) || !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Type != "INVALID_SIGNATURE" {
		t.Errorf("wrong key: %v", err)
	}
	if errors.Is(err, d24.ErrInvalidCredentials) {
		t.Error("matched the wrong code")
	}
	wrongLogin, _ := d24.New(d24.Config{Login: "nobody", SecretKey: srv.SecretKey, APIURL: srv.APIURL, CardAPIURL: srv.CardAPIURL, AllowInsecureHTTP: true})
	if _, err := wrongLogin.GetDeposit(context.Background(), 300000001); !errors.Is(err, d24.ErrInvalidCredentials) {
		t.Errorf("wrong login: %v", err)
	}
	if _, err := newClient(t, srv).GetDeposit(context.Background(), 399999999); !errors.Is(err, d24.ErrResourceNotFound) {
		t.Errorf("unknown deposit: %v", err)
	}
	// A signed request refused by D24 for a card must not carry the number in
	// the error: D24's 201 details quote it.
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		io.WriteString(w, `{"code":201,"description":"Field validation error. Check details","details":["creditCard.cardNumber: size must be between 13 and 20, rejected value is 4111111111111111","payer.document: Invalid document type and/or document"],"type":"BEAN_VALIDATION_ERROR"}`)
	}))
	defer fake.Close()
	c, _ := d24.New(d24.Config{Login: "l", SecretKey: "s", APIURL: fake.URL, CardAPIURL: fake.URL, AllowInsecureHTTP: true})
	_, err = c.CreateCardDeposit(context.Background(), cardDeposit("redact-1", canaryCard))
	if !errors.Is(err, d24.ErrBeanValidation) || !errors.As(err, &apiErr) || len(apiErr.Details) != 2 {
		t.Fatalf("201: %v", err)
	}
	if msg := fmt.Sprintf("%v %+v", err, apiErr); strings.Contains(msg, canaryCard) || !strings.Contains(msg, "payer.document") {
		t.Errorf("details not redacted: %s", msg)
	}
}

func TestValidationErrorBeforeSending(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	req := cardDeposit("bad-1", "4111111111111112")
	req.Payer.Email = "not-an-email"
	req.Amount = types.MustParseAmount("1").Add(types.AmountFromMinorUnits(0))
	_, err := newClient(t, srv).CreateCardDeposit(context.Background(), req)
	var invalid *d24.ValidationError
	if !errors.As(err, &invalid) {
		t.Fatalf("want *ValidationError, got %v", err)
	}
	if fields := strings.Join(invalid.Fields(), ","); fields != "credit_card.card_number,payer.email" {
		t.Errorf("fields: %s", fields)
	}
	if strings.Contains(err.Error(), "4111111111111112") {
		t.Errorf("card number in the error: %v", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests reached D24", n)
	}
}

func TestOutcomeUnknown(t *testing.T) {
	lost := d24test.Fault{Kind: d24test.FaultDropAfterProcessing}
	t.Run("answers lost until retries run out", func(t *testing.T) {
		srv := d24test.NewServer()
		defer srv.Close()
		// One drop per attempt: net/http sends nothing again on its own.
		srv.InjectFaults(lost, lost, lost)
		_, err := newClient(t, srv).CreateCardDeposit(context.Background(), cardDeposit("lost-1", canaryCard))
		var unknown *d24.OutcomeUnknownError
		if !errors.As(err, &unknown) || unknown.Reference != "lost-1" || len(unknown.IdempotencyKey) != 32 {
			t.Fatalf("want *OutcomeUnknownError, got %v", err)
		}
		if n := len(srv.DepositsByInvoice()["lost-1"]); n != 1 {
			t.Errorf("%d deposits for the invoice, want the 1 created before the answer was lost", n)
		}
		if strings.Contains(err.Error(), canaryCard) {
			t.Error("card number in the error")
		}
	})
	t.Run("104 after a lost answer", func(t *testing.T) {
		srv := d24test.NewServer(d24test.WithIdempotencyMode(d24test.RejectRepeatedKeys))
		defer srv.Close()
		srv.InjectFaults(lost)
		_, err := newClient(t, srv).CreateCardDeposit(context.Background(), cardDeposit("lost-2", canaryCard))
		var unknown *d24.OutcomeUnknownError
		if !errors.As(err, &unknown) || !errors.Is(err, d24.ErrIdempotencyKeyUsed) {
			t.Fatalf("want *OutcomeUnknownError wrapping 104, got %v", err)
		}
	})
	t.Run("a lost answer replayed", func(t *testing.T) {
		srv := d24test.NewServer()
		defer srv.Close()
		srv.InjectFaults(lost)
		got, err := newClient(t, srv).CreateCardDeposit(context.Background(), cardDeposit("lost-3", canaryCard))
		if err != nil || got.PaymentInfo.Result != d24.CardResultSuccess || len(srv.DepositsByInvoice()["lost-3"]) != 1 {
			t.Fatalf("%+v %v", got, err)
		}
	})
	t.Run("5xx until retries run out", func(t *testing.T) {
		srv := d24test.NewServer()
		defer srv.Close()
		busy := d24test.Fault{Kind: d24test.FaultServerError}
		srv.InjectFaults(busy, busy, busy)
		_, err := newClient(t, srv).CreateDeposit(context.Background(), d24.DepositRequest{InvoiceID: "busy-1", Amount: types.MustParseAmount("5"), Country: "BR"})
		var unknown *d24.OutcomeUnknownError
		var apiErr *d24.APIError
		if !errors.As(err, &unknown) || !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
			t.Fatalf("%v", err)
		}
	})
	t.Run("a refused connection is known not to have charged", func(t *testing.T) {
		c, _ := d24.New(d24.Config{Login: "l", SecretKey: "s", APIURL: "http://127.0.0.1:1", CardAPIURL: "http://127.0.0.1:1", AllowInsecureHTTP: true},
			d24.WithRetryPolicy(d24.RetryPolicy{MaxAttempts: 2, BaseDelay: 1e6}))
		_, err := c.CreateCardDeposit(context.Background(), cardDeposit("refused-1", canaryCard))
		var unknown *d24.OutcomeUnknownError
		if err == nil || errors.As(err, &unknown) {
			t.Errorf("%v", err)
		}
	})
}

// The logger sees calls at debug level, never card data or the secret.
func TestLoggingHoldsNoSecrets(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	var logs bytes.Buffer
	c := newClient(t, srv, d24.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	dep, err := c.CreateCardDeposit(context.Background(), cardDeposit("log-1", canaryCard))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = c.GetDeposit(context.Background(), dep.DepositID)
	bad := cardDeposit("log-2", "4111111111111112")
	_, _ = c.CreateCardDeposit(context.Background(), bad)
	out := logs.String()
	if !strings.Contains(out, `"operation":"createCardDeposit"`) || !strings.Contains(out, `"invoice_id":"log-1"`) || !strings.Contains(out, `"operation":"getDeposit"`) {
		t.Errorf("calls not logged: %s", out)
	}
	for _, secret := range []string{canaryCard, "4111111111111112", "cvv", "Cvv", srv.SecretKey} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q: %s", secret, out)
		}
	}
}
