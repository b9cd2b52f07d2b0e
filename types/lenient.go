package types

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Bool is a boolean that D24 sometimes sends as a string: it decodes true,
// false, "true" and "false" (any case), and null as false. It is written as a
// JSON boolean.
type Bool bool

// UnmarshalJSON decodes a JSON boolean or a string holding one.
func (v *Bool) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		u, err := strconv.Unquote(s)
		if err != nil {
			return fmt.Errorf("boolean %s: %w", truncate(b), err)
		}
		s = strings.ToLower(strings.TrimSpace(u))
	}
	switch s {
	case "true":
		*v = true
	case "false", "null", "":
		*v = false
	default:
		return fmt.Errorf("boolean %s: not true or false", truncate(b))
	}
	return nil
}

// MarshalJSON writes a JSON boolean.
func (v Bool) MarshalJSON() ([]byte, error) { return strconv.AppendBool(nil, bool(v)), nil }

// FlexString is a string field that D24 documents as text but sometimes sends
// as a JSON number (bank account numbers, ISPB codes). A number is kept with
// exactly its digits, so "00000000" and 60746948 both survive.
type FlexString string

// UnmarshalJSON decodes a JSON string or number; null is the empty string.
func (v *FlexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*v = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*v = FlexString(s)
	case isJSONNumber(b):
		*v = FlexString(b)
	default:
		return fmt.Errorf("value %s: not a string or a number", truncate(b))
	}
	return nil
}

// MarshalJSON writes a JSON string.
func (v FlexString) MarshalJSON() ([]byte, error) { return json.Marshal(string(v)) }

// String returns the text.
func (v FlexString) String() string { return string(v) }

// FlexInt64 is an integer that D24 documents as one but sometimes sends as a
// string of its digits: a created refund's refund_id comes as 168284 or as
// "80000001". It decodes both; null leaves it as it is, and anything else (a
// fraction, an exponent, a sign other than '-', a space, a number beyond
// int64) is an error. It is written as a JSON number. The generated models
// keep such a field an int64 and decode it through FlexInt64 (the documents'
// x-integer-or-string extension).
type FlexInt64 int64

// The errors of FlexInt64, which do not quote what they refuse.
var (
	errNotInteger  = errors.New("types: not an integer, nor a string of its digits")
	errBeyondInt64 = errors.New("types: an integer beyond int64")
)

// UnmarshalJSON decodes a JSON integer or a string holding one.
func (v *FlexInt64) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	s := string(b)
	switch {
	case s == "null":
		return nil
	case len(b) > 0 && b[0] == '"':
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return errNotInteger
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return errBeyondInt64
	}
	*v = FlexInt64(n)
	return nil
}
