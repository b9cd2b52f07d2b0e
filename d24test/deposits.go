package d24test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/d24go/d24/generated/deposits"
	"github.com/d24go/d24/generated/pci"
	"github.com/d24go/d24/types"
)

// createCardDeposit answers a card deposit: a test card's rejection, an expired
// card's rejection, 3DS for the configured cards, success otherwise.
func (s *Server) createCardDeposit(body []byte) answer {
	if e := s.check.card.check(body); e != nil {
		return e.answer()
	}
	var req pci.CardDepositRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return (&apiError{status: 400, Code: 502, Description: "Invalid request body", Type: "INVALID_REQUEST_BODY"}).answer()
	}
	cc := req.CreditCard
	number := string(cc.CardNumber)
	if number == "" {
		number = string(cc.Number)
	}
	if number == "" { // card_token or card_identifier: a card on file
		number = "4111111111111111"
	}
	b := cardBrand(number)
	now := s.now().UTC()
	d := &Deposit{
		InvoiceID: req.InvoiceID, Card: true, Country: req.Country, Currency: req.Currency, Amount: req.Amount,
		PaymentMethod: b.code, PaymentType: "CREDIT_CARD", MaskedCard: types.MaskPAN(number), CreatedAt: now,
		NotificationURL: s.cfg.notificationURL, UserID: req.Payer.ID, payer: payerMap(req.Payer),
		pageToken: newPageToken(), description: req.Description,
	}
	result, outcome := "SUCCESS", cardOutcome{}
	switch o, isTest := testCards[number]; {
	case isTest:
		result, outcome = "REJECTED", o
	case cc.ExpirationYear != "" && expiredCard(cc.ExpirationMonth, cc.ExpirationYear, now):
		result, outcome = "REJECTED", expired
	case s.cfg.threeDSCards[number]:
		result = "PENDING_AUTHENTICATION"
	}
	d.Result, d.ReasonCode = result, outcome.reasonCode
	d.Status = map[string]string{"SUCCESS": "COMPLETED", "REJECTED": "DECLINED", "PENDING_AUTHENTICATION": "PENDING"}[result]
	d.cardDetail = map[string]any{
		"card_holder": cc.HolderName, "brand": b.name, "masked_card": spacedMask(number),
		"expiration": expiration(cc.ExpirationMonth, cc.ExpirationYear), "card_type": "CREDIT",
		"transaction_result": map[string]string{"SUCCESS": "Transaction Approved", "REJECTED": outcome.reason, "PENDING_AUTHENTICATION": "Pending authentication"}[result],
	}
	d = s.store.add(d)

	info := map[string]any{
		"type": "CREDIT_CARD", "result": result, "payment_method": b.code, "payment_method_name": b.name,
		"amount": req.Amount, "currency": req.Currency, "created_at": now.Format(types.Layout),
	}
	if result == "REJECTED" {
		info["reason"], info["reason_code"] = outcome.reason, outcome.reasonCode
	}
	resp := map[string]any{
		"deposit_id": d.ID, "user_id": d.UserID, "merchant_invoice_id": req.InvoiceID, "payment_info": info,
	}
	if result == "PENDING_AUTHENTICATION" {
		resp["authentication_url"] = fmt.Sprintf("%s/v3/3ds/%d/%s", s.CardAPIURL, d.ID, d.pageToken)
	}
	return jsonAnswer(http.StatusOK, resp)
}

func expiredCard(month, year string, now time.Time) bool {
	m, err1 := strconv.Atoi(month)
	y, err2 := strconv.Atoi(year)
	if err1 != nil || err2 != nil {
		return false
	}
	return !now.Before(time.Date(2000+y, time.Month(m)+1, 1, 0, 0, 0, 0, time.UTC))
}

func expiration(month, year string) string {
	if len(month) == 1 {
		month = "0" + month
	}
	if month == "" || year == "" {
		return ""
	}
	return "20" + year + "-" + month
}

