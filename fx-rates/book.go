package fxrates

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/remitflow/remitflow/domain/money"
)

// DefaultMaxAge is the maximum age of a rate when a book's configuration
// sets none: long enough for the ECB's weekend and a one-day holiday.
const DefaultMaxAge = 96 * time.Hour

// MaxPivots bounds the number of pivot currencies a book searches.
const MaxPivots = 4

// BookConfig configures a RateBook. In JSON, durations are Go duration
// strings:
//
//	{"pivots":["EUR","USD"],"sources":["pinned","ecb","oxr"],
//	 "max_age":{"oxr":"2h","pinned":"720h"},"default_max_age":"96h"}
type BookConfig struct {
	// Pivots are the currencies cross rates may go through, in order of
	// preference; the default is EUR then USD. A path uses at most two
	// pivots (GBP→EUR→USD→KES when one source quotes GBP and USD against
	// EUR and another quotes KES against USD).
	Pivots []money.Currency
	// Sources lists source names in order of preference: when two sources
	// quote the same pair, the earlier fresh one wins. Sources not listed
	// come after, in name order.
	Sources []string
	// MaxAge is the maximum age of each source's rates; a rate older than
	// that at the lookup instant is stale.
	MaxAge map[string]time.Duration
	// DefaultMaxAge applies to sources without a MaxAge entry; zero means
	// the package's DefaultMaxAge.
	DefaultMaxAge time.Duration
}

type bookConfigJSON struct {
	Pivots        []money.Currency    `json:"pivots,omitempty"`
	Sources       []string            `json:"sources,omitempty"`
	MaxAge        map[string]Duration `json:"max_age,omitempty"`
	DefaultMaxAge Duration            `json:"default_max_age,omitzero"`
}

