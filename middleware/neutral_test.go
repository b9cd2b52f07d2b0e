package middleware_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Only signer.go knows D24: its signature, its headers, its error body and
// its name. Every other file of the middleware and of its validation engine
// takes what it needs of an API from an API value and an OpenAPI document, so
// no string in their code names D24 or one of its headers (the module's
// import path and instrumentation scope aside).
func TestOnlyTheSignerKnowsD24(t *testing.T) {
	d24Words := []string{"d24", "x-idempotency-key", "x-login", "x-date", "invoice_id"}
	for _, dir := range []string{".", "../internal/schemacheck", "../internal/docformats", "../internal/telemetry"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") || filepath.Base(path) == "signer.go" {
				continue
			}
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if _, ok := n.(*ast.ImportSpec); ok {
					return false
				}
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, _ := strconv.Unquote(lit.Value)
				s = strings.ToLower(strings.ReplaceAll(s, "github.com/d24go/d24", ""))
				for _, w := range d24Words {
					if strings.Contains(s, w) {
						t.Errorf("%s: %q assumes D24 outside signer.go", fset.Position(lit.Pos()), s)
					}
				}
				return true
			})
		}
	}
}
