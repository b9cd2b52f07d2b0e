package d24test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/d24go/d24/types"
)

// The control API: the sandbox's own endpoints, under /sandbox/ on the API
// host, for tests in any language. They are signed like any D24 request with
// the sandbox's credentials (X-Login, X-Date, Authorization: D24 <hmac>), so
// one signing recipe serves both, and are checked in D24's order like any
// other. They answer JSON, errors in D24's shape. They are not D24's: they are
// not recorded in Requests (a test counting the client's requests counts only
// those) and take no injected fault (a fault is meant for the client). They
// are not served on the card host, which takes card data only.
//
//	POST /sandbox/deposits/{id}/status   {"deposit_id": {id}, "status": "COMPLETED"}
//	POST /sandbox/refunds/{id}/status    {"refund_id": {id}, "status": "COMPLETED"}
//	GET  /sandbox/deposits[?invoice_id=...]
//	GET  /sandbox/notifications[?deposit_id=...|?refund_id=...]
//	GET  /sandbox/requests
//	POST /sandbox/faults                 {"faults": [{"kind": "server_error"}, ...]}

// controlPrefix is where the control API lives: no path of D24's begins with
// it.
const controlPrefix = "/sandbox/"

// Bounds of what the control API lets a client queue.
const (
	maxFaultsPending = 1000        // injected faults waiting, in all
	maxFaultDelay    = time.Minute // a FaultDelay's delay_ms
	maxRetryAfter    = 3600        // a FaultTooManyRequests' retry_after, seconds
)

type controlEndpoint int

const (
	ctlNone          controlEndpoint = iota
	ctlDepositStatus                 // POST /sandbox/deposits/{id}/status
	ctlRefundStatus                  // POST /sandbox/refunds/{id}/status
	ctlDeposits                      // GET /sandbox/deposits
	ctlNotifications                 // GET /sandbox/notifications
	ctlRequests                      // GET /sandbox/requests
	ctlFaults                        // POST /sandbox/faults
)

// controlEndpointOf finds a control endpoint, and the id its path names, from
// a path without its trailing slash.
func controlEndpointOf(path string) (controlEndpoint, string) {
	rest := strings.TrimPrefix(path, controlPrefix)
	switch rest {
	case "deposits":
		return ctlDeposits, ""
	case "notifications":
		return ctlNotifications, ""
	case "requests":
		return ctlRequests, ""
	case "faults":
		return ctlFaults, ""
	}
	kind, tail, _ := strings.Cut(rest, "/")
	id, status, ok := strings.Cut(tail, "/")
	if !ok || status != "status" || id == "" {
		return ctlNone, ""
	}
	switch kind {
	case "deposits":
		return ctlDepositStatus, id
	case "refunds":
		return ctlRefundStatus, id
	}
	return ctlNone, ""
}

// controlRoute is the route of a path under controlPrefix on the API host.
func controlRoute(path string) route {
	ep, id := controlEndpointOf(path)
	switch ep {
	case ctlNone:
		return route{op: opNone}
	case ctlDepositStatus, ctlRefundStatus, ctlFaults:
		return route{op: opControl, methods: []string{http.MethodPost}, id: id}
	}
	return route{op: opControl, methods: readMethods}
}

// control answers an authenticated, signed control request.
func (s *Server) control(r *http.Request, path, id string, body []byte) answer {
	ep, _ := controlEndpointOf(path)
	q := r.URL.Query()
	switch ep {
	case ctlDepositStatus:
		return s.controlStatus("deposit_id", id, body, s.check.depositStatuses, s.depositNotificationURL, s.SetDepositStatus)
	case ctlRefundStatus:
		return s.controlStatus("refund_id", id, body, s.check.refundStatuses, s.refundNotificationURL, s.SetRefundStatus)
	case ctlDeposits:
		return s.controlDeposits(q)
	case ctlNotifications:
		return s.controlNotifications(q)
	case ctlRequests:
		return s.controlRequests()
	case ctlFaults:
		return s.controlFaults(body)
	}
	return notFound()
}

// controlStatus sets a deposit's or a refund's status with set (and so
// notifies exactly as SetDepositStatus and SetRefundStatus do). Any status of
// D24's documents is allowed from any status, the one it has included: D24
// moves EXPIRED and CANCELLED deposits to COMPLETED after a review, and
// re-sends notifications from its merchant panel, so a test may need either.
func (s *Server) controlStatus(field, idText string, body []byte, allowed []string,
	notificationURL func(int64) (string, bool), set func(int64, string) error) answer {
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		return fieldErrors(field + ": invalid numeric format")
	}
	obj, e := controlObject(body)
	if e != nil {
		return e.answer()
	}
	// The body names its target, so that the signature covers it.
	if n, ok := obj[field].(json.Number); !ok || n.String() != strconv.FormatInt(id, 10) {
		return fieldErrors(field + ": must be " + strconv.FormatInt(id, 10) + ", the id in the path (the signature covers the body, not the path)")
	}
	status, e := enumMember(obj, "status", "status", allowed)
	if e != nil {
		return e.answer()
	}
	url, ok := notificationURL(id)
	if !ok {
		return notFound()
	}
	if err := set(id, status); err != nil {
		return notFound()
	}
	resp := map[string]any{field: id, "status": status}
	if url != "" {
		resp["notification_url"] = url // notified, as D24 would
	}
	return jsonAnswer(http.StatusOK, resp)
}

