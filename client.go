package d24

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/d24go/d24/generated/deposits"
	"github.com/d24go/d24/generated/pci"
	"github.com/d24go/d24/generated/readonly"
	"github.com/d24go/d24/middleware"
	"github.com/d24go/d24/openapi"
)

// MaxResponseSize is the largest answer a Client reads; a larger one is an
// error rather than unbounded memory.
const MaxResponseSize = 1 << 20

// Client calls D24. It is safe for concurrent use; make one with New and share
// it.
type Client struct {
	transport       http.RoundTripper // under both chains
	apiURL, cardURL string
	apiRT, cardRT   http.RoundTripper // the middleware chain of each host
	readOnlyRT      http.RoundTripper // the Bearer chain, nil without a read-only key
	api             *deposits.ClientWithResponses
	card            *pci.ClientWithResponses
	readOnly        *readonly.ClientWithResponses
	keyFunc         KeyFunc
	logger          *slog.Logger
	metrics         *callMetrics                // nil without metrics
	endpoints       [numPostOperations]endpoint // the POST operations' requests
	answers         *answerRules
	userAgent       []string // the User-Agent header's value, shared by every request
}

// New returns a Client for cfg. It refuses an empty login or secret key and a
// non-HTTPS base URL (unless cfg.AllowInsecureHTTP).
func New(cfg Config, opts ...Option) (*Client, error) {
	apiURL, cardURL, err := cfg.baseURLs()
	if err != nil {
		return nil, err
	}
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	if o.retry.CallTimeout == 0 {
		o.retry.CallTimeout = o.httpTimeout
	}
	if o.retry.Budget == nil {
		// One budget for the client's hosts: an outage of D24 is one outage.
		o.retry.Budget = middleware.NewRetryBudget(0, 0)
	}
	if o.transport == nil {
		o.transport = DefaultTransport()
	}
	if o.keyFunc == nil {
		o.keyFunc = middleware.KeyFromBody(cfg.SecretKey)
	}
	if !validProductToken(o.userAgent) {
		return nil, fmt.Errorf("d24: WithUserAgent(%q): a product token cannot hold control characters", o.userAgent)
	}
	c := &Client{transport: o.transport, apiURL: apiURL, cardURL: cardURL, keyFunc: o.keyFunc, logger: o.logger,
		userAgent: []string{userAgent(o.userAgent)}}
	names := []string{openapi.PCI, openapi.Deposits}
	if cfg.ReadOnlyKey != "" {
		names = append(names, openapi.ReadOnly)
	}
	docs := map[string]*openapi3.T{}
	for _, name := range names {
		if docs[name], err = openapi.Shared(name); err != nil {
			return nil, err
		}
	}
	c.answers = newAnswerRules(docs)
	if c.metrics, err = newCallMetrics(o.metrics); err != nil {
		return nil, err
	}
	if c.apiRT, err = newChain(cfg, o, docs[openapi.Deposits], false); err != nil {
		return nil, err
	}
	if c.cardRT, err = newChain(cfg, o, docs[openapi.PCI], false); err != nil {
		return nil, err
	}
	if cfg.ReadOnlyKey != "" {
		if c.readOnlyRT, err = newChain(cfg, o, docs[openapi.ReadOnly], true); err != nil {
			return nil, err
		}
		if c.readOnly, err = readonly.NewClientWithResponses(apiURL, readonly.WithHTTPClient(httpClient(c.readOnlyRT)),
			readonly.WithRequestEditorFn(c.editRequest)); err != nil {
			return nil, err
		}
	}
	if err = c.prepareEndpoints(); err != nil {
		return nil, err
	}
	if c.api, err = deposits.NewClientWithResponses(apiURL, deposits.WithHTTPClient(httpClient(c.apiRT)),
		deposits.WithRequestEditorFn(c.editRequest)); err != nil {
		return nil, err
	}
	if c.card, err = pci.NewClientWithResponses(cardURL, pci.WithHTTPClient(httpClient(c.cardRT)),
		pci.WithRequestEditorFn(c.editRequest)); err != nil {
		return nil, err
	}
	return c, nil
}

// postOperation names the POST operations, which index Client.endpoints.
type postOperation int

const (
	opCardDeposit postOperation = iota
	opDeposit
	opRefund
	numPostOperations
)

