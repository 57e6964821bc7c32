package fxrates

import (
	"fmt"
	"math"
	"slices"
	"sync/atomic"
	"time"

	"github.com/remitflow/remitflow/domain/money"
	"github.com/shopspring/decimal"
)

// QuoteKind says which side of a quote the customer fixed.
type QuoteKind string

// Quote kinds.
const (
	// FixedSend: the customer chose the send amount; the receive amount is
	// send × customer rate, rounded down to a multiple of the corridor's
	// receive unit (by default one minor unit of the receive currency).
	FixedSend QuoteKind = "fixed_send"
	// FixedReceive: the customer chose the receive amount, a multiple of
	// the corridor's receive unit, delivered exactly; the send amount is
	// receive ÷ customer rate, rounded up to the send currency's minor
	// units.
	FixedReceive QuoteKind = "fixed_receive"
)

// Fees is the fee breakdown of a quote, all in the send currency.
type Fees struct {
	// Fixed is the corridor's fixed fee.
	Fixed money.Amount `json:"fixed"`
	// Percent is the corridor's percentage fee (0.5 = 0.5%).
	Percent decimal.Decimal `json:"percent"`
	// PercentAmount is Percent of the send amount, rounded half-to-even.
	PercentAmount money.Amount `json:"percent_amount"`
	// Total is Fixed + PercentAmount.
	Total money.Amount `json:"total"`
}

