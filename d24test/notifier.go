package d24test

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// WithNotificationWorkers sets how many notifications are sent at once
// (DefaultNotificationWorkers). However many statuses change, the sandbox runs
// at most this many deliveries, plus one dispatcher: a merchant URL that hangs
// holds up deliveries, never goroutines or sockets without bound.
func WithNotificationWorkers(n int) Option {
	return func(c *config) { c.limits.notifyWorkers = max(1, n) }
}

// WithNotificationQueueLimit sets how many notifications may be outstanding at
// once, waiting for a worker or for their next retry
// (DefaultNotificationQueueLimit). A status change beyond it is not notified:
// Notifications shows it as an attempt that failed with "queue full".
func WithNotificationQueueLimit(n int) Option {
	return func(c *config) { c.limits.notifyQueue = max(1, n) }
}

// delivery is one attempt at a notification, due at a time.
type delivery struct {
	field   string
	id      int64
	url     string
	attempt int
	due     time.Time
}

// notifier delivers notifications with a fixed number of workers. One
// dispatcher goroutine hands each delivery to a worker when it is due; a
// failed delivery is queued again for its retry on D24's schedule, so a
// notification waiting for a retry holds no goroutine.
type notifier struct {
	ctx     context.Context
	deliver func(ctx context.Context, d delivery) bool // true when delivered for good
	slots   chan struct{}                              // one per delivery running
	wake    chan struct{}
	done    chan struct{} // closed when the dispatcher has returned
	running sync.WaitGroup

	mu          sync.Mutex
	queue       deliveryQueue
	outstanding int // notifications accepted and not finished, retries included
	limit       int
	unit        time.Duration // of notifySchedule
}

// newNotifier starts the dispatcher; it stops when ctx ends, and wait returns
// once every delivery has ended too.
func newNotifier(ctx context.Context, workers, limit int, unit time.Duration, deliver func(context.Context, delivery) bool) *notifier {
	n := &notifier{ctx: ctx, deliver: deliver, slots: make(chan struct{}, max(1, workers)), wake: make(chan struct{}, 1),
		done: make(chan struct{}), limit: max(1, limit), unit: unit}
	go n.dispatch()
	return n
}

// enqueue accepts a notification for delivery now, or reports that the queue is
// full.
func (n *notifier) enqueue(field string, id int64, url string) bool {
	n.mu.Lock()
	if n.outstanding >= n.limit {
		n.mu.Unlock()
		return false
	}
	n.outstanding++
	heap.Push(&n.queue, delivery{field: field, id: id, url: url, due: time.Now()})
	n.mu.Unlock()
	n.poke()
	return true
}

func (n *notifier) poke() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

func (n *notifier) dispatch() {
	defer close(n.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		n.mu.Lock()
		var next time.Duration // until the soonest delivery; 0 for none
		if n.queue.Len() > 0 {
			next = time.Until(n.queue[0].due)
		}
		if n.queue.Len() > 0 && next <= 0 {
			d := heap.Pop(&n.queue).(delivery)
			n.mu.Unlock()
			select {
			case n.slots <- struct{}{}:
			case <-n.ctx.Done():
				return
			}
			n.running.Add(1)
			go n.run(d)
			continue
		}
		n.mu.Unlock()
		var fire <-chan time.Time
		if next > 0 {
			timer.Reset(next)
			fire = timer.C
		}
		select {
		case <-n.wake:
		case <-fire:
		case <-n.ctx.Done():
			return
		}
		timer.Stop()
	}
}

// run makes one delivery and queues its retry, if it failed and D24 would
// retry it.
func (n *notifier) run(d delivery) {
	defer n.running.Done()
	defer func() { <-n.slots }()
	delivered := n.deliver(n.ctx, d)
	n.mu.Lock()
	if delivered || d.attempt >= len(notifySchedule) || n.ctx.Err() != nil {
		n.outstanding--
		n.mu.Unlock()
		return
	}
	d.due = time.Now().Add(time.Duration(notifySchedule[d.attempt]) * n.unit)
	d.attempt++
	heap.Push(&n.queue, d)
	n.mu.Unlock()
	n.poke()
}

// wait returns when the dispatcher and every delivery have ended; ctx must be
// done or ending.
func (n *notifier) wait() {
	<-n.done
	n.running.Wait()
}

// deliveryQueue is a heap of deliveries, the soonest due first.
type deliveryQueue []delivery

func (q deliveryQueue) Len() int           { return len(q) }
func (q deliveryQueue) Less(i, j int) bool { return q[i].due.Before(q[j].due) }
func (q deliveryQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *deliveryQueue) Push(x any)        { *q = append(*q, x.(delivery)) }
func (q *deliveryQueue) Pop() any {
	old := *q
	d := old[len(old)-1]
	*q = old[:len(old)-1]
	return d
}
