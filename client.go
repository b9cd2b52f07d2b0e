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

	"github.com/d24go/d24/generated/deposits"
	"github.com/d24go/d24/generated/pci"
	"github.com/d24go/d24/generated/readonly"
	"github.com/d24go/d24/middleware"
	"github.com/d24go/d24/openapi"
)

// MaxResponseSize is the largest answer a Client reads; a larger one is an
// error rather than unbounded memory.
const MaxResponseSize = 1 << 20

// Client calls D24. It is safe for concurrent use; make one and share it.
type Client struct {
	transport       http.RoundTripper // under both chains
	apiURL, cardURL string
	apiRT, cardRT   http.RoundTripper // the middleware chain of each host
	readOnlyRT      http.RoundTripper // the Bearer chain, nil without a read-only key
	timeout         time.Duration
	api             *deposits.ClientWithResponses
	card            *pci.ClientWithResponses
	readOnly        *readonly.ClientWithResponses
	keyFunc         KeyFunc
	logger          *slog.Logger
	// The POST operations' requests, built from the generated builders' own.
	cardDeposit, deposit, refund endpoint
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
	if o.transport == nil {
		o.transport = DefaultTransport()
	}
	c := &Client{transport: o.transport, apiURL: apiURL, cardURL: cardURL, keyFunc: o.keyFunc, logger: o.logger, timeout: o.timeout}
	if c.apiRT, err = newChain(cfg, o, openapi.Deposits); err != nil {
		return nil, err
	}
	if c.cardRT, err = newChain(cfg, o, openapi.PCI); err != nil {
		return nil, err
	}
	if cfg.ReadOnlyKey != "" {
		if c.readOnlyRT, err = newChain(cfg, o, openapi.ReadOnly); err != nil {
			return nil, err
		}
		if c.readOnly, err = readonly.NewClientWithResponses(apiURL, readonly.WithHTTPClient(httpClient(c.readOnlyRT, o.timeout))); err != nil {
			return nil, err
		}
	}
	if err = c.prepareEndpoints(); err != nil {
		return nil, err
	}
	if c.api, err = deposits.NewClientWithResponses(apiURL, deposits.WithHTTPClient(httpClient(c.apiRT, o.timeout))); err != nil {
		return nil, err
	}
	if c.card, err = pci.NewClientWithResponses(cardURL, pci.WithHTTPClient(httpClient(c.cardRT, o.timeout))); err != nil {
		return nil, err
	}
	return c, nil
}

// prepareEndpoints builds the POST operations' endpoints from the generated
// request builders.
func (c *Client) prepareEndpoints() (err error) {
	if c.cardDeposit, err = newEndpoint(pci.NewCreateCardDepositRequestWithBody, c.cardURL); err != nil {
		return err
	}
	if c.deposit, err = newEndpoint(deposits.NewCreateDepositRequestWithBody, c.apiURL); err != nil {
		return err
	}
	c.refund, err = newEndpoint(deposits.NewCreateRefundRequestWithBody, c.apiURL)
	return err
}

