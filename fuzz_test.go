package d24_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/d24go/d24"
	"github.com/d24go/d24/types"
)

// fixedAnswer answers every request with one status and body.
type fixedAnswer struct {
	status int
	body   []byte
}

// settableAnswer answers with whatever fixedAnswer was set last: fuzz
// functions run one at a time in each process, so one client serves them all.
type settableAnswer struct{ answer fixedAnswer }

func (s *settableAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	return s.answer.RoundTrip(r)
}

func (f fixedAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{StatusCode: f.status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(f.body)), ContentLength: int64(len(f.body)), Request: r}, nil
}

func fuzzClient(t testing.TB, rt http.RoundTripper) *d24.Client {
	c, err := d24.New(d24.Config{Login: "l", SecretKey: "s", APIURL: "https://api.example", CardAPIURL: "https://cc.example"},
		d24.WithTransport(rt), d24.WithRetryPolicy(d24.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Whatever D24 answers, every operation returns a model or a typed error,
// never panics, and never calls a non-2xx answer a success.
func FuzzResponseDecoding(f *testing.F) {
	for _, ex := range d24.ReferenceExamples(f) {
		for _, status := range []int{200, 400} {
			for op := uint8(0); op < 3; op++ {
				f.Add(status, ex, op)
			}
		}
	}
	f.Add(200, []byte(`{"deposit_id":1,"payment_info":{"amount":"1e400"}}`), uint8(0))
	// D24's two error shapes, a refusal and a 104 in each, and a body whose
	// texts are not D24's types.
	for _, body := range []string{`{"code":201,"type":"BEAN_VALIDATION_ERROR"}`, `{"error":{"code":201,"message":"x"}}`,
		`{"code":104}`, `{"error":{"code":104}}`, `{"code":201,"description":5}`} {
		f.Add(400, []byte(body), uint8(1))
	}
	answer := &settableAnswer{}
	c := fuzzClient(f, answer)
	f.Fuzz(func(t *testing.T, status int, body []byte, op uint8) {
		if status < 100 || status > 999 {
			return
		}
		answer.answer = fixedAnswer{status: status, body: body}
		ctx := context.Background()
		var err error
		switch op % 3 {
		case 0:
			_, err = c.CreateCardDeposit(ctx, cardDeposit("fuzz-1", canaryCard))
		case 1:
			_, err = c.CreateDeposit(ctx, d24.DepositRequest{InvoiceID: "fuzz-2", Amount: types.MustParseAmount("1"), Country: "BR"})
		default:
			_, err = c.GetDeposit(ctx, 300000001)
		}
		ok := status >= 200 && status < 300
		post := op%3 != 2
		if err == nil {
			if !ok {
				t.Fatalf("HTTP %d taken for a success", status)
			}
			return
		}
		var apiErr *d24.APIError
		var unknown *d24.OutcomeUnknownError
		var redirect *d24.RedirectError
		isUnknown := errors.As(err, &unknown)
		if !ok && !errors.As(err, &apiErr) && !errors.As(err, &redirect) {
			t.Fatalf("HTTP %d: untyped error %v", status, err)
		}
		if post && !isUnknown && !refusal(status, body) {
			t.Fatalf("a POST answered %d %q may have been processed, but its error is not outcome-unknown: %v", status, body, err)
		}
		if post && isUnknown && refusal(status, body) {
			t.Fatalf("D24 refused the POST (%d %q), yet its outcome is unknown: %v", status, body, err)
		}
		if ok && !post && !errors.Is(err, d24.ErrMalformedAnswer) {
			t.Fatalf("a GET answered %d but not decoded must be a malformed answer: %v", status, err)
		}
		if strings.Contains(err.Error(), canaryCard) {
			t.Fatal("card number in an error")
		}
	})
}

// refusal is this test's reading of a definitive refusal: a 4xx other than
// 408 and 429 with D24's error body, in either shape (flat, or nested under
// "error" when the top has no code), whose code is not 104. A body whose
// code, type or texts are of another JSON type than D24's is not D24's.
func refusal(status int, body []byte) bool {
	if status < 400 || status > 499 || status == 408 || status == 429 {
		return false
	}
	type d24Body struct {
		Code                       int `json:"code"`
		Type, Description, Message string
		Error                      json.RawMessage `json:"error"`
	}
	var e d24Body
	if json.Unmarshal(body, &e) != nil {
		return false
	}
	var nested d24Body
	if e.Code == 0 && bytes.HasPrefix(e.Error, []byte("{")) && json.Unmarshal(e.Error, &nested) == nil {
		e = nested
	}
	return e.Code != 0 && e.Code != 104
}

// Whatever reaches the notification endpoint, the handler answers one of its
// documented statuses, and 200 only for a well-formed notification.
func FuzzNotificationHandler(f *testing.F) {
	f.Add("POST", []byte(`{"deposit_id": 300604089}`), 200)
	f.Add("POST", []byte(`{"deposit_id": "1"}`), 200)
	f.Add("GET", []byte(``), 200)
	f.Add("POST", []byte(`{"deposit_id": 1}`), 500)
	for _, ex := range d24.ReferenceExamples(f) {
		f.Add("POST", ex, 200)
	}
	status := []byte(`{"deposit_id":300604089,"status":"COMPLETED"}`)
	answer := &settableAnswer{}
	c := fuzzClient(f, answer)
	f.Fuzz(func(t *testing.T, method string, body []byte, d24Status int) {
		if d24Status < 100 || d24Status > 999 {
			return
		}
		switch method {
		case "POST", "GET", "PUT", "DELETE", "PATCH":
		default:
			return
		}
		answer.answer = fixedAnswer{status: d24Status, body: status}
		called := false
		h := c.NotificationHandler(func(ctx context.Context, st *d24.DepositStatus) error { called = true; return nil })
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, "/notify", bytes.NewReader(body)))
		switch rec.Code {
		case 200:
			if _, err := d24.ParseNotification(body); err != nil || method != "POST" || !called {
				t.Fatalf("200 for %s %q", method, body)
			}
		case 400, 405, 413, 500, 502:
			if called && rec.Code != 500 {
				t.Fatalf("callback ran but answered %d", rec.Code)
			}
		default:
			t.Fatalf("undocumented status %d", rec.Code)
		}
	})
}
