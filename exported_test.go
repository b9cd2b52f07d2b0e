package d24_test

import (
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

var updateExported = flag.Bool("update-exported", false, "rewrite testdata/exported.txt from the code")

// publicPackages are the packages a user imports (generated/ aside).
var publicPackages = []string{".", "middleware", "d24test", "types", "openapi"}

// exportedNames lists each package's exported names: its functions, types,
// variables and constants, and the methods of its exported types. Each Err
// variable's message comes with it.
func exportedNames(t *testing.T, dir string) (names []string, errs map[string]string) {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	errs = map[string]string{}
	for _, pkg := range pkgs {
		for _, f := range pkg.Files {
			for _, decl := range f.Decls {
				switch d := decl.(type) {
				case *ast.FuncDecl:
					if !d.Name.IsExported() {
						continue
					}
					if d.Recv == nil {
						names = append(names, "func "+d.Name.Name)
						continue
					}
					recv := d.Recv.List[0].Type
					if star, ok := recv.(*ast.StarExpr); ok {
						recv = star.X
					}
					if id, ok := recv.(*ast.Ident); ok && id.IsExported() {
						names = append(names, "method "+id.Name+"."+d.Name.Name)
					}
				case *ast.GenDecl:
					for _, spec := range d.Specs {
						switch s := spec.(type) {
						case *ast.TypeSpec:
							if s.Name.IsExported() {
								names = append(names, "type "+s.Name.Name)
							}
						case *ast.ValueSpec:
							for i, n := range s.Names {
								if !n.IsExported() {
									continue
								}
								names = append(names, d.Tok.String()+" "+n.Name)
								if strings.HasPrefix(n.Name, "Err") && i < len(s.Values) {
									if call, ok := s.Values[i].(*ast.CallExpr); ok && len(call.Args) == 1 {
										if lit, ok := call.Args[0].(*ast.BasicLit); ok {
											errs[n.Name], _ = strconv.Unquote(lit.Value)
										}
									}
								}
							}
						}
					}
				}
			}
		}
	}
	sort.Strings(names)
	return names, errs
}

// TestExportedNames lists the exported names of every public package in
// testdata/exported.txt, so that a new export is a reviewed decision (go test
// -run TestExportedNames -update-exported rewrites the list), and holds the
// rules of one way to do each thing: one clock option per package; the
// tracing and metrics providers set through package middleware's options
// only (d24 takes them through WithTracing and WithMetrics); no error name in
// two packages; no two errors with one message.
func TestExportedNames(t *testing.T) {
	var listing strings.Builder
	owners := map[string][]string{} // a name -> the packages that export it
	messages := map[string]string{} // an error message -> its package and name
	for _, dir := range publicPackages {
		names, errs := exportedNames(t, dir)
		pkg := filepath.Base(dir)
		if dir == "." {
			pkg = "d24"
		}
		clocks := 0
		for _, n := range names {
			listing.WriteString(pkg + " " + n + "\n")
			kind, name, _ := strings.Cut(n, " ")
			if kind == "method" {
				continue
			}
			owners[name] = append(owners[name], pkg)
			if kind == "func" && strings.HasPrefix(name, "With") && strings.Contains(name, "Clock") {
				clocks++
			}
		}
		if clocks > 1 {
			t.Errorf("package %s has %d clock options: one name per package", pkg, clocks)
		}
		for name, msg := range errs {
			if other, ok := messages[msg]; ok {
				t.Errorf("%s.%s and %s say the same (%q): one error value per meaning", pkg, name, other, msg)
			}
			messages[msg] = pkg + "." + name
		}
	}
	for name, pkgs := range owners {
		switch {
		case strings.HasPrefix(name, "Err") && len(pkgs) > 1:
			t.Errorf("%s is exported by %v: one error name per meaning", name, pkgs)
		case (strings.HasSuffix(name, "TracerProvider") || strings.HasSuffix(name, "MeterProvider") || name == "WithPropagation") &&
			(len(pkgs) > 1 || pkgs[0] != "middleware"):
			t.Errorf("%s is exported by %v: the client and the chain share package middleware's option", name, pkgs)
		}
	}
	golden := filepath.Join("testdata", "exported.txt")
	if *updateExported {
		if err := os.WriteFile(golden, []byte(listing.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := listing.String(); got != string(want) {
		t.Errorf("the exported names differ from %s (review, then go test -run TestExportedNames -update-exported):\n%s", golden, lineDiff(string(want), got))
	}
}

// lineDiff lists the lines only in want (-) and only in got (+).
func lineDiff(want, got string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var b strings.Builder
	for _, l := range strings.Split(want, "\n") {
		if !g[l] {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if !w[l] {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}
