package d24test_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/d24go/d24/d24test"
)

// page is what a browser would get from one of the payer's pages.
type page struct {
	status int
	header http.Header
	body   string
}

// browse sends what a browser sends: GET asking for HTML, or the page's form
// POST from the page itself. Redirects are not followed.
func browse(t *testing.T, method, target string, form url.Values, edit func(http.Header)) page {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	if form != nil {
		u, _ := url.Parse(target)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", u.Scheme+"://"+u.Host)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	if edit != nil {
		edit(req.Header)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func action(a string) url.Values { return url.Values{"action": {a}} }

// merchantSite counts the notifications each deposit gets.
type merchantSite struct {
	*httptest.Server
	mu       sync.Mutex
	notified map[string]int
}

func newMerchantSite(t *testing.T) *merchantSite {
	m := &merchantSite{notified: map[string]int{}}
	m.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		m.mu.Lock()
		m.notified[string(b)]++
		m.mu.Unlock()
	}))
	t.Cleanup(m.Close)
	return m
}

func (m *merchantSite) count(id int64) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.notified[fmt.Sprintf(`{"deposit_id": %d}`, id)]
}

// hostedBody is a HOSTED deposit with the merchant's three URLs.
func hostedBody(invoice, merchant string) string {
	return `{"invoice_id":"` + invoice + `","amount":"150.5","country":"BR","currency":"BRL","payer":{"id":"11","email":"ana@example.com"},` +
		`"notification_url":"` + merchant + `/notify","success_url":"` + merchant + `/paid?order=` + invoice + `",` +
		`"back_url":"` + merchant + `/cart","error_url":"` + merchant + `/failed"}`
}

// The checkout's buttons move a pending deposit to D24's status, notify the
// merchant once and send the payer on to the deposit's URL; once settled, the
// page shows the status and refuses a second action with 409, nobody notified.
func TestCheckoutSettlesAndSendsThePayerOn(t *testing.T) {
	merchant := newMerchantSite(t)
	srv := d24test.NewServer(d24test.WithNotificationClient(merchant.Client()))
	defer srv.Close()
	for _, c := range []struct{ action, status, to string }{
		{"pay", "COMPLETED", "/paid?order=pay"}, {"cancel", "CANCELLED", "/cart"}, {"expire", "EXPIRED", "/failed"},
	} {
		created := do(t, srv, "POST", srv.APIURL+"/v3/deposits", hostedBody(c.action, merchant.URL), nil)
		id := int64(created.json["deposit_id"].(float64))
		redirect, _ := created.json["redirect_url"].(string)
		if !strings.HasPrefix(redirect, fmt.Sprintf("%s/validate/%d/", srv.APIURL, id)) {
			t.Fatalf("redirect_url %q", redirect)
		}
		p := browse(t, "GET", redirect, nil, nil)
		for _, want := range []string{"Pay 150.50 BRL", c.action, `<button type="submit" name="action" value="pay"`, `value="cancel"`, `value="expire"`, "PENDING"} {
			if p.status != 200 || !strings.Contains(p.body, want) {
				t.Fatalf("%s: checkout %d lacks %q:\n%s", c.action, p.status, want, p.body)
			}
		}
		p = browse(t, "POST", redirect, action(c.action), nil)
		if p.status != http.StatusSeeOther || p.header.Get("Location") != merchant.URL+c.to {
			t.Errorf("%s: %d Location %q", c.action, p.status, p.header.Get("Location"))
		}
		if d, _ := srv.Deposit(id); d.Status != c.status {
			t.Errorf("%s: status %s, want %s", c.action, d.Status, c.status)
		}
		if !eventually(func() bool { return merchant.count(id) == 1 }) {
			t.Errorf("%s: notified %d times", c.action, merchant.count(id))
		}

		p = browse(t, "GET", redirect, nil, nil)
		if p.status != 200 || !strings.Contains(p.body, "<h1>Deposit of 150.50 BRL</h1>") || !strings.Contains(p.body, "<strong>"+c.status+"</strong>") || strings.Contains(p.body, "<button") {
			t.Errorf("%s: settled page %d:\n%s", c.action, p.status, p.body)
		}
		for _, again := range []string{"pay", "cancel", "expire"} {
			p = browse(t, "POST", redirect, action(again), nil)
			if p.status != http.StatusConflict || !strings.Contains(p.body, "no longer pending") || strings.Contains(p.body, "<button") {
				t.Errorf("%s then %s: %d %s", c.action, again, p.status, p.body)
			}
		}
		if d, _ := srv.Deposit(id); d.Status != c.status || merchant.count(id) != 1 {
			t.Errorf("%s: a second action changed the deposit to %s or notified again (%d)", c.action, d.Status, merchant.count(id))
		}
	}
}

