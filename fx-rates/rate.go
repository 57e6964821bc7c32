package fxrates

import (
	"fmt"
	"strings"
	"time"

	"github.com/remitflow/remitflow/domain/money"
	"github.com/shopspring/decimal"
)

// Pair is a currency pair: one unit of Base costs a rate's worth of Quote
// (EUR/USD 1.1005 means 1 EUR = 1.1005 USD).
type Pair struct {
	Base  money.Currency `json:"base"`
	Quote money.Currency `json:"quote"`
}

// NewPair returns the pair after checking that both currencies are known and
// differ. It returns an error wrapping ErrInvalidPair.
func NewPair(base, quote money.Currency) (Pair, error) {
	p := Pair{Base: base, Quote: quote}
	if err := p.Validate(); err != nil {
		return Pair{}, err
	}
	return p, nil
}

// MustPair is NewPair that panics on error; for constants and tests.
func MustPair(base, quote string) Pair {
	p, err := NewPair(money.Currency(base), money.Currency(quote))
	if err != nil {
		panic(err)
	}
	return p
}

// ParsePair parses "EUR/USD", "EUR-USD" or "EURUSD" (case-insensitive). It
// returns an error wrapping ErrInvalidPair.
func ParsePair(s string) (Pair, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	var b, q string
	switch {
	case len(t) == 7 && (t[3] == '/' || t[3] == '-'):
		b, q = t[:3], t[4:]
	case len(t) == 6:
		b, q = t[:3], t[3:]
	default:
		return Pair{}, fmt.Errorf("%w: %q is not BASE/QUOTE", ErrInvalidPair, s)
	}
	return NewPair(money.Currency(b), money.Currency(q))
}

// Validate checks that both currencies are known and differ; it returns an
// error wrapping ErrInvalidPair.
func (p Pair) Validate() error {
	if !p.Base.Valid() || !p.Quote.Valid() {
		return fmt.Errorf("%w: %q/%q: unknown currency", ErrInvalidPair, string(p.Base), string(p.Quote))
	}
	if p.Base == p.Quote {
		return fmt.Errorf("%w: %s/%s: same currency twice", ErrInvalidPair, p.Base, p.Quote)
	}
	return nil
}

// Inverse returns the pair the other way round (USD/EUR for EUR/USD).
func (p Pair) Inverse() Pair { return Pair{Base: p.Quote, Quote: p.Base} }

// String formats as "EUR/USD".
func (p Pair) String() string { return string(p.Base) + "/" + string(p.Quote) }

// MarshalText implements encoding.TextMarshaler ("EUR/USD").
func (p Pair) MarshalText() ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return []byte(p.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler; see ParsePair.
func (p *Pair) UnmarshalText(b []byte) error {
	q, err := ParsePair(string(b))
	if err != nil {
		return err
	}
	*p = q
	return nil
}

// Rate is the price of a pair at an instant. Mid is always positive; Bid and
// Ask are zero when the source does not publish them (a zero rate is never
// valid, so zero unambiguously means "unknown").
type Rate struct {
	Pair Pair            `json:"pair"`
	Mid  decimal.Decimal `json:"mid"`
	Bid  decimal.Decimal `json:"bid,omitzero"`
	Ask  decimal.Decimal `json:"ask,omitzero"`
	// Source names where the rate came from; a rate derived from two sources
	// names both, joined by "+" ("ecb+oxr").
	Source string `json:"source"`
	// AsOf is when the rate took effect; for a derived rate, the oldest as-of
	// of the rates it was derived from.
	AsOf time.Time `json:"as_of"`
	// Via lists the pivot currencies of a cross rate in path order; it is
	// empty for a published or inverse rate.
	Via []money.Currency `json:"via,omitempty"`
	// Derived is true when the rate is an inverse or a cross rate, rounded to
	// DerivedRateDigits significant digits.
	Derived bool `json:"derived,omitempty"`
}

// HasBidAsk reports whether the rate carries both a bid and an ask.
func (r Rate) HasBidAsk() bool { return !r.Bid.IsZero() && !r.Ask.IsZero() }

// String formats as "EUR/USD 1.1005 (ecb, 2020-01-28T15:00:00Z)".
func (r Rate) String() string {
	return fmt.Sprintf("%s %s (%s, %s)", r.Pair, r.Mid.String(), r.Source, r.AsOf.UTC().Format(time.RFC3339))
}
