package d24_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/d24go/d24"
	"github.com/d24go/d24/generated/pci"
	"github.com/d24go/d24/middleware"
)

// benchResponse is the fixed answer of the benchmark's D24.
var benchResponse = []byte(`{"deposit_id":300604089,"user_id":"80000001","merchant_invoice_id":"bench-1","payment_info":{"type":"CREDIT_CARD","result":"SUCCESS","payment_method":"VI","payment_method_name":"Visa","amount":100.5,"currency":"BRL","created_at":"2021-02-05 22:10:45"}}`)

var benchRequest = cardDeposit("bench-1", canaryCard)

// benchServer is a loopback TLS D24 that answers every card deposit the same
// and counts the connections opened to it.
type benchServer struct {
	*httptest.Server
	conns atomic.Int64
}

func newBenchServer(b *testing.B) *benchServer {
	s := &benchServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write(benchResponse)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	// HTTP/1.1, where every concurrent request needs its own connection, so the
	// pool's size shows; silence the log of handshakes cut short at Close.
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	b.Cleanup(s.Close)
	return s
}

// bareTransport is a plain http.Transport that trusts the server: the
// baseline, with net/http's defaults (2 idle connections per host).
func (s *benchServer) bareTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = s.tlsConfig()
	return t
}

func (s *benchServer) tlsConfig() *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(s.Certificate())
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// clientTransport is the client's own default transport, trusting the server.
func (s *benchServer) clientTransport() *http.Transport {
	t := d24.DefaultTransport()
	t.TLSClientConfig = s.tlsConfig()
	return t
}

// memoryTransport answers without a network, to isolate CPU and allocations.
type memoryTransport struct{}

func (memoryTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(benchResponse)), ContentLength: int64(len(benchResponse)), Request: r}, nil
}

// viaGenerated makes the card deposit through a bare generated client and
// decodes the answer, as the full client does.
func viaGenerated(url string, rt http.RoundTripper) func(context.Context) error {
	c, err := pci.NewClient(url, pci.WithHTTPClient(&http.Client{Transport: rt}))
	if err != nil {
		panic(err)
	}
	return func(ctx context.Context) error {
		resp, err := c.CreateCardDeposit(ctx, nil, benchRequest)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var out pci.CardDepositResponse
		return json.NewDecoder(resp.Body).Decode(&out)
	}
}

// viaClient makes the card deposit through the whole d24 client stack, with
// no metrics unless mp is given (nil: the global provider).
func viaClient(url string, rt http.RoundTripper, tp trace.TracerProvider, mp ...metric.MeterProvider) func(context.Context) error {
	meter := metric.MeterProvider(metricnoop.NewMeterProvider())
	if len(mp) > 0 {
		meter = mp[0]
	}
	opts := []d24.Option{d24.WithTransport(rt), d24.WithTracing(middleware.WithTracerProvider(tp))}
	if meter != nil {
		opts = append(opts, d24.WithMetrics(middleware.WithMeterProvider(meter)))
	}
	c, err := d24.New(d24.Config{Login: "bench", SecretKey: "bench-secret", APIURL: url, CardAPIURL: url}, opts...)
	if err != nil {
		panic(err)
	}
	return func(ctx context.Context) error {
		_, err := c.CreateCardDeposit(ctx, benchRequest)
		return err
	}
}

func signedTransport(next http.RoundTripper) http.RoundTripper {
	s, err := middleware.NewSigner("bench", "bench-secret", next)
	if err != nil {
		panic(err)
	}
	return s
}

// sdkMeterProvider records metrics as a service exporting them does: the
// SDK, with a reader that collects nothing until asked.
func sdkMeterProvider() metric.MeterProvider {
	return sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
}

func sdkProvider() (trace.TracerProvider, *tracetest.InMemoryExporter) {
	exp := tracetest.NewInMemoryExporter()
	return sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp)), exp
}