// A deposit that gave no URL to go on to ends on a result page.
func TestCheckoutWithoutURLsShowsTheResult(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	created := do(t, srv, "POST", srv.APIURL+"/v3/deposits", depositBody, nil)
	redirect, _ := created.json["redirect_url"].(string)
	p := browse(t, "POST", redirect, action("pay"), nil)
	if p.status != 200 || !strings.Contains(p.body, "<h1>Paid</h1>") || !strings.Contains(p.body, "<strong>COMPLETED</strong>") {
		t.Errorf("%d %s", p.status, p.body)
	}
}

// Nothing but the full URL from the deposit's answer opens its page, and only
// the page itself can act on it.
func TestCheckoutRefusals(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	created := do(t, srv, "POST", srv.APIURL+"/v3/deposits", depositBody, nil)
	id := int64(created.json["deposit_id"].(float64))
	redirect, _ := created.json["redirect_url"].(string)
	token := redirect[strings.LastIndex(redirect, "/")+1:]
	card := do(t, srv, "POST", srv.CardAPIURL+"/v3/deposits", cardBody(d24test.DefaultThreeDSCard, "10", "30"), nil)
	cardURL, _ := card.json["authentication_url"].(string)

	for name, target := range map[string]string{
		"no token":            fmt.Sprintf("%s/validate/%d", srv.APIURL, id),
		"another token":       fmt.Sprintf("%s/validate/%d/%s", srv.APIURL, id, strings.Repeat("A", len(token))),
		"another deposit":     fmt.Sprintf("%s/validate/%d/%s", srv.APIURL, id+1, token),
		"unknown deposit":     fmt.Sprintf("%s/v1/checkout/1/%s", srv.APIURL, token),
		"not a number":        fmt.Sprintf("%s/v1/checkout/x/%s", srv.APIURL, token),
		"a card deposit":      strings.Replace(cardURL, srv.CardAPIURL+"/v3/3ds/", srv.APIURL+"/v1/checkout/", 1),
		"on the card host":    strings.Replace(redirect, srv.APIURL, srv.CardAPIURL, 1),
		"the 3DS page's path": strings.Replace(redirect, srv.APIURL+"/validate/", srv.CardAPIURL+"/v3/3ds/", 1),
	} {
		for _, form := range []url.Values{nil, action("pay")} {
			method := map[bool]string{true: "GET", false: "POST"}[form == nil]
			p := browse(t, method, target, form, nil)
			if p.status != 404 || (strings.Contains(p.header.Get("Content-Type"), "html") && !strings.Contains(p.body, "No payment page at this address")) {
				t.Errorf("%s, %s: %d %s", name, method, p.status, p.body)
			}
		}
	}
	for name, edit := range map[string]func(http.Header){
		"a cross-site form":       func(h http.Header) { h.Set("Sec-Fetch-Site", "cross-site") },
		"a same-site form":        func(h http.Header) { h.Set("Sec-Fetch-Site", "same-site") },
		"another origin":          func(h http.Header) { h.Del("Sec-Fetch-Site"); h.Set("Origin", "https://evil.example") },
		"an opaque origin (null)": func(h http.Header) { h.Del("Sec-Fetch-Site"); h.Set("Origin", "null") },
	} {
		if p := browse(t, "POST", redirect, action("pay"), edit); p.status != http.StatusForbidden || !strings.Contains(p.body, "did not come from this page") {
			t.Errorf("%s: %d %s", name, p.status, p.body)
		}
	}
	if p := browse(t, "POST", redirect, action("refund"), nil); p.status != 400 || !strings.Contains(p.body, "Unknown action") {
		t.Errorf("unknown action: %d %s", p.status, p.body)
	}
	for _, method := range []string{"PUT", "DELETE", "PATCH"} {
		if p := browse(t, method, redirect, nil, nil); p.status != 405 || p.header.Get("Allow") != "GET, HEAD, POST" {
			t.Errorf("%s: %d Allow %q", method, p.status, p.header.Get("Allow"))
		}
	}
	if d, _ := srv.Deposit(id); d.Status != "PENDING" {
		t.Errorf("the refused requests changed the deposit to %s", d.Status)
	}
	// A local process holding the URL (curl, a test) may act without a browser's headers.
	if p := browse(t, "POST", redirect, action("pay"), func(h http.Header) { h.Del("Origin"); h.Del("Sec-Fetch-Site") }); p.status != 200 {
		t.Errorf("a form POST from curl: %d %s", p.status, p.body)
	}
}

