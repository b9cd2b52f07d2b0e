package d24test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The payer's pages: the checkout at a deposit's redirect_url (checkout.go)
// and the 3DS challenge at a card deposit's authentication_url (threeds.go).
// They share one layout, one inline style sheet and one set of security
// headers. The payer holds no merchant credentials, so the forms are not
// signed: what lets a request act on a deposit is the deposit's page token, an
// unguessable part of the URL D24 handed to the merchant, and a browser's
// request must come from the page itself (no cross-site POST).

// pageStyle is the one style sheet, inline so that the pages load nothing;
// the Content-Security-Policy admits it by its hash.
const pageStyle = `
:root{color-scheme:light;--ink:#1b1f24;--muted:#4a5360;--line:#c9d1da;--bg:#f4f6f8;--card:#fff;--brand:#0b4f9c;--ok:#0d6b2f;--bad:#a4161a;--wait:#7a4b00;--focus:#ffbf47}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
.bar{display:flex;justify-content:space-between;flex-wrap:wrap;gap:.5rem;padding:.75rem 1.25rem;background:var(--brand);color:#fff}
.bar p{margin:0}.brand{font-weight:700;letter-spacing:.02em}
main{max-width:36rem;margin:1.5rem auto;padding:1.5rem;background:var(--card);border:1px solid var(--line);border-radius:.5rem}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 .5rem}
.lead{color:var(--muted);margin:0 0 1rem}
.status{margin:0 0 1rem;padding:.5rem .75rem;border-left:.3rem solid var(--wait);background:#fff8e6}
.status-ok{border-color:var(--ok);background:#eaf6ee}.status-bad{border-color:var(--bad);background:#fdecec}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0 0 1rem}
dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}
.code{margin:0 0 .75rem}.code label{display:block;color:var(--muted)}
.code input{width:100%;padding:.4rem .5rem;font:14px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:var(--ink);background:var(--bg);border:1px solid var(--line);border-radius:.25rem}
fieldset{border:1px solid var(--line);border-radius:.5rem;margin:1rem 0 0;padding:.75rem 1rem 1rem}
legend{padding:0 .25rem;font-weight:600}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:.5rem}
button{font:inherit;font-weight:600;padding:.55rem 1.1rem;border-radius:.35rem;border:2px solid var(--brand);background:#fff;color:var(--brand);cursor:pointer}
button.primary{background:var(--brand);color:#fff}
button.danger{border-color:var(--bad);color:var(--bad)}
button:hover{text-decoration:underline}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px;box-shadow:0 0 0 5px var(--ink)}
.note{color:var(--muted);font-size:.9rem;margin:1rem 0 0}
`

// pageCSP is the pages' Content-Security-Policy, less form-action (which
// names the merchant's origins the checkout may send the payer on to):
// nothing loads, nothing runs, nothing frames the page.
var pageCSP = func() string {
	sum := sha256.Sum256([]byte(pageStyle))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; " +
		"frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
}()

var pageLayout = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{.Title}} · D24 sandbox</title>
<style>` + pageStyle + `</style>
</head>
<body>
<header class="bar"><p class="brand">D24 sandbox</p><p>Test environment: no money moves</p></header>
<main>
<h1>{{.Heading}}</h1>
{{with .Lead}}<p class="lead">{{.}}</p>
{{end}}{{with .Status}}<p class="status status-{{.Tone}}" role="status">Status: <strong>{{.Text}}</strong></p>
{{end}}{{if .Facts}}<dl>
{{range .Facts}}<dt>{{.Term}}</dt><dd>{{.Value}}</dd>
{{end}}</dl>
{{end}}{{range $i, $c := .Codes}}<p class="code"><label for="code-{{$i}}">{{$c.Term}}</label><input id="code-{{$i}}" type="text" readonly value="{{$c.Value}}"></p>
{{end}}{{if .Actions}}<form method="post" action="{{.FormAction}}">
<fieldset><legend>{{.Legend}}</legend>
<div class="actions">{{range .Actions}}<button type="submit" name="action" value="{{.Value}}" class="{{.Class}}">{{.Label}}</button>{{end}}</div>
</fieldset>
</form>
{{end}}{{with .Note}}<p class="note">{{.}}</p>
{{end}}</main>
</body>
</html>
`))

// page is what the layout shows. Every value goes through html/template.
type page struct {
	Title, Heading, Lead string
	Status               *pageStatus
	Facts                []fact
	Codes                []fact // copyable values: a labelled read-only field each
	FormAction, Legend   string
	Actions              []pageAction
	Note                 string
	// formOrigins are the origins, besides the sandbox's own, that a form
	// on the page may end up at (the merchant's success_url and so on).
	formOrigins []string
}

type pageStatus struct{ Text, Tone string }

type fact struct{ Term, Value string }

type pageAction struct{ Value, Label, Class string }

// statusOf shows a deposit's status, toned as the payer would read it.
func statusOf(status string) *pageStatus {
	tone := "wait"
	switch status {
	case "COMPLETED", "APPROVED", "EARLY_RELEASED":
		tone = "ok"
	case "CANCELLED", "EXPIRED", "DECLINED":
		tone = "bad"
	}
	return &pageStatus{Text: status, Tone: tone}
}

// writePage answers with a page and the pages' security headers.
func writePage(w http.ResponseWriter, status int, p page) {
	var b bytes.Buffer
	if err := pageLayout.Execute(&b, p); err != nil {
		http.Error(w, "d24test: rendering a page failed", http.StatusInternalServerError)
		return
	}
	setPageHeaders(w.Header(), p.formOrigins)
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// setPageHeaders sets what every page and every redirect from a page carries.
// Referrer-Policy is same-origin rather than no-referrer: no page URL (which
// holds the deposit's page token) leaves the sandbox, while a form's POST
// still carries its real Origin (no-referrer would make it "null").
func setPageHeaders(h http.Header, formOrigins []string) {
	csp := pageCSP
	for _, o := range formOrigins {
		csp += " " + o
	}
	h.Set("Content-Security-Policy", csp)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
}

// safeOrigin matches an origin that can stand in a CSP source list as it is.
var safeOrigin = regexp.MustCompile(`^https://[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^https://\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$`)

