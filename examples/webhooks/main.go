// Command webhooks follows a deposit to COMPLETED through D24's notifications:
// an endpoint serves client.NotificationHandler, which fetches the signed
// status for every notification and hands it to your code.
//
//	go run ./examples/webhooks
//
// Against the in-process sandbox (the default) the example plays the payer: it
// completes the deposit after creating it, and the sandbox notifies its HTTPS
// endpoint.
//
// Against a d24sandbox on this machine, the endpoint is plain HTTP on
// D24_LISTEN_ADDR (127.0.0.1:8080 by default), which the sandbox notifies as
// its merchant panel's URL; the example prints where the payer pays and a curl
// command that pays through the sandbox's control API, and waits:
//
//	go run ./d24test/cmd/d24sandbox -api-addr 127.0.0.1:8024 -card-addr 127.0.0.1:8025 -login L -secret S \
//	    -notification-url http://127.0.0.1:8080/d24/notifications -allow-http-notifications
//	D24_API_URL=http://127.0.0.1:8024 D24_CARD_API_URL=http://127.0.0.1:8025 D24_LOGIN=L D24_SECRET_KEY=S \
//	    go run ./examples/webhooks
//
// With D24_LOGIN and D24_SECRET_KEY alone it talks to D24 staging: D24 must
// then reach the endpoint, so set D24_NOTIFICATION_URL to a public HTTPS URL
// that forwards to D24_LISTEN_ADDR (":8080" by default), and pay the deposit on
// the page it prints.
package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/d24go/d24"
	"github.com/d24go/d24/d24test"
	"github.com/d24go/d24/examples/internal/exampleenv"
	"github.com/d24go/d24/types"
)

func main() {
	if err := run(context.Background(), os.Stdout, 10*time.Minute); err != nil {
		fmt.Fprintln(os.Stderr, "webhooks:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, wait time.Duration) error {
	completed := make(chan *d24.DepositStatus, 1)
	onStatus := func(ctx context.Context, st *d24.DepositStatus) error {
		// Your code: record the status. Notifications can repeat, so this must be
		// idempotent (keyed by deposit_id and status).
		fmt.Fprintf(out, "notified: deposit %d is %s\n", st.DepositID, st.Status)
		if st.Status == d24.StatusCompleted {
			select {
			case completed <- st:
			default:
			}
		}
		return nil
	}

	// The merchant's notification endpoint. D24 only notifies HTTPS URLs. The
	// handler is made once, when the client exists, and serves every
	// notification: its bounds under load (one fetch shared by the
	// notifications of a deposit, a cap on fetches, a deadline) belong to it.
	var notifications atomic.Value // http.Handler
	mux := http.NewServeMux()
	mux.Handle("POST /d24/notifications", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, _ := notifications.Load().(http.Handler)
		if h == nil { // still starting: D24 notifies again
			w.Header().Set("Retry-After", "5")
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	}))

	notificationURL := os.Getenv("D24_NOTIFICATION_URL")
	var sandboxOpts []d24test.Option
	local := exampleenv.LocalSandbox()
	switch {
	case os.Getenv("D24_LOGIN") == "":
		endpoint := httptest.NewTLSServer(mux)
		defer endpoint.Close()
		notificationURL = endpoint.URL + "/d24/notifications"
		sandboxOpts = append(sandboxOpts, d24test.WithNotificationClient(endpoint.Client()))
	case notificationURL == "" && !local:
		return fmt.Errorf("set D24_NOTIFICATION_URL to a public HTTPS URL that reaches this program")
	default:
		addr := os.Getenv("D24_LISTEN_ADDR")
		switch {
		case addr != "":
		case local:
			addr = "127.0.0.1:8080" // plain HTTP: this machine only
		default:
			addr = ":8080"
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12}}
		go srv.Serve(ln)
		defer srv.Close()
		if local {
			// The client sends https:// notification URLs only, as D24 takes
			// them: the sandbox notifies its merchant panel's URL instead.
			fmt.Fprintf(out, "listening for notifications at http://%s/d24/notifications (d24sandbox's -notification-url, with -allow-http-notifications)\n", ln.Addr())
			notificationURL = ""
		}
	}

	env, err := exampleenv.Open(sandboxOpts)
	if err != nil {
		return err
	}
	defer env.Close()
	client := env.Client
	notifications.Store(client.NotificationHandler(onStatus))
	fmt.Fprintln(out, "Talking to", env.Where)

	dep, err := client.CreateDeposit(ctx, d24.DepositRequest{
		InvoiceID:       "wh-" + strconv.FormatInt(time.Now().UnixNano(), 36),
		Amount:          types.MustParseAmount("250.00"),
		Country:         "BR",
		Currency:        "BRL",
		Payer:           d24.Payer{Email: "juan@example.com"},
		NotificationURL: notificationURL,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "created deposit %d (%s); the payer pays at %s\n", dep.DepositID, dep.CheckoutType, dep.RedirectURL)

	switch {
	case env.Sandbox != nil:
		// Play the payer: the deposit is paid, and D24 notifies.
		if err := env.Sandbox.SetDepositStatus(dep.DepositID, "COMPLETED"); err != nil {
			return err
		}
	case local:
		fmt.Fprintf(out, "or pay it through the sandbox's control API, from a shell with D24_LOGIN and D24_SECRET_KEY exported:\n  %s\n",
			payCommand(os.Getenv("D24_API_URL"), dep.DepositID))
	}
	select {
	case st := <-completed:
		fmt.Fprintf(out, "deposit %d COMPLETED: %s %s\n", st.DepositID, st.LocalAmount.StringFixed(2), st.Currency)
		return nil
	case <-time.After(wait):
		return fmt.Errorf("no COMPLETED notification within %v", wait)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// payCommand is a shell command that completes a deposit through a
// d24sandbox's control API, signed as D24 signs (X-Date + X-Login + body,
// HMAC-SHA256 with the secret key). It names the credentials by their
// variables: the secret is never printed.
func payCommand(apiURL string, depositID int64) string {
	return fmt.Sprintf(`body='{"deposit_id":%d,"status":"COMPLETED"}' date=$(date -u +%%Y-%%m-%%dT%%H:%%M:%%SZ); `, depositID) +
		`sig=$(printf '%s' "$date$D24_LOGIN$body" | openssl dgst -sha256 -hmac "$D24_SECRET_KEY" | sed 's/^.* //'); ` +
		fmt.Sprintf(`curl -sS --fail-with-body -X POST '%s/sandbox/deposits/%d/status' `, apiURL, depositID) +
		`-H "X-Date: $date" -H "X-Login: $D24_LOGIN" -H "Authorization: D24 $sig" -H 'Content-Type: application/json' --data-binary "$body"`
}
