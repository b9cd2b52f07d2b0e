// Command d24sandbox serves the fake D24 of package d24test, for testing from
// curl or from other languages:
//
//	go run ./d24test/cmd/d24sandbox -api-addr 127.0.0.1:8024 -card-addr 127.0.0.1:8025 -login L -secret S
//
// It prints both base URLs and stops on SIGINT or SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
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
	notify := flag.String("notification-url", "", "URL notified for deposits that give none")
	flag.Parse()
	// Listen for signals before anything is served, so none is missed.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	srv, err := d24test.Start(
		d24test.WithAddresses(*apiAddr, *cardAddr),
		d24test.WithCredentials(*login, *secret),
		d24test.WithReadOnlyKey(*readOnly),
		d24test.WithNotificationURL(*notify),
		d24test.WithNotificationSchedule(1e9), // D24's schedule in seconds instead of minutes
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, "d24sandbox:", err)
		stop()
		os.Exit(1)
	}
	fmt.Printf("D24_API_URL=%s\nD24_CARD_API_URL=%s\n", srv.APIURL, srv.CardAPIURL)

	<-ctx.Done()
	srv.Close()
	fmt.Println("d24sandbox: stopped")
}
