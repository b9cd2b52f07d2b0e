package d24_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"runtime"
	"sync"
	"testing"

	"github.com/d24go/d24"
	"github.com/d24go/d24/middleware"
)

// The version the CHANGELOG heads with, the one the User-Agent sends and the
// one the spans' scope carries are d24.Version.
func TestVersionIsOneEverywhere(t *testing.T) {
	changelog, err := os.ReadFile("CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^## \[(\d+\.\d+\.\d+[^\]]*)\]`).FindSubmatch(changelog)
	if m == nil || string(m[1]) != d24.Version {
		t.Errorf("CHANGELOG.md's newest entry is %q, d24.Version is %q", m, d24.Version)
	}

	var mu sync.Mutex
	var agents []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		agents = append(agents, r.Header.Get("User-Agent"))
		mu.Unlock()
		w.Write([]byte(`{"deposit_id":300000001,"invoice_id":"inv-1","status":"PENDING"}`))
	}))
	defer srv.Close()
	rec := newRecorders()
	c, err := d24.New(d24.Config{Login: "l", SecretKey: "s", APIURL: srv.URL, CardAPIURL: srv.URL, AllowInsecureHTTP: true},
		d24.WithUserAgent("acme-checkout/2.4.1"), d24.WithTracing(middleware.WithTracerProvider(rec.tp)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	if _, err := c.GetDeposit(context.Background(), 300000001); err != nil {
		t.Fatal(err)
	}
	if _, err := c.API().GetDepositWithResponse(context.Background(), 300000001); err != nil {
		t.Fatal(err)
	}
	want := "d24-go/" + d24.Version + " (" + runtime.Version() + ") acme-checkout/2.4.1"
	if len(agents) != 2 || agents[0] != want || agents[1] != want {
		t.Errorf("User-Agent on the wire: %q, want %q from the method and the generated client", agents, want)
	}
	spans := rec.spans.Ended()
	if len(spans) == 0 {
		t.Fatal("no spans")
	}
	for _, s := range spans {
		if scope := s.InstrumentationScope(); scope.Version != d24.Version || scope.SchemaURL == "" {
			t.Errorf("span %q: scope %+v, want version %s and a schema URL", s.Name(), scope, d24.Version)
		}
	}
	if _, err := d24.New(d24.Config{Login: "l", SecretKey: "s"}, d24.WithUserAgent("evil\r\nX-Injected: 1")); err == nil {
		t.Error("a product token with CR LF was accepted")
	}
}
