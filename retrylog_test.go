package d24_test

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/d24go/d24"
	"github.com/d24go/d24/d24test"
)

// At debug level the logger gets one record per retry: the attempt retried,
// its status or error kind and the wait, and nothing else (each record is
// matched whole).
func TestRetryLogRecords(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	var logs bytes.Buffer
	c := newClient(t, srv, d24.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	defer c.CloseIdleConnections()
	srv.InjectFaults(d24test.Fault{Kind: d24test.FaultServerError}, d24test.Fault{Kind: d24test.FaultDropAfterProcessing})
	req := cardDeposit("retry-log-1", canaryNumber)
	req.CreditCard.Cvv = canaryCVV
	if _, err := c.CreateCardDeposit(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	var retries []string
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if strings.Contains(line, `"msg":"d24 retry"`) {
			retries = append(retries, line)
		}
	}
	if len(retries) != 2 {
		t.Fatalf("%d retry records, want 2:\n%s", len(retries), logs.String())
	}
	first := regexp.MustCompile(`"level":"DEBUG","msg":"d24 retry","operation":"createCardDeposit","attempt":1,"status":503,"wait":\d+}$`)
	second := regexp.MustCompile(`"level":"DEBUG","msg":"d24 retry","operation":"createCardDeposit","attempt":2,"error_type":"connection_closed","wait":\d+}$`)
	if !first.MatchString(retries[0]) || !second.MatchString(retries[1]) {
		t.Errorf("retry records:\n%s", strings.Join(retries, "\n"))
	}
	out := logs.String()
	for _, leak := range []string{canaryNumber, srv.SecretKey, "Authorization", "X-Idempotency-Key", "payer"} {
		if strings.Contains(out, leak) {
			t.Errorf("the log holds %q:\n%s", leak, out)
		}
	}
}
