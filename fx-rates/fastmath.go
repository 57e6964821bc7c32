package fxrates

import (
	"math"
	"math/bits"

	"github.com/shopspring/decimal"
)

// The quote fast path works on integers: amounts in minor units (int64) and
// rates as coefficient × 10^-scale (uint64). Every helper reports ok=false
// instead of overflowing; callers then fall back to exact decimal arithmetic.

var pow10 = [...]uint64{
	1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
}

// fixed is a non-negative decimal coef × 10^-scale.
type fixed struct {
	coef  uint64
	scale int32
}

// toFixed converts a non-negative decimal whose coefficient fits in 64 bits.
func toFixed(d decimal.Decimal) (fixed, bool) {
	if d.Sign() < 0 {
		return fixed{}, false
	}
	c := d.Coefficient()
	if !c.IsUint64() {
		return fixed{}, false
	}
	f := fixed{coef: c.Uint64(), scale: -d.Exponent()}
	for f.scale < 0 {
		hi, lo := bits.Mul64(f.coef, 10)
		if hi != 0 {
			return fixed{}, false
		}
		f.coef, f.scale = lo, f.scale+1
	}
	return f, true
}

// mulScale returns a·b·10^-e as a quotient, remainder and divisor (for e ≤ 0
// the remainder is 0 and the divisor 1).
func mulScale(a, b uint64, e int32) (q, r, d uint64, ok bool) {
	hi, lo := bits.Mul64(a, b)
	switch {
	case e >= 0 && int(e) < len(pow10):
		d = pow10[e]
		if hi >= d {
			return 0, 0, 0, false
		}
		q, r = bits.Div64(hi, lo, d)
		return q, r, d, true
	case e < 0 && int(-e) < len(pow10):
		if hi != 0 {
			return 0, 0, 0, false
		}
		hi, lo = bits.Mul64(lo, pow10[-e])
		if hi != 0 {
			return 0, 0, 0, false
		}
		return lo, 0, 1, true
	}
	return 0, 0, 0, false
}

// roundHalfEven rounds q + r/d.
func roundHalfEven(q, r, d uint64) uint64 {
	if r > d-r || (r == d-r && q&1 == 1) {
		return q + 1
	}
	return q
}

// ceilDivScaled returns ceil(a·10^e / b).
func ceilDivScaled(a, b uint64, e int32) (uint64, bool) {
	if b == 0 {
		return 0, false
	}
	var hi, lo uint64
	switch {
	case e >= 0 && int(e) < len(pow10):
		hi, lo = bits.Mul64(a, pow10[e])
	case e < 0 && int(-e) < len(pow10):
		h, l := bits.Mul64(b, pow10[-e])
		if h != 0 {
			return 0, false
		}
		hi, lo, b = 0, a, l
	default:
		return 0, false
	}
	if hi >= b {
		return 0, false
	}
	q, r := bits.Div64(hi, lo, b)
	if r != 0 {
		if q == math.MaxUint64 {
			return 0, false
		}
		q++
	}
	return q, true
}

// minorUnits returns d in minor units of a currency with places decimals.
// exact is false when d has a fraction of a minor unit; ok is false when
// the result does not fit an int64 or d is negative.
func minorUnits(d decimal.Decimal, places int32) (v int64, exact, ok bool) {
	if d.Sign() < 0 {
		return 0, true, false
	}
	if d.NumDigits() > 18 {
		return 0, d.Shift(places).IsInteger(), false
	}
	c := uint64(d.CoefficientInt64())
	k := d.Exponent() + places
	switch {
	case k >= 0:
		if int(k) >= len(pow10) {
			return 0, c == 0, c == 0
		}
		hi, lo := bits.Mul64(c, pow10[k])
		if hi != 0 || lo > math.MaxInt64 {
			return 0, true, false
		}
		return int64(lo), true, true
	case int(-k) < len(pow10):
		p := pow10[-k]
		if c%p != 0 {
			return 0, false, true
		}
		return int64(c / p), true, true
	default:
		return 0, c == 0, true
	}
}
