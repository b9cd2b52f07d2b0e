package d24_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/trace/noop"
)

// BenchmarkAlternating measures the same ratio as tls/full-noop over tls/bare,
// and memory/full-noop over memory/bare (with the global meter provider too:
// *-unset; for metrics, full-metrics over full-noop; and the whole client
// over otelhttp alone), but alternates the two in batches of 32 calls inside
// one benchmark, so that the machine's slow and fast spells (seconds long on
// a shared two-core VM) fall on both alike. It reports the median batch of
// each and their ratio; memory-cold alternates single calls, each with cold
// caches, and reports means. See BENCHMARKS.md.
func BenchmarkAlternating(b *testing.B) {
	b.Run("tls", func(b *testing.B) {
		bare, full := newBenchServer(b), newBenchServer(b)
		alternate(b, "bare", viaGenerated(bare.URL, bare.bareTransport()),
			"full", viaClient(full.URL, full.clientTransport(), noop.NewTracerProvider()))
	})
	b.Run("memory", func(b *testing.B) {
		alternate(b, "bare", viaGenerated("https://cc-api.example", memoryTransport{}),
			"full", viaClient("https://cc-api.example", memoryTransport{}, noop.NewTracerProvider()))
	})
	// The same with the metrics on as a client has them by default: the
	// global meter provider, no SDK installed behind it.
	b.Run("tls-unset", func(b *testing.B) {
		bare, full := newBenchServer(b), newBenchServer(b)
		alternate(b, "bare", viaGenerated(bare.URL, bare.bareTransport()),
			"full", viaClient(full.URL, full.clientTransport(), noop.NewTracerProvider(), nil))
	})
	b.Run("memory-unset", func(b *testing.B) {
		alternate(b, "bare", viaGenerated("https://cc-api.example", memoryTransport{}),
			"full", viaClient("https://cc-api.example", memoryTransport{}, noop.NewTracerProvider(), nil))
	})
	// The whole client against otelhttp alone around a bare transport.
	b.Run("tls-otelhttp", func(b *testing.B) {
		otel, full := newBenchServer(b), newBenchServer(b)
		alternate(b, "otelhttp", viaGenerated(otel.URL, otelhttp.NewTransport(otel.bareTransport())),
			"full", viaClient(full.URL, full.clientTransport(), noop.NewTracerProvider()))
	})
	// The cost of metrics: the whole client without them (a noop
	// MeterProvider) and with the SDK recording them.
	b.Run("tls-metrics", func(b *testing.B) {
		off, on := newBenchServer(b), newBenchServer(b)
		alternate(b, "noop", viaClient(off.URL, off.clientTransport(), noop.NewTracerProvider()),
			"metrics", viaClient(on.URL, on.clientTransport(), noop.NewTracerProvider(), sdkMeterProvider()))
	})
	b.Run("memory-metrics", func(b *testing.B) {
		alternate(b, "noop", viaClient("https://cc-api.example", memoryTransport{}, noop.NewTracerProvider()),
			"metrics", viaClient("https://cc-api.example", memoryTransport{}, noop.NewTracerProvider(), sdkMeterProvider()))
	})
	// In memory with the CPU's caches emptied before every call, as the
	// network waits and TLS between two calls empty them: what each side's
	// code and data cost when they come from memory.
	b.Run("memory-cold", func(b *testing.B) {
		alternateCold(b, viaGenerated("https://cc-api.example", memoryTransport{}),
			viaClient("https://cc-api.example", memoryTransport{}, noop.NewTracerProvider()))
	})
}

// alternateCold runs bare and full in turns, one call each, writing over
// 16 MiB before each call (untimed) so that it starts with cold caches, and
// reports each one's mean and their ratio.
func alternateCold(b *testing.B, bare, full func(context.Context) error) {
	junk := make([]byte, 16<<20)
	evict := func() {
		for i := 0; i < len(junk); i += 64 {
			junk[i]++
		}
	}
	ctx := context.Background()
	var spent [2]time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for side, call := range [2]func(context.Context) error{bare, full} {
			evict()
			start := time.Now()
			if err := call(ctx); err != nil {
				b.Fatal(err)
			}
			spent[side] += time.Since(start)
		}
	}
	b.ReportMetric(float64(spent[0].Nanoseconds())/float64(b.N), "bare-ns/call")
	b.ReportMetric(float64(spent[1].Nanoseconds())/float64(b.N), "full-ns/call")
	b.ReportMetric(float64(spent[1])/float64(spent[0]), "full/bare")
}

// alternate runs bare and full in turns, reporting each one's median batch
// under its name, and their ratio.
func alternate(b *testing.B, bareName string, bare func(context.Context) error, fullName string, full func(context.Context) error) {
	const batch = 32
	ctx := context.Background()
	var bareRuns, fullRuns []float64
	run := func(call func(context.Context) error, n int) float64 {
		start := time.Now()
		for i := 0; i < n; i++ {
			if err := call(ctx); err != nil {
				b.Fatal(err)
			}
		}
		return float64(time.Since(start).Nanoseconds()) / float64(n)
	}
	b.ResetTimer()
	for done := 0; done < b.N; done += batch {
		n := min(batch, b.N-done)
		bareRuns = append(bareRuns, run(bare, n))
		fullRuns = append(fullRuns, run(full, n))
	}
	median := func(v []float64) float64 { sort.Float64s(v); return v[len(v)/2] }
	mb, mf := median(bareRuns), median(fullRuns)
	b.ReportMetric(mb, bareName+"-ns/call")
	b.ReportMetric(mf, fullName+"-ns/call")
	b.ReportMetric(mf/mb, fullName+"/"+bareName)
}