// runSerial makes b.N calls one after another; with a server it also reports
// the connections opened per call.
func runSerial(b *testing.B, call func(context.Context) error, s *benchServer, reset func()) {
	ctx := context.Background()
	b.ReportAllocs()
	var start int64
	if s != nil {
		start = s.conns.Load()
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := call(ctx); err != nil {
			b.Fatal(err)
		}
		if reset != nil && i%1024 == 0 {
			reset()
		}
	}
	if s != nil {
		b.ReportMetric(float64(s.conns.Load()-start)/float64(b.N), "conns/op")
	}
}

// BenchmarkCardDeposit compares the whole D24 stack with a bare net/http call
// and with otelhttp alone, side by side in one run. See BENCHMARKS.md. The
// full-* variants record no metrics (a noop MeterProvider) except
// full-metrics (the SDK) and full-unset (the global provider, no SDK
// installed).
func BenchmarkCardDeposit(b *testing.B) {
	b.Run("tls/bare", func(b *testing.B) {
		s := newBenchServer(b)
		runSerial(b, viaGenerated(s.URL, s.bareTransport()), s, nil)
	})
	b.Run("tls/signed", func(b *testing.B) {
		s := newBenchServer(b)
		runSerial(b, viaGenerated(s.URL, signedTransport(s.bareTransport())), s, nil)
	})
	b.Run("tls/otelhttp", func(b *testing.B) {
		s := newBenchServer(b)
		runSerial(b, viaGenerated(s.URL, otelhttp.NewTransport(s.bareTransport())), s, nil)
	})
	b.Run("tls/full-noop", func(b *testing.B) {
		s := newBenchServer(b)
		runSerial(b, viaClient(s.URL, s.clientTransport(), noop.NewTracerProvider()), s, nil)
	})
	b.Run("tls/full-sdk", func(b *testing.B) {
		s := newBenchServer(b)
		tp, exp := sdkProvider()
		runSerial(b, viaClient(s.URL, s.clientTransport(), tp), s, exp.Reset)
	})
	b.Run("tls/full-metrics", func(b *testing.B) {
		s := newBenchServer(b)
		runSerial(b, viaClient(s.URL, s.clientTransport(), noop.NewTracerProvider(), sdkMeterProvider()), s, nil)
	})
	b.Run("memory/bare", func(b *testing.B) {
		runSerial(b, viaGenerated("https://cc-api.example", memoryTransport{}), nil, nil)
	})
	b.Run("memory/full-noop", func(b *testing.B) {
		runSerial(b, viaClient("https://cc-api.example", memoryTransport{}, noop.NewTracerProvider()), nil, nil)
	})
	b.Run("memory/full-unset", func(b *testing.B) {
		// The global meter provider with no SDK installed: the default.
		runSerial(b, viaClient("https://cc-api.example", memoryTransport{}, noop.NewTracerProvider(), nil), nil, nil)
	})
	b.Run("memory/full-metrics", func(b *testing.B) {
		runSerial(b, viaClient("https://cc-api.example", memoryTransport{}, noop.NewTracerProvider(), sdkMeterProvider()), nil, nil)
	})
	parallel := func(b *testing.B, call func(context.Context) error, s *benchServer) {
		b.ReportAllocs()
		b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
		// Warm the pool as a running service has it: 64 calls at once, for
		// both transports alike. conns/op then counts connections opened
		// while the measured calls run.
		var warm sync.WaitGroup
		for i := 0; i < 64; i++ {
			warm.Add(1)
			go func() { defer warm.Done(); _ = call(context.Background()) }()
		}
		warm.Wait()
		start := s.conns.Load()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			ctx := context.Background()
			for pb.Next() {
				if err := call(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(s.conns.Load()-start)/float64(b.N), "conns/op")
	}
	b.Run("parallel/bare", func(b *testing.B) {
		s := newBenchServer(b)
		parallel(b, viaGenerated(s.URL, s.bareTransport()), s)
	})
	b.Run("parallel/full-noop", func(b *testing.B) {
		s := newBenchServer(b)
		parallel(b, viaClient(s.URL, s.clientTransport(), noop.NewTracerProvider()), s)
	})
}
