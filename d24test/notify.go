package d24test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"
)

// notifySchedule is D24's: a failed notification is sent again after 5, 25,
// 125, 625 and 3125 units (minutes at D24), five more times in all.
var notifySchedule = []int{5, 25, 125, 625, 3125}

// Notification is one delivery attempt of a notification.
type Notification struct {
	// Field is what the notification names: deposit_id or refund_id.
	Field     string
	DepositID int64 // the deposit_id or refund_id notified
	URL       string
	Attempt   int // 0 for the first delivery
	Status    int // the merchant's answer, 0 if it could not be reached
	Err       string
	At        time.Time
}

// Notifications returns the delivery attempts of notifications so far, oldest
// first: the newest WithLogLimit of them.
func (s *Server) Notifications() []Notification {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	return s.store.notified.all()
}

// CompleteDeposit marks a deposit COMPLETED and notifies the merchant.
func (s *Server) CompleteDeposit(id int64) error { return s.SetDepositStatus(id, "COMPLETED") }

// ExpireDeposit marks a deposit EXPIRED and notifies the merchant.
func (s *Server) ExpireDeposit(id int64) error { return s.SetDepositStatus(id, "EXPIRED") }

// CancelDeposit marks a deposit CANCELLED and notifies the merchant.
func (s *Server) CancelDeposit(id int64) error { return s.SetDepositStatus(id, "CANCELLED") }

// DeclineDeposit marks a deposit DECLINED and notifies the merchant.
func (s *Server) DeclineDeposit(id int64) error { return s.SetDepositStatus(id, "DECLINED") }

// SetDepositStatus changes a deposit's status (any string, so tests can send a
// status D24 may add tomorrow) and, when the deposit has a notification URL,
// POSTs {"deposit_id": N} to it, retrying non-2xx answers on D24's schedule.
func (s *Server) SetDepositStatus(id int64, status string) error {
	return s.setStatus("deposit_id", id, func() (string, bool) {
		d, ok := s.store.deposits[id]
		if !ok {
			return "", false
		}
		d.Status = status
		return d.NotificationURL, true
	})
}

// setStatus applies change under the store's lock and notifies the URL it
// returns, if any, with {"<field>": id}.
func (s *Server) setStatus(field string, id int64, change func() (url string, ok bool)) error {
	s.store.mu.Lock()
	url, ok := change()
	s.store.mu.Unlock()
	if !ok {
		return fmt.Errorf("d24test: no %s %d", field, id)
	}
	s.notify(field, id, url)
	return nil
}

// notify queues {"<field>": id} for url, if there is one. A notification the
// queue has no room for is logged as an attempt that failed.
func (s *Server) notify(field string, id int64, url string) {
	if url == "" || s.notifier.enqueue(field, id, url) {
		return
	}
	s.logNotification(Notification{Field: field, DepositID: id, URL: url, At: s.now(),
		Err: "d24test: notification queue full, not sent"})
}

// deliver POSTs one notification and logs the attempt. It reports whether the
// notification is done with: the merchant answered 2xx.
func (s *Server) deliver(ctx context.Context, d delivery) bool {
	body := []byte(fmt.Sprintf(`{%q: %d}`, d.field, d.id))
	n := Notification{Field: d.field, DepositID: d.id, URL: d.url, Attempt: d.attempt, At: s.now()}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		var resp *http.Response
		if resp, err = s.cfg.notifyClient.Do(req); err == nil {
			n.Status = resp.StatusCode
			resp.Body.Close()
		}
	}
	if err != nil {
		n.Err = err.Error()
	}
	s.logNotification(n)
	return n.Status >= 200 && n.Status < 300
}

func (s *Server) logNotification(n Notification) {
	s.store.mu.Lock()
	s.store.notified.add(n)
	s.store.mu.Unlock()
}
