package d24test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/d24go/d24/openapi"
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

// SetDepositStatus changes a deposit's status (any string, so tests can send a
// status D24 may add tomorrow: "COMPLETED" as the payer paying, "EXPIRED",
// "CANCELLED", "DECLINED", ...) and, when the deposit has a notification URL,
// POSTs {"deposit_id": N} to it, retrying non-2xx answers on D24's schedule.
// It is the one way to change a deposit's status from Go; the control API's
// POST /sandbox/deposits/{id}/status is the same from any language.
func (s *Server) SetDepositStatus(id int64, status string) error {
	return s.setStatus("deposit_id", id, func() (string, bool) {
		d, ok := s.store.deposits.get(id)
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
			discardAnswer(resp.Body)
		}
	}
	if err != nil {
		n.Err = err.Error()
	}
	s.logNotification(n)
	return n.Status >= 200 && n.Status < 300
}

// maxMerchantAnswer is how much of a merchant's answer to a notification the
// notifier reads. D24 looks only at the status; an answer this short (most
// are empty or "OK") is read to its end so that its connection is reused.
const maxMerchantAnswer = 64 << 10

// discardAnswer reads a merchant's answer, at most maxMerchantAnswer bytes,
// and closes it. Read to its end, the answer's connection goes back to the
// client's pool for the next notification; closed unread, net/http would
// close the connection and the next notification would dial again. A longer
// answer is not read further: closing it drops its connection, so a merchant
// cannot make the sandbox read without end.
func discardAnswer(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, maxMerchantAnswer))
	_ = body.Close()
}

func (s *Server) logNotification(n Notification) {
	s.store.mu.Lock()
	s.store.notified.add(n)
	s.store.mu.Unlock()
}

// WithLoopbackHTTPNotifications lets notification URLs use plain http:// when
// their host is this machine written literally: an address in 127.0.0.0/8,
// ::1, or localhost. It applies to the notification_url of deposits and refunds
// and to WithNotificationURL, so that a merchant's endpoint under test needs
// no certificate. D24 notifies only https:// URLs: without this option the
// sandbox refuses http:// as D24 does, and with it any other http:// URL is
// still refused, as is one the https-url format would refuse with https://
// (no host, a control character, whitespace). A name is never resolved to decide: one
// that resolves to 127.0.0.1 today may resolve elsewhere tomorrow.
func WithLoopbackHTTPNotifications() Option { return func(c *config) { c.loopbackHTTP = true } }

// loopbackHint ends the detail of an http:// notification URL on loopback that
// the sandbox refused, saying how to allow it.
const loopbackHint = " (http:// on loopback is accepted with d24test.WithLoopbackHTTPNotifications, d24sandbox -allow-http-notifications)"

// isLoopbackHTTP reports whether raw is an http:// URL whose host is a
// loopback address written literally (127.0.0.0/8, ::1, or the IPv4-mapped
// form of one) or localhost, and which is otherwise a URL the documents'
// https-url format accepts (no control character, whitespace or invisible
// character). The notifier parses the URL the same way (net/url), so what is
// checked is what is dialled.
func isLoopbackHTTP(raw string) bool {
	rest, ok := strings.CutPrefix(raw, "http://")
	if !ok || openapi.ValidateHTTPSURL("https://"+rest) != nil {
		return false
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" {
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.Zone() == "" && addr.Unmap().IsLoopback()
}

// checkNotificationURL holds the merchant panel's URL (WithNotificationURL) to
// the rule of a request's notification_url: the document's (its length and
// its format https-url, with the document's own format validators), or
// http:// on loopback when allowed. It never quotes the URL, whose path may be
// the merchant's secret token.
func (v *validator) checkNotificationURL(raw string, loopbackHTTP bool) error {
	switch {
	case raw == "", loopbackHTTP && isLoopbackHTTP(raw):
		return nil
	case v.notificationURL.VisitJSON(raw, v.deposit.opts...) == nil:
		return nil
	case isLoopbackHTTP(raw):
		return errors.New("the notification URL (WithNotificationURL, -notification-url) must be an https:// URL, as D24 requires" + loopbackHint)
	}
	return errors.New("the notification URL (WithNotificationURL, -notification-url) must be an https:// URL of at most 2048 characters, with a host and without whitespace, control or invisible characters, as D24 requires; http:// is accepted only on loopback (127.0.0.0/8, ::1, localhost) with WithLoopbackHTTPNotifications (d24sandbox -allow-http-notifications)")
}

// forgiveLoopbackHTTP drops the document's https-url format error of a body's
// notification_url when it is http:// on loopback (the sandbox allows it).
// err is VisitJSON's, with MultiErrors.
func forgiveLoopbackHTTP(value any, err error) error {
	multi, ok := err.(openapi3.MultiError)
	if !ok || !isLoopbackHTTP(notificationURLOf(value)) {
		return err
	}
	var kept openapi3.MultiError
	for _, e := range multi {
		if se, ok := e.(*openapi3.SchemaError); !ok || se.SchemaField != "format" || !slices.Equal(se.JSONPointer(), []string{"notification_url"}) {
			kept = append(kept, e)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	return kept
}

// hintLoopbackHTTP adds to the detail refusing an http:// notification_url on
// loopback how to have the sandbox accept it.
func hintLoopbackHTTP(value any, detail string) string {
	if detail == "notification_url: "+httpsURLMessage && isLoopbackHTTP(notificationURLOf(value)) {
		return detail + loopbackHint
	}
	return detail
}

func notificationURLOf(value any) string {
	obj, _ := value.(map[string]any)
	raw, _ := obj["notification_url"].(string)
	return raw
}
