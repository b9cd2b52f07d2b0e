package d24_test

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/d24go/d24"
)

// The notification handler under load, against a scripted D24 over loopback
// HTTP: many notifications share fetches, a full cap answers 503 at once, a
// hung D24 costs a bounded number of goroutines and every notification is
// answered by the handler's deadline, and a fetch is never retried.

// statusD24 is D24's status endpoints, scripted: it counts the status GETs it
// receives, by ID, and answers them with status, once released when held.
type statusD24 struct {
	srv     *httptest.Server
	status  int           // the answer's status
	held    chan struct{} // answers wait until it is closed; nil: at once
	stop    chan struct{} // closed at the end of the test
	gets    atomic.Int64
	dropped atomic.Int64 // GETs whose client went away before the answer

	mu  sync.Mutex
	ids []string // the IDs fetched, in order
}

// newStatusD24 starts a fake D24 answering status, after held is closed if it
// is not nil; a nil held and status 0 make a D24 that never answers.
func newStatusD24(t *testing.T, status int, held chan struct{}) *statusD24 {
	t.Helper()
	f := &statusD24{status: status, held: held, stop: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := strings.CutPrefix(r.URL.Path, "/v3/deposits/")
		refund := false
		if !ok {
			id, refund = strings.CutPrefix(r.URL.Path, "/v3/refunds/")
		}
		if r.Method != http.MethodGet || id == "" {
			http.Error(w, "not a status call", http.StatusNotFound)
			return
		}
		f.gets.Add(1)
		f.mu.Lock()
		f.ids = append(f.ids, id)
		f.mu.Unlock()
		wait := f.held
		if f.status == 0 {
			wait = f.stop // hung: never answers
		}
		if wait != nil {
			select {
			case <-wait:
			case <-f.stop:
			case <-r.Context().Done():
				f.dropped.Add(1)
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		switch {
		case f.status != http.StatusOK:
			w.Write([]byte(`{"code":700,"description":"try later","type":"SERVICE_UNAVAILABLE"}`))
		case refund:
			w.Write([]byte(`{"deposit_id":300000001,"status":"COMPLETED","amount":10}`))
		default:
			w.Write([]byte(`{"deposit_id":` + id + `,"status":"COMPLETED"}`))
		}
	}))
	t.Cleanup(func() {
		close(f.stop)
		f.srv.CloseClientConnections()
		f.srv.Close()
	})
	return f
}

func (f *statusD24) fetched() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.ids...)
}

// countingTransport counts the status fetches in flight on the client side,
// from the request to the answer read or the error.
type countingTransport struct {
	next           *http.Transport
	inFlight, peak atomic.Int64
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	n := c.inFlight.Add(1)
	for p := c.peak.Load(); n > p && !c.peak.CompareAndSwap(p, n); p = c.peak.Load() {
	}
	resp, err := c.next.RoundTrip(req)
	if err != nil {
		c.inFlight.Add(-1)
		return nil, err
	}
	resp.Body = &doneOnClose{ReadCloser: resp.Body, done: func() { c.inFlight.Add(-1) }}
	return resp, nil
}

func (c *countingTransport) CloseIdleConnections() { c.next.CloseIdleConnections() }

type doneOnClose struct {
	io.ReadCloser
	once sync.Once
	done func()
}

func (d *doneOnClose) Close() error {
	err := d.ReadCloser.Close()
	d.once.Do(d.done)
	return err
}

