package d24_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/d24go/d24"
	"github.com/d24go/d24/d24test"
	"github.com/d24go/d24/types"
)

// sandboxClient returns a client of an in-process fake D24; with real
// credentials it would be d24.New(d24.Config{Login: ..., SecretKey: ...}).
func sandboxClient() (*d24.Client, *d24test.Server) {
	srv := d24test.NewServer()
	client, err := d24.New(d24.Config{Login: srv.Login, SecretKey: srv.SecretKey,
		APIURL: srv.APIURL, CardAPIURL: srv.CardAPIURL, AllowInsecureHTTP: true})
	if err != nil {
		panic(err)
	}
	return client, srv
}

func ExampleNew() {
	client, err := d24.New(d24.Config{
		Login:       "your-x-login",
		SecretKey:   "your-secret-key",
		Environment: d24.Staging, // the default; d24.Production charges real money
	}, d24.WithIdempotencyKeyFunc(d24.KeyFromInvoiceID()))
	fmt.Println(client != nil, err)

	_, err = d24.New(d24.Config{Login: "your-x-login"})
	fmt.Println(err)
	// Output:
	// true <nil>
	// d24: Config.SecretKey is required
}

func ExampleClient_CreateCardDeposit() {
	client, srv := sandboxClient()
	defer srv.Close()

	dep, err := client.CreateCardDeposit(context.Background(), d24.CardDepositRequest{
		InvoiceID: "order-1001",
		Amount:    types.MustParseAmount("100.00"),
		Country:   "BR",
		Currency:  "BRL",
		ClientIP:  "203.0.113.7",
		Payer: d24.Payer{Document: "84932568207", DocumentType: "CPF", Email: "john@example.com",
			FirstName: "John", LastName: "Smith"},
		CreditCard: d24.CreditCard{CardNumber: "4444444444444440", Cvv: "123",
			ExpirationMonth: "10", ExpirationYear: "40", HolderName: "JOHN SMITH"},
	})
	if err != nil {
		panic(err)
	}
	// A rejected card is a result, not an error.
	fmt.Println(dep.DepositID, dep.PaymentInfo.Result, dep.PaymentInfo.ReasonCode)
	// Output: 300000001 REJECTED INSUFFICIENT_FUNDS
}

func ExampleClient_CreateCardDeposit_validationError() {
	client, srv := sandboxClient()
	defer srv.Close()

	_, err := client.CreateCardDeposit(context.Background(), d24.CardDepositRequest{
		InvoiceID: "order 1002", // a space is not allowed
		Amount:    types.MustParseAmount("100"),
		Country:   "BR", Currency: "BRL", ClientIP: "203.0.113.7",
		Payer:      d24.Payer{Document: "1", DocumentType: "CPF", Email: "john@example.com", FirstName: "J", LastName: "S"},
		CardToken:  "tok_123",
		CreditCard: d24.CreditCard{CardNumber: "4111111111111111", Cvv: "123", ExpirationMonth: "10", ExpirationYear: "40", HolderName: "J S"},
	})
	var invalid *d24.ValidationError
	if errors.As(err, &invalid) {
		for _, v := range invalid.Violations {
			fmt.Printf("%s: %s\n", v.Field, v.Rule)
		}
	}
	fmt.Println("requests sent:", len(srv.Requests()))
	// Output:
	// credit_card|card_token|card_identifier: only one of credit_card, card_token, card_identifier may be sent
	// invoice_id: must match ^[A-Za-z0-9_-]*$
	// requests sent: 0
}

