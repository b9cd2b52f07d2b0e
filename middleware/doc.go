// Package middleware holds the http.RoundTrippers that a call to D24 needs beyond
// a plain HTTP request: request validation against an OpenAPI document,
// idempotency keys, payments-safe retries, OpenTelemetry tracing and D24's HMAC
// request signature.
//
// Each works alone around any http.RoundTripper, so it can serve any
// http.Client or any oapi-codegen client, not only this module's. NewChain puts
// them together in the one order that keeps their promises (outermost first):
//
//	call span -> validation -> idempotency -> retry -> attempt span -> signer -> transport
//
// A key chosen inside the retry loop would differ per attempt and defeat
// deduplication; a signature made outside it would go stale; validation outside
// it runs once. NewReadOnlyChain builds the same chain for D24's read-only
// lookups with the Bearer authenticator in the signer's place.
//
// A request that is not safe to repeat (a POST) is judged over all its
// attempts, in the retry layer, which sees each one: it ends in a 2xx answer,
// a refusal that proves nothing was processed, an error of attempts that never
// got a connection, or an *OutcomeUnknownError. Every attempt and every call is
// bounded in time (RetryPolicy.AttemptTimeout and CallTimeout).
//
// The retry layer also tells an AttemptObserver of every attempt it judges
// (WithAttemptObserver); the chain's OpenTelemetry metrics are recorded from
// those events (WithMetrics).
//
// The package knows nothing of D24's generated types: it takes what it needs
// (credentials, an OpenAPI document) as arguments.
package middleware
