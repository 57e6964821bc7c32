package fxrates

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/remitflow/remitflow/domain/money"
)

type staticDoc struct {
	Source string        `json:"source"`
	AsOf   *time.Time    `json:"as_of"`
	Rates  []staticEntry `json:"rates"`
}

type staticEntry struct {
	Pair Pair        `json:"pair"`
	Mid  json.Number `json:"mid"`
	Bid  json.Number `json:"bid"`
	Ask  json.Number `json:"ask"`
	AsOf *time.Time  `json:"as_of"`
}

// ParseStatic parses a static file of pinned rates:
//
//	{"source":"pinned","as_of":"2026-11-01T00:00:00Z","rates":[
//	  {"pair":"USD/KES","mid":"129.50","bid":"129.20","ask":"129.80"},
//	  {"pair":"GBP/NGN","mid":"1890.5","as_of":"2026-11-02T06:00:00Z"}]}
//
// Rates may be JSON numbers or decimal strings (read exactly); bid and ask
// are optional but go together; each entry's as_of defaults to the
// document's. The document's "source" names the snapshots unless
// opts.Source does; the default is "static". Rates are grouped into one
// snapshot per base currency and as-of, oldest first. Errors wrap
// ErrMalformed (bad JSON, unknown members, a missing as-of, a pair given
// twice for one instant), ErrInvalidPair, ErrInvalidRate,
// money.ErrUnknownCurrency or ErrMissingCurrency; on error nothing is
// returned.
func ParseStatic(r io.Reader, opts ParseOptions) ([]Snapshot, error) {
	doc, err := readDocument(r)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	var d staticDoc
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("%w: static rates: %w", ErrMalformed, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: static rates: data after the document", ErrMalformed)
	}
	if opts.Source == "" {
		opts.Source = d.Source
	}
	source, err := opts.source("static")
	if err != nil {
		return nil, err
	}
	if len(d.Rates) == 0 {
		return nil, fmt.Errorf("%w: static rates: no rates", ErrMalformed)
	}
	type key struct {
		base money.Currency
		asOf time.Time
	}
	groups := map[key]*Snapshot{}
	for i, e := range d.Rates {
		if err := e.Pair.Validate(); err != nil {
			return nil, fmt.Errorf("static rate %d: %w", i, err)
		}
		if len(opts.Only) > 0 {
			if _, keepB, _ := opts.currency(string(e.Pair.Base)); !keepB {
				continue
			}
			if _, keepQ, _ := opts.currency(string(e.Pair.Quote)); !keepQ {
				continue
			}
		}
		asOf := d.AsOf
		if e.AsOf != nil {
			asOf = e.AsOf
		}
		if asOf == nil || asOf.IsZero() {
			return nil, fmt.Errorf("%w: static rate %d (%s): no as_of", ErrMalformed, i, e.Pair)
		}
		var p Price
		if p.Mid, err = parseRate(e.Mid.String()); err != nil {
			return nil, fmt.Errorf("static rate %d (%s) mid: %w", i, e.Pair, err)
		}
		if e.Bid != "" || e.Ask != "" {
			if p.Bid, err = parseRate(e.Bid.String()); err != nil {
				return nil, fmt.Errorf("static rate %d (%s) bid: %w", i, e.Pair, err)
			}
			if p.Ask, err = parseRate(e.Ask.String()); err != nil {
				return nil, fmt.Errorf("static rate %d (%s) ask: %w", i, e.Pair, err)
			}
		}
		if err := p.validate(); err != nil {
			return nil, fmt.Errorf("static rate %d (%s): %w", i, e.Pair, err)
		}
		k := key{e.Pair.Base, asOf.UTC()}
		s := groups[k]
		if s == nil {
			s = &Snapshot{Source: source, Base: e.Pair.Base, AsOf: k.asOf, Rates: map[money.Currency]Price{}}
			groups[k] = s
		}
		if _, dup := s.Rates[e.Pair.Quote]; dup {
			return nil, fmt.Errorf("%w: static rates: %s given twice as of %s", ErrMalformed, e.Pair, k.asOf.Format(time.RFC3339))
		}
		s.Rates[e.Pair.Quote] = p
	}
	out := make([]Snapshot, 0, len(groups))
	for _, s := range groups {
		out = append(out, *s)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: static rates: no rates left after filtering", ErrMissingCurrency)
	}
	sortSnapshots(out)
	for _, s := range out {
		if err := opts.checkRequired(s); err != nil {
			return nil, err
		}
	}
	return out, nil
}
