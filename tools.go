//go:build tools

package d24

// Pins the code generator's version in go.mod, so `go generate ./...` rewrites
// generated/ byte for byte on every machine.
import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
)
