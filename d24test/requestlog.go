package d24test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/d24go/d24/types"
)

// WithLogLimit sets how many requests Requests keeps, and how many delivery
// attempts Notifications keeps (DefaultLogLimit each): the newest. 0 keeps
// none. Only authenticated requests are recorded, so a stranger can neither
// fill the log nor push a test's requests out of it.
func WithLogLimit(n int) Option {
	return func(c *config) { c.limits.logEntries = max(0, n) }
}

// WithLogBodyLimit sets how many bytes of a recorded request's body are kept
// (DefaultLogBodyLimit); the body is redacted first, then cut.
func WithLogBodyLimit(n int) Option {
	return func(c *config) { c.limits.logBodyBytes = max(0, n) }
}

// Requests returns the authenticated requests received so far, oldest first:
// the newest WithLogLimit of them.
func (s *Server) Requests() []RecordedRequest {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	kept := s.store.requests.all()
	out := make([]RecordedRequest, len(kept))
	for i, r := range kept {
		out[i] = *r
	}
	return out
}

// ring keeps the newest entries of a log, at most limit of them.
type ring[T any] struct {
	items []T
	next  int // where the next entry goes once items is full
	limit int
}

// add keeps v, and returns the entry it pushed out when the ring was full (v
// itself when it keeps none).
func (r *ring[T]) add(v T) (pushedOut T, full bool) {
	switch {
	case r.limit <= 0:
		return v, true
	case len(r.items) < r.limit:
		r.items = append(r.items, v)
		return pushedOut, false
	}
	pushedOut = r.items[r.next]
	r.items[r.next] = v
	r.next = (r.next + 1) % r.limit
	return pushedOut, true
}

// all returns the entries, oldest first.
func (r *ring[T]) all() []T {
	out := make([]T, 0, len(r.items))
	out = append(out, r.items[r.next:]...)
	return append(out, r.items[:r.next]...)
}

// recordHandle lets the handler fill in a recorded request's outcome.
type recordHandle struct {
	s   *store
	rec *RecordedRequest
}

func (h recordHandle) setFault(f Fault) {
	if f.Kind != NoFault {
		h.s.mu.Lock()
		h.rec.Fault = f.Kind.String()
		h.s.mu.Unlock()
	}
}

func (h recordHandle) setStatus(status int) {
	h.s.mu.Lock()
	h.rec.Status = status
	h.s.mu.Unlock()
}

// record logs an authenticated request, its body redacted and cut to
// bodyLimit bytes.
func (s *store) record(host hostKind, r *http.Request, body []byte, bodyLimit int, now time.Time) recordHandle {
	rec := &RecordedRequest{Host: host.String(), Method: r.Method, Path: withoutPageToken(host, r.URL.Path),
		IdempotencyKey: r.Header.Get("X-Idempotency-Key"), Body: cut(redactBody(body), bodyLimit), At: now}
	s.mu.Lock()
	s.requests.add(rec)
	s.mu.Unlock()
	return recordHandle{s, rec}
}

// withoutPageToken cuts a page token from a page's path (/v3/3ds/{id}/{token}):
// the log is shown to whoever holds the sandbox's credentials, and the token
// is what opens the payer's page.
func withoutPageToken(host hostKind, path string) string {
	trimmed := strings.TrimSuffix(path, "/")
	rt := routeOf(host, trimmed)
	if rt.op != opThreeDS && rt.op != opCheckout {
		return path
	}
	if id, token, ok := strings.Cut(rt.id, "/"); ok && token != "" {
		return strings.TrimSuffix(trimmed, rt.id) + id + "/REDACTED"
	}
	return path
}

// cut shortens s to at most limit bytes, whole runes, and says how much it
// left out.
func cut(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	end := limit
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + "…(" + strconv.Itoa(len(s)-end) + " more bytes)"
}

// redactBody masks card data in a JSON body for the request log: a card
// number keeps its first six and last four digits, whether sent as a string or
// as a number, and a CVV (or a card number of any other type) is replaced.
func redactBody(body []byte) string {
	if len(body) == 0 {
		return ""
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if dec.Decode(&v) != nil || dec.More() {
		return "(not JSON)"
	}
	redactValue(v)
	b, _ := json.Marshal(v)
	return string(b)
}

// The members that hold card data, as D24's bodies name them.
const (
	notCardData = iota
	memberPAN   // card_number, number
	memberCVV   // cvv
)

// cardMember tells which card data a member of that name holds.
func cardMember(name string) int {
	switch name {
	case "card_number", "number":
		return memberPAN
	case "cvv":
		return memberCVV
	}
	return notCardData
}

func redactValue(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, inner := range t {
			switch cardMember(k) {
			case memberPAN:
				switch n := inner.(type) {
				case string:
					t[k] = types.MaskPAN(n)
				case json.Number:
					t[k] = types.MaskPAN(n.String())
				case nil:
				default:
					t[k] = "***"
				}
			case memberCVV:
				t[k] = "***"
			default:
				redactValue(inner)
			}
		}
	case []any:
		for _, inner := range t {
			redactValue(inner)
		}
	}
}
