package d24

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/d24go/d24/middleware"
)

// MaxNotificationSize is the largest notification body the handlers read.
// D24's are {"deposit_id": 300000001} and {"refund_id": 168284}.
const MaxNotificationSize = 1 << 10

// NotificationFunc receives a deposit's status after D24 notified a change. It
// may be called more than once for the same change (D24 repeats notifications
// until it gets a 2xx), so it must be idempotent. An error makes the handler
// answer 500, and D24 tries again later.
type NotificationFunc func(ctx context.Context, status *DepositStatus) error

// RefundNotificationFunc receives a refund's status after D24 notified a
// change; like NotificationFunc, it must be idempotent. The status carries no
// refund_id, so it is given beside it.
type RefundNotificationFunc func(ctx context.Context, refundID int64, status *RefundStatus) error

// NotificationHandler is the http.Handler for D24's deposit notifications (the
// deposit's notification_url). It accepts only a POST whose body is exactly
// {"deposit_id": N}, reads at most MaxNotificationSize bytes, trusts nothing
// else of it, fetches the status with the signed GetDeposit, calls fn, and
// answers 200 only if fn succeeded, so that D24 retries otherwise:
//
//	400 the body is not a notification (D24 would not send it; do not retry)
//	405 not a POST; 413 too large
//	502 the status could not be fetched; 500 fn failed
//	503 (with Retry-After) too many statuses being fetched already, or the
//	    notification's request ended before its answer
//	504 not processed within the handler's timeout (D24 or fn too slow)
//
// Anyone can POST to it, so it bounds the work a notification causes:
//
//   - Notifications for one deposit share a fetch, and fn's call with its
//     result: each waits for the next fetch to begin (never for one already
//     sent, whose answer may predate the change it reports) and gets its
//     outcome. There is at most one fetch in flight per deposit, and one
//     waiting to begin after it; fn is called once per fetch.
//   - At most WithNotificationConcurrency deposits (32) are fetched at once;
//     a notification for another is answered 503 at once.
//   - The fetch is made once (D24's repeated notifications are the retries)
//     and, with fn, within WithNotificationTimeout (10s), which also bounds
//     how long any notification waits; a notification cut short by it is
//     answered 504. The fetch and fn run with the context of the notification
//     that started them, without its cancellation: a notifier hanging up does
//     not cancel what others wait for.
//
// These bounds belong to the handler: make it once and mount it, rather than
// one per request. fn should return when its context ends; until it does,
// its deposit's fetch holds its place under the cap. A panic in fn is raised
// again in every ServeHTTP waiting for it.
func (c *Client) NotificationHandler(fn NotificationFunc, opts ...NotificationOption) http.Handler {
	return c.notificationHandler("deposit_id", opts, func(ctx context.Context, id int64) (bool, error) {
		st, err := c.GetDeposit(singleAttempt(ctx), id)
		if err != nil {
			return false, err
		}
		return true, fn(ctx, st)
	})
}

// RefundNotificationHandler is NotificationHandler for refunds: it accepts
// exactly {"refund_id": N}, fetches the status with the signed GetRefund and
// calls fn, with the same answers, options and bounds, per refund.
func (c *Client) RefundNotificationHandler(fn RefundNotificationFunc, opts ...NotificationOption) http.Handler {
	return c.notificationHandler("refund_id", opts, func(ctx context.Context, id int64) (bool, error) {
		st, err := c.GetRefund(singleAttempt(ctx), id)
		if err != nil {
			return false, err
		}
		return true, fn(ctx, id, st)
	})
}

// singleAttempt makes the calls made with ctx once: D24 notifies again until
// it gets a 2xx, so retrying the fetch as well would multiply D24's load.
func singleAttempt(ctx context.Context) context.Context {
	return middleware.WithMaxAttempts(ctx, 1)
}

// notificationHandler serves a notification carrying only field. handle
// fetches the status and calls the merchant's function; fetched tells which of
// the two failed.
func (c *Client) notificationHandler(field string, opts []NotificationOption, handle func(ctx context.Context, id int64) (fetched bool, err error)) http.Handler {
	o := applyNotificationOptions(opts)
	return &notifier{
		c: c, field: field, handle: handle, timeout: o.timeout, concurrency: o.concurrency,
		retryAfter: retryAfterSeconds(o.retryAfter),
		ids:        map[int64]*flight{},
	}
}

