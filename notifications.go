package d24

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
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
func (c *Client) NotificationHandler(fn NotificationFunc) http.Handler {
	return c.notificationHandler("deposit_id", func(ctx context.Context, id int64) (bool, error) {
		st, err := c.GetDeposit(ctx, id)
		if err != nil {
			return false, err
		}
		return true, fn(ctx, st)
	})
}

// RefundNotificationHandler is NotificationHandler for refunds: it accepts
// exactly {"refund_id": N}, fetches the status with the signed GetRefund and
// calls fn, with the same answers.
func (c *Client) RefundNotificationHandler(fn RefundNotificationFunc) http.Handler {
	return c.notificationHandler("refund_id", func(ctx context.Context, id int64) (bool, error) {
		st, err := c.GetRefund(ctx, id)
		if err != nil {
			return false, err
		}
		return true, fn(ctx, id, st)
	})
}

// notificationHandler serves a notification carrying only field. handle
// fetches the status and calls the merchant's function; fetched tells which of
// the two failed.
func (c *Client) notificationHandler(field string, handle func(ctx context.Context, id int64) (fetched bool, err error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
		id, err := parseNotification(body, field)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ctx := r.Context()
		fetched, err := handle(ctx, id)
		switch {
		case err != nil && !fetched:
			c.logNotification(ctx, field, id, "fetching the status failed", err)
			http.Error(w, "could not fetch the status", http.StatusBadGateway)
		case err != nil:
			c.logNotification(ctx, field, id, "notification callback failed", err)
			http.Error(w, "notification not processed", http.StatusInternalServerError)
		default:
			w.WriteHeader(http.StatusOK)
		}
	})
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
