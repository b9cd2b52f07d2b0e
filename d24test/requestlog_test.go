package d24test_test

import (
	"fmt"
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
