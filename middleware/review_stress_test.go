package middleware

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Held: concurrent calls through one Retry, answered late, with bodies cut
// by the bound and callers canceling at random, end within their bounds and
// leave nothing in the deadline queue (-race quiet).
func TestReviewStressBounds(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		d, _ := strconv.Atoi(r.URL.Query().Get("d"))
		code, _ := strconv.Atoi(r.URL.Query().Get("c"))
		if code == 0 {
			code = 200
		}
		w.WriteHeader(code)
		w.(http.Flusher).Flush()
		select {
		case <-time.After(time.Duration(d) * time.Millisecond):
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, `{"ok":true}`)
	}))
	defer srv.Close()
	r := NewRetry(nil, RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond, AttemptTimeout: 30 * time.Millisecond, CallTimeout: 200 * time.Millisecond}, WithAPI(D24()))
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(g), 9))
			for i := 0; i < 40; i++ {
				d := rnd.IntN(60)
				code := []int{200, 200, 503, 400}[rnd.IntN(4)]
				method := []string{"GET", "POST"}[rnd.IntN(2)]
				ctx, cancel := context.WithCancel(context.Background())
				if rnd.IntN(4) == 0 {
					time.AfterFunc(time.Duration(rnd.IntN(40))*time.Millisecond, cancel)
				}
				req, _ := http.NewRequestWithContext(ctx, method, srv.URL+"/x?d="+strconv.Itoa(d)+"&c="+strconv.Itoa(code), strings.NewReader(`{}`))
				if rnd.IntN(2) == 0 {
					req.Header.Set("X-Idempotency-Key", "k"+strconv.Itoa(g)+"-"+strconv.Itoa(i))
				}
				start := time.Now()
				resp, err := r.RoundTrip(req)
				if err == nil {
					_, err = io.ReadAll(resp.Body)
					resp.Body.Close()
				}
				if took := time.Since(start); took > time.Second {
					t.Errorf("call took %v", took)
				}
				if err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
					var u *OutcomeUnknownError
					if !errors.As(err, &u) {
						t.Logf("err %v", err)
					}
				}
				cancel()
			}
		}()
	}
	wg.Wait()
	b := r.attempt.bounds
	b.mu.Lock()
	n := len(b.queue)
	b.mu.Unlock()
	if n != 0 {
		t.Errorf("%d left in queue", n)
	}
}
