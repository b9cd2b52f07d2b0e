package d24test

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

type hostKind int

const (
	apiHost hostKind = iota
	cardHost
)

func (h hostKind) String() string {
	if h == cardHost {
		return "card"
	}
	return "api"
}

// maxBody is the largest request body the sandbox reads.
const maxBody = 1 << 20

// answer is a response the sandbox decided on, before faults are applied.
type answer struct {
	status  int
	body    []byte
	headers map[string]string
}

// apiError is D24's error body.
type apiError struct {
	status      int
	Code        int      `json:"code"`
	Description string   `json:"description"`
	Details     []string `json:"details,omitempty"`
	Type        string   `json:"type,omitempty"`
}

func (e *apiError) answer() answer {
	b, _ := json.Marshal(e)
	return answer{status: e.status, body: b}
}

func jsonAnswer(status int, v any) answer {
	b, err := json.Marshal(v)
	if err != nil {
		panic("d24test: encoding an answer: " + err.Error())
	}
	return answer{status: status, body: b}
}

func (s *Server) handler(host hostKind) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w := s.timeWrites(rw)
		if !s.handlers.enter() {
			panic(http.ErrAbortHandler) // shut down: the connection is being closed
		}
		defer s.handlers.leave()
		path := strings.TrimSuffix(r.URL.Path, "/")
		rt := routeOf(host, path)
		switch {
		case rt.op == opNone:
			refuse(w, r, notFound())
			return
		case rt.op == opCheckout: // the payer's pages: HTML, no credentials, a token in the path
			s.servePayerPage(w, r, rt.id, checkout)
			return
		case rt.op == opThreeDS && (isRead(r) && wantsPage(r) || r.Method == http.MethodPost && isForm(r)):
			s.servePayerPage(w, r, rt.id, threeDS)
			return
		case !slices.Contains(rt.methods, r.Method):
			a := methodNotAllowed()
			a.headers = map[string]string{"Allow": strings.Join(rt.methods, ", ")}
			refuse(w, r, a)
			return
		case rt.op == opLookup:
			if r.Header.Get("Authorization") != "Bearer "+s.cfg.readOnlyKey {
				// The read-only examples show only code and description.
				refuse(w, r, jsonAnswer(http.StatusUnauthorized, map[string]any{"code": 100, "description": "Invalid credentials"}))
				return
			}
			closeUnread(w, r) // a lookup reads no body: one sent is not waited for
			s.respond(w, r, host, nil, true, func() answer { return s.readOnly(r, path) })
			return
		case rt.op == opThreeDS && isRead(r):
			refuse(w, r, s.threeDSPage(rt.id)) // changes nothing, so needs no credentials
			return
		}
		// Everything else is signed. The headers are checked before the body is
		// read, so a stranger's body is never read.
		if e := s.checkHeaders(r); e != nil {
			refuse(w, r, e.answer())
			return
		}
		body, a, ok := s.readBody(w, r)
		if !ok {
			refuse(w, r, a)
			return
		}
		if e := s.checkSignature(r, body); e != nil {
			writeAnswer(w, e.answer())
			return
		}
		if rt.op == opControl { // not D24's: neither recorded nor faulted
			writeAnswer(w, s.control(r, path, rt.id, body))
			return
		}
		// Test-only endpoints take no injected fault: a test completing a 3DS
		// authentication must not use up a fault meant for the client.
		s.respond(w, r, host, body, rt.op != opThreeDS, func() answer { return s.serve(host, rt, r, body) })
	})
}

// readBody reads the body of a client whose headers passed, at most maxBody
// bytes, within the body read timeout. ok is false when it could not, with the
// answer to give.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) (body []byte, refusal answer, ok bool) {
	invalid := (&apiError{status: 400, Code: 502, Description: "Invalid request body", Type: "INVALID_REQUEST_BODY"}).answer()
	if r.ContentLength == 0 {
		return nil, answer{}, true
	}
	if r.ContentLength > maxBody {
		return nil, invalid, false
	}
	rc := http.NewResponseController(w)
	if d := s.cfg.limits.bodyReadTimeout; d > 0 {
		_ = rc.SetReadDeadline(time.Now().Add(d))
	}
	// Read as the body arrives rather than allocating Content-Length up front:
	// a client that announces a megabyte and sends nothing holds nothing.
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	var netErr net.Error
	switch {
	case errors.As(err, &netErr) && netErr.Timeout():
		return nil, (&apiError{status: http.StatusRequestTimeout, Code: 502, Description: "Request body not received in time",
			Type: "INVALID_REQUEST_BODY"}).answer(), false
	case err != nil || len(body) > maxBody:
		return nil, invalid, false
	}
	// The answer may take longer than the body did (FaultDelay): the deadline
	// must not end the request's context while it waits. (Recent net/http
	// clears it too once the body is read; this does not depend on that.)
	_ = rc.SetReadDeadline(time.Time{})
	return body, answer{}, true
}