// notifier is a notification handler. It works on an ID in one goroutine,
// which makes the ID's flights one after the other while notifications keep
// joining the next one.
type notifier struct {
	c           *Client
	field       string
	handle      func(ctx context.Context, id int64) (fetched bool, err error)
	timeout     time.Duration
	concurrency int
	retryAfter  string // the 503s' Retry-After, in seconds

	mu sync.Mutex
	// ids holds the IDs being worked on (at most concurrency), each with the
	// flight that waits to begin after the current one, or nil.
	ids map[int64]*flight
}

// flight is one fetch of an ID's status and the call of the merchant's
// function with it, shared by the notifications that joined it before it
// began.
type flight struct {
	ctx      context.Context // the first notification's, for its values
	deadline time.Time       // the latest of its notifications' deadlines
	waiters  int             // notifications still waiting, until it begins
	done     chan struct{}   // closed once the fields below are set

	fetched, expired bool // the status was fetched; the deadline ended it
	err              error
	panicked         bool
	panicValue       any
}

func (n *notifier) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "notifications are POSTed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxNotificationSize))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			http.Error(w, "notification too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "could not read the notification", http.StatusBadRequest)
		return
	}
	id, err := parseNotification(body, n.field)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	if ctx.Err() != nil {
		n.unavailable(w, "notification abandoned")
		return
	}
	deadline := time.Now().Add(n.timeout)
	f := n.join(ctx, id, deadline)
	if f == nil {
		n.unavailable(w, "too many notifications in progress")
		return
	}
	// A timer's channel, not a context's deadline, which would start a
	// goroutine per notification as it ends.
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case <-f.done:
	case <-timer.C:
		if n.leave(f) {
			http.Error(w, "notification not processed in time", http.StatusGatewayTimeout)
			return
		}
	case <-ctx.Done():
		if n.leave(f) {
			n.unavailable(w, "notification abandoned")
			return
		}
	}
	switch {
	case f.panicked:
		panic(f.panicValue)
	case f.err == nil:
		w.WriteHeader(http.StatusOK)
	case f.expired:
		http.Error(w, "notification not processed in time", http.StatusGatewayTimeout)
	case !f.fetched:
		http.Error(w, "could not fetch the status", http.StatusBadGateway)
	default:
		http.Error(w, "notification not processed", http.StatusInternalServerError)
	}
}

// unavailable answers 503 with the handler's Retry-After.
func (n *notifier) unavailable(w http.ResponseWriter, msg string) {
	w.Header().Set("Retry-After", n.retryAfter)
	http.Error(w, msg, http.StatusServiceUnavailable)
}

// join adds a notification for id, waiting until deadline, to the flight that
// begins next for id, and starts working on id if nothing is; it returns nil
// when id would exceed the cap.
func (n *notifier) join(ctx context.Context, id int64, deadline time.Time) *flight {
	n.mu.Lock()
	defer n.mu.Unlock()
	f, working := n.ids[id]
	if !working && len(n.ids) >= n.concurrency {
		return nil
	}
	if f == nil {
		f = &flight{ctx: ctx, done: make(chan struct{})}
		n.ids[id] = f
	}
	f.waiters++
	if deadline.After(f.deadline) {
		f.deadline = deadline
	}
	if !working {
		go n.run(id)
	}
	return f
}

// leave withdraws a notification that stopped waiting for f; it reports false
// if f is done, and its outcome can be answered.
func (n *notifier) leave(f *flight) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	select {
	case <-f.done:
		return false
	default:
		f.waiters--
		return true
	}
}

var (
	// errCallbackExited is a flight's outcome when the merchant's function
	// ended its goroutine (runtime.Goexit) instead of returning.
	errCallbackExited = errors.New("d24: the notification callback did not return")
	// errAbandoned is the outcome of a flight skipped because every
	// notification waiting for it had left; none reads it.
	errAbandoned = errors.New("d24: every notification waiting for the fetch left before it began")
)

