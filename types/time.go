package types

import (
	"bytes"
	"fmt"
	"strconv"
	"time"
)

// Layout is the timestamp layout most D24 answers use ("2021-02-05 22:10:45"),
// read as UTC since D24 sends no zone with it.
const Layout = "2006-01-02 15:04:05"

// layouts are tried in order when decoding; RFC 3339 parsing accepts any
// fraction of a second ("2025-07-15T12:57:14.936Z").
var layouts = []string{Layout, time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05Z0700"}

// Time is a timestamp from D24. It decodes "2021-02-05 22:10:45" (UTC), RFC 3339
// with or without a fraction, and null or "" as the zero time.
type Time struct {
	time.Time
}

// ParseTime parses any timestamp format D24 sends.
func ParseTime(s string) (Time, error) {
	for _, layout := range layouts {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return Time{Time: t}, nil
		}
	}
	return Time{}, fmt.Errorf("timestamp %q: not in a format D24 sends (%q or RFC 3339)", s, Layout)
}

// UnmarshalJSON decodes a JSON string in any format D24 sends.
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" || string(b) == `""` {
		*t = Time{}
		return nil
	}
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("timestamp %s: not a JSON string", truncate(b))
	}
	v, err := ParseTime(s)
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// MarshalJSON writes D24's own layout in UTC when that loses nothing, and RFC
// 3339 with the fraction otherwise. The zero time is written as null.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.Time.IsZero() {
		return []byte("null"), nil
	}
	u := t.Time.UTC()
	layout := Layout
	if u.Nanosecond() != 0 {
		layout = time.RFC3339Nano
	}
	return []byte(strconv.Quote(u.Format(layout))), nil
}

// IsZero reports whether t is the zero time, so `omitzero` can omit it.
func (t Time) IsZero() bool { return t.Time.IsZero() }