// loadClient is a Client of fake with the default retry policy's three
// attempts (backoffs shortened): a retried fetch would show as more GETs.
func loadClient(t *testing.T, fake *statusD24) (*d24.Client, *countingTransport) {
	t.Helper()
	ct := &countingTransport{next: d24.DefaultTransport()}
	c, err := d24.New(d24.Config{Login: "merchant", SecretKey: "notify-load-secret", APIURL: fake.srv.URL, CardAPIURL: fake.srv.URL, AllowInsecureHTTP: true},
		d24.WithTransport(ct), d24.WithRetryPolicy(d24.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c, ct
}

// flood sends notifications to a handler, each from its own goroutine as the
// HTTP server would, and records the answers.
type flood struct {
	h      http.Handler
	active atomic.Int64 // goroutines of the flood not yet ended
	wg     sync.WaitGroup

	mu         sync.Mutex
	codes      map[int]int
	retryAfter map[string]int // of the 503s
	slowest    time.Duration
}

func newFlood(h http.Handler) *flood {
	return &flood{h: h, codes: map[int]int{}, retryAfter: map[string]int{}}
}

func (fl *flood) send(body string) {
	fl.active.Add(1)
	fl.wg.Add(1)
	go func() {
		defer fl.wg.Done()
		defer fl.active.Add(-1)
		rec := httptest.NewRecorder()
		start := time.Now()
		fl.h.ServeHTTP(rec, httptest.NewRequest("POST", "/d24/notifications", strings.NewReader(body)))
		took := time.Since(start)
		fl.mu.Lock()
		defer fl.mu.Unlock()
		fl.codes[rec.Code]++
		if rec.Code == http.StatusServiceUnavailable {
			fl.retryAfter[rec.Header().Get("Retry-After")]++
		}
		fl.slowest = max(fl.slowest, took)
	}()
}

// answered is the number of notifications answered so far.
func (fl *flood) answered() int {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	n := 0
	for _, c := range fl.codes {
		n += c
	}
	return n
}

func (fl *flood) count(code int) int {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	return fl.codes[code]
}

func depositNotification(id int64) string { return `{"deposit_id": ` + strconv.FormatInt(id, 10) + `}` }

// waitFor polls cond until it holds or d passes, and reports whether it held.
func waitFor(d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); ; time.Sleep(5 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// blockedInHandler counts the flood's goroutines that are parked on a channel
// inside ServeHTTP (waiting for a fetch), as opposed to still on their way in.
func blockedInHandler() int {
	buf := make([]byte, 8<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	blocked := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		header, _, _ := strings.Cut(g, "\n")
		if strings.Contains(g, "(*flood).send") && strings.Contains(g, "ServeHTTP") &&
			(strings.Contains(header, "[select") || strings.Contains(header, "[chan receive")) {
			blocked++
		}
	}
	return blocked
}

// goroutineMeter measures the goroutines a flood adds beyond its own: every
// goroutine over the baseline that is not a flood goroutine (the handler's
// own, and the connections of its fetches, client and server side).
type goroutineMeter struct {
	baseline, peak int
}

func newGoroutineMeter(c *d24.Client, fake *statusD24) *goroutineMeter {
	c.CloseIdleConnections()
	fake.srv.CloseClientConnections()
	// Let the closed connections' goroutines end: until the count holds.
	last := -1
	waitFor(2*time.Second, func() bool {
		time.Sleep(20 * time.Millisecond)
		n := runtime.NumGoroutine()
		defer func() { last = n }()
		return n == last
	})
	return &goroutineMeter{baseline: runtime.NumGoroutine()}
}

func (m *goroutineMeter) sample(fl *flood) {
	own := fl.active.Load()
	m.peak = max(m.peak, runtime.NumGoroutine()-m.baseline-int(own))
}

// backToBaseline waits for the goroutines to fall back to the baseline, once
// the idle connections in the client's pool are closed.
func (m *goroutineMeter) backToBaseline(t *testing.T, c *d24.Client) {
	t.Helper()
	c.CloseIdleConnections()
	var now int
	if !waitFor(10*time.Second, func() bool { now = runtime.NumGoroutine(); return now <= m.baseline }) {
		t.Errorf("goroutines did not come back to the baseline: %d, baseline %d", now, m.baseline)
	}
}

// 1,000 notifications for one deposit, all waiting while D24 takes its time:
// at most two fetches (the one that began first, and the one every later
// notification waits for), fn called once per fetch, and all answered 200.
// Without coalescing this is 1,000 fetches.
func TestNotificationFloodOneDeposit(t *testing.T) {
	held := make(chan struct{})
	fake := newStatusD24(t, http.StatusOK, held)
	c, ct := loadClient(t, fake)
	var calls atomic.Int64
	h := c.NotificationHandler(func(ctx context.Context, st *d24.DepositStatus) error {
		calls.Add(1)
		if st.Status != d24.StatusCompleted {
			return errors.New("wrong status")
		}
		return nil
	}, d24.WithNotificationTimeout(time.Minute))
	fl := newFlood(h)
	for range 1000 {
		fl.send(depositNotification(300000001))
	}
	if !waitFor(30*time.Second, func() bool { return blockedInHandler() == 1000 }) {
		t.Errorf("only %d of 1000 notifications are waiting in the handler", blockedInHandler())
	}
	close(held)
	fl.wg.Wait()
	gets := fake.gets.Load()
	t.Logf("1,000 notifications for one deposit: %d fetches, %d callback calls, peak %d in flight", gets, calls.Load(), ct.peak.Load())
	if gets < 1 || gets > 2 {
		t.Errorf("%d fetches for 1,000 notifications of one deposit, want 1 or 2", gets)
	}
	if calls.Load() != gets {
		t.Errorf("fn called %d times for %d fetches", calls.Load(), gets)
	}
	if ct.peak.Load() != 1 {
		t.Errorf("%d fetches of one deposit in flight at once, want 1", ct.peak.Load())
	}
	if fl.count(http.StatusOK) != 1000 {
		t.Errorf("answers %v, want 1000 x 200", fl.codes)
	}
}

// D24 answers 503: each notification's fetch is one request (D24 notifies
// again; a retry would triple the load), answered 502; and a flood of them
// still makes at most two.
func TestNotificationD24Busy(t *testing.T) {
	held := make(chan struct{})
	fake := newStatusD24(t, http.StatusServiceUnavailable, held)
	close(held)
	c, ct := loadClient(t, fake)
	h := c.NotificationHandler(func(context.Context, *d24.DepositStatus) error {
		t.Error("fn called without a status")
		return nil
	})
	for i := range int64(10) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/n", strings.NewReader(depositNotification(300000001+i%3))))
		if rec.Code != http.StatusBadGateway {
			t.Errorf("notification %d: %d, want 502", i, rec.Code)
		}
		if got := fake.gets.Load(); got != i+1 {
			t.Fatalf("after %d notifications D24 got %d requests, want exactly one each", i+1, got)
		}
	}

	held = make(chan struct{})
	fake = newStatusD24(t, http.StatusServiceUnavailable, held)
	c, ct = loadClient(t, fake)
	h = c.NotificationHandler(func(context.Context, *d24.DepositStatus) error { return nil }, d24.WithNotificationTimeout(time.Minute))
	fl := newFlood(h)
	for range 1000 {
		fl.send(depositNotification(300000001))
	}
	if !waitFor(30*time.Second, func() bool { return blockedInHandler() == 1000 }) {
		t.Errorf("only %d of 1000 notifications are waiting in the handler", blockedInHandler())
	}
	close(held)
	fl.wg.Wait()
	gets := fake.gets.Load()
	t.Logf("1,000 notifications for one deposit, D24 answering 503: %d requests", gets)
	if gets < 1 || gets > 2 || ct.peak.Load() != 1 {
		t.Errorf("%d requests (peak %d at once) for 1,000 notifications of one deposit, want 1 or 2, one at a time", gets, ct.peak.Load())
	}
	if fl.count(http.StatusBadGateway) != 1000 {
		t.Errorf("answers %v, want 1000 x 502", fl.codes)
	}
}

// D24 hung: 1,000 notifications for one deposit hold one fetch at a time, a
// bounded number of goroutines besides their own (which the HTTP server would
// hold anyway), every one is answered 504 by the handler's deadline, and the
// goroutines go back to where they were.
func TestNotificationD24Hung(t *testing.T) {
	fake := newStatusD24(t, 0, nil)
	c, ct := loadClient(t, fake)
	const timeout = 2 * time.Second
	h := c.NotificationHandler(func(context.Context, *d24.DepositStatus) error {
		t.Error("fn called without a status")
		return nil
	}, d24.WithNotificationTimeout(timeout))
	meter := newGoroutineMeter(c, fake)
	fl := newFlood(h)
	// Sampled while every notification waits: once the deadline answers
	// them, their goroutines end faster than active says, and a sample then
	// would count the flood's own as the handler's.
	for range 1000 {
		fl.send(depositNotification(300000001))
		if fl.answered() == 0 {
			meter.sample(fl)
		}
	}
	for fl.active.Load() > 0 {
		if fl.answered() == 0 {
			meter.sample(fl)
		}
		time.Sleep(5 * time.Millisecond)
	}
	fl.wg.Wait()
	gets := fake.gets.Load()
	t.Logf("D24 hung, 1,000 notifications for one deposit: %d fetches (peak %d at once), peak %d goroutines besides the notifications' own (baseline %d), slowest answer %v (timeout %v)",
		gets, ct.peak.Load(), meter.peak, meter.baseline, fl.slowest, timeout)
	if ct.peak.Load() != 1 || gets > 2 {
		t.Errorf("%d fetches, %d at once, want one at a time and at most 2", gets, ct.peak.Load())
	}
	// One fetch costs the handler's goroutine, and two goroutines of its
	// connection on each side; 20 leaves room for a second fetch as the
	// first ends. Without coalescing it is over 3,000.
	if meter.peak > 20 {
		t.Errorf("the handler added %d goroutines with D24 hung, want at most 20", meter.peak)
	}
	if fl.count(http.StatusGatewayTimeout) != 1000 {
		t.Errorf("answers %v, want 1000 x 504", fl.codes)
	}
	if slack := 5 * time.Second; fl.slowest > timeout+slack {
		t.Errorf("slowest answer after %v, want the handler's deadline (%v, %v slack)", fl.slowest, timeout, slack)
	}
	meter.backToBaseline(t, c)
}

// With the cap at 4 and D24 hung, 200 notifications for distinct deposits:
// exactly 4 fetches in flight, the other 196 answered 503 with Retry-After at
// once, while those 4 still wait. A notification for a deposit being fetched
// waits for the next fetch instead.
func TestNotificationCap(t *testing.T) {
	held := make(chan struct{})
	fake := newStatusD24(t, http.StatusOK, held)
	c, ct := loadClient(t, fake)
	h := c.NotificationHandler(func(context.Context, *d24.DepositStatus) error { return nil },
		d24.WithNotificationConcurrency(4), d24.WithNotificationTimeout(time.Minute), d24.WithNotificationRetryAfter(6500*time.Millisecond))
	meter := newGoroutineMeter(c, fake)
	fl := newFlood(h)
	for i := range int64(200) {
		fl.send(depositNotification(300000001 + i))
		meter.sample(fl)
	}
	if !waitFor(30*time.Second, func() bool { meter.sample(fl); return fl.count(http.StatusServiceUnavailable) == 196 }) {
		t.Fatalf("answers %v, want 196 x 503", fl.codes)
	}
	if !waitFor(30*time.Second, func() bool { return fake.gets.Load() == 4 }) || blockedInHandler() != 4 {
		t.Errorf("%d fetches, %d notifications waiting, want 4 of each", fake.gets.Load(), blockedInHandler())
	}
	fl.mu.Lock()
	if fl.retryAfter["7"] != 196 {
		t.Errorf("Retry-After of the 503s: %v, want 7 (6.5s rounded up)", fl.retryAfter)
	}
	fl.mu.Unlock()
	if ct.peak.Load() != 4 {
		t.Errorf("%d fetches in flight at once, want 4", ct.peak.Load())
	}
	t.Logf("cap 4, D24 hung, 200 deposits: %d fetches, 503 x %d, peak %d goroutines besides the notifications' own", fake.gets.Load(), fl.count(503), meter.peak)
	if meter.peak > 40 {
		t.Errorf("the handler added %d goroutines for 4 fetches, want at most 40", meter.peak)
	}

	// Full: another deposit is refused at once; one being fetched is not.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/n", strings.NewReader(depositNotification(399999999))))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "7" {
		t.Errorf("a fifth deposit: %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	inFlight, _ := strconv.ParseInt(fake.fetched()[0], 10, 64)
	fl.send(depositNotification(inFlight))
	if !waitFor(30*time.Second, func() bool { return blockedInHandler() == 5 }) {
		t.Errorf("a notification for a deposit being fetched: %v, want it to wait", fl.codes)
	}

	close(held)
	fl.wg.Wait()
	if fl.count(http.StatusOK) != 5 || fl.count(http.StatusServiceUnavailable) != 196 {
		t.Errorf("answers %v, want 5 x 200 and 196 x 503", fl.codes)
	}
	if got := fake.gets.Load(); got != 5 {
		t.Errorf("%d fetches, want the 4 and one after for the notification that came during one", got)
	}
	meter.backToBaseline(t, c)
}

// The defaults: 32 deposits fetched at once, and 503s say Retry-After: 10 (the
// 10s timeout); zero and negative options keep them.
func TestNotificationDefaults(t *testing.T) {
	held := make(chan struct{})
	fake := newStatusD24(t, http.StatusOK, held)
	c, _ := loadClient(t, fake)
	h := c.NotificationHandler(func(context.Context, *d24.DepositStatus) error { return nil },
		d24.WithNotificationConcurrency(0), d24.WithNotificationConcurrency(-1), d24.WithNotificationTimeout(-time.Second), d24.WithNotificationRetryAfter(0), nil)
	fl := newFlood(h)
	for i := range int64(40) {
		fl.send(depositNotification(300000001 + i))
	}
	if !waitFor(30*time.Second, func() bool { return fl.count(http.StatusServiceUnavailable) == 8 && fake.gets.Load() == 32 }) {
		t.Errorf("answers %v after %d fetches, want 8 x 503 and 32 fetches", fl.codes, fake.gets.Load())
	}
	close(held)
	fl.wg.Wait()
	if fl.count(http.StatusOK) != 32 || fl.retryAfter["10"] != 8 {
		t.Errorf("answers %v, Retry-After %v", fl.codes, fl.retryAfter)
	}
}

// fn that ignores its context: the notification is still answered 504 at the
// deadline; the deposit keeps its place under the cap until fn returns.
func TestNotificationSlowCallback(t *testing.T) {
	held := make(chan struct{})
	close(held)
	fake := newStatusD24(t, http.StatusOK, held)
	c, _ := loadClient(t, fake)
	stuck := make(chan struct{})
	release := sync.OnceFunc(func() { close(stuck) })
	t.Cleanup(release)
	var calls atomic.Int64
	h := c.NotificationHandler(func(ctx context.Context, st *d24.DepositStatus) error {
		if calls.Add(1) == 1 {
			<-stuck
		}
		return nil
	}, d24.WithNotificationConcurrency(1), d24.WithNotificationTimeout(300*time.Millisecond))
	send := func(id int64) (int, time.Duration) {
		answered := make(chan int, 1)
		start := time.Now()
		go func() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("POST", "/n", strings.NewReader(depositNotification(id))))
			answered <- rec.Code
		}()
		select {
		case code := <-answered:
			return code, time.Since(start)
		case <-time.After(10 * time.Second):
			t.Fatal("no answer while fn is stuck")
			return 0, 0
		}
	}
	if code, took := send(300000001); code != http.StatusGatewayTimeout || took > 5*time.Second {
		t.Errorf("fn stuck: %d after %v, want 504 by the 300ms deadline", code, took)
	}
	if code, _ := send(300000002); code != http.StatusServiceUnavailable {
		t.Errorf("another deposit while fn is stuck: %d, want 503", code)
	}
	release()
	var code int
	if !waitFor(10*time.Second, func() bool { code, _ = send(300000002); return code == http.StatusOK }) {
		t.Errorf("after fn returned: %d, want 200", code)
	}
}

// The notification that started a fetch hangs up: the fetch goes on, fn gets
// its status, and the notification that came meanwhile gets 200.
func TestNotificationStarterHangsUp(t *testing.T) {
	held := make(chan struct{})
	fake := newStatusD24(t, http.StatusOK, held)
	c, _ := loadClient(t, fake)
	var calls atomic.Int64
	h := c.NotificationHandler(func(ctx context.Context, st *d24.DepositStatus) error {
		calls.Add(1)
		return ctx.Err()
	}, d24.WithNotificationTimeout(time.Minute))
	ctx, hangUp := context.WithCancel(context.Background())
	first := make(chan int)
	go func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/n", strings.NewReader(depositNotification(300000001))).WithContext(ctx))
		first <- rec.Code
	}()
	if !waitFor(10*time.Second, func() bool { return fake.gets.Load() == 1 }) {
		t.Fatal("no fetch")
	}
	fl := newFlood(h)
	fl.send(depositNotification(300000001))
	hangUp()
	if code := <-first; code != http.StatusServiceUnavailable {
		t.Errorf("the notification that hung up: %d", code)
	}
	close(held)
	fl.wg.Wait()
	if fl.count(http.StatusOK) != 1 || calls.Load() != 2 || fake.dropped.Load() != 0 {
		t.Errorf("answers %v, fn called %d times, %d fetches cancelled; want 200, fn twice, none cancelled", fl.codes, calls.Load(), fake.dropped.Load())
	}
}

