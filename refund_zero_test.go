package d24_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/d24go/d24"
	"github.com/d24go/d24/d24test"
	"github.com/d24go/d24/generated/deposits"
	"github.com/d24go/d24/middleware"
	"github.com/d24go/d24/openapi"
)

// D24 reads a refund without an amount as a full refund, so no path may turn
// a zero or negative amount into an absent one: on every public path
// (Client.CreateRefund, the generated client of Client.API(), and a generated
// client built on middleware.NewChain, typed or with a raw body) such an
// amount is refused with a ValidationError on amount, and nothing reaches
// D24. The typed requests are decoded from JSON, as a caller's would be, so
// that the amount is whatever the model makes of a zero.
func TestZeroRefundIsNeverAFullRefund(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	client := newClient(t, srv)
	defer client.CloseIdleConnections()
	ctx := context.Background()
	dep, err := client.CreateCardDeposit(ctx, cardDeposit("zero-refund", canaryCard))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi.Shared(openapi.Deposits)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := middleware.NewChain(srv.Login, srv.SecretKey, middleware.WithDocument(doc))
	if err != nil {
		t.Fatal(err)
	}
	httpClient := &http.Client{Transport: rt, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer httpClient.CloseIdleConnections()
	chained, err := deposits.NewClient(srv.APIURL, deposits.WithHTTPClient(httpClient))
	if err != nil {
		t.Fatal(err)
	}

	typed := func(send func(deposits.RefundRequest) (*http.Response, error)) func(string) error {
		return func(body string) error {
			var req deposits.RefundRequest
			if err := json.Unmarshal([]byte(body), &req); err != nil {
				t.Fatal(err)
			}
			resp, err := send(req)
			if resp != nil {
				resp.Body.Close()
			}
			return err
		}
	}
	raw := func(send func(context.Context, *deposits.CreateRefundParams, string, *strings.Reader) (*http.Response, error)) func(string) error {
		return func(body string) error {
			resp, err := send(ctx, nil, "application/json", strings.NewReader(body))
			if resp != nil {
				resp.Body.Close()
			}
			return err
		}
	}
	paths := []struct {
		name string
		send func(body string) error
	}{
		{"Client.CreateRefund", func(body string) error {
			var req d24.RefundRequest
			if err := json.Unmarshal([]byte(body), &req); err != nil {
				t.Fatal(err)
			}
			_, err := client.CreateRefund(ctx, req)
			return err
		}},
		{"Client.API().CreateRefund", typed(func(req deposits.RefundRequest) (*http.Response, error) {
			return client.API().CreateRefund(ctx, nil, req)
		})},
		{"Client.API().CreateRefundWithBody", raw(func(ctx context.Context, p *deposits.CreateRefundParams, ct string, body *strings.Reader) (*http.Response, error) {
			return client.API().CreateRefundWithBody(ctx, p, ct, body)
		})},
		{"NewChain client CreateRefund", typed(func(req deposits.RefundRequest) (*http.Response, error) {
			return chained.CreateRefund(ctx, nil, req)
		})},
		{"NewChain client CreateRefundWithBody", raw(func(ctx context.Context, p *deposits.CreateRefundParams, ct string, body *strings.Reader) (*http.Response, error) {
			return chained.CreateRefundWithBody(ctx, p, ct, body)
		})},
	}
	for _, path := range paths {
		for _, amount := range []string{`0`, `0.00`, `-1`, `-0.01`, `"0"`, `"0.00"`, `"00"`} {
			t.Run(path.name+"/"+amount, func(t *testing.T) {
				body := fmt.Sprintf(`{"deposit_id":%d,"invoice_id":"zero-refund","amount":%s}`, dep.DepositID, amount)
				err := path.send(body)
				var invalid *d24.ValidationError
				if !errors.As(err, &invalid) || !slices.Contains(invalid.Fields(), "amount") {
					t.Errorf("want a ValidationError on amount, got %v", err)
				}
			})
		}
	}
	if refunds := srv.Refunds(); len(refunds) != 0 {
		t.Fatalf("a zero or negative amount was refunded: %+v", refunds)
	}
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/v3/refunds") {
			t.Errorf("a refund request reached D24: %s %s", r.Method, r.Path)
		}
	}

	// Left out, the amount asks for the whole deposit, which is what the
	// refunds above would have become.
	if _, err := client.CreateFullRefund(ctx, d24.RefundRequest{DepositID: dep.DepositID, InvoiceID: "zero-refund"}); err != nil {
		t.Fatal(err)
	}
	if refunds := srv.Refunds(); len(refunds) != 1 || refunds[0].Amount.String() != "100.5" {
		t.Errorf("full refund: %+v", refunds)
	}
}
