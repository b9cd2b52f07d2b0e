package d24_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/d24go/d24"
)

// refusingClient returns a client of a server that answers every request 400
// with what body holds when it is asked.
func refusingClient(t *testing.T) (c *d24.Client, body *string) {
	t.Helper()
	body = new(string)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, *body)
	}))
	t.Cleanup(srv.Close)
	c, err := d24.New(d24.Config{Login: "l", SecretKey: "s", APIURL: srv.URL, CardAPIURL: srv.URL, AllowInsecureHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c, body
}

// Every named code matches errors.Is from D24's flat error body and from the
// nested {"error": {"code", "message"}} one, and both fill the same fields.
func TestErrorCodesInBothShapes(t *testing.T) {
	codes := []d24.ErrorCode{
		d24.ErrInvalidCredentials, d24.ErrMissingRequiredHeader, d24.ErrInvalidSignature, d24.ErrInvalidDateRange,
		d24.ErrIdempotencyKeyUsed, d24.ErrEmptyHeaderValue, d24.ErrMethodNotAllowed, d24.ErrBeanValidation,
		d24.ErrInvalidIP, d24.ErrVelocityCheck, d24.ErrResourceNotFound, d24.ErrUserLimitExceeded,
		d24.ErrInvalidAmount, d24.ErrPaymentMethodNotFound, d24.ErrInvalidUserDocument, d24.ErrPaymentMethodUnavailable,
		d24.ErrMissingRequiredFields, d24.ErrGenericError, d24.ErrInvalidRequestBody,
		d24.ErrRefundNotEnabled, d24.ErrDepositNotCompleted, d24.ErrInvalidAmountToRefund, d24.ErrInsufficientFunds,
		d24.ErrMissingBankAccount, d24.ErrRefundNotProcessed,
	}
	c, body := refusingClient(t)
	for _, code := range codes {
		if code.Type() == "" {
			t.Errorf("code %d has no name", int(code))
		}
		for shape, b := range map[string]string{
			"flat":   fmt.Sprintf(`{"code":%d,"description":"what happened","type":%q}`, int(code), code.Type()),
			"nested": fmt.Sprintf(`{"error":{"code":%d,"message":"what happened"}}`, int(code)),
		} {
			*body = b
			_, err := c.GetDeposit(context.Background(), 300000001)
			var apiErr *d24.APIError
			if !errors.Is(err, code) || !errors.As(err, &apiErr) || apiErr.Code != code || apiErr.Type != code.Type() ||
				apiErr.Description != "what happened" || apiErr.StatusCode != 400 {
				t.Errorf("%s body of code %d: %v (%+v)", shape, int(code), err, apiErr)
			}
		}
	}
	// Members of another type do not lose the code: Spring's "error" string,
	// details as one string.
	for _, b := range []string{
		`{"code":201,"description":"what happened","error":"Bad Request","type":"BEAN_VALIDATION_ERROR"}`,
		`{"code":201,"description":"what happened","details":"payer.email: must be a valid email"}`,
	} {
		*body = b
		_, err := c.GetDeposit(context.Background(), 300000001)
		var apiErr *d24.APIError
		if !errors.Is(err, d24.ErrBeanValidation) || !errors.As(err, &apiErr) || apiErr.Description != "what happened" {
			t.Errorf("%s: %v", b, err)
		}
	}
	if got := d24.ErrInvalidSignature.Error(); got != "d24 error code 102 INVALID_SIGNATURE" {
		t.Errorf("ErrInvalidSignature.Error() = %q", got)
	}
}

// A POST refused in either of D24's shapes is a plain *APIError: D24 refused
// it in its own words, so nothing was processed. A 104 in either shape (the
// key was used before) is an unknown outcome, never a refusal.
func TestBothShapesJudgeAPost(t *testing.T) {
	c, body := refusingClient(t)
	for shape, format := range map[string]string{
		"flat":   `{"code":%d,"description":"refused","type":"A_TYPE"}`,
		"nested": `{"error":{"code":%d,"message":"refused"}}`,
	} {
		*body = fmt.Sprintf(format, int(d24.ErrBeanValidation))
		_, err := c.CreateCardDeposit(context.Background(), cardDeposit("shape-"+shape, canaryCard))
		var apiErr *d24.APIError
		var unknown *d24.OutcomeUnknownError
		if errors.As(err, &unknown) || !errors.As(err, &apiErr) || !errors.Is(err, d24.ErrBeanValidation) || apiErr.Description != "refused" {
			t.Errorf("%s refusal: want a plain *APIError, got %T: %v", shape, err, err)
		}

		*body = fmt.Sprintf(format, int(d24.ErrIdempotencyKeyUsed))
		_, err = c.CreateCardDeposit(context.Background(), cardDeposit("shape-"+shape, canaryCard))
		if !errors.As(err, &unknown) || !errors.Is(err, d24.ErrIdempotencyKeyUsed) {
			t.Errorf("%s 104: want an unknown outcome wrapping 104, got %T: %v", shape, err, err)
		}
	}
}
