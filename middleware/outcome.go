package middleware

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync/atomic"
)

// A request that is not safe to repeat (a POST: it creates a deposit, charges a
// card, refunds one) has an outcome that only its answers can tell, and Retry
// judges it over every attempt of the call, never from the last one alone:
//
//   - an attempt that failed before any of its bytes could leave (no
//     connection was ever obtained for it) processed nothing;
//   - an attempt answered with a definitive refusal processed nothing: a 4xx
//     other than 408 and 429 carrying the API's own error body (as its
//     API.ParseError reads it), except the "idempotency key already used"
//     answer (ErrorBody.KeyReused; D24's 104), which says that the key's
//     first use may have been processed;
//   - every other attempt may have been processed: its answer was lost (the
//     connection broke after the request was written, a timeout), or it was a
//     5xx, a 408 or 429, a redirect, or an answer that is not the API's own
//     (a proxy's or a firewall's page, an unreadable body).
//
// Once an attempt may have been processed, only a later 2xx answer resolves
// the call. If none comes, Retry returns an *OutcomeUnknownError instead of
// the last answer or error, so that no caller reads "not processed" where
// money may have moved.

// OutcomeUnknownError is a request that is not safe to repeat (any method but
// GET, HEAD, OPTIONS and TRACE: a POST that creates a payment, charges a card,
// refunds one) which the server may or may not have processed: one of its
// attempts may have reached it (its answer was lost, it timed out after the
// request was sent, it was answered with a 5xx, a 408 or 429, a redirect, a
// page that is not the API's own, or the API's "idempotency key already used")
// and no attempt was answered with a 2xx. Money may have moved.
//
// To settle it, send the same request again under the same IdempotencyKey:
// the server then processes it at most once and answers with what it did. If
// that is unknown again, or the key is answered as used, the server has seen
// the request: look the resource up (by Reference, when the caller set one).
// Never create it again under a new key. Without an IdempotencyKey, sending it
// again may process it twice: look it up first.
//
// Retry returns it, filling in what the chain knows; a client above the chain
// may add what it knows (Reference, Cause): the d24 Client does, and returns
// it as d24.OutcomeUnknownError, the same type. Its text, %#v and JSON never
// hold the answer's Header or Body, which can quote request data.
type OutcomeUnknownError struct {
	// API names the API (API.Name, "d24"); it begins the error's text.
	API string
	// Operation names the call: StartCall's name, or the ID
	// of the operation the Validator matched ("" if none).
	Operation string
	// Method and URL are the request's; the URL's query values are redacted.
	Method, URL string
	// IdempotencyKey is the key the request carried under the API's
	// idempotency header, on a method the API deduplicates; "" otherwise.
	IdempotencyKey string
	// Reference is the caller's own reference for what the request creates,
	// to look it up by (the d24 Client sets the invoice_id), and
	// ReferenceName names it in the error's text ("invoice_id"; "reference"
	// when empty). The chain leaves both empty.
	Reference, ReferenceName string
	// Attempts is the number of attempts made (0 if not known).
	Attempts int
	// StatusCode, Header and Body are the last attempt's answer, when it got
	// one (StatusCode is 0 otherwise). Body holds the start of the answer (the
	// chain keeps at most 64 KiB); it is for reading the API's error code,
	// and may quote request data: never log it whole.
	StatusCode int
	Header     http.Header
	Body       []byte
	// Err is the last attempt's error, or the error reading its answer; its
	// text is scrubbed of the call's sensitive values (see Scrubber.Error).
	Err error
	// Cause is a client's reading of the last answer or error, when it sets
	// one (the d24 Client: D24's *APIError, a *RedirectError, or the error of
	// a 2xx that is not an answer), scrubbed as Err is. Unwrap returns it, or
	// Err when it is nil.
	Cause error
}

