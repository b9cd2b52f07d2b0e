package middleware

import (
	"net/url"
	"regexp"
	"strings"
)

// Redaction is decided here, once, for every span attribute, log field and
// error string the SDK writes about a request: a URL keeps its scheme, host,
// port and path, loses any user information, and keeps query keys with their
// values replaced by REDACTED. Headers and bodies are never recorded at all
// (they carry the signature, the secret's HMAC and card data).

// Redacted is what stands in for a removed value.
const Redacted = "REDACTED"

// RedactURL returns u as it may be recorded.
func RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	c.Fragment, c.RawFragment = "", ""
	if c.RawQuery != "" {
		q := c.Query()
		for k := range q {
			q[k] = []string{Redacted}
		}
		c.RawQuery = q.Encode()
	}
	return c.String()
}

// redactPath replaces the digits of path segments that hold only digits (deposit
// IDs) by a placeholder, to name a span without an unbounded number of names.
func redactPath(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if p != "" && strings.Trim(p, "0123456789") == "" {
			parts[i] = "{id}"
		}
	}
	return strings.Join(parts, "/")
}

// cardLike matches what could be a card number or part of one in free text:
// a run of 12 or more digits, possibly masked with '*' or grouped with spaces
// or dashes ("345678***********1090", "4111 1111 1111 1111").
var cardLike = regexp.MustCompile(`[0-9*](?:[ -]?[0-9*]){11,}`)

// rejectedValue matches the part of a Java Bean Validation message (D24's
// wording) that quotes the value it refused: any card field can follow it.
var rejectedValue = regexp.MustCompile(`(?i)(rejected value( is)?[:=]?\s*).*$`)

// RedactText removes from free text, such as D24's validation details, every
// quoted rejected value ("..., rejected value is 7391") and anything that
// looks like a card number.
func RedactText(s string) string {
	if !strings.ContainsAny(s, "0123456789") && !strings.Contains(strings.ToLower(s), "rejected value") {
		return s
	}
	s = rejectedValue.ReplaceAllString(s, "${1}"+Redacted)
	return cardLike.ReplaceAllString(s, Redacted)
}
