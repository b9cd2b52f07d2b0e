package types_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/d24go/d24/types"
)

func TestTimeDecodesEveryFormat(t *testing.T) {
	cases := map[string]time.Time{
		`"2021-02-05 22:10:45"`:       time.Date(2021, 2, 5, 22, 10, 45, 0, time.UTC),
		`"2025-07-15T12:57:14.936Z"`:  time.Date(2025, 7, 15, 12, 57, 14, 936e6, time.UTC),
		`"2025-07-15T12:57:14Z"`:      time.Date(2025, 7, 15, 12, 57, 14, 0, time.UTC),
		`"2025-07-15T09:57:14-03:00"`: time.Date(2025, 7, 15, 12, 57, 14, 0, time.UTC),
		`"2025-07-15T12:57:14"`:       time.Date(2025, 7, 15, 12, 57, 14, 0, time.UTC),
	}
	for in, want := range cases {
		var ts types.Time
		if err := json.Unmarshal([]byte(in), &ts); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if !ts.Equal(want) {
			t.Errorf("%s = %v, want %v", in, ts.Time, want)
		}
	}
	for _, in := range []string{`"yesterday"`, `"2021-02-05"`, `12`} {
		var ts types.Time
		if err := json.Unmarshal([]byte(in), &ts); err == nil {
			t.Errorf("%s accepted as %v", in, ts)
		}
	}
	var ts types.Time
	if err := json.Unmarshal([]byte(`null`), &ts); err != nil || !ts.IsZero() {
		t.Errorf("null: %v %v", ts, err)
	}
}

func TestTimeRoundTrips(t *testing.T) {
	for _, in := range []string{`"2021-02-05 22:10:45"`, `"2025-07-15T12:57:14.936Z"`} {
		var ts types.Time
		_ = json.Unmarshal([]byte(in), &ts)
		out, _ := json.Marshal(ts)
		if string(out) != in {
			t.Errorf("%s round-trips as %s", in, out)
		}
	}
}

func TestBoolAndFlexString(t *testing.T) {
	for in, want := range map[string]bool{`true`: true, `false`: false, `"false"`: false, `"True"`: true, `null`: false} {
		var b types.Bool
		if err := json.Unmarshal([]byte(in), &b); err != nil || bool(b) != want {
			t.Errorf("Bool %s = %v, %v", in, b, err)
		}
	}
	var b types.Bool
	if err := json.Unmarshal([]byte(`"maybe"`), &b); err == nil {
		t.Error(`Bool accepted "maybe"`)
	}
	if out, _ := json.Marshal(types.Bool(true)); string(out) != "true" {
		t.Errorf("Bool marshals as %s", out)
	}
	for in, want := range map[string]string{`"10122538"`: "10122538", `60746948`: "60746948", `"00000000"`: "00000000", `null`: ""} {
		var s types.FlexString
		if err := json.Unmarshal([]byte(in), &s); err != nil || string(s) != want {
			t.Errorf("FlexString %s = %q, %v", in, s, err)
		}
	}
	var s types.FlexString
	if err := json.Unmarshal([]byte(`{}`), &s); err == nil {
		t.Error("FlexString accepted an object")
	}
}

func TestFlexInt64(t *testing.T) {
	for in, want := range map[string]int64{`168284`: 168284, `"80000001"`: 80000001, `-5`: -5, `"-5"`: -5, ` 7 `: 7,
		`"9223372036854775807"`: 9223372036854775807, `"007"`: 7} {
		var v types.FlexInt64
		if err := json.Unmarshal([]byte(in), &v); err != nil || int64(v) != want {
			t.Errorf("FlexInt64 %s = %d, %v", in, v, err)
		}
	}
	for _, in := range []string{`1.5`, `1e3`, `"1.5"`, `"1e3"`, `""`, `"-"`, `"+1"`, `" 1"`, `"0x10"`, `"9223372036854775808"`,
		`9223372036854775808`, `true`, `{}`, `[]`, `"abc"`} {
		var v types.FlexInt64
		if err := json.Unmarshal([]byte(in), &v); err == nil {
			t.Errorf("FlexInt64 accepted %s as %d", in, v)
		} else if strings.Contains(err.Error(), "abc") || strings.Contains(err.Error(), "922337") {
			t.Errorf("FlexInt64's error quotes the value: %v", err)
		}
	}
	v := types.FlexInt64(42)
	if err := json.Unmarshal([]byte(`null`), &v); err != nil || v != 42 {
		t.Errorf("null changed FlexInt64 to %d (%v)", v, err)
	}
	if out, _ := json.Marshal(types.FlexInt64(80000001)); string(out) != "80000001" {
		t.Errorf("FlexInt64 marshals as %s", out)
	}
}
