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

// MaxNotificationSize is the largest notification body the handler reads.
// D24's is {"deposit_id": 300000001}.
const MaxNotificationSize = 1 << 10

// NotificationFunc receives a deposit's status after D24 notified a change. It
// may be called more than once for the same change (D24 repeats notifications
// until it gets a 2xx), so it must be idempotent. An error makes the handler
// answer 500, and D24 tries again later.
type NotificationFunc func(ctx context.Context, status *DepositStatus) error

// NotificationHandler is the http.Handler for D24's notifications (the
// deposit's notification_url). It accepts only a POST whose body is exactly
// {"deposit_id": N}, reads at most MaxNotificationSize bytes, trusts nothing
// else of it, fetches the status with the signed GetDeposit, calls fn, and
// answers 200 only if fn succeeded, so that D24 retries otherwise:
//
//	400 the body is not a notification (D24 would not send it; do not retry)
//	405 not a POST; 413 too large
//	502 the status could not be fetched; 500 fn failed
func (c *Client) NotificationHandler(fn NotificationFunc) http.Handler {
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
		id, err := ParseNotification(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ctx := r.Context()
		status, err := c.GetDeposit(ctx, id)
		if err != nil {
			c.logNotification(ctx, id, "fetching the status failed", err)
			http.Error(w, "could not fetch the deposit's status", http.StatusBadGateway)
			return
		}
		if err := fn(ctx, status); err != nil {
			c.logNotification(ctx, id, "notification callback failed", err)
			http.Error(w, "notification not processed", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// ErrNotANotification is returned by ParseNotification for anything but
// D24's notification body.
var ErrNotANotification = errors.New(`d24: not a notification: want {"deposit_id": <positive integer>}`)

// ParseNotification reads D24's notification body strictly: one JSON object
// with a positive integer deposit_id and nothing else.
func ParseNotification(body []byte) (depositID int64, err error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var n struct {
		DepositID json.RawMessage `json:"deposit_id"`
	}
	if err := dec.Decode(&n); err != nil || len(n.DepositID) == 0 || n.DepositID[0] < '1' || n.DepositID[0] > '9' {
		return 0, ErrNotANotification
	}
	if _, err := dec.Token(); err != io.EOF {
		return 0, ErrNotANotification
	}
	id, err := strconv.ParseInt(string(n.DepositID), 10, 64)
	if err != nil || id <= 0 {
		return 0, ErrNotANotification
	}
	return id, nil
}

func (c *Client) logNotification(ctx context.Context, id int64, msg string, err error) {
	if c.logger != nil {
		c.logger.LogAttrs(ctx, slog.LevelWarn, "d24 notification: "+msg, slog.Int64("deposit_id", id), slog.String("error", err.Error()))
	}
}
