package d24test_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/d24go/d24/d24test"
)

// deposit creates a HOSTED deposit under invoice, keyed when key is not "",
// and returns its answer, which must be a success.
func deposit(t *testing.T, srv *d24test.Server, invoice, key string) reply {
	t.Helper()
	var edit func(http.Header)
	if key != "" {
		edit = func(h http.Header) { h.Set("X-Idempotency-Key", key) }
	}
	r := do(t, srv, "POST", srv.APIURL+"/v3/deposits", strings.Replace(depositBody, `"dep-1"`, `"`+invoice+`"`, 1), edit)
	if r.status != http.StatusOK {
		t.Fatalf("deposit %s: %d %s", invoice, r.status, r.raw)
	}
	return r
}

func depositID(r reply) int64 { id, _ := r.json["deposit_id"].(float64); return int64(id) }

// Beyond Limits.Deposits the oldest deposit is forgotten, and answers
// everywhere as a deposit that never existed: D24's 404 with code 208.
func TestForgottenDepositIsUnknown(t *testing.T) {
	t.Parallel()
	srv := d24test.NewServer(d24test.WithLimits(d24test.Limits{Deposits: 2}))
	defer srv.Close()
	first := deposit(t, srv, "inv-1", "")
	page, _ := first.json["redirect_url"].(string)
	oldest := depositID(first)
	if err := srv.SetDepositStatus(oldest, "COMPLETED"); err != nil {
		t.Fatal(err)
	}
	second, third := depositID(deposit(t, srv, "inv-2", "")), depositID(deposit(t, srv, "inv-3", ""))

	never := do(t, srv, "GET", srv.APIURL+"/v3/deposits/299999999", "", nil)
	if never.status != http.StatusNotFound || never.code() != 208 || never.json["type"] != "RESOURCE_NOT_FOUND" {
		t.Fatalf("a deposit that never existed: %d %s", never.status, never.raw)
	}
	if got := do(t, srv, "GET", srv.APIURL+"/v3/deposits/"+jsonNumber(oldest), "", nil); got.status != never.status || string(got.raw) != string(never.raw) {
		t.Errorf("the forgotten deposit's status: %d %s, want %d %s as for one that never existed", got.status, got.raw, never.status, never.raw)
	}
	refund := do(t, srv, "POST", srv.APIURL+"/v3/refunds", `{"deposit_id":`+jsonNumber(oldest)+`,`+strings.Replace(refundBody, "dep-1", "inv-1", 1), nil)
	if refund.status != http.StatusNotFound || refund.code() != 208 {
		t.Errorf("a refund of the forgotten deposit: %d %s", refund.status, refund.raw)
	}
	control := do(t, srv, "POST", srv.APIURL+"/sandbox/deposits/"+jsonNumber(oldest)+"/status",
		`{"deposit_id":`+jsonNumber(oldest)+`,"status":"EXPIRED"}`, nil)
	if control.status != http.StatusNotFound || control.code() != 208 {
		t.Errorf("the control API on the forgotten deposit: %d %s", control.status, control.raw)
	}
	if err := srv.SetDepositStatus(oldest, "EXPIRED"); err == nil {
		t.Error("SetDepositStatus found the forgotten deposit")
	}
	if p := browse(t, "GET", page, nil, nil); p.status != http.StatusNotFound {
		t.Errorf("the forgotten deposit's page: %d", p.status)
	}
	if _, ok := srv.Deposit(oldest); ok {
		t.Error("Deposit found the forgotten deposit")
	}
	var kept []int64
	for _, d := range srv.Deposits() {
		kept = append(kept, d.ID)
	}
	if !slices.Equal(kept, []int64{second, third}) {
		t.Errorf("Deposits: %v, want the newest two, oldest first: %d, %d", kept, second, third)
	}
	if byInvoice := srv.DepositsByInvoice(); len(byInvoice["inv-1"]) != 0 || len(byInvoice["inv-3"]) != 1 {
		t.Errorf("DepositsByInvoice: %v", byInvoice)
	}
	for _, id := range []int64{second, third} {
		if r := do(t, srv, "GET", srv.APIURL+"/v3/deposits/"+jsonNumber(id), "", nil); r.status != http.StatusOK {
			t.Errorf("a deposit kept: %d %s", r.status, r.raw)
		}
	}
}

