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

	"github.com/d24go/d24"
	"github.com/d24go/d24/d24test"
	"github.com/d24go/d24/types"
)

func TestRefundsThroughTheClient(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	defer c.CloseIdleConnections()
	ctx := context.Background()
	dep, err := c.CreateCardDeposit(ctx, cardDeposit("rf-1", canaryCard))
	if err != nil {
		t.Fatal(err)
	}
	partial, err := c.CreateRefund(ctx, d24.RefundRequest{DepositID: dep.DepositID, InvoiceID: "rf-1", Amount: d24.Ptr(types.MustParseAmount("50"))})
	if err != nil || partial.RefundInfo.Result != d24.RefundResultSuccess || partial.RefundID == 0 || partial.RefundInfo.Amount.String() != "50" {
		t.Fatalf("card refund: %+v %v", partial, err)
	}
	// A card refund's refund_id comes as a string ("168284"); the ID it
	// decodes into is the one GetRefund takes.
	if st, err := c.GetRefund(ctx, partial.RefundID); err != nil || st.Status != d24.RefundCompleted || st.Amount.String() != "50" {
		t.Errorf("card refund status: %+v %v", st, err)
	}
	_, err = c.CreateRefund(ctx, d24.RefundRequest{DepositID: dep.DepositID, InvoiceID: "rf-1", Amount: d24.Ptr(types.MustParseAmount("60"))})
	if !errors.Is(err, d24.ErrInvalidAmountToRefund) {
		t.Errorf("over-refund: %v", err)
	}
	_, err = c.CreateFullRefund(ctx, d24.RefundRequest{DepositID: dep.DepositID, InvoiceID: "not-mine"})
	if !errors.Is(err, d24.ErrResourceNotFound) {
		t.Errorf("wrong invoice: %v", err)
	}
	_, err = c.CreateFullRefund(ctx, d24.RefundRequest{DepositID: dep.DepositID, InvoiceID: "rf-1", Comments: strings.Repeat("c", 201)})
	var invalid *d24.ValidationError
	if !errors.As(err, &invalid) || invalid.Fields()[0] != "comments" {
		t.Errorf("comments too long: %v", err)
	}

	// A bank-transfer deposit refunds asynchronously to a bank account.
	bt, _ := c.CreateDeposit(ctx, d24.DepositRequest{InvoiceID: "rf-2", Amount: types.MustParseAmount("100"), Country: "BR"})
	_, err = c.CreateFullRefund(ctx, d24.RefundRequest{DepositID: bt.DepositID, InvoiceID: "rf-2"})
	if !errors.Is(err, d24.ErrDepositNotCompleted) {
		t.Errorf("refund of a pending deposit: %v", err)
	}
	if err := srv.SetDepositStatus(bt.DepositID, "COMPLETED"); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateFullRefund(ctx, d24.RefundRequest{DepositID: bt.DepositID, InvoiceID: "rf-2"})
	if !errors.Is(err, d24.ErrMissingBankAccount) {
		t.Errorf("no bank account: %v", err)
	}
	async, err := c.CreateFullRefund(ctx, d24.RefundRequest{DepositID: bt.DepositID, InvoiceID: "rf-2",
		BankAccount: d24.RefundBankAccount{Beneficiary: "Carlos Ramirez", BankCode: "1", Branch: "9283", AccountNumber: "18293435", AccountType: "SAVING"}})
	if err != nil || async.RefundID == 0 {
		t.Fatalf("async refund: %+v %v", async, err)
	}
	st, err := c.GetRefund(ctx, async.RefundID)
	if err != nil || st.Status != d24.RefundPending || st.DepositID != bt.DepositID || st.Amount.String() != "100" {
		t.Errorf("refund status: %+v %v", st, err)
	}
	if _, err := c.GetRefund(ctx, 999); !errors.Is(err, d24.ErrResourceNotFound) {
		t.Errorf("unknown refund: %v", err)
	}
	// A refund whose answer is lost is outcome-unknown, like a deposit.
	dep2, _ := c.CreateCardDeposit(ctx, cardDeposit("rf-3", canaryCard))
	// One drop per attempt: net/http sends nothing again on its own.
	lost := d24test.Fault{Kind: d24test.FaultDropAfterProcessing}
	srv.InjectFaults(lost, lost, lost)
	_, err = c.CreateFullRefund(ctx, d24.RefundRequest{DepositID: dep2.DepositID, InvoiceID: "rf-3"})
	var unknown *d24.OutcomeUnknownError
	if !errors.As(err, &unknown) || unknown.Operation != "createRefund" || unknown.Reference != "rf-3" {
		t.Errorf("lost refund answer: %v", err)
	}
}

