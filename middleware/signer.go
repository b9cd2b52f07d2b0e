package middleware

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/d24go/d24/internal/errorbody"
	"github.com/d24go/d24/internal/reqbody"
)

// This file holds everything the package knows of D24 itself: its request
// signature (Signer) and its description (D24). Every other layer takes what
// it needs of an API from an API value.

// D24's request signature headers, and the header it deduplicates requests by.
const (
	HeaderDate          = "X-Date"
	HeaderLogin         = "X-Login"
	HeaderAuthorization = "Authorization"
	// HeaderIdempotencyKey is D24's idempotency header (D24().IdempotencyHeader).
	HeaderIdempotencyKey = "X-Idempotency-Key"
	// DateLayout is X-Date's layout: UTC, no fraction of a second.
	DateLayout = "2006-01-02T15:04:05Z"
	// codeInvalidDateRange is D24's answer to an X-Date outside its skew window.
	codeInvalidDateRange = 103
	// codeKeyAlreadyUsed is D24's answer to a repeated idempotency key: the
	// key's first use may have been processed, so it is never a refusal.
	codeKeyAlreadyUsed = 104
)

// D24 describes D24's API: named d24 (its span attributes are d24.operation,
// d24.attempts, d24.error.code and d24.error.type), deduplicating POST
// requests by X-Idempotency-Key, and answering errors with its own body
// (ParseD24Error). NewChain calls D24 unless given another authenticator.
func D24() API {
	return API{Name: "d24", IdempotencyHeader: HeaderIdempotencyKey, KeyedMethods: []string{http.MethodPost}, ParseError: ParseD24Error}
}

// ParseD24Error reads D24's error body, in either shape D24 sends: the flat
// {"code": 102, "type": "INVALID_SIGNATURE", ...} or the nested {"error":
// {"code": 102, "message": ...}}; only its code and type. 104 (the
// idempotency key was used before) is KeyReused. The d24 client's APIError
// reads the same bodies with the same reader.
func ParseD24Error(body []byte) (ErrorBody, bool) {
	e, ok := errorbody.Parse(body)
	if !ok {
		return ErrorBody{}, false
	}
	return ErrorBody{Code: e.Code, Type: e.Type, KeyReused: e.Code == codeKeyAlreadyUsed}, true
}

// NewReadOnlyChain builds the chain for D24's read-only lookups: NewChain
// with the Bearer authenticator for readOnlyKey where the Signer would be. The
// secret key is not given to it, so it cannot send it.
func NewReadOnlyChain(readOnlyKey string, opts ...Option) (http.RoundTripper, error) {
	return NewChain("", "", append([]Option{WithAPI(D24()), WithAuthenticator(BearerAuth(readOnlyKey))}, opts...)...)
}

// ErrMissingCredentials is returned by NewSigner for an empty login or secret key.
var ErrMissingCredentials = errors.New("middleware: signer: login and secret key are required")

// Signature returns the Authorization header value D24 expects:
// "D24 " + lowercase hex HMAC-SHA256(secretKey, xDate + xLogin + body).
func Signature(secretKey, xDate, xLogin string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secretKey))
	mac.Write([]byte(xDate))
	mac.Write([]byte(xLogin))
	mac.Write(body)
	return "D24 " + hex.EncodeToString(mac.Sum(nil))
}

// Signer signs every request it sends with D24's X-Date, X-Login and
// Authorization headers, computed per attempt over the exact body bytes. Put it
// inside the retry loop (NewChain does) so each attempt carries a fresh date.
//
// When D24 answers 103 INVALID_DATE_RANGE, the Signer measures the offset
// between its clock and the Date header of that answer, corrects every later
// signature by it, and repeats that attempt once.
type Signer struct {
	login string
	next  http.RoundTripper
	now   func() time.Time
	skew  atomic.Int64          // nanoseconds to add to now() so X-Date matches D24's clock
	macs  sync.Pool             // of *signing
	date  atomic.Pointer[xDate] // the last X-Date, reused within its second
	// secret returns the key, for the call's Scrubber; a func, so that no fmt
	// verb on a Signer value prints it.
	secret func() string
}

type xDate struct {
	unix int64
	text string
}

// signing is one signature's scratch, pooled so that signing allocates
// nothing of its own beyond the header values.
type signing struct {
	mac  hash.Hash
	head []byte // X-Date and X-Login
	sum  [sha256.Size]byte
}

// NewSigner returns a Signer for the merchant's login (X-Login) and secret key,
// sending through next (http.DefaultTransport if nil).
func NewSigner(login, secret string, next http.RoundTripper, opts ...SignerOption) (*Signer, error) {
	if login == "" || secret == "" {
		return nil, ErrMissingCredentials
	}
	s := &Signer{login: login, next: orDefault(next), now: time.Now}
	// The key lives only in this closure, so no %v of a Signer can print it.
	key := []byte(secret)
	s.secret = func() string { return secret }
	s.macs.New = func() any { return &signing{mac: hmac.New(sha256.New, key)} }
	for _, opt := range opts {
		opt.applySigner(s)
	}
	return s, nil
}

// String describes the Signer without its key.
func (s *Signer) String() string { return "middleware.Signer{login: " + s.login + ", key: [REDACTED]}" }

