package d24test_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/d24go/d24"
	"github.com/d24go/d24/d24test"
	"github.com/d24go/d24/types"
)

var screenshots = flag.Bool("screenshots", false, "write ../docs/checkout.png and ../docs/threeds.png from the browser test")

// headlessChromium starts Debian's chromium for the test, trusting only the
// merchant's test certificate. Without chromium the test is skipped, unless
// D24_BROWSER_TESTS=1 (set by .ci/run, which installs it) makes that a failure.
func headlessChromium(t *testing.T, merchant *httptest.Server) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("D24_BROWSER_TESTS") == "1" {
			t.Fatal("D24_BROWSER_TESTS=1 but no chromium on PATH: install Debian's chromium package (.ci/run does)")
		}
		t.Skip("no chromium on PATH: the browser tests need Debian's chromium package (apt-get install chromium); " +
			"set D24_BROWSER_TESTS=1 to make its absence a failure")
	}
	spki := sha256.Sum256(merchant.Certificate().RawSubjectPublicKeyInfo)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.WindowSize(720, 900),
		// The merchant's site is https with httptest's certificate: trust
		// that one key, not every certificate error.
		chromedp.Flag("ignore-certificate-errors-spki-list", base64.StdEncoding.EncodeToString(spki[:])),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "en-US"),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // chromium refuses to run its sandbox as root
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	if err := chromedp.Run(browser); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return browser
}

// shop is the merchant: a d24.Client whose NotificationHandler records each
// status it fetched, and the pages D24 sends the payer back to.
type shop struct {
	site     *httptest.Server
	client   *d24.Client
	mu       sync.Mutex
	statuses map[int64][]string
}

func newShop(t *testing.T) (*shop, *d24test.Server) {
	s := &shop{statuses: map[int64][]string{}}
	mux := http.NewServeMux()
	s.site = httptest.NewTLSServer(mux)
	t.Cleanup(s.site.Close)
	srv := d24test.NewServer(d24test.WithNotificationClient(s.site.Client()), d24test.WithNotificationURL(s.site.URL+"/notify"))
	t.Cleanup(func() { srv.Close() })
	var err error
	s.client, err = d24.New(d24.Config{Login: srv.Login, SecretKey: srv.SecretKey, APIURL: srv.APIURL,
		CardAPIURL: srv.CardAPIURL, AllowInsecureHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.client.CloseIdleConnections)
	mux.Handle("POST /notify", s.client.NotificationHandler(func(_ context.Context, st *d24.DepositStatus) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.statuses[st.DepositID] = append(s.statuses[st.DepositID], string(st.Status))
		return nil
	}))
	for path, heading := range map[string]string{"/paid": "Thank you: order paid", "/cart": "Your cart", "/failed": "Payment failed"} {
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `<!doctype html><html lang="en"><title>Shop</title><h1 id="shop">%s</h1>`, heading)
		})
	}
	return s, srv
}

// recorded waits for the merchant's handler to have recorded status for the
// deposit, and reports whether it did.
func (s *shop) recorded(id int64, status string) bool {
	return eventually(func() bool {
		got := s.seen(id)
		return len(got) > 0 && got[len(got)-1] == status
	})
}

// seen is the statuses recorded for a deposit, oldest first.
func (s *shop) seen(id int64) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.statuses[id]...)
}

