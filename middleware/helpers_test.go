package middleware_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// seen is one request as the test server received it.
type seen struct {
	method, path string
	header       http.Header
	body         string
}

// script is a loopback server that answers the n-th request with the n-th
// handler (the last one repeats) and records every request.
type script struct {
	mu       sync.Mutex
	requests []seen
	handlers []http.HandlerFunc
	srv      *httptest.Server
}

func newScript(t *testing.T, handlers ...http.HandlerFunc) *script {
	t.Helper()
	s := &script{handlers: handlers}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		n := len(s.requests)
		s.requests = append(s.requests, seen{r.Method, r.URL.Path, r.Header.Clone(), string(b)})
		h := s.handlers[min(n, len(s.handlers)-1)]
		s.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *script) seen() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.requests...)
}

func status(code int, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

// hangUp reads the request and closes the connection without answering: the
// server processed it, the client never learns.
func hangUp(w http.ResponseWriter, _ *http.Request) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("no hijacker")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
}

// expectedSignature is the test's own reading of D24's signature (docs/d24-api.md), independent of the
// code under test.
func expectedSignature(secret, date, login, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(date + login + body))
	return "D24 " + hex.EncodeToString(m.Sum(nil))
}
