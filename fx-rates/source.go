package fxrates

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/remitflow/remitflow/domain/money"
)

// Source yields snapshots of published rates. Adapters implement it over
// HTTP or files (see adapters/fxsource); StaticSource serves fixed snapshots.
type Source interface {
	// Name is the source's name, used in snapshots and stream names.
	Name() string
	// Fetch returns the source's current snapshots, oldest first. It returns
	// ErrNotModified when the document has not changed since the previous
	// successful fetch, errors wrapping ErrMalformed, ErrInvalidRate,
	// ErrMissingCurrency or money.ErrUnknownCurrency for a bad document
	// (nothing is returned partially), or the context's or transport's error.
	Fetch(ctx context.Context) ([]Snapshot, error)
}

// ParseFunc parses a rate document; ParseECB, ParseOXR and ParseStatic have
// this shape.
type ParseFunc func(r io.Reader, opts ParseOptions) ([]Snapshot, error)

// MaxDocumentBytes bounds the size of a rate document a parser reads (the
// ECB full-history file is about 6 MiB).
const MaxDocumentBytes = 64 << 20

// ParseOptions tunes a parser. The zero value accepts every currency in the
// document and fails on codes the money package does not know.
type ParseOptions struct {
	// Source names the snapshots; each parser has a default ("ecb", "oxr",
	// "static").
	Source string
	// Require lists currencies every snapshot must quote; a missing one
	// fails the parse with ErrMissingCurrency.
	Require []money.Currency
	// Only, when not empty, keeps just these currencies; others, known or
	// not, are skipped.
	Only []money.Currency
	// IgnoreUnknown skips well-formed codes the money package does not know
	// (a feed's BTC or XAU, ECB's retired ROL) instead of failing.
	IgnoreUnknown bool
}

func (o ParseOptions) source(def string) (string, error) {
	name := o.Source
	if name == "" {
		name = def
	}
	if err := ValidateSourceName(name); err != nil {
		return "", err
	}
	return name, nil
}

// currency applies the options to a code found in a document: keep reports
// whether the rate should be kept.
func (o ParseOptions) currency(code string) (c money.Currency, keep bool, err error) {
	if len(code) != 3 || !isUpper(code) {
		return "", false, fmt.Errorf("%w: currency code %q is not three upper-case letters", ErrMalformed, clip(code))
	}
	c = money.Currency(code)
	if len(o.Only) > 0 && !slices.Contains(o.Only, c) {
		return "", false, nil
	}
	if !c.Valid() {
		if o.IgnoreUnknown {
			return "", false, nil
		}
		return "", false, fmt.Errorf("%w: %q", money.ErrUnknownCurrency, code)
	}
	return c, true, nil
}

func (o ParseOptions) checkRequired(s Snapshot) error {
	for _, c := range o.Require {
		if _, ok := s.Rates[c]; !ok && c != s.Base {
			return fmt.Errorf("%w: %s does not quote %s against %s at %s", ErrMissingCurrency, s.Source, c, s.Base, s.AsOf.UTC().Format("2006-01-02T15:04:05Z07:00"))
		}
	}
	return nil
}

func isUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > 24 {
		return s[:24] + "…"
	}
	return s
}

// readDocument reads at most MaxDocumentBytes from r.
func readDocument(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxDocumentBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read rate document: %w", err)
	}
	if len(b) > MaxDocumentBytes {
		return nil, fmt.Errorf("%w: document larger than %d bytes", ErrMalformed, MaxDocumentBytes)
	}
	return b, nil
}

// StaticSource serves a fixed list of snapshots, for pinned rates and tests.
type StaticSource struct {
	name  string
	snaps []Snapshot
}

var _ Source = (*StaticSource)(nil)

// NewStaticSource validates the snapshots, which must all name the source,
// and returns a Source that serves them. Errors wrap ErrInvalidSnapshot or
// those of Snapshot.Validate.
func NewStaticSource(name string, snaps []Snapshot) (*StaticSource, error) {
	if err := ValidateSourceName(name); err != nil {
		return nil, err
	}
	for _, s := range snaps {
		if err := s.Validate(); err != nil {
			return nil, err
		}
		if s.Source != name {
			return nil, fmt.Errorf("%w: snapshot of source %q in static source %q", ErrInvalidSnapshot, s.Source, name)
		}
	}
	out := slices.Clone(snaps)
	sortSnapshots(out)
	return &StaticSource{name: name, snaps: out}, nil
}

// Name returns the source's name.
func (s *StaticSource) Name() string { return s.name }

// Fetch returns the snapshots, oldest first, or the context's error.
func (s *StaticSource) Fetch(ctx context.Context) ([]Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return slices.Clone(s.snaps), nil
}

func sortSnapshots(s []Snapshot) {
	slices.SortStableFunc(s, func(a, b Snapshot) int {
		if c := a.AsOf.Compare(b.AsOf); c != 0 {
			return c
		}
		if a.Source != b.Source {
			if a.Source < b.Source {
				return -1
			}
			return 1
		}
		if a.Base < b.Base {
			return -1
		}
		if a.Base > b.Base {
			return 1
		}
		return 0
	})
}
