package d24test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
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
	if !hmac.Equal([]byte(r.Header.Get("Authorization")), []byte(want)) {
		return &apiError{status: 400, Code: 102, Description: "Invalid signature", Type: "INVALID_SIGNATURE"}
	}
	if v, ok := r.Header["X-Idempotency-Key"]; ok && (len(v) == 0 || strings.TrimSpace(v[0]) == "") {
		return &apiError{status: 400, Code: 105, Description: "Empty header value: X-Idempotency-Key", Type: "EMPTY_HEADER_VALUE"}
	}
	return nil
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
