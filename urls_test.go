package d24_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/d24go/d24"
	"github.com/d24go/d24/d24test"
	"github.com/d24go/d24/types"
)

// notRealURLs are URLs D24 could never notify or send a payer to: no host, a
// control character (C0, DEL, C1), whitespace of any kind, an invisible
// character.
var notRealURLs = map[string]string{
	"no host":               "https:///notify",
	"only a port":           "https://:443/notify",
	"only a user":           "https://user@/notify",
	"nothing after https":   "https://",
	"NUL":                   "https://\x00",
	"vertical tab":          "https://\v",
	"tab in the host":       "https://shop\t.example/notify",
	"NBSP":                  "https://\u00a0",
	"NBSP in the path":      "https://shop.example/d24\u00a0notify",
	"line separator":        "https://shop.example/notify\u2028",
	"ideographic space":     "https://shop.example/\u3000notify",
	"DEL":                   "https://shop.example/\u007fnotify",
	"C1 control":            "https://shop.example/\u0080notify",
	"next line (C1)":        "https://shop.example/\u0085notify",
	"zero-width space":      "https://shop.example/\u200bnotify",
	"BOM":                   "https://\ufeffshop.example/notify",
	"bidi override":         "https://shop.example/\u202enotify",
	"plain http":            "http://shop.example/notify",
	"upper-case scheme":     "HTTPS://shop.example/notify",
	"invalid escape":        "https://shop.example/%zz",
	"no scheme":             "shop.example/notify",
	"NBSP as the only host": "https://\u00a0/notify",
}

// Every URL field D24 calls or sends the payer to is refused before sending
// when it is not a real URL, with a ValidationError naming the field and the
// rule and quoting nothing; real URLs pass.
func TestURLFieldsMustBeRealURLs(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	client := newClient(t, srv)
	defer client.CloseIdleConnections()
	ctx := context.Background()
	depositFields := map[string]func(r *d24.DepositRequest, url string){
		"back_url":         func(r *d24.DepositRequest, url string) { r.BackURL = url },
		"success_url":      func(r *d24.DepositRequest, url string) { r.SuccessURL = url },
		"error_url":        func(r *d24.DepositRequest, url string) { r.ErrorURL = url },
		"notification_url": func(r *d24.DepositRequest, url string) { r.NotificationURL = url },
		"logo":             func(r *d24.DepositRequest, url string) { r.Logo = url },
	}
	send := map[string]func(url string) error{}
	for field, set := range depositFields {
		send["deposit "+field] = func(url string) error {
			r := d24.DepositRequest{InvoiceID: "url-1", Amount: types.MustParseAmount("10"), Country: "BR"}
			set(&r, url)
			_, err := client.CreateDeposit(ctx, r)
			return err
		}
	}
	send["refund notification_url"] = func(url string) error {
		_, err := client.CreateFullRefund(ctx, d24.RefundRequest{DepositID: 1, InvoiceID: "url-1", NotificationURL: url})
		return err
	}
	for name, send := range send {
		field := name[strings.IndexByte(name, ' ')+1:]
		for why, url := range notRealURLs {
			t.Run(name+"/"+why, func(t *testing.T) {
				err := send(url)
				var invalid *d24.ValidationError
				if !errors.As(err, &invalid) {
					t.Fatalf("want a ValidationError, got %v", err)
				}
				if len(invalid.Violations) != 1 || invalid.Violations[0].Field != field ||
					!strings.HasPrefix(invalid.Violations[0].Rule, "must be an https:// URL") {
					t.Errorf("want one violation of %s naming the URL rule, got %v", field, invalid)
				}
				if rest := strings.TrimPrefix(strings.TrimPrefix(url, "https://"), "http://"); rest != "" && strings.Contains(err.Error(), rest) {
					t.Errorf("the error quotes the URL: %v", err)
				}
			})
		}
	}
	if reqs := srv.Requests(); len(reqs) != 0 {
		t.Fatalf("%d requests with a URL that is not one reached D24", len(reqs))
	}

	for _, url := range []string{"https://shop.example/d24/notify?order=1001#top", "https://shop_1.example:8443/n",
		"https://[2001:db8::1]/n", "https://shop.example/pagó", "https://user@shop.example/n"} {
		for field, set := range depositFields {
			r := d24.DepositRequest{InvoiceID: "url-2", Amount: types.MustParseAmount("10"), Country: "BR"}
			set(&r, url)
			if _, err := client.CreateDeposit(ctx, r); err != nil {
				t.Errorf("%s %s: %v", field, url, err)
			}
		}
	}
}
