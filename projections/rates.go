package projections

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/money"
	fxrates "github.com/remitflow/remitflow/fx-rates"
	"github.com/shopspring/decimal"
)

// Rates is the read model of exchange rates: an fxrates.RateBook fed with
// every snapshot recorded on the "fxrates-<source>" streams, exactly as
// fxsource.Replay builds one (a later snapshot for the same source, base and
// as-of replaces the earlier one), so conversions use the rates that were in
// force at any instant. It is safe for concurrent readers.
type Rates struct {
	book *fxrates.RateBook

	mu     sync.RWMutex
	snaps  map[rateKey]string // content hash of each snapshot in the book
	latest time.Time          // newest as-of
}

type rateKey struct {
	source string
	base   money.Currency
	asOf   time.Time
}

// NewRates returns an empty rates read model whose book uses cfg (pivots,
// source preference, maximum ages). It returns the errors of
// fxrates.NewRateBook (wrapping fxrates.ErrInvalidConfig).
func NewRates(cfg fxrates.BookConfig) (*Rates, error) {
	book, err := fxrates.NewRateBook(cfg)
	if err != nil {
		return nil, fmt.Errorf("projections: rates: %w", err)
	}
	return &Rates{book: book, snaps: map[rateKey]string{}}, nil
}

// Name implements Projection.
func (r *Rates) Name() string { return "rates" }

// Apply adds the snapshot a rate event records to the book. Other events,
// and other event types on rate streams, are ignored; a rate event that
// does not decode or validate is an error.
func (r *Rates) Apply(ev eventstore.RecordedEvent) error {
	if !strings.HasPrefix(ev.Stream, fxrates.StreamPrefix) || ev.Type != fxrates.EventTypePublished {
		return nil
	}
	s, err := fxrates.UnmarshalEvent(ev.Data)
	if err != nil {
		return fmt.Errorf("rates: %s@%d: %w", ev.Stream, ev.Revision, err)
	}
	hash, err := s.ContentHash()
	if err != nil {
		return fmt.Errorf("rates: %s@%d: %w", ev.Stream, ev.Revision, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.book.Add(s); err != nil {
		return fmt.Errorf("rates: %s@%d: %w", ev.Stream, ev.Revision, err)
	}
	asOf := s.AsOf.UTC()
	r.snaps[rateKey{s.Source, s.Base, asOf}] = hash
	if asOf.After(r.latest) {
		r.latest = asOf
	}
	return nil
}

// Book returns the rate book (safe for concurrent use; read it, do not add
// to it).
func (r *Rates) Book() *fxrates.RateBook { return r.book }

// Latest returns the as-of instant of the newest snapshot, and false when
// no rate was recorded yet.
func (r *Rates) Latest() (time.Time, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.latest, !r.latest.IsZero()
}

// Rate returns the rate for pair in force at instant at (see
// fxrates.RateBook.AsOf). Errors wrap ErrNoRate and the fxrates error, or
// fxrates.ErrInvalidPair.
func (r *Rates) Rate(pair fxrates.Pair, at time.Time) (fxrates.Rate, error) {
	rate, err := r.book.AsOf(pair, at)
	if err != nil {
		return fxrates.Rate{}, noRate(pair.Base, pair.Quote, at, err)
	}
	return rate, nil
}

func noRate(from, to money.Currency, at time.Time, err error) error {
	return fmt.Errorf("%w: %s to %s at %s: %w", ErrNoRate, from, to, at.UTC().Format(time.RFC3339), err)
}

// Conversion is a set of amounts converted into one currency.
type Conversion struct {
	// Amount is the total in the target currency, rounded half-to-even to
	// its minor units once, after summing the exact parts.
	Amount money.Amount `json:"amount"`
	// Exact is the total before rounding.
	Exact decimal.Decimal `json:"exact"`
	// At is the instant whose rates were used.
	At time.Time `json:"at"`
	// Parts are the converted amounts, one per source currency in code
	// order.
	Parts []ConvertedPart `json:"parts"`
}

// ConvertedPart is one amount and what it is worth in the target currency.
type ConvertedPart struct {
	From money.Amount `json:"from"`
	// Rate is the rate used; an amount already in the target currency has
	// the identity rate 1 (source "identity").
	Rate fxrates.Rate `json:"rate"`
	// Value is From × Rate.Mid, unrounded.
	Value decimal.Decimal `json:"value"`
}

// Convert converts amounts (in any currencies, with any precision) into
// currency to at the rates in force at instant at. Amounts of one currency
// are added up first. It returns an error wrapping ErrInvalidArgument for an
// unknown currency, or ErrNoRate (and the fxrates error: no rate at that
// instant, no path between the currencies, stale rates) for the first
// currency that cannot be converted.
func (r *Rates) Convert(amts []money.Amount, to money.Currency, at time.Time) (Conversion, error) {
	if !to.Valid() {
		return Conversion{}, fmt.Errorf("%w: currency %q", ErrInvalidArgument, string(to))
	}
	sums := map[money.Currency]decimal.Decimal{}
	for _, a := range amts {
		if !a.Currency.Valid() {
			return Conversion{}, fmt.Errorf("%w: amount %s in unknown currency %q", ErrInvalidArgument, a.Value, string(a.Currency))
		}
		sums[a.Currency] = sums[a.Currency].Add(a.Value)
	}
	out := Conversion{At: at.UTC(), Parts: []ConvertedPart{}}
	total := decimal.Zero
	for _, a := range amounts(sums) {
		part := ConvertedPart{From: a}
		if a.Currency == to {
			part.Rate = fxrates.Rate{Pair: fxrates.Pair{Base: to, Quote: to}, Mid: decimal.New(1, 0), Source: "identity", AsOf: out.At}
		} else {
			rate, err := r.Rate(fxrates.Pair{Base: a.Currency, Quote: to}, at)
			if err != nil {
				return Conversion{}, err
			}
			part.Rate = rate
		}
		part.Value = a.Value.Mul(part.Rate.Mid)
		total = total.Add(part.Value)
		out.Parts = append(out.Parts, part)
	}
	out.Exact = total
	out.Amount = money.Amount{Value: total.RoundBank(to.MinorUnits()), Currency: to}
	return out, nil
}

// ConvertLatest converts at the latest rates: those in force at the as-of
// instant of the newest snapshot recorded. It returns the errors of Convert,
// and ErrNoRate when no rate was recorded at all.
func (r *Rates) ConvertLatest(amts []money.Amount, to money.Currency) (Conversion, error) {
	at, ok := r.Latest()
	if !ok {
		return Conversion{}, fmt.Errorf("%w: no rates recorded yet: %w", ErrNoRate, fxrates.ErrNoRate)
	}
	return r.Convert(amts, to, at)
}

// Digest implements Projection: SHA-256 over the content hash of every
// snapshot in the book, by source, base and as-of.
func (r *Rates) Digest() string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	keys := make([]rateKey, 0, len(r.snaps))
	for k := range r.snaps {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.source != b.source {
			return a.source < b.source
		}
		if a.base != b.base {
			return a.base < b.base
		}
		return a.asOf.Before(b.asOf)
	})
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%s %s %s %s\n", k.source, k.base, k.asOf.Format(time.RFC3339Nano), r.snaps[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}