func ExampleClient_CreateDeposit() {
	client, srv := sandboxClient()
	defer srv.Close()

	dep, err := client.CreateDeposit(context.Background(), d24.DepositRequest{
		InvoiceID: "order-2001", Amount: types.MustParseAmount("250"), Country: "BR", Currency: "BRL",
		Payer: d24.Payer{Email: "juan@example.com"}, // no payment method or names: HOSTED
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(dep.DepositID, dep.CheckoutType, strings.HasPrefix(dep.RedirectURL, "http"))
	// Output: 300000001 HOSTED true
}

func ExampleClient_GetDeposit() {
	client, srv := sandboxClient()
	defer srv.Close()
	dep, _ := client.CreateDeposit(context.Background(), d24.DepositRequest{
		InvoiceID: "order-3001", Amount: types.MustParseAmount("49.90"), Country: "BR", Currency: "BRL"})
	// The payer paid.
	if err := srv.SetDepositStatus(dep.DepositID, "COMPLETED"); err != nil {
		panic(err)
	}

	status, err := client.GetDeposit(context.Background(), dep.DepositID)
	if err != nil {
		panic(err)
	}
	fmt.Println(status.Status, status.LocalAmount, status.Currency)
	// Output: COMPLETED 49.9 BRL
}

func ExampleClient_NotificationHandler() {
	client, srv := sandboxClient()
	defer srv.Close()
	dep, _ := client.CreateDeposit(context.Background(), d24.DepositRequest{
		InvoiceID: "order-4001", Amount: types.MustParseAmount("10"), Country: "BR"})
	if err := srv.SetDepositStatus(dep.DepositID, "COMPLETED"); err != nil {
		panic(err)
	}

	// Mount it at your notification_url, e.g. mux.Handle("POST /d24/notifications", h).
	h := client.NotificationHandler(func(ctx context.Context, st *d24.DepositStatus) error {
		fmt.Println("deposit", st.DepositID, "is", st.Status)
		return nil // an error answers 500, and D24 notifies again later
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/d24/notifications", strings.NewReader(fmt.Sprintf(`{"deposit_id": %d}`, dep.DepositID))))
	fmt.Println(rec.Code)
	// Output:
	// deposit 300000001 is COMPLETED
	// 200
}

// The handler's bounds under load, tuned: the statuses of at most 8 deposits
// fetched at once (a notification for a ninth is answered 503 with
// Retry-After: 60, and D24 notifies again later), and each notification
// answered within 5 seconds (504 past that). Make the handler once and mount
// it: the bounds belong to it.
func ExampleWithNotificationConcurrency() {
	client, srv := sandboxClient()
	defer srv.Close()
	dep, _ := client.CreateDeposit(context.Background(), d24.DepositRequest{
		InvoiceID: "order-4002", Amount: types.MustParseAmount("10"), Country: "BR"})
	if err := srv.SetDepositStatus(dep.DepositID, "COMPLETED"); err != nil {
		panic(err)
	}

	h := client.NotificationHandler(func(ctx context.Context, st *d24.DepositStatus) error {
		fmt.Println("deposit", st.DepositID, "is", st.Status)
		return nil
	},
		d24.WithNotificationConcurrency(8),
		d24.WithNotificationTimeout(5*time.Second),
		d24.WithNotificationRetryAfter(time.Minute),
	)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/d24/notifications", strings.NewReader(fmt.Sprintf(`{"deposit_id": %d}`, dep.DepositID))))
	fmt.Println(rec.Code)
	// Output:
	// deposit 300000001 is COMPLETED
	// 200
}

// A card deposit whose answers were all lost: the card may have been charged.
// Sending the same request again is safe, as its idempotency key is derived
// from the request: D24 answers with the deposit it made, and never charges
// twice.
func ExampleOutcomeUnknownError() {
	client, srv := sandboxClient()
	defer srv.Close()
	lost := d24test.Fault{Kind: d24test.FaultDropAfterProcessing} // D24 processes it, the answer is lost
	srv.InjectFaults(lost, lost, lost)

	req := d24.CardDepositRequest{
		InvoiceID: "order-5001", Amount: types.MustParseAmount("100"), Country: "BR", Currency: "BRL", ClientIP: "203.0.113.7",
		Payer: d24.Payer{Document: "84932568207", DocumentType: "CPF", Email: "john@example.com",
			FirstName: "John", LastName: "Smith"},
		CreditCard: d24.CreditCard{CardNumber: "4111111111111111", Cvv: "123",
			ExpirationMonth: "10", ExpirationYear: "40", HolderName: "JOHN SMITH"},
	}
	_, err := client.CreateCardDeposit(context.Background(), req)
	var unknown *d24.OutcomeUnknownError
	if errors.As(err, &unknown) {
		fmt.Println("outcome unknown for", unknown.ReferenceName, unknown.Reference)
		// The same request again: the same key. (With keys of your own, pass
		// d24.WithIdempotencyKey(unknown.IdempotencyKey).)
		dep, err := client.CreateCardDeposit(context.Background(), req)
		if err != nil {
			panic(err) // still unknown, or D24 answered 104: look the deposit up instead
		}
		fmt.Println(dep.DepositID, dep.PaymentInfo.Result)
	}
	fmt.Println("deposits made:", len(srv.DepositsByInvoice()["order-5001"]))
	// Output:
	// outcome unknown for invoice_id order-5001
	// 300000001 SUCCESS
	// deposits made: 1
}

func ExampleClient_CreateRefund() {
	client, srv := sandboxClient()
	defer srv.Close()
	ctx := context.Background()
	dep, _ := client.CreateCardDeposit(ctx, d24.CardDepositRequest{
		InvoiceID: "order-6001", Amount: types.MustParseAmount("100"), Country: "BR", Currency: "BRL", ClientIP: "203.0.113.7",
		Payer:      d24.Payer{Document: "84932568207", DocumentType: "CPF", Email: "john@example.com", FirstName: "John", LastName: "Smith"},
		CreditCard: d24.CreditCard{CardNumber: "4111111111111111", Cvv: "123", ExpirationMonth: "10", ExpirationYear: "40", HolderName: "JOHN SMITH"},
	})

	part, err := client.CreateRefund(ctx, d24.RefundRequest{DepositID: dep.DepositID, InvoiceID: "order-6001",
		Amount: d24.Ptr(types.MustParseAmount("30"))})
	if err != nil {
		panic(err)
	}
	fmt.Println(part.RefundInfo.Result, part.RefundInfo.Amount)

	// A computed zero is refused before sending; it never means "everything".
	x := types.MustParseAmount("30")
	_, err = client.CreateRefund(ctx, d24.RefundRequest{DepositID: dep.DepositID, InvoiceID: "order-6001", Amount: d24.Ptr(x.Sub(x))})
	fmt.Println(err)

	rest, err := client.CreateFullRefund(ctx, d24.RefundRequest{DepositID: dep.DepositID, InvoiceID: "order-6001"})
	if err != nil {
		panic(err)
	}
	fmt.Println(rest.RefundInfo.Result, rest.RefundInfo.Amount)
	// Output:
	// SUCCESS 30
	// d24: invalid createRefund request, not sent: amount: must be greater than 0 (CreateFullRefund refunds the whole deposit)
	// SUCCESS 70
}
