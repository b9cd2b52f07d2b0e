package d24_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/d24go/d24"
	"github.com/d24go/d24/middleware"
)

// canarySecret is the secret key of the canary checks: found nowhere else.
const canarySecret = "canary-secret-Qz7mW"

// canaryPatterns find the canaries in recorded text: the card number in any
// grouping, the CVV as a number of its own, the secret key as written or
// escaped.
var canaryPatterns = map[string]*regexp.Regexp{
	"card number": regexp.MustCompile(`4539\D{0,8}1488\D{0,8}0343\D{0,8}6467`),
	"CVV":         regexp.MustCompile(`(^|[^0-9])` + canaryCVV + `([^0-9]|$)`),
	"secret key":  regexp.MustCompile(`(?i)` + regexp.QuoteMeta(canarySecret)),
}

// Every text the server writes, in every phrasing seen, through every place a
// merchant reads: the error (with each fmt verb), slog's JSON and text
// handlers at debug, and the spans. Each source must reach the user (its
// record shows REDACTED where the canary was), and no canary may.
func TestCanariesNeverRecorded(t *testing.T) {
	grouped := "4539.1488.0343.6467"
	tabbed := "4539\t1488\t0343\t6467"
	d24Error := d24ErrorHandler
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		get     bool // a GetDeposit, not a card deposit
	}{
		{"a CVV quoted in Java's phrasings", d24Error(400, "BEAN_VALIDATION_ERROR", "Invalid CVV ["+canaryCVV+"]",
			"creditCard.cvv: expected 3 digits but was "+canaryCVV, `For input string: "`+canaryCVV+`"`, "cvv="+canaryCVV), false},
		{"a card number grouped with dots and tabs", d24Error(400, "BEAN_VALIDATION_ERROR", "card "+grouped+" refused", "number "+tabbed), false},
		{"the error type", d24Error(400, "CARD_"+canaryNumber+"_"+canaryCVV, "refused"), false},
		{"the error type, free text", d24Error(400, "Invalid card "+canaryNumber+" cvv "+canaryCVV, "refused"), false},
		{"the secret key echoed", d24Error(401, "INVALID_CREDENTIALS", "bad key "+canarySecret, "key="+canarySecret), false},
		{"the secret key echoed to a lookup", d24Error(401, "INVALID_CREDENTIALS", "bad key "+canarySecret), true},
		{"a 5xx quoting the card (outcome unknown)", d24Error(503, "SERVICE_UNAVAILABLE "+canaryCVV, "down while charging "+canaryNumber+" "+canaryCVV), false},
		{"a 2xx that does not decode, quoting values", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"deposit_id":1,"merchant_invoice_id":"x","payment_info":{"amount":"`+canaryCVV+` `+canaryNumber+`"}}`)
		}, false},
		{"a 2xx lookup that does not decode, quoting the key", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"deposit_id":1,"local_amount":"`+canarySecret+`"}`)
		}, true},
		{"a 2xx whose decoding fails on an escaped, split card", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"deposit_id":1,"merchant_invoice_id":"x","payment_info":{"amount":"45391488\n03436467"}}`)
		}, false},
		{"a 2xx with a Content-Encoding holding the key and card", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "br-"+canarySecret+"-"+canaryNumber)
			io.WriteString(w, `{}`)
		}, false},
		{"a redirect whose path holds the card", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "/pay/"+canaryNumber+"/"+canaryCVV+"/"+canarySecret+"?cvv="+canaryCVV)
			w.WriteHeader(http.StatusFound)
		}, false},
		{"a malformed answer quoted by net/http", hijacked("HTTP/1.1 " + canaryCVV + " " + canaryNumber + "\r\n\r\n"), false},
		{"a malformed answer to a lookup", hijacked("HTTP/1.1 " + canarySecret + "\r\n\r\n"), true},
		{"a card number and CVV in full-width digits", d24Error(400, "BEAN_VALIDATION_ERROR", "card "+inDigits('０', canaryNumber)+" refused",
			"Invalid CVV ["+inDigits('０', canaryCVV)+"]", "number "+inDigits('０', grouped)), false},
		{"a card number in Arabic-Indic digits, outcome unknown", d24Error(503, "SERVICE_UNAVAILABLE", "down while charging "+inDigits('٠', tabbed)), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			rec := newRecorders()
			c, err := d24.New(d24.Config{Login: "canary-login", SecretKey: canarySecret, APIURL: srv.URL, CardAPIURL: srv.URL, AllowInsecureHTTP: true},
				d24.WithLogger(rec.logger()), d24.WithTracing(middleware.WithTracerProvider(rec.tp)), d24.WithMetrics(middleware.WithMeterProvider(rec.metrics.provider)),
				d24.WithRetryPolicy(d24.RetryPolicy{MaxAttempts: 2, BaseDelay: 1e6}))
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseIdleConnections()
			if tc.get {
				_, err = c.GetDeposit(context.Background(), 300000001)
			} else {
				req := cardDeposit("canary-1", canaryNumber)
				req.CreditCard.Cvv = canaryCVV
				_, err = c.CreateCardDeposit(context.Background(), req)
			}
			if err == nil {
				t.Fatal("want an error")
			}
			rec.printed(err)
			// An error reporter walks the chain and records every level.
			for e := err; e != nil; e = errors.Unwrap(e) {
				fmt.Fprintf(&rec.printedText, "%T %v\n", e, e)
			}
			all := rec.all()
			if !strings.Contains(fmt.Sprint(err), "REDACTED") {
				t.Errorf("the source did not reach the error, so the check proves nothing: %v", err)
			}
			assertNoCanary(t, all)
		})
	}
}

// A CVV equal to a number the records show anyway (the status 400) is not
// blanked there: "HTTP REDACTED" beside status 400 would tell it.
func TestShortValuesAreNoOracle(t *testing.T) {
	srv := httptest.NewServer(d24ErrorHandler(400, "BEAN_VALIDATION_ERROR", "HTTP 400 Bad Request", "creditCard.cvv: rejected value is 400"))
	defer srv.Close()
	rec := newRecorders()
	c, err := d24.New(d24.Config{Login: "l", SecretKey: canarySecret, APIURL: srv.URL, CardAPIURL: srv.URL, AllowInsecureHTTP: true},
		d24.WithLogger(rec.logger()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	req := cardDeposit("order-400", canaryNumber)
	req.CreditCard.Cvv = "400"
	_, err = c.CreateCardDeposit(context.Background(), req)
	want := "HTTP 400, code 201 BEAN_VALIDATION_ERROR: HTTP 400 Bad Request (creditCard.cvv: rejected value is REDACTED)"
	if err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("error %q, want it to end %q", err, want)
	}
	if all := rec.all(); strings.Contains(all, "HTTP REDACTED") || strings.Contains(all, "order-REDACTED") {
		t.Errorf("a number the records show was blanked, telling the CVV: %s", all)
	}
}

// A merchant logging their own request, card and configuration, by value or
// pointer, through slog's handlers and fmt, sees no card data and no key; the
// bytes sent to D24 still carry them.
func TestModelsLogSafely(t *testing.T) {
	req := cardDeposit("canary-2", canaryNumber)
	req.CreditCard.Cvv = canaryCVV
	cfg := d24.Config{Login: "canary-login", SecretKey: canarySecret, ReadOnlyKey: canarySecret + "-ro",
		APIURL: "https://proxy:" + canarySecret + "@proxy.example/d24"}
	rec := newRecorders()
	values := []any{req, &req, req.CreditCard, &req.CreditCard, cfg, &cfg}
	for _, l := range rec.loggers() {
		for i, v := range values {
			l.Debug("merchant log", fmt.Sprint("value", i), v)
			l.Info("merchant log", slog.Any("nested", v))
		}
	}
	for _, v := range values {
		rec.printed(v)
	}
	all := rec.all()
	assertNoCanary(t, all)
	for _, want := range []string{"453914******6467", `"cvv":"***"`, "cvv=***", "SecretKey:REDACTED", `"SecretKey":"REDACTED"`, "canary-2", "canary-login"} {
		if !strings.Contains(all, want) {
			t.Errorf("the records lack %q: the values were not logged as expected", want)
		}
	}
	// Marshalling the request yourself writes what D24 must receive.
	var wire bytes.Buffer
	if err := jsonEncode(&wire, req); err != nil || !strings.Contains(wire.String(), canaryNumber) || !strings.Contains(wire.String(), `"cvv":"`+canaryCVV+`"`) {
		t.Errorf("the wire encoding lost the card: %v %s", err, wire.String())
	}
}

// d24ErrorHandler answers D24's error body, code 201.
func d24ErrorHandler(status int, typ, description string, details ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"code":201,"type":%q,"description":%q,"details":%s}`, typ, description, jsonStrings(details))
	}
}

