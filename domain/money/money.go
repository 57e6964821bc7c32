// Package money is the platform's only representation of an amount of money:
// an exact decimal value (github.com/shopspring/decimal, never float64) tagged
// with an ISO 4217 currency.
//
// Rules:
//   - Arithmetic between two amounts refuses mixed currencies (ErrCurrencyMismatch).
//   - Nothing rounds implicitly. Amounts may carry more precision than the
//     currency's minor unit (up to MaxScale decimal places) so that
//     micropayments of a fraction of a cent accumulate exactly; Round (banker's
//     half-even) and RoundDown bring an amount to minor units at the edges.
//   - Parsing is strict: plain decimal notation only, no exponents, NaN or
//     infinities, at most MaxIntegerDigits digits before the point and
//     MaxScale after it.
//   - JSON is {"value":"12.50","currency":"USD"} with the value as a string.
package money

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Limits on the amounts the platform accepts.
const (
	// MaxScale is the largest number of decimal places an amount may carry.
	MaxScale = 18
	// MaxIntegerDigits is the largest number of digits before the decimal point.
	MaxIntegerDigits = 24
)

// Errors returned by this package. Test with errors.Is.
var (
	// ErrUnknownCurrency means a currency code is not in the ISO 4217 table.
	ErrUnknownCurrency = errors.New("money: unknown currency")
	// ErrInvalidAmount means a value is not a plain decimal number within limits.
	ErrInvalidAmount = errors.New("money: invalid amount")
	// ErrCurrencyMismatch means an operation mixed two currencies.
	ErrCurrencyMismatch = errors.New("money: currency mismatch")
	// ErrPrecision means a value has more decimal places than allowed.
	ErrPrecision = errors.New("money: too many decimal places")
)

// Amount is an exact decimal value in one currency. The zero Amount has no
// currency and is only useful as a placeholder; construct amounts with New,
// Parse, Zero or FromMinor.
type Amount struct {
	Value    decimal.Decimal
	Currency Currency
}

// New returns an amount after checking the currency and the value's limits.
func New(value decimal.Decimal, c Currency) (Amount, error) {
	if !c.Valid() {
		return Amount{}, fmt.Errorf("%w: %q", ErrUnknownCurrency, string(c))
	}
	if err := checkLimits(value); err != nil {
		return Amount{}, err
	}
	return Amount{Value: value, Currency: c}, nil
}

// Zero returns a zero amount in c.
func Zero(c Currency) Amount { return Amount{Value: decimal.Zero, Currency: c} }

// Parse parses a plain decimal string such as "12.50", "-0.0001" or "1000" and a
// currency code. See the package comment for the accepted syntax.
func Parse(value, currency string) (Amount, error) {
	c, err := ParseCurrency(currency)
	if err != nil {
		return Amount{}, err
	}
	d, err := ParseDecimal(value)
	if err != nil {
		return Amount{}, err
	}
	return Amount{Value: d, Currency: c}, nil
}

// MustParse is Parse that panics on error; for constants and tests.
func MustParse(value, currency string) Amount {
	a, err := Parse(value, currency)
	if err != nil {
		panic(err)
	}
	return a
}