// originsOf returns the distinct https origins of urls, for form-action. An
// origin that cannot stand in a source list as it is (a host with "_", or
// not ASCII, which the sandbox accepts as D24's pattern does) widens the list
// to any https origin, so that the payer is never stranded on a paid page:
// the 303 goes only to the deposit's own URLs whatever the list says.
func originsOf(urls ...string) []string {
	var out []string
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			continue
		}
		o := "https://" + strings.ToLower(u.Host)
		if !safeOrigin.MatchString(o) {
			return []string{"https:"}
		}
		if !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return out
}

// newPageToken is a deposit's page token: 130 random bits.
func newPageToken() string { return rand.Text() }

// pageRef is what a page URL names after its prefix: "{id}/{token}".
type pageRef struct {
	id    int64
	token string
}

func parsePageRef(rest string) (pageRef, bool) {
	idText, token, _ := strings.Cut(rest, "/")
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 || token == "" || strings.Contains(token, "/") {
		return pageRef{}, false
	}
	return pageRef{id: id, token: token}, true
}

// opens tells whether ref's token is d's (in constant time).
func (ref pageRef) opens(d *Deposit) bool {
	return d.pageToken != "" && subtle.ConstantTimeCompare([]byte(ref.token), []byte(d.pageToken)) == 1
}

// pageDeposit returns a copy of the deposit ref names when its token opens it.
func (s *Server) pageDeposit(ref pageRef) (Deposit, bool) {
	d, ok := s.store.get(ref.id)
	if !ok || !ref.opens(&d) {
		return Deposit{}, false
	}
	return d, true
}

// payerFlow is one of the payer's pages: which deposits it is for, how it
// shows one, and what its buttons do.
type payerFlow struct {
	card       bool                               // card deposits (3DS) or the deposits API's
	pending    func(*Deposit) bool                // whether the buttons still act
	view       func(d *Deposit, self string) page // the page, with buttons while pending
	outcomes   map[string]pageOutcome             // by the button's value
	buttons    string                             // the buttons, for a refusal
	notPending string                             // the heading of a 409
	doneLead   string                             // the result page's sentence
}

// pageOutcome is what a button does: the status it gives, the result page's
// heading, and the deposit's URL the payer goes on to (nil or "": the result
// page).
type pageOutcome struct {
	status, done string
	to           func(*Deposit) string
}

