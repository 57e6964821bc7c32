package money

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/shopspring/decimal"
)

func TestParse(t *testing.T) {
	tests := []struct {
		value, currency string
		want            string
		err             error
	}{
		{"12.50", "USD", "12.50 USD", nil},
		{"12.5", "usd", "12.50 USD", nil},
		{"1000", "JPY", "1000 JPY", nil},
		{"1.234", "BHD", "1.234 BHD", nil},
		{"0.0001", "USD", "0.0001 USD", nil},
		{"-3", "KES", "-3.00 KES", nil},
		{"0.000000000000000001", "USD", "0.000000000000000001 USD", nil},
		{"100.10000", "EUR", "100.10 EUR", nil},
		{"", "USD", "", ErrInvalidAmount},
		{"NaN", "USD", "", ErrInvalidAmount},
		{"Inf", "USD", "", ErrInvalidAmount},
		{"-Infinity", "USD", "", ErrInvalidAmount},
		{"1e3", "USD", "", ErrInvalidAmount},
		{"+1", "USD", "", ErrInvalidAmount},
		{" 1", "USD", "", ErrInvalidAmount},
		{"1.", "USD", "", ErrInvalidAmount},
		{".5", "USD", "", ErrInvalidAmount},
		{"1,000", "USD", "", ErrInvalidAmount},
		{"0x10", "USD", "", ErrInvalidAmount},
		{"--1", "USD", "", ErrInvalidAmount},
		{"1234567890123456789012345", "USD", "", ErrInvalidAmount},
		{"0.0000000000000000001", "USD", "", ErrPrecision},
		{"1", "XXX", "", ErrUnknownCurrency},
		{"1", "", "", ErrUnknownCurrency},
		{"1", "US", "", ErrUnknownCurrency},
	}
	for _, tt := range tests {
		got, err := Parse(tt.value, tt.currency)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("Parse(%q, %q) error = %v, want %v", tt.value, tt.currency, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q, %q) error = %v", tt.value, tt.currency, err)
			continue
		}
		if got.String() != tt.want {
			t.Errorf("Parse(%q, %q) = %s, want %s", tt.value, tt.currency, got, tt.want)
		}
	}
}

func TestMinorUnitsTable(t *testing.T) {
	tests := []struct {
		c       Currency
		minor   int32
		numeric int
	}{
		{"USD", 2, 840}, {"JPY", 0, 392}, {"BHD", 3, 48}, {"KWD", 3, 414},
		{"KES", 2, 404}, {"UGX", 0, 800}, {"XOF", 0, 952}, {"RWF", 0, 646}, {"ISK", 0, 352},
	}
	for _, tt := range tests {
		if got := tt.c.MinorUnits(); got != tt.minor {
			t.Errorf("%s.MinorUnits() = %d, want %d", tt.c, got, tt.minor)
		}
		if got := tt.c.Numeric(); got != tt.numeric {
			t.Errorf("%s.Numeric() = %d, want %d", tt.c, got, tt.numeric)
		}
	}
	// Every currency the ECB publishes and every corridor currency the
	// platform serves must be known.
	required := []string{"AUD", "BGN", "BRL", "CAD", "CHF", "CNY", "CZK", "DKK", "EUR", "GBP", "HKD",
		"HRK", "HUF", "IDR", "ILS", "INR", "ISK", "JPY", "KRW", "MXN", "MYR", "NOK", "NZD", "PHP",
		"PLN", "RON", "RUB", "SEK", "SGD", "THB", "TRY", "USD", "ZAR",
		"KES", "NGN", "GHS", "UGX", "TZS", "RWF", "ZMW", "XOF", "XAF", "EGP", "MAD", "PKR", "BDT",
		"NPR", "VND", "COP"}
	for _, code := range required {
		if _, err := ParseCurrency(code); err != nil {
			t.Errorf("ParseCurrency(%q) = %v", code, err)
		}
	}
}

func TestArithmeticRefusesMixedCurrencies(t *testing.T) {
	usd, kes := MustParse("1", "USD"), MustParse("1", "KES")
	if _, err := usd.Add(kes); !errors.Is(err, ErrCurrencyMismatch) {
		t.Errorf("Add(USD, KES) error = %v, want ErrCurrencyMismatch", err)
	}
	if _, err := usd.Sub(kes); !errors.Is(err, ErrCurrencyMismatch) {
		t.Errorf("Sub(USD, KES) error = %v, want ErrCurrencyMismatch", err)
	}
	if _, err := usd.Cmp(kes); !errors.Is(err, ErrCurrencyMismatch) {
		t.Errorf("Cmp(USD, KES) error = %v, want ErrCurrencyMismatch", err)
	}
	if _, err := Sum("USD", usd, kes); !errors.Is(err, ErrCurrencyMismatch) {
		t.Errorf("Sum(USD, KES) error = %v, want ErrCurrencyMismatch", err)
	}
}

func TestMicroAmountsAccumulateExactly(t *testing.T) {
	// A million payments of a hundredth of a cent are exactly 100 dollars.
	tick := MustParse("0.0001", "USD")
	total := Zero("USD")
	for range 1_000_000 {
		var err error
		if total, err = total.Add(tick); err != nil {
			t.Fatal(err)
		}
	}
	if !total.Equal(MustParse("100", "USD")) {
		t.Fatalf("total = %s, want 100.00 USD", total)
	}
	// Three thirds of a cent are never lost to rounding while accumulating.
	third := Amount{Value: decimal.RequireFromString("0.003333333333333333"), Currency: "USD"}
	sum, _ := Sum("USD", third, third, third)
	if sum.ValueString() != "0.009999999999999999" {
		t.Fatalf("sum of thirds = %s", sum.ValueString())
	}
}

func TestRounding(t *testing.T) {
	tests := []struct {
		in, currency          string
		round, down, up, text string
	}{
		{"2.345", "USD", "2.34", "2.34", "2.35", "2.345"},
		{"2.355", "USD", "2.36", "2.35", "2.36", "2.355"},
		{"-2.345", "USD", "-2.34", "-2.34", "-2.35", "-2.345"},
		{"0.5", "JPY", "0", "0", "1", "0.5"},
		{"1.5", "JPY", "2", "1", "2", "1.5"},
		{"1.23456", "BHD", "1.235", "1.234", "1.235", "1.23456"},
		{"7", "KWD", "7.000", "7.000", "7.000", "7.000"},
	}
	for _, tt := range tests {
		a := MustParse(tt.in, tt.currency)
		if got := a.Round().ValueString(); got != tt.round {
			t.Errorf("%s.Round() = %s, want %s", a, got, tt.round)
		}
		if got := a.RoundDown().ValueString(); got != tt.down {
			t.Errorf("%s.RoundDown() = %s, want %s", a, got, tt.down)
		}
		if got := a.RoundUp().ValueString(); got != tt.up {
			t.Errorf("%s.RoundUp() = %s, want %s", a, got, tt.up)
		}
		if got := a.ValueString(); got != tt.text {
			t.Errorf("%s.ValueString() = %s, want %s", tt.in, got, tt.text)
		}
	}
}

func TestMinor(t *testing.T) {
	a := MustParse("12.34", "USD")
	if m, err := a.Minor(); err != nil || m != 1234 {
		t.Errorf("Minor(12.34 USD) = %d, %v", m, err)
	}
	if _, err := MustParse("12.345", "USD").Minor(); !errors.Is(err, ErrPrecision) {
		t.Errorf("Minor(12.345 USD) error = %v, want ErrPrecision", err)
	}
	if got := FromMinor(1234, "BHD"); got.ValueString() != "1.234" {
		t.Errorf("FromMinor(1234, BHD) = %s", got)
	}
	if got := FromMinor(500, "JPY"); got.ValueString() != "500" {
		t.Errorf("FromMinor(500, JPY) = %s", got)
	}
}

func TestJSON(t *testing.T) {
	a := MustParse("12.5", "USD")
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"value":"12.50","currency":"USD"}` {
		t.Fatalf("Marshal = %s", b)
	}
	var back Amount
	if err := json.Unmarshal(b, &back); err != nil || !back.Equal(a) {
		t.Fatalf("Unmarshal(%s) = %v, %v", b, back, err)
	}
	bad := []struct {
		in  string
		err error
	}{
		{`{"value":12.5,"currency":"USD"}`, ErrInvalidAmount},
		{`{"value":"12.5"}`, ErrUnknownCurrency},
		{`{"currency":"USD"}`, ErrInvalidAmount},
		{`{"value":"NaN","currency":"USD"}`, ErrInvalidAmount},
		{`{"value":"1","currency":"ABC"}`, ErrUnknownCurrency},
		{`"12.50 USD"`, ErrInvalidAmount},
		{`null`, ErrInvalidAmount},
	}
	for _, tt := range bad {
		var x Amount
		if err := json.Unmarshal([]byte(tt.in), &x); !errors.Is(err, tt.err) {
			t.Errorf("Unmarshal(%s) error = %v, want %v", tt.in, err, tt.err)
		}
	}
	if _, err := json.Marshal(Amount{}); err == nil {
		t.Error("Marshal(zero Amount) succeeded; want an error for the missing currency")
	}
}

func TestNewChecksLimits(t *testing.T) {
	if _, err := New(decimal.New(1, -19), "USD"); !errors.Is(err, ErrPrecision) {
		t.Errorf("New(1e-19) error = %v, want ErrPrecision", err)
	}
	if _, err := New(decimal.New(1, 25), "USD"); !errors.Is(err, ErrInvalidAmount) {
		t.Errorf("New(1e25) error = %v, want ErrInvalidAmount", err)
	}
	if _, err := New(decimal.New(1, 0), "ZZZ"); !errors.Is(err, ErrUnknownCurrency) {
		t.Errorf("New(ZZZ) error = %v, want ErrUnknownCurrency", err)
	}
	if a, err := New(decimal.RequireFromString("1.10000000000000000000"), "USD"); err != nil || a.ValueString() != "1.10" {
		t.Errorf("New(1.1 with trailing zeros) = %v, %v", a, err)
	}
}

func TestCurrencyText(t *testing.T) {
	var c Currency
	if err := c.UnmarshalText([]byte("kes")); err != nil || c != "KES" {
		t.Errorf("UnmarshalText(kes) = %q, %v", c, err)
	}
	if err := c.UnmarshalText([]byte("K3S")); !errors.Is(err, ErrUnknownCurrency) {
		t.Errorf("UnmarshalText(K3S) error = %v", err)
	}
	if len(Currencies()) < 100 {
		t.Errorf("Currencies() has %d entries", len(Currencies()))
	}
}
