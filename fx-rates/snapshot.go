package fxrates

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/remitflow/remitflow/domain/money"
	"github.com/shopspring/decimal"
)

// Event and stream names of published rates.
const (
	// EventTypePublished is the type of the event that records one snapshot.
	EventTypePublished = "fxrates.published.v1"
	// StreamPrefix starts the name of every rate stream ("fxrates-ecb").
	StreamPrefix = "fxrates-"
	// MaxSourceNameLen is the longest source name in bytes.
	MaxSourceNameLen = 64
)

// Price is one published rate in a snapshot: the mid rate and, where the
// source publishes them, bid and ask (zero when unknown).
type Price struct {
	Mid decimal.Decimal `json:"mid"`
	Bid decimal.Decimal `json:"bid,omitzero"`
	Ask decimal.Decimal `json:"ask,omitzero"`
}

// Snapshot is every rate one source published for one base currency at one
// instant: one unit of Base costs Rates[c].Mid units of c.
type Snapshot struct {
	Source string                   `json:"source"`
	Base   money.Currency           `json:"base"`
	AsOf   time.Time                `json:"as_of"`
	Rates  map[money.Currency]Price `json:"rates"`
}

// StreamName returns the event stream that records a source's snapshots.
func StreamName(source string) string { return StreamPrefix + source }

