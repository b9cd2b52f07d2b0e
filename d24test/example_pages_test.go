package d24test_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/d24go/d24"
	"github.com/d24go/d24/d24test"
	"github.com/d24go/d24/types"
)

// A deposit's redirect_url is the sandbox's checkout page: open it in a
// browser, or, in a test, post its form as the payer's "Pay" button does. The
// deposit becomes COMPLETED, its notification_url is notified, and the payer
// is sent on to its success_url.
func ExampleNewServer_checkout() {
	srv := d24test.NewServer()
	defer srv.Close()
	client, err := d24.New(d24.Config{Login: srv.Login, SecretKey: srv.SecretKey,
		APIURL: srv.APIURL, CardAPIURL: srv.CardAPIURL, AllowInsecureHTTP: true})
	if err != nil {
		panic(err)
	}
	defer client.CloseIdleConnections()
	ctx := context.Background()
	dep, err := client.CreateDeposit(ctx, d24.DepositRequest{InvoiceID: "order-7003", Amount: types.MustParseAmount("10"),
		Country: "BR", SuccessURL: "https://shop.example/paid", BackURL: "https://shop.example/cart"})
	if err != nil {
		panic(err)
	}

	payer := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := payer.PostForm(dep.RedirectURL, url.Values{"action": {"pay"}}) // or "cancel", "expire"
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	st, _ := client.GetDeposit(ctx, dep.DepositID)
	fmt.Println(resp.StatusCode, resp.Header.Get("Location"), st.Status)
	// Output: 303 https://shop.example/paid COMPLETED
}