func (s *Server) depositNotificationURL(id int64) (string, bool) {
	d, ok := s.store.get(id)
	return d.NotificationURL, ok
}

func (s *Server) refundNotificationURL(id int64) (string, bool) {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	r, ok := s.store.refunds.get(id)
	if !ok {
		return "", false
	}
	return r.NotificationURL, true
}

// controlDeposit is a deposit as the control API lists it: what D24's status
// would show the merchant, and the sandbox's bookkeeping (notification_url,
// card, result). No card data but the masked number.
type controlDeposit struct {
	DepositID       int64        `json:"deposit_id"`
	InvoiceID       string       `json:"invoice_id"`
	Status          string       `json:"status"`
	CheckoutType    string       `json:"checkout_type,omitempty"`
	Card            bool         `json:"card"`
	Result          string       `json:"result,omitempty"`
	ReasonCode      string       `json:"reason_code,omitempty"`
	Country         string       `json:"country"`
	Currency        string       `json:"currency"`
	Amount          types.Amount `json:"amount"`
	PaymentMethod   string       `json:"payment_method,omitempty"`
	PaymentType     string       `json:"payment_type,omitempty"`
	MaskedCard      string       `json:"masked_card,omitempty"`
	UserID          string       `json:"user_id"`
	NotificationURL string       `json:"notification_url,omitempty"`
	CreatedAt       string       `json:"created_at"`
}

// controlDeposits lists the deposits, oldest first, only those of an
// invoice_id when the query names one.
func (s *Server) controlDeposits(q url.Values) answer {
	out := []controlDeposit{}
	for _, d := range s.Deposits() {
		if q.Has("invoice_id") && d.InvoiceID != q.Get("invoice_id") {
			continue
		}
		out = append(out, controlDeposit{DepositID: d.ID, InvoiceID: d.InvoiceID, Status: d.Status, CheckoutType: d.CheckoutType,
			Card: d.Card, Result: d.Result, ReasonCode: d.ReasonCode, Country: d.Country, Currency: d.Currency, Amount: d.Amount,
			PaymentMethod: d.PaymentMethod, PaymentType: d.PaymentType, MaskedCard: d.MaskedCard, UserID: d.UserID,
			NotificationURL: d.NotificationURL, CreatedAt: d.CreatedAt.UTC().Format(types.Layout)})
	}
	return jsonAnswer(http.StatusOK, map[string]any{"deposits": out})
}

// controlNotifications lists the delivery attempts of notifications, oldest
// first, only those of a deposit_id or refund_id when the query names one.
// Each names what it notified as its body did: {"deposit_id": N} or
// {"refund_id": N}.
func (s *Server) controlNotifications(q url.Values) answer {
	out := []map[string]any{}
	for _, n := range s.Notifications() {
		if (q.Has("deposit_id") || q.Has("refund_id")) && q.Get(n.Field) != itoa(n.DepositID) {
			continue
		}
		entry := map[string]any{n.Field: n.DepositID, "url": n.URL, "attempt": n.Attempt,
			"sent_at": n.At.UTC().Format(time.RFC3339Nano)}
		if n.Status != 0 {
			entry["status"] = n.Status // the merchant's answer
		}
		if n.Err != "" {
			entry["error"] = n.Err
		}
		out = append(out, entry)
	}
	return jsonAnswer(http.StatusOK, map[string]any{"notifications": out})
}

// controlRequests lists the recorded requests (Requests): authenticated D24
// requests only, card data masked, no signature.
func (s *Server) controlRequests() answer {
	type entry struct {
		Host           string `json:"host"`
		Method         string `json:"method"`
		Path           string `json:"path"`
		IdempotencyKey string `json:"idempotency_key,omitempty"`
		Body           string `json:"body,omitempty"`
		Status         int    `json:"status"`
		Fault          string `json:"fault,omitempty"`
		ReceivedAt     string `json:"received_at"`
	}
	out := []entry{}
	for _, r := range s.Requests() {
		out = append(out, entry{Host: r.Host, Method: r.Method, Path: r.Path, IdempotencyKey: r.IdempotencyKey, Body: r.Body,
			Status: r.Status, Fault: r.Fault, ReceivedAt: r.At.UTC().Format(time.RFC3339Nano)})
	}
	return jsonAnswer(http.StatusOK, map[string]any{"requests": out})
}

