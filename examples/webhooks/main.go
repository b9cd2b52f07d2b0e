// Command webhooks follows a deposit to COMPLETED through D24's notifications:
// an HTTPS endpoint serves client.NotificationHandler, which fetches the signed
// status for every notification and hands it to your code.
//
//	go run ./examples/webhooks
//
// Against the in-process sandbox (the default) the example plays the payer: it
// completes the deposit after creating it, and the sandbox notifies the
// endpoint. With D24_LOGIN and D24_SECRET_KEY set it talks to D24 staging:
// D24 must then reach the endpoint, so set D24_NOTIFICATION_URL to a public
// HTTPS URL that forwards to D24_LISTEN_ADDR (":8080" by default), and pay the
// deposit on the page it prints.
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
	if os.Getenv("D24_LOGIN") == "" {
		endpoint := httptest.NewTLSServer(mux)
		defer endpoint.Close()
		notificationURL = endpoint.URL + "/d24/notifications"
		sandboxOpts = append(sandboxOpts, d24test.WithNotificationClient(endpoint.Client()))
	} else {
		if notificationURL == "" {
			return fmt.Errorf("set D24_NOTIFICATION_URL to a public HTTPS URL that reaches this program")
		}
		addr := os.Getenv("D24_LISTEN_ADDR")
		if addr == "" {
			addr = ":8080"
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12}}
		go srv.Serve(ln)
		defer srv.Close()
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
		Amount:          d24.MustParseAmount("250.00"),
		Country:         "BR",
		Currency:        "BRL",
		Payer:           d24.Payer{Email: "juan@example.com"},
		NotificationURL: notificationURL,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "created deposit %d (%s); the payer pays at %s\n", dep.DepositID, dep.CheckoutType, dep.RedirectURL)

	if env.Sandbox != nil {
		// Play the payer: the deposit is paid, and D24 notifies.
		if err := env.Sandbox.CompleteDeposit(dep.DepositID); err != nil {
			return err
		}
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