// Error says that the request may have been processed, what to do, and the
// last answer or error; never the answer's Header or Body. Its methods take
// the error by value, so that the value itself prints and marshals as safely.
func (e OutcomeUnknownError) Error() string {
	var b strings.Builder
	b.WriteString(cmp.Or(e.API, "api"))
	b.WriteString(": ")
	if e.Operation != "" {
		b.WriteString(e.Operation)
	} else {
		b.WriteString(e.Method + " " + e.URL)
	}
	b.WriteString(" outcome unknown")
	if e.Reference != "" {
		fmt.Fprintf(&b, " for %s %q", cmp.Or(e.ReferenceName, "reference"), e.Reference)
	}
	var about []string
	switch {
	case e.Attempts == 1:
		about = append(about, "1 attempt")
	case e.Attempts > 1:
		about = append(about, strconv.Itoa(e.Attempts)+" attempts")
	}
	if e.IdempotencyKey != "" {
		about = append(about, "idempotency key "+e.IdempotencyKey)
	}
	if len(about) > 0 {
		b.WriteString(" (" + strings.Join(about, ", ") + ")")
	}
	b.WriteString(": it may have been processed; ")
	if e.IdempotencyKey != "" {
		b.WriteString("send the same request again or look it up, never under a new key")
	} else {
		b.WriteString("look it up before sending it again")
	}
	switch {
	case e.Cause != nil:
		b.WriteString(": " + e.Cause.Error())
	case e.Err != nil:
		b.WriteString(": " + e.Err.Error())
	case e.StatusCode != 0:
		fmt.Fprintf(&b, ": last answer HTTP %d", e.StatusCode)
	}
	return b.String()
}

// Unwrap returns Cause, or Err when Cause is nil.
func (e OutcomeUnknownError) Unwrap() error {
	if e.Cause != nil {
		return e.Cause
	}
	return e.Err
}

// GoString is Error, so that %#v does not print the body, which can quote
// request data.
func (e OutcomeUnknownError) GoString() string { return e.Error() }

// MarshalJSON writes the error without its header and body, for the same
// reason.
func (e OutcomeUnknownError) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		API            string `json:",omitempty"`
		Operation      string `json:",omitempty"`
		Method, URL    string
		IdempotencyKey string `json:",omitempty"`
		Reference      string `json:",omitempty"`
		ReferenceName  string `json:",omitempty"`
		Attempts       int
		StatusCode     int    `json:",omitempty"`
		Error          string `json:"error"`
	}{e.API, e.Operation, e.Method, e.URL, e.IdempotencyKey, e.Reference, e.ReferenceName, e.Attempts, e.StatusCode, e.Error()})
}