// MarshalJSON encodes the configuration with duration strings.
func (c BookConfig) MarshalJSON() ([]byte, error) {
	j := bookConfigJSON{Pivots: c.Pivots, Sources: c.Sources, DefaultMaxAge: Duration(c.DefaultMaxAge)}
	if len(c.MaxAge) > 0 {
		j.MaxAge = make(map[string]Duration, len(c.MaxAge))
		for s, d := range c.MaxAge {
			j.MaxAge[s] = Duration(d)
		}
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes the configuration, refusing unknown fields; the
// values are checked by NewRateBook. Errors wrap ErrInvalidConfig.
func (c *BookConfig) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var j bookConfigJSON
	if err := dec.Decode(&j); err != nil {
		return fmt.Errorf("%w: book config: %w", ErrInvalidConfig, err)
	}
	*c = BookConfig{Pivots: j.Pivots, Sources: j.Sources, DefaultMaxAge: time.Duration(j.DefaultMaxAge)}
	if len(j.MaxAge) > 0 {
		c.MaxAge = make(map[string]time.Duration, len(j.MaxAge))
		for s, d := range j.MaxAge {
			c.MaxAge[s] = time.Duration(d)
		}
	}
	return nil
}

// RateBook keeps every snapshot it is given and answers rate lookups at any
// instant: published rates, inverse rates and cross rates through pivot
// currencies, with per-source staleness. It is safe for concurrent use.
type RateBook struct {
	cfg     BookConfig
	version atomic.Uint64

	mu      sync.RWMutex
	series  map[seriesKey]*series
	sources []string    // priority order
	times   []time.Time // every distinct as-of, sorted
	count   int
}

type seriesKey struct {
	source string
	base   money.Currency
}

// series is one source's snapshots for one base currency, oldest first.
type series struct {
	snaps []seriesEntry
}

type seriesEntry struct {
	asOf  time.Time
	rates map[money.Currency]Price
}

// at returns the newest entry not after t.
func (s *series) at(t time.Time) (seriesEntry, bool) {
	i, _ := slices.BinarySearchFunc(s.snaps, t, func(e seriesEntry, t time.Time) int {
		if e.asOf.After(t) {
			return 1
		}
		return -1
	})
	if i == 0 {
		return seriesEntry{}, false
	}
	return s.snaps[i-1], true
}

// NewRateBook returns an empty book. It returns an error wrapping
// ErrInvalidConfig for unknown or repeated pivots, more than MaxPivots
// pivots, invalid or repeated source names, or negative maximum ages.
func NewRateBook(cfg BookConfig) (*RateBook, error) {
	c := BookConfig{
		Pivots:        slices.Clone(cfg.Pivots),
		Sources:       slices.Clone(cfg.Sources),
		MaxAge:        make(map[string]time.Duration, len(cfg.MaxAge)),
		DefaultMaxAge: cfg.DefaultMaxAge,
	}
	if len(c.Pivots) == 0 {
		c.Pivots = []money.Currency{"EUR", "USD"}
	}
	if len(c.Pivots) > MaxPivots {
		return nil, fmt.Errorf("%w: %d pivots (max %d)", ErrInvalidConfig, len(c.Pivots), MaxPivots)
	}
	for i, p := range c.Pivots {
		if !p.Valid() || slices.Contains(c.Pivots[:i], p) {
			return nil, fmt.Errorf("%w: pivot %q unknown or repeated", ErrInvalidConfig, string(p))
		}
	}
	for i, s := range c.Sources {
		if err := ValidateSourceName(s); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
		if slices.Contains(c.Sources[:i], s) {
			return nil, fmt.Errorf("%w: source %q listed twice", ErrInvalidConfig, s)
		}
	}
	for s, age := range cfg.MaxAge {
		if err := ValidateSourceName(s); err != nil {
			return nil, fmt.Errorf("%w: max age: %w", ErrInvalidConfig, err)
		}
		if age <= 0 {
			return nil, fmt.Errorf("%w: max age of %q is %s, must be positive", ErrInvalidConfig, s, age)
		}
		c.MaxAge[s] = age
	}
	if c.DefaultMaxAge < 0 {
		return nil, fmt.Errorf("%w: negative default max age %s", ErrInvalidConfig, c.DefaultMaxAge)
	}
	if c.DefaultMaxAge == 0 {
		c.DefaultMaxAge = DefaultMaxAge
	}
	return &RateBook{cfg: c, series: map[seriesKey]*series{}, sources: slices.Clone(c.Sources)}, nil
}

// MaxAge returns the maximum age of a source's rates.
func (b *RateBook) MaxAge(source string) time.Duration {
	if a, ok := b.cfg.MaxAge[source]; ok {
		return a
	}
	return b.cfg.DefaultMaxAge
}

// Add validates every snapshot and then adds them all, or none on error. A
// snapshot with the same source, base and as-of as one already in the book
// replaces it. It returns the errors of Snapshot.Validate.
func (b *RateBook) Add(snaps ...Snapshot) error {
	for _, s := range snaps {
		if err := s.Validate(); err != nil {
			return fmt.Errorf("add snapshot: %w", err)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range snaps {
		b.addLocked(s)
	}
	b.version.Add(1)
	return nil
}

func (b *RateBook) addLocked(s Snapshot) {
	asOf := s.AsOf.UTC()
	k := seriesKey{s.Source, s.Base}
	ser := b.series[k]
	if ser == nil {
		ser = &series{}
		b.series[k] = ser
		if !slices.Contains(b.sources, s.Source) {
			b.sources = append(b.sources, s.Source)
			n := len(b.cfg.Sources)
			slices.Sort(b.sources[n:])
		}
	}
	rates := make(map[money.Currency]Price, len(s.Rates))
	for c, p := range s.Rates {
		rates[c] = p
	}
	e := seriesEntry{asOf: asOf, rates: rates}
	i, found := slices.BinarySearchFunc(ser.snaps, asOf, func(e seriesEntry, t time.Time) int { return e.asOf.Compare(t) })
	if found {
		ser.snaps[i] = e
	} else {
		// Copy rather than insert in place: readers never share the slice
		// outside the lock, but keeping appends cheap matters for replay.
		ser.snaps = slices.Insert(ser.snaps, i, e)
		b.count++
	}
	if j, ok := slices.BinarySearchFunc(b.times, asOf, func(a, t time.Time) int { return a.Compare(t) }); !ok {
		b.times = slices.Insert(b.times, j, asOf)
	}
}

// Len returns the number of snapshots in the book.
func (b *RateBook) Len() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.count
}

// Sources returns the names of the sources in the book, in order of
// preference.
func (b *RateBook) Sources() []string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := make([]string, 0, len(b.sources))
	for _, s := range b.sources {
		for k := range b.series {
			if k.source == s {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// Latest returns the rate to use for pair at instant now: the rate AsOf
// returns for now. Use it for quotes; it returns the errors of AsOf.
func (b *RateBook) Latest(pair Pair, now time.Time) (Rate, error) {
	return b.AsOf(pair, now)
}

// AsOf returns the rate for pair in effect at instant at: for each source
// and base currency the newest snapshot not after at, then the first fresh
// path among a published rate (direct or inverse), a cross rate through one
// pivot, and a cross rate through two pivots, in pivot order; between
// sources offering the same leg, the first fresh one in preference order
// wins. It returns errors wrapping ErrInvalidPair, ErrNoRate (a currency has
// no rate at that instant), ErrNoPath (both are quoted but nothing connects
// them), or a *StaleRateError (matching ErrStaleRate) when every path is
// older than its source's maximum age.
func (b *RateBook) AsOf(pair Pair, at time.Time) (Rate, error) {
	if err := pair.Validate(); err != nil {
		return Rate{}, err
	}
	res, err := b.resolve(pair, at)
	return res.rate, err
}

// leg is one published rate used from→to, possibly inverted.
type leg struct {
	price   Price
	inverse bool
	source  string
	asOf    time.Time
	maxAge  time.Duration
}

func (l leg) staleAt(t time.Time) bool { return t.Sub(l.asOf) > l.maxAge }

// findLeg returns the preferred published rate between two currencies at t:
// the first fresh one in source order, else the first stale one. skipped
// reports whether a preferred source's rate was passed over as stale.
func (b *RateBook) findLeg(from, to money.Currency, t time.Time) (l leg, found, skipped bool) {
	var stale leg
	for _, src := range b.sources {
		l, ok := b.sourceLeg(src, from, to, t)
		if !ok {
			continue
		}
		if !l.staleAt(t) {
			return l, true, found
		}
		if !found {
			stale, found = l, true
		}
	}
	return stale, found, found
}

func (b *RateBook) sourceLeg(src string, from, to money.Currency, t time.Time) (leg, bool) {
	if ser := b.series[seriesKey{src, from}]; ser != nil {
		if e, ok := ser.at(t); ok {
			if p, ok := e.rates[to]; ok {
				return leg{price: p, source: src, asOf: e.asOf, maxAge: b.MaxAge(src)}, true
			}
		}
	}
	if ser := b.series[seriesKey{src, to}]; ser != nil {
		if e, ok := ser.at(t); ok {
			if p, ok := e.rates[from]; ok {
				return leg{price: p, inverse: true, source: src, asOf: e.asOf, maxAge: b.MaxAge(src)}, true
			}
		}
	}
	return leg{}, false
}

// resolution is a lookup's answer with the window it holds for: the same
// lookup at any instant in [from, until) gives the same rate while the book
// stays at version.
type resolution struct {
	rate        Rate
	from, until time.Time
	version     uint64
}

// resolve finds the rate for pair at t (see AsOf).
func (b *RateBook) resolve(pair Pair, t time.Time) (resolution, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	res := resolution{version: b.version.Load()}

	var (
		legs      [3]leg
		staleLegs []leg
		// skipped is set once a preferred source or path was passed over
		// as stale: at earlier instants it may have been fresh.
		skipped bool
	)
	try := func(via ...money.Currency) bool {
		hops := append(append(make([]money.Currency, 0, 4), pair.Base), via...)
		hops = append(hops, pair.Quote)
		fresh := true
		for i := 0; i+1 < len(hops); i++ {
			l, ok, skippedStale := b.findLeg(hops[i], hops[i+1], t)
			skipped = skipped || skippedStale
			if !ok {
				return false
			}
			legs[i] = l
			fresh = fresh && !l.staleAt(t)
		}
		n := len(hops) - 1
		if !fresh {
			skipped = true
			if staleLegs == nil {
				staleLegs = slices.Clone(legs[:n])
			}
			return false
		}
		res.rate = combine(pair, legs[:n], via)
		// Earlier instants give the same answer back to the last snapshot
		// change, unless a preferred path was skipped as stale (it may have
		// been fresh then); later ones until a snapshot takes effect or a
		// leg of this path turns stale.
		res.from = t
		if !skipped {
			res.from = b.prevTimeLocked(t)
		}
		res.until = b.nextTimeLocked(t)
		for _, l := range legs[:n] {
			if s := l.asOf.Add(l.maxAge).Add(1); s.Before(res.until) {
				res.until = s
			}
		}
		return true
	}

	if try() {
		return res, nil
	}
	pivots := b.cfg.Pivots
	for _, p := range pivots {
		if p != pair.Base && p != pair.Quote && try(p) {
			return res, nil
		}
	}
	for _, p1 := range pivots {
		for _, p2 := range pivots {
			if p1 == p2 || p1 == pair.Base || p1 == pair.Quote || p2 == pair.Base || p2 == pair.Quote {
				continue
			}
			if try(p1, p2) {
				return res, nil
			}
		}
	}
	if staleLegs != nil {
		var oldest leg
		for _, l := range staleLegs {
			if l.staleAt(t) && (oldest.source == "" || l.asOf.Before(oldest.asOf)) {
				oldest = l
			}
		}
		return res, &StaleRateError{Pair: pair, Source: oldest.source, AsOf: oldest.asOf, At: t, MaxAge: oldest.maxAge}
	}
	at := t.UTC().Format(time.RFC3339)
	for _, c := range []money.Currency{pair.Base, pair.Quote} {
		if !b.quotedLocked(c, t) {
			return res, fmt.Errorf("%w for %s at %s: no source quotes %s then", ErrNoRate, pair, at, c)
		}
	}
	return res, fmt.Errorf("%w: %s at %s (pivots %v)", ErrNoPath, pair, at, pivots)
}

// quotedLocked reports whether any source quotes c at t.
func (b *RateBook) quotedLocked(c money.Currency, t time.Time) bool {
	for k, ser := range b.series {
		e, ok := ser.at(t)
		if !ok {
			continue
		}
		if k.base == c {
			return true
		}
		if _, ok := e.rates[c]; ok {
			return true
		}
	}
	return false
}

// nextTimeLocked returns the first as-of after t, or a far future instant.
func (b *RateBook) nextTimeLocked(t time.Time) time.Time {
	i, _ := slices.BinarySearchFunc(b.times, t, func(a, t time.Time) int {
		if a.After(t) {
			return 1
		}
		return -1
	})
	if i < len(b.times) {
		return b.times[i]
	}
	return farFuture
}

// prevTimeLocked returns the last as-of at or before t (t itself if none).
func (b *RateBook) prevTimeLocked(t time.Time) time.Time {
	i, _ := slices.BinarySearchFunc(b.times, t, func(a, t time.Time) int {
		if a.After(t) {
			return 1
		}
		return -1
	})
	if i == 0 {
		return t
	}
	return b.times[i-1]
}

var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// combine multiplies the legs of a path into one rate. A single direct leg
// is returned exactly as published; anything else is derived with one
// rounding (see DerivedRateDigits).
func combine(pair Pair, legs []leg, via []money.Currency) Rate {
	r := Rate{Pair: pair, AsOf: legs[0].asOf}
	var sources []string
	for _, l := range legs {
		if l.asOf.Before(r.AsOf) {
			r.AsOf = l.asOf
		}
		if !slices.Contains(sources, l.source) {
			sources = append(sources, l.source)
		}
	}
	r.Source = strings.Join(sources, "+")
	if len(via) > 0 {
		r.Via = slices.Clone(via)
	}
	if len(legs) == 1 && !legs[0].inverse {
		p := legs[0].price
		r.Mid, r.Bid, r.Ask = p.Mid, p.Bid, p.Ask
		return r
	}
	r.Derived = true
	num, den := one, one
	bidNum, bidDen, askNum, askDen := one, one, one, one
	hasBidAsk := true
	for _, l := range legs {
		p := l.price
		hasBidAsk = hasBidAsk && !p.Bid.IsZero() && !p.Ask.IsZero()
		if l.inverse {
			den = den.Mul(p.Mid)
			if hasBidAsk {
				// Buying the base back at the leg's ask is the inverse bid.
				bidDen, askDen = bidDen.Mul(p.Ask), askDen.Mul(p.Bid)
			}
		} else {
			num = num.Mul(p.Mid)
			if hasBidAsk {
				bidNum, askNum = bidNum.Mul(p.Bid), askNum.Mul(p.Ask)
			}
		}
	}
	r.Mid = ratio(num, den, DerivedRateDigits)
	if hasBidAsk {
		r.Bid = ratio(bidNum, bidDen, DerivedRateDigits)
		r.Ask = ratio(askNum, askDen, DerivedRateDigits)
	}
	return r
}

// Convert converts amount into currency to at the rate AsOf(pair, at)
// returns, rounding the result half-to-even to to's minor units; the amount
// may carry sub-minor precision. Converting into the amount's own currency
// returns it unchanged with a rate of 1. It returns the converted amount,
// the rate used, and the errors of AsOf, or ErrInvalidRequest for an unknown
// currency.
func (b *RateBook) Convert(amount money.Amount, to money.Currency, at time.Time) (money.Amount, Rate, error) {
	if !amount.Currency.Valid() || !to.Valid() {
		return money.Amount{}, Rate{}, fmt.Errorf("%w: convert %s to %q: unknown currency", ErrInvalidRequest, amount, string(to))
	}
	if amount.Currency == to {
		return amount, Rate{Pair: Pair{to, to}, Mid: one, Source: "identity", AsOf: at}, nil
	}
	r, err := b.AsOf(Pair{Base: amount.Currency, Quote: to}, at)
	if err != nil {
		return money.Amount{}, Rate{}, fmt.Errorf("convert %s to %s: %w", amount, to, err)
	}
	out := money.Amount{Value: amount.Value.Mul(r.Mid).RoundBank(to.MinorUnits()), Currency: to}
	return out, r, nil
}

// ConvertLatest converts at the rate Latest(pair, now) returns; see Convert.
func (b *RateBook) ConvertLatest(amount money.Amount, to money.Currency, now time.Time) (money.Amount, Rate, error) {
	return b.Convert(amount, to, now)
}
