package middleware

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"time"
)

// An attempt's bound (RetryPolicy.AttemptTimeout, or the call's deadline when
// it comes first) is kept without a runtime timer of its own. Arming a timer
// on every attempt wakes Go's network poller (a cross-CPU wake-up on a small
// VM): it cost about 2 µs per call over TLS. Instead each Retry keeps the
// bounds of its attempts in flight in one queue (deadlines) with one timer,
// set for the earliest of them. Every attempt's bound is later than the ones
// already queued (now + the same timeout), so a call neither sets nor resets
// the timer: it fires about once per AttemptTimeout, ends the attempts whose
// bound has passed, and is set again for the earliest one left.
//
// An attempt runs under an attemptCtx, part of its call's state: a context
// whose Deadline is the bound, and which makes a channel (a
// context.WithCancelCause of the call's context) only when something waits
// on it, as net/http's transport does. When the bound passes, that context is
// canceled with the bound's cause (errAttemptTimeout or errCallTimeout, both a
// context.DeadlineExceeded), and the attempt's Err reports DeadlineExceeded.

// deadlines is the queue of a Retry's attempts in flight that carry a bound,
// a min-heap by deadline, with one timer for the earliest.
type deadlines struct {
	mu     sync.Mutex
	queue  []*attemptCtx
	timer  *time.Timer
	firing time.Time // when the timer is set to fire; zero: not set
	sets   int       // how many times add set the timer
}

// add queues a's bound, setting the timer if a's comes before it.
func (d *deadlines) add(a *attemptCtx) {
	d.mu.Lock()
	a.index = len(d.queue)
	d.queue = append(d.queue, a)
	d.up(a.index)
	if d.firing.IsZero() || a.deadline.Before(d.firing) {
		d.firing = a.deadline
		d.sets++
		if d.timer == nil {
			d.timer = time.AfterFunc(time.Until(a.deadline), d.fire)
		} else {
			d.timer.Reset(time.Until(a.deadline))
		}
	}
	d.mu.Unlock()
}

// remove takes a's bound out of the queue, if it is still there. The timer is
// left as it is: it finds nothing to end, and is set again for what is left.
func (d *deadlines) remove(a *attemptCtx) {
	d.mu.Lock()
	if i := a.index; i >= 0 {
		last := len(d.queue) - 1
		if i != last {
			d.swap(i, last)
		}
		d.queue[last] = nil
		d.queue = d.queue[:last]
		if i != last {
			d.down(i)
			d.up(i)
		}
		a.index = -1
	}
	d.mu.Unlock()
}

// fire ends the attempts whose bound has passed, and sets the timer for the
// earliest bound left.
func (d *deadlines) fire() {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := time.Now()
	for len(d.queue) > 0 && !d.queue[0].deadline.After(now) {
		a := d.queue[0]
		last := len(d.queue) - 1
		d.swap(0, last)
		d.queue[last] = nil
		d.queue = d.queue[:last]
		d.down(0)
		a.index = -1
		a.expire()
	}
	d.firing = time.Time{}
	if len(d.queue) > 0 {
		d.firing = d.queue[0].deadline
		d.timer.Reset(time.Until(d.firing))
	}
}

func (d *deadlines) swap(i, j int) {
	q := d.queue
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}

func (d *deadlines) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !d.queue[i].deadline.Before(d.queue[parent].deadline) {
			return
		}
		d.swap(i, parent)
		i = parent
	}
}

func (d *deadlines) down(i int) {
	n := len(d.queue)
	for {
		least := i
		for _, c := range [2]int{2*i + 1, 2*i + 2} {
			if c < n && d.queue[c].deadline.Before(d.queue[least].deadline) {
				least = c
			}
		}
		if least == i {
			return
		}
		d.swap(i, least)
		i = least
	}
}

// attemptCtx is the context of one attempt: the call's context, ended also
// when the attempt's bound passes. The first attempt's lives in the call's
// state, so that bounding it allocates nothing until something waits on it.
type attemptCtx struct {
	parent   context.Context // the call's context
	state    *callState
	deadline time.Time // the attempt's bound
	cause    error     // why it ends at deadline
	owner    *deadlines
	index    int // in owner's queue; -1 when not in it

	// trace, when set, is the call's probe (attemptProbe), which the
	// attempt's context answers httptrace for itself (see traceKey).
	trace *httptrace.ClientTrace

	// done holds the context.Context that context.WithCancelCause(parent)
	// made on the first Done: read without the lock by Done and Value, which
	// net/http's transport calls several times an attempt.
	done     atomic.Value
	mu       sync.Mutex
	cancel   context.CancelCauseFunc
	released bool // the attempt is over
	body     boundBody
}

