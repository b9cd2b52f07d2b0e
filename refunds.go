package d24

import (
	"context"

	"github.com/d24go/d24/generated/deposits"
)

// CreateRefund refunds a COMPLETED deposit, fully (no Amount) or partly. A
// card refund may answer at once (RefundInfo.Result); other methods answer with
// the RefundID only and finish later (a notification follows). A refund is
// money: it is retried only under its idempotency key, and a lost answer is an
// OutcomeUnknownError; check with GetRefund or the deposit before refunding
// again.
func (c *Client) CreateRefund(ctx context.Context, req RefundRequest) (*RefundResponse, error) {
	httpReq, err := c.refund.request(req)
	return callFor[RefundResponse](ctx, c, call{op: "createRefund", rt: c.apiRT, req: httpReq, invoiceID: req.InvoiceID}, err)
}

// GetRefund returns a refund's status as D24 has it now.
func (c *Client) GetRefund(ctx context.Context, refundID int64) (*RefundStatus, error) {
	httpReq, err := deposits.NewGetRefundRequest(c.apiURL, refundID, nil)
	return callFor[RefundStatus](ctx, c, call{op: "getRefund", rt: c.apiRT, req: httpReq}, err)
}
