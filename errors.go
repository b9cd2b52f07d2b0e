package d24

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/d24go/d24/internal/errorbody"
	"github.com/d24go/d24/middleware"
)

// ErrorCode is one of D24's numeric error codes. The constants below work with
// errors.Is against any error this package returns:
//
//	if errors.Is(err, d24.ErrInvalidSignature) { ... }
type ErrorCode int

// D24's error codes, as docs/d24-api.md lists them: those of D24's pages
// with their HTTP status, then those seen in public integrations. Ranges: 1xx
// headers, 2xx merchant/request, 3xx user, 4xx deposit creation, 5xx other,
// 7xx internal, 8xx refunds, 9xx cards.
const (
	ErrInvalidCredentials    ErrorCode = 100 // 401 INVALID_CREDENTIALS
	ErrMissingRequiredHeader ErrorCode = 101 // 400 MISSING_REQUIRED_HEADER
	ErrInvalidSignature      ErrorCode = 102 // 400 INVALID_SIGNATURE
	ErrInvalidDateRange      ErrorCode = 103 // 400 INVALID_DATE_RANGE
	ErrIdempotencyKeyUsed    ErrorCode = 104 // 400 IDEMPOTENCY_KEY_ALREADY_USED
	ErrEmptyHeaderValue      ErrorCode = 105 // 400 EMPTY_HEADER_VALUE
	ErrMethodNotAllowed      ErrorCode = 200 // 405 METHOD_NOT_ALLOWED
	ErrBeanValidation        ErrorCode = 201 // 400 BEAN_VALIDATION_ERROR
	ErrResourceNotFound      ErrorCode = 208 // 404 RESOURCE_NOT_FOUND
	ErrUserLimitExceeded     ErrorCode = 304 // USER_LIMIT_EXCEEDED
	ErrInvalidRequestBody    ErrorCode = 502 // INVALID_REQUEST_BODY
	ErrRefundNotEnabled      ErrorCode = 800 // 400 REFUND_NOT_ENABLED
	ErrDepositNotCompleted   ErrorCode = 801 // 400 DEPOSIT_NOT_COMPLETED
	ErrInvalidAmountToRefund ErrorCode = 802 // 400 INVALID_AMOUNT_TO_REFUND
	ErrInsufficientFunds     ErrorCode = 803 // 400 INSUFFICIENT_FUNDS
	ErrMissingBankAccount    ErrorCode = 804 // 400 MISSING_BANK_ACCOUNT
	ErrRefundNotProcessed    ErrorCode = 805 // 400 ERROR_IN_REFUND

	// Seen in public integrations, not on D24's pages (HTTP status not known).
	ErrInvalidIP                ErrorCode = 202 // INVALID_IP: the server's IP is not allow-listed in the Merchant Panel
	ErrVelocityCheck            ErrorCode = 203 // VELOCITY_CHECK: too many deposits for the payer in a period
	ErrInvalidAmount            ErrorCode = 400 // INVALID_AMOUNT: outside the payment method's limits
	ErrPaymentMethodNotFound    ErrorCode = 401 // PAYMENT_METHOD_NOT_FOUND
	ErrInvalidUserDocument      ErrorCode = 411 // INVALID_USER_DOCUMENT: the payer's document is not valid for the country
	ErrPaymentMethodUnavailable ErrorCode = 412 // PAYMENT_METHOD_UNAVAILABLE: temporarily
	ErrMissingRequiredFields    ErrorCode = 418 // MISSING_REQUIRED_FIELDS: the payment method needs more payer fields
	ErrGenericError             ErrorCode = 500 // GENERIC_ERROR
)

// errorTypes are the codes' names, as D24's type field gives them.
var errorTypes = map[ErrorCode]string{
	100: "INVALID_CREDENTIALS", 101: "MISSING_REQUIRED_HEADER", 102: "INVALID_SIGNATURE", 103: "INVALID_DATE_RANGE",
	104: "IDEMPOTENCY_KEY_ALREADY_USED", 105: "EMPTY_HEADER_VALUE", 200: "METHOD_NOT_ALLOWED", 201: "BEAN_VALIDATION_ERROR",
	202: "INVALID_IP", 203: "VELOCITY_CHECK", 208: "RESOURCE_NOT_FOUND", 304: "USER_LIMIT_EXCEEDED",
	400: "INVALID_AMOUNT", 401: "PAYMENT_METHOD_NOT_FOUND", 411: "INVALID_USER_DOCUMENT", 412: "PAYMENT_METHOD_UNAVAILABLE",
	418: "MISSING_REQUIRED_FIELDS", 500: "GENERIC_ERROR", 502: "INVALID_REQUEST_BODY",
	800: "REFUND_NOT_ENABLED", 801: "DEPOSIT_NOT_COMPLETED", 802: "INVALID_AMOUNT_TO_REFUND", 803: "INSUFFICIENT_FUNDS",
	804: "MISSING_BANK_ACCOUNT", 805: "ERROR_IN_REFUND",
}

// Type returns the code's name (INVALID_SIGNATURE), or "" for a code this
// package does not know.
func (c ErrorCode) Type() string { return errorTypes[c] }

func (c ErrorCode) Error() string {
	if t := c.Type(); t != "" {
		return fmt.Sprintf("d24 error code %d %s", int(c), t)
	}
	return fmt.Sprintf("d24 error code %d", int(c))
}

