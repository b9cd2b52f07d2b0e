package d24test

import (
	"net/http"
	"strconv"
	"strings"
)

// The 3DS page of a PENDING_AUTHENTICATION card deposit, its
// authentication_url: /v3/3ds/{id}/{token} on the card API host. A browser's
// GET (Accept: text/html) is the payer's challenge page, whose form approves
// or fails the authentication; an API client's GET describes the deposit in
// JSON; a signed POST passes the authentication (see the package
// documentation). The handler routes, checks the method and authenticates.

// threeDSPage answers an API client's GET /v3/3ds/{id}/{token}: whether the
// deposit waits for authentication, and how to complete it. It shows no
// amount, payer or card.
func (s *Server) threeDSPage(rest string) answer {
	ref, ok := parsePageRef(rest)
	var d Deposit
	if ok {
		d, ok = s.pageDeposit(ref)
	}
	if !ok {
		return notFound()
	}
	return jsonAnswer(http.StatusOK, map[string]any{
		"deposit_id": d.ID, "pending_authentication": pendingAuthentication(&d),
		"description": "POST to this URL, signed like any card API request, to pass the authentication; open it in a browser to approve or fail it",
	})
}

// completeThreeDS answers a signed POST /v3/3ds/{id}/{token}: it completes a
// deposit waiting for authentication, and only such a deposit. D24's signature
// covers neither the method nor the path, so a signed request with an empty
// body could be replayed here within the X-Date window: the token, which only
// the merchant and the payer know, is what names the deposit to complete.
func (s *Server) completeThreeDS(rest string) answer {
	idText, token, _ := strings.Cut(rest, "/")
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return notFound()
	}
	ref := pageRef{id: id, token: token}
	d, found := s.store.get(id)
	switch {
	case !found:
		return notFound()
	case !pendingAuthentication(&d):
		// Nothing to replay against, and the merchant may learn the status
		// anyway (GET /v3/deposits/{id}).
		return notPendingAuthentication(d.Status)
	case !ref.opens(&d):
		return notFound()
	}
	after, changed := s.settle(ref, pendingAuthentication, "COMPLETED")
	if !changed {
		return notPendingAuthentication(after.Status) // settled by another request meanwhile
	}
	return jsonAnswer(http.StatusOK, map[string]any{"deposit_id": id, "authenticated": true, "status": "COMPLETED"})
}

func notPendingAuthentication(status string) answer {
	return (&apiError{status: http.StatusConflict, Code: 409, Type: "DEPOSIT_NOT_PENDING_AUTHENTICATION",
		Description: "The deposit is not pending authentication (status " + status + ")"}).answer()
}

// pendingAuthentication tells a card deposit still waiting for 3DS. The caller
// holds the store's lock or a copy.
func pendingAuthentication(d *Deposit) bool {
	return d.Card && d.Result == "PENDING_AUTHENTICATION" && d.Status == "PENDING"
}

// threeDS is the challenge page's flow: approve gives the status of a card
// deposit that passes 3DS, fail the one that does not. A card deposit carries
// no URL to send the payer on to: each ends on a result page.
var threeDS = &payerFlow{
	card:    true,
	pending: pendingAuthentication,
	view:    threeDSChallenge,
	outcomes: map[string]pageOutcome{
		"approve": {status: "COMPLETED", done: "Authentication approved"},
		"fail":    {status: "DECLINED", done: "Authentication failed"},
	},
	buttons:    "approve or fail",
	notPending: "This deposit is no longer waiting for authentication",
	doneLead:   "The issuer's challenge is over; the payer returns to the merchant's site.",
}

// threeDSChallenge is the issuer's challenge as the payer sees it.
func threeDSChallenge(d *Deposit, self string) page {
	p := page{
		Title: "3DS authentication", Heading: "Confirm your payment",
		Lead:   "Your card issuer asks you to confirm this payment (3-D Secure).",
		Status: statusOf(d.Status), Facts: depositFacts(d),
	}
	if !pendingAuthentication(d) {
		p.Note = "This deposit is no longer waiting for authentication: nothing more can be done here."
		return p
	}
	p.FormAction, p.Legend = self, "Play the issuer"
	p.Actions = []pageAction{
		{Value: "approve", Label: "Approve", Class: "primary"},
		{Value: "fail", Label: "Fail authentication", Class: "danger"},
	}
	p.Note = "Approve completes the deposit (COMPLETED), fail declines it (DECLINED); either way the merchant is notified."
	return p
}

// cardSummary names a card by its brand and last four digits, never more.
func cardSummary(d *Deposit) string {
	brand, _ := d.cardDetail["brand"].(string)
	if brand == "" {
		brand = "Card"
	}
	m := d.MaskedCard
	if len(m) < 4 {
		return brand
	}
	return brand + " ending " + m[len(m)-4:]
}
