package d24test

import (
	"net/http"
	"strconv"
)

// The 3DS page of a PENDING_AUTHENTICATION card deposit, /v3/3ds/{id} on the
// card API host: GET describes, a signed POST completes (see the package
// documentation). The handler routes, checks the method and authenticates.

// threeDSPage answers GET /v3/3ds/{id}: whether the deposit waits for
// authentication, and how to complete it. It shows no amount, payer or card.
func (s *Server) threeDSPage(idText string) answer {
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return notFound()
	}
	d, ok := s.store.get(id)
	if !ok {
		return notFound()
	}
	return jsonAnswer(http.StatusOK, map[string]any{
		"deposit_id": d.ID, "pending_authentication": pendingAuthentication(&d),
		"description": "POST to this URL, signed like any card API request, to pass the authentication",
	})
}

// completeThreeDS answers a signed POST /v3/3ds/{id}: it completes a deposit
// waiting for authentication, and only such a deposit.
func (s *Server) completeThreeDS(idText string) answer {
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return notFound()
	}
	s.store.mu.Lock()
	d, ok := s.store.deposits[id]
	pending := ok && pendingAuthentication(d)
	var url, status string
	if ok {
		status = d.Status
	}
	if pending {
		d.Status = "COMPLETED"
		url = d.NotificationURL
	}
	s.store.mu.Unlock()
	switch {
	case !ok:
		return notFound()
	case !pending:
		return (&apiError{status: http.StatusConflict, Code: 409, Type: "DEPOSIT_NOT_PENDING_AUTHENTICATION",
			Description: "The deposit is not pending authentication (status " + status + ")"}).answer()
	}
	s.notify("deposit_id", id, url)
	return jsonAnswer(http.StatusOK, map[string]any{"deposit_id": id, "authenticated": true, "status": "COMPLETED"})
}

// pendingAuthentication tells a card deposit still waiting for 3DS. The caller
// holds the store's lock or a copy.
func pendingAuthentication(d *Deposit) bool {
	return d.Card && d.Result == "PENDING_AUTHENTICATION" && d.Status == "PENDING"
}