func TestRefundNotificationHandler(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	defer c.CloseIdleConnections()
	ctx := context.Background()
	bt, _ := c.CreateDeposit(ctx, d24.DepositRequest{InvoiceID: "rn-1", Amount: types.MustParseAmount("10"), Country: "BR"})
	if err := srv.SetDepositStatus(bt.DepositID, "COMPLETED"); err != nil {
		t.Fatal(err)
	}
	r, err := c.CreateFullRefund(ctx, d24.RefundRequest{DepositID: bt.DepositID, InvoiceID: "rn-1",
		BankAccount: d24.RefundBankAccount{AccountNumber: "1", BankCode: "1", Beneficiary: "A B"}})
	if err != nil {
		t.Fatal(err)
	}
	id := r.RefundID
	if err := srv.SetRefundStatus(id, "COMPLETED"); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []string
	h := c.RefundNotificationHandler(func(ctx context.Context, refundID int64, st *d24.RefundStatus) error {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, string(st.Status))
		if refundID != id {
			t.Errorf("refund id %d", refundID)
		}
		return nil
	})
	for body, want := range map[string]int{`{"refund_id": ` + strconv.FormatInt(r.RefundID, 10) + `}`: 200, `{"deposit_id": 1}`: 400, `{"refund_id": 999}`: 502} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/refunds", strings.NewReader(body)))
		if rec.Code != want {
			t.Errorf("%s: %d, want %d", body, rec.Code, want)
		}
	}
	if len(seen) != 1 || seen[0] != "COMPLETED" {
		t.Errorf("callback saw %v", seen)
	}
}

func TestLookupsThroughTheClient(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	defer c.CloseIdleConnections()
	ctx := context.Background()
	methods, err := c.PaymentMethods(ctx, "BR")
	if err != nil || len(methods) < 5 || methods[0].Code != "BB" || methods[0].Type != "BANK_DEPOSIT" {
		t.Errorf("payment methods: %+v %v", methods, err)
	}
	rate, err := c.ExchangeRate(ctx, "BR", types.MustParseAmount("10"))
	if err != nil || rate.Currency != "BRL" || rate.ConvertedAmount.String() != "53.162" {
		t.Errorf("exchange rate: %+v %v", rate, err)
	}
	one, err := c.ExchangeRate(ctx, "MX", d24.Amount{})
	if err != nil || !one.ConvertedAmount.Equal(one.FxRate) {
		t.Errorf("default amount of 1: %+v %v", one, err)
	}
	crypto, err := c.CryptoExchangeRate(ctx, "BRL", types.MustParseAmount("1000"), "USDT")
	if err != nil || crypto.Fee.Sign() <= 0 || crypto.ConvertedAmount.Sign() <= 0 {
		t.Errorf("crypto: %+v %v", crypto, err)
	}
	states, err := c.States(ctx, "BR")
	if err != nil || len(states) != 27 || states[2].Iso != "AP" || states[2].Name != "Amapá" {
		t.Errorf("states: %d %v", len(states), err)
	}
	banks, err := c.Banks(ctx, "BR")
	if err != nil || banks[0].Code != "1" {
		t.Errorf("banks: %+v %v", banks, err)
	}
	if empty, err := c.Banks(ctx, "AR"); err != nil || len(empty) != 0 {
		t.Errorf("no banks: %+v %v", empty, err)
	}
	var invalid *d24.ValidationError
	if _, err := c.States(ctx, "brazil"); !errors.As(err, &invalid) {
		t.Errorf("bad country: %v", err)
	}
	if _, err := c.ExchangeRate(ctx, "BR", types.MustParseAmount("-1")); !errors.As(err, &invalid) {
		t.Errorf("negative amount: %v", err)
	}
	wrongKey, _ := d24.New(d24.Config{Login: srv.Login, SecretKey: srv.SecretKey, ReadOnlyKey: "not-it", APIURL: srv.APIURL, CardAPIURL: srv.CardAPIURL, AllowInsecureHTTP: true})
	if _, err := wrongKey.Banks(ctx, "BR"); !errors.Is(err, d24.ErrInvalidCredentials) {
		t.Errorf("wrong read-only key: %v", err)
	}
	noKey, _ := d24.New(d24.Config{Login: srv.Login, SecretKey: srv.SecretKey, APIURL: srv.APIURL, CardAPIURL: srv.CardAPIURL, AllowInsecureHTTP: true})
	if _, err := noKey.PaymentMethods(ctx, "BR"); !errors.Is(err, d24.ErrMissingReadOnlyKey) {
		t.Errorf("no read-only key: %v", err)
	}
}