// ParseDecimal parses a plain decimal number under the package's rules: an
// optional leading minus, digits, and an optional fraction. It returns an error
// wrapping ErrInvalidAmount or ErrPrecision.
func ParseDecimal(s string) (decimal.Decimal, error) {
	if s == "" {
		return decimal.Decimal{}, fmt.Errorf("%w: empty value", ErrInvalidAmount)
	}
	body := s
	if body[0] == '-' {
		body = body[1:]
	}
	intPart, frac, hasPoint := strings.Cut(body, ".")
	if intPart == "" || (hasPoint && frac == "") || !allDigits(intPart) || !allDigits(frac) {
		return decimal.Decimal{}, fmt.Errorf("%w: %q is not a plain decimal number", ErrInvalidAmount, truncate(s))
	}
	if len(strings.TrimLeft(intPart, "0")) > MaxIntegerDigits {
		return decimal.Decimal{}, fmt.Errorf("%w: %q has more than %d integer digits", ErrInvalidAmount, truncate(s), MaxIntegerDigits)
	}
	if len(frac) > MaxScale {
		return decimal.Decimal{}, fmt.Errorf("%w: %q has more than %d decimal places", ErrPrecision, truncate(s), MaxScale)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%w: %q: %v", ErrInvalidAmount, truncate(s), err)
	}
	return d, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func checkLimits(d decimal.Decimal) error {
	if -d.Exponent() > MaxScale {
		// Trailing zeros beyond MaxScale are harmless; anything else is not.
		if !d.Equal(d.Truncate(MaxScale)) {
			return fmt.Errorf("%w: %s has more than %d decimal places", ErrPrecision, d.String(), MaxScale)
		}
	}
	if len(d.Abs().Truncate(0).String()) > MaxIntegerDigits {
		return fmt.Errorf("%w: %s has more than %d integer digits", ErrInvalidAmount, d.String(), MaxIntegerDigits)
	}
	return nil
}

// FromMinor returns the amount of minor units (cents for USD, yen for JPY).
func FromMinor(minor int64, c Currency) Amount {
	return Amount{Value: decimal.New(minor, -c.MinorUnits()), Currency: c}
}

// Minor returns the amount in minor units. It fails with ErrPrecision when the
// amount has a fraction of a minor unit; round first.
func (a Amount) Minor() (int64, error) {
	m := a.Value.Shift(a.Currency.MinorUnits())
	if !m.IsInteger() {
		return 0, fmt.Errorf("%w: %s is not a whole number of minor units", ErrPrecision, a)
	}
	return m.IntPart(), nil
}

// Add returns a+b, or ErrCurrencyMismatch.
func (a Amount) Add(b Amount) (Amount, error) {
	if a.Currency != b.Currency {
		return Amount{}, mismatch("add", a, b)
	}
	return Amount{Value: a.Value.Add(b.Value), Currency: a.Currency}, nil
}

// Sub returns a-b, or ErrCurrencyMismatch.
func (a Amount) Sub(b Amount) (Amount, error) {
	if a.Currency != b.Currency {
		return Amount{}, mismatch("subtract", a, b)
	}
	return Amount{Value: a.Value.Sub(b.Value), Currency: a.Currency}, nil
}

// Cmp compares a and b: -1, 0 or +1. Comparing different currencies is an error.
func (a Amount) Cmp(b Amount) (int, error) {
	if a.Currency != b.Currency {
		return 0, mismatch("compare", a, b)
	}
	return a.Value.Cmp(b.Value), nil
}

func mismatch(op string, a, b Amount) error {
	return fmt.Errorf("%w: cannot %s %s and %s", ErrCurrencyMismatch, op, a.Currency, b.Currency)
}

// Neg returns -a.
func (a Amount) Neg() Amount { return Amount{Value: a.Value.Neg(), Currency: a.Currency} }

// Abs returns |a|.
func (a Amount) Abs() Amount { return Amount{Value: a.Value.Abs(), Currency: a.Currency} }

// Mul multiplies by a dimensionless factor (a rate or a percentage) without
// rounding. The result may carry more decimal places than the currency's minor
// unit; round it explicitly where the result leaves the platform.
func (a Amount) Mul(f decimal.Decimal) Amount {
	return Amount{Value: a.Value.Mul(f), Currency: a.Currency}
}

// Round rounds half-to-even (banker's rounding) to the currency's minor units.
func (a Amount) Round() Amount {
	return Amount{Value: a.Value.RoundBank(a.Currency.MinorUnits()), Currency: a.Currency}
}

// RoundDown rounds toward zero to the currency's minor units. Used where the
// platform must never pay out more than it promised.
func (a Amount) RoundDown() Amount {
	return Amount{Value: a.Value.RoundDown(a.Currency.MinorUnits()), Currency: a.Currency}
}

// RoundUp rounds away from zero to the currency's minor units.
func (a Amount) RoundUp() Amount {
	return Amount{Value: a.Value.RoundUp(a.Currency.MinorUnits()), Currency: a.Currency}
}

// IsZero reports whether the value is zero.
func (a Amount) IsZero() bool { return a.Value.IsZero() }

// IsNegative reports whether the value is below zero.
func (a Amount) IsNegative() bool { return a.Value.IsNegative() }

// IsPositive reports whether the value is above zero.
func (a Amount) IsPositive() bool { return a.Value.IsPositive() }

// Equal reports whether both amounts have the same currency and numeric value
// (1.5 USD equals 1.50 USD).
func (a Amount) Equal(b Amount) bool {
	return a.Currency == b.Currency && a.Value.Equal(b.Value)
}

// IsMinorPrecision reports whether the amount is a whole number of minor units.
func (a Amount) IsMinorPrecision() bool {
	return a.Value.Equal(a.Value.Truncate(a.Currency.MinorUnits()))
}

// ValueString formats the value canonically: at least the currency's minor
// units of decimals ("12.50", "1000" for JPY), more when the amount carries
// sub-minor precision ("0.0001"), never trailing zeros beyond the minor unit.
// Equal amounts always format identically, which the event hash chain relies on.
func (a Amount) ValueString() string {
	var buf [32]byte
	return string(a.appendValue(buf[:0]))
}

// valueStringExact is ValueString for any size of value, through big-integer
// arithmetic; appendValue uses it beyond 18 digits and tests compare the two.
func (a Amount) valueStringExact() string {
	places := a.Currency.MinorUnits()
	if exp := -a.Value.Exponent(); exp > places {
		// Keep only the significant sub-minor digits.
		for p := exp; p > places; p-- {
			if !a.Value.Equal(a.Value.Truncate(p - 1)) {
				places = p
				break
			}
		}
	}
	return a.Value.StringFixed(places)
}

// String formats as "12.50 USD".
func (a Amount) String() string { return a.ValueString() + " " + string(a.Currency) }

type amountJSON struct {
	Value    *string `json:"value"`
	Currency *string `json:"currency"`
}

// MarshalJSON encodes {"value":"12.50","currency":"USD"}.
func (a Amount) MarshalJSON() ([]byte, error) {
	if !a.Currency.Valid() {
		return nil, fmt.Errorf("%w: %q", ErrUnknownCurrency, string(a.Currency))
	}
	b := make([]byte, 0, 48)
	b = append(b, `{"value":"`...)
	b = a.appendValue(b)
	b = append(b, `","currency":"`...)
	b = append(b, a.Currency...)
	return append(b, `"}`...), nil
}

// UnmarshalJSON decodes {"value":"12.50","currency":"USD"}. The value must be a
// JSON string (numbers would pass through float64 in many clients); both fields
// are required.
func (a *Amount) UnmarshalJSON(b []byte) error {
	var raw amountJSON
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("%w: value must be a string and currency a code: %v", ErrInvalidAmount, err)
	}
	if raw.Value == nil {
		return fmt.Errorf("%w: missing value", ErrInvalidAmount)
	}
	if raw.Currency == nil {
		return fmt.Errorf("%w: missing currency", ErrUnknownCurrency)
	}
	p, err := Parse(*raw.Value, *raw.Currency)
	if err != nil {
		return err
	}
	*a = p
	return nil
}

// Sum adds amounts of one currency; it returns ErrCurrencyMismatch when the
// amounts mix currencies. The sum of nothing is Zero(c).
func Sum(c Currency, amounts ...Amount) (Amount, error) {
	total := Zero(c)
	for _, x := range amounts {
		var err error
		if total, err = total.Add(x); err != nil {
			return Amount{}, err
		}
	}
	return total, nil
}
