package middleware_test

import (
	"fmt"

	"github.com/d24go/d24/middleware"
)

// One retry budget for several chains (here, two clients of the same
// service): an outage of the service is budgeted once.
func ExampleNewRetryBudget() {
	budget := middleware.NewRetryBudget(50, 0.2) // 50 retries; one earned back per 5 answers
	policy := middleware.RetryPolicy{MaxAttempts: 3, Budget: budget}
	a, _ := middleware.NewChain("login", "secret", middleware.WithRetryPolicy(policy))
	b, _ := middleware.NewChain("login", "secret", middleware.WithRetryPolicy(policy))
	fmt.Println(a != nil, b != nil, budget.Available())
	// Output: true true 50
}

// A Scrubber removes the values it knows wherever they appear in text, and
// whatever looks like card data.
func ExampleScrubber() {
	s := middleware.NewScrubber("5555555555554444", "737")
	fmt.Println(s.Text("card 5555.5555.5555.4444 refused: Invalid CVV [737], rejected value is 737"))
	fmt.Println(s.Token("BEAN_VALIDATION_ERROR"), s.Token("CVV 737") == "")
	// Output:
	// card REDACTED refused: Invalid CVV [REDACTED], rejected value is REDACTED
	// BEAN_VALIDATION_ERROR true
}
