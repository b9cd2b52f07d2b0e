package d24_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every reference in code and documents points inside the repository or to
// D24's public documentation: none to notes a reader does not have.
func TestNoReferenceOutsideTheRepository(t *testing.T) {
	// Spelled in pieces, so that this file does not match itself.
	outside := []string{"FACTS" + ".md", "../" + "shared", "shared/" + "reference"}
	checked := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != "." && strings.HasPrefix(name, ".") && name != ".ci" {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".md", ".yaml", ".yml", ".tmpl", "":
		default:
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		for _, ref := range outside {
			if strings.Contains(string(b), ref) {
				t.Errorf("%s refers to %s, which is not in the repository", path, ref)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("only %d files checked", checked)
	}
	if _, err := os.Stat("docs/d24-api.md"); err != nil {
		t.Errorf("the page of D24's facts is missing: %v", err)
	}
}
