package schemacheck

import (
	"net/http"
	"testing"
	"time"

	"github.com/d24go/d24/internal/docformats"
	"github.com/d24go/d24/internal/reqbody"
	"github.com/d24go/d24/openapi"
)

// BenchmarkFastPath checks a card deposit's body on the fast path, warm and
// cold: before each cold check the benchmark writes over 16 MiB, which
// evicts the schemas, names and tables from the CPU's caches, as the network
// waits and TLS between two calls do. check-ns is the check alone.
func BenchmarkFastPath(b *testing.B) {
	doc := openapi.MustLoad(openapi.PCI)
	op := compiled(b, doc, http.MethodPost, "/v3/deposits", docformats.Current(doc))
	body := []byte(`{"amount":100.5,"client_ip":"203.0.113.7","country":"BR","credit_card":{"card_number":"4111111111111111","cvv":"987",` +
		`"expiration_month":"10","expiration_year":"30","holder_name":"JOHN SMITH"},"currency":"BRL","invoice_id":"bench-1",` +
		`"payer":{"document":"84932568207","document_type":"CPF","email":"john@example.com","first_name":"John","last_name":"Smith"}}`)
	req, err := http.NewRequest(http.MethodPost, "https://cc-api.example/v3/deposits", reqbody.New(body))
	if err != nil {
		b.Fatal(err)
	}
	junk := make([]byte, 16<<20)
	for _, cold := range []bool{false, true} {
		name := "warm"
		if cold {
			name = "cold"
		}
		b.Run(name, func(b *testing.B) {
			var spent time.Duration
			for i := 0; i < b.N; i++ {
				if cold {
					for j := 0; j < len(junk); j += 64 {
						junk[j]++
					}
				}
				req.Body = reqbody.New(body)
				start := time.Now()
				if !op.CertainlyValid(req, nil, time.Now, nil) {
					b.Fatal("the card deposit is not certainly valid")
				}
				spent += time.Since(start)
			}
			b.ReportMetric(float64(spent.Nanoseconds())/float64(b.N), "check-ns")
		})
	}
}
