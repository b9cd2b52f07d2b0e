package d24

// The generated models and clients in generated/ come from the documents in
// openapi/; run `go generate ./...` after changing a document or a config. The
// generator's version is pinned in go.mod through tools.go.

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config openapi/common.cfg.yaml openapi/common.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config openapi/pci.cfg.yaml openapi/pci.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config openapi/deposits.cfg.yaml openapi/deposits.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config openapi/readonly.cfg.yaml openapi/readonly.yaml
