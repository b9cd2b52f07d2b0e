package d24test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/d24go/d24/generated/deposits"
	"github.com/d24go/d24/types"
)

// Refund is a refund the sandbox holds.
type Refund struct {
	ID              int64
	DepositID       int64
	InvoiceID       string
	Amount          types.Amount
	Status          string
	Card            bool
	NotificationURL string
	CreatedAt       time.Time
}

// createRefund answers a refund as D24 describes it: the deposit must exist
// under that invoice (208), be COMPLETED (801), the amount must be positive and
// within what is left (802), and a non-card deposit needs a bank account
// (804). A card refund answers at once with refund_info and refund_id as a
// string; any other answers with refund_id only, PENDING.
func (s *Server) createRefund(body []byte) answer {
	if e := s.check.refund.check(body); e != nil {
		return e.answer()
	}
	var req deposits.RefundRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return (&apiError{status: 400, Code: 502, Description: "Invalid request body", Type: "INVALID_REQUEST_BODY"}).answer()
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	d, ok := s.store.deposits.get(req.DepositID)
	if !ok || d.InvoiceID != req.InvoiceID {
		return notFound()
	}
	if d.Status != "COMPLETED" {
		return (&apiError{status: 400, Code: 801, Description: "The deposit is not completed", Type: "DEPOSIT_NOT_COMPLETED"}).answer()
	}
	left := d.Amount.Sub(d.refundedAmount)
	amount := left // no amount: a full refund
	if req.Amount != nil {
		amount = *req.Amount
	}
	if amount.Sign() <= 0 || amount.Cmp(left) > 0 {
		return (&apiError{status: 400, Code: 802, Description: "Amount to refund not valid", Type: "INVALID_AMOUNT_TO_REFUND"}).answer()
	}
	if !d.Card && req.BankAccount.AccountNumber == "" {
		return (&apiError{status: 400, Code: 804, Description: "Bank account information is missing", Type: "MISSING_BANK_ACCOUNT"}).answer()
	}
	s.store.nextRefund++
	r := &Refund{ID: 168283 + s.store.nextRefund, DepositID: d.ID, InvoiceID: d.InvoiceID, Amount: amount, Card: d.Card,
		Status: "PENDING", NotificationURL: req.NotificationURL, CreatedAt: s.now().UTC()}
	if r.NotificationURL == "" {
		r.NotificationURL = s.cfg.notificationURL
	}
	s.store.refunds.put(r.ID, r)
	d.refundedAmount = d.refundedAmount.Add(amount)
	if !d.Card {
		return jsonAnswer(http.StatusOK, map[string]any{"refund_id": r.ID})
	}
	r.Status = "COMPLETED"
	if left.Sub(amount).IsZero() {
		d.refunded = true
	}
	return jsonAnswer(http.StatusOK, map[string]any{
		"refund_id": strconv.FormatInt(r.ID, 10), "deposit_id": d.ID, "merchant_invoice_id": d.InvoiceID,
		"refund_info": map[string]any{"type": "CREDIT_CARD", "result": "SUCCESS", "payment_method": d.PaymentMethod,
			"payment_method_name": cardBrand(d.MaskedCard).name, "amount": amount, "currency": d.Currency,
			"created_at": r.CreatedAt.Format(types.Layout)},
	})
}

// refundStatus answers GET /v3/refunds/{id}: no refund_id, currency or dates,
// as D24's page shows; voucher=true adds the proof of refund.
func (s *Server) refundStatus(idText string, voucher bool) answer {
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		return notFound()
	}
	s.store.mu.Lock()
	r, ok := s.store.refunds.get(id)
	var out map[string]any
	if ok {
		out = map[string]any{"deposit_id": r.DepositID, "merchant_invoice_id": r.InvoiceID, "status": r.Status, "amount": r.Amount}
	}
	s.store.mu.Unlock()
	if !ok {
		return notFound()
	}
	if voucher {
		out["voucher"] = base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("%%PDF-1.4\n%% d24test proof of refund %d\n%%%%EOF\n", id)))
	}
	return jsonAnswer(http.StatusOK, out)
}

// Refunds returns the refunds the sandbox keeps, oldest first: every one
// created so far, up to Limits.Refunds, then the newest.
func (s *Server) Refunds() []Refund {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	kept := s.store.refunds.values()
	out := make([]Refund, len(kept))
	for i, r := range kept {
		out[i] = *r
	}
	return out
}

// SetRefundStatus changes a refund's status and, when it has a notification
// URL, POSTs {"refund_id": N} to it on D24's retry schedule.
func (s *Server) SetRefundStatus(id int64, status string) error {
	return s.setStatus("refund_id", id, func() (string, bool) {
		r, ok := s.store.refunds.get(id)
		if !ok {
			return "", false
		}
		if d, kept := s.store.deposits.get(r.DepositID); kept && takes(r.Status) != takes(status) {
			if takes(status) {
				d.refundedAmount = d.refundedAmount.Add(r.Amount)
			} else {
				d.refundedAmount = d.refundedAmount.Sub(r.Amount)
			}
		}
		r.Status = status
		return r.NotificationURL, true
	})
}

// takes tells whether a refund in status takes its amount from its deposit:
// all do but a cancelled or rejected one.
func takes(status string) bool { return status != "CANCELLED" && status != "REJECTED" }