// ValidateSourceName checks a source name: 1 to MaxSourceNameLen bytes of
// lower-case letters, digits, '_' and '.', starting with a letter. It returns
// an error wrapping ErrInvalidSnapshot.
func ValidateSourceName(name string) error {
	if name == "" || len(name) > MaxSourceNameLen {
		return fmt.Errorf("%w: source name must be 1 to %d bytes", ErrInvalidSnapshot, MaxSourceNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := (c >= 'a' && c <= 'z') || (i > 0 && ((c >= '0' && c <= '9') || c == '_' || c == '.'))
		if !ok {
			return fmt.Errorf("%w: source name %q: use lower-case letters, digits, '_' and '.', starting with a letter", ErrInvalidSnapshot, name)
		}
	}
	return nil
}

// Validate checks the snapshot: a valid source name, a known base currency, a
// non-zero as-of, at least one rate, every quoted currency known and other
// than the base, every mid rate positive and within the rate limits, and any
// bid/ask both present with bid <= mid <= ask. Errors wrap ErrInvalidSnapshot,
// ErrInvalidRate or money.ErrUnknownCurrency.
func (s Snapshot) Validate() error {
	if err := ValidateSourceName(s.Source); err != nil {
		return err
	}
	if !s.Base.Valid() {
		return fmt.Errorf("%w: base %w: %q", ErrInvalidSnapshot, money.ErrUnknownCurrency, string(s.Base))
	}
	if s.AsOf.IsZero() {
		return fmt.Errorf("%w: %s %s: zero as-of time", ErrInvalidSnapshot, s.Source, s.Base)
	}
	if len(s.Rates) == 0 {
		return fmt.Errorf("%w: %s %s at %s: no rates", ErrInvalidSnapshot, s.Source, s.Base, s.AsOf.UTC().Format(time.RFC3339))
	}
	for c, p := range s.Rates {
		if !c.Valid() {
			return fmt.Errorf("%w: %w: %q", ErrInvalidSnapshot, money.ErrUnknownCurrency, string(c))
		}
		if c == s.Base {
			return fmt.Errorf("%w: %s quoted against itself", ErrInvalidSnapshot, c)
		}
		if err := p.validate(); err != nil {
			return fmt.Errorf("%s/%s: %w", s.Base, c, err)
		}
	}
	return nil
}

func (p Price) validate() error {
	if err := checkRate(p.Mid); err != nil {
		return err
	}
	if p.Bid.IsZero() && p.Ask.IsZero() {
		return nil
	}
	if p.Bid.IsZero() || p.Ask.IsZero() {
		return fmt.Errorf("%w: bid and ask must both be given or both omitted", ErrInvalidRate)
	}
	if err := checkRate(p.Bid); err != nil {
		return fmt.Errorf("bid: %w", err)
	}
	if err := checkRate(p.Ask); err != nil {
		return fmt.Errorf("ask: %w", err)
	}
	if p.Bid.GreaterThan(p.Mid) || p.Mid.GreaterThan(p.Ask) {
		return fmt.Errorf("%w: bid %s, mid %s, ask %s: need bid <= mid <= ask", ErrInvalidRate, p.Bid, p.Mid, p.Ask)
	}
	return nil
}

// Currencies returns the quoted currencies in code order.
func (s Snapshot) Currencies() []money.Currency {
	out := make([]money.Currency, 0, len(s.Rates))
	for c := range s.Rates {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// Rate returns the published rate Base/q, if the snapshot has one.
func (s Snapshot) Rate(q money.Currency) (Rate, bool) {
	p, ok := s.Rates[q]
	if !ok {
		return Rate{}, false
	}
	return Rate{Pair: Pair{Base: s.Base, Quote: q}, Mid: p.Mid, Bid: p.Bid, Ask: p.Ask, Source: s.Source, AsOf: s.AsOf}, true
}

// canonicalPrice is Price with every decimal in its shortest exact form.
type canonicalPrice struct {
	Mid string `json:"mid"`
	Bid string `json:"bid,omitempty"`
	Ask string `json:"ask,omitempty"`
}

type canonicalSnapshot struct {
	Source string                    `json:"source"`
	Base   money.Currency            `json:"base"`
	AsOf   string                    `json:"as_of"`
	Rates  map[string]canonicalPrice `json:"rates"`
}

// MarshalEvent validates the snapshot and encodes it as the data of an
// EventTypePublished event:
//
//	{"source":"ecb","base":"EUR","as_of":"2020-01-28T15:00:00Z",
//	 "rates":{"JPY":{"mid":"120.02"},"USD":{"mid":"1.1005","bid":"1.1","ask":"1.101"}}}
//
// The encoding is canonical: equal snapshots (same
// rates, however many trailing zeros they were published with, as-of in any
// time zone) encode to identical bytes, with currencies in code order and the
// as-of in UTC. It returns the errors of Validate.
func (s Snapshot) MarshalEvent() ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	c := canonicalSnapshot{
		Source: s.Source,
		Base:   s.Base,
		AsOf:   s.AsOf.UTC().Format(time.RFC3339Nano),
		Rates:  make(map[string]canonicalPrice, len(s.Rates)),
	}
	for cur, p := range s.Rates {
		cp := canonicalPrice{Mid: normalize(p.Mid).String()}
		if !p.Bid.IsZero() {
			cp.Bid, cp.Ask = normalize(p.Bid).String(), normalize(p.Ask).String()
		}
		c.Rates[string(cur)] = cp
	}
	return json.Marshal(c) // map keys are sorted by encoding/json
}

// ContentHash returns the hex SHA-256 of the snapshot's canonical encoding
// (see MarshalEvent). It returns the errors of Validate.
func (s Snapshot) ContentHash() (string, error) {
	b, err := s.MarshalEvent()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// UnmarshalEvent decodes the data of an EventTypePublished event and
// validates the snapshot. Errors wrap ErrMalformed or those of Validate.
func UnmarshalEvent(data []byte) (Snapshot, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c canonicalSnapshot
	if err := dec.Decode(&c); err != nil {
		return Snapshot{}, fmt.Errorf("%w: %s event: %v", ErrMalformed, EventTypePublished, err)
	}
	asOf, err := time.Parse(time.RFC3339Nano, c.AsOf)
	if err != nil {
		return Snapshot{}, fmt.Errorf("%w: %s event: as_of: %v", ErrMalformed, EventTypePublished, err)
	}
	s := Snapshot{Source: c.Source, Base: c.Base, AsOf: asOf.UTC(), Rates: make(map[money.Currency]Price, len(c.Rates))}
	for code, cp := range c.Rates {
		var p Price
		if p.Mid, err = parseRate(cp.Mid); err != nil {
			return Snapshot{}, fmt.Errorf("%s/%s mid: %w", c.Base, code, err)
		}
		if cp.Bid != "" || cp.Ask != "" {
			if p.Bid, err = parseRate(cp.Bid); err != nil {
				return Snapshot{}, fmt.Errorf("%s/%s bid: %w", c.Base, code, err)
			}
			if p.Ask, err = parseRate(cp.Ask); err != nil {
				return Snapshot{}, fmt.Errorf("%s/%s ask: %w", c.Base, code, err)
			}
		}
		s.Rates[money.Currency(code)] = p
	}
	if err := s.Validate(); err != nil {
		return Snapshot{}, err
	}
	return s, nil
}