func assertNoCanary(t *testing.T, all string) {
	t.Helper()
	// A canary written in other decimal digits than ASCII's is still found.
	all = strings.Map(func(r rune) rune {
		if r < utf8.RuneSelf || !unicode.IsDigit(r) {
			return r
		}
		zero := r // each run of Unicode decimal digits goes 0 to 9, again and again
		for unicode.IsDigit(zero - 1) {
			zero--
		}
		return '0' + (r-zero)%10
	}, all)
	for name, re := range canaryPatterns {
		if loc := re.FindStringIndex(all); loc != nil {
			from, to := max(loc[0]-120, 0), min(loc[1]+60, len(all))
			t.Errorf("the %s appears in what was recorded: ...%s...", name, all[from:to])
		}
	}
}

// inDigits writes the ASCII digits of s in the digits whose zero is zero
// (full-width '０', Arabic-Indic '٠').
func inDigits(zero rune, s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return zero + r - '0'
		}
		return r
	}, s)
}

// recorders are the places a merchant reads: slog's JSON and text handlers at
// debug, the spans, the metrics, and the fmt verbs of what they print.
type recorders struct {
	json, text, printedText bytes.Buffer
	spans                   *tracetest.SpanRecorder
	tp                      *sdktrace.TracerProvider
	metrics                 metricsReader
}

