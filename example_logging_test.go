package d24_test

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/d24go/d24"
)

// A request, its card and the client's configuration can be logged as they
// are: slog and fmt mask the card number, the CVV and the keys.
func ExampleCardDepositRequest() {
	req := d24.CardDepositRequest{
		InvoiceID: "order-1001",
		CreditCard: d24.CreditCard{CardNumber: "4111111111111111", Cvv: "123", HolderName: "JOHN SMITH",
			ExpirationMonth: "10", ExpirationYear: "30"},
	}
	cfg := d24.Config{Login: "merchant-login", SecretKey: "merchant-secret"}
	noTime := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: noTime}))
	logger.Info("charging", "card", &req.CreditCard, "cfg", cfg)
	fmt.Printf("%+v\n", req.CreditCard)
	// Output:
	// {"level":"INFO","msg":"charging","card":{"card_number":"411111******1111","cvv":"***","expiration_month":"10","expiration_year":"30","holder_name":"JOHN SMITH"},"cfg":{"Login":"merchant-login","SecretKey":"REDACTED","ReadOnlyKey":"","Environment":"staging","Brand":0,"APIURL":"","CardAPIURL":"","AllowInsecureHTTP":false}}
	// {CardNumber:411111******1111 Cvv:*** ExpirationMonth:10 ExpirationYear:30 HolderName:JOHN SMITH Number: PaymentMode:}
}
