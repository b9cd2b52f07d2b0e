package d24

import (
	"context"

	"github.com/d24go/d24/generated/deposits"
)

// CreateRefund refunds part of a COMPLETED deposit: *req.Amount, which must
// be given and greater than zero (a missing, zero or negative amount is
// refused before sending; a computed zero never turns into a full refund).
// For a full refund call CreateFullRefund. A card refund may answer at once
// (RefundInfo.Result); other methods answer with the RefundID only and finish
// later (a notification follows).
//
//	refund, err := client.CreateRefund(ctx, d24.RefundRequest{DepositID: id, InvoiceID: "order-1001",
//		Amount: d24.Ptr(types.MustParseAmount("50"))})
//
// A refund is money: its errors are CreateCardDeposit's, and an
// OutcomeUnknownError is settled by sending the same request again. Two
// deliberate refunds of the same amount of one deposit are the same request:
// give the second its own key (WithIdempotencyKey) or a different Comments,
// or D24 answers it with the first.
func (c *Client) CreateRefund(ctx context.Context, req RefundRequest, opts ...CallOption) (*RefundResponse, error) {
	switch {
	case req.Amount == nil:
		return nil, c.refused(ctx, opRefund.String(), refundAmountError("is required (CreateFullRefund refunds the whole deposit)"))
	case req.Amount.Sign() <= 0:
		return nil, c.refused(ctx, opRefund.String(), refundAmountError("must be greater than 0 (CreateFullRefund refunds the whole deposit)"))
	}
	return create[RefundResponse](ctx, c, opRefund, &req, req.InvoiceID, opts, sensitiveValues{})
}

// CreateFullRefund refunds the whole of a COMPLETED deposit (what is left of
// it after partial refunds): req.Amount must be nil, and no amount is sent,
// as D24 asks for a full refund. An amount given, even zero, is refused
// before sending. Everything else is CreateRefund's.
func (c *Client) CreateFullRefund(ctx context.Context, req RefundRequest, opts ...CallOption) (*RefundResponse, error) {
	if req.Amount != nil {
		return nil, c.refused(ctx, opRefund.String(), refundAmountError("must be left out (nil) of a full refund (CreateRefund refunds an amount)"))
	}
	return create[RefundResponse](ctx, c, opRefund, &req, req.InvoiceID, opts, sensitiveValues{})
}

// refundAmountError refuses a refund's amount before anything is sent.
func refundAmountError(rule string) error {
	return &ValidationError{API: "d24", Operation: opRefund.String(), Violations: []Violation{{Field: "amount", Rule: rule}}}
}

// GetRefund returns a refund's status as D24 has it now. refundID is a
// created refund's RefundID, or the one a refund notification carries.
func (c *Client) GetRefund(ctx context.Context, refundID int64, opts ...CallOption) (*RefundStatus, error) {
	if err := c.ready(ctx, "getRefund"); err != nil {
		return nil, err
	}
	httpReq, err := deposits.NewGetRefundRequest(c.apiURL, refundID, nil)
	return callFor[RefundStatus](ctx, c, call{op: "getRefund", rt: c.apiRT, req: httpReq}, err, opts)
}
