// Package openapi embeds D24's OpenAPI documents, the single source of truth for
// the wire format, and loads them for request validation.
//
// Load resolves the documents' references to each other (common.yaml holds the
// schemas both APIs share), validates them, and attaches the validators for the
// formats they use beyond OpenAPI's own:
//
//   - ip: an IPv4 or IPv6 address.
//   - email: one plain address (no display name), with a domain.
//   - card-number: passes the Luhn check, unless it is one of D24's staging test
//     cards listed in an x-d24-test-cards extension (D24's staging accepts its
//     own test cards although half of them fail Luhn).
//   - https-url: an https:// URL with a host and without control characters,
//     whitespace of any kind or invisible format characters
//     (ValidateHTTPSURL), for every URL D24 calls or sends the payer to.
package openapi

import (
	"context"
	"embed"
	"fmt"
	"net/url"
	"path"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// The documents, by file name.
const (
	// PCI describes card deposits on D24's card API host.
	PCI = "pci.yaml"
	// Deposits describes deposits, their status and refunds on D24's API host.
	Deposits = "deposits.yaml"
	// ReadOnly describes the lookups authenticated with the read-only key.
	ReadOnly = "readonly.yaml"
	// Common holds the schemas, parameters and responses the APIs share.
	Common = "common.yaml"
)

// TestCardsExtension lists, on a schema with format card-number, D24's staging
// test cards that are accepted although some fail the Luhn check.
const TestCardsExtension = "x-d24-test-cards"

//go:embed common.yaml pci.yaml deposits.yaml readonly.yaml
var files embed.FS

// Raw returns a document's YAML exactly as embedded.
func Raw(name string) ([]byte, error) {
	return files.ReadFile(name)
}

// Load parses the named document (PCI or Deposits), resolves its references,
// validates it, and attaches the format validators described in the package
// documentation. Each call returns a new document that the caller may keep.
func Load(name string) (*openapi3.T, error) {
	data, err := files.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("openapi: no document %q", name)
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = true
	loader.ReadFromURIFunc = func(_ *openapi3.Loader, u *url.URL) ([]byte, error) {
		return files.ReadFile(path.Clean(u.Path))
	}
	doc, err := loader.LoadFromDataWithPath(data, &url.URL{Path: name})
	if err != nil {
		return nil, fmt.Errorf("openapi: loading %s: %w", name, err)
	}
	attachFormats(doc)
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi: %s is not a valid document: %w", name, err)
	}
	return doc, nil
}

// shared holds each document loaded once for the process (see Shared).
var shared = map[string]func() (*openapi3.T, error){
	PCI:      sync.OnceValues(func() (*openapi3.T, error) { return Load(PCI) }),
	Deposits: sync.OnceValues(func() (*openapi3.T, error) { return Load(Deposits) }),
	ReadOnly: sync.OnceValues(func() (*openapi3.T, error) { return Load(ReadOnly) }),
	Common:   sync.OnceValues(func() (*openapi3.T, error) { return Load(Common) }),
}

// Shared is Load, once per process: every caller gets the same document, which
// it must only read (validating requests and answers against it does). Loading
// takes milliseconds; a process making many clients, or tests making one each,
// pays it once per document.
func Shared(name string) (*openapi3.T, error) {
	load, ok := shared[name]
	if !ok {
		return nil, fmt.Errorf("openapi: no document %q", name)
	}
	return load()
}

// MustLoad is Load for documents known to be valid (the embedded ones); it
// panics on error.
func MustLoad(name string) *openapi3.T {
	doc, err := Load(name)
	if err != nil {
		panic(err)
	}
	return doc
}
