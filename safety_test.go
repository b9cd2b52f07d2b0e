package d24_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/d24go/d24"
)

// Each safe default refuses with its own clear error.
func TestSafeDefaults(t *testing.T) {
	t.Run("redirects are not followed", func(t *testing.T) {
		elsewhere := 0
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere++ }))
		defer other.Close()
		redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/steal?card=x", http.StatusTemporaryRedirect)
		}))
		defer redirecting.Close()
		c, _ := d24.New(d24.Config{Login: "l", SecretKey: "s", APIURL: redirecting.URL, CardAPIURL: redirecting.URL, AllowInsecureHTTP: true})
		_, err := c.CreateCardDeposit(context.Background(), cardDeposit("redir-1", canaryCard))
		var redirect *d24.RedirectError
		if !errors.As(err, &redirect) || redirect.StatusCode != 307 || !strings.Contains(redirect.Location, "card=REDACTED") {
			t.Fatalf("%v", err)
		}
		if elsewhere != 0 {
			t.Error("the signed request followed the redirect")
		}
	})
	t.Run("answers are read through a size limit", func(t *testing.T) {
		huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"deposit_id":1,"user_id":"`+strings.Repeat("x", d24.MaxResponseSize)+`"}`)
		}))
		defer huge.Close()
		c, _ := d24.New(d24.Config{Login: "l", SecretKey: "s", APIURL: huge.URL, CardAPIURL: huge.URL, AllowInsecureHTTP: true})
		_, err := c.GetDeposit(context.Background(), 1)
		if err == nil || !strings.Contains(err.Error(), "larger than") {
			t.Errorf("%v", err)
		}
	})
	t.Run("answers must be as long as their Content-Length", func(t *testing.T) {
		for name, tc := range map[string]struct {
			length string
			body   string
			want   string
		}{
			"announced above the limit": {strconv.Itoa(d24.MaxResponseSize + 1), `{"deposit_id":1}`, "reading D24's answer"},
			"shorter than announced":    {"100", `{"deposit_id":1}`, "reading D24's answer"},
		} {
			t.Run(name, func(t *testing.T) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Length", tc.length)
					io.WriteString(w, tc.body)
				}))
				defer srv.Close()
				c, _ := d24.New(d24.Config{Login: "l", SecretKey: "s", APIURL: srv.URL, CardAPIURL: srv.URL, AllowInsecureHTTP: true},
					d24.WithRetryPolicy(d24.RetryPolicy{MaxAttempts: 1}))
				_, err := c.GetDeposit(context.Background(), 1)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%v", err)
				}
			})
		}
		c, _ := d24.New(d24.Config{Login: "l", SecretKey: "s"}, d24.WithTransport(longerThanAnnounced{}))
		if _, err := c.GetDeposit(context.Background(), 1); err == nil || !strings.Contains(err.Error(), "longer than its Content-Length") {
			t.Errorf("a body longer than announced: %v", err)
		}
	})
	t.Run("answers are asked uncompressed, and read when compressed anyway", func(t *testing.T) {
		gz := func(s string) []byte {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			io.WriteString(zw, s)
			zw.Close()
			return b.Bytes()
		}
		var asked []string
		for name, tc := range map[string]struct {
			encoding string
			body     []byte
			want     string // "" for success
		}{
			"gzip":        {"gzip", gz(`{"deposit_id":7,"invoice_id":"inv-7","status":"COMPLETED"}`), ""},
			"identity":    {"identity", []byte(`{"deposit_id":7,"invoice_id":"inv-7","status":"COMPLETED"}`), ""},
			"brotli":      {"br", []byte("\x0b\x02"), `Content-Encoding "br" is not supported`},
			"broken gzip": {"gzip", []byte("not gzip"), "reading D24's gzip answer"},
			"gzip bomb":   {"gzip", gz(`{"deposit_id":7,"invoice_id":"` + strings.Repeat("x", d24.MaxResponseSize) + `"}`), "larger than"},
		} {
			t.Run(name, func(t *testing.T) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					asked = append(asked, r.Header.Get("Accept-Encoding"))
					w.Header().Set("Content-Encoding", tc.encoding)
					w.Write(tc.body)
				}))
				defer srv.Close()
				c, _ := d24.New(d24.Config{Login: "l", SecretKey: "s", APIURL: srv.URL, CardAPIURL: srv.URL, AllowInsecureHTTP: true},
					d24.WithRetryPolicy(d24.RetryPolicy{MaxAttempts: 1}))
				got, err := c.GetDeposit(context.Background(), 7)
				if tc.want != "" {
					if err == nil || !strings.Contains(err.Error(), tc.want) {
						t.Fatalf("want an error with %q, got %v", tc.want, err)
					}
					return
				}
				if err != nil || got.DepositID != 7 || got.InvoiceID != "inv-7" || got.Status != "COMPLETED" {
					t.Fatalf("%+v %v", got, err)
				}
			})
		}
		for _, a := range asked {
			if a != "" {
				t.Errorf("the default transport asked for Accept-Encoding %q", a)
			}
		}
	})
	t.Run("TLS 1.2 or newer", func(t *testing.T) {
		old := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		old.TLS = &tls.Config{MaxVersion: tls.VersionTLS11, MinVersion: tls.VersionTLS10}
		old.StartTLS()
		defer old.Close()
		tr := d24.DefaultTransport()
		if tr.TLSClientConfig.MinVersion != tls.VersionTLS12 {
			t.Fatalf("default MinVersion %x", tr.TLSClientConfig.MinVersion)
		}
		tr.TLSClientConfig.InsecureSkipVerify = true // the test server's certificate; the version is what is tested
		c, _ := d24.New(d24.Config{Login: "l", SecretKey: "s", APIURL: old.URL, CardAPIURL: old.URL}, d24.WithTransport(tr),
			d24.WithRetryPolicy(d24.RetryPolicy{MaxAttempts: 1}))
		_, err := c.GetDeposit(context.Background(), 1)
		if !errors.Is(err, d24.ErrTLSVersion) {
			t.Errorf("%v", err)
		}
	})
}

// longerThanAnnounced is a transport whose answers are longer than their
// Content-Length says.
type longerThanAnnounced struct{}

func (longerThanAnnounced) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Header: http.Header{}, ContentLength: 5,
		Body: io.NopCloser(strings.NewReader(`{"deposit_id":1}`)), Request: r}, nil
}
