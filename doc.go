// Package d24 is a Go client for D24's Deposits API (also sold as Directa24,
// OneKeyPayments and PandaBlue): card deposits server to server (PCI), deposits
// paid by bank transfer, vouchers or Pix, and each deposit's status.
//
// A card deposit in five lines:
//
//	client, err := d24.New(d24.Config{Login: login, SecretKey: secret})
//	dep, err := client.CreateCardDeposit(ctx, d24.CardDepositRequest{...})
//	if dep.PaymentInfo.Result == d24.CardResultRejected { ... } // an answer, not an error
//
// Every call is validated against D24's OpenAPI documents before it is sent,
// carries an idempotency key chosen once and reused by its retries, is retried
// only when that cannot charge twice, is signed per attempt, and is traced and
// measured with OpenTelemetry (WithTracing, WithMetrics). No secret
// key, card number or CVV ever reaches a log, a span, a metric or an error.
//
// Errors: a D24 error answer is an *APIError (errors.Is against ErrInvalidSignature
// and the other codes); a request refused before sending is a *ValidationError;
// a POST whose outcome cannot be known is an *OutcomeUnknownError (the
// middleware's, which errors.As finds as either name) carrying the idempotency
// key and invoice_id (Reference) to reconcile with.
//
// Package d24test runs a fake D24 in-process for tests.
package d24
