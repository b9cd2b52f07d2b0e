// Package middleware holds the http.RoundTrippers a payments API call needs
// beyond a plain HTTP request: request validation against an OpenAPI
// document, idempotency keys, payments-safe retries, OpenTelemetry tracing
// and metrics, and the request's authentication. It serves any API that signs
// its requests (an HMAC) or takes a token; D24's signature and description
// live in one file (signer.go: Signer, D24), and every other layer takes what
// it needs of an API from an API value and an OpenAPI document.
//
// Each layer works alone around any http.RoundTripper, so it can serve any
// http.Client or any generated client (oapi-codegen, go-swagger). NewChain
// puts them together in the one order that keeps their promises (outermost
// first):
//
//	call span -> validation -> idempotency -> retry -> attempt span -> authentication -> transport
//
// A key chosen inside the retry loop would differ per attempt and defeat
// deduplication; a signature made outside it would go stale; validation
// outside it runs once. The authentication step is NewChain's option
// (WithAuthenticator): D24's Signer by default, the Bearer or an API's own
// signer in its place.
//
// A request that is not safe to repeat (a POST) is judged over all its
// attempts, in the retry layer, which sees each one: it ends in a 2xx answer,
// a refusal in the API's own words that proves nothing was processed, an
// error of attempts that never got a connection, or an *OutcomeUnknownError.
// Every attempt and every call is bounded in time (RetryPolicy.AttemptTimeout
// and CallTimeout).
//
// The retry layer also tells an AttemptObserver of every attempt it judges
// (WithAttemptObserver); the chain's OpenTelemetry metrics are recorded from
// those events (WithMetrics).
package middleware