// respond records an authenticated request, applies an injected fault if
// faultable, and answers what serve decides.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, host hostKind, body []byte, faultable bool, serve func() answer) {
	rec := s.store.record(host, r, body, s.cfg.limits.logBodyBytes, s.now())
	var fault Fault
	if faultable {
		fault = s.faults.next()
	}
	rec.setFault(fault)

	switch fault.Kind {
	case FaultServerError:
		rec.setStatus(http.StatusServiceUnavailable)
		writeAnswer(w, (&apiError{status: 503, Code: 700, Description: "Service temporarily unavailable", Type: "INTERNAL_ERROR"}).answer())
		return
	case FaultTooManyRequests:
		rec.setStatus(http.StatusTooManyRequests)
		a := (&apiError{status: 429, Code: 700, Description: "Too many requests", Type: "TOO_MANY_REQUESTS"}).answer()
		a.headers = map[string]string{"Retry-After": strconv.Itoa(max(1, int(fault.RetryAfter/time.Second)))}
		writeAnswer(w, a)
		return
	}

	a := serve()
	rec.setStatus(a.status)

	switch fault.Kind {
	case FaultDropAfterProcessing:
		dropConnection(w)
		return
	case FaultDelay:
		select {
		case <-time.After(fault.Delay):
		case <-r.Context().Done():
			return
		case <-s.ctx.Done():
			return
		}
	}
	writeAnswer(w, a)
}

// serve answers an authenticated, signed request once faults let it through.
func (s *Server) serve(host hostKind, rt route, r *http.Request, body []byte) answer {
	switch rt.op {
	case opRefundStatus:
		return s.refundStatus(rt.id, r.URL.Query().Get("voucher") == "true")
	case opDepositStatus:
		return s.depositStatus(rt.id)
	case opThreeDS:
		return s.completeThreeDS(rt.id)
	}
	path := strings.TrimSuffix(r.URL.Path, "/")
	return s.idempotent(host, path, r.Header.Get("X-Idempotency-Key"), body, func() answer {
		switch {
		case rt.op == opCreateRefund:
			return s.createRefund(body)
		case host == cardHost:
			return s.createCardDeposit(body)
		}
		return s.createDeposit(body)
	})
}

// idempotent runs create once per key: a repeat replays the stored answer or is
// refused with 104, as the server's IdempotencyMode says. Only answers that
// created something are stored, so a corrected request can reuse its key.
func (s *Server) idempotent(host hostKind, path, key string, body []byte, create func() answer) answer {
	if key == "" {
		return create()
	}
	scope := host.String() + path
	unlock := s.store.lockKey(scope, key)
	defer unlock()
	sum := sha256.Sum256(body)
	if prev, ok := s.store.stored(scope, key); ok {
		if s.cfg.idempotency == RejectRepeatedKeys || prev.bodySum != sum {
			return (&apiError{status: 400, Code: 104, Description: "Idempotency key already used", Type: "IDEMPOTENCY_KEY_ALREADY_USED"}).answer()
		}
		return prev.answer
	}
	a := create()
	if a.status >= 200 && a.status < 300 {
		s.store.remember(scope, key, storedAnswer{bodySum: sum, answer: a})
	}
	return a
}

func methodNotAllowed() answer {
	return (&apiError{status: 405, Code: 200, Description: "Method not allowed", Type: "METHOD_NOT_ALLOWED"}).answer()
}

func notFound() answer {
	return (&apiError{status: 404, Code: 208, Description: "Resource not found", Type: "RESOURCE_NOT_FOUND"}).answer()
}

// refuse answers a request whose body was not read (when it has one) and
// closes the connection after the answer, so that the server does not wait
// for the rest of a body nobody will read.
func refuse(w http.ResponseWriter, r *http.Request, a answer) {
	closeUnread(w, r)
	writeAnswer(w, a)
}

// closeUnread makes the answer to a request whose body was not read close
// the connection.
func closeUnread(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength != 0 {
		w.Header().Set("Connection", "close")
		// net/http would still read up to 256 KiB of the unread body after
		// the answer, with no deadline: a stranger could hold the connection
		// by never sending it.
		_ = http.NewResponseController(w).SetReadDeadline(time.Now())
	}
}

func writeAnswer(w http.ResponseWriter, a answer) {
	for k, v := range a.headers {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(a.body)))
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

// dropConnection closes the connection without an answer: the work was done,
// the client never learns.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}

// isRead tells a GET, or a HEAD, which is answered as the GET is, without its
// body.
func isRead(r *http.Request) bool { return r.Method == http.MethodGet || r.Method == http.MethodHead }
