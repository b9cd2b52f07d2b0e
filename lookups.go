package d24

import (
	"context"
	"fmt"
	"net/http"

	"github.com/d24go/d24/generated/readonly"
)

// The read-only lookups are authenticated with Config.ReadOnlyKey as a Bearer
// token, never with the secret key. Their answers change rarely: cache them
// (D24 suggests refreshing payment methods a few times a day).

// PaymentMethods lists the payment methods enabled for the merchant in country
// (ISO 3166-1 alpha-2); a method's Code is what DepositRequest.PaymentMethod
// takes.
func (c *Client) PaymentMethods(ctx context.Context, country string, opts ...CallOption) ([]PaymentMethod, error) {
	var out []PaymentMethod
	err := c.lookup(ctx, "listPaymentMethods", func(url string) (*http.Request, error) {
		return readonly.NewListPaymentMethodsRequest(url, &readonly.ListPaymentMethodsParams{Country: country})
	}, &out, opts)
	return out, err
}

// ExchangeRate converts amount USD (1 when zero) to country's currency.
func (c *Client) ExchangeRate(ctx context.Context, country string, amount Amount, opts ...CallOption) (*ExchangeRate, error) {
	out := new(ExchangeRate)
	err := c.lookup(ctx, "getExchangeRate", func(url string) (*http.Request, error) {
		return readonly.NewGetExchangeRateRequest(url, &readonly.GetExchangeRateParams{Country: country, Amount: queryAmount(amount)})
	}, out, opts)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CryptoExchangeRate converts amount (1 when zero) of currency (USD or the
// payer's local currency) to the cryptocurrency crypto (for example USDT).
func (c *Client) CryptoExchangeRate(ctx context.Context, currency string, amount Amount, crypto string, opts ...CallOption) (*CryptoExchangeRate, error) {
	out := new(CryptoExchangeRate)
	err := c.lookup(ctx, "getCryptoExchangeRate", func(url string) (*http.Request, error) {
		return readonly.NewGetCryptoExchangeRateRequest(url, &readonly.GetCryptoExchangeRateParams{Currency: currency, Amount: queryAmount(amount), Crypto: crypto})
	}, out, opts)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// States lists country's states; a state's Iso is what Address.State takes.
func (c *Client) States(ctx context.Context, country string, opts ...CallOption) ([]State, error) {
	var out []State
	err := c.lookup(ctx, "listStates", func(url string) (*http.Request, error) {
		return readonly.NewListStatesRequest(url, &readonly.ListStatesParams{Country: country})
	}, &out, opts)
	return out, err
}

// Banks lists country's banks; a bank's Code is what
// RefundBankAccount.BankCode takes.
func (c *Client) Banks(ctx context.Context, country string, opts ...CallOption) ([]Bank, error) {
	var out []Bank
	err := c.lookup(ctx, "listBanks", func(url string) (*http.Request, error) {
		return readonly.NewListBanksRequest(url, &readonly.ListBanksParams{Country: country})
	}, &out, opts)
	return out, err
}

// lookup makes one read-only call through the Bearer chain.
func (c *Client) lookup(ctx context.Context, op string, build func(url string) (*http.Request, error), out any, opts []CallOption) error {
	if err := c.ready(ctx, op); err != nil {
		return err
	}
	if c.readOnlyRT == nil {
		return c.refused(ctx, op, fmt.Errorf("d24: %s needs Config.ReadOnlyKey (D24's read-only API key): %w", op, ErrMissingReadOnlyKey))
	}
	req, err := build(c.apiURL)
	if err != nil {
		return c.refused(ctx, op, fmt.Errorf("d24: %s: %w", op, err))
	}
	return c.call(ctx, call{op: op, rt: c.readOnlyRT, req: req, opts: applyCallOptions(opts)}, out)
}

// queryAmount is an optional amount in a query: left out when zero.
func queryAmount(a Amount) *readonly.QueryAmount {
	if a.IsZero() {
		return nil
	}
	q := readonly.QueryAmount(a.String())
	return &q
}