// Quote is a priced offer that explains itself. The customer pays
// TotalCharged = Send + Fees.Total in the send currency and the recipient
// gets Receive, with Receive ≤ Send × CustomerRate always.
type Quote struct {
	Kind QuoteKind `json:"kind"`
	// Pair is the corridor, send currency / receive currency.
	Pair Pair `json:"pair"`
	// MidRate is the market rate the quote was priced from, with its source
	// and as-of.
	MidRate Rate `json:"mid_rate"`
	// CustomerRate is MidRate.Mid × (1 − MarginBps/10000), rounded toward
	// zero to DerivedRateDigits significant digits.
	CustomerRate decimal.Decimal `json:"customer_rate"`
	// MarginBps is the corridor's FX margin in basis points.
	MarginBps decimal.Decimal `json:"margin_bps"`
	// MarginAmount is how much less the recipient gets than at the mid
	// rate: Send × MidRate.Mid − Receive, rounded half-to-even to the
	// receive currency's minor units.
	MarginAmount money.Amount `json:"margin_amount"`
	Fees         Fees         `json:"fees"`
	// Send is the amount converted, fees excluded.
	Send money.Amount `json:"send"`
	// TotalCharged is Send + Fees.Total.
	TotalCharged money.Amount `json:"total_charged"`
	// Receive is what the recipient gets, a multiple of ReceiveUnit.
	Receive money.Amount `json:"receive"`
	// ReceiveUnit is the corridor's receive unit in the receive currency:
	// the smallest step its payout partner pays ("1" for whole shillings,
	// "0.01" for cents). Zero, as in quotes encoded before the field
	// existed, means one minor unit of the receive currency.
	ReceiveUnit decimal.Decimal `json:"receive_unit"`
	// RateAsOf is MidRate.AsOf.
	RateAsOf time.Time `json:"rate_as_of"`
	// QuotedAt is the instant the quote was priced; ExpiresAt is QuotedAt
	// plus the corridor's quote TTL.
	QuotedAt  time.Time `json:"quoted_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// QuoteRequest asks for a quote: Amount is the send amount of a FixedSend
// quote (in Send) or the receive amount of a FixedReceive quote (in
// Receive).
type QuoteRequest struct {
	Kind    QuoteKind      `json:"kind"`
	Send    money.Currency `json:"send"`
	Receive money.Currency `json:"receive"`
	Amount  money.Amount   `json:"amount"`
}

// Quote prices a request at instant now with QuoteFixedSend or
// QuoteFixedReceive. Besides their errors it returns ErrInvalidRequest for
// an unknown kind or an amount in a currency the kind does not expect.
func (p *Pricer) Quote(req QuoteRequest, now time.Time) (Quote, error) {
	switch req.Kind {
	case FixedSend:
		if req.Amount.Currency != req.Send {
			return Quote{}, fmt.Errorf("%w: fixed-send amount %s is not in %s: %w", ErrInvalidRequest, req.Amount, req.Send, money.ErrCurrencyMismatch)
		}
		return p.QuoteFixedSend(req.Amount, req.Receive, now)
	case FixedReceive:
		if req.Amount.Currency != req.Receive {
			return Quote{}, fmt.Errorf("%w: fixed-receive amount %s is not in %s: %w", ErrInvalidRequest, req.Amount, req.Receive, money.ErrCurrencyMismatch)
		}
		return p.QuoteFixedReceive(req.Send, req.Amount, now)
	}
	return Quote{}, fmt.Errorf("%w: quote kind %q (want %q or %q)", ErrInvalidRequest, string(req.Kind), FixedSend, FixedReceive)
}

// Check verifies a quote's internal consistency, for quotes read back from
// events or received from elsewhere: known kind, pair and currencies that
// match it, positive send and receive amounts in whole minor units, a
// receive unit that is a positive whole number of receive minor units (or
// zero for one minor unit) with Receive a multiple of it, fees and total
// that add up, a customer rate no higher than the mid rate, Receive ≤ Send ×
// CustomerRate (and, for a fixed-send quote, Send × CustomerRate rounded
// down to a multiple of the receive unit), and an expiry after the quote
// instant. It returns an error wrapping ErrInvalidQuote naming the first
// broken rule.
func (q Quote) Check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidQuote, fmt.Sprintf(format, args...))
	}
	s, r := q.Pair.Base, q.Pair.Quote
	switch {
	case q.Kind != FixedSend && q.Kind != FixedReceive:
		return bad("kind %q", string(q.Kind))
	case q.Pair.Validate() != nil:
		return bad("pair %q/%q", string(s), string(r))
	case q.Send.Currency != s || q.TotalCharged.Currency != s || q.Fees.Fixed.Currency != s ||
		q.Fees.PercentAmount.Currency != s || q.Fees.Total.Currency != s:
		return bad("send-side amounts must be in %s", s)
	case q.Receive.Currency != r || q.MarginAmount.Currency != r:
		return bad("receive-side amounts must be in %s", r)
	case !q.Send.IsPositive() || !q.Receive.IsPositive():
		return bad("send %s and receive %s must be positive", q.Send, q.Receive)
	case !q.Send.IsMinorPrecision() || !q.Receive.IsMinorPrecision() || !q.Fees.Total.IsMinorPrecision():
		return bad("amounts must be whole minor units")
	case q.ReceiveUnit.IsNegative() || !q.ReceiveUnit.Equal(q.ReceiveUnit.Truncate(r.MinorUnits())):
		return bad("receive unit %s must be a positive whole number of %s minor units", q.ReceiveUnit, r)
	case !q.MidRate.Mid.IsPositive() || !q.CustomerRate.IsPositive() || q.CustomerRate.GreaterThan(q.MidRate.Mid):
		return bad("customer rate %s must be positive and at most the mid rate %s", q.CustomerRate, q.MidRate.Mid)
	case !q.Fees.Fixed.Value.Add(q.Fees.PercentAmount.Value).Equal(q.Fees.Total.Value):
		return bad("fees %s + %s != %s", q.Fees.Fixed, q.Fees.PercentAmount, q.Fees.Total)
	case !q.Send.Value.Add(q.Fees.Total.Value).Equal(q.TotalCharged.Value):
		return bad("send %s + fees %s != total charged %s", q.Send, q.Fees.Total, q.TotalCharged)
	case !q.ExpiresAt.After(q.QuotedAt):
		return bad("expires at %s, not after %s", q.ExpiresAt, q.QuotedAt)
	}
	unit := q.ReceiveUnit
	if unit.IsZero() {
		unit = decimal.New(1, -r.MinorUnits())
	}
	if !q.Receive.Value.Mod(unit).IsZero() {
		return bad("receive %s is not a multiple of the receive unit %s %s", q.Receive, unit, r)
	}
	atRate := q.Send.Value.Mul(q.CustomerRate)
	if q.Receive.Value.GreaterThan(atRate) {
		return bad("receive %s exceeds send %s × customer rate %s", q.Receive, q.Send, q.CustomerRate)
	}
	if q.Kind == FixedSend && !roundDownTo(atRate.RoundDown(r.MinorUnits()), unit).Equal(q.Receive.Value) {
		return bad("fixed-send receive %s is not send × customer rate rounded down to a multiple of %s %s", q.Receive, unit, r)
	}
	return nil
}

// roundDownTo rounds a non-negative x down to a multiple of unit.
func roundDownTo(x, unit decimal.Decimal) decimal.Decimal {
	return x.Sub(x.Mod(unit))
}

// Expired reports whether the quote is no longer valid at now (now is at or
// after ExpiresAt).
func (q Quote) Expired(now time.Time) bool { return !now.Before(q.ExpiresAt) }

// Pricer prices quotes for the configured corridors from a rate book. It is
// safe for concurrent use; it caches each corridor's customer rate until the
// book changes or the rate's validity window ends.
type Pricer struct {
	book      *RateBook
	corridors map[uint32]*corridor // by pairKey
	order     []CorridorConfig
}

// pairKey packs two three-letter codes into one integer map key (cheaper
// to hash than two strings); ok is false for anything but upper-case
// three-letter codes.
func pairKey(a, b money.Currency) (uint32, bool) {
	ka, okA := codeKey(a)
	kb, okB := codeKey(b)
	return ka<<16 | kb, okA && okB
}

func codeKey(c money.Currency) (uint32, bool) {
	if len(c) != 3 {
		return 0, false
	}
	var k uint32
	for i := 0; i < 3; i++ {
		d := c[i] - 'A'
		if d >= 26 {
			return 0, false
		}
		k = k<<5 | uint32(d)
	}
	return k, true
}

func (p *Pricer) corridor(send, receive money.Currency) (*corridor, bool) {
	k, ok := pairKey(send, receive)
	if !ok {
		return nil, false
	}
	c, ok := p.corridors[k]
	return c, ok
}

// corridor is a CorridorConfig with its derived values precomputed.
type corridor struct {
	cfg                CorridorConfig
	pair               Pair
	sm, rm             int32
	marginFactor       decimal.Decimal // 1 − bps/10000, exact
	feeFrac            decimal.Decimal // percent/100, exact
	fee                fixed
	fixedFee           money.Amount
	minSend, maxSend   money.Amount
	fixedMinor         int64
	minMinor, maxMinor int64
	unit               decimal.Decimal // receive unit, in the receive currency
	unitMinor          int64           // receive unit in receive minor units, ≥ 1
	ttl                time.Duration
	cache              atomic.Pointer[pricedRate]
}

// pricedRate is a corridor's rate at one point of the book's history.
type pricedRate struct {
	version     uint64
	from, until time.Time
	rate        Rate
	customer    decimal.Decimal
	cr, mid     fixed
	fast        bool
}

// NewPricer validates the configuration and returns a pricer over book.
// Errors wrap ErrInvalidConfig.
func NewPricer(book *RateBook, cfg PricingConfig) (*Pricer, error) {
	if book == nil {
		return nil, fmt.Errorf("%w: nil rate book", ErrInvalidConfig)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &Pricer{book: book, corridors: make(map[uint32]*corridor, len(cfg.Corridors)), order: slices.Clone(cfg.Corridors)}
	for _, k := range cfg.Corridors {
		c := &corridor{
			cfg:          k,
			pair:         k.Pair(),
			sm:           k.Send.MinorUnits(),
			rm:           k.Receive.MinorUnits(),
			marginFactor: normalize(tenThousand.Sub(k.MarginBps).Shift(-4)),
			feeFrac:      normalize(k.FeePercent.Shift(-2)),
			ttl:          time.Duration(k.QuoteTTL),
		}
		c.fixedFee = money.Amount{Value: k.FixedFee.Round(c.sm), Currency: k.Send}
		c.minSend = money.Amount{Value: k.MinSend.Round(c.sm), Currency: k.Send}
		c.maxSend = money.Amount{Value: k.MaxSend.Round(c.sm), Currency: k.Send}
		var ok1, ok2, ok3, ok4, ok5 bool
		c.fixedMinor, _, ok1 = minorUnits(k.FixedFee, c.sm)
		c.minMinor, _, ok2 = minorUnits(k.MinSend, c.sm)
		c.maxMinor, _, ok3 = minorUnits(k.MaxSend, c.sm)
		c.fee, ok4 = toFixed(c.feeFrac)
		c.unitMinor, _, ok5 = minorUnits(k.Unit(), c.rm)
		c.unit = decimal.New(c.unitMinor, -c.rm)
		if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || c.unitMinor < 1 {
			return nil, fmt.Errorf("%w: corridor %s: amounts out of range", ErrInvalidConfig, c.pair)
		}
		key, _ := pairKey(c.cfg.Send, c.cfg.Receive) // valid currencies are three upper-case letters
		p.corridors[key] = c
	}
	return p, nil
}

// Corridors returns the configured corridors in configuration order.
func (p *Pricer) Corridors() []CorridorConfig { return slices.Clone(p.order) }

// Corridor returns the configuration of the send → receive corridor.
func (p *Pricer) Corridor(send, receive money.Currency) (CorridorConfig, bool) {
	c, ok := p.corridor(send, receive)
	if !ok {
		return CorridorConfig{}, false
	}
	return c.cfg, true
}

// QuoteFixedSend prices sending exactly send (fees on top) to receive, at
// instant now. It returns errors wrapping ErrCorridorNotConfigured,
// ErrInvalidRequest (send not positive or with a fraction of a minor unit),
// ErrAmountOutOfRange (an *AmountOutOfRangeError naming the corridor's
// limits, or a send amount too small to deliver one receive unit), or the
// book's ErrStaleRate, ErrNoRate and ErrNoPath. The receive amount is
// rounded down to a multiple of the corridor's receive unit.
func (p *Pricer) QuoteFixedSend(send money.Amount, receive money.Currency, now time.Time) (Quote, error) {
	c, ok := p.corridor(send.Currency, receive)
	if !ok {
		return Quote{}, p.notConfigured(send.Currency, receive)
	}
	s, err := c.checkAmount(send, c.cfg.Send)
	if err != nil {
		return Quote{}, err
	}
	if s < c.minMinor || s > c.maxMinor {
		return Quote{}, &AmountOutOfRangeError{Corridor: c.pair, Amount: send, Min: c.minSend, Max: c.maxSend}
	}
	pr, err := p.rate(c, now)
	if err != nil {
		return Quote{}, err
	}
	f := figures{send: send.Value}
	if !pr.fast || !c.fastFixedSend(pr, s, &f) {
		c.exactFixedSend(pr, send.Value, &f)
	}
	if f.receive.IsZero() {
		return Quote{}, fmt.Errorf("%w: %s to %s: %s converts to less than the receive unit %s %s", ErrAmountOutOfRange, c.pair, receive, send, c.unit, receive)
	}
	return c.quote(FixedSend, pr, &f, now), nil
}

// QuoteFixedReceive prices delivering exactly receive from send currency
// send, at instant now. The send amount is computed and rounded up, then
// checked against the corridor's limits; fees are charged on it. It returns
// the errors QuoteFixedSend returns, and ErrInvalidRequest for a receive
// amount that is not a multiple of the corridor's receive unit (a payout
// partner that pays whole shillings cannot deliver 100.50 KES).
func (p *Pricer) QuoteFixedReceive(send money.Currency, receive money.Amount, now time.Time) (Quote, error) {
	c, ok := p.corridor(send, receive.Currency)
	if !ok {
		return Quote{}, p.notConfigured(send, receive.Currency)
	}
	r, err := c.checkAmount(receive, c.cfg.Receive)
	if err != nil {
		return Quote{}, err
	}
	if r%c.unitMinor != 0 {
		return Quote{}, fmt.Errorf("%w: corridor %s: receive amount %s is not a multiple of the receive unit %s %s, the smallest step the payout partner pays",
			ErrInvalidRequest, c.pair, receive, c.unit, c.cfg.Receive)
	}
	pr, err := p.rate(c, now)
	if err != nil {
		return Quote{}, err
	}
	f := figures{receive: receive.Value}
	if !pr.fast || !c.fastFixedReceive(pr, r, &f) {
		c.exactFixedReceive(pr, receive.Value, &f)
	}
	if f.send.LessThan(c.minSend.Value) || f.send.GreaterThan(c.maxSend.Value) {
		return Quote{}, &AmountOutOfRangeError{Corridor: c.pair, Amount: money.Amount{Value: f.send, Currency: send}, Min: c.minSend, Max: c.maxSend}
	}
	return c.quote(FixedReceive, pr, &f, now), nil
}

func (p *Pricer) notConfigured(send, receive money.Currency) error {
	return fmt.Errorf("%w: %s → %s", ErrCorridorNotConfigured, send, receive)
}

// checkAmount returns a in minor units of want.
func (c *corridor) checkAmount(a money.Amount, want money.Currency) (int64, error) {
	if a.Currency != want {
		return 0, fmt.Errorf("%w: corridor %s: amount %s: %w", ErrInvalidRequest, c.pair, a, money.ErrCurrencyMismatch)
	}
	if !a.Value.IsPositive() {
		return 0, fmt.Errorf("%w: corridor %s: amount %s is not positive", ErrInvalidRequest, c.pair, a)
	}
	v, exact, ok := minorUnits(a.Value, a.Currency.MinorUnits())
	if !exact {
		return 0, fmt.Errorf("%w: corridor %s: amount %s has a fraction of a minor unit: %w", ErrInvalidRequest, c.pair, a, money.ErrPrecision)
	}
	if !ok {
		// Too large for int64 minor units, hence far beyond any limit.
		if want == c.cfg.Send {
			return 0, &AmountOutOfRangeError{Corridor: c.pair, Amount: a, Min: c.minSend, Max: c.maxSend}
		}
		return 0, fmt.Errorf("%w: corridor %s: receive amount %s too large", ErrAmountOutOfRange, c.pair, a)
	}
	return v, nil
}

// rate returns the corridor's priced rate at now, from cache when valid.
func (p *Pricer) rate(c *corridor, now time.Time) (*pricedRate, error) {
	if pr := c.cache.Load(); pr != nil && pr.version == p.book.version.Load() &&
		!now.Before(pr.from) && now.Before(pr.until) {
		return pr, nil
	}
	res, err := p.book.resolve(c.pair, now)
	if err != nil {
		return nil, fmt.Errorf("quote %s: %w", c.pair, err)
	}
	r := res.rate
	pr := &pricedRate{version: res.version, from: res.from, until: res.until, rate: r}
	pr.customer = roundSig(r.Mid.Mul(c.marginFactor), DerivedRateDigits, true)
	var ok1, ok2 bool
	pr.cr, ok1 = toFixed(pr.customer)
	pr.mid, ok2 = toFixed(r.Mid)
	pr.fast = ok1 && ok2 && pr.cr.coef != 0
	c.cache.Store(pr)
	return pr, nil
}

// figures are a quote's computed amounts, as decimals in their currencies'
// minor units. The fixed side is filled in by the caller.
type figures struct {
	send, pctFee, receive, margin, totalFee, totalCharged decimal.Decimal
}

func (c *corridor) fastFixedSend(pr *pricedRate, s int64, f *figures) bool {
	recv, _, _, ok := mulScale(uint64(s), pr.cr.coef, c.sm+pr.cr.scale-c.rm)
	if !ok || recv > math.MaxInt64 {
		return false
	}
	if c.unitMinor != 1 {
		recv -= recv % uint64(c.unitMinor)
	}
	f.receive = decimal.New(int64(recv), -c.rm)
	return c.fastRest(pr, s, int64(recv), f)
}

func (c *corridor) fastFixedReceive(pr *pricedRate, r int64, f *figures) bool {
	s, ok := ceilDivScaled(uint64(r), pr.cr.coef, c.sm+pr.cr.scale-c.rm)
	if !ok || s > math.MaxInt64/4 {
		return false
	}
	f.send = decimal.New(int64(s), -c.sm)
	return c.fastRest(pr, int64(s), r, f)
}

// fastRest computes the percentage fee and margin for send s and receive r.
func (c *corridor) fastRest(pr *pricedRate, s, r int64, f *figures) bool {
	q, rem, d, ok := mulScale(uint64(s), c.fee.coef, c.fee.scale)
	if !ok {
		return false
	}
	pct := roundHalfEven(q, rem, d)
	q, rem, d, ok = mulScale(uint64(s), pr.mid.coef, c.sm+pr.mid.scale-c.rm)
	if !ok {
		return false
	}
	atMid := roundHalfEven(q, rem, d)
	if atMid > math.MaxInt64 || pct > math.MaxInt64/4 || atMid < uint64(r) {
		return false
	}
	f.pctFee = decimal.New(int64(pct), -c.sm)
	switch {
	case pct == 0:
		f.totalFee = c.fixedFee.Value
	case c.fixedMinor == 0:
		f.totalFee = f.pctFee
	default:
		f.totalFee = decimal.New(c.fixedMinor+int64(pct), -c.sm)
	}
	f.totalCharged = decimal.New(s+c.fixedMinor+int64(pct), -c.sm)
	f.margin = decimal.New(int64(atMid)-r, -c.rm)
	return true
}

// exactFixedSend is the reference computation in exact decimal arithmetic.
func (c *corridor) exactFixedSend(pr *pricedRate, send decimal.Decimal, f *figures) {
	f.send = send
	f.receive = send.Mul(pr.customer).RoundDown(c.rm)
	if c.unitMinor != 1 {
		f.receive = roundDownTo(f.receive, c.unit)
	}
	c.exactRest(pr, f)
}

// exactFixedReceive is the reference computation in exact decimal arithmetic.
func (c *corridor) exactFixedReceive(pr *pricedRate, receive decimal.Decimal, f *figures) {
	q, r := receive.QuoRem(pr.customer, c.sm)
	if r.Sign() > 0 {
		q = q.Add(decimal.New(1, -c.sm))
	}
	f.send, f.receive = q, receive
	c.exactRest(pr, f)
}

func (c *corridor) exactRest(pr *pricedRate, f *figures) {
	f.pctFee = f.send.Mul(c.feeFrac).RoundBank(c.sm)
	f.margin = f.send.Mul(pr.rate.Mid).RoundBank(c.rm).Sub(f.receive)
	f.totalFee = c.fixedFee.Value.Add(f.pctFee)
	f.totalCharged = f.send.Add(f.totalFee)
}

func (c *corridor) quote(kind QuoteKind, pr *pricedRate, f *figures, now time.Time) Quote {
	send := c.cfg.Send
	mid := pr.rate
	if len(mid.Via) > 0 {
		mid.Via = slices.Clone(mid.Via) // the cached rate stays private
	}
	return Quote{
		Kind:         kind,
		Pair:         c.pair,
		MidRate:      mid,
		CustomerRate: pr.customer,
		MarginBps:    c.cfg.MarginBps,
		MarginAmount: money.Amount{Value: f.margin, Currency: c.cfg.Receive},
		Fees: Fees{
			Fixed:         c.fixedFee,
			Percent:       c.cfg.FeePercent,
			PercentAmount: money.Amount{Value: f.pctFee, Currency: send},
			Total:         money.Amount{Value: f.totalFee, Currency: send},
		},
		Send:         money.Amount{Value: f.send, Currency: send},
		TotalCharged: money.Amount{Value: f.totalCharged, Currency: send},
		Receive:      money.Amount{Value: f.receive, Currency: c.cfg.Receive},
		ReceiveUnit:  c.unit,
		RateAsOf:     pr.rate.AsOf,
		QuotedAt:     now,
		ExpiresAt:    now.Add(c.ttl),
	}
}
