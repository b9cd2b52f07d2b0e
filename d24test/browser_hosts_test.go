package d24test_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/d24go/d24"
	"github.com/d24go/d24/types"
)

// In a real browser: a deposit whose success_url is on https://shop_web:PORT
// (mapped to the merchant's loopback server, as Docker Compose's DNS would),
// paid on the checkout. The deposit is paid and notified, but chromium
// refuses the 303 to the success_url (form-action 'self'), so the payer never
// reaches the merchant's page.
func TestBrowserReachesUnderscoreSuccessURL(t *testing.T) {
	s, _ := newShop(t)
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("no chromium")
	}
	u, _ := url.Parse(s.site.URL)
	spki := sha256.Sum256(s.site.Certificate().RawSubjectPublicKeyInfo)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path),
		chromedp.Flag("ignore-certificate-errors-spki-list", base64.StdEncoding.EncodeToString(spki[:])),
		chromedp.Flag("host-resolver-rules", "MAP shop_web 127.0.0.1"),
		chromedp.Flag("disable-dev-shm-usage", true))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	ctx, cancel := context.WithTimeout(browser, 30*time.Second)
	defer cancel()

	site := "https://shop_web:" + u.Port()
	dep, err := s.client.CreateDeposit(context.Background(), d24.DepositRequest{InvoiceID: "underscore", Amount: types.MustParseAmount("10"),
		Country: "BR", Currency: "BRL", NotificationURL: s.site.URL + "/notify", SuccessURL: site + "/paid", BackURL: site + "/cart", ErrorURL: site + "/failed"})
	if err != nil {
		t.Fatal(err)
	}
	var location string
	err = chromedp.Run(ctx,
		chromedp.Navigate(dep.RedirectURL),
		chromedp.Click(`button[value="pay"]`, chromedp.ByQuery),
		chromedp.Sleep(3*time.Second),
		chromedp.Location(&location),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !s.recorded(dep.DepositID, "COMPLETED") {
		t.Fatalf("not paid: %v", s.seen(dep.DepositID))
	}
	if !strings.HasPrefix(location, site+"/paid") {
		t.Errorf("paid, but the browser is at %q, not the success_url %s/paid: the CSP's form-action blocked the 303", location, site)
	}
}