func newRecorders() *recorders {
	r := &recorders{spans: tracetest.NewSpanRecorder(), metrics: newMetricsReader()}
	r.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(r.spans))
	return r
}

// dropTimes leaves times and durations out of the records, whose digits could
// hold the CVV's by chance.
func dropTimes(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey || a.Key == "duration" || a.Key == "wait" {
		return slog.Attr{}
	}
	return a
}

func (r *recorders) loggers() []*slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: dropTimes}
	return []*slog.Logger{slog.New(slog.NewJSONHandler(&r.json, opts)), slog.New(slog.NewTextHandler(&r.text, opts))}
}

// logger is a client's logger, writing to both handlers.
func (r *recorders) logger() *slog.Logger {
	ls := r.loggers()
	return slog.New(teeHandler{ls[0].Handler(), ls[1].Handler()})
}

// printed records v as fmt prints it with each verb, and as slog logs it.
func (r *recorders) printed(v any) {
	for _, verb := range []string{"%v", "%+v", "%#v", "%q", "%s"} {
		fmt.Fprintf(&r.printedText, verb+"\n", v)
	}
	for _, l := range r.loggers() {
		l.Error("merchant logs the value", "value", v)
	}
}

func (r *recorders) all() string {
	var b strings.Builder
	writeSpans(&b, r.spans.Ended())
	b.WriteString(r.metrics.words())
	b.Write(r.json.Bytes())
	b.Write(r.text.Bytes())
	b.Write(r.printedText.Bytes())
	return b.String()
}

// teeHandler sends each record to both handlers.
type teeHandler [2]slog.Handler

func (h teeHandler) Enabled(ctx context.Context, l slog.Level) bool { return h[0].Enabled(ctx, l) }
func (h teeHandler) Handle(ctx context.Context, r slog.Record) error {
	h[0].Handle(ctx, r.Clone())
	return h[1].Handle(ctx, r)
}
func (h teeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return teeHandler{h[0].WithAttrs(as), h[1].WithAttrs(as)}
}
func (h teeHandler) WithGroup(g string) slog.Handler {
	return teeHandler{h[0].WithGroup(g), h[1].WithGroup(g)}
}

// hijacked answers with raw bytes that are not HTTP, as a broken proxy would.
func hijacked(raw string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		buf.WriteString(raw)
		buf.Flush()
	}
}

func jsonStrings(ss []string) string {
	var b bytes.Buffer
	jsonEncode(&b, ss)
	return strings.TrimSpace(b.String())
}

func jsonEncode(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }
