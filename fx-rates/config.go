package fxrates

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/remitflow/remitflow/domain/money"
	"github.com/shopspring/decimal"
)

// Limits on corridor configuration.
const (
	// MaxQuoteTTL is the longest quote time-to-live a corridor may set.
	MaxQuoteTTL = 24 * time.Hour
	// MaxSendDigits bounds a corridor's maximum send amount to below
	// 10^MaxSendDigits units of the send currency.
	MaxSendDigits = 15
)

var (
	tenThousand = decimal.New(10000, 0)
	hundred     = decimal.New(100, 0)
	maxSendCap  = decimal.New(1, MaxSendDigits)
)

// PricingConfig is the corridor pricing table, usually loaded from JSON with
// LoadPricingConfig:
//
//	{"corridors":[{"send":"USD","receive":"KES","margin_bps":"150",
//	  "fixed_fee":"2.99","fee_percent":"0.5","min_send":"10",
//	  "max_send":"5000","quote_ttl":"15m","receive_unit":"1"}]}
type PricingConfig struct {
	Corridors []CorridorConfig `json:"corridors"`
}

// CorridorConfig prices one send → receive corridor. Decimal fields accept
// JSON strings or numbers and are read exactly.
type CorridorConfig struct {
	// Send and Receive are the corridor's currencies.
	Send    money.Currency `json:"send"`
	Receive money.Currency `json:"receive"`
	// MarginBps is the FX margin in basis points below the mid rate
	// (150 = 1.5%): customer rate = mid × (1 − MarginBps/10000). 0 ≤ MarginBps < 10000,
	// at most 4 decimal places.
	MarginBps decimal.Decimal `json:"margin_bps"`
	// FixedFee is charged on top of the send amount, in the send currency,
	// a whole number of minor units, not negative.
	FixedFee decimal.Decimal `json:"fixed_fee"`
	// FeePercent is a percentage of the send amount charged on top of it
	// (0.5 = 0.5%), 0 ≤ FeePercent < 100, at most 6 decimal places; the fee
	// is rounded half-to-even to the send currency's minor units.
	FeePercent decimal.Decimal `json:"fee_percent"`
	// MinSend and MaxSend bound the send amount (fees excluded), in the
	// send currency, whole minor units, 0 < MinSend ≤ MaxSend < 10^15.
	MinSend decimal.Decimal `json:"min_send"`
	MaxSend decimal.Decimal `json:"max_send"`
	// QuoteTTL is how long a quote stays valid, 0 < QuoteTTL ≤ MaxQuoteTTL.
	QuoteTTL Duration `json:"quote_ttl"`
	// ReceiveUnit is the smallest step, in the receive currency, that the
	// corridor's payout partner can pay: "1" for a partner that pays whole
	// shillings only. Optional; zero (or absent) means one minor unit of the
	// receive currency. Otherwise it must be a positive whole number of
	// receive minor units below 10^MaxSendDigits units. Fixed-send quotes
	// round the receive amount down to a multiple of it; fixed-receive
	// quotes accept only receive amounts that are multiples of it.
	ReceiveUnit decimal.Decimal `json:"receive_unit,omitzero"`
}

// Unit returns the corridor's effective receive unit: ReceiveUnit, or one
// minor unit of the receive currency when ReceiveUnit is zero.
func (c CorridorConfig) Unit() decimal.Decimal {
	if c.ReceiveUnit.IsZero() {
		return decimal.New(1, -c.Receive.MinorUnits())
	}
	return c.ReceiveUnit
}

// Pair returns the corridor as a pair: Send/Receive.
func (c CorridorConfig) Pair() Pair { return Pair{Base: c.Send, Quote: c.Receive} }