func (s *shop) deposit(t *testing.T, invoice string, oneShot bool) *d24.DepositResponse {
	t.Helper()
	req := d24.DepositRequest{InvoiceID: invoice, Amount: types.MustParseAmount("150.50"), Country: "BR", Currency: "BRL",
		Description: "Order " + invoice, NotificationURL: s.site.URL + "/notify", SuccessURL: s.site.URL + "/paid?order=" + invoice,
		BackURL: s.site.URL + "/cart", ErrorURL: s.site.URL + "/failed"}
	if oneShot {
		req.PaymentMethod = "IX"
		req.Payer = d24.Payer{FirstName: "Ana", LastName: "Souza", Email: "ana@example.com", Document: "84932568207"}
	}
	dep, err := s.client.CreateDeposit(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return dep
}

func (s *shop) threeDS(t *testing.T, invoice string) *d24.CardDepositResponse {
	t.Helper()
	dep, err := s.client.CreateCardDeposit(context.Background(), d24.CardDepositRequest{
		InvoiceID: invoice, Amount: types.MustParseAmount("505.95"), Country: "MX", Currency: "MXN", ClientIP: "203.0.113.7",
		Payer:      d24.Payer{Document: "84932568207", DocumentType: "CPF", Email: "j@example.com", FirstName: "John", LastName: "Smith"},
		CreditCard: d24.CreditCard{CardNumber: d24test.DefaultThreeDSCard, Cvv: "123", ExpirationMonth: "10", ExpirationYear: "40", HolderName: "JOHN SMITH"},
	})
	if err != nil || dep.PaymentInfo.Result != d24.CardResultPendingAuthentication {
		t.Fatalf("3DS card deposit: %+v %v", dep, err)
	}
	return dep
}

// The payer's whole path in a real browser: redirected to the checkout, pay
// (or cancel, or let it expire), the merchant's handler records the status
// D24 notified, the browser lands on the merchant's page; a ONE_SHOT Pix
// voucher paid the same way; a 3DS challenge approved and failed.
func TestBrowserWalksThePayersPath(t *testing.T) {
	s, srv := newShop(t)
	browser := headlessChromium(t, s.site)

	// run drives one tab, with a deadline so that a broken page fails the test
	// instead of hanging it.
	run := func(t *testing.T, actions ...chromedp.Action) {
		t.Helper()
		tab, cancel := chromedp.NewContext(browser)
		defer cancel()
		tab, cancelTimeout := context.WithTimeout(tab, 10*time.Second)
		defer cancelTimeout()
		if err := chromedp.Run(tab, actions...); err != nil {
			t.Fatal(err)
		}
	}
	var heading, location, focused, outline string

	t.Run("HOSTED pay", func(t *testing.T) {
		dep := s.deposit(t, "web-pay", false)
		var amount, invoice string
		run(t,
			chromedp.Navigate(dep.RedirectURL),
			chromedp.Text("h1", &heading, chromedp.ByQuery),
			chromedp.Text("dl dd:nth-of-type(1)", &amount, chromedp.ByQuery),
			chromedp.Text("dl dd:nth-of-type(2)", &invoice, chromedp.ByQuery),
			chromedp.Click(`button[value="pay"]`, chromedp.ByQuery),
			chromedp.WaitVisible("#shop", chromedp.ByQuery),
			chromedp.Text("#shop", &heading, chromedp.ByQuery),
			chromedp.Location(&location),
		)
		if amount != "150.50 BRL" || invoice != "web-pay" {
			t.Errorf("checkout showed amount %q, invoice %q", amount, invoice)
		}
		if !s.recorded(dep.DepositID, "COMPLETED") {
			t.Errorf("the merchant's handler recorded %v, want COMPLETED", s.seen(dep.DepositID))
		}
		if location != s.site.URL+"/paid?order=web-pay" || heading != "Thank you: order paid" {
			t.Errorf("the browser landed on %s (%q), want the success_url", location, heading)
		}
	})

	t.Run("HOSTED cancel, by keyboard", func(t *testing.T) {
		dep := s.deposit(t, "web-cancel", false)
		run(t,
			chromedp.Navigate(dep.RedirectURL),
			chromedp.WaitVisible(`button[value="cancel"]`, chromedp.ByQuery),
			chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Tab), // pay, then cancel
			chromedp.Evaluate(`document.activeElement.value`, &focused),
			chromedp.Evaluate(`getComputedStyle(document.activeElement).outlineStyle`, &outline),
			chromedp.KeyEvent(kb.Enter),
			chromedp.WaitVisible("#shop", chromedp.ByQuery),
			chromedp.Location(&location),
		)
		if focused != "cancel" || outline != "solid" {
			t.Errorf("two Tabs focused %q with outline %q, want cancel, visibly", focused, outline)
		}
		if !s.recorded(dep.DepositID, "CANCELLED") || location != s.site.URL+"/cart" {
			t.Errorf("recorded %v, landed on %s; want CANCELLED and the back_url", s.seen(dep.DepositID), location)
		}
	})

	t.Run("HOSTED expire", func(t *testing.T) {
		dep := s.deposit(t, "web-expire", false)
		run(t,
			chromedp.Navigate(dep.RedirectURL),
			chromedp.Click(`button[value="expire"]`, chromedp.ByQuery),
			chromedp.WaitVisible("#shop", chromedp.ByQuery),
			chromedp.Location(&location),
		)
		if !s.recorded(dep.DepositID, "EXPIRED") || location != s.site.URL+"/failed" {
			t.Errorf("recorded %v, landed on %s; want EXPIRED and the error_url", s.seen(dep.DepositID), location)
		}
		// Back on the checkout: the final status, no buttons.
		var buttons int
		run(t,
			chromedp.Navigate(dep.RedirectURL),
			chromedp.Text(".status strong", &heading, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelectorAll("button").length`, &buttons),
		)
		if heading != "EXPIRED" || buttons != 0 {
			t.Errorf("the settled checkout shows %q with %d buttons", heading, buttons)
		}
	})

	t.Run("ONE_SHOT Pix voucher", func(t *testing.T) {
		dep := s.deposit(t, "web-pix", true)
		var code string
		run(t,
			chromedp.Navigate(dep.RedirectURL),
			chromedp.Value(`//label[text()="Pix copy-and-paste code"]/following-sibling::input`, &code, chromedp.BySearch),
			chromedp.Click(`button[value="pay"]`, chromedp.ByQuery),
			chromedp.WaitVisible("#shop", chromedp.ByQuery),
			chromedp.Location(&location),
		)
		if want := fmt.Sprint(dep.PaymentInfo.Metadata["digitable_line"]); code != want {
			t.Errorf("the page's Pix code %q, the deposit's %q", code, want)
		}
		if !s.recorded(dep.DepositID, "COMPLETED") || location != s.site.URL+"/paid?order=web-pix" {
			t.Errorf("recorded %v, landed on %s", s.seen(dep.DepositID), location)
		}
	})

	for _, c := range []struct{ action, status, tone string }{{"approve", "COMPLETED", "ok"}, {"fail", "DECLINED", "bad"}} {
		t.Run("3DS "+c.action, func(t *testing.T) {
			dep := s.threeDS(t, "web-3ds-"+c.action)
			var status string
			run(t,
				chromedp.Navigate(dep.AuthenticationURL),
				chromedp.Click(`button[value="`+c.action+`"]`, chromedp.ByQuery),
				chromedp.WaitVisible(".status-"+c.tone, chromedp.ByQuery),
				chromedp.Text(".status strong", &status, chromedp.ByQuery),
			)
			if status != c.status || !s.recorded(dep.DepositID, c.status) {
				t.Errorf("the page shows %q, the merchant recorded %v; want %s", status, s.seen(dep.DepositID), c.status)
			}
			if d, _ := srv.Deposit(dep.DepositID); d.Status != c.status {
				t.Errorf("the sandbox has %s", d.Status)
			}
		})
	}

	if *screenshots {
		writeScreenshots(t, browser)
	}
}

// writeScreenshots renders a fresh sandbox's Pix checkout and 3DS challenge
// at a fixed viewport, so that the committed pictures change only when the
// pages do: go test ./d24test -run TestBrowserWalksThePayersPath -screenshots
func writeScreenshots(t *testing.T, browser context.Context) {
	s, _ := newShop(t)
	shots := map[string]string{
		"../docs/checkout.png": s.deposit(t, "order-1042", true).RedirectURL,
		"../docs/threeds.png":  s.threeDS(t, "order-1043").AuthenticationURL,
	}
	for file, target := range shots {
		var png []byte
		tab, cancel := chromedp.NewContext(browser)
		err := chromedp.Run(tab, chromedp.EmulateViewport(720, 860), chromedp.Navigate(target), chromedp.FullScreenshot(&png, 100))
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d KB)", file, len(png)/1024)
	}
}
