// Command quickstart walks through the main flow of the D24 SDK: a successful
// card deposit, a declined test card, the first deposit's status, a one-shot
// Pix deposit, a validation error caught before anything is sent, Brazil's
// payment methods, and a refund of the first card deposit.
//
//	go run ./examples/quickstart
//
// It runs against an in-process fake D24 with no setup; with D24_LOGIN and
// D24_SECRET_KEY set it talks to D24 staging (or to D24_API_URL and
// D24_CARD_API_URL), and lists payment methods if D24_READ_ONLY_KEY is set too.
// It exits non-zero if a step fails unexpectedly.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/d24go/d24"
	"github.com/d24go/d24/examples/internal/exampleenv"
	"github.com/d24go/d24/types"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	env, err := exampleenv.Open(nil)
	if err != nil {
		return err
	}
	defer env.Close()
	client := env.Client
	fmt.Fprintln(out, "Talking to", env.Where)
	suffix := strconv.FormatInt(time.Now().UnixNano(), 36)

	// 1. A card deposit that succeeds.
	paid, err := client.CreateCardDeposit(ctx, cardDeposit("qs-ok-"+suffix, "4111111111111111"))
	if err != nil {
		return fmt.Errorf("step 1, card deposit: %w", err)
	}
	printCard(out, "1. Card deposit", paid, "4111111111111111")
	if paid.PaymentInfo.Result != d24.CardResultSuccess {
		return fmt.Errorf("step 1: want SUCCESS, got %s", paid.PaymentInfo.Result)
	}

	// 2. D24's test card for insufficient funds: a rejection is a result, not an error.
	declined, err := client.CreateCardDeposit(ctx, cardDeposit("qs-declined-"+suffix, "4444444444444440"))
	if err != nil {
		return fmt.Errorf("step 2, declined card: %w", err)
	}
	printCard(out, "2. Declined card", declined, "4444444444444440")
	if declined.PaymentInfo.Result != d24.CardResultRejected {
		return fmt.Errorf("step 2: want REJECTED, got %s", declined.PaymentInfo.Result)
	}

	// 3. The first deposit's status.
	status, err := client.GetDeposit(ctx, paid.DepositID)
	if err != nil {
		return fmt.Errorf("step 3, status: %w", err)
	}
	fmt.Fprintf(out, "3. Status of deposit %d: %s, %s %s (card %s)\n", status.DepositID, status.Status,
		status.LocalAmount.StringFixed(2), status.Currency, status.CardDetail.MaskedCard)

	// 4. A one-shot Pix deposit on the deposits API: the payment details to show.
	pix, err := client.CreateDeposit(ctx, d24.DepositRequest{
		InvoiceID: "qs-pix-" + suffix, Amount: types.MustParseAmount("11.65"), Country: "BR", Currency: "BRL",
		PaymentMethod: "IX",
		Payer:         d24.Payer{Document: "84932568207", Email: "juan@example.com", FirstName: "Ricardo", LastName: "Carlos"},
	})
	if err != nil {
		return fmt.Errorf("step 4, one-shot deposit: %w", err)
	}
	fmt.Fprintf(out, "4. Deposit %d: %s via %s, %s %s\n", pix.DepositID, pix.CheckoutType,
		pix.PaymentInfo.PaymentMethodName, pix.PaymentInfo.Amount.StringFixed(2), pix.PaymentInfo.Currency)
	keys := make([]string, 0, len(pix.PaymentInfo.Metadata))
	for k := range pix.PaymentInfo.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(out, "     %s: %.60v\n", k, pix.PaymentInfo.Metadata[k])
	}

	// 5. Bad input is refused before anything is sent, naming each field.
	bad := cardDeposit("qs-bad-"+suffix, "4111111111111112") // fails the Luhn check
	bad.Payer.Email = "not-an-email"
	_, err = client.CreateCardDeposit(ctx, bad)
	var invalid *d24.ValidationError
	if !errors.As(err, &invalid) {
		return fmt.Errorf("step 5: want a validation error, got %v", err)
	}
	fmt.Fprintln(out, "5. Refused before sending:")
	for _, v := range invalid.Violations {
		fmt.Fprintf(out, "     %s: %s\n", v.Field, v.Rule)
	}
	// 6. The payment methods enabled in Brazil (read-only key, Bearer).
	methods, err := client.PaymentMethods(ctx, "BR")
	switch {
	case errors.Is(err, d24.ErrMissingReadOnlyKey):
		fmt.Fprintln(out, "6. Payment methods skipped: set D24_READ_ONLY_KEY")
	case err != nil:
		return fmt.Errorf("step 6, payment methods: %w", err)
	default:
		fmt.Fprintf(out, "6. Payment methods in Brazil: %d\n", len(methods))
		for _, m := range methods {
			fmt.Fprintf(out, "     %-3s %-16s %s\n", m.Code, m.Name, m.Type)
		}
	}

	// 7. Refund the whole of the first card deposit (CreateRefund refunds an amount).
	refund, err := client.CreateFullRefund(ctx, d24.RefundRequest{DepositID: paid.DepositID, InvoiceID: paid.MerchantInvoiceID,
		Comments: "quickstart refund"})
	if err != nil {
		return fmt.Errorf("step 7, refund: %w", err)
	}
	fmt.Fprintf(out, "7. Refund %d of deposit %d: %s, %s %s\n", refund.RefundID, paid.DepositID, refund.RefundInfo.Result,
		refund.RefundInfo.Amount.StringFixed(2), refund.RefundInfo.Currency)
	fmt.Fprintln(out, "All steps completed.")
	return nil
}

func cardDeposit(invoice, number string) d24.CardDepositRequest {
	return d24.CardDepositRequest{
		InvoiceID: invoice,
		Amount:    types.MustParseAmount("100.00"),
		Country:   "BR",
		Currency:  "BRL",
		ClientIP:  "203.0.113.7",
		Payer: d24.Payer{Document: "84932568207", DocumentType: "CPF", Email: "john@example.com",
			FirstName: "John", LastName: "Smith"},
		CreditCard: d24.CreditCard{
			CardNumber:      d24.CardNumber(number),
			Cvv:             "123",
			ExpirationMonth: "10",
			ExpirationYear:  strconv.Itoa(time.Now().Year()%100 + 3),
			HolderName:      "JOHN SMITH",
		},
	}
}

func printCard(out io.Writer, step string, d *d24.CardDepositResponse, number string) {
	info := d.PaymentInfo
	fmt.Fprintf(out, "%s %d: %s, %s %s, %s %s\n", step, d.DepositID, info.Result,
		info.Amount.StringFixed(2), info.Currency, info.PaymentMethodName, d24.CardNumber(number))
	if info.Result == d24.CardResultRejected {
		fmt.Fprintf(out, "     reason: %s (%s)\n", info.Reason, info.ReasonCode)
	}
}