// safeToRepeat reports whether a method's requests change nothing, so that
// their outcome needs no tracking.
func safeToRepeat(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

// mayHaveProcessed reports whether an attempt that ended with resp or err may
// have been processed, by the rules above. It may read the start of resp's
// body, which stays readable from the start.
func (p *attemptProbe) mayHaveProcessed(resp *http.Response, err error, events bool, api API) bool {
	if err != nil {
		return !p.neverSent(err, events)
	}
	code := resp.StatusCode
	if code < 400 || code > 499 || code == http.StatusRequestTimeout || code == http.StatusTooManyRequests {
		return true
	}
	e, ok := peekAPIError(resp, api)
	return !ok || e.KeyReused
}

// attemptProbe watches one attempt's connection through net/http's client
// trace: whether the transport asked for a connection (GetConn) and whether it
// got one (GotConn). Nothing of a request is written before GotConn, so an
// attempt that asked and never got one sent nothing, whatever its error says;
// and one that got a connection may have been processed, even if its last
// error is a failed dial (a transport that sent it twice on its own, on a
// reused connection then a new one: the chain's authenticators send without
// GetBody so that net/http does not, but a caller's transport might).
type attemptProbe struct {
	getConn, gotConn atomic.Bool
	skipped          atomic.Bool // the attempt never began: its context had ended
	trace            httptrace.ClientTrace
}

// start resets the probe for a new attempt (or the Signer's repeat of one).
func (p *attemptProbe) start() {
	p.getConn.Store(false)
	p.gotConn.Store(false)
	p.skipped.Store(false)
}

// hooks returns the probe's client trace, its hooks made once per call.
func (p *attemptProbe) hooks() *httptrace.ClientTrace {
	if p.trace.GetConn == nil {
		p.trace.GetConn = func(string) { p.getConn.Store(true) }
		p.trace.GotConn = func(httptrace.GotConnInfo) { p.gotConn.Store(true) }
	}
	return &p.trace
}

// watch returns ctx with the probe's client trace; a trace already in ctx is
// composed with a fresh copy, since composing modifies the trace it is given.
// (A bounded attempt's context answers for the trace itself: see traceKey.)
func (p *attemptProbe) watch(ctx context.Context) context.Context {
	trace := p.hooks()
	if httptrace.ContextClientTrace(ctx) != nil {
		fresh := *trace
		return httptrace.WithClientTrace(ctx, &fresh)
	}
	return httptrace.WithClientTrace(ctx, trace)
}

// traceKey is the key httptrace finds a client trace under, learnt from
// httptrace itself: an attempt's context answers it with the probe's trace,
// which saves a context (and a level every lookup of net/http's walks) per
// attempt. nil if httptrace looks a trace up otherwise than by one key, and
// then the trace goes in a context of its own (watch).
var traceKey = func() any {
	k := &keyRecorder{Context: context.Background()}
	httptrace.ContextClientTrace(k)
	if k.key == nil {
		return nil
	}
	probe := &httptrace.ClientTrace{}
	if httptrace.ContextClientTrace(&keyAnswer{Context: context.Background(), key: k.key, value: probe}) != probe {
		return nil
	}
	return k.key
}()

// keyRecorder is a context that records the key it is asked for.
type keyRecorder struct {
	context.Context
	key any
}

func (k *keyRecorder) Value(key any) any {
	k.key = key
	return nil
}

// keyAnswer is a context that answers one key.
type keyAnswer struct {
	context.Context
	key, value any
}

func (k *keyAnswer) Value(key any) any {
	if key == k.key {
		return k.value
	}
	return k.Context.Value(key)
}

// neverSent reports whether the attempt that failed with err certainly sent
// nothing: it never began; or its transport asked for a connection and never
// got one; or a transport known to report connection events (events) reported
// none (net/http refuses a bad header or URL before asking); or, for a
// transport that reports no events, the error is a failed dial.
func (p *attemptProbe) neverSent(err error, events bool) bool {
	switch {
	case p.skipped.Load():
		return true
	case p.gotConn.Load():
		return false
	case p.getConn.Load(), events:
		return true
	}
	return isDialError(err)
}

// unknownOutcome builds the error for a call to api whose outcome is unknown
// from its last attempt's answer or error, reading (and closing) the answer's
// body.
func unknownOutcome(api API, req *http.Request, attempts int, resp *http.Response, err error) *OutcomeUnknownError {
	ctx := req.Context()
	scrub := ScrubberFrom(ctx)
	e := &OutcomeUnknownError{API: api.name(), Operation: operationFrom(ctx), Method: req.Method, URL: scrub.URL(req.URL),
		Attempts: attempts, Err: scrub.Error(err)}
	if s, ok := ctx.Value(callStateKey{}).(*callState); ok && e.Operation == "" {
		e.Operation = s.validatedOp
	}
	if api.keyed(req.Method) {
		e.IdempotencyKey = req.Header.Get(api.IdempotencyHeader)
	}
	if resp != nil {
		e.StatusCode, e.Header = resp.StatusCode, resp.Header
		if resp.Body != nil {
			body, readErr := io.ReadAll(io.LimitReader(resp.Body, maxErrorPeek))
			drainAndClose(resp.Body)
			e.Body = body
			if readErr != nil && e.Err == nil {
				e.Err = scrub.Error(fmt.Errorf("reading the answer: %w", readErr))
			}
		}
	}
	return e
}
