package d24_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/d24go/d24"
	"github.com/d24go/d24/d24test"
	"github.com/d24go/d24/generated/deposits"
)

// A refund's ID is one type wherever the SDK takes or gives it: a created
// refund's RefundID is what GetRefund (the client's and the generated
// client's) takes and what a refund notification carries, so it passes from
// one to the other without a conversion. D24's pages make it an integer: the
// status path's refund_id, the notification's {"refund_id": 168284}, the
// creation answer's 168284 (or "80000001", a string of digits).
func TestRefundIDIsOneType(t *testing.T) {
	id := reflect.TypeOf(d24.RefundResponse{}.RefundID)
	if id.Kind() != reflect.Int64 {
		t.Errorf("RefundResponse.RefundID is a %s; D24's pages make it an integer", id)
	}
	for name, typ := range map[string]reflect.Type{
		"Client.GetRefund's refundID":              reflect.TypeOf((*d24.Client).GetRefund).In(2),
		"deposits.Client.GetRefund's refundID":     reflect.TypeOf((*deposits.Client).GetRefund).In(2),
		"deposits.NewGetRefundRequest's refundID":  reflect.TypeOf(deposits.NewGetRefundRequest).In(1),
		"deposits.RefundNotification.RefundID":     reflect.TypeOf(deposits.RefundNotification{}.RefundID),
		"RefundNotificationFunc's refundID":        reflect.TypeOf(d24.RefundNotificationFunc(nil)).In(1),
		"ParseRefundNotification's refundID":       reflect.TypeOf(d24.ParseRefundNotification).Out(0),
		"deposits.ClientWithResponses.GetRefund's": reflect.TypeOf((*deposits.ClientWithResponses).GetRefundWithResponse).In(2),
	} {
		if typ != id {
			t.Errorf("%s is a %s, RefundResponse.RefundID a %s", name, typ, id)
		}
	}
}

// Both forms D24 sends a created refund's refund_id in decode into the same
// ID, which GetRefund finds; anything but an integer is a malformed answer.
func TestRefundIDDecodes(t *testing.T) {
	for body, want := range map[string]string{
		`{"refund_id": 168284}`:                                         "168284",
		`{"refund_id": "80000001", "deposit_id": 1}`:                    "80000001",
		`{"refund_id": "9223372036854775807"}`:                          "9223372036854775807",
		`{"refund_id": 80000001, "refund_info": {"result": "SUCCESS"}}`: "80000001",
	} {
		var got d24.RefundResponse
		if err := json.Unmarshal([]byte(body), &got); err != nil || fmt.Sprint(got.RefundID) != want {
			t.Errorf("%s: %v %v, want %s", body, got.RefundID, err, want)
		}
	}
	for _, body := range []string{`{"refund_id": "abc"}`, `{"refund_id": 1.5}`, `{"refund_id": "1.5"}`, `{"refund_id": "1e3"}`,
		`{"refund_id": "9223372036854775808"}`, `{"refund_id": " 1"}`, `{"refund_id": ""}`, `{"refund_id": true}`, `{"refund_id": {}}`} {
		var got d24.RefundResponse
		if err := json.Unmarshal([]byte(body), &got); err == nil {
			t.Errorf("%s decoded as %v", body, got.RefundID)
		}
	}

	// Through the client, a refund_id that is not a positive integer is not
	// an answer (a POST's: an unknown outcome), never a success.
	ctx := context.Background()
	for _, body := range []string{`{"refund_id": "abc"}`, `{"refund_id": "0"}`, `{"refund_id": 1.5}`} {
		api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body) }))
		c, err := d24.New(d24.Config{Login: d24test.DefaultLogin, SecretKey: d24test.DefaultSecretKey, APIURL: api.URL, CardAPIURL: api.URL,
			AllowInsecureHTTP: true}, d24.WithRetryPolicy(d24.RetryPolicy{MaxAttempts: 1}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateFullRefund(ctx, d24.RefundRequest{DepositID: 1, InvoiceID: "a"}); !errors.Is(err, d24.ErrMalformedAnswer) {
			t.Errorf("%s: %v, want ErrMalformedAnswer", body, err)
		}
		c.CloseIdleConnections()
		api.Close()
	}
}
