package money

import (
	"encoding/json"
	"testing"
)

// FuzzParse checks that parsing never panics, and that every accepted value
// formats canonically and parses back to the same amount.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"12.50", "0.0001", "-3", "1e3", "NaN", "", "1.", "99999999999999999999999", "0.000000000000000001"} {
		f.Add(s, "USD")
	}
	f.Add("1.5", "JPY")
	f.Add("1.2345", "BHD")
	f.Fuzz(func(t *testing.T, value, currency string) {
		a, err := Parse(value, currency)
		if err != nil {
			return
		}
		again, err := Parse(a.ValueString(), string(a.Currency))
		if err != nil {
			t.Fatalf("Parse(%q) of formatted %q failed: %v", a.ValueString(), value, err)
		}
		if !again.Equal(a) || again.ValueString() != a.ValueString() {
			t.Fatalf("round trip of %q: %s != %s", value, again, a)
		}
	})
}

// FuzzJSON checks that decoding arbitrary JSON never panics and that every
// accepted amount survives a JSON round trip unchanged.
func FuzzJSON(f *testing.F) {
	for _, s := range []string{
		`{"value":"12.50","currency":"USD"}`, `{"value":"1","currency":"JPY"}`,
		`{"value":12,"currency":"USD"}`, `{}`, `null`, `[]`, `{"value":"-0.001","currency":"BHD"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var a Amount
		if err := json.Unmarshal(in, &a); err != nil {
			return
		}
		out, err := json.Marshal(a)
		if err != nil {
			t.Fatalf("Marshal(%v) after Unmarshal(%q): %v", a, in, err)
		}
		var b Amount
		if err := json.Unmarshal(out, &b); err != nil || !b.Equal(a) {
			t.Fatalf("round trip %q -> %s -> %v (%v)", in, out, b, err)
		}
	})
}
