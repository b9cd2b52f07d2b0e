package middleware

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"sync"
	"testing"
	"time"
)

// The queue ends exactly the attempts whose bound has passed, in any order of
// adding and removing, and sets its timer for the earliest bound left.
func TestDeadlinesEndWhatHasPassed(t *testing.T) {
	d := &deadlines{}
	now := time.Now()
	rnd := rand.New(rand.NewPCG(1, 2))
	var queued []*attemptCtx
	for i := 0; i < 300; i++ {
		a := &attemptCtx{}
		// Half already passed, half an hour or more away.
		offset := time.Duration(rnd.IntN(1000)) * time.Millisecond
		if i%2 == 0 {
			offset = -offset - time.Millisecond
		} else {
			offset += time.Hour
		}
		a.start(context.Background(), nil, now.Add(offset), errAttemptTimeout, d)
		queued = append(queued, a)
		if i%7 == 0 {
			// Remove one from anywhere: its bound is never ended.
			j := rnd.IntN(len(queued))
			queued[j].release()
			queued = append(queued[:j], queued[j+1:]...)
		}
	}
	d.fire()
	for _, a := range queued {
		passed := a.deadline.Before(now)
		if a.hasExpired() != passed {
			t.Fatalf("bound %v from now: expired %v", a.deadline.Sub(now), a.hasExpired())
		}
		if passed != (a.index == -1) {
			t.Fatalf("bound %v from now: index %d", a.deadline.Sub(now), a.index)
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, a := range d.queue {
		if a.index != i || i > 0 && a.deadline.Before(d.queue[(i-1)/2].deadline) {
			t.Fatalf("queue is no heap at %d", i)
		}
	}
	if len(d.queue) == 0 || !d.firing.Equal(d.queue[0].deadline) {
		t.Errorf("timer set for %v, earliest bound %v", d.firing, d.queue[0].deadline)
	}
	d.timer.Stop()
}

// An attempt's context: its deadline is the earlier of its bound and its
// call's; at the bound, Done closes, Err is DeadlineExceeded, context.Cause is
// the bound's cause, and contexts made from it end too; once the attempt is
// over, its Done closes with Canceled; the call's cancellation reaches it.
func TestAttemptContext(t *testing.T) {
	d := &deadlines{}
	t.Cleanup(func() {
		if d.timer != nil {
			d.timer.Stop()
		}
	})
	soon := time.Now().Add(50 * time.Millisecond)

	a := &attemptCtx{}
	a.start(context.Background(), nil, soon, errCallTimeout, d)
	if dl, ok := a.Deadline(); !ok || !dl.Equal(soon) {
		t.Errorf("Deadline = %v, %v", dl, ok)
	}
	child, cancel := context.WithCancel(a) // as net/http's transport does
	defer cancel()
	<-a.Done()
	<-child.Done()
	if !errors.Is(a.Err(), context.DeadlineExceeded) || context.Cause(a) != errCallTimeout || context.Cause(child) != errCallTimeout {
		t.Errorf("at the bound: Err %v, Cause %v, child's %v", a.Err(), context.Cause(a), context.Cause(child))
	}

	// A bound that passes before anything waits on it.
	b := &attemptCtx{}
	b.start(context.Background(), nil, time.Now().Add(-time.Second), errAttemptTimeout, d)
	d.fire()
	if b.Err() != context.DeadlineExceeded || context.Cause(b) != errAttemptTimeout {
		t.Errorf("bound passed unobserved: Err %v, Cause %v", b.Err(), context.Cause(b))
	}
	select {
	case <-b.Done():
	default:
		t.Error("Done open after the bound passed")
	}

	// The call's own deadline, when earlier, is the attempt's.
	early, cancelEarly := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancelEarly()
	c := &attemptCtx{}
	c.start(early, nil, time.Now().Add(time.Hour), errAttemptTimeout, d)
	want, _ := early.Deadline()
	if dl, _ := c.Deadline(); !dl.Equal(want) {
		t.Errorf("Deadline %v, want the call's %v", dl, want)
	}
	<-c.Done()
	if c.Err() != context.DeadlineExceeded || c.hasExpired() {
		t.Errorf("the call's deadline: Err %v, expired %v", c.Err(), c.hasExpired())
	}
	c.release()

	// Released: Done closes, Err says Canceled, the bound is dequeued and
	// never ends it, even if the queue had already taken it out to end it.
	e := &attemptCtx{}
	e.start(context.Background(), nil, time.Now().Add(time.Hour), errAttemptTimeout, d)
	done := e.Done()
	e.release()
	e.release()
	<-done
	e.expire()
	if e.Err() != context.Canceled || e.hasExpired() || e.index != -1 {
		t.Errorf("released: Err %v, expired %v, index %d", e.Err(), e.hasExpired(), e.index)
	}

	// The call's context ending reaches the attempt.
	parent, cancelParent := context.WithCancelCause(context.Background())
	f := &attemptCtx{}
	f.start(parent, nil, time.Now().Add(time.Hour), errAttemptTimeout, d)
	cause := errors.New("the caller gave up")
	cancelParent(cause)
	<-f.Done()
	if f.Err() != context.Canceled || context.Cause(f) != cause {
		t.Errorf("the call's context ended: Err %v, Cause %v", f.Err(), context.Cause(f))
	}
	f.release()
}

// Calls through a Retry leave nothing queued once their answers are closed,
// whatever way they end, and the timer was set once for all of them: no call
// armed a timer of its own.
func TestAttemptBoundsShareOneTimer(t *testing.T) {
	var hits sync.Map
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/flaky":
			// 503 the first time, then 200.
			if _, seen := hits.LoadOrStore(r.Header.Get("X-Idempotency-Key"), true); !seen {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
		case "/slow":
			// The answer's headers, then a body that never comes.
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			return
		}
		io.WriteString(w, `{"ok":true}`)
	}))
	defer srv.Close()
	r := NewRetry(nil, RetryPolicy{BaseDelay: time.Millisecond, AttemptTimeout: time.Hour}, WithAPI(D24()))
	client := &http.Client{Transport: r}
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := []string{"/ok", "/flaky"}[i%2]
			req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(`{}`))
			req.Header.Set("X-Idempotency-Key", "k"+strings.Repeat("x", i))
			resp, err := client.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("%s: %d", path, resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	// An answer whose body is cut by the call's own bound while it is read.
	req, _ := http.NewRequest("GET", srv.URL+"/slow", nil)
	req = req.WithContext(WithCallTimeout(req.Context(), 50*time.Millisecond))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(resp.Body); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("reading past the call's bound: %v", err)
	}
	resp.Body.Close()

	b := r.attempt.bounds
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.queue) != 0 {
		t.Errorf("%d bounds left queued after every answer was closed", len(b.queue))
	}
	if b.sets != 2 {
		// Once for the first hour-long bound, once for the 50 ms one.
		t.Errorf("the timer was set %d times for 41 calls, want 2", b.sets)
	}
}

// A bounded attempt's context answers httptrace with the call's probe itself
// (no context of its own for the trace): a transport that asks for a
// connection and never gets one proves that the POST was never sent, and
// the request it was given still carries the bound.
func TestBoundCarriesTheProbe(t *testing.T) {
	if traceKey == nil {
		t.Fatal("httptrace's key was not learnt: every traced attempt pays a context of its own")
	}
	var sawBound, sawTrace bool
	r := NewRetry(roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		_, sawBound = req.Context().(*attemptCtx)
		if trace := httptrace.ContextClientTrace(req.Context()); trace != nil && trace.GetConn != nil {
			sawTrace = true
			trace.GetConn("d24.example:443")
		}
		return nil, errors.New("no connection")
	}), RetryPolicy{MaxAttempts: 1}, WithAPI(D24()))
	req, _ := http.NewRequest("POST", "https://d24.example/v3/deposits", strings.NewReader(`{}`))
	_, err := r.RoundTrip(req)
	var unknown *OutcomeUnknownError
	if !sawBound || !sawTrace || err == nil || errors.As(err, &unknown) {
		t.Errorf("bound %v, trace %v: %v (want a plain error: nothing was sent)", sawBound, sawTrace, err)
	}
}
