package d24test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// checkHeaders is the first half of D24's check of a signed request, what the
// headers alone tell, in D24's order: a missing header (101), the login (100),
// then X-Date (103). It runs before the body is read.
func (s *Server) checkHeaders(r *http.Request) *apiError {
	for _, h := range []string{"X-Date", "X-Login", "Authorization"} {
		if strings.TrimSpace(r.Header.Get(h)) == "" {
			return &apiError{status: 400, Code: 101, Description: "Missing required header: " + h, Type: "MISSING_REQUIRED_HEADER"}
		}
	}
	login := r.Header.Get("X-Login")
	if login != s.cfg.login {
		return &apiError{status: 401, Code: 100, Description: "Invalid credentials", Type: "INVALID_CREDENTIALS"}
	}
	xDate := r.Header.Get("X-Date")
	date, err := parseXDate(xDate)
	if err != nil {
		return &apiError{status: 400, Code: 103, Description: "Invalid date format", Type: "INVALID_DATE_RANGE"}
	}
	if d := s.now().Sub(date); d > s.cfg.skew || d < -s.cfg.skew {
		return &apiError{status: 400, Code: 103, Description: "Invalid date range", Type: "INVALID_DATE_RANGE"}
	}
	return nil
}

// checkSignature is the second half, once the body is read: the signature
// over the exact body bytes (102), then a blank optional header (105).
func (s *Server) checkSignature(r *http.Request, body []byte) *apiError {
	xDate, login := r.Header.Get("X-Date"), r.Header.Get("X-Login")
	mac := hmac.New(sha256.New, []byte(s.cfg.secret))
	mac.Write([]byte(xDate))
	mac.Write([]byte(login))
	mac.Write(body)
	want := "D24 " + hex.EncodeToString(mac.Sum(nil))
	if got := r.Header.Get("Authorization"); !hmac.Equal([]byte(got), []byte(want)) {
		return &apiError{status: 400, Code: 102, Description: "Invalid signature", Type: "INVALID_SIGNATURE",
			Details: signedOver(xDate, login, got, body)}
	}
	if v, ok := r.Header["X-Idempotency-Key"]; ok && (len(v) == 0 || strings.TrimSpace(v[0]) == "") {
		return &apiError{status: 400, Code: 105, Description: "Empty header value: X-Idempotency-Key", Type: "EMPTY_HEADER_VALUE"}
	}
	return nil
}

// authorizationForm is the form of a D24 signature header.
var authorizationForm = regexp.MustCompile(`^D24 [0-9a-f]{64}$`)

// signedOver tells a client whose signature did not match what the sandbox
// signed, so that it can find its mistake: the layout, the X-Date and X-Login
// it read (both passed their checks already), the body's length and its
// SHA-256, and whether the header has the right form. Never the secret, the
// expected signature or the body; and no hash of a body that may carry card
// data: the SHA-256 of a card deposit, whose other fields a log may show
// (with the card number masked to its first six and last four digits), can be
// searched for the card number and CVV in seconds.
func signedOver(xDate, login, authorization string, body []byte) []string {
	details := []string{
		"signed: HMAC-SHA256, keyed by the secret key, of X-Date + X-Login + body (no separator), sent as Authorization: D24 and the lowercase hex",
		"X-Date: " + xDate,
		"X-Login: " + login,
	}
	switch {
	case len(body) == 0:
		details = append(details, "body: empty (0 bytes; a GET signs the empty string)")
	case mayCarryCardData(body):
		details = append(details, fmt.Sprintf("body: %d bytes (its SHA-256 is not shown: the body may carry card data)", len(body)))
	default:
		details = append(details, fmt.Sprintf("body: %d bytes, SHA-256 %x", len(body), sha256.Sum256(body)))
	}
	if !authorizationForm.MatchString(authorization) {
		details = append(details, `Authorization: must be "D24 " followed by 64 lowercase hex digits`)
	}
	return details
}

// mayCarryCardData tells a body that has a run of 12 or more digits (as long
// as a card number, 12 to 19; spaces, dashes and dots between them do not
// break the run), or a member the request log redacts (card_number, number,
// cvv, in any case) at any depth, or that names one of those and does not
// parse: the hash of such a body is not shown. The body is parsed only when it
// holds one of those names, or an escape that could spell one.
func mayCarryCardData(body []byte) bool {
	run := 0
	for _, c := range body {
		switch {
		case c >= '0' && c <= '9':
			if run++; run >= 12 {
				return true
			}
		case c == ' ' || c == '-' || c == '.':
		default:
			run = 0
		}
	}
	lower := bytes.ToLower(body)
	if !bytes.Contains(lower, []byte("number")) && !bytes.Contains(lower, []byte("cvv")) && !bytes.Contains(body, []byte(`\u`)) {
		return false
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		return true
	}
	var walk func(v any) bool
	walk = func(v any) bool {
		switch t := v.(type) {
		case map[string]any:
			for k, inner := range t {
				if cardMember(strings.ToLower(k)) != notCardData || walk(inner) {
					return true
				}
			}
		case []any:
			return slices.ContainsFunc(t, walk)
		}
		return false
	}
	return walk(v)
}

// parseXDate reads yyyy-MM-dd'T'HH:mm:ssZ, with a fraction or an offset as the
// newer pages show them.
func parseXDate(s string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02T15:04:05Z", s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02T15:04:05Z0700", s); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}