// Beyond Limits.Refunds the oldest refund is forgotten: its status is D24's
// 404 with code 208 and SetRefundStatus no longer finds it. What it took from
// its deposit stays taken; a refund cancelled gives its amount back.
func TestForgottenRefundIsUnknown(t *testing.T) {
	t.Parallel()
	srv := d24test.NewServer(d24test.WithLimits(d24test.Limits{Refunds: 1}))
	defer srv.Close()
	id, invoice := completedCardDeposit(t, srv) // 505.95
	refund := func(amount string) reply {
		return do(t, srv, "POST", srv.APIURL+"/v3/refunds", `{"deposit_id":`+jsonNumber(id)+`,"invoice_id":"`+invoice+`","amount":`+amount+`}`, nil)
	}
	refundID := func(r reply) int64 {
		s, _ := r.json["refund_id"].(string) // card refunds give it as a string
		id, err := strconv.ParseInt(s, 10, 64)
		if r.status != http.StatusOK || err != nil {
			t.Fatalf("refund: %d %s", r.status, r.raw)
		}
		return id
	}
	oldest := refundID(refund("100"))
	newest := refundID(refund("100"))
	if r := do(t, srv, "GET", srv.APIURL+"/v3/refunds/"+jsonNumber(oldest), "", nil); r.status != http.StatusNotFound || r.code() != 208 {
		t.Errorf("the forgotten refund's status: %d %s", r.status, r.raw)
	}
	if r := do(t, srv, "GET", srv.APIURL+"/v3/refunds/"+jsonNumber(newest), "", nil); r.status != http.StatusOK {
		t.Errorf("the refund kept: %d %s", r.status, r.raw)
	}
	if got := srv.Refunds(); len(got) != 1 || got[0].ID != newest {
		t.Errorf("Refunds: %+v, want only %d", got, newest)
	}
	if err := srv.SetRefundStatus(oldest, "CANCELLED"); err == nil {
		t.Error("SetRefundStatus found the forgotten refund")
	}
	// 305.95 is left: the forgotten refund's 100 stays taken.
	if r := refund("305.96"); r.code() != 802 {
		t.Errorf("more than is left: %d %s, want 802", r.status, r.raw)
	}
	if err := srv.SetRefundStatus(newest, "CANCELLED"); err != nil {
		t.Fatal(err)
	}
	if r := refund("405.95"); r.status != http.StatusOK {
		t.Errorf("what a cancelled refund gave back: %d %s", r.status, r.raw)
	}
}

// Beyond Limits.IdempotentAnswers the oldest stored answer is forgotten: a request
// repeating its key is served as a new one (a second deposit), while a key
// kept is still replayed, or refused with 104.
func TestForgottenIdempotencyKeyIsServedAsNew(t *testing.T) {
	t.Parallel()
	for _, mode := range []d24test.IdempotencyMode{d24test.ReplayIdenticalRequests, d24test.RejectRepeatedKeys} {
		srv := d24test.NewServer(d24test.WithLimits(d24test.Limits{IdempotentAnswers: 2}), d24test.WithIdempotencyMode(mode))
		defer srv.Close()
		first := depositID(deposit(t, srv, "inv-1", "key-1"))
		deposit(t, srv, "inv-2", "key-2")
		third := deposit(t, srv, "inv-3", "key-3")
		again := do(t, srv, "POST", srv.APIURL+"/v3/deposits", strings.Replace(depositBody, `"dep-1"`, `"inv-3"`, 1),
			func(h http.Header) { h.Set("X-Idempotency-Key", "key-3") })
		switch {
		case mode == d24test.ReplayIdenticalRequests && string(again.raw) != string(third.raw):
			t.Errorf("a kept key repeated: %d %s, want the stored answer %s", again.status, again.raw, third.raw)
		case mode == d24test.RejectRepeatedKeys && again.code() != 104:
			t.Errorf("a kept key repeated: %d %s, want 104", again.status, again.raw)
		}
		if repeat := depositID(deposit(t, srv, "inv-1", "key-1")); repeat == first {
			t.Errorf("mode %d: the forgotten key-1 replayed deposit %d", mode, first)
		}
		if n := len(srv.DepositsByInvoice()["inv-1"]); n != 2 {
			t.Errorf("mode %d: %d deposits under inv-1, want 2: the forgotten key served as new", mode, n)
		}
	}
}
