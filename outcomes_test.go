package d24_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/d24go/d24"
	"github.com/d24go/d24/d24test"
	"github.com/d24go/d24/types"
)

// fakeD24 is a loopback server whose n-th request is served by the n-th step
// of a script (the last step repeats), and that counts what it created: a
// step that processes the request counts one creation before it answers,
// hangs up or stalls. It can also stop listening, as D24 does while it
// restarts: later dials are refused.
type fakeD24 struct {
	ln      net.Listener
	srv     *http.Server
	url     string
	steps   []step
	mu      sync.Mutex
	served  int
	created atomic.Int32
}

// step is what the fake does with one request.
type step struct {
	process bool // count a creation first
	close   bool // stop listening: every later dial is refused
	// then one of:
	hangUp bool           // close the connection without an answer
	stall  bool           // never answer (until the client gives up)
	status int            // answer with status, headers and body
	header http.Header    // extra answer headers
	body   string         // the answer's body
	write  func(net.Conn) // write raw bytes on the hijacked connection, then close it
}

func newFakeD24(t *testing.T, steps ...step) *fakeD24 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeD24{ln: ln, url: "http://" + ln.Addr().String(), steps: steps}
	f.srv = &http.Server{Handler: http.HandlerFunc(f.serve), ReadHeaderTimeout: 5 * time.Second}
	go f.srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		f.srv.Shutdown(ctx)
		f.srv.Close()
	})
	return f
}

func (f *fakeD24) serve(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	f.mu.Lock()
	s := f.steps[min(f.served, len(f.steps)-1)]
	f.served++
	f.mu.Unlock()
	if s.process {
		f.created.Add(1)
	}
	if s.close {
		f.ln.Close()
	}
	switch {
	case s.hangUp || s.write != nil:
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		if s.write != nil {
			s.write(conn)
		}
		conn.Close()
	case s.stall:
		<-r.Context().Done()
	default:
		for k, v := range s.header {
			w.Header()[k] = v
		}
		w.WriteHeader(s.status)
		io.WriteString(w, s.body)
	}
}

// requests is how many requests reached the fake.
func (f *fakeD24) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.served
}

// An answer of each POST operation, and the call that makes it.
type postOp struct {
	name   string
	answer string
	call   func(ctx context.Context, c *d24.Client) error
}

var postOps = []postOp{
	{"card deposit", `{"deposit_id":300000001,"merchant_invoice_id":"o-1","payment_info":{"result":"SUCCESS"}}`,
		func(ctx context.Context, c *d24.Client) error {
			_, err := c.CreateCardDeposit(ctx, cardDeposit("o-1", canaryCard))
			return err
		}},
	{"deposit", `{"deposit_id":300000002,"checkout_type":"HOSTED","redirect_url":"https://x"}`,
		func(ctx context.Context, c *d24.Client) error {
			_, err := c.CreateDeposit(ctx, d24.DepositRequest{InvoiceID: "o-2", Amount: types.MustParseAmount("10"), Country: "BR"})
			return err
		}},
	{"refund", `{"refund_id":168284,"deposit_id":300000001}`,
		func(ctx context.Context, c *d24.Client) error {
			_, err := c.CreateRefund(ctx, d24.RefundRequest{DepositID: 300000001, InvoiceID: "o-1", Amount: d24.Ptr(types.MustParseAmount("5"))})
			return err
		}},
}

// What a call must return, by what the server did.
type verdict int

const (
	success          verdict = iota // a decoded answer
	unknown                         // *d24.OutcomeUnknownError
	refused                         // a plain error: nothing can have been processed
	successOrUnknown                // either, never a plain error
)

const d24Refusal = `{"code":201,"description":"Field validation error. Check details","details":["payer.email: must be a well-formed email address"],"type":"BEAN_VALIDATION_ERROR"}`

// processedThenLost is a first attempt that D24 processed and whose answer
// never came back.
var processedThenLost = step{process: true, hangUp: true}