// controlFaults queues faults for the next requests, one each, as
// InjectFaults does: {"faults": [{"kind": "delay", "delay_ms": 1500},
// {"kind": "too_many_requests", "retry_after": 2}, ...]}. Nothing is queued
// unless every fault is valid. It answers how many wait in all.
func (s *Server) controlFaults(body []byte) answer {
	obj, e := controlObject(body)
	if e != nil {
		return e.answer()
	}
	list, ok := obj["faults"].([]any)
	if !ok || len(list) == 0 {
		return fieldErrors("faults: must be a list of at least one fault")
	}
	var details []string
	fs := make([]Fault, 0, len(list))
	for i, item := range list {
		f, errs := parseFault(fmt.Sprintf("faults[%d]", i), item)
		fs = append(fs, f)
		details = append(details, errs...)
	}
	if len(details) > 0 {
		return fieldErrors(details...)
	}
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if len(s.faults.queue)+len(fs) > maxFaultsPending {
		return fieldErrors(fmt.Sprintf("faults: at most %d may wait; %d wait already", maxFaultsPending, len(s.faults.queue)))
	}
	s.faults.queue = append(s.faults.queue, fs...)
	return jsonAnswer(http.StatusOK, map[string]any{"pending": len(s.faults.queue)})
}

// faultKinds lists the kinds by the names FaultKind.String gives them.
func faultKinds() []string {
	var names []string
	for k := NoFault; k <= FaultTooManyRequests; k++ {
		names = append(names, k.String())
	}
	return names
}

// parseFault reads one fault of the control API: kind, and delay_ms for a
// delay or retry_after (seconds) for too_many_requests. Anything else is
// refused, so a misspelt member does not silently change the fault.
func parseFault(at string, item any) (Fault, []string) {
	obj, ok := item.(map[string]any)
	if !ok {
		return Fault{}, []string{at + ": must be an object"}
	}
	name, e := enumMember(obj, "kind", at+".kind", faultKinds())
	if e != nil {
		return Fault{}, e.Details
	}
	var f Fault
	for k := NoFault; k <= FaultTooManyRequests; k++ {
		if k.String() == name {
			f.Kind = k
		}
	}
	var details []string
	for member, value := range obj {
		switch {
		case member == "kind":
		case member == "delay_ms" && f.Kind == FaultDelay:
			ms, msg := boundedInt(value, 0, maxFaultDelay.Milliseconds())
			f.Delay = time.Duration(ms) * time.Millisecond
			if msg != "" {
				details = append(details, at+".delay_ms: "+msg)
			}
		case member == "retry_after" && f.Kind == FaultTooManyRequests:
			secs, msg := boundedInt(value, 1, maxRetryAfter)
			f.RetryAfter = time.Duration(secs) * time.Second
			if msg != "" {
				details = append(details, at+".retry_after: "+msg)
			}
		default:
			details = append(details, at+"."+member+": not a member of a "+name+" fault (delay takes delay_ms, too_many_requests takes retry_after)")
		}
	}
	return f, details
}

// boundedInt reads a JSON integer within [lo, hi], or says why it cannot.
func boundedInt(v any, lo, hi int64) (int64, string) {
	n, _ := v.(json.Number)
	i, err := n.Int64()
	if err != nil {
		return 0, "invalid numeric format"
	}
	if i < lo || i > hi {
		return 0, fmt.Sprintf("must be between %d and %d", lo, hi)
	}
	return i, ""
}

// controlObject decodes a control request's body, a JSON object; anything
// else is answered 502 as D24 answers a body that is not JSON.
func controlObject(body []byte) (map[string]any, *apiError) {
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil || dec.More() || obj == nil {
		return nil, &apiError{status: 400, Code: 502, Description: "Invalid request body", Type: "INVALID_REQUEST_BODY"}
	}
	return obj, nil
}

// enumMember reads a string member that must be one of allowed, worded as the
// validator words an enum.
func enumMember(obj map[string]any, member, field string, allowed []string) (string, *apiError) {
	v, present := obj[member]
	s, isString := v.(string)
	switch {
	case !present || v == nil:
		return "", fieldError(field + ": must not be null")
	case !isString || !slices.Contains(allowed, s):
		return "", fieldError(field + ": Invalid value. Accepted values: " + strings.Join(allowed, "|"))
	}
	return s, nil
}

// fieldError is D24's 201 with the details given.
func fieldError(details ...string) *apiError {
	return &apiError{status: 400, Code: 201, Description: "Field validation error. Check details", Details: details, Type: "BEAN_VALIDATION_ERROR"}
}

func fieldErrors(details ...string) answer { return fieldError(details...).answer() }
