// Package exampleenv connects the examples to D24 staging when D24_LOGIN and
// D24_SECRET_KEY are set (with D24_READ_ONLY_KEY for the lookups; or to
// D24_API_URL and D24_CARD_API_URL, such as a d24sandbox), and to an in-process
// d24test sandbox otherwise, so every example runs with no setup.
package exampleenv

import (
	"fmt"
	"log/slog"
	"net/url"
	"os"

	"github.com/d24go/d24"
	"github.com/d24go/d24/d24test"
)

// Env is where an example sends its calls.
type Env struct {
	Client *d24.Client
	// Sandbox is the in-process fake D24, nil when talking to D24 or to a
	// sandbox given by URL.
	Sandbox *d24test.Server
	// Where says what the client talks to, for the example's first line.
	Where string
}

// Close stops the in-process sandbox, if any.
func (e *Env) Close() {
	if e.Sandbox != nil {
		e.Sandbox.Close()
	}
}

// Open returns the environment. sandboxOpts configure the in-process sandbox.
// The client logs through slog.Default (failures at warn level; set it to
// debug level to see every call).
func Open(sandboxOpts []d24test.Option, clientOpts ...d24.Option) (*Env, error) {
	clientOpts = append([]d24.Option{d24.WithLogger(slog.Default())}, clientOpts...)
	login, secret := os.Getenv("D24_LOGIN"), os.Getenv("D24_SECRET_KEY")
	if login == "" || secret == "" {
		srv := d24test.NewServer(sandboxOpts...)
		c, err := d24.New(d24.Config{Login: srv.Login, SecretKey: srv.SecretKey, ReadOnlyKey: srv.ReadOnlyKey,
			APIURL: srv.APIURL, CardAPIURL: srv.CardAPIURL, AllowInsecureHTTP: true}, clientOpts...)
		if err != nil {
			srv.Close()
			return nil, err
		}
		return &Env{Client: c, Sandbox: srv, Where: "an in-process d24test sandbox (set D24_LOGIN and D24_SECRET_KEY for D24 staging)"}, nil
	}
	cfg := d24.Config{Login: login, SecretKey: secret, ReadOnlyKey: os.Getenv("D24_READ_ONLY_KEY"),
		APIURL: os.Getenv("D24_API_URL"), CardAPIURL: os.Getenv("D24_CARD_API_URL")}
	cfg.AllowInsecureHTTP = LocalSandbox()
	c, err := d24.New(cfg, clientOpts...)
	if err != nil {
		return nil, err
	}
	where := "D24 staging"
	if cfg.APIURL != "" {
		where = fmt.Sprintf("%s and %s", cfg.APIURL, cfg.CardAPIURL)
	}
	return &Env{Client: c, Where: where}, nil
}

// LocalSandbox reports whether the environment names a sandbox on this
// machine (a d24sandbox): D24_LOGIN and D24_SECRET_KEY set, and D24_API_URL and
// D24_CARD_API_URL plain HTTP on loopback. Only then does the client accept
// plain HTTP.
func LocalSandbox() bool {
	return os.Getenv("D24_LOGIN") != "" && os.Getenv("D24_SECRET_KEY") != "" &&
		isLoopbackHTTP(os.Getenv("D24_API_URL")) && isLoopbackHTTP(os.Getenv("D24_CARD_API_URL"))
}

// isLoopbackHTTP allows plain HTTP only for a sandbox on this machine.
func isLoopbackHTTP(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" {
		return false
	}
	h := u.Hostname()
	return h == "localhost" || h == "127.0.0.1" || h == "::1"
}
