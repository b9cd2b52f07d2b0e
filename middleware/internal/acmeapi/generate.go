// Package acmeapi is a client that oapi-codegen generates for Acme Payouts, an
// API that is not D24's (acme.yaml), so that the middleware's tests show its
// chain under a foreign generated client. Run `go generate ./...` after
// changing acme.yaml or acme.cfg.yaml.
package acmeapi

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config acme.cfg.yaml acme.yaml