// keySpy records the Authorization, X-Login and X-Date of every request.
type keySpy struct {
	mu   sync.Mutex
	seen []http.Header
	next http.RoundTripper
}

func (k *keySpy) RoundTrip(r *http.Request) (*http.Response, error) {
	k.mu.Lock()
	h := http.Header{}
	for _, name := range []string{"Authorization", "X-Login", "X-Date"} {
		if v, ok := r.Header[name]; ok {
			h[name] = v
		}
	}
	h.Set("Path", r.URL.Path)
	k.seen = append(k.seen, h)
	k.mu.Unlock()
	return k.next.RoundTrip(r)
}

// The read-only key never signs a request, and the secret key never travels
// as a Bearer token: every operation, checked on the wire.
func TestKeysNeverCross(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	spy := &keySpy{next: http.DefaultTransport}
	c := newClient(t, srv, d24.WithTransport(spy))
	ctx := context.Background()
	dep, _ := c.CreateCardDeposit(ctx, cardDeposit("keys-1", canaryCard))
	_, _ = c.GetDeposit(ctx, dep.DepositID)
	_, _ = c.CreateFullRefund(ctx, d24.RefundRequest{DepositID: dep.DepositID, InvoiceID: "keys-1"})
	_, _ = c.CreateDeposit(ctx, d24.DepositRequest{InvoiceID: "keys-2", Amount: types.MustParseAmount("1"), Country: "BR"})
	_, _ = c.PaymentMethods(ctx, "BR")
	_, _ = c.ExchangeRate(ctx, "BR", d24.Amount{})
	_, _ = c.CryptoExchangeRate(ctx, "USD", d24.Amount{}, "USDT")
	_, _ = c.States(ctx, "BR")
	_, _ = c.Banks(ctx, "BR")
	readOnly := map[string]bool{"/v3/payment_methods": true, "/v3/exchange_rates": true, "/v3/exchange_rates/crypto": true, "/v3/states": true, "/v3/banks": true}
	if len(spy.seen) != 9 {
		t.Fatalf("%d requests", len(spy.seen))
	}
	for _, h := range spy.seen {
		auth, path := h.Get("Authorization"), h.Get("Path")
		if strings.Contains(auth, srv.SecretKey) {
			t.Errorf("%s: the secret key travelled", path)
		}
		if readOnly[path] {
			if auth != "Bearer "+srv.ReadOnlyKey || h.Get("X-Login") != "" || h.Get("X-Date") != "" {
				t.Errorf("%s: read-only call sent %v", path, h)
			}
		} else if !strings.HasPrefix(auth, "D24 ") || strings.Contains(auth, srv.ReadOnlyKey) || h.Get("X-Login") != srv.Login {
			t.Errorf("%s: signed call sent %v", path, h)
		}
	}
	if _, err := d24.New(d24.Config{Login: "l", SecretKey: "same", ReadOnlyKey: "same"}); !errors.Is(err, d24.ErrSameKeys) {
		t.Errorf("equal keys: %v", err)
	}
}