// GoString describes the Signer without its key for %#v.
func (s *Signer) GoString() string { return s.String() }

// ClockSkew returns the correction learnt from D24's Date header (zero until a
// 103 answer was seen).
func (s *Signer) ClockSkew() time.Duration { return time.Duration(s.skew.Load()) }

// RoundTrip signs req and sends it, repeating it once with a corrected date on
// 103 INVALID_DATE_RANGE.
func (s *Signer) RoundTrip(req *http.Request) (*http.Response, error) {
	authenticatedWith(req.Context(), s.secret())
	// Kept before signing: the request signed may be req itself (forHeaders),
	// whose GetBody the signature takes away.
	getBody := req.GetBody
	signed, replay, err := s.sign(req, getBody, nil, false)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	sentAt := s.now()
	resp, err := s.next.RoundTrip(signed)
	if err != nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
		return resp, err
	}
	serverDate, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil || !isD24Code(resp, codeInvalidDateRange) {
		return resp, nil
	}
	s.skew.Store(int64(serverDate.Sub(sentAt)))
	drainAndClose(resp.Body)
	// D24 refused the first send (103): the repeat alone decides whether
	// this attempt may have been processed.
	if state, ok := req.Context().Value(callStateKey{}).(*callState); ok {
		state.probe.start()
	}
	signed, _, err = s.sign(req, getBody, replay, true)
	if err != nil {
		return nil, err
	}
	return s.next.RoundTrip(signed)
}

// sign returns a shallow copy of req with the signature headers and a body to
// send. The body is hashed as it streams from a second GetBody reader, without a
// copy, and req.Body itself is sent untouched; a repeat takes a fresh reader.
// Only a request without GetBody is read into memory, once (replay keeps those
// bytes for a repeat).
func (s *Signer) sign(req *http.Request, getBody func() (io.ReadCloser, error), replay []byte, repeat bool) (*http.Request, []byte, error) {
	var body []byte
	var hasBytes bool
	if !repeat {
		// A repeat's body may still be read by the transport that sent it
		// first: only a first send asks it for its bytes.
		body, hasBytes = reqbody.Of(req)
	}
	out := forHeaders(req, 4)
	sg := s.macs.Get().(*signing)
	defer s.macs.Put(sg)
	mac := sg.mac
	mac.Reset()

	date := s.xDate(s.now().Add(time.Duration(s.skew.Load())))
	sg.head = append(append(sg.head[:0], date...), s.login...)
	mac.Write(sg.head)

	switch {
	case replay != nil:
		mac.Write(replay)
		out.Body = io.NopCloser(bytes.NewReader(replay))
	case req.Body == nil || req.Body == http.NoBody:
		// A body-less GET signs the empty string.
	case hasBytes:
		// The body says its bytes (the d24 client's do): no second reader.
		mac.Write(body)
	case getBody != nil:
		if repeat {
			b, err := getBody()
			if err != nil {
				return nil, nil, fmt.Errorf("middleware: signer: rewinding the body: %w", err)
			}
			out.Body = b
		}
		b, err := getBody()
		if err != nil {
			return nil, nil, fmt.Errorf("middleware: signer: reading the body to sign: %w", err)
		}
		_, err = io.Copy(mac, b)
		b.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("middleware: signer: reading the body to sign: %w", err)
		}
	default:
		buf, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("middleware: signer: reading the body to sign: %w", err)
		}
		mac.Write(buf)
		replay = buf
		out.Body = io.NopCloser(bytes.NewReader(buf))
	}

	var auth [4 + 2*sha256.Size]byte
	copy(auth[:], "D24 ")
	hex.Encode(auth[4:], mac.Sum(sg.sum[:0]))

	// The three values share one backing array, set under their canonical keys.
	values := [...]string{date, s.login, string(auth[:]), "application/json"}
	out.Header[HeaderDate] = values[0:1:1]
	out.Header[HeaderLogin] = values[1:2:2]
	out.Header[HeaderAuthorization] = values[2:3:3]
	if out.Body != nil && out.Body != http.NoBody && len(out.Header["Content-Type"]) == 0 {
		out.Header["Content-Type"] = values[3:4:4]
	}
	// Without GetBody, net/http never sends a request with a body again on its
	// own (on a new connection after a reused one broke, or after an HTTP/2
	// stream reset): every repeat of a POST goes through the retry layer, which
	// judges each one. A repeat inside the transport could be processed twice
	// in a way no layer above it sees.
	if out.Body != nil && out.Body != http.NoBody {
		out.GetBody = nil
	}
	return out, replay, nil
}

// xDate formats t as X-Date, reusing the text while the second is the same.
func (s *Signer) xDate(t time.Time) string {
	sec := t.Unix()
	if d := s.date.Load(); d != nil && d.unix == sec {
		return d.text
	}
	d := &xDate{unix: sec, text: t.UTC().Format(DateLayout)}
	s.date.Store(d)
	return d.text
}

// isD24Code reports whether resp carries D24's error body with the given code.
// It reads at most maxErrorPeek bytes and leaves resp.Body readable from the
// start.
func isD24Code(resp *http.Response, code int) bool {
	e, ok := peekAPIError(resp, API{ParseError: ParseD24Error})
	return ok && e.Code == code
}
