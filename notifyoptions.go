package d24

import "time"

// NotificationOption tunes NotificationHandler and RefundNotificationHandler
// under load, for example:
//
//	h := client.NotificationHandler(fn, d24.WithNotificationConcurrency(8), d24.WithNotificationTimeout(5*time.Second))
//
// Like RetryPolicy's fields, an option given zero or a negative value keeps
// its default.
type NotificationOption func(*notificationOptions)

// The handlers' defaults.
const (
	defaultNotificationConcurrency = 32
	defaultNotificationTimeout     = 10 * time.Second
)

type notificationOptions struct {
	concurrency int
	timeout     time.Duration
	retryAfter  time.Duration
}

// WithNotificationConcurrency caps the statuses a handler fetches at once, one
// per deposit (or refund) ID, at n (32 by default; n <= 0 keeps it). A
// notification for an ID that would take a fetch beyond the cap is answered
// 503 with Retry-After at once, without a fetch: D24 notifies again later.
// Notifications for an ID already being fetched never count against it.
func WithNotificationConcurrency(n int) NotificationOption {
	return func(o *notificationOptions) {
		if n > 0 {
			o.concurrency = n
		}
	}
}

// WithNotificationTimeout bounds how long a handler works on a notification:
// the status fetch and your function together, and how long any notification
// waits for them (10s by default; d <= 0 keeps it). A notification not
// processed by then is answered 504, and D24 notifies again later. Keep it
// below the time D24 waits for your answer. The Client's RetryPolicy
// (CallTimeout, AttemptTimeout) still applies to the fetch if shorter.
func WithNotificationTimeout(d time.Duration) NotificationOption {
	return func(o *notificationOptions) {
		if d > 0 {
			o.timeout = d
		}
	}
}

// WithNotificationRetryAfter sets the Retry-After of the handler's 503
// answers, rounded up to whole seconds (by default the handler's timeout: by
// then every fetch in flight has ended; d <= 0 keeps it).
func WithNotificationRetryAfter(d time.Duration) NotificationOption {
	return func(o *notificationOptions) {
		if d > 0 {
			o.retryAfter = d
		}
	}
}

// applyNotificationOptions collects a handler's options over the defaults.
func applyNotificationOptions(opts []NotificationOption) notificationOptions {
	o := notificationOptions{concurrency: defaultNotificationConcurrency, timeout: defaultNotificationTimeout}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.retryAfter == 0 {
		o.retryAfter = o.timeout
	}
	return o
}