// run works on id: it makes id's flights one after the other, as long as
// notifications join a next one, skipping one that all its notifications
// left before it began.
func (n *notifier) run(id int64) {
	finished := false
	defer func() {
		if finished {
			return
		}
		// The merchant's function ended this goroutine: fail the next flight
		// rather than leave its notifications and id's place waiting.
		n.mu.Lock()
		defer n.mu.Unlock()
		if f := n.ids[id]; f != nil {
			f.fetched, f.err = true, errCallbackExited
			close(f.done)
		}
		delete(n.ids, id)
	}()
	for {
		n.mu.Lock()
		f := n.ids[id]
		if f == nil {
			delete(n.ids, id)
			n.mu.Unlock()
			finished = true
			return
		}
		n.ids[id] = nil // notifications from now on wait for the next flight
		waiting := f.waiters > 0
		n.mu.Unlock()
		if waiting {
			n.fly(id, f)
		} else {
			f.err = errAbandoned
			close(f.done)
		}
	}
}

// fly fetches id's status and calls the merchant's function, by f's deadline,
// and records the outcome in f for its notifications.
func (n *notifier) fly(id int64, f *flight) {
	ctx, cancel := context.WithDeadline(context.WithoutCancel(f.ctx), f.deadline)
	defer cancel()
	returned := false
	defer func() {
		if !returned {
			if v := recover(); v != nil {
				f.panicked, f.panicValue = true, v
				n.c.logNotification(ctx, n.field, id, "notification callback panicked", fmt.Errorf("%v", v))
			} else {
				f.fetched, f.err = true, errCallbackExited
			}
		}
		close(f.done)
	}()
	f.fetched, f.err = n.handle(ctx, id)
	returned = true
	f.expired = f.err != nil && ctx.Err() != nil
	switch {
	case f.err == nil:
	case f.expired:
		n.c.logNotification(ctx, n.field, id, "not processed within the handler's timeout", f.err)
	case !f.fetched:
		n.c.logNotification(ctx, n.field, id, "fetching the status failed", f.err)
	default:
		n.c.logNotification(ctx, n.field, id, "notification callback failed", f.err)
	}
}

// ErrNotANotification is returned by ParseNotification and
// ParseRefundNotification for anything but D24's notification body.
var ErrNotANotification = errors.New(`d24: not a notification: want {"deposit_id": <positive integer>} or {"refund_id": <positive integer>}`)

// ParseNotification reads D24's deposit notification body strictly: one JSON
// object with a positive integer deposit_id and nothing else.
func ParseNotification(body []byte) (depositID int64, err error) {
	return parseNotification(body, "deposit_id")
}

// ParseRefundNotification reads D24's refund notification body strictly: one
// JSON object with a positive integer refund_id and nothing else.
func ParseRefundNotification(body []byte) (refundID int64, err error) {
	return parseNotification(body, "refund_id")
}

func parseNotification(body []byte, field string) (int64, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var fields map[string]json.RawMessage
	if err := dec.Decode(&fields); err != nil || len(fields) != 1 {
		return 0, ErrNotANotification
	}
	if _, err := dec.Token(); err != io.EOF {
		return 0, ErrNotANotification
	}
	raw, ok := fields[field]
	if !ok || len(raw) == 0 || raw[0] < '1' || raw[0] > '9' {
		return 0, ErrNotANotification
	}
	id, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || id <= 0 {
		return 0, ErrNotANotification
	}
	return id, nil
}

func (c *Client) logNotification(ctx context.Context, field string, id int64, msg string, err error) {
	if c != nil && c.logger != nil {
		c.logger.LogAttrs(ctx, slog.LevelWarn, "d24 notification: "+msg, slog.Int64(field, id), slog.String("error", err.Error()))
	}
}

// retryAfterSeconds is d as a Retry-After: whole seconds, rounded up, without
// overflowing for a huge d.
func retryAfterSeconds(d time.Duration) string {
	secs := d / time.Second
	if d%time.Second != 0 {
		secs++
	}
	return strconv.FormatInt(int64(secs), 10)
}
