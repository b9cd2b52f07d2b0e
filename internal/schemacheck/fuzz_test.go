package schemacheck

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/d24go/d24/internal/docformats"
	"github.com/d24go/d24/openapi"
)

func seedExamples(f *testing.F) {
	files, _ := filepath.Glob("../../openapi/testdata/examples/*")
	if len(files) == 0 {
		f.Fatal("no reference examples")
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(agreeCard))
	f.Add([]byte(agreeDeposit))
}

// Whatever the body, validation never panics, and the fast path never accepts
// what kin-openapi refuses.
func FuzzValidation(f *testing.F) {
	seedExamples(f)
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	type checked struct {
		op   *Operation
		opts []openapi3.SchemaValidationOption
	}
	var ops []checked
	for _, name := range []string{openapi.PCI, openapi.Deposits} {
		doc := openapi.MustLoad(name)
		ops = append(ops, checked{compiled(f, doc, "POST", "/v3/deposits", docformats.Current(doc)), SchemaOptions(doc)})
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, c := range ops {
			req, _ := http.NewRequest("POST", "https://d24.example/v3/deposits", bytes.NewReader(body))
			fast := c.op.CertainlyValid(req, nil, clock, c.opts)
			_, violations, err := c.op.Check(req, nil, clock, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if fast && len(violations) > 0 {
				t.Fatalf("fast path accepted what kin-openapi refuses (%v): %q", violations, body)
			}
			for _, viol := range violations {
				if len(body) > 8 && bytes.Contains(body, []byte(viol.Rule)) && len(viol.Rule) > 8 && !bytes.HasPrefix([]byte(viol.Rule), []byte("must")) {
					t.Fatalf("a rule quotes the body: %q", viol.Rule)
				}
			}
		}
	})
}