// httpClient wraps a chain for the generated clients handed out by CardAPI and
// API.
func httpClient(rt http.RoundTripper, timeout time.Duration) *http.Client {
	return &http.Client{
		Transport: rt,
		Timeout:   timeout,
		// A redirect would carry a signed body, card data included, elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// newChain builds the middleware chain for one document, validating against
// it: signed with the secret key, or, for the read-only document, with the
// read-only key as a Bearer token (and never the other way round).
func newChain(cfg Config, o options, docName string) (http.RoundTripper, error) {
	doc, err := openapi.Load(docName)
	if err != nil {
		return nil, err
	}
	var tracing []middleware.TracingOption
	if o.tracer != nil {
		tracing = append(tracing, middleware.WithTracerProvider(o.tracer))
	}
	if o.propagator != nil {
		tracing = append(tracing, middleware.WithPropagation(o.propagator))
	}
	chainOpts := []middleware.Option{
		middleware.WithTransport(o.transport), middleware.WithDocument(doc, openapi.StringFormats(doc)),
		middleware.WithRetryPolicy(o.retry), middleware.WithTracing(tracing...),
	}
	if o.clock != nil {
		chainOpts = append(chainOpts, middleware.WithChainClock(o.clock))
	}
	if docName == openapi.ReadOnly {
		return middleware.NewReadOnlyChain(cfg.ReadOnlyKey, chainOpts...)
	}
	return middleware.NewChain(cfg.Login, cfg.SecretKey, chainOpts...)
}

// CloseIdleConnections closes the idle connections of the client's transport,
// for a service shutting down or a test that checks for leaks.
func (c *Client) CloseIdleConnections() {
	if t, ok := c.transport.(interface{ CloseIdleConnections() }); ok {
		t.CloseIdleConnections()
	}
}

// CardAPI returns the generated client of the card API host, with the whole
// middleware chain, for anything the methods here do not cover.
func (c *Client) CardAPI() *pci.ClientWithResponses { return c.card }

// API returns the generated client of the API host (deposits, status,
// refunds), with the whole middleware chain.
func (c *Client) API() *deposits.ClientWithResponses { return c.api }

// ReadOnlyAPI returns the generated client of the read-only lookups, with the
// whole middleware chain authenticating with the read-only key; nil without
// Config.ReadOnlyKey.
func (c *Client) ReadOnlyAPI() *readonly.ClientWithResponses { return c.readOnly }

// CreateCardDeposit charges a card (PCI, server to server). A REJECTED card is
// a result (PaymentInfo.Result, ReasonCode), not an error; so is
// PENDING_AUTHENTICATION, whose AuthenticationURL the payer must visit.
func (c *Client) CreateCardDeposit(ctx context.Context, req CardDepositRequest) (*CardDepositResponse, error) {
	httpReq, err := c.cardDeposit.request(req)
	return callFor[CardDepositResponse](ctx, c, call{op: "createCardDeposit", rt: c.cardRT, req: httpReq, invoiceID: req.InvoiceID}, err)
}

// CreateDeposit creates a deposit on the deposits API: ONE_SHOT with the
// payment details to show (PaymentInfo.Metadata) or HOSTED with a RedirectURL.
func (c *Client) CreateDeposit(ctx context.Context, req DepositRequest) (*DepositResponse, error) {
	httpReq, err := c.deposit.request(req)
	return callFor[DepositResponse](ctx, c, call{op: "createDeposit", rt: c.apiRT, req: httpReq, invoiceID: req.InvoiceID}, err)
}

// GetDeposit returns a deposit's status as D24 has it now.
func (c *Client) GetDeposit(ctx context.Context, depositID int64) (*DepositStatus, error) {
	httpReq, err := deposits.NewGetDepositRequest(c.apiURL, depositID)
	return callFor[DepositStatus](ctx, c, call{op: "getDeposit", rt: c.apiRT, req: httpReq, depositID: depositID}, err)
}

// callFor makes a call whose request the generated code built (buildErr is
// its error) and decodes the answer into a new T.
func callFor[T any](ctx context.Context, c *Client, cl call, buildErr error) (*T, error) {
	if buildErr != nil {
		return nil, fmt.Errorf("d24: %s: building the request: %w", cl.op, buildErr)
	}
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
	req       *http.Request
	invoiceID string
	depositID int64
	key       string
}

// call sends a request through the chain and decodes a 2xx answer into out.
// A POST gets its idempotency key here, so that an outcome-unknown error can
// carry it. The chain is called as a RoundTripper, without an http.Client
// around it: the client follows no redirects and reads every answer whole
// here, so an http.Client would only add copies.
func (c *Client) call(ctx context.Context, cl call, out any) (err error) {
	status := 0
	if c.logger != nil {
		start := time.Now()
		defer func() { c.log(ctx, cl, status, time.Since(start), err) }()
	}

	post := cl.req.Method == http.MethodPost
	if post {
		// A blank derived key is kept: validation refuses it by name.
		if cl.key, err = middleware.ChooseIdempotencyKey(cl.req, c.keyFunc); err != nil {
			return err
		}
		cl.req.Header.Set(middleware.HeaderIdempotencyKey, cl.key)
	}
	unknown := func(cause error) error {
		return &OutcomeUnknownError{Operation: cl.op, IdempotencyKey: cl.key, InvoiceID: cl.invoiceID, Cause: cause}
	}
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	resp, err := cl.rt.RoundTrip(cl.req.WithContext(middleware.StartCall(ctx, cl.op)))
	if err != nil {
		var invalid *ValidationError
		switch {
		case errors.As(err, &invalid):
			return invalid
		case post && !middleware.NeverSent(err):
			return unknown(transportError(err))
		}
		return fmt.Errorf("d24: %s: %w", cl.op, transportError(err))
	}
	status = resp.StatusCode
	if status >= 300 && status < 400 {
		resp.Body.Close()
		return &RedirectError{Operation: cl.op, StatusCode: status, Location: redactedLocation(resp)}
	}
	body, err := readLimited(resp)
	if err != nil {
		if post && status >= 200 && status < 300 {
			return unknown(err)
		}
		return fmt.Errorf("d24: %s: %w", cl.op, err)
	}
	if status < 200 || status > 299 {
		apiErr := newAPIError(cl.op, status, body)
		// After a retryable status the retry layer gave up: the POST may or may
		// not have been processed.
		if post && (apiErr.Code == ErrIdempotencyKeyUsed || middleware.RetryableStatus(status)) {
			return unknown(apiErr)
		}
		return apiErr
	}
	if err := decodeAnswer(body, out); err != nil {
		err = fmt.Errorf("decoding D24's answer: %w", err)
		if post {
			return unknown(err)
		}
		return fmt.Errorf("d24: %s: %w", cl.op, err)
	}
	return nil
}

// readLimited reads an answer's body, at most MaxResponseSize bytes, and
// closes it. A body the transport left compressed (DefaultTransport asks for
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

// readRaw reads an answer's body as it came, at most MaxResponseSize bytes,
// and closes it.
func readRaw(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
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
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
		c.logger.LogAttrs(ctx, slog.LevelWarn, "d24 call failed", attrs...)
		return
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "d24 call", attrs...)
}
