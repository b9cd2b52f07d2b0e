package main

import (
	"fmt"
	"testing"
	"time"
)

// The command's flags set what the sandbox keeps: with -deposit-limit 1 the
// first deposit is forgotten once the second is created, and answers as one
// that never existed (D24's 404, code 208).
func TestCommandKeepsTheNewestDeposits(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t, "-deposit-limit", "1", "-refund-limit", "1", "-idempotency-limit", "1", "-write-timeout", "5s")
	var ids []int64
	for i := range 2 {
		a := send(t, "POST", sb.api+"/v3/deposits", fmt.Sprintf(`{"invoice_id":"limit-%d","amount":100,"country":"BR","currency":"BRL"}`, i), true)
		id, ok := a.json["deposit_id"].(float64)
		if a.status != 200 || !ok {
			t.Fatalf("deposit %d: %d %s", i, a.status, a.raw)
		}
		ids = append(ids, int64(id))
	}
	if a := send(t, "GET", fmt.Sprintf("%s/v3/deposits/%d", sb.api, ids[0]), "", true); a.status != 404 || a.json["code"] != 208.0 {
		t.Errorf("the first deposit, forgotten: %d %s, want 404 code 208", a.status, a.raw)
	}
	if a := send(t, "GET", fmt.Sprintf("%s/v3/deposits/%d", sb.api, ids[1]), "", true); a.status != 200 {
		t.Errorf("the second deposit, kept: %d %s", a.status, a.raw)
	}
	sb.stop(10 * time.Second)
}