// APIError is an error answer from D24: its HTTP status and D24's error body.
// Its texts (Type, Description, Details) are D24's, scrubbed: the card number,
// CVV and keys of the call are removed wherever they appear, and so is anything
// that looks like card data or a value the message quotes.
type APIError struct {
	Operation   string
	StatusCode  int
	Code        ErrorCode // 0 when the body was not D24's (a proxy's error page)
	Type        string    // INVALID_SIGNATURE, BEAN_VALIDATION_ERROR, ...
	Description string
	Details     []string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "d24: %s: HTTP %d", e.Operation, e.StatusCode)
	if e.Code != 0 {
		fmt.Fprintf(&b, ", code %d", int(e.Code))
	}
	if e.Type != "" {
		b.WriteString(" " + e.Type)
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	if len(e.Details) > 0 {
		b.WriteString(" (" + strings.Join(e.Details, "; ") + ")")
	}
	return b.String()
}

// Is matches an ErrorCode: errors.Is(err, d24.ErrInvalidSignature).
func (e *APIError) Is(target error) bool {
	code, ok := target.(ErrorCode)
	return ok && e.Code != 0 && code == e.Code
}

// newAPIError reads D24's error body from a non-2xx answer's bytes, in either
// shape D24 sends (errorbody.Parse, the reader the middleware judges refusals
// by), its text scrubbed of the call's sensitive values.
func newAPIError(ctx context.Context, operation string, status int, body []byte) *APIError {
	e := &APIError{Operation: operation, StatusCode: status}
	wire, ok := errorbody.Parse(body)
	if !ok {
		e.Description = http.StatusText(status)
		return e
	}
	// The status and code are in the error anyway: a CVV equal to one is left
	// where it stands alone, or blanking it would tell it.
	scrub := middleware.ScrubberFrom(ctx).WithPublic(strconv.Itoa(status), strconv.Itoa(wire.Code))
	e.Code, e.Type = ErrorCode(wire.Code), scrub.Text(wire.Type)
	if e.Type == "" {
		e.Type = e.Code.Type()
	}
	e.Description = scrub.Text(wire.Description)
	for _, d := range wire.Details {
		e.Details = append(e.Details, scrub.Text(d))
	}
	return e
}

// ValidationError is a request refused before anything was sent, listing
// every field that breaks a rule of D24's documents. It never quotes a value.
type ValidationError = middleware.ValidationError

// Violation is one broken rule of a ValidationError.
type Violation = middleware.Violation

// OutcomeUnknownError is a POST (a deposit, a card deposit, a refund) that D24
// may or may not have processed: one of its attempts may have reached D24 (its
// answer was lost, it timed out after the request was sent, it was answered
// with a 5xx, a 408 or 429, a redirect, a page that is not D24's, or 104 "key
// already used") and no attempt was answered with a success. The card may have
// been charged, the deposit or the refund may exist.
//
// To settle it, send the same request again: with the default key, derived
// from the request itself, the same request carries the same IdempotencyKey
// (pass d24.WithIdempotencyKey(e.IdempotencyKey) if you set keys yourself), so
// D24 processes it at most once and answers with what it did. If that is
// unknown again, or D24 answers 104 (ErrIdempotencyKeyUsed), D24 has seen the
// request: find the deposit by its invoice_id, e.Reference (its notification,
// D24's panel), or the refund with GetRefund. Never create it again under a
// new invoice_id or a new key.
//
// It is the middleware's error, which the chain returns and the client fills
// in: errors.As finds it as either name. Reference is the request's
// invoice_id; Cause is D24's last answer (an *APIError, a *RedirectError), the
// error of a 2xx that is not an answer, or the last attempt's error, so
// errors.As(err, &apiErr) matches it too when D24 answered. Its text, %#v and
// JSON hold neither the answer's Header nor its Body.
type OutcomeUnknownError = middleware.OutcomeUnknownError

// RedirectError is a redirect answer. A signed request is never redirected: it
// would carry its body, card data included, and a valid signature elsewhere. A
// D24 host that redirects is misconfigured (or not D24): check the base URLs.
type RedirectError struct {
	Operation  string
	StatusCode int
	// Location is where the redirect pointed, with its query values redacted.
	Location string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("d24: %s: HTTP %d redirect to %q not followed: a signed request carrying card data never follows a redirect; check the base URLs",
		e.Operation, e.StatusCode, e.Location)
}

// Errors of calls that cannot be made, and of answers that are not answers.
var (
	// ErrNilContext is returned by a call given a nil context.
	ErrNilContext = errors.New("d24: nil context (use context.Background() or the request's context)")
	// ErrUninitializedClient is returned by a call on a Client that New did
	// not make (a nil or zero Client).
	ErrUninitializedClient = errors.New("d24: the Client was not made by d24.New")
	// ErrMalformedAnswer is wrapped by the error of a 2xx answer that is not
	// the operation's answer: a body that does not decode, lacks a field the
	// answer always has (deposit_id, refund_id, ...), or is D24's error body.
	// For a POST it is the cause of an OutcomeUnknownError.
	ErrMalformedAnswer = errors.New("d24: D24's 2xx answer is not a valid answer")
)

// ErrTLSVersion is the cause of a connection refused because the server does
// not speak TLS 1.2 or newer, which the default transport requires.
var ErrTLSVersion = errors.New("d24: the server does not offer TLS 1.2 or newer, which the client requires")

// transportError makes a connection error say what to do when it can.
func transportError(err error) error {
	var alert tls.AlertError
	if errors.As(err, &alert) && alert == 70 || strings.Contains(err.Error(), "protocol version not supported") {
		return fmt.Errorf("%w: %w", ErrTLSVersion, err)
	}
	return err
}

// redactedLocation is a redirect's Location header, as it may be recorded:
// query values redacted, path scrubbed of the call's sensitive values.
func redactedLocation(ctx context.Context, h http.Header) string {
	raw := h.Get("Location")
	loc, err := url.Parse(raw)
	if err != nil || raw == "" {
		return ""
	}
	return middleware.ScrubberFrom(ctx).URL(loc)
}
