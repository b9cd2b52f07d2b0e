package d24test_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/d24go/d24"
	"github.com/d24go/d24/d24test"
	"github.com/d24go/d24/types"
)

// A notification endpoint under test needs no certificate: with
// WithLoopbackHTTPNotifications the sandbox notifies plain HTTP on loopback,
// here as the merchant panel's URL (the client sends https:// notification
// URLs only, as D24 takes them).
func ExampleWithLoopbackHTTPNotifications() {
	completed := make(chan *d24.DepositStatus, 1)
	mux := http.NewServeMux()
	merchant := httptest.NewServer(mux) // http://127.0.0.1:port
	defer merchant.Close()

	srv := d24test.NewServer(d24test.WithLoopbackHTTPNotifications(),
		d24test.WithNotificationURL(merchant.URL+"/d24/notifications"))
	defer srv.Close()
	client, err := d24.New(d24.Config{Login: srv.Login, SecretKey: srv.SecretKey,
		APIURL: srv.APIURL, CardAPIURL: srv.CardAPIURL, AllowInsecureHTTP: true})
	if err != nil {
		panic(err)
	}
	defer client.CloseIdleConnections()
	mux.Handle("POST /d24/notifications", client.NotificationHandler(func(ctx context.Context, st *d24.DepositStatus) error {
		if st.Status == d24.StatusCompleted {
			select {
			case completed <- st:
			default: // notified again: already seen
			}
		}
		return nil
	}))

	dep, err := client.CreateDeposit(context.Background(), d24.DepositRequest{
		InvoiceID: "order-7003", Amount: types.MustParseAmount("10"), Country: "BR"})
	if err != nil {
		panic(err)
	}
	// As the payer paying: COMPLETED, and the merchant is notified.
	if err := srv.SetDepositStatus(dep.DepositID, "COMPLETED"); err != nil {
		panic(err)
	}
	st := <-completed
	fmt.Println(st.InvoiceID, st.Status)
	// Output: order-7003 COMPLETED
}
