package d24test_test

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/d24go/d24/d24test"
)

// A signature that does not match is answered with what the sandbox signed
// over, enough to find the mistake, and nothing that would sign for the
// client: not the secret, not the expected signature, not the body.
func TestWrongSignatureSaysWhatWasSigned(t *testing.T) {
	t.Parallel()
	srv := d24test.NewServer()
	defer srv.Close()
	var sentDate, expected string
	wrongKey := func(body string) func(http.Header) {
		return func(h http.Header) {
			sentDate = h.Get("X-Date")
			expected = h.Get("Authorization")
			h.Set("Authorization", sign("not-the-secret", sentDate, srv.Login, []byte(body)))
		}
	}
	numbered := strings.Replace(depositBody, `"dep-1"`, `"4111111111111111"`, 1)
	for _, c := range []struct {
		name, url, body, bodyLine string
	}{
		{"a deposit", srv.APIURL + "/v3/deposits", depositBody,
			fmt.Sprintf("body: %d bytes, SHA-256 %x", len(depositBody), sha256.Sum256([]byte(depositBody)))},
		{"a card number in another member", srv.APIURL + "/v3/deposits", numbered,
			fmt.Sprintf("body: %d bytes (its SHA-256 is not shown: the body may carry card data)", len(numbered))},
		{"a GET", srv.APIURL + "/v3/deposits/300000001", "", "body: empty (0 bytes; a GET signs the empty string)"},
		// The hash of a card deposit could be searched for the card number.
		{"a card deposit", srv.CardAPIURL + "/v3/deposits", cardBody("4111111111111111", "10", "30"),
			fmt.Sprintf("body: %d bytes (its SHA-256 is not shown: the body may carry card data)", len(cardBody("4111111111111111", "10", "30")))},
	} {
		t.Run(c.name, func(t *testing.T) {
			method := "POST"
			if c.body == "" {
				method = "GET"
			}
			r := do(t, srv, method, c.url, c.body, wrongKey(c.body))
			want := fmt.Sprint([]string{
				"signed: HMAC-SHA256, keyed by the secret key, of X-Date + X-Login + body (no separator), sent as Authorization: D24 and the lowercase hex",
				"X-Date: " + sentDate, "X-Login: " + srv.Login, c.bodyLine,
			})
			if r.status != 400 || r.code() != 102 || r.json["type"] != "INVALID_SIGNATURE" || fmt.Sprint(r.json["details"]) != want {
				t.Errorf("got %d %s\nwant details %s", r.status, r.raw, want)
			}
			for _, secret := range []string{srv.SecretKey, strings.TrimPrefix(expected, "D24 "), "4111111111111111", "411111", `"cvv"`, "JOHN SMITH", "juan@example.com"} {
				if strings.Contains(string(r.raw), secret) {
					t.Errorf("the answer shows %q: %s", secret, r.raw)
				}
			}
		})
	}
}

// A header of the wrong form is named, so that a client sending
// "HMAC-SHA256 ..." or uppercase hex learns what D24 expects.
func TestWrongSignatureFormIsNamed(t *testing.T) {
	t.Parallel()
	srv := d24test.NewServer()
	defer srv.Close()
	for _, auth := range []string{"HMAC-SHA256 abc", "D24 " + strings.Repeat("AB", 32), "D24 00"} {
		r := do(t, srv, "GET", srv.APIURL+"/v3/deposits/1", "", func(h http.Header) { h.Set("Authorization", auth) })
		if !strings.Contains(string(r.raw), `Authorization: must be \"D24 \" followed by 64 lowercase hex digits`) || r.code() != 102 {
			t.Errorf("%s: %s", auth, r.raw)
		}
	}
}
