package d24test_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/d24go/d24/d24test"
)

func TestNotificationsDeliveredAndRetried(t *testing.T) {
	var calls atomic.Int32
	bodies := make(chan string, 10)
	// D24 only notifies HTTPS URLs, so the merchant's endpoint is TLS here too.
	merchant := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies <- string(b)
		if calls.Add(1) == 1 {
			w.WriteHeader(500)
			return
		}
		w.WriteHeader(200)
	}))
	defer merchant.Close()
	srv := d24test.NewServer(d24test.WithNotificationClient(merchant.Client()))
	defer srv.Close()
	created := do(t, srv, "POST", srv.APIURL+"/v3/deposits", strings.Replace(depositBody, "https://127.0.0.1:9/notify", merchant.URL, 1), nil)
	id := int64(created.json["deposit_id"].(float64))

	if err := srv.SetDepositStatus(id, "COMPLETED"); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(5 * time.Second)
	for len(srv.Notifications()) < 2 {
		select {
		case <-deadline:
			t.Fatalf("notifications: %+v", srv.Notifications())
		case <-time.After(5 * time.Millisecond):
		}
	}
	n := srv.Notifications()
	if n[0].Status != 500 || n[1].Status != 200 || n[1].Attempt != 1 || !n[1].At.After(n[0].At) {
		t.Errorf("deliveries: %+v", n)
	}
	var got struct {
		DepositID int64 `json:"deposit_id"`
	}
	if err := json.Unmarshal([]byte(<-bodies), &got); err != nil || got.DepositID != id {
		t.Errorf("notification body: %+v %v", got, err)
	}
	st := do(t, srv, "GET", srv.APIURL+"/v3/deposits/"+jsonNumber(id), "", nil)
	if st.json["status"] != "COMPLETED" {
		t.Errorf("status after SetDepositStatus COMPLETED: %s", st.raw)
	}
	for _, status := range []string{"EXPIRED", "CANCELLED", "DECLINED"} {
		if err := srv.SetDepositStatus(id, status); err != nil {
			t.Fatal(err)
		}
		if d, _ := srv.Deposit(id); d.Status != status {
			t.Errorf("status %s, want %s", d.Status, status)
		}
	}
	if err := srv.SetDepositStatus(1, "COMPLETED"); err == nil {
		t.Error("changing an unknown deposit succeeded")
	}
}
