package middleware

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/d24go/d24/internal/reqbody"
)

// ErrBlankIdempotencyKey is wrapped, with the header's name, in the error of a
// request whose idempotency header is present but does not hold one key (it is
// blank, or given more than once): the API could not deduplicate it.
var ErrBlankIdempotencyKey = errors.New("an idempotency key header must hold one non-blank key; omit it or give one")

// KeyFunc derives an idempotency key from a request and its body, so that the
// same deposit sent again (by a restarted process or another replica) carries
// the same key. The request carries the call's context. An empty key with a
// nil error falls back to a random one.
type KeyFunc func(req *http.Request, body []byte) (string, error)

// KeyFromBody returns a KeyFunc that derives the key from the request's
// method, its path and its exact body bytes, with an HMAC-SHA256 keyed by a
// key derived from secret: the same request always gets the same key, on any
// replica and whatever the host's spelling, so the server processes it once
// however often it is sent; and the key (128 bits, 32 hex digits) reveals
// nothing of the body, card data included, to whoever sees it without the
// secret.
func KeyFromBody(secret string) KeyFunc {
	derive := hmac.New(sha256.New, []byte(secret))
	derive.Write([]byte("idempotency key from the request body, v1"))
	subkey := derive.Sum(nil)
	type keyer struct {
		mac  hash.Hash
		head []byte // method, path and a separator, reused
		sum  [sha256.Size]byte
	}
	keyers := sync.Pool{New: func() any { return &keyer{mac: hmac.New(sha256.New, subkey)} }}
	return func(req *http.Request, body []byte) (string, error) {
		k := keyers.Get().(*keyer)
		defer keyers.Put(k)
		k.mac.Reset()
		k.head = append(append(append(append(k.head[:0], req.Method...), ' '), req.URL.Path...), 0)
		k.mac.Write(k.head)
		k.mac.Write(body)
		return hex.EncodeToString(k.mac.Sum(k.sum[:0])[:16]), nil
	}
}

// NewIdempotencyKey returns a random 128-bit key as 32 lowercase hex digits.
func NewIdempotencyKey() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	return hex.EncodeToString(b[:])
}

// KeyFromJSONField returns a KeyFunc that derives the key from a top-level
// string field of the JSON body (for D24, "invoice_id") and the path (not the
// host, whose spelling may differ between replicas): the same invoice sent to
// the same endpoint always gets the same key, and an API that deduplicates by
// key refuses a different body under it (D24: 104) instead of charging twice.
// A body without the field gets a random key.
func KeyFromJSONField(field string) KeyFunc {
	return func(req *http.Request, body []byte) (string, error) {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err != nil {
			return "", nil
		}
		var value string
		if raw, ok := fields[field]; !ok || json.Unmarshal(raw, &value) != nil || value == "" {
			return "", nil
		}
		sum := sha256.Sum256([]byte(req.URL.Path + "\x00" + field + "\x00" + value))
		return hex.EncodeToString(sum[:16]), nil
	}
}

// Idempotency gives every request of the API's keyed methods (POST by
// default) a key under its idempotency header (API.IdempotencyHeader, given
// with WithAPI), chosen once per call, so that every retry of that call
// (inside it, NewChain puts the retry loop) sends the same key. A caller's own
// key is kept; other methods, and every request of an API without an
// idempotency header, are left alone.
type Idempotency struct {
	next    http.RoundTripper
	keyFunc KeyFunc
	api     API
	header  string // the API's idempotency header, canonical
}

// NewIdempotency returns the idempotency middleware around next. keyFunc may be
// nil (random keys).
func NewIdempotency(next http.RoundTripper, keyFunc KeyFunc, opts ...IdempotencyOption) *Idempotency {
	m := &Idempotency{next: orDefault(next), keyFunc: keyFunc}
	for _, o := range opts {
		o.applyIdempotency(m)
	}
	m.header = http.CanonicalHeaderKey(m.api.IdempotencyHeader)
	return m
}

// RoundTrip adds the key if req needs one and has none.
func (m *Idempotency) RoundTrip(req *http.Request) (*http.Response, error) {
	if !m.api.keyed(req.Method) {
		return m.next.RoundTrip(req)
	}
	if v, ok := headerValues(req.Header, m.header); ok {
		if !oneKey(v) {
			closeBody(req)
			return nil, fmt.Errorf("middleware: %s: %w", m.header, ErrBlankIdempotencyKey)
		}
		return m.next.RoundTrip(req)
	}
	key, err := m.key(req)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	out := req.Clone(req.Context())
	out.Header[m.header] = []string{key}
	return m.next.RoundTrip(out)
}

// key chooses the key; a derived key that is only white space (the API could
// not deduplicate by it) falls back to a random one here, where no validation
// follows.
func (m *Idempotency) key(req *http.Request) (string, error) {
	key, err := ChooseIdempotencyKey(req, nil, m.keyFunc)
	if err == nil && strings.TrimSpace(key) == "" {
		key = NewIdempotencyKey()
	}
	return key, err
}

// ChooseIdempotencyKey returns the key keyFunc derives from req and its body,
// or a random one when keyFunc is nil, there is no body to derive it from, or
// keyFunc returns "". body is the request's body when the caller has its bytes
// at hand; nil reads it through GetBody.
func ChooseIdempotencyKey(req *http.Request, body []byte, keyFunc KeyFunc) (string, error) {
	if body == nil {
		body, _ = reqbody.Of(req)
	}
	if keyFunc == nil || body == nil && req.GetBody == nil {
		return NewIdempotencyKey(), nil
	}
	if body == nil {
		rc, err := req.GetBody()
		if err != nil {
			return "", fmt.Errorf("middleware: reading the body for the idempotency key: %w", err)
		}
		body, err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return "", fmt.Errorf("middleware: reading the body for the idempotency key: %w", err)
		}
	}
	key, err := keyFunc(req, body)
	if err != nil {
		return "", fmt.Errorf("middleware: idempotency key function: %w", err)
	}
	if key == "" {
		return NewIdempotencyKey(), nil
	}
	return key, nil
}

// headerValues returns the values of the header name (canonical) in h, under
// any spelling of its name: a caller's req.Header["idempotency-key"] is the
// same header on the wire.
func headerValues(h http.Header, name string) ([]string, bool) {
	if v, ok := h[name]; ok {
		return v, true
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

// oneKey reports whether a key header's values are one non-blank key.
func oneKey(v []string) bool { return len(v) == 1 && strings.TrimSpace(v[0]) != "" }