// start bounds the attempt at deadline, queued in d.
func (a *attemptCtx) start(parent context.Context, s *callState, deadline time.Time, cause error, d *deadlines) {
	a.parent, a.state, a.deadline, a.cause, a.owner, a.index = parent, s, deadline, cause, d, -1
	d.add(a)
}

// Deadline is the attempt's bound, or the call context's deadline if it comes
// first.
func (a *attemptCtx) Deadline() (time.Time, bool) {
	if d, ok := a.parent.Deadline(); ok && d.Before(a.deadline) {
		return d, true
	}
	return a.deadline, true
}

// Done makes the attempt's channel on first use: closed when the bound passes
// or the call's context ends.
func (a *attemptCtx) Done() <-chan struct{} {
	if done := a.made(); done != nil {
		return done.Done()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.make().Done()
}

// made is the context Done made, or nil.
func (a *attemptCtx) made() context.Context {
	done, _ := a.done.Load().(context.Context)
	return done
}

// make makes the context behind Done, if it is not made yet; a.mu is held.
func (a *attemptCtx) make() context.Context {
	if done := a.made(); done != nil {
		return done
	}
	done, cancel := context.WithCancelCause(a.parent)
	a.cancel = cancel
	a.done.Store(done)
	if a.released {
		cancel(errAttemptOver)
	}
	return done
}

// Err is DeadlineExceeded once the bound has ended the attempt, the error
// of whatever ended it first otherwise (Canceled once the attempt is over),
// and never changes once set: it is read off the context Done made, which
// is ended once.
func (a *attemptCtx) Err() error {
	if done := a.made(); done != nil {
		err := done.Err()
		if err != nil && context.Cause(done) == a.cause {
			return context.DeadlineExceeded
		}
		return err
	}
	return a.parent.Err()
}

// Value answers for the call's state, and otherwise as the context Done made
// (which context.Cause and net/http's own contexts look for) or the call's.
func (a *attemptCtx) Value(key any) any {
	switch {
	case key == (callStateKey{}):
		return a.state
	case a.trace != nil && key == traceKey:
		return a.trace
	}
	if done := a.made(); done != nil {
		return done.Value(key)
	}
	return a.parent.Value(key)
}

func (a *attemptCtx) String() string { return "middleware.attemptContext" }

// Format prints String whatever the verb: the attempt's state holds the
// call's, sensitive values included.
func (a *attemptCtx) Format(f fmt.State, _ rune) { io.WriteString(f, a.String()) }

// hasExpired reports whether the bound ended the attempt (and not the call's
// context, or the attempt's end, before it).
func (a *attemptCtx) hasExpired() bool {
	done := a.made()
	return done != nil && done.Err() != nil && context.Cause(done) == a.cause
}

// expire ends the attempt at its bound (called by deadlines, with its lock).
// The context is made if nothing waited on it yet, so that context.Cause
// reports the bound's cause.
func (a *attemptCtx) expire() {
	a.mu.Lock()
	if !a.released {
		a.make()
		a.cancel(a.cause) // a no-op if the call's context ended it first
	}
	a.mu.Unlock()
}

// release ends the attempt: its bound is dequeued, and what waits on its
// context is let go. It may be called more than once.
func (a *attemptCtx) release() {
	a.mu.Lock()
	if a.released {
		a.mu.Unlock()
		return
	}
	a.released = true
	cancel := a.cancel
	a.mu.Unlock()
	a.owner.remove(a)
	if cancel != nil {
		cancel(errAttemptOver)
	}
}

// timeoutCause is err, or the bound's cause when the bound ended the attempt
// and the transport reported a plain cancellation.
func (a *attemptCtx) timeoutCause(err error) error {
	if a.hasExpired() && !errors.Is(err, context.DeadlineExceeded) {
		return a.cause
	}
	return err
}

// errAttemptOver cancels the context of an attempt that is over (its answer
// was read, or it failed).
var errAttemptOver = errors.New("middleware: the attempt is over")

// boundBody releases its attempt when the answer's body is closed: the
// bound covers reading the answer.
type boundBody struct {
	io.ReadCloser
	a *attemptCtx
}

func (b *boundBody) Close() error {
	err := b.ReadCloser.Close()
	b.a.release()
	return err
}

// bind hands back resp with a body that releases the attempt when closed.
func (a *attemptCtx) bind(resp *http.Response) *http.Response {
	if resp.Body == nil {
		resp.Body = http.NoBody
	}
	a.body = boundBody{ReadCloser: resp.Body, a: a}
	resp.Body = &a.body
	return resp
}