// Every value a page shows is escaped, and every page forbids scripts, frames
// and loads: a deposit's description and payer name are the merchant's (and
// its customer's) text.
func TestPagesEscapeAndForbidScripts(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	hostile := `<script>alert(1)</script>"'><img src=x onerror=alert(2)>`
	body := `{"invoice_id":"x-1","amount":"10","country":"BR","currency":"BRL","description":` + jsonString(hostile) +
		`,"payer":{"first_name":` + jsonString(hostile) + `,"last_name":"O'Brien"},` +
		`"success_url":"https://shop.example:8443/ok?a=\"'><b>","back_url":"https://evil.example;script-src-elem_*/x","error_url":"https://shop.example:8443/err"}`
	created := do(t, srv, "POST", srv.APIURL+"/v3/deposits", body, nil)
	redirect, _ := created.json["redirect_url"].(string)
	if redirect == "" {
		t.Fatalf("deposit refused: %d %s", created.status, created.raw)
	}
	p := browse(t, "GET", redirect, nil, nil)
	if p.status != 200 || strings.Contains(p.body, "<script") || strings.Contains(p.body, "<img") || strings.Contains(p.body, `"'>`) {
		t.Errorf("a value reached the page unescaped:\n%s", p.body)
	}
	if !strings.Contains(p.body, "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&#39;&gt;&lt;img src=x onerror=alert(2)&gt;") ||
		!strings.Contains(p.body, "O&#39;Brien") {
		t.Errorf("the description or payer is missing, escaped:\n%s", p.body)
	}
	// A merchant URL that cannot stand in a source list as it is (here one
	// trying to write a directive) widens form-action to https: and writes
	// nothing of its own.
	csp := p.header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "style-src 'sha256-", "frame-ancestors 'none'", "base-uri 'none'",
		"form-action 'self' https:"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "script") || strings.Contains(csp, "evil") || !strings.HasSuffix(csp, "https:") {
		t.Errorf("a merchant URL wrote into the Content-Security-Policy: %q", csp)
	}
	// Plain URLs are listed by their origins, once each.
	clean := do(t, srv, "POST", srv.APIURL+"/v3/deposits", `{"invoice_id":"x-2","amount":"10","country":"BR","currency":"BRL",`+
		`"success_url":"https://shop.example:8443/ok","back_url":"https://shop.example:8443/back","error_url":"https://pay.example/err"}`, nil)
	cleanRedirect, _ := clean.json["redirect_url"].(string)
	if csp := browse(t, "GET", cleanRedirect, nil, nil).header.Get("Content-Security-Policy"); !strings.HasSuffix(csp,
		"form-action 'self' https://shop.example:8443 https://pay.example") {
		t.Errorf("Content-Security-Policy %q does not list the deposit's two origins", csp)
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
		"X-Frame-Options": "DENY", "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"} {
		if got := p.header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	for _, want := range []string{`<html lang="en">`, "<main>", "<h1>", "<legend>", ":focus-visible"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	// The same headers on a refusal.
	if p := browse(t, "GET", srv.APIURL+"/v1/checkout/1/x", nil, nil); !strings.HasPrefix(p.header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("404 page: Content-Security-Policy %q", p.header.Get("Content-Security-Policy"))
	}
}

func jsonString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

// A ONE_SHOT deposit's page shows what the payer needs to pay: a Pix
// deposit's reference and copy-and-paste code, each in a labelled field.
func TestOneShotCheckoutShowsTheMetadata(t *testing.T) {
	srv := d24test.NewServer()
	defer srv.Close()
	body := `{"invoice_id":"pix-1","amount":"25","country":"BR","currency":"BRL","payment_method":"IX",` +
		`"payer":{"first_name":"Ana","last_name":"Souza","email":"ana@example.com","document":"84932568207"}}`
	created := do(t, srv, "POST", srv.APIURL+"/v3/deposits", body, nil)
	redirect, _ := created.json["redirect_url"].(string)
	meta := created.json["payment_info"].(map[string]any)["metadata"].(map[string]any)
	p := browse(t, "GET", redirect, nil, nil)
	for _, want := range []string{
		"Pix (IX)", `<label for="code-0">Pix reference</label><input id="code-0" type="text" readonly value="` + strconv.FormatFloat(meta["reference"].(float64), 'f', -1, 64) + `">`,
		`<label for="code-1">Pix copy-and-paste code</label><input id="code-1" type="text" readonly value="` + meta["digitable_line"].(string) + `">`,
		">Mark Pix paid</button>", "Ana Souza",
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the Pix checkout lacks %s:\n%s", want, p.body)
		}
	}
	if !strings.HasPrefix(redirect, srv.APIURL+"/v1/checkout/") {
		t.Errorf("ONE_SHOT redirect_url %q", redirect)
	}

	// A Boleto: its bar code and digitable line, and the Pix D24 offers beside it in Brazil.
	created = do(t, srv, "POST", srv.APIURL+"/v3/deposits", strings.NewReplacer(`"IX"`, `"BL"`, "pix-1", "boleto-1").Replace(body), nil)
	info := created.json["payment_info"].(map[string]any)
	meta, pix := info["metadata"].(map[string]any), info["secondary_metadata"].(map[string]any)
	p = browse(t, "GET", created.json["redirect_url"].(string), nil, nil)
	for _, want := range []string{"Boleto (BL)", ">Mark Boleto paid</button>",
		`>Digitable line</label><input id="code-0" type="text" readonly value="` + meta["digitable_line"].(string) + `">`,
		`>Bar code</label><input id="code-1" type="text" readonly value="` + meta["bar_code"].(string) + `">`,
		`>Pix copy-and-paste code</label><input id="code-3" type="text" readonly value="` + pix["digitable_line"].(string) + `">`,
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the Boleto checkout lacks %s:\n%s", want, p.body)
		}
	}
}

