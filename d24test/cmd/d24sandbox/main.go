// Command d24sandbox serves the fake D24 of package d24test, for testing from
// curl or from other languages:
//
//	go run ./d24test/cmd/d24sandbox -api-addr 127.0.0.1:8024 -card-addr 127.0.0.1:8025 -login L -secret S
//
// Every deposit's redirect_url and every 3DS authentication_url is a page to
// open in a browser, where a person pays, cancels, lets expire, approves or
// fails the deposit (see package d24test).
//
// Tests in any language drive it through its control API, under /sandbox/ on
// the API host, signed like any D24 request with -login and -secret: set a
// deposit's or refund's status (which notifies), list deposits, notifications
// and requests, queue faults for the next requests (see package d24test).
//
// D24 notifies https:// URLs only. To notify a merchant endpoint running on
// this machine without a certificate, -allow-http-notifications accepts
// http:// URLs whose host is 127.0.0.0/8, ::1 or localhost, in -notification-url
// (the merchant panel's URL, for deposits that give none) and in requests:
//
//	go run ./d24test/cmd/d24sandbox -notification-url http://127.0.0.1:8080/d24/notifications -allow-http-notifications
//
// It prints both base URLs and stops on SIGINT or SIGTERM: requests in
// progress get -shutdown-timeout to finish, then their connections are closed,
// so it always exits within that time (a second signal stops it at once).
//
// It is meant to be reachable by other processes, so it bounds what a client
// can make it hold: headers must arrive within -read-header-timeout and a body
// within -body-read-timeout, an idle connection is closed after -idle-timeout,
// an answer the client does not read within -write-timeout is cut off,
// only authenticated requests are logged and only the newest -log-limit of
// them, each body cut to -log-body-limit bytes, and notifications are sent by
// -notification-workers at most. It keeps the newest -deposit-limit deposits,
// -refund-limit refunds and -idempotency-limit answers stored under
// idempotency keys, so that it can run for days: an older deposit or refund is
// answered as an unknown one.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/d24go/d24/d24test"
)

func main() {
	apiAddr := flag.String("api-addr", "127.0.0.1:0", "address of the API host (deposits, status)")
	cardAddr := flag.String("card-addr", "127.0.0.1:0", "address of the card API host (PCI card deposits)")
	login := flag.String("login", d24test.DefaultLogin, "X-Login the sandbox accepts")
	secret := flag.String("secret", d24test.DefaultSecretKey, "secret key the sandbox accepts")
	readOnly := flag.String("read-only-key", d24test.DefaultReadOnlyKey, "read-only key (Bearer) the lookups accept")
	notify := flag.String("notification-url", "", "URL notified for deposits and refunds that give none, as D24's merchant panel's (https://, or http:// on loopback with -allow-http-notifications)")
	loopbackHTTP := flag.Bool("allow-http-notifications", false, "accept http:// notification URLs whose host is 127.0.0.0/8, ::1 or localhost (D24 accepts https:// only)")
	readHeader := flag.Duration("read-header-timeout", d24test.DefaultReadHeaderTimeout, "time a client has to send a request's headers")
	bodyRead := flag.Duration("body-read-timeout", d24test.DefaultBodyReadTimeout, "time a client has to send a request's body")
	idle := flag.Duration("idle-timeout", d24test.DefaultIdleTimeout, "time an idle keep-alive connection stays open")
	write := flag.Duration("write-timeout", d24test.DefaultWriteTimeout, "time the sandbox has to write an answer, from its start (a client that stops reading is cut off)")
	shutdown := flag.Duration("shutdown-timeout", d24test.DefaultShutdownTimeout, "time requests in progress have to finish on SIGINT or SIGTERM")
	logLimit := flag.Int("log-limit", d24test.DefaultLogLimit, "authenticated requests (and notification attempts) kept in memory, the newest")
	logBody := flag.Int("log-body-limit", d24test.DefaultLogBodyLimit, "bytes of a logged request's body kept")
	workers := flag.Int("notification-workers", d24test.DefaultNotificationWorkers, "notifications sent at once")
	queue := flag.Int("notification-queue-limit", d24test.DefaultNotificationQueueLimit, "notifications waiting for delivery or a retry at once")
	deposits := flag.Int("deposit-limit", 10000, "deposits kept, the newest; an older one is answered as unknown (404, code 208)")
	refunds := flag.Int("refund-limit", 10000, "refunds kept, the newest; an older one is answered as unknown (404, code 208)")
	answers := flag.Int("idempotency-limit", 10000, "answers kept under idempotency keys, the newest; a request repeating an older key is served as new")
	flag.Parse()
	// Listen for signals before anything is served, so none is missed.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	opts := []d24test.Option{
		d24test.WithAddresses(*apiAddr, *cardAddr),
		d24test.WithCredentials(*login, *secret),
		d24test.WithReadOnlyKey(*readOnly),
		d24test.WithNotificationURL(*notify),
		d24test.WithNotificationSchedule(1e9), // D24's schedule in seconds instead of minutes
		d24test.WithReadHeaderTimeout(*readHeader),
		d24test.WithBodyReadTimeout(*bodyRead),
		d24test.WithIdleTimeout(*idle),
		d24test.WithWriteTimeout(*write),
		d24test.WithShutdownTimeout(*shutdown),
		d24test.WithLogLimit(*logLimit),
		d24test.WithLogBodyLimit(*logBody),
		d24test.WithNotificationWorkers(*workers),
		d24test.WithNotificationQueueLimit(*queue),
		d24test.WithLimits(d24test.Limits{Deposits: *deposits, Refunds: *refunds, IdempotentAnswers: *answers}),
	}
	if *loopbackHTTP {
		opts = append(opts, d24test.WithLoopbackHTTPNotifications())
	}
	srv, err := d24test.Start(opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "d24sandbox:", err)
		stop()
		os.Exit(1)
	}
	fmt.Printf("D24_API_URL=%s\nD24_CARD_API_URL=%s\n", srv.APIURL, srv.CardAPIURL)
	if *secret == d24test.DefaultSecretKey && !(onLoopback(*apiAddr) && onLoopback(*cardAddr)) {
		// The default key is in this repository: anyone who reaches the
		// sandbox can sign with it, the control API included.
		fmt.Fprintln(os.Stderr, "d24sandbox: warning: listening beyond loopback with the default secret key; give -secret a key of your own")
	}

	<-ctx.Done()
	stop() // a second signal now ends the process at once
	grace, cancel := context.WithTimeout(context.Background(), *shutdown)
	defer cancel()
	if err := srv.Shutdown(grace); err != nil {
		fmt.Printf("d24sandbox: closed connections still in progress after %v\n", *shutdown)
	}
	fmt.Printf("d24sandbox: stopped, requests in the log: %d\n", len(srv.Requests()))
}

// onLoopback reports whether a listen address is on loopback only.
func onLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