// The outcome table: every fault sequence of the outcomes issue, for each POST
// operation. No call returns success or a plain error for something that was
// created, and none returns OutcomeUnknownError when nothing can have been
// processed.
func TestOutcomeTable(t *testing.T) {
	html := http.Header{"Content-Type": {"text/html"}}
	cases := []struct {
		name  string
		steps []step
		want  verdict
	}{
		// Lost, then D24 restarting: the retries cannot connect.
		{"lost answer, then connection refused", []step{{process: true, close: true, hangUp: true}}, unknown},
		{"attempt timeout while processing, then connection refused", []step{{process: true, close: true, stall: true}}, unknown},
		// Lost, then a final answer that is not a success.
		{"lost answer, then a proxy's 302", []step{processedThenLost, {status: 302, header: http.Header{"Location": {"https://login.example/?card=1"}}}}, unknown},
		{"lost answer, then D24's 400", []step{processedThenLost, {status: 400, body: d24Refusal}}, unknown},
		{"lost answer, then 400 from a WAF", []step{processedThenLost, {status: 400, header: html, body: "<html>blocked</html>"}}, unknown},
		{"lost answer, then 401", []step{processedThenLost, {status: 401, body: `{"code":100,"description":"Invalid credentials","type":"INVALID_CREDENTIALS"}`}}, unknown},
		{"lost answer, then 403", []step{processedThenLost, {status: 403, header: html, body: "<html>forbidden</html>"}}, unknown},
		{"lost answer, then 404", []step{processedThenLost, {status: 404, header: html, body: "<html>maintenance</html>"}}, unknown},
		{"lost answer, then 409", []step{processedThenLost, {status: 409, body: ``}}, unknown},
		{"lost answer, then 422", []step{processedThenLost, {status: 422, body: `{"error":"unprocessable"}`}}, unknown},
		{"lost answer, then 104 key already used", []step{processedThenLost, {status: 400, body: `{"code":104,"description":"Idempotency key already used","type":"IDEMPOTENCY_KEY_ALREADY_USED"}`}}, unknown},
		// Lost, then a final 504 whose body cannot be read.
		{"lost answer, then 504 cut mid-body", []step{processedThenLost, {write: func(c net.Conn) {
			io.WriteString(c, "HTTP/1.1 504 Gateway Timeout\r\nContent-Length: 500\r\n\r\n{\"code\":")
		}}}, unknown},
		{"lost answer, then 504 over 1 MiB", []step{processedThenLost, {status: 504, body: strings.Repeat("x", d24.MaxResponseSize+10)}}, unknown},
		{"lost answer, then 504 in brotli", []step{processedThenLost, {status: 504, header: http.Header{"Content-Encoding": {"br"}}, body: "\x0b\x02"}}, unknown},
		// One attempt, processed, answered with a 5xx outside the retry list.
		{"501 after processing", []step{{process: true, status: 501}}, unknown},
		{"505 after processing", []step{{process: true, status: 505}}, unknown},
		{"507 after processing", []step{{process: true, status: 507}}, unknown},
		{"520 after processing", []step{{process: true, status: 520}}, unknown},
		{"522 after processing", []step{{process: true, status: 522}}, unknown},
		{"524 after processing", []step{{process: true, status: 524}}, unknown},
		{"599 after processing", []step{{process: true, status: 599}}, unknown},
		{"500 until retries run out", []step{{process: true, status: 500}}, unknown},
		// A 2xx that is not an answer.
		{"200 with D24's error body", []step{{process: true, status: 200, body: d24Refusal}}, unknown},
		{"200 without its identifiers", []step{{process: true, status: 200, body: `{"status":"ok"}`}}, unknown},
		{"200 nested error", []step{{process: true, status: 200, body: `{"error":{"code":500,"message":"GENERIC_ERROR"}}`}}, unknown},
		{"200 that is not JSON", []step{{process: true, status: 200, body: `<html>ok</html>`}}, unknown},
		// Resolved: a lost answer, then the key's replay.
		{"lost answer, then the replayed answer", []step{processedThenLost, {status: 200}}, success},
		// Nothing processed, and provably so.
		{"D24's refusal", []step{{status: 400, body: d24Refusal}}, refused},
		{"D24 refuses the signature", []step{{status: 400, body: `{"code":102,"description":"Invalid signature","type":"INVALID_SIGNATURE"}`}}, refused},
		{"D24 refuses the credentials", []step{{status: 401, body: `{"code":100,"description":"Invalid credentials","type":"INVALID_CREDENTIALS"}`}}, refused},
	}
	for _, op := range postOps {
		for _, tc := range cases {
			t.Run(op.name+"/"+tc.name, func(t *testing.T) {
				steps := append([]step(nil), tc.steps...)
				for i := range steps {
					if steps[i].status == 200 && steps[i].body == "" {
						steps[i].body = op.answer
					}
				}
				f := newFakeD24(t, steps...)
				c := fakeClient(t, f.url)
				err := op.call(context.Background(), c)
				judge(t, err, tc.want, int(f.created.Load()))
			})
		}
	}
}

