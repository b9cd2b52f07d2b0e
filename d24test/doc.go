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
// Its signature check and everything else here is its own reading of D24's
// documentation: it shares no code with the client, so it catches the client's
// mistakes instead of mirroring them.
//
//	srv := d24test.NewServer()
//	defer srv.Close()
//	// point the client at srv.APIURL and srv.CardAPIURL, log in with
//	// srv.Login and srv.SecretKey.
//
// # 3DS
//
// A PENDING_AUTHENTICATION card deposit's authentication_url, /v3/3ds/{id} on
// the card API host, stands in for the payer's 3DS page. GET describes it and
// changes nothing, with no credentials. POST, signed like any card API request
// with the sandbox's credentials, passes the authentication: the deposit
// becomes COMPLETED and the merchant is notified. A deposit that is not
// waiting for authentication (DECLINED, COMPLETED, not a 3DS card deposit)
// stays as it is and the POST is answered 409 DEPOSIT_NOT_PENDING_AUTHENTICATION
// (the sandbox's own code: the endpoint is not D24's). Other methods are
// answered 405 with Allow.
package d24test
