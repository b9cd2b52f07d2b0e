package d24_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/d24go/d24"
	"github.com/d24go/d24/d24test"
	"github.com/d24go/d24/generated/pci"
	"github.com/d24go/d24/middleware"
	"github.com/d24go/d24/types"
)

// A 2xx whose caller's context ends just as its headers arrive: the deposit
// exists, so the call is a success or an unknown outcome, never a plain
// context error.
func TestSuccessThenTheContextEnds(t *testing.T) {
	for _, op := range postOps {
		t.Run(op.name, func(t *testing.T) {
			f := newFakeD24(t, step{process: true, status: 200, body: op.answer})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotFirstResponseByte: cancel})
			judge(t, op.call(ctx, fakeClient(t, f.url)), successOrUnknown, int(f.created.Load()))
		})
	}
}

// D24 processes a POST on a reused connection that breaks before the answer,
// then refuses the repeat in its own words (a check made before the key's): the
// first send may have been processed, so the outcome is unknown. net/http must
// not repeat the POST on its own, where no layer could see it.
func TestLostOnAReusedConnectionThenRefused(t *testing.T) {
	for _, op := range postOps {
		t.Run(op.name, func(t *testing.T) {
			f := newFakeD24(t, step{status: 404, body: `{"code":208,"description":"Resource not found","type":"RESOURCE_NOT_FOUND"}`},
				step{process: true, hangUp: true},
				step{status: 400, body: `{"code":803,"description":"Insufficient funds","type":"INSUFFICIENT_FUNDS"}`})
			c := fakeClient(t, f.url)
			_, _ = c.GetDeposit(context.Background(), 1) // a warm connection
			judge(t, op.call(context.Background(), c), unknown, int(f.created.Load()))
		})
	}
}

// Calls that send nothing are plain errors: a context already ended, a header
// net/http refuses, a 103 whose corrected repeat cannot connect.
func TestNothingSentIsNotUnknown(t *testing.T) {
	f := newFakeD24(t, step{process: true, status: 200, body: postOps[0].answer})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, op := range postOps {
		judge(t, op.call(ctx, fakeClient(t, f.url)), refused, int(f.created.Load()))
	}
	_, err := fakeClient(t, f.url).CreateCardDeposit(context.Background(), cardDeposit("hdr-1", canaryCard), d24.WithIdempotencyKey("abc\x7f"))
	judge(t, err, refused, int(f.created.Load()))
	if f.requests() != 0 {
		t.Errorf("%d requests reached the server", f.requests())
	}

	dateRange := newFakeD24(t, step{close: true, status: 400, header: http.Header{"Connection": {"close"}},
		body: `{"code":103,"description":"Invalid date range","type":"INVALID_DATE_RANGE"}`})
	_, err = fakeClient(t, dateRange.url, d24.WithRetryPolicy(d24.RetryPolicy{MaxAttempts: 1})).
		CreateCardDeposit(context.Background(), cardDeposit("skew-1", canaryCard))
	judge(t, err, refused, int(dateRange.created.Load()))
}

// A 2xx that the client finds is not an answer marks the call span, so an
// alert on error.type sees the unknown outcome.
func TestCallSpanOfAnAnswerThatIsNot(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	f := newFakeD24(t, step{process: true, status: 200, body: `{"status":"ok"}`})
	c := fakeClient(t, f.url, d24.WithTracing(middleware.WithTracerProvider(tp)))
	judge(t, postOps[0].call(context.Background(), c), unknown, int(f.created.Load()))
	_, err := c.GetDeposit(context.Background(), 1)
	if !errors.Is(err, d24.ErrMalformedAnswer) {
		t.Fatal(err)
	}
	var kinds []string
	for _, s := range rec.Ended() {
		if s.Parent().IsValid() {
			continue
		}
		for _, a := range s.Attributes() {
			if a.Key == "error.type" {
				kinds = append(kinds, s.Name()+":"+a.Value.AsString()+":"+s.Status().Code.String())
			}
		}
	}
	if got := strings.Join(kinds, ","); got != "createCardDeposit:outcome_unknown:Error,getDeposit:malformed_answer:Error" {
		t.Errorf("call spans: %s", got)
	}
}

// The generated clients derive their keys as the methods do: the same request
// sent twice through CardAPI makes one deposit.
func TestGeneratedClientsKeyLikeTheMethods(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	defer c.CloseIdleConnections()
	req := cardDeposit("gen-1", "4012888888881881")
	for i := 0; i < 2; i++ {
		if _, err := c.CardAPI().CreateCardDepositWithResponse(context.Background(), &pci.CreateCardDepositParams{}, req); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CreateCardDeposit(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.DepositsByInvoice()["gen-1"]); n != 1 {
		t.Errorf("%d deposits for one request sent three times", n)
	}
}

// Odd but legal inputs give errors, not panics: a transport answering without
// a body, a nil CallOption, accessors of a nil Client, an extreme backoff.
func TestNoPanics(t *testing.T) {
	noBody := roundTrip(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 503, Header: http.Header{}, Request: r}, nil
	})
	c, _ := d24.New(d24.Config{Login: "l", SecretKey: "s"}, d24.WithTransport(noBody), d24.WithRetryPolicy(d24.RetryPolicy{MaxAttempts: 1}))
	var outcome *d24.OutcomeUnknownError
	if _, err := c.CreateDeposit(context.Background(), d24.DepositRequest{InvoiceID: "nb-1", Amount: types.MustParseAmount("1"), Country: "BR"}, nil); !errors.As(err, &outcome) {
		t.Errorf("a 503 without a body: %v", err)
	}
	var nilClient *d24.Client
	nilClient.CloseIdleConnections()
	if nilClient.CardAPI() != nil || nilClient.API() != nil || nilClient.ReadOnlyAPI() != nil {
		t.Error("a nil client has generated clients")
	}
	refused := roundTrip(func(r *http.Request) (*http.Response, error) { return nil, errors.New("refused") })
	c, _ = d24.New(d24.Config{Login: "l", SecretKey: "s"}, d24.WithTransport(refused),
		d24.WithRetryPolicy(d24.RetryPolicy{MaxAttempts: 40, BaseDelay: time.Minute, MaxDelay: time.Nanosecond, CallTimeout: -1}))
	if _, err := c.GetDeposit(context.Background(), 1); err == nil {
		t.Error("no error")
	}
}

// A 2xx whose amount quotes a card number: the decoding error does not.
func TestMalformedAnswerIsRedacted(t *testing.T) {
	f := newFakeD24(t, step{process: true, status: 200,
		body: `{"deposit_id":1,"merchant_invoice_id":"o-1","payment_info":{"amount":"4111 1111 1111 1111"}}`})
	err := postOps[0].call(context.Background(), fakeClient(t, f.url))
	judge(t, err, unknown, int(f.created.Load()))
	if msg := fmt.Sprintf("%v %+v %#v", err, err, err); strings.Contains(msg, "4111 1111") {
		t.Errorf("card number in the error: %s", msg)
	}
}
