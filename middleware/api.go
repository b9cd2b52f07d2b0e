package middleware

import (
	"bytes"
	"io"
	"net/http"
	"slices"

	"go.opentelemetry.io/otel/attribute"
)

// API describes the API a chain calls, for what its OpenAPI document does not
// say: its name, the header it deduplicates requests by, and how its own error
// bodies read. Give it to NewChain with WithAPI (D24 describes D24's).
//
// The zero value is the safe default for an API the chain knows nothing
// about: it is named "api", no request gets an idempotency key (so a request
// that is not safe to repeat is never repeated once it may have been
// processed), and no error body is recognised as the API's own (so every
// refusal of such a request leaves its outcome unknown).
type API struct {
	// Name names the API in the chain's errors ("acme: invalid createPayout
	// request") and prefixes its span attributes: <Name>.operation,
	// <Name>.attempts, <Name>.error.code and <Name>.error.type. "api" when
	// empty.
	Name string
	// IdempotencyHeader is the header the API deduplicates requests by
	// ("Idempotency-Key"). The Idempotency layer gives every request of a
	// KeyedMethods method a key under it, and a request that carries one, the
	// caller's own included, is repeated by the Retry. Empty: the API takes
	// no key.
	IdempotencyHeader string
	// KeyedMethods are the methods whose requests carry a key (POST when
	// empty).
	KeyedMethods []string
	// ParseError recognises the API's own error body (nil: none is). It tells
	// an API's refusal, which proves a request was not processed, from a
	// proxy's or a firewall's page, which proves nothing.
	ParseError ErrorParser
}

// ErrorBody is what the chain reads of an API's error body: never its message
// or details, which can quote request data.
type ErrorBody struct {
	// Code is the API's numeric error code (0 if it has none); recorded on
	// spans as <Name>.error.code.
	Code int
	// Type names the error ("INVALID_SIGNATURE"); recorded on spans as
	// <Name>.error.type when it is an identifier.
	Type string
	// KeyReused marks the answer that says the request's idempotency key was
	// used before: that first use may have been processed, so this answer is
	// no proof that nothing was.
	KeyReused bool
}

// ErrorParser reads an API's error body; ok is false when body is not the
// API's own error body.
type ErrorParser func(body []byte) (e ErrorBody, ok bool)

// name is the API's name, "api" when it has none.
func (a API) name() string {
	if a.Name == "" {
		return "api"
	}
	return a.Name
}

// keyed reports whether requests of method carry an idempotency key.
func (a API) keyed(method string) bool {
	if a.IdempotencyHeader == "" {
		return false
	}
	if len(a.KeyedMethods) == 0 {
		return method == http.MethodPost
	}
	return slices.Contains(a.KeyedMethods, method)
}

// parseError reads body with the API's ErrorParser.
func (a API) parseError(body []byte) (ErrorBody, bool) {
	if a.ParseError == nil || len(body) == 0 {
		return ErrorBody{}, false
	}
	return a.ParseError(body)
}

// maxErrorPeek bounds how much of an answer is read to find the API's error
// body.
const maxErrorPeek = 64 << 10

// peekAPIError reads the API's error body from resp without consuming it: at
// most maxErrorPeek bytes, and resp.Body stays readable from the start.
func peekAPIError(resp *http.Response, api API) (ErrorBody, bool) {
	if api.ParseError == nil || resp.Body == nil || resp.Body == http.NoBody {
		return ErrorBody{}, false
	}
	head, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorPeek))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	if err != nil {
		return ErrorBody{}, false
	}
	return api.parseError(head)
}

// apiAttrs are the span attributes named after an API.
type apiAttrs struct {
	operation, attempts, errorCode, errorType attribute.Key
}

func (a API) attrs() apiAttrs {
	n := a.name()
	return apiAttrs{operation: attribute.Key(n + ".operation"), attempts: attribute.Key(n + ".attempts"),
		errorCode: attribute.Key(n + ".error.code"), errorType: attribute.Key(n + ".error.type")}
}