func (o postOperation) String() string {
	return [...]string{"createCardDeposit", "createDeposit", "createRefund"}[o]
}

// prepareEndpoints builds the POST operations' endpoints from the generated
// request builders.
func (c *Client) prepareEndpoints() (err error) {
	if c.endpoints[opCardDeposit], err = newEndpoint(pci.NewCreateCardDepositRequestWithBody, c.cardURL, c.cardRT); err != nil {
		return err
	}
	if c.endpoints[opDeposit], err = newEndpoint(deposits.NewCreateDepositRequestWithBody, c.apiURL, c.apiRT); err != nil {
		return err
	}
	c.endpoints[opRefund], err = newEndpoint(deposits.NewCreateRefundRequestWithBody, c.apiURL, c.apiRT)
	return err
}

// httpClient wraps a chain for the generated clients handed out by CardAPI and
// API. The chain bounds each call itself (RetryPolicy.CallTimeout).
func httpClient(rt http.RoundTripper) *http.Client {
	return &http.Client{
		Transport: rt,
		// A redirect would carry a signed body, card data included, elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// newChain builds the middleware chain for one document, validating against
// it: signed with the secret key, or, for the read-only document, with the
// read-only key as a Bearer token (and never the other way round).
func newChain(cfg Config, o options, doc *openapi3.T, readOnly bool) (http.RoundTripper, error) {
	// The client's metrics are named d24.client.*; a namespace given to
	// WithMetrics comes later and wins.
	metrics := append([]middleware.MetricsOption{middleware.WithMetricsNamespace(metricsNamespace)}, o.metrics...)
	chainOpts := []middleware.Option{
		middleware.WithClock(o.clock),
		middleware.WithTransport(o.transport), middleware.WithDocument(doc),
		middleware.WithRetryPolicy(o.retry), middleware.WithTracing(o.tracing...), middleware.WithMetrics(metrics...),
		// The generated clients (CardAPI, API) derive their keys as the
		// methods do; the methods choose theirs before the chain.
		middleware.WithIdempotencyKeyFunc(o.keyFunc),
	}
	if o.logger != nil {
		chainOpts = append(chainOpts, middleware.WithAttemptObserver(retryLogger(o.logger)))
	}
	if readOnly {
		return middleware.NewReadOnlyChain(cfg.ReadOnlyKey, chainOpts...)
	}
	return middleware.NewChain(cfg.Login, cfg.SecretKey, chainOpts...)
}

// CloseIdleConnections closes the idle connections of the client's transport,
// for a service shutting down or a test that checks for leaks.
func (c *Client) CloseIdleConnections() {
	if c == nil {
		return
	}
	if t, ok := c.transport.(interface{ CloseIdleConnections() }); ok {
		t.CloseIdleConnections()
	}
}

// CardAPI returns the generated client of the card API host, with the whole
// middleware chain, for anything the methods here do not cover (nil for a
// Client that New did not make).
func (c *Client) CardAPI() *pci.ClientWithResponses {
	if c == nil {
		return nil
	}
	return c.card
}

// API returns the generated client of the API host (deposits, status,
// refunds), with the whole middleware chain (nil for a Client that New did
// not make). Its RefundRequest sends any Amount given (a zero or negative one
// is refused before sending) and leaves a nil Amount out, which D24 reads as
// a full refund.
func (c *Client) API() *deposits.ClientWithResponses {
	if c == nil {
		return nil
	}
	return c.api
}

// ReadOnlyAPI returns the generated client of the read-only lookups, with the
// whole middleware chain authenticating with the read-only key; nil without
// Config.ReadOnlyKey.
func (c *Client) ReadOnlyAPI() *readonly.ClientWithResponses {
	if c == nil {
		return nil
	}
	return c.readOnly
}

// CreateCardDeposit charges a card (PCI, server to server). A REJECTED card is
// a result (PaymentInfo.Result, ReasonCode), not an error; so is
// PENDING_AUTHENTICATION, whose AuthenticationURL the payer must visit.
//
// An error is a *ValidationError (nothing sent), an *APIError (D24 refused it:
// nothing charged), an *OutcomeUnknownError (the card may have been charged:
// send the same request again, see its doc), or another error when no attempt
// can have reached D24.
func (c *Client) CreateCardDeposit(ctx context.Context, req CardDepositRequest, opts ...CallOption) (*CardDepositResponse, error) {
	card := req.CreditCard
	return create[CardDepositResponse](ctx, c, opCardDeposit, &req, req.InvoiceID, opts,
		sensitiveValues{string(card.CardNumber), string(card.Number), string(card.Cvv)})
}

// CreateDeposit creates a deposit on the deposits API: ONE_SHOT with the
// payment details to show (PaymentInfo.Metadata) or HOSTED with a RedirectURL.
// Its errors are CreateCardDeposit's.
func (c *Client) CreateDeposit(ctx context.Context, req DepositRequest, opts ...CallOption) (*DepositResponse, error) {
	return create[DepositResponse](ctx, c, opDeposit, &req, req.InvoiceID, opts, sensitiveValues{})
}

// GetDeposit returns a deposit's status as D24 has it now.
func (c *Client) GetDeposit(ctx context.Context, depositID int64, opts ...CallOption) (*DepositStatus, error) {
	if err := c.ready(ctx, "getDeposit"); err != nil {
		return nil, err
	}
	httpReq, err := deposits.NewGetDepositRequest(c.apiURL, depositID)
	return callFor[DepositStatus](ctx, c, call{op: "getDeposit", rt: c.apiRT, req: httpReq, depositID: depositID}, err, opts)
}

// create makes one of the POST operations: it marshals body (as the
// generated builders do, see encode.go) and sends it through the operation's
// endpoint. sensitive are the values of body that no record of the call may
// hold (a card number, a CVV).
func create[T, B any](ctx context.Context, c *Client, op postOperation, body *B, invoiceID string, opts []CallOption, sensitive sensitiveValues) (*T, error) {
	name := op.String()
	if err := c.ready(ctx, name); err != nil {
		return nil, err
	}
	ep := &c.endpoints[op]
	buf, err := marshalRequest(body)
	return callFor[T](ctx, c, call{op: name, rt: ep.rt, endpoint: ep, body: buf, invoiceID: invoiceID, sensitive: sensitive}, err, opts)
}

// ready refuses a call that cannot be made: a nil context, or a Client that
// New did not make.
func (c *Client) ready(ctx context.Context, op string) error {
	switch {
	case c == nil || c.apiRT == nil:
		return fmt.Errorf("d24: %s: %w", op, ErrUninitializedClient)
	case ctx == nil:
		return c.refused(ctx, op, fmt.Errorf("d24: %s: %w", op, ErrNilContext))
	}
	return nil
}

// refused records a call refused before it reached the chain (a nil context,
// an amount a refund cannot take, a request that cannot be built) as call
// records every other, in the metrics and the log, and returns err.
func (c *Client) refused(ctx context.Context, op string, err error) error {
	if ctx == nil {
		ctx = context.Background()
	}
	c.metrics.record(ctx, op, nil, err, 0)
	if c.logger != nil {
		c.log(ctx, call{op: op}, 0, 0, err)
	}
	return err
}

// callFor makes a call whose request the generated code built (buildErr is
// its error) and decodes the answer into a new T.
func callFor[T any](ctx context.Context, c *Client, cl call, buildErr error, opts []CallOption) (*T, error) {
	if buildErr != nil {
		return nil, c.refused(ctx, cl.op, fmt.Errorf("d24: %s: building the request: %w", cl.op, buildErr))
	}
	cl.opts = applyCallOptions(opts)
	out := new(T)
	if err := c.call(ctx, cl, out); err != nil {
		return nil, err
	}
	return out, nil
}

// call is one logical call to D24.
type call struct {
	op        string
	rt        http.RoundTripper
	req       *http.Request // a GET's request; a POST's is built from endpoint
	endpoint  *endpoint
	body      []byte // a POST's body, as built
	invoiceID string
	depositID int64
	key       string
	opts      callOptions
	sensitive sensitiveValues // values no error, span or log record may hold
}

// sensitiveValues are a call's card number (either field) and CVV; an array,
// so that a call does not allocate for them.
type sensitiveValues [3]string

// call sends a request through the chain and decodes a 2xx answer into out.
// A POST gets its idempotency key here, so that an outcome-unknown error can
// carry it. The chain's retry layer judges a POST's outcome over all its
// attempts; what it hands back here is a 2xx answer, a refusal that proves
// nothing was processed, or an error (an *OutcomeUnknownError when money may
// have moved, which call fills in with the invoice_id and D24's last answer).
// The chain is called as a RoundTripper, without an http.Client around it:
// the client follows no redirects and reads every answer whole here, so an
// http.Client would only add copies.
func (c *Client) call(ctx context.Context, cl call, out any) (err error) {
	status := 0
	if c.logger != nil || c.metrics != nil {
		// The clock is read whether or not an instrument records now: an
		// SDK installed while the call runs records it when it ends.
		start := time.Now()
		defer func() {
			if c.logger == nil && !c.metrics.enabled(ctx) {
				return
			}
			took := time.Since(start)
			c.metrics.record(ctx, cl.op, out, err, took)
			if c.logger != nil {
				c.log(ctx, cl, status, took, err)
			}
		}()
	}
	ctx = middleware.StartCall(ctx, cl.op)
	if cl.sensitive != (sensitiveValues{}) {
		middleware.WithSensitive(ctx, cl.sensitive[0], cl.sensitive[1], cl.sensitive[2])
	}
	if cl.opts.timeout != 0 {
		ctx = middleware.WithCallTimeout(ctx, cl.opts.timeout)
	}
	var req *http.Request
	post := cl.endpoint != nil
	if post {
		req = cl.endpoint.request(ctx, cl.body, c.userAgent)
		// A blank key is kept: validation refuses it by name.
		if cl.key, err = c.idempotencyKey(req, cl); err != nil {
			return fmt.Errorf("d24: %s: %w", cl.op, err)
		}
		req.Header[middleware.HeaderIdempotencyKey] = []string{cl.key}
	} else {
		req = cl.req.WithContext(ctx)
		c.setUserAgent(req)
	}
	resp, err := cl.rt.RoundTrip(req)
	if err != nil {
		var outcome *OutcomeUnknownError
		var invalid *ValidationError
		switch {
		case errors.As(err, &outcome):
			// The chain filled in the operation, the key and the last answer.
			status = outcome.StatusCode
			outcome.Reference, outcome.ReferenceName = cl.invoiceID, referenceName
			outcome.Cause = lastAnswer(ctx, cl.op, outcome)
			return outcome
		case errors.As(err, &invalid):
			return invalid
		}
		return fmt.Errorf("d24: %s: %w", cl.op, middleware.ScrubberFrom(ctx).Error(transportError(err)))
	}
	// Closing the answer ends the call span: whatever is decided below is
	// recorded on it first.
	defer resp.Body.Close()
	status = resp.StatusCode
	if status >= 300 && status < 400 {
		return &RedirectError{Operation: cl.op, StatusCode: status, Location: redactedLocation(ctx, resp.Header)}
	}
	ok := status >= 200 && status < 300
	body, err := readLimited(resp)
	if err == nil && ok {
		err = c.answers.decode(ctx, cl.op, status, body, out)
	}
	switch {
	case err == nil && ok:
		return nil
	case err == nil:
		return newAPIError(ctx, cl.op, status, body)
	}
	// What reading or decoding the answer says can quote it: scrubbed.
	err = middleware.ScrubberFrom(ctx).Error(err)
	switch {
	case post && ok:
		middleware.RecordCallError(ctx, "outcome_unknown")
		return &OutcomeUnknownError{API: "d24", Operation: cl.op, Method: req.Method, URL: middleware.ScrubberFrom(ctx).URL(req.URL),
			IdempotencyKey: cl.key, Reference: cl.invoiceID, ReferenceName: referenceName, Attempts: middleware.Attempt(ctx) + 1,
			StatusCode: status, Header: resp.Header, Body: body, Cause: err}
	case ok:
		middleware.RecordCallError(ctx, "malformed_answer")
		return err
	}
	return fmt.Errorf("d24: %s: %w", cl.op, err)
}

// referenceName names OutcomeUnknownError.Reference, the request's invoice_id.
const referenceName = "invoice_id"

// lastAnswer is the cause of an outcome-unknown error: the last attempt's
// answer as D24's error (or the redirect it was), or its error.
func lastAnswer(ctx context.Context, op string, e *OutcomeUnknownError) error {
	switch {
	case e.StatusCode >= 300 && e.StatusCode < 400:
		return &RedirectError{Operation: op, StatusCode: e.StatusCode, Location: redactedLocation(ctx, e.Header)}
	case e.StatusCode != 0:
		return newAPIError(ctx, op, e.StatusCode, e.Body)
	case e.Err == nil:
		return nil
	}
	return fmt.Errorf("d24: %s: %w", op, transportError(e.Err))
}

// idempotencyKey is the call's key: WithIdempotencyKey's, or the one the
// client's KeyFunc derives from the request (with the call's context) and its
// body, as built.
func (c *Client) idempotencyKey(req *http.Request, cl call) (string, error) {
	if cl.opts.keySet {
		return cl.opts.key, nil
	}
	return middleware.ChooseIdempotencyKey(req, cl.body, c.keyFunc)
}

// readLimited reads an answer's body, at most MaxResponseSize bytes; the
// caller closes it. A body the transport left compressed (DefaultTransport asks for
// no compression, but a proxy may compress anyway) is decompressed, to at
// most MaxResponseSize bytes too.
func readLimited(resp *http.Response) ([]byte, error) {
	body, err := readRaw(resp)
	if err != nil {
		return nil, err
	}
	enc := resp.Header["Content-Encoding"]
	if len(enc) == 0 || resp.Uncompressed {
		return body, nil
	}
	switch e := strings.ToLower(strings.TrimSpace(enc[0])); e {
	case "", "identity":
		return body, nil
	case "gzip", "x-gzip":
		return gunzip(body)
	default:
		return nil, fmt.Errorf("reading D24's answer: Content-Encoding %q is not supported", e)
	}
}

// gunzip decompresses a gzip answer, refusing one larger than MaxResponseSize
// once decompressed.
func gunzip(body []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("reading D24's gzip answer: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, MaxResponseSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading D24's gzip answer: %w", err)
	}
	if len(out) > MaxResponseSize {
		return nil, fmt.Errorf("D24's answer is larger than %d bytes", MaxResponseSize)
	}
	return out, nil
}

// readRaw reads an answer's body as it came, at most MaxResponseSize bytes.
func readRaw(resp *http.Response) ([]byte, error) {
	if n := resp.ContentLength; n > 0 && n <= MaxResponseSize {
		// The usual answer: as long as announced, read into a buffer of that
		// size, then read to the end so the connection goes back to the pool.
		body := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, body); err != nil {
			return nil, fmt.Errorf("reading D24's answer: %w", err)
		}
		var extra [1]byte
		if m, _ := resp.Body.Read(extra[:]); m > 0 {
			return nil, fmt.Errorf("reading D24's answer: longer than its Content-Length (%d bytes)", n)
		}
		return body, nil
	}
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, MaxResponseSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading D24's answer: %w", err)
	}
	if n > MaxResponseSize {
		return nil, fmt.Errorf("D24's answer is larger than %d bytes", MaxResponseSize)
	}
	return buf.Bytes(), nil
}

// log records a call without bodies, headers or card data.
func (c *Client) log(ctx context.Context, cl call, status int, took time.Duration, err error) {
	attrs := []slog.Attr{slog.String("operation", cl.op), slog.Duration("duration", took)}
	if status != 0 {
		attrs = append(attrs, slog.Int("status", status))
	}
	if cl.invoiceID != "" {
		attrs = append(attrs, slog.String("invoice_id", cl.invoiceID))
	}
	if cl.key != "" {
		attrs = append(attrs, slog.String("idempotency_key", cl.key))
	}
	if cl.depositID != 0 {
		attrs = append(attrs, slog.Int64("deposit_id", cl.depositID))
	}
	if middleware.RetryBudgetExhausted(ctx) {
		attrs = append(attrs, slog.Bool("retry_budget_exhausted", true))
	}
	if err != nil {
		// Every part of the error that came from the server is scrubbed
		// already; scrubbing the whole again would blank the SDK's own numbers
		// (a status 400) that equal a CVV, and so tell it.
		attrs = append(attrs, slog.String("error", err.Error()))
		c.logger.LogAttrs(ctx, slog.LevelWarn, "d24 call failed", attrs...)
		return
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "d24 call", attrs...)
}
