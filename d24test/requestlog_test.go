package d24test_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/d24go/d24/d24test"
)

// The request log keeps the newest WithLogLimit requests, oldest first.
func TestRequestLogKeepsTheNewest(t *testing.T) {
	const limit, sent = 3, 7
	srv := d24test.NewServer(d24test.WithLogLimit(limit))
	defer srv.Close()
	for i := 1; i <= sent; i++ {
		do(t, srv, "GET", fmt.Sprintf("%s/v3/deposits/%d", srv.APIURL, i), "", nil)
	}
	var paths []string
	for _, r := range srv.Requests() {
		paths = append(paths, r.Path)
	}
	if got, want := strings.Join(paths, " "), "/v3/deposits/5 /v3/deposits/6 /v3/deposits/7"; got != want {
		t.Errorf("kept %q, want %q", got, want)
	}

	none := d24test.NewServer(d24test.WithLogLimit(0))
	defer none.Close()
	do(t, none, "GET", none.APIURL+"/v3/deposits/1", "", nil)
	if n := len(none.Requests()); n != 0 {
		t.Errorf("WithLogLimit(0) kept %d requests", n)
	}
}

// Only authenticated requests are recorded: refused ones leave no trace, and
// do not use up an injected fault.
func TestRequestLogHoldsOnlyAuthenticatedRequests(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	srv.InjectFaults(d24test.Fault{Kind: d24test.FaultServerError})
	refused := []struct {
		name        string
		method, url string
		edit        func(http.Header)
		status      int
		body        string
		allow       string
	}{
		{"no credentials", "POST", srv.APIURL + "/v3/deposits", func(h http.Header) { h.Del("Authorization") }, 400, depositBody, ""},
		{"wrong signature", "POST", srv.APIURL + "/v3/deposits", func(h http.Header) { h.Set("Authorization", "D24 00") }, 400, depositBody, ""},
		{"unknown path", "POST", srv.APIURL + "/v3/anything", nil, 404, depositBody, ""},
		{"wrong method", "DELETE", srv.APIURL + "/v3/deposits", nil, 405, "", "POST"},
		{"lookup without its key", "GET", srv.APIURL + "/v3/banks?country=BR", nil, 401, "", ""},
	}
	for _, c := range refused {
		r := do(t, srv, c.method, c.url, c.body, c.edit)
		if r.status != c.status || r.header.Get("Allow") != c.allow {
			t.Errorf("%s: %d Allow %q %s", c.name, r.status, r.header.Get("Allow"), r.raw)
		}
	}
	if reqs := srv.Requests(); len(reqs) != 0 {
		t.Errorf("refused requests were recorded: %+v", reqs)
	}
	if r := do(t, srv, "GET", srv.APIURL+"/v3/deposits/1", "", nil); r.status != 503 {
		t.Errorf("the first authenticated request should take the injected fault: %d %s", r.status, r.raw)
	}
	if reqs := srv.Requests(); len(reqs) != 1 || reqs[0].Fault != "server_error" || reqs[0].Status != 503 {
		t.Errorf("recorded %+v", reqs)
	}
}

// A recorded body is redacted first, then cut to WithLogBodyLimit bytes.
func TestRequestLogBodyIsRedactedAndCut(t *testing.T) {
	const limit = 64
	srv := d24test.NewServer(d24test.WithLogBodyLimit(limit))
	defer srv.Close()
	// card_number comes first in the recorded JSON (its keys are sorted), so
	// the cut keeps its masked form.
	body := strings.Replace(cardBody("4111111111111111", "10", "30"), `"invoice_id"`, `"a_card_number_first":{"card_number":"4111111111111111","cvv":"123"},"invoice_id"`, 1)
	do(t, srv, "POST", srv.CardAPIURL+"/v3/deposits", body, nil)
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests recorded", len(reqs))
	}
	got := reqs[0].Body
	kept, rest, cut := strings.Cut(got, "…(")
	if !cut || len(kept) > limit || !strings.HasSuffix(rest, " more bytes)") {
		t.Errorf("body not cut to %d bytes: %q", limit, got)
	}
	if !strings.Contains(got, "411111******1111") || strings.Contains(got, "4111111111111111") || strings.Contains(got, "123") {
		t.Errorf("body not redacted before the cut: %q", got)
	}
}

// A card number sent as a JSON number, or as anything else, is redacted too.
func TestRequestLogRedactsCardNumbersOfAnyType(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	for _, number := range []string{`4111111111111111`, `{"pan":"4111111111111111"}`, `["4111111111111111"]`} {
		body := strings.Replace(cardBody("4111111111111111", "10", "30"), `"4111111111111111"`, number, 1)
		body = strings.Replace(body, `"cvv":"123"`, `"cvv":123`, 1)
		do(t, srv, "POST", srv.CardAPIURL+"/v3/deposits", body, nil)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests recorded", len(reqs))
	}
	for _, r := range reqs {
		if strings.Contains(r.Body, "4111111111111111") || strings.Contains(r.Body, "123") {
			t.Errorf("card data in the log: %s", r.Body)
		}
	}
}
