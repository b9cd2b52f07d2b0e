package d24_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/d24go/d24"
	"github.com/d24go/d24/d24test"
)

// A client with the read-only key as well, for the lookups.
func sandboxClientWithLookups() (*d24.Client, *d24test.Server) {
	srv := d24test.NewServer()
	client, err := d24.New(d24.Config{Login: srv.Login, SecretKey: srv.SecretKey, ReadOnlyKey: srv.ReadOnlyKey,
		APIURL: srv.APIURL, CardAPIURL: srv.CardAPIURL, AllowInsecureHTTP: true})
	if err != nil {
		panic(err)
	}
	return client, srv
}

// The lookups use the read-only key (Config.ReadOnlyKey) as a Bearer token,
// never the secret key.
func ExampleClient_PaymentMethods() {
	client, srv := sandboxClientWithLookups()
	defer srv.Close()
	methods, err := client.PaymentMethods(context.Background(), "BR")
	if err != nil {
		panic(err)
	}
	for _, m := range methods[:2] {
		fmt.Println(m.Code, m.Name) // m.Code is what DepositRequest.PaymentMethod takes
	}

	withoutKey, other := sandboxClient()
	defer other.Close()
	_, err = withoutKey.PaymentMethods(context.Background(), "BR")
	fmt.Println(err)
	// Output:
	// BB Banco do Brasil
	// UL Banrisul AM
	// d24: listPaymentMethods needs Config.ReadOnlyKey (D24's read-only API key): no read-only key
}

// A refund is followed like a deposit: GetRefund now, or D24's {"refund_id": N}
// notifications through RefundNotificationHandler.
func ExampleClient_RefundNotificationHandler() {
	client, srv := sandboxClient()
	defer srv.Close()
	ctx := context.Background()
	dep, err := client.CreateCardDeposit(ctx, cardDeposit("order-6001", "4111111111111111"))
	if err != nil {
		panic(err)
	}
	refund, err := client.CreateFullRefund(ctx, d24.RefundRequest{DepositID: dep.DepositID, InvoiceID: "order-6001"})
	if err != nil {
		panic(err)
	}
	refundID := refund.RefundID // D24 sends it as a number or a string; it decodes as an int64 either way
	status, err := client.GetRefund(ctx, refundID)
	if err != nil {
		panic(err)
	}
	fmt.Println("refund is", status.Status)

	// Mount it at the refund's notification_url.
	h := client.RefundNotificationHandler(func(ctx context.Context, id int64, st *d24.RefundStatus) error {
		fmt.Println("notified: refund", id == refundID, st.Status)
		return nil
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/d24/refunds", strings.NewReader(fmt.Sprintf(`{"refund_id": %d}`, refundID))))
	fmt.Println(rec.Code)
	// Output:
	// refund is COMPLETED
	// notified: refund true COMPLETED
	// 200
}
