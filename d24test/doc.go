// Package d24test is an in-process fake D24: the API host (deposits and their
// status) and the card API host (PCI card deposits) on loopback, so that tests
// and examples run with no credentials and no network.
//
// It behaves like D24 as its reference pages describe it, quirks included. It
// checks every request the way D24 does, in D24's order (missing header 101,
// unknown login 100, X-Date outside the skew window 103, wrong signature 102,
// blank optional header 105, then the body against the same OpenAPI documents
// the client uses: 201 BEAN_VALIDATION_ERROR with one detail per field). It
// simulates D24's staging test cards, ONE_SHOT and HOSTED deposits, status
// changes with notifications retried on D24's schedule, idempotency keys (both
// possible behaviours), and faults: 5xx before processing, answers lost after
// processing, slow answers and 429 with Retry-After.
//
// HEAD is answered as GET is, status and headers without the body, wherever
// GET is allowed.
//
// Its signature check and everything else here is its own reading of D24's
// documentation: it shares no code with the client, so it catches the client's
// mistakes instead of mirroring them.
//
//	srv := d24test.NewServer()
//	defer srv.Close()
//	// point the client at srv.APIURL and srv.CardAPIURL, log in with
//	// srv.Login and srv.SecretKey.
//
// # The payer's pages
//
// A deposit's redirect_url (/validate/{id}/{token} for HOSTED,
// /v1/checkout/{id}/{token} for ONE_SHOT, on the API host) is a checkout page:
// plain HTML showing the amount, the merchant invoice, the payment method and
// a ONE_SHOT deposit's metadata (a reference, a Pix code), with buttons to pay
// (COMPLETED), cancel (CANCELLED) or let the deposit expire (EXPIRED). Each
// notifies the merchant as SetDepositStatus does, then sends the payer on
// (303 See Other) to the deposit's success_url, back_url or error_url, or shows
// a result page when it gave none. A deposit no longer PENDING shows its
// status and no buttons, and a POST to it is answered 409 with nobody notified.
//
// The token is 130 random bits: without it a page is 404, as for an unknown
// deposit. The forms are not signed (the payer holds no credentials); a
// browser's POST must come from the page itself (Sec-Fetch-Site, Origin). The
// pages load nothing and run no script; they are served with a restrictive
// Content-Security-Policy, and every value they show is escaped.
//
// # 3DS
//
// A PENDING_AUTHENTICATION card deposit's authentication_url,
// /v3/3ds/{id}/{token} on the card API host, is the payer's 3DS challenge. A
// browser's GET (Accept: text/html) shows it, and its form approves the
// authentication (COMPLETED) or fails it (DECLINED), notifying the merchant.
// An API client's GET describes it in JSON and changes nothing, with no
// credentials. A POST signed like any card API request, with the sandbox's
// credentials, passes the authentication: the deposit becomes COMPLETED and
// the merchant is notified. A deposit that is not waiting for authentication
// (DECLINED, COMPLETED, not a 3DS card deposit) stays as it is and the POST is
// answered 409 DEPOSIT_NOT_PENDING_AUTHENTICATION (the sandbox's own code: the
// endpoint is not D24's). D24's signature covers neither the method nor the
// path, so the token is what names the deposit: a signed POST without it, or
// with another, is answered 404 (a signed GET replayed as a POST completes
// nothing). Other methods are answered 405 with Allow.
//
// # Limits
//
// The sandbox may be reached by other processes (cmd/d24sandbox serves it to
// curl and other languages), so it bounds what a client can make it hold:
//
//   - Connections: headers must arrive within WithReadHeaderTimeout and a body
//     within WithBodyReadTimeout (408 otherwise); an answer must be taken
//     within WithWriteTimeout; a keep-alive connection idle for WithIdleTimeout
//     is closed. Headers are limited to 64 KiB, bodies to 1 MiB; the body of a
//     request that reads none (a page, a lookup) is not waited for.
//   - Bodies and the request log: the headers of a signed request are checked
//     (101, 100, 103) before its body is read, so a stranger's body is never
//     read. Only authenticated requests are recorded: an unknown path, a wrong
//     method or a failed check leaves no trace in Requests and takes no
//     injected fault. Requests and Notifications keep the newest WithLogLimit
//     entries; a recorded body is redacted, then cut to WithLogBodyLimit bytes.
//   - Notifications: at most WithNotificationWorkers are sent at once and
//     WithNotificationQueueLimit wait for delivery or a retry; a retry waits in
//     a queue, not in a goroutine. A status change beyond the queue is logged
//     as an attempt that failed with "queue full". A merchant's answer is read
//     up to 64 KiB and closed, so that its connection serves the next
//     notification and a merchant answering without end is not read without
//     end.
//   - Deposits, refunds and idempotency: the newest 10,000 deposits, refunds
//     and answers stored under keys are kept (WithLimits); creating one more
//     forgets the oldest, at a constant cost.
//     A forgotten deposit or refund answers as one that never existed: 404 with
//     code 208 RESOURCE_NOT_FOUND. A request repeating a forgotten key is
//     served as a new one.
//   - Stopping: Close (or Shutdown with a context of its own) stops
//     notifications and injected delays, lets the requests in progress finish
//     for WithShutdownTimeout, then closes the connections left, a client
//     stalled in the middle of a body included. When it returns no goroutine
//     of the sandbox is left.
//
// # Control API
//
// What a Go test does with SetDepositStatus, Notifications or InjectFaults, a
// test in any language does over HTTP, under /sandbox/ on the API host (not
// on the card host), signed like any D24 request with the sandbox's
// credentials:
//
//	POST /sandbox/deposits/{id}/status   {"deposit_id": {id}, "status": "COMPLETED"}  sets it and notifies, as SetDepositStatus
//	POST /sandbox/refunds/{id}/status    {"refund_id": {id}, "status": "COMPLETED"}   sets it and notifies, as SetRefundStatus
//	GET  /sandbox/deposits               ?invoice_id= to filter   {"deposits": [...]}
//	GET  /sandbox/notifications          ?deposit_id= or ?refund_id=  {"notifications": [...]}, one per delivery attempt
//	GET  /sandbox/requests               {"requests": [...]}, as Requests
//	POST /sandbox/faults                 {"faults": [{"kind": "server_error"}, {"kind": "delay", "delay_ms": 1500},
//	                                      {"kind": "too_many_requests", "retry_after": 2}]}  as InjectFaults
//
// A status must be one of D24's documents (deposits: CREATED, PENDING,
// APPROVED, EARLY_RELEASED, FOR_REVIEW, EXPIRED, CANCELLED, COMPLETED,
// DECLINED; refunds: PENDING, INCORRECT_DETAILS, DELIVERED, CANCELLED,
// REJECTED, COMPLETED), set from any status, the current one included (which
// notifies again, as D24's merchant panel can). Errors have D24's shape: 201
// with a detail naming the field and the accepted values, 208 for an unknown
// id, 502 for a body that is not JSON. Control requests are neither recorded
// in Requests nor given injected faults: they are not D24's.
//
// # Local notification URLs
//
// D24 notifies https:// URLs only, and so does the sandbox, unless
// WithLoopbackHTTPNotifications allows http:// on this machine (127.0.0.0/8,
// ::1 or localhost, written literally) for a merchant endpoint under test.
// Either way a URL, the merchant panel's (WithNotificationURL) included, is
// held to the documents' https-url format: a host, and no control character,
// whitespace or invisible character.
package d24test
