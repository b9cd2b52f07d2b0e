package d24_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/d24go/d24"
	"github.com/d24go/d24/middleware"
	"github.com/d24go/d24/types"
)

// Held: many goroutines share one Client over HTTP/1 and HTTP/2 while the
// server processes and answers late, loses answers, 503s, refuses, and callers
// cancel at random: no call that was processed ends in a plain error, every
// call ends within its bound, no goroutine is left, and -race is quiet.
func TestReviewConcurrentOutcomesHTTP2(t *testing.T) { reviewConcurrent(t, true) }
func TestReviewConcurrentOutcomesHTTP1(t *testing.T) { reviewConcurrent(t, false) }

func reviewConcurrent(t *testing.T, h2 bool) {
	baseline := runtime.NumGoroutine()
	var mu sync.Mutex
	processed := map[string]int{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body struct {
			InvoiceID string `json:"invoice_id"`
		}
		json.Unmarshal(b, &body)
		rnd := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
		kind := rnd.IntN(6)
		if kind <= 3 {
			mu.Lock()
			processed[body.InvoiceID]++
			mu.Unlock()
		}
		switch kind {
		case 0, 1: // processed, answered (maybe late, maybe body late)
			w.Header().Set("Content-Type", "application/json")
			d := time.Duration(rnd.IntN(80)) * time.Millisecond
			if rnd.IntN(2) == 0 {
				w.WriteHeader(200)
				w.(http.Flusher).Flush()
			}
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
			io.WriteString(w, `{"deposit_id":300000002,"checkout_type":"HOSTED","redirect_url":"https://x"}`)
		case 2: // processed, answer lost
			panic(http.ErrAbortHandler)
		case 3: // processed, 503
			w.WriteHeader(503)
		case 4: // refused
			w.WriteHeader(400)
			io.WriteString(w, `{"code":201,"description":"Field validation error","type":"BEAN_VALIDATION_ERROR"}`)
		case 5: // not processed, 429 with refusal semantics unknown
			w.WriteHeader(429)
		}
	})
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = h2
	srv.StartTLS()
	defer srv.Close()
	tr := srv.Client().Transport.(*http.Transport)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tracetest.NewSpanRecorder()))
	c, err := d24.New(d24.Config{Login: "l", SecretKey: "s", APIURL: srv.URL, CardAPIURL: srv.URL}, d24.WithTransport(tr),
		d24.WithTracing(middleware.WithTracerProvider(tp)), d24.WithLogger(slog.New(slog.DiscardHandler)),
		d24.WithRetryPolicy(d24.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 3 * time.Millisecond, AttemptTimeout: 40 * time.Millisecond,
			CallTimeout: 250 * time.Millisecond, Budget: middleware.NoRetryBudget}))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	type result struct {
		invoice string
		err     error
	}
	results := make(chan result, 1000)
	for g := 0; g < 12; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(g), 2))
			for i := 0; i < 25; i++ {
				inv := "st-" + strconv.Itoa(g) + "-" + strconv.Itoa(i)
				ctx, cancel := context.WithCancel(context.Background())
				if rnd.IntN(5) == 0 {
					time.AfterFunc(time.Duration(rnd.IntN(60))*time.Millisecond, cancel)
				}
				start := time.Now()
				_, err := c.CreateDeposit(ctx, d24.DepositRequest{InvoiceID: inv, Amount: types.MustParseAmount("10"), Country: "BR"})
				if took := time.Since(start); took > time.Second {
					t.Errorf("%s took %v", inv, took)
				}
				cancel()
				results <- result{inv, err}
			}
		}()
	}
	wg.Wait()
	close(results)
	// Give the server handlers a moment to finish counting.
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	c.CloseIdleConnections()
	srv.Close()
	tr.CloseIdleConnections()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > baseline+2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > baseline+2 {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines left, %d before:\n%s", n, baseline, buf[:runtime.Stack(buf, true)])
	}
	for r := range results {
		var unknown *d24.OutcomeUnknownError
		if processed[r.invoice] > 0 && r.err != nil && !errors.As(r.err, &unknown) {
			t.Errorf("%s processed %d times but a plain error: %v", r.invoice, processed[r.invoice], r.err)
		}
	}
}
