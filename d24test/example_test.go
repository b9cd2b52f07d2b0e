package d24test_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/d24go/d24"
	"github.com/d24go/d24/d24test"
	"github.com/d24go/d24/types"
)

// Your code's tests run against a fake D24 on loopback, with the sandbox's
// credentials: every request is checked as D24 checks it.
func ExampleNewServer() {
	srv := d24test.NewServer()
	defer srv.Close()
	client, err := d24.New(d24.Config{Login: srv.Login, SecretKey: srv.SecretKey, ReadOnlyKey: srv.ReadOnlyKey,
		APIURL: srv.APIURL, CardAPIURL: srv.CardAPIURL, AllowInsecureHTTP: true})
	if err != nil {
		panic(err)
	}
	defer client.CloseIdleConnections()

	dep, err := client.CreateDeposit(context.Background(), d24.DepositRequest{
		InvoiceID: "order-7001", Amount: types.MustParseAmount("10"), Country: "BR"})
	if err != nil {
		panic(err)
	}
	// As the payer paying: COMPLETED, and the deposit's notification_url is notified.
	if err := srv.SetDepositStatus(dep.DepositID, "COMPLETED"); err != nil {
		panic(err)
	}
	st, _ := client.GetDeposit(context.Background(), dep.DepositID)
	fmt.Println(dep.CheckoutType, st.Status, len(srv.Requests()))
	// Output: HOSTED COMPLETED 2
}

// Faults prove your code's handling of a lost answer: the deposit exists, the
// client cannot know, and sending the same request again settles it without
// a second deposit.
func ExampleServer_InjectFaults() {
	srv := d24test.NewServer()
	defer srv.Close()
	client, _ := d24.New(d24.Config{Login: srv.Login, SecretKey: srv.SecretKey,
		APIURL: srv.APIURL, CardAPIURL: srv.CardAPIURL, AllowInsecureHTTP: true},
		d24.WithRetryPolicy(d24.RetryPolicy{MaxAttempts: 1}))
	defer client.CloseIdleConnections()
	req := d24.DepositRequest{InvoiceID: "order-7002", Amount: types.MustParseAmount("10"), Country: "BR"}

	srv.InjectFaults(d24test.Fault{Kind: d24test.FaultDropAfterProcessing})
	_, err := client.CreateDeposit(context.Background(), req)
	var unknown *d24.OutcomeUnknownError
	fmt.Println(errors.As(err, &unknown))

	dep, err := client.CreateDeposit(context.Background(), req) // the same request: the same key
	fmt.Println(err, dep.DepositID != 0, len(srv.DepositsByInvoice()["order-7002"]))
	// Output:
	// true
	// <nil> true 1
}