// A panic in fn reaches the ServeHTTP that waited for it, as if fn had run
// there, and frees the deposit's place.
func TestNotificationCallbackPanics(t *testing.T) {
	held := make(chan struct{})
	close(held)
	fake := newStatusD24(t, http.StatusOK, held)
	c, _ := loadClient(t, fake)
	var calls atomic.Int64
	h := c.NotificationHandler(func(ctx context.Context, st *d24.DepositStatus) error {
		if calls.Add(1) == 1 {
			panic("merchant bug")
		}
		return nil
	}, d24.WithNotificationConcurrency(1))
	send := func() (code int, panicked any) {
		defer func() { panicked = recover() }()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/n", strings.NewReader(depositNotification(300000001))))
		return rec.Code, nil
	}
	if _, p := send(); p != "merchant bug" {
		t.Errorf("panic %v", p)
	}
	if code, p := send(); code != http.StatusOK || p != nil {
		t.Errorf("after the panic: %d %v", code, p)
	}
}

// RefundNotificationHandler has the same bounds: one request per fetch, and a
// flood for one refund shares fetches.
func TestRefundNotificationLoad(t *testing.T) {
	held := make(chan struct{})
	close(held)
	busy := newStatusD24(t, http.StatusServiceUnavailable, held)
	c, _ := loadClient(t, busy)
	h := c.RefundNotificationHandler(func(context.Context, int64, *d24.RefundStatus) error { return nil })
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/n", strings.NewReader(`{"refund_id": 168284}`)))
	if rec.Code != http.StatusBadGateway || busy.gets.Load() != 1 {
		t.Errorf("D24 busy: %d after %d requests, want 502 after 1", rec.Code, busy.gets.Load())
	}

	held = make(chan struct{})
	fake := newStatusD24(t, http.StatusOK, held)
	c, _ = loadClient(t, fake)
	var calls atomic.Int64
	h = c.RefundNotificationHandler(func(_ context.Context, id int64, st *d24.RefundStatus) error {
		calls.Add(1)
		if id != 168284 || st.Status != "COMPLETED" {
			return errors.New("wrong refund")
		}
		return nil
	}, d24.WithNotificationTimeout(time.Minute))
	fl := newFlood(h)
	for range 200 {
		fl.send(`{"refund_id": 168284}`)
	}
	if !waitFor(30*time.Second, func() bool { return blockedInHandler() == 200 }) {
		t.Errorf("only %d of 200 notifications are waiting in the handler", blockedInHandler())
	}
	close(held)
	fl.wg.Wait()
	if gets := fake.gets.Load(); gets < 1 || gets > 2 || calls.Load() != gets || fl.count(http.StatusOK) != 200 {
		t.Errorf("%d fetches, fn called %d times, answers %v", gets, calls.Load(), fl.codes)
	}
}

// A huge Retry-After or timeout still says a positive number of seconds.
func TestNotificationHugeRetryAfter(t *testing.T) {
	held := make(chan struct{})
	fake := newStatusD24(t, http.StatusOK, held)
	c, _ := loadClient(t, fake)
	h := c.NotificationHandler(func(context.Context, *d24.DepositStatus) error { return nil },
		d24.WithNotificationConcurrency(1), d24.WithNotificationTimeout(time.Minute), d24.WithNotificationRetryAfter(math.MaxInt64))
	fl := newFlood(h)
	fl.send(depositNotification(300000001))
	if !waitFor(30*time.Second, func() bool { return fake.gets.Load() == 1 }) {
		t.Fatal("the first fetch did not start")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/n", strings.NewReader(depositNotification(300000002))))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "9223372037" {
		t.Errorf("%d, Retry-After %q; want 503 and 9223372037", rec.Code, rec.Header().Get("Retry-After"))
	}
	close(held)
	fl.wg.Wait()
}