// Validate checks the corridor against the rules documented on its fields;
// errors wrap ErrInvalidConfig.
func (c CorridorConfig) Validate() error {
	p := c.Pair()
	if err := p.Validate(); err != nil {
		return fmt.Errorf("%w: corridor: %w", ErrInvalidConfig, err)
	}
	bad := func(field, why string) error {
		return fmt.Errorf("%w: corridor %s: %s %s", ErrInvalidConfig, p, field, why)
	}
	sm := c.Send.MinorUnits()
	switch {
	case c.MarginBps.IsNegative() || c.MarginBps.GreaterThanOrEqual(tenThousand):
		return bad("margin_bps", "must be at least 0 and below 10000")
	case !c.MarginBps.Equal(c.MarginBps.Truncate(4)):
		return bad("margin_bps", "has more than 4 decimal places")
	case c.FixedFee.IsNegative():
		return bad("fixed_fee", "is negative")
	case c.FixedFee.GreaterThanOrEqual(maxSendCap) || !c.FixedFee.Equal(c.FixedFee.Truncate(sm)):
		return bad("fixed_fee", fmt.Sprintf("must be whole %s minor units below 10^%d", c.Send, MaxSendDigits))
	case c.FeePercent.IsNegative() || c.FeePercent.GreaterThanOrEqual(hundred):
		return bad("fee_percent", "must be at least 0 and below 100")
	case !c.FeePercent.Equal(c.FeePercent.Truncate(6)):
		return bad("fee_percent", "has more than 6 decimal places")
	case !c.MinSend.IsPositive():
		return bad("min_send", "must be positive")
	case !c.MinSend.Equal(c.MinSend.Truncate(sm)) || !c.MaxSend.Equal(c.MaxSend.Truncate(sm)):
		return bad("min_send and max_send", fmt.Sprintf("must be whole %s minor units", c.Send))
	case c.MaxSend.LessThan(c.MinSend):
		return bad("max_send", "is below min_send")
	case c.MaxSend.GreaterThanOrEqual(maxSendCap):
		return bad("max_send", fmt.Sprintf("must be below 10^%d", MaxSendDigits))
	case c.QuoteTTL <= 0 || time.Duration(c.QuoteTTL) > MaxQuoteTTL:
		return bad("quote_ttl", fmt.Sprintf("must be positive and at most %s", MaxQuoteTTL))
	case c.ReceiveUnit.IsNegative():
		return bad("receive_unit", "is negative")
	case !c.ReceiveUnit.Equal(c.ReceiveUnit.Truncate(c.Receive.MinorUnits())):
		return bad("receive_unit", fmt.Sprintf("must be a whole number of %s minor units (%s)", c.Receive, decimal.New(1, -c.Receive.MinorUnits())))
	case c.ReceiveUnit.GreaterThanOrEqual(maxSendCap):
		return bad("receive_unit", fmt.Sprintf("must be below 10^%d", MaxSendDigits))
	}
	return nil
}

// Validate checks every corridor and refuses a corridor configured twice;
// errors wrap ErrInvalidConfig.
func (c PricingConfig) Validate() error {
	if len(c.Corridors) == 0 {
		return fmt.Errorf("%w: no corridors", ErrInvalidConfig)
	}
	seen := map[Pair]bool{}
	for _, k := range c.Corridors {
		if err := k.Validate(); err != nil {
			return err
		}
		if seen[k.Pair()] {
			return fmt.Errorf("%w: corridor %s configured twice", ErrInvalidConfig, k.Pair())
		}
		seen[k.Pair()] = true
	}
	return nil
}

// LoadPricingConfig reads a PricingConfig from JSON, refusing unknown fields
// and trailing data, and validates it. Errors wrap ErrInvalidConfig.
func LoadPricingConfig(r io.Reader) (PricingConfig, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxDocumentBytes+1))
	if err != nil {
		return PricingConfig{}, fmt.Errorf("load pricing config: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var c PricingConfig
	if err := dec.Decode(&c); err != nil {
		return PricingConfig{}, fmt.Errorf("%w: pricing config: %v", ErrInvalidConfig, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return PricingConfig{}, fmt.Errorf("%w: pricing config: data after the document", ErrInvalidConfig)
	}
	if err := c.Validate(); err != nil {
		return PricingConfig{}, err
	}
	return c, nil
}

// Duration is a time.Duration that reads and writes JSON as a Go duration
// string ("15m", "1h30m").
type Duration time.Duration

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; it accepts what
// time.ParseDuration accepts.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%w: duration %q: %v", ErrInvalidConfig, clip(string(b)), err)
	}
	*d = Duration(v)
	return nil
}
