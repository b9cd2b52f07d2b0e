package middleware_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/d24go/d24/middleware"
	"github.com/d24go/d24/openapi"
)

// NewChain under a plain http.Client: the request is validated, keyed, retried
// and signed. (Any oapi-codegen client takes the same http.Client through its
// WithHTTPClient option.)
func ExampleNewChain() {
	d24 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("X-Login:", r.Header.Get("X-Login"))
		fmt.Println("signed:", strings.HasPrefix(r.Header.Get("Authorization"), "D24 "))
		fmt.Println("keyed:", r.Header.Get("X-Idempotency-Key") != "")
		io.WriteString(w, `{"checkout_type":"HOSTED","deposit_id":300000010}`)
	}))
	defer d24.Close()

	rt, err := middleware.NewChain("my-login", "my-secret-key", middleware.WithDocument(openapi.MustLoad(openapi.Deposits)))
	if err != nil {
		panic(err)
	}
	client := &http.Client{Transport: rt}
	resp, err := client.Post(d24.URL+"/v3/deposits", "application/json",
		strings.NewReader(`{"invoice_id":"order-1","amount":100,"country":"BR","currency":"BRL"}`))
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	fmt.Println(resp.StatusCode)

	_, err = client.Post(d24.URL+"/v3/deposits", "application/json", strings.NewReader(`{"invoice_id":"order 2","amount":10.005,"country":"BR"}`))
	var invalid *middleware.ValidationError
	if errors.As(err, &invalid) {
		for _, v := range invalid.Violations {
			fmt.Println(v.Field, "->", v.Rule)
		}
	}
	// Output:
	// X-Login: my-login
	// signed: true
	// keyed: true
	// 200
	// amount -> must have at most 2 decimal places
	// invoice_id -> must match ^[A-Za-z0-9_-]*$
}
