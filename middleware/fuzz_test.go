package middleware

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func seedExamples(f *testing.F) {
	files, _ := filepath.Glob("../openapi/testdata/examples/*")
	if len(files) == 0 {
		f.Fatal("no reference examples")
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// captured answers 200 and keeps what it was sent.
type captured struct {
	header http.Header
	body   []byte
}

func (c *captured) RoundTrip(r *http.Request) (*http.Response, error) {
	c.header = r.Header.Clone()
	c.body = nil
	if r.Body != nil {
		c.body, _ = io.ReadAll(r.Body)
		r.Body.Close()
	}
	return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
}

// Whatever the body, the signer sends it byte for byte and signs exactly those
// bytes, as D24 defines the signature (docs/d24-api.md).
func FuzzSigner(f *testing.F) {
	seedExamples(f)
	f.Add([]byte(`{"first_name":"Muñoz"}`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		sink := &captured{}
		now := time.Date(2020, 6, 24, 17, 13, 21, 0, time.UTC)
		s, _ := NewSigner("test-login", "test-secret", sink, WithClock(func() time.Time { return now }))
		method := "POST"
		var rd io.Reader = bytes.NewReader(body)
		if len(body) == 0 {
			method, rd = "GET", nil
		}
		req, _ := http.NewRequest(method, "https://d24.example/v3/deposits", rd)
		if _, err := s.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(sink.body, body) {
			t.Fatal("the body sent is not the body given")
		}
		m := hmac.New(sha256.New, []byte("test-secret"))
		m.Write([]byte("2020-06-24T17:13:21Z" + "test-login"))
		m.Write(body)
		if got, want := sink.header.Get("Authorization"), "D24 "+hex.EncodeToString(m.Sum(nil)); got != want {
			t.Fatalf("Authorization %s, want %s", got, want)
		}
	})
}
