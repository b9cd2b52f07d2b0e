package d24_test

import (
	"testing"

	"github.com/d24go/d24"
)

// BenchmarkNew is the cost of d24.New once the process has made a first
// client: the documents are parsed and compiled once per process.
func BenchmarkNew(b *testing.B) {
	cfg := d24.Config{Login: "l", SecretKey: "s", ReadOnlyKey: "r"}
	if _, err := d24.New(cfg); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		c, err := d24.New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		c.CloseIdleConnections()
	}
}
