// Package errorbody reads D24's error body, in both shapes D24 is known to
// send, for the two places that read it: the middleware's description of D24
// (middleware.ParseD24Error, which tells D24's refusal of a request from a
// page that proves nothing) and the client's APIError (which shows it). One
// reader, so that the two never disagree on which body is D24's.
package errorbody

import (
	"cmp"
	"encoding/json"
)

// Body is what D24's error body says. Its texts are D24's, unscrubbed: they
// can quote request data.
type Body struct {
	// Code is D24's numeric error code, never 0.
	Code int
	// Type names the code (INVALID_SIGNATURE); the nested shape has none.
	Type string
	// Description is the flat shape's "description", or the nested shape's
	// "message".
	Description string
	// Details are the flat shape's "details", when they are strings.
	Details []string
}

// wire is D24's error body, in either shape.
type wire struct {
	Code        int             `json:"code"`
	Description string          `json:"description"`
	Message     string          `json:"message"`
	Details     json.RawMessage `json:"details"` // a list of strings, as D24 sends it; anything else is ignored
	Type        string          `json:"type"`
	Error       json.RawMessage `json:"error"` // the nested shape; a string here (Spring's "Bad Request") is ignored
}

// Parse reads D24's error body: the flat {"code", "description", "details",
// "type"}, or {"error": {"code", "message"}}, which a public integration
// reports on status answers. ok is false when body is neither: not a JSON
// object, no non-zero integer code, or a code, type, description or message of
// another JSON type than D24's (a string code: some other server's body). A
// member of "details" or "error" of another type is ignored rather than losing
// the code.
func Parse(body []byte) (b Body, ok bool) {
	var w wire
	if json.Unmarshal(body, &w) != nil {
		return Body{}, false
	}
	if w.Code == 0 && len(w.Error) > 0 && w.Error[0] == '{' {
		var nested wire
		if json.Unmarshal(w.Error, &nested) == nil && nested.Code != 0 {
			w = nested
		}
	}
	if w.Code == 0 {
		return Body{}, false
	}
	return Body{Code: w.Code, Type: w.Type, Description: cmp.Or(w.Description, w.Message), Details: details(w.Details)}, true
}

// details are the body's details when they are a list of strings, or one
// string.
func details(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var out []string
	if json.Unmarshal(raw, &out) != nil {
		var one string
		if json.Unmarshal(raw, &one) == nil && one != "" {
			return []string{one}
		}
		return nil
	}
	return out
}