// fakeClient is a client of the fake with fast retries and a short attempt
// timeout.
func fakeClient(t *testing.T, url string, opts ...d24.Option) *d24.Client {
	t.Helper()
	opts = append([]d24.Option{d24.WithRetryPolicy(d24.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond,
		AttemptTimeout: 300 * time.Millisecond})}, opts...)
	c, err := d24.New(d24.Config{Login: "l", SecretKey: "s", APIURL: url, CardAPIURL: url, AllowInsecureHTTP: true}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// judge checks a POST's error against what the server did.
func judge(t *testing.T, err error, want verdict, created int) {
	t.Helper()
	var outcome *d24.OutcomeUnknownError
	isUnknown := errors.As(err, &outcome)
	switch {
	case created > 0 && err != nil && !isUnknown:
		t.Errorf("%d created, but the call returned a plain error: %v", created, err)
	case created > 0 && err == nil && want != success && want != successOrUnknown:
		t.Errorf("%d created, and the call returned a success for a non-answer", created)
	case want == success && err != nil:
		t.Errorf("want success, got %v", err)
	case want == unknown && !isUnknown:
		t.Errorf("want *d24.OutcomeUnknownError, got %v", err)
	case want == refused && (err == nil || isUnknown):
		t.Errorf("nothing can have been processed, want a plain error, got %v", err)
	}
	if isUnknown && (outcome.IdempotencyKey == "" || outcome.Cause == nil) {
		t.Errorf("outcome-unknown error without its key or cause: %+v", outcome)
	}
	if err != nil && strings.Contains(fmt.Sprintf("%v %+v", err, err), canaryCard) {
		t.Errorf("card number in the error: %v", err)
	}
}

// net/http itself sends a keyed POST again on a new connection when a reused
// one breaks after the request was written. If that new connection is refused
// (D24 restarting), the error is a failed dial although D24 processed the
// request: the outcome must still be unknown.
func TestLostAnswerOnAReusedConnectionThenRefused(t *testing.T) {
	for _, op := range postOps {
		t.Run(op.name, func(t *testing.T) {
			f := newFakeD24(t, step{status: 404, body: `{"code":208,"description":"Resource not found","type":"RESOURCE_NOT_FOUND"}`},
				step{process: true, close: true, hangUp: true})
			c := fakeClient(t, f.url)
			_, _ = c.GetDeposit(context.Background(), 1) // leaves a warm connection in the pool
			err := op.call(context.Background(), c)
			judge(t, err, unknown, int(f.created.Load()))
			var dial *net.OpError
			if !errors.As(err, &dial) || dial.Op != "dial" {
				t.Errorf("the last error should be the refused dial: %v", err)
			}
		})
	}
}

// A POST whose every connection was refused never left the process: a plain
// error, never OutcomeUnknownError, after every attempt.
func TestRefusedFirstDialIsNotUnknown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close()
	for _, op := range postOps {
		err := op.call(context.Background(), fakeClient(t, url))
		judge(t, err, refused, 0)
	}
	// A refused dial, then D24's refusal: still nothing processed.
	f := newFakeD24(t, step{status: 400, body: d24Refusal})
	dials := 0
	tr := d24.DefaultTransport()
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials++; dials == 1 {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	err = postOps[0].call(context.Background(), fakeClient(t, f.url, d24.WithTransport(tr)))
	var apiErr *d24.APIError
	judge(t, err, refused, int(f.created.Load()))
	if !errors.As(err, &apiErr) || apiErr.Code != d24.ErrBeanValidation || f.requests() != 1 {
		t.Errorf("want D24's 201 after one refused dial: %v (%d requests)", err, f.requests())
	}
}

// A GET's 2xx that is not an answer is an error, never a zero status.
func TestGetAnswerMustBeAnAnswer(t *testing.T) {
	for name, body := range map[string]string{
		"D24's error body":  `{"code":208,"description":"Resource not found","type":"RESOURCE_NOT_FOUND"}`,
		"no deposit_id":     `{"status":"COMPLETED"}`,
		"a zero deposit_id": `{"deposit_id":0,"status":"COMPLETED"}`,
		"a nested error":    `{"error":{"code":500,"message":"GENERIC_ERROR"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			f := newFakeD24(t, step{status: 200, body: body})
			st, err := fakeClient(t, f.url).GetDeposit(context.Background(), 1)
			if err == nil || !errors.Is(err, d24.ErrMalformedAnswer) || st != nil {
				t.Fatalf("%+v %v", st, err)
			}
		})
	}
	f := newFakeD24(t, step{status: 200, body: `{"code":208,"description":"Resource not found","type":"RESOURCE_NOT_FOUND"}`})
	_, err := fakeClient(t, f.url).GetDeposit(context.Background(), 1)
	if !errors.Is(err, d24.ErrResourceNotFound) {
		t.Errorf("D24's error code is lost: %v", err)
	}
	f = newFakeD24(t, step{status: 200, body: `{"deposit_id":7,"status":"COMPLETED","code":"not an error"}`})
	if st, err := fakeClient(t, f.url).GetDeposit(context.Background(), 7); err != nil || st.DepositID != 7 {
		t.Errorf("an answer with a stray code field: %+v %v", st, err)
	}
}

// A caller who simply sends the same request again after an unknown outcome,
// with default options, is never charged twice: the default key is derived
// from the request, so D24 answers the repeat with what it did.
func TestSendingAgainAfterAnUnknownOutcome(t *testing.T) {
	lost := d24test.Fault{Kind: d24test.FaultDropAfterProcessing}
	for _, mode := range []d24test.IdempotencyMode{d24test.ReplayIdenticalRequests, d24test.RejectRepeatedKeys} {
		srv := d24test.NewServer(d24test.WithIdempotencyMode(mode))
		c := newClient(t, srv)
		// Three attempts, each on a new connection that is cut after D24
		// created the deposit.
		srv.InjectFaults(lost, lost, lost)
		req := cardDeposit("again-1", canaryCard)
		_, err := c.CreateCardDeposit(context.Background(), req)
		var outcome *d24.OutcomeUnknownError
		if !errors.As(err, &outcome) || len(srv.Requests()) != 3 {
			t.Fatalf("mode %d: want an unknown outcome after 3 requests, got %v after %d", mode, err, len(srv.Requests()))
		}
		dep, err := c.CreateCardDeposit(context.Background(), req)
		switch mode {
		case d24test.ReplayIdenticalRequests:
			if err != nil || dep.DepositID != srv.DepositsByInvoice()["again-1"][0].ID {
				t.Errorf("replay: the repeat should return the deposit made: %+v %v", dep, err)
			}
		default:
			if !errors.As(err, &outcome) || !errors.Is(err, d24.ErrIdempotencyKeyUsed) {
				t.Errorf("104: the repeat should stay unknown (key used): %v", err)
			}
		}
		// A restarted process, or another replica spelling the host another
		// way, derives the same key.
		other, err := d24.New(d24.Config{Login: srv.Login, SecretKey: srv.SecretKey, AllowInsecureHTTP: true,
			APIURL: strings.Replace(srv.APIURL, "127.0.0.1", "localhost", 1), CardAPIURL: strings.Replace(srv.CardAPIURL, "127.0.0.1", "localhost", 1)})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = other.CreateCardDeposit(context.Background(), req)
		other.CloseIdleConnections()
		if n := len(srv.DepositsByInvoice()["again-1"]); n != 1 {
			t.Errorf("mode %d: %d deposits for one invoice after sending it three times", mode, n)
		}
		keys := map[string]bool{}
		for _, r := range srv.Requests() {
			keys[r.IdempotencyKey] = true
		}
		if len(keys) != 1 {
			t.Errorf("mode %d: %d keys for one request: %v", mode, len(keys), keys)
		}
		c.CloseIdleConnections()
		srv.Close()
	}
}

// The default key is the same for the same request and differs for another;
// WithIdempotencyKey replaces it; KeyFromInvoiceID does not depend on the
// host's spelling.
func TestIdempotencyKeys(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	defer c.CloseIdleConnections()
	ctx := context.Background()
	_, _ = c.CreateDeposit(ctx, d24.DepositRequest{InvoiceID: "k-1", Amount: types.MustParseAmount("10"), Country: "BR"})
	_, _ = c.CreateDeposit(ctx, d24.DepositRequest{InvoiceID: "k-2", Amount: types.MustParseAmount("10"), Country: "BR"})
	_, _ = c.CreateDeposit(ctx, d24.DepositRequest{InvoiceID: "k-3", Amount: types.MustParseAmount("10"), Country: "BR"}, d24.WithIdempotencyKey("my-own-key"))
	_, err := c.CreateDeposit(ctx, d24.DepositRequest{InvoiceID: "k-4", Amount: types.MustParseAmount("10"), Country: "BR"}, d24.WithIdempotencyKey(" "))
	var invalid *d24.ValidationError
	if !errors.As(err, &invalid) || invalid.Fields()[0] != "X-Idempotency-Key" {
		t.Errorf("a blank key: %v", err)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests", len(reqs))
	}
	if k := reqs[0].IdempotencyKey; len(k) != 32 || k == reqs[1].IdempotencyKey || reqs[2].IdempotencyKey != "my-own-key" {
		t.Errorf("keys: %q %q %q", reqs[0].IdempotencyKey, reqs[1].IdempotencyKey, reqs[2].IdempotencyKey)
	}
	for _, r := range reqs {
		if strings.Contains(r.IdempotencyKey, "k-") {
			t.Errorf("the key reveals the body: %q", r.IdempotencyKey)
		}
	}

	// A KeyFunc sees the call's context.
	type orderKey struct{}
	fromCtx := newClient(t, srv, d24.WithIdempotencyKeyFunc(func(req *http.Request, body []byte) (string, error) {
		id, _ := req.Context().Value(orderKey{}).(string)
		return "order-" + id, nil
	}))
	defer fromCtx.CloseIdleConnections()
	_, _ = fromCtx.CreateDeposit(context.WithValue(ctx, orderKey{}, "77"), d24.DepositRequest{InvoiceID: "k-5", Amount: types.MustParseAmount("10"), Country: "BR"})
	if reqs := srv.Requests(); reqs[len(reqs)-1].IdempotencyKey != "order-77" {
		t.Errorf("a KeyFunc could not see the call's context: %q", reqs[len(reqs)-1].IdempotencyKey)
	}

	byInvoice := d24.KeyFromInvoiceID()
	body := []byte(`{"invoice_id":"inv-9","amount":10}`)
	var keys []string
	for _, host := range []string{"api.example", "api.example:443", "API.example"} {
		req, _ := http.NewRequest("POST", "https://"+host+"/v3/deposits", bytes.NewReader(body))
		k, _ := byInvoice(req, body)
		keys = append(keys, k)
	}
	if keys[0] == "" || keys[0] != keys[1] || keys[1] != keys[2] {
		t.Errorf("KeyFromInvoiceID depends on the host's spelling: %q", keys)
	}
}

// A refund's amount must be greater than zero, and a full refund is asked for
// by name: a computed zero never refunds the whole deposit.
func TestRefundAmounts(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	defer c.CloseIdleConnections()
	ctx := context.Background()
	dep, err := c.CreateCardDeposit(ctx, cardDeposit("ra-1", canaryCard))
	if err != nil {
		t.Fatal(err)
	}
	x := types.MustParseAmount("40")
	for name, amount := range map[string]*d24.Amount{"computed zero": d24.Ptr(x.Sub(x)), "zero value": {}, "negative": d24.Ptr(types.MustParseAmount("-5")), "left out": nil} {
		_, err := c.CreateRefund(ctx, d24.RefundRequest{DepositID: dep.DepositID, InvoiceID: "ra-1", Amount: amount})
		var invalid *d24.ValidationError
		if !errors.As(err, &invalid) || len(invalid.Violations) != 1 || invalid.Violations[0].Field != "amount" {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, amount := range map[string]*d24.Amount{"an amount": &x, "a zero amount": {}} {
		_, err = c.CreateFullRefund(ctx, d24.RefundRequest{DepositID: dep.DepositID, InvoiceID: "ra-1", Amount: amount})
		var invalid *d24.ValidationError
		if !errors.As(err, &invalid) || invalid.Violations[0].Field != "amount" {
			t.Errorf("a full refund with %s: %v", name, err)
		}
	}
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("%d requests reached D24, want only the deposit", n)
	}
	full, err := c.CreateFullRefund(ctx, d24.RefundRequest{DepositID: dep.DepositID, InvoiceID: "ra-1"})
	if err != nil || full.RefundInfo.Amount.String() != "100.5" {
		t.Fatalf("full refund: %+v %v", full, err)
	}
	if body := srv.Requests()[1].Body; strings.Contains(body, "amount") {
		t.Errorf("a full refund sent an amount: %s", body)
	}
}

// A silent server: every call ends, bounded by default. The default bounds are
// on every attempt's context (checked without waiting for them); a shorter
// per-call bound ends a real silent call, a POST's as an unknown outcome.
func TestNoCallWithoutABound(t *testing.T) {
	var mu sync.Mutex
	var left []time.Duration
	spy := roundTrip(func(r *http.Request) (*http.Response, error) {
		deadline, ok := r.Context().Deadline()
		mu.Lock()
		left = append(left, time.Until(deadline))
		if !ok {
			left[len(left)-1] = -1
		}
		mu.Unlock()
		return nil, errors.New("spy: no answer")
	})
	for _, tc := range []struct {
		policy d24.RetryPolicy
		bound  time.Duration
	}{
		{d24.RetryPolicy{MaxAttempts: 1}, 30 * time.Second},                     // the documented default attempt timeout
		{d24.RetryPolicy{MaxAttempts: 1, AttemptTimeout: -1}, 80 * time.Second}, // the documented default call bound
	} {
		left = nil
		c, _ := d24.New(d24.Config{Login: "l", SecretKey: "s"}, d24.WithTransport(spy), d24.WithRetryPolicy(tc.policy))
		_, _ = c.GetDeposit(context.Background(), 1)
		if len(left) != 1 || left[0] <= 0 || left[0] > tc.bound {
			t.Errorf("attempt bounded by %v, want at most %v", left, tc.bound)
		}
	}

	// A server that accepts connections and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, conn)
		}
	}()
	c := fakeClient(t, "http://"+ln.Addr().String())
	ctx := context.Background()
	if _, err := c.GetDeposit(ctx, 1, d24.WithCallTimeout(200*time.Millisecond)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("GET: %v", err)
	}
	_, err = c.CreateCardDeposit(ctx, cardDeposit("silent-1", canaryCard), d24.WithCallTimeout(200*time.Millisecond))
	var outcome *d24.OutcomeUnknownError
	if !errors.As(err, &outcome) {
		t.Errorf("a POST sent and never answered must be outcome-unknown: %v", err)
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A nil context and a Client not made by New give errors, not panics.
func TestCallsThatCannotBeMade(t *testing.T) {
	var zero d24.Client
	var nilClient *d24.Client
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"zero client card deposit": func() error { _, err := zero.CreateCardDeposit(ctx, cardDeposit("z-1", canaryCard)); return err },
		"zero client deposit":      func() error { _, err := zero.CreateDeposit(ctx, d24.DepositRequest{}); return err },
		"zero client status":       func() error { _, err := zero.GetDeposit(ctx, 1); return err },
		"zero client refund": func() error {
			_, err := zero.CreateRefund(ctx, d24.RefundRequest{Amount: d24.Ptr(types.MustParseAmount("1"))})
			return err
		},
		"zero client full refund":  func() error { _, err := zero.CreateFullRefund(ctx, d24.RefundRequest{}); return err },
		"zero client refund state": func() error { _, err := zero.GetRefund(ctx, 1); return err },
		"zero client lookup":       func() error { _, err := zero.Banks(ctx, "BR"); return err },
		"nil client status":        func() error { _, err := nilClient.GetDeposit(ctx, 1); return err },
		"nil client card deposit": func() error {
			_, err := nilClient.CreateCardDeposit(ctx, cardDeposit("z-2", canaryCard))
			return err
		},
		"nil client lookup": func() error { _, err := nilClient.PaymentMethods(ctx, "BR"); return err },
	} {
		if err := call(); !errors.Is(err, d24.ErrUninitializedClient) {
			t.Errorf("%s: %v", name, err)
		}
	}
	rec := httptest.NewRecorder()
	nilClient.NotificationHandler(func(context.Context, *d24.DepositStatus) error { return nil }).
		ServeHTTP(rec, httptest.NewRequest("POST", "/n", strings.NewReader(`{"deposit_id":1}`)))
	if rec.Code != http.StatusBadGateway {
		t.Errorf("a nil client's notification handler answered %d", rec.Code)
	}
	srv := d24test.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	defer c.CloseIdleConnections()
	//lint:ignore SA1012 a nil context is what is tested
	if _, err := c.GetDeposit(nil, 1); !errors.Is(err, d24.ErrNilContext) { //nolint:staticcheck
		t.Errorf("nil context: %v", err)
	}
	//lint:ignore SA1012 a nil context is what is tested
	if _, err := c.CreateCardDeposit(nil, cardDeposit("z-3", canaryCard)); !errors.Is(err, d24.ErrNilContext) { //nolint:staticcheck
		t.Errorf("nil context: %v", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
