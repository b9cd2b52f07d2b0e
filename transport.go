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
// handshakes, and timeouts on dialling and the TLS handshake.
//
// It asks for no compression (no Accept-Encoding header): D24's answers are a
// few hundred bytes of JSON, too small for gzip to save anything, and one
// header fewer is cheaper for both ends (BENCHMARKS.md). An answer compressed
// anyway, with Content-Encoding: gzip, is still read.
//
// Waiting for the answer is bounded by the call's context, not by the
// transport: give calls a context with a deadline (or set
// RetryPolicy.AttemptTimeout, or WithHTTPClient's Timeout). A per-request
// response-header timer would cost every call about 9 µs on a loaded
// two-core machine, as arming it wakes Go's network poller (BENCHMARKS.md).
func DefaultTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:     true,
		DisableCompression:    true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   128,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}