// The 3DS page: a browser sees the challenge (never the card number) and its
// buttons approve (COMPLETED) or fail (DECLINED) the authentication, notifying
// the merchant once; an API client still gets JSON at the same URL.
func TestThreeDSPage(t *testing.T) {
	merchant := newMerchantSite(t)
	srv := d24test.NewServer(d24test.WithNotificationClient(merchant.Client()), d24test.WithNotificationURL(merchant.URL+"/notify"))
	defer srv.Close()
	for i, c := range []struct{ action, status, heading string }{
		{"approve", "COMPLETED", "Authentication approved"}, {"fail", "DECLINED", "Authentication failed"},
	} {
		created := do(t, srv, "POST", srv.CardAPIURL+"/v3/deposits", cardBody(d24test.DefaultThreeDSCard, "10", fmt.Sprint(30+i)), nil)
		id := int64(created.json["deposit_id"].(float64))
		authURL, _ := created.json["authentication_url"].(string)
		p := browse(t, "GET", authURL, nil, nil)
		for _, want := range []string{"Confirm your payment", "505.95 MXN", "ending " + d24test.DefaultThreeDSCard[12:], `value="approve"`, `value="fail"`} {
			if p.status != 200 || !strings.Contains(p.body, want) {
				t.Errorf("3DS page %d lacks %q:\n%s", p.status, want, p.body)
			}
		}
		if strings.Contains(p.body, d24test.DefaultThreeDSCard) || strings.Contains(p.body, d24test.DefaultThreeDSCard[:6]) {
			t.Errorf("the 3DS page shows more of the card than its last four digits")
		}
		p = browse(t, "POST", authURL, action(c.action), nil)
		if p.status != 200 || !strings.Contains(p.body, "<h1>"+c.heading+"</h1>") || !strings.Contains(p.body, "<strong>"+c.status+"</strong>") {
			t.Errorf("%s: %d %s", c.action, p.status, p.body)
		}
		if !eventually(func() bool { return merchant.count(id) == 1 }) {
			t.Errorf("%s: notified %d times", c.action, merchant.count(id))
		}
		p = browse(t, "POST", authURL, action("approve"), nil)
		if p.status != http.StatusConflict || strings.Contains(p.body, "<button") {
			t.Errorf("%s then approve: %d %s", c.action, p.status, p.body)
		}
		if r := do(t, srv, "POST", authURL, "", nil); r.status != 409 {
			t.Errorf("%s then a signed POST: %d %s", c.action, r.status, r.raw)
		}
		if d, _ := srv.Deposit(id); d.Status != c.status || merchant.count(id) != 1 {
			t.Errorf("%s: %s, notified %d times", c.action, d.Status, merchant.count(id))
		}
		if r := do(t, srv, "GET", authURL, "", nil); r.status != 200 || r.json["pending_authentication"] != false {
			t.Errorf("JSON GET: %d %s", r.status, r.raw)
		}
	}
	// A deposit that never waited for 3DS has no challenge to pass.
	declined := do(t, srv, "POST", srv.CardAPIURL+"/v3/deposits", cardBody("4222222222222220", "11", "30"), nil)
	id := int64(declined.json["deposit_id"].(float64))
	if p := browse(t, "GET", fmt.Sprintf("%s/v3/3ds/%d/x", srv.CardAPIURL, id), nil, nil); p.status != 404 {
		t.Errorf("3DS page of a deposit without one: %d", p.status)
	}
}
