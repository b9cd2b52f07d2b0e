package middleware_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/d24go/d24/internal/reqbody"
	"github.com/d24go/d24/middleware"
)

// REVIEW (run with -race): with attempt spans on, the Signer gets a copy of
// the attempt's request whose Body is still the client's *reqbody.Reader, the
// very reader the transport's write loop reads the first send from (net/http
// may hand back the 103 answer before its write loop is done with the body:
// here an 8 MiB body that the server answers before reading; over HTTP/2 any
// body beyond the flow-control window).
// On the 103 repeat, sign() calls reqbody.Of(req) first thing, which reads
// that reader's position (r.Len()) with no synchronisation with the write
// loop: a data race, new with dd4f481/aa158b6 (before, the repeat only called
// GetBody).
func TestReviewChainRepeatsA103WithSpansRaceFree(t *testing.T) {
	serverNow := time.Now().Add(10 * time.Minute).UTC().Truncate(time.Second)
	dateRange := status(400, `{"code":103,"description":"Invalid date range","type":"INVALID_DATE_RANGE"}`, "Date", serverNow.Format(http.TimeFormat))
	srv := newScript(t, status(200, `{"ok":true}`))
	var n atomic.Int32
	early := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			dateRange(w, r) // answered before the body is read
			return
		}
		srv.srv.Config.Handler.ServeHTTP(w, r)
	}))
	defer early.Close()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tracetest.NewSpanRecorder()))
	rt, err := middleware.NewChain("L", "S", middleware.WithTracing(middleware.WithTracerProvider(tp)), middleware.WithRetryPolicy(fast))
	if err != nil {
		t.Fatal(err)
	}
	body := append(append([]byte(`{"invoice_id":"skew-1","pad":"`), bytes.Repeat([]byte("x"), 8<<20)...), `"}`...)
	req, _ := http.NewRequest("POST", early.URL+"/v3/deposits", bytes.NewReader(body))
	req.Body, req.GetBody = reqbody.New(body), reqbody.GetBody(body)
	req.Header.Set("X-Idempotency-Key", "skew-key")
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	reqs := srv.seen()
	if resp.StatusCode != 200 || len(reqs) != 1 {
		t.Fatalf("%d after %d requests", resp.StatusCode, len(reqs))
	}
	for i, r := range reqs {
		if r.body != string(body) || r.header.Get("Authorization") != expectedSignature("S", r.header.Get("X-Date"), "L", string(body)) {
			t.Errorf("send %d: body %q, signature %q", i, r.body, r.header.Get("Authorization"))
		}
	}
}
