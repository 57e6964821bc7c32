package money

import (
	"strconv"
)

// pow10 holds 10^0 … 10^18.
var pow10 = func() [19]uint64 {
	var p [19]uint64
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// appendValue appends the canonical text of a (see ValueString). Values whose
// coefficient has at most 18 digits, which is every amount in practice, are
// formatted from an int64 without big-integer arithmetic; others take the
// exact general path.
func (a Amount) appendValue(b []byte) []byte {
	places := a.Currency.MinorUnits()
	digits := a.Value.NumDigits()
	exp := a.Value.Exponent()
	if digits > 18 || (exp > 0 && int(exp)+digits > 18) {
		return append(b, a.valueStringExact()...)
	}
	coef := a.Value.CoefficientInt64()
	neg := coef < 0
	u := uint64(coef)
	if neg {
		u = uint64(-coef)
	}
	scale := int32(0)
	if exp > 0 {
		u *= pow10[exp]
	} else {
		scale = -exp
	}
	// Drop trailing zeros beyond the minor unit.
	for scale > places && u%10 == 0 {
		u /= 10
		scale--
	}
	if neg && u != 0 {
		b = append(b, '-')
	}
	var tmp [24]byte
	s := strconv.AppendUint(tmp[:0], u, 10)
	if scale == 0 {
		b = append(b, s...)
	} else {
		if int32(len(s)) <= scale { // 0.00ddd
			b = append(b, '0', '.')
			for i := int32(len(s)); i < scale; i++ {
				b = append(b, '0')
			}
			b = append(b, s...)
		} else {
			cut := len(s) - int(scale)
			b = append(b, s[:cut]...)
			b = append(b, '.')
			b = append(b, s[cut:]...)
		}
	}
	if scale < places {
		if scale == 0 {
			b = append(b, '.')
		}
		for i := scale; i < places; i++ {
			b = append(b, '0')
		}
	}
	return b
}
