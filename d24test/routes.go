package d24test

import (
	"net/http"
	"strings"
)

// operation is what a request asks for, known from its host and path alone.
type operation int

const (
	opNone          operation = iota
	opCreateDeposit           // POST /v3/deposits, on either host
	opDepositStatus           // GET /v3/deposits/{id}, API host
	opCheckout                // /validate/{id}/{token}, /v1/checkout/{id}/{token}, API host: the payer's page (checkout.go)
	opCreateRefund            // POST /v3/refunds, API host
	opRefundStatus            // GET /v3/refunds/{id}, API host
	opLookup                  // GET of a read-only lookup, API host, Bearer key
	opThreeDS                 // /v3/3ds/{id}/{token}, card host: GET describes (a browser gets the page), a POST completes
	opControl                 // /sandbox/..., API host: the sandbox's control API (control.go)
)

// route is a request's operation, the methods its path takes and the id the
// path names, if any.
type route struct {
	op      operation
	methods []string
	id      string
}

// The methods of a path that is read, and of one that is read or posted to.
// HEAD is answered wherever GET is, as GET is (status and headers) without the
// body: a link checker or a monitor asking whether a URL is there gets the
// truth, not a 405.
var (
	readMethods       = []string{http.MethodGet, http.MethodHead}
	readOrPostMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost}
)

// routeOf finds the operation of a path (without a trailing slash). Nothing is
// read or authenticated yet: an unknown path is 404 and a wrong method 405
// whoever asks.
func routeOf(host hostKind, path string) route {
	post := []string{http.MethodPost}
	switch {
	case path == "/v3/deposits":
		return route{op: opCreateDeposit, methods: post}
	case host == cardHost:
		if id, ok := strings.CutPrefix(path, "/v3/3ds/"); ok {
			return route{op: opThreeDS, methods: readOrPostMethods, id: id}
		}
	case host == apiHost && strings.HasPrefix(path, controlPrefix):
		return controlRoute(path)
	case isReadOnlyPath(path):
		return route{op: opLookup, methods: readMethods}
	case checkoutPrefix(path) != "":
		return route{op: opCheckout, methods: readOrPostMethods,
			id: strings.TrimPrefix(path, checkoutPrefix(path))}
	case path == "/v3/refunds":
		return route{op: opCreateRefund, methods: post}
	case strings.HasPrefix(path, "/v3/refunds/"):
		return route{op: opRefundStatus, methods: readMethods, id: strings.TrimPrefix(path, "/v3/refunds/")}
	case strings.HasPrefix(path, "/v3/deposits/"):
		return route{op: opDepositStatus, methods: readMethods, id: strings.TrimPrefix(path, "/v3/deposits/")}
	}
	return route{op: opNone}
}

// checkoutPrefix is the prefix of a checkout page's path (HOSTED's, as D24's
// hosted checkout, or ONE_SHOT's), "" for any other path.
func checkoutPrefix(path string) string {
	for _, p := range []string{"/validate/", "/v1/checkout/"} {
		if strings.HasPrefix(path, p) {
			return p
		}
	}
	return ""
}
