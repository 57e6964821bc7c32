package fxrates

import (
	"fmt"
	"math/big"

	"github.com/shopspring/decimal"
)

// DerivedRateDigits is the number of significant digits of every rate the
// package derives (inverse, cross and customer rates). See the package
// comment for the rounding rules.
const DerivedRateDigits = 12

// Limits on published rates: a rate must be representable with at most
// RateMaxScale decimal places and RateMaxIntegerDigits integer digits.
const (
	// RateMaxScale is the most decimal places a published rate may have.
	RateMaxScale = 18
	// RateMaxIntegerDigits is the most integer digits a published rate may have.
	RateMaxIntegerDigits = 18
)

// parseRate parses a published rate: a decimal number (exponent notation is
// accepted, as JSON numbers may use it) that is positive and within the rate
// limits. Errors wrap ErrInvalidRate.
func parseRate(s string) (decimal.Decimal, error) {
	if s == "" {
		return decimal.Decimal{}, fmt.Errorf("%w: empty", ErrInvalidRate)
	}
	if len(s) > 64 {
		return decimal.Decimal{}, fmt.Errorf("%w: %q… is too long", ErrInvalidRate, s[:32])
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E' {
			return decimal.Decimal{}, fmt.Errorf("%w: %q is not a decimal number", ErrInvalidRate, s)
		}
	}
	if s[0] == '+' || s[0] == '.' || s[len(s)-1] == '.' {
		return decimal.Decimal{}, fmt.Errorf("%w: %q is not a decimal number", ErrInvalidRate, s)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%w: %q is not a decimal number", ErrInvalidRate, s)
	}
	if err := checkRate(d); err != nil {
		return decimal.Decimal{}, fmt.Errorf("%w (%q)", err, s)
	}
	return d, nil
}

// checkRate checks that d is a positive rate within the rate limits.
func checkRate(d decimal.Decimal) error {
	if d.Sign() <= 0 {
		return fmt.Errorf("%w: %s is not positive", ErrInvalidRate, d.String())
	}
	exp := int(d.Exponent())
	if exp > RateMaxIntegerDigits || exp < -4*RateMaxScale {
		return fmt.Errorf("%w: exponent %d out of range", ErrInvalidRate, exp)
	}
	n := normalize(d)
	if int(-n.Exponent()) > RateMaxScale {
		return fmt.Errorf("%w: %s has more than %d decimal places", ErrInvalidRate, n.String(), RateMaxScale)
	}
	if n.NumDigits()+int(n.Exponent()) > RateMaxIntegerDigits {
		return fmt.Errorf("%w: %s has more than %d integer digits", ErrInvalidRate, n.String(), RateMaxIntegerDigits)
	}
	return nil
}

// normalize strips trailing zeros from the coefficient (1.10050 → 1.1005).
func normalize(d decimal.Decimal) decimal.Decimal {
	if d.IsZero() {
		return decimal.Zero
	}
	c := d.Coefficient()
	exp := d.Exponent()
	var q, r big.Int
	ten := big.NewInt(10)
	for {
		q.QuoRem(c, ten, &r)
		if r.Sign() != 0 {
			break
		}
		c.Set(&q)
		exp++
	}
	return decimal.NewFromBigInt(c, exp)
}

// magnitude returns m such that 10^(m-1) <= |d| < 10^m for d != 0.
func magnitude(d decimal.Decimal) int {
	return d.NumDigits() + int(d.Exponent())
}

// roundSig rounds d to digits significant digits, half-to-even when down is
// false, toward zero when down is true. Values with fewer digits are returned
// unchanged.
func roundSig(d decimal.Decimal, digits int, down bool) decimal.Decimal {
	if d.IsZero() || d.NumDigits() <= digits {
		return d
	}
	places := int32(digits - magnitude(d))
	if down {
		return normalize(d.RoundDown(places))
	}
	return normalize(d.RoundBank(places))
}

// ratio returns num/den rounded half-to-even to digits significant digits,
// computed exactly with a single rounding. Both must be positive.
func ratio(num, den decimal.Decimal, digits int) decimal.Decimal {
	// The quotient lies in [10^(k-1), 10^(k+1)); one exact comparison tells
	// which decade.
	k := magnitude(num) - magnitude(den)
	mag := k
	if num.Cmp(den.Shift(int32(k))) >= 0 {
		mag = k + 1
	}
	return normalize(divRoundBank(num, den, int32(digits-mag)))
}

// divRoundBank returns num/den rounded half-to-even to places decimal places.
func divRoundBank(num, den decimal.Decimal, places int32) decimal.Decimal {
	q, r := num.QuoRem(den, places)
	if r.IsZero() {
		return q
	}
	// Compare 2|r| with |den|·10^-places.
	unit := decimal.New(1, -places)
	twice := r.Abs().Add(r.Abs())
	half := den.Abs().Mul(unit)
	step := unit
	if num.Sign()*den.Sign() < 0 {
		step = unit.Neg()
	}
	switch c := twice.Cmp(half); {
	case c > 0:
		return q.Add(step)
	case c == 0:
		// q has exponent -places, so its coefficient's parity is the
		// parity of the last kept digit.
		if new(big.Int).Abs(q.Coefficient()).Bit(0) == 1 {
			return q.Add(step)
		}
	}
	return q
}

var one = decimal.New(1, 0)
