package d24

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"

	"github.com/d24go/d24/middleware"
)

// Environment is D24's staging or production environment.
type Environment int

const (
	// Staging is D24's test environment (the zero value, so nothing reaches
	// production by accident).
	Staging Environment = iota
	// Production charges real money.
	Production
)

func (e Environment) String() string {
	if e == Production {
		return "production"
	}
	return "staging"
}

// Brand is the name D24 is sold under; each has its own hosts.
type Brand int

const (
	// BrandD24 is D24 / Directa24 (the zero value).
	BrandD24 Brand = iota
	// BrandOneKeyPayments is OneKeyPayments. Its production hosts are given by D24
	// at go-live: set Config.APIURL and Config.CardAPIURL.
	BrandOneKeyPayments
)

// hosts are D24's base URLs (docs/d24-api.md), by brand and environment: the API host
// (deposits, status) and the card API host (PCI card deposits).
var hosts = map[Brand]map[Environment][2]string{
	BrandD24: {
		Staging:    {"https://api-stg.directa24.com", "https://cc-api-stg.directa24.com"},
		Production: {"https://api.directa24.com", "https://cc-api.directa24.com"},
	},
	BrandOneKeyPayments: {
		Staging: {"https://api-stg.onekeypayments.com", "https://cc-api-stg.onekeypayments.com"},
	},
}

// Config is what New needs to reach D24.
type Config struct {
	// Login is the merchant's X-Login. Required.
	Login string
	// SecretKey signs every request. Required. It is never logged, traced or
	// put in an error.
	SecretKey string
	// ReadOnlyKey authenticates the read-only lookups (payment methods, exchange
	// rates, states, banks) as a Bearer token. Optional: without it those calls
	// return ErrMissingReadOnlyKey. It must differ from SecretKey.
	ReadOnlyKey string
	// Environment is Staging (default) or Production.
	Environment Environment
	// Brand picks the brand's hosts (BrandD24 by default).
	Brand Brand
	// APIURL and CardAPIURL override the hosts (a proxy, a sandbox).
	APIURL     string
	CardAPIURL string
	// AllowInsecureHTTP accepts http:// base URLs, for local sandboxes only.
	// Card data and signatures would otherwise cross the network in clear.
	AllowInsecureHTTP bool
}

// Configuration errors returned by New.
var (
	ErrMissingLogin     = errors.New("d24: Config.Login is required")
	ErrMissingSecretKey = errors.New("d24: Config.SecretKey is required")
	ErrInsecureURL      = errors.New("d24: base URLs must use https (set Config.AllowInsecureHTTP only for a local sandbox)")
	ErrSameKeys         = errors.New("d24: Config.ReadOnlyKey equals Config.SecretKey: the secret key would travel as a Bearer token")
	// ErrMissingReadOnlyKey is wrapped by a lookup made without
	// Config.ReadOnlyKey: the client has no read-only key to send.
	ErrMissingReadOnlyKey = errors.New("no read-only key")
)

// baseURLs returns the API and card API base URLs, checked.
func (c Config) baseURLs() (api, card string, err error) {
	if c.Login == "" {
		return "", "", ErrMissingLogin
	}
	if c.SecretKey == "" {
		return "", "", ErrMissingSecretKey
	}
	if c.ReadOnlyKey != "" && c.ReadOnlyKey == c.SecretKey {
		return "", "", ErrSameKeys
	}
	defaults := hosts[c.Brand][c.Environment]
	api, card = firstNonEmpty(c.APIURL, defaults[0]), firstNonEmpty(c.CardAPIURL, defaults[1])
	if api == "" || card == "" {
		return "", "", fmt.Errorf("d24: no %s hosts are known for this brand: set Config.APIURL and Config.CardAPIURL", c.Environment)
	}
	for _, raw := range []string{api, card} {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return "", "", fmt.Errorf("d24: invalid base URL %q", raw)
		}
		if u.Scheme == "http" && !c.AllowInsecureHTTP {
			return "", "", fmt.Errorf("%w: %s", ErrInsecureURL, raw)
		}
	}
	return api, card, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// LogValue is how slog writes a Config (a value or a pointer): its fields,
// with SecretKey and ReadOnlyKey replaced by REDACTED when they are set.
func (c Config) LogValue() slog.Value {
	m := c.masked()
	return slog.GroupValue(
		slog.String("Login", m.Login), slog.String("SecretKey", m.SecretKey), slog.String("ReadOnlyKey", m.ReadOnlyKey),
		slog.String("Environment", m.Environment.String()), slog.Int("Brand", int(m.Brand)),
		slog.String("APIURL", m.APIURL), slog.String("CardAPIURL", m.CardAPIURL), slog.Bool("AllowInsecureHTTP", m.AllowInsecureHTTP))
}

// Format prints a Config for every fmt verb with SecretKey and ReadOnlyKey
// replaced by REDACTED when they are set.
func (c Config) Format(f fmt.State, verb rune) {
	out := fmt.Sprintf(fmt.FormatString(f, verb), c.masked())
	if verb == 'v' && f.Flag('#') {
		out = strings.Replace(out, "d24.printedConfig", "d24.Config", 1)
	}
	io.WriteString(f, out)
}

// printedConfig is a Config without its methods, for Format.
type printedConfig Config

func (c Config) masked() printedConfig {
	if c.SecretKey != "" {
		c.SecretKey = middleware.Redacted
	}
	if c.ReadOnlyKey != "" {
		c.ReadOnlyKey = middleware.Redacted
	}
	c.APIURL, c.CardAPIURL = withoutUserinfo(c.APIURL), withoutUserinfo(c.CardAPIURL)
	return printedConfig(c)
}

// withoutUserinfo is a base URL as it may be printed: a password in it is
// replaced by REDACTED.
func withoutUserinfo(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = url.User(middleware.Redacted)
	return u.String()
}
