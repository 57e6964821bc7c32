package money

import (
	"fmt"
	"sort"
	"strings"
)

// Currency is an ISO 4217 alphabetic currency code such as "USD" or "KES".
// The zero value is not a valid currency; use ParseCurrency to obtain one.
type Currency string

// currencyInfo is one row of the ISO 4217 table.
type currencyInfo struct {
	numeric    int
	minorUnits int32
}

// iso4217 holds every currency the platform knows: at least every currency the
// European Central Bank publishes reference rates for, plus the remittance
// corridor currencies of Africa, Asia and Latin America.
var iso4217 = map[Currency]currencyInfo{
	"AED": {784, 2}, "AFN": {971, 2}, "ALL": {8, 2}, "AMD": {51, 2}, "ARS": {32, 2},
	"AUD": {36, 2}, "BAM": {977, 2}, "BDT": {50, 2}, "BGN": {975, 2}, "BHD": {48, 3},
	"BIF": {108, 0}, "BRL": {986, 2}, "BWP": {72, 2}, "CAD": {124, 2}, "CDF": {976, 2},
	"CHF": {756, 2}, "CLP": {152, 0}, "CNY": {156, 2}, "COP": {170, 2}, "CRC": {188, 2},
	"CYP": {196, 2}, "CZK": {203, 2}, "DKK": {208, 2}, "DZD": {12, 2}, "EEK": {233, 2},
	"EGP": {818, 2}, "ETB": {230, 2}, "EUR": {978, 2}, "GBP": {826, 2}, "GEL": {981, 2},
	"GHS": {936, 2}, "GMD": {270, 2}, "GNF": {324, 0}, "GTQ": {320, 2}, "HKD": {344, 2},
	"HNL": {340, 2}, "HRK": {191, 2}, "HTG": {332, 2}, "HUF": {348, 2}, "IDR": {360, 2},
	"ILS": {376, 2}, "INR": {356, 2}, "IQD": {368, 3}, "ISK": {352, 0}, "JMD": {388, 2},
	"JOD": {400, 3}, "JPY": {392, 0}, "KES": {404, 2}, "KGS": {417, 2}, "KHR": {116, 2},
	"KRW": {410, 0}, "KWD": {414, 3}, "KZT": {398, 2}, "LBP": {422, 2}, "LKR": {144, 2},
	"LRD": {430, 2}, "LSL": {426, 2}, "LTL": {440, 2}, "LVL": {428, 2}, "LYD": {434, 3},
	"MAD": {504, 2}, "MDL": {498, 2}, "MGA": {969, 2}, "MKD": {807, 2}, "MMK": {104, 2},
	"MNT": {496, 2}, "MTL": {470, 2}, "MUR": {480, 2}, "MWK": {454, 2}, "MXN": {484, 2},
	"MYR": {458, 2}, "MZN": {943, 2}, "NAD": {516, 2}, "NGN": {566, 2}, "NIO": {558, 2},
	"NOK": {578, 2}, "NPR": {524, 2}, "NZD": {554, 2}, "OMR": {512, 3}, "PEN": {604, 2},
	"PHP": {608, 2}, "PKR": {586, 2}, "PLN": {985, 2}, "PYG": {600, 0}, "QAR": {634, 2},
	"RON": {946, 2}, "RSD": {941, 2}, "RUB": {643, 2}, "RWF": {646, 0}, "SAR": {682, 2},
	"SDG": {938, 2}, "SEK": {752, 2}, "SGD": {702, 2}, "SIT": {705, 2}, "SKK": {703, 2},
	"SLE": {925, 2}, "SOS": {706, 2}, "SSP": {728, 2}, "SZL": {748, 2}, "THB": {764, 2},
	"TND": {788, 3}, "TOP": {776, 2}, "TRY": {949, 2}, "TTD": {780, 2}, "TWD": {901, 2},
	"TZS": {834, 2}, "UAH": {980, 2}, "UGX": {800, 0}, "USD": {840, 2}, "UYU": {858, 2},
	"UZS": {860, 2}, "VES": {928, 2}, "VND": {704, 0}, "XAF": {950, 0}, "XCD": {951, 2},
	"XOF": {952, 0}, "YER": {886, 2}, "ZAR": {710, 2}, "ZMW": {967, 2}, "ZWL": {932, 2},
}

// ParseCurrency returns the currency for an ISO 4217 alphabetic code. Surrounding
// white space is ignored and lower case is accepted. It returns an error wrapping
// ErrUnknownCurrency for any code not in the table.
func ParseCurrency(code string) (Currency, error) {
	c := Currency(strings.ToUpper(strings.TrimSpace(code)))
	if _, ok := iso4217[c]; !ok {
		return "", fmt.Errorf("%w: %q", ErrUnknownCurrency, code)
	}
	return c, nil
}

// MustParseCurrency is ParseCurrency that panics on error; for constants and tests.
func MustParseCurrency(code string) Currency {
	c, err := ParseCurrency(code)
	if err != nil {
		panic(err)
	}
	return c
}

// Valid reports whether c is a known ISO 4217 currency.
func (c Currency) Valid() bool {
	_, ok := iso4217[c]
	return ok
}

// MinorUnits returns the number of decimal places of the currency's minor unit
// (2 for USD, 0 for JPY, 3 for BHD). Unknown currencies report 2.
func (c Currency) MinorUnits() int32 {
	if info, ok := iso4217[c]; ok {
		return info.minorUnits
	}
	return 2
}

// Numeric returns the ISO 4217 numeric code, or 0 for an unknown currency.
func (c Currency) Numeric() int { return iso4217[c].numeric }

// String returns the alphabetic code.
func (c Currency) String() string { return string(c) }

// MarshalText implements encoding.TextMarshaler.
func (c Currency) MarshalText() ([]byte, error) {
	if !c.Valid() {
		return nil, fmt.Errorf("%w: %q", ErrUnknownCurrency, string(c))
	}
	return []byte(c), nil
}

// UnmarshalText implements encoding.TextUnmarshaler; it refuses unknown codes.
func (c *Currency) UnmarshalText(b []byte) error {
	p, err := ParseCurrency(string(b))
	if err != nil {
		return err
	}
	*c = p
	return nil
}

// Currencies returns every known currency, sorted by code.
func Currencies() []Currency {
	out := make([]Currency, 0, len(iso4217))
	for c := range iso4217 {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
