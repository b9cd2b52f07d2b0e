// Command tracing prints the OpenTelemetry spans of a card deposit with a
// stdout exporter: the call span, its attempt spans, and an attempt retried
// after a 503 (injected by the in-process sandbox).
//
//	go run ./examples/tracing
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/d24go/d24"
	"github.com/d24go/d24/d24test"
	"github.com/d24go/d24/examples/internal/exampleenv"
	"github.com/d24go/d24/middleware"
	"github.com/d24go/d24/types"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "tracing:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	exporter, err := stdouttrace.New(stdouttrace.WithWriter(out), stdouttrace.WithPrettyPrint())
	if err != nil {
		return err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	defer tp.Shutdown(ctx)

	env, err := exampleenv.Open(nil, d24.WithTracing(middleware.WithTracerProvider(tp)),
		d24.WithRetryPolicy(d24.RetryPolicy{BaseDelay: 100 * time.Millisecond}))
	if err != nil {
		return err
	}
	defer env.Close()
	if env.Sandbox != nil {
		// The first attempt meets a 503; the retry succeeds under the same key.
		env.Sandbox.InjectFaults(d24test.Fault{Kind: d24test.FaultServerError})
	}
	fmt.Fprintln(out, "Talking to", env.Where)

	dep, err := env.Client.CreateCardDeposit(ctx, d24.CardDepositRequest{
		InvoiceID: "tr-" + strconv.FormatInt(time.Now().UnixNano(), 36),
		Amount:    types.MustParseAmount("42.00"), Country: "BR", Currency: "BRL", ClientIP: "203.0.113.7",
		Payer: d24.Payer{Document: "84932568207", DocumentType: "CPF", Email: "john@example.com", FirstName: "John", LastName: "Smith"},
		CreditCard: d24.CreditCard{CardNumber: "4111111111111111", Cvv: "123", ExpirationMonth: "10",
			ExpirationYear: strconv.Itoa(time.Now().Year()%100 + 3), HolderName: "JOHN SMITH"},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "deposit %d: %s (spans above: one call span, its attempt spans, the second with http.request.resend_count=1)\n",
		dep.DepositID, dep.PaymentInfo.Result)
	return nil
}
