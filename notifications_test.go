package d24_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/d24go/d24"
	"github.com/d24go/d24/d24test"
	"github.com/d24go/d24/types"
)

func TestNotificationHandler(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	dep, err := c.CreateDeposit(context.Background(), d24.DepositRequest{InvoiceID: "n-1", Amount: types.MustParseAmount("10"), Country: "BR"})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.SetDepositStatus(dep.DepositID, "COMPLETED"); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var seen []d24.DepositStatusValue
	fail := false
	h := c.NotificationHandler(func(ctx context.Context, st *d24.DepositStatus) error {
		mu.Lock()
		defer mu.Unlock()
		if fail {
			return errors.New("database down")
		}
		seen = append(seen, st.Status)
		return nil
	})
	send := func(method, body string) int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, "/d24/notify", strings.NewReader(body)))
		return rec.Code
	}
	good := `{"deposit_id": ` + itoa(dep.DepositID) + `}`
	cases := []struct {
		name, method, body string
		want               int
	}{
		{"good", "POST", good, 200},
		{"duplicate delivery", "POST", good, 200},
		{"wrong method", "GET", "", 405},
		{"malformed", "POST", `{"deposit_id":`, 400},
		{"string id", "POST", `{"deposit_id":"300000001"}`, 400},
		{"negative id", "POST", `{"deposit_id":-1}`, 400},
		{"fraction", "POST", `{"deposit_id":1.5}`, 400},
		{"extra field", "POST", `{"deposit_id":1,"status":"COMPLETED"}`, 400},
		{"two objects", "POST", good + good, 400},
		{"oversized", "POST", `{"deposit_id":1` + strings.Repeat(" ", 2048) + `}`, 413},
		{"unknown deposit", "POST", `{"deposit_id":399999999}`, 502},
	}
	for _, c := range cases {
		if got := send(c.method, c.body); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	mu.Lock()
	fail = true
	mu.Unlock()
	if got := send("POST", good); got != 500 {
		t.Errorf("callback failure: %d, want 500 so D24 retries", got)
	}
	if len(seen) != 2 || seen[0] != d24.StatusCompleted || seen[1] != d24.StatusCompleted {
		t.Errorf("callback saw %v, want COMPLETED twice", seen)
	}
}

func TestParseNotification(t *testing.T) {
	if id, err := d24.ParseNotification([]byte(` {"deposit_id": 300000001} `)); err != nil || id != 300000001 {
		t.Errorf("%d %v", id, err)
	}
	if _, err := d24.ParseNotification([]byte(`{}`)); !errors.Is(err, d24.ErrNotANotification) {
		t.Errorf("%v", err)
	}
}

// End to end: the sandbox notifies the handler over HTTPS, the handler fetches
// the status, and a failing callback makes D24 (the sandbox) retry.
func TestNotificationsFromTheSandbox(t *testing.T) {
	got := make(chan d24.DepositStatusValue, 4)
	var c *d24.Client
	attempts := 0
	merchant := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.NotificationHandler(func(ctx context.Context, st *d24.DepositStatus) error {
			attempts++
			if attempts == 1 {
				return errors.New("not yet")
			}
			got <- st.Status
			return nil
		}).ServeHTTP(w, r)
	}))
	defer merchant.Close()
	srv := d24test.NewServer(d24test.WithNotificationClient(merchant.Client()))
	defer srv.Close()
	c = newClient(t, srv)
	dep, err := c.CreateDeposit(context.Background(), d24.DepositRequest{InvoiceID: "n-2", Amount: types.MustParseAmount("10"), Country: "BR", NotificationURL: merchant.URL + "/notify"})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.SetDepositStatus(dep.DepositID, "COMPLETED"); err != nil {
		t.Fatal(err)
	}
	if st := <-got; st != d24.StatusCompleted {
		t.Errorf("status %s", st)
	}
	var n []d24test.Notification
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if n = srv.Notifications(); len(n) == 2 {
			break
		}
	}
	if len(n) != 2 || n[0].Status != 500 || n[1].Status != 200 {
		t.Errorf("deliveries: %+v", n)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
