// Package types holds the hand-written Go types that D24's wire format needs and
// that the generated models in ../generated map onto through x-go-type:
//
//   - Amount: an exact decimal; never float64 on the way to the wire.
//   - Time: a timestamp that decodes every format D24 sends.
//   - Bool, FlexString and FlexInt64: a boolean, a string or an integer that
//     D24 sometimes sends in another JSON type ("false", 60746948,
//     "80000001").
//   - CardNumber and SecurityCode: card data that masks itself when formatted
//     or logged, and goes to the wire unchanged.
//
// The root package d24 re-exports these types, so merchants rarely import this
// package directly.
package types