// spacedMask is the status page's form: "1234 56** **** 6789".
func spacedMask(number string) string {
	m := types.MaskPAN(number)
	var b strings.Builder
	for i, r := range m {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// createDeposit answers a deposit: ONE_SHOT with payment metadata when the
// payment method and the payer's names were sent, HOSTED otherwise.
func (s *Server) createDeposit(body []byte) answer {
	if e := s.check.deposit.check(body); e != nil {
		return e.answer()
	}
	var req deposits.DepositRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return (&apiError{status: 400, Code: 502, Description: "Invalid request body", Type: "INVALID_REQUEST_BODY"}).answer()
	}
	now := s.now().UTC()
	currency := req.Currency
	if currency == "" {
		currency = "USD"
	}
	d := &Deposit{
		InvoiceID: req.InvoiceID, Country: req.Country, Currency: currency, Amount: req.Amount, Status: "PENDING",
		PaymentMethod: req.PaymentMethod, CreatedAt: now, NotificationURL: req.NotificationURL, UserID: req.Payer.ID,
		payer: payerMap(req.Payer), pageToken: newPageToken(), description: req.Description,
		successURL: req.SuccessURL, backURL: req.BackURL, errorURL: req.ErrorURL,
	}
	if d.NotificationURL == "" {
		d.NotificationURL = s.cfg.notificationURL
	}
	oneShot := req.PaymentMethod != "" && req.Payer.FirstName != "" && req.Payer.LastName != ""
	d.CheckoutType = "HOSTED"
	if oneShot {
		d.CheckoutType = "ONE_SHOT"
		d.PaymentType = paymentMethods[req.PaymentMethod].kind
	}
	d = s.store.add(d)
	resp := map[string]any{
		"checkout_type": d.CheckoutType, "deposit_id": d.ID, "user_id": d.UserID, "merchant_invoice_id": req.InvoiceID,
	}
	if !oneShot {
		resp["redirect_url"] = fmt.Sprintf("%s/validate/%d/%s", s.APIURL, d.ID, d.pageToken)
		return jsonAnswer(http.StatusOK, resp)
	}
	pm := paymentMethods[req.PaymentMethod]
	if pm.name == "" {
		pm = paymentMethod{kind: "BANK_TRANSFER", name: req.PaymentMethod}
	}
	resp["redirect_url"] = fmt.Sprintf("%s/v1/checkout/%d/%s", s.APIURL, d.ID, d.pageToken)
	resp["iframe"] = true
	info := map[string]any{
		"type": pm.kind, "payment_method": req.PaymentMethod, "payment_method_name": pm.name,
		"amount": req.Amount, "currency": currency,
		"expiration_date": now.Add(72 * time.Hour).Format(types.Layout), "created_at": now.Format(types.Layout),
		"metadata": pm.metadata(d),
	}
	if req.Country == "BR" && req.PaymentMethod != "IX" {
		info["secondary_metadata"] = paymentMethods["IX"].metadata(d)
	}
	resp["payment_info"] = info
	return jsonAnswer(http.StatusOK, resp)
}

type paymentMethod struct{ kind, name string }

var paymentMethods = map[string]paymentMethod{
	"IX": {"VOUCHER", "Pix"},
	"BL": {"VOUCHER", "Boleto"},
	"BB": {"BANK_DEPOSIT", "Banco do Brasil"},
	"BC": {"VOUCHER", "BCP"},
	"OX": {"VOUCHER", "OXXO"},
	"SE": {"BANK_TRANSFER", "SPEI"},
}

// metadata is what the customer needs to pay, varying by method as on D24's
// pages (reference is a number although documented as a string).
func (pm paymentMethod) metadata(d *Deposit) map[string]any {
	switch pm.name {
	case "Pix":
		return map[string]any{"reference": d.ID - 300000000 + 56608000, "qr_code": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
			"digitable_line": fmt.Sprintf("00020126850014br.gov.bcb.pix2563qrcodepix.d24test/%d5204000053039865802BR", d.ID)}
	case "Boleto":
		return map[string]any{"bar_code": fmt.Sprintf("34191%039d", d.ID), "digitable_line": fmt.Sprintf("34191.09008 %d 7 000", d.ID)}
	}
	return map[string]any{"beneficiary_name": "Directa24 LLP", "agency": "3229-X", "CNPJ": "33.444.368/0001-39", "account": "253393-4", "reference": d.ID}
}

func payerMap(p any) map[string]any {
	b, _ := json.Marshal(p)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

// usdRates converts local amounts for the status's usd_amount.
var usdRates = map[string]string{"BRL": "5.3162", "MXN": "17.05", "PEN": "3.75", "COP": "3900", "CLP": "930", "ARS": "950", "USD": "1"}

// depositStatus answers GET /v3/deposits/{id} with the shape of the status
// page, quirks included: bonus_relative as a string, an unannounced field.
func (s *Server) depositStatus(idText string) answer {
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		return (&apiError{status: 400, Code: 201, Description: "Field validation error. Check details",
			Details: []string{"deposit_id: invalid numeric format"}, Type: "BEAN_VALIDATION_ERROR"}).answer()
	}
	d, ok := s.store.get(id)
	if !ok {
		return notFound()
	}
	local := decimal.RequireFromString(d.Amount.String())
	usd := local
	if rate, ok := usdRates[d.Currency]; ok {
		usd = local.DivRound(decimal.RequireFromString(rate), 2)
	}
	resp := map[string]any{
		"user_id": d.UserID, "deposit_id": d.ID, "invoice_id": d.InvoiceID, "country": d.Country,
		"currency": d.Currency, "local_amount": jsonNumber(local.String()), "usd_amount": jsonNumber(usd.StringFixed(2)),
		"bonus_amount": jsonNumber("0.00"), "bonus_relative": "false", "payment_method": d.PaymentMethod,
		"payment_type": d.PaymentType, "status": d.Status, "payer": d.payer, "refunded": d.refunded,
		"current_payer_verification": "UNMATCHED", "d24test_note": "unknown fields like this one must be ignored",
	}
	if d.PaymentMethod != "" {
		resp["fee_amount"], resp["fee_currency"] = jsonNumber("2.50"), "USD"
	}
	if d.cardDetail != nil {
		resp["card_detail"] = d.cardDetail
	}
	if d.Status == "COMPLETED" && d.PaymentMethod == "IX" {
		resp["bank_account"] = map[string]any{"account_number": "10122538", "bank_branch": "90", "ispb_code": 60746948,
			"bank_name": "Caixa", "account_type": "SAVING", "licensed_bank": true}
	}
	return jsonAnswer(http.StatusOK, resp)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// jsonNumber writes a decimal as a JSON number, digit for digit.
type jsonNumber = json.Number
