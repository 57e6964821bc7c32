package money

import (
	"encoding/json"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// TestFastFormatMatchesExact: the int64 formatting path gives exactly the
// text of the big-integer path, for every size, scale, sign and currency.
func TestFastFormatMatchesExact(t *testing.T) {
	currencies := []Currency{"USD", "JPY", "BHD", "KES", "UGX"}
	rapid.Check(t, func(rt *rapid.T) {
		coef := rapid.Int64().Draw(rt, "coefficient")
		exp := rapid.Int32Range(-20, 6).Draw(rt, "exponent")
		a := Amount{Value: decimal.New(coef, exp), Currency: rapid.SampledFrom(currencies).Draw(rt, "currency")}
		if got, want := a.ValueString(), a.valueStringExact(); got != want {
			rt.Fatalf("ValueString(%s e%d %s) = %q, exact path %q", decimal.New(coef, 0), exp, a.Currency, got, want)
		}
	})
	for _, tt := range []struct{ v, c string }{
		{"0", "USD"}, {"-0.001", "USD"}, {"100.10000", "EUR"}, {"0.000000000000000001", "USD"},
		{"999999999999999999", "USD"}, {"1234567890123456789012", "USD"}, {"-1.5", "JPY"}, {"7", "KWD"},
	} {
		a := MustParse(tt.v, tt.c)
		if got, want := a.ValueString(), a.valueStringExact(); got != want {
			t.Errorf("ValueString(%s %s) = %q, exact path %q", tt.v, tt.c, got, want)
		}
	}
}

// FuzzFastFormat compares both formatting paths on arbitrary parsed values.
func FuzzFastFormat(f *testing.F) {
	f.Add("12.50", "USD")
	f.Add("-0.0001", "BHD")
	f.Add("1000", "JPY")
	f.Fuzz(func(t *testing.T, value, currency string) {
		a, err := Parse(value, currency)
		if err != nil {
			return
		}
		if got, want := a.ValueString(), a.valueStringExact(); got != want {
			t.Fatalf("ValueString(%q %s) = %q, exact path %q", value, currency, got, want)
		}
	})
}

func BenchmarkMarshalJSON(b *testing.B) {
	a := MustParse("12731.12", "KES")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(a); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValueStringExact(b *testing.B) {
	a := MustParse("12731.12", "KES")
	b.ReportAllocs()
	for b.Loop() {
		_ = a.valueStringExact()
	}
}

func BenchmarkValueString(b *testing.B) {
	a := MustParse("12731.12", "KES")
	b.ReportAllocs()
	for b.Loop() {
		_ = a.ValueString()
	}
}