// servePayerPage answers a request to one of the payer's pages; rest is
// "{id}/{token}". GET shows the deposit; a form POST acts on it once.
func (s *Server) servePayerPage(w http.ResponseWriter, r *http.Request, rest string, f *payerFlow) {
	ref, ok := parsePageRef(rest)
	var d Deposit
	if ok {
		d, ok = s.pageDeposit(ref)
	}
	switch {
	case !ok || d.Card != f.card:
		notFoundPage(w, r)
		return
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		closeUnread(w, r) // a page's GET reads no body: one sent is not waited for
		writePage(w, http.StatusOK, f.view(&d, r.URL.Path))
		return
	case r.Method != http.MethodPost:
		methodNotAllowedPage(w, r, "GET, HEAD, POST")
		return
	}
	form, ok := s.readForm(w, r)
	if !ok {
		return
	}
	out, ok := f.outcomes[form.Get("action")]
	if !ok {
		writePage(w, http.StatusBadRequest, messagePage("Bad request", "Unknown action",
			"Use one of the page's buttons: "+f.buttons+". Nothing changed."))
		return
	}
	after, changed := s.settle(ref, f.pending, out.status)
	var to string
	if changed && out.to != nil {
		to = out.to(&after)
	}
	switch {
	case !changed:
		p := f.view(&after, r.URL.Path)
		p.Title, p.Heading, p.Note = "Not pending", f.notPending, "Nothing changed and nobody was notified again."
		writePage(w, http.StatusConflict, p)
	case to != "":
		redirectFromPage(w, to)
	default:
		writePage(w, http.StatusOK, resultPage(&after, out.done, f.doneLead))
	}
}

// settle moves the deposit ref names from a status that can take the payer's
// action (can) to status, under the store's lock, and notifies the merchant
// as SetDepositStatus does. It returns the deposit as it is after, and whether
// it changed it: a deposit already settled is left alone and nobody is
// notified again.
func (s *Server) settle(ref pageRef, can func(*Deposit) bool, status string) (Deposit, bool) {
	s.store.mu.Lock()
	d, ok := s.store.deposits.get(ref.id)
	if !ok || !ref.opens(d) {
		s.store.mu.Unlock()
		return Deposit{}, false
	}
	changed := can(d)
	if changed {
		d.Status = status
	}
	after, url := *d, d.NotificationURL
	s.store.mu.Unlock()
	if changed {
		s.notify("deposit_id", ref.id, url)
	}
	return after, changed
}

// crossOrigin refuses a browser's POST that did not come from the page itself
// (Sec-Fetch-Site, else Origin against Host): another site the developer
// visits cannot pay a deposit, even knowing its URL.
var crossOrigin = http.NewCrossOriginProtection()

// readForm checks and reads a page's form POST. It answers the request itself
// and returns false when the form cannot be acted on.
func (s *Server) readForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	if err := crossOrigin.Check(r); err != nil {
		closeUnread(w, r)
		writePage(w, http.StatusForbidden, messagePage("Refused", "This request did not come from this page",
			"A form on another site tried to act on this deposit. Nothing changed."))
		return nil, false
	}
	body, _, ok := s.readBody(w, r)
	if !ok {
		closeUnread(w, r)
		writePage(w, http.StatusBadRequest, messagePage("Bad request", "The form could not be read", "Nothing changed."))
		return nil, false
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		writePage(w, http.StatusBadRequest, messagePage("Bad request", "The form could not be read", "Nothing changed."))
		return nil, false
	}
	return form, true
}

// messagePage is a page with a heading and a sentence: 404, 405, 403, 400.
func messagePage(title, heading, lead string) page {
	return page{Title: title, Heading: heading, Lead: lead}
}

// notFoundPage answers an unknown deposit and a wrong token alike, so that a
// page URL tells nothing about deposits its holder may not see.
func notFoundPage(w http.ResponseWriter, r *http.Request) {
	closeUnread(w, r)
	writePage(w, http.StatusNotFound, messagePage("Not found", "No payment page at this address",
		"Check the link: it is the redirect_url or authentication_url D24 answered, in full."))
}

// methodNotAllowedPage answers a method a page does not take.
func methodNotAllowedPage(w http.ResponseWriter, r *http.Request, allow string) {
	closeUnread(w, r)
	w.Header().Set("Allow", allow)
	writePage(w, http.StatusMethodNotAllowed, messagePage("Method not allowed", "This page takes "+allow,
		"Open it in a browser, and use its buttons."))
}

// redirectFromPage sends the payer on (303 See Other) to a merchant's URL.
func redirectFromPage(w http.ResponseWriter, target string) {
	setPageHeaders(w.Header(), nil)
	w.Header().Set("Location", target)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusSeeOther)
}

// wantsPage tells a browser (which asks for HTML) from an API client.
func wantsPage(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

// isForm tells a page's form POST from a signed API request.
func isForm(r *http.Request) bool {
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	return strings.EqualFold(strings.TrimSpace(ct), "application/x-www-form-urlencoded")
}

// payerName is the payer's name as the deposit request gave it.
func payerName(d *Deposit) string {
	first, _ := d.payer["first_name"].(string)
	last, _ := d.payer["last_name"].(string)
	return strings.TrimSpace(first + " " + last)
}
