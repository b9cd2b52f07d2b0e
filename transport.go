package d24

import (
	"crypto/tls"
	"net"
	"net/http"
	"time"
)

// DefaultTransport returns the transport a Client sends with unless given
// another: TLS 1.2 or newer, HTTP/2, enough idle connections per host that a
// busy service reuses warm connections instead of paying for new TLS
// handshakes, and timeouts on every network wait that has no context of its own.
func DefaultTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   128,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}
