// Package sanctionslist keeps the sanctions list in force up to date: it
// fetches the OFAC SDN legacy CSV files from a directory, a URL (conditional
// GET) or the snapshot compiled into the binary, parses them with
// domain/sanctions, swaps the new screener into a sanctions.Holder only when
// the whole list parsed, records every new list version as a
// sanctions.list_loaded.v1 event in the stream "sanctions-ofac", and tells
// subscribers (compliance re-screening) about it.
package sanctionslist

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/sanctions"
)

// DefaultInterval is how often Run refreshes when Config.Interval is zero.
const DefaultInterval = 6 * time.Hour

// ErrSuspiciousList means a list parsed but has fewer entries than
// Config.MinEntries, or less than half the entries of the list in force:
// it is refused as probably truncated.
var ErrSuspiciousList = errors.New("sanctionslist: list suspiciously small")

// Config configures a Loader.
type Config struct {
	// Source provides the files; required.
	Source Source
	// Store records list versions; required.
	Store eventstore.Store
	// Holder receives each screener; required.
	Holder *sanctions.Holder
	// Clock stamps loaded lists; required.
	Clock command.Clock
	// Options configure the screeners built for each list.
	Options sanctions.Options
	// Interval between refreshes in Run; DefaultInterval when zero.
	Interval time.Duration
	// MinEntries refuses lists with fewer entries (0: no lower bound
	// besides the half-of-current rule).
	MinEntries int
	// OnNewVersion, if set, is called after a new version was put in force
	// and recorded (not when the same version is loaded again, nor after a
	// restart that loads the version already recorded). Compliance uses it
	// to re-screen held and recent customers. It runs on the refreshing
	// goroutine.
	OnNewVersion func(ctx context.Context, v sanctions.Version, s *sanctions.Screener)
	// ArchiveDir, if set, keeps the files of every version put in force in
	// ArchiveDir/<version ID>/ (written before the version is installed or
	// recorded), so OpenArchived can replay any screening against the list
	// that was in force.
	ArchiveDir string
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Loader refreshes the list in force. Refresh and Run may be called from
// several goroutines; refreshes are serialised.
type Loader struct {
	cfg Config
	sem chan struct{}
}

// New checks cfg and returns a Loader. It returns an error when a required
// field is missing.
func New(cfg Config) (*Loader, error) {
	switch {
	case cfg.Source == nil:
		return nil, errors.New("sanctionslist: no source")
	case cfg.Store == nil:
		return nil, errors.New("sanctionslist: no event store")
	case cfg.Holder == nil:
		return nil, errors.New("sanctionslist: no holder")
	case cfg.Clock == nil:
		return nil, errors.New("sanctionslist: no clock")
	case cfg.Interval < 0:
		return nil, errors.New("sanctionslist: negative interval")
	}
	if cfg.Interval == 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Loader{cfg: cfg, sem: make(chan struct{}, 1)}, nil
}

// Outcome says what a Refresh did.
type Outcome struct {
	// Version is the version in force after the refresh (zero if none).
	Version sanctions.Version
	// NotModified is true when the source had not changed.
	NotModified bool
	// Installed is true when a newly parsed list was put in force.
	Installed bool
	// Recorded is true when a ListLoaded event was appended (a version
	// not recorded as the current one before).
	Recorded bool
	// Position is the global position of the stream's last event.
	Position eventstore.Position
}

// Refresh fetches, parses and installs the list, and records its version.
// On any error the list in force stays. Errors: ErrFetch (wrapped source
// error), sanctions.ErrMalformedList (a *sanctions.ParseError),
// ErrSuspiciousList, ErrArchive, the command loop's and store's errors, or
// the context's error. A list that parsed is installed even if recording it
// fails; the next Refresh records it.
func (l *Loader) Refresh(ctx context.Context) (Outcome, error) {
	select {
	case l.sem <- struct{}{}:
		defer func() { <-l.sem }()
	case <-ctx.Done():
		return Outcome{}, ctx.Err()
	}
	out := Outcome{}
	cur := l.cfg.Holder.Current()
	if cur != nil {
		out.Version = cur.List().Version()
	}

	files, err := l.cfg.Source.Fetch(ctx)
	switch {
	case errors.Is(err, ErrNotModified):
		out.NotModified = true
		if cur == nil {
			return out, nil
		}
		return l.record(ctx, cur, out)
	case err != nil:
		return out, fmt.Errorf("sanctionslist: refresh from %s: %w", l.cfg.Source, err)
	}

	installed := false
	defer func() {
		if !installed {
			// Read these files again next time rather than take "not
			// modified" for "in force".
			l.cfg.Source.Forget()
		}
	}()
	list, err := sanctions.Parse(bytes.NewReader(files[0]), bytes.NewReader(files[1]), bytes.NewReader(files[2]), l.cfg.Clock.Now())
	if err != nil {
		l.cfg.Logger.ErrorContext(ctx, "sanctions list refused; previous list stays in force",
			"source", l.cfg.Source.String(), "err", err)
		return out, fmt.Errorf("sanctionslist: refresh from %s: %w", l.cfg.Source, err)
	}
	v := list.Version()
	if cur != nil && cur.List().Version().ID == v.ID {
		installed = true
		out.NotModified = true
		return l.record(ctx, cur, out)
	}
	if v.Entries < l.cfg.MinEntries || cur != nil && v.Entries < cur.List().Len()/2 {
		l.cfg.Logger.ErrorContext(ctx, "sanctions list refused; previous list stays in force",
			"source", l.cfg.Source.String(), "entries", v.Entries, "err", ErrSuspiciousList)
		return out, fmt.Errorf("sanctionslist: refresh from %s: %w: %d entries", l.cfg.Source, ErrSuspiciousList, v.Entries)
	}
	s, err := sanctions.NewScreener(list, l.cfg.Options)
	if err != nil {
		return out, fmt.Errorf("sanctionslist: refresh: %w", err)
	}
	if l.cfg.ArchiveDir != "" {
		if err := archive(l.cfg.ArchiveDir, v.ID, files); err != nil {
			return out, fmt.Errorf("sanctionslist: refresh: version %s: %w", v.ID, err)
		}
	}
	l.cfg.Holder.Replace(s)
	installed = true
	out.Version, out.Installed = v, true
	l.cfg.Logger.InfoContext(ctx, "sanctions list in force", "version", v.ID, "entries", v.Entries,
		"aliases", v.Aliases, "source", l.cfg.Source.String())
	return l.record(ctx, s, out)
}

// record appends a ListLoaded event for s's version unless the stream
// already names it as current, and calls OnNewVersion when it appended.
func (l *Loader) record(ctx context.Context, s *sanctions.Screener, out Outcome) (Outcome, error) {
	v := s.List().Version()
	state, _, _, err := command.Load(ctx, l.cfg.Store, sanctions.ListAggregate, sanctions.OFACListID)
	if err != nil {
		return out, fmt.Errorf("sanctionslist: load list versions: %w", err)
	}
	res, err := command.Handle(ctx, l.cfg.Store, sanctions.ListAggregate, sanctions.OFACListID,
		sanctions.RecordCommand(v, l.cfg.Source.String()),
		command.CommandMeta{
			CommandID: sanctions.RecordCommandID(state, v.ID),
			Actor:     "system:sanctions-list-loader",
			Clock:     command.ClockFunc(func() time.Time { return v.LoadedAt }),
		})
	switch {
	case errors.Is(err, command.ErrCommandConflict):
		// Another loader recorded this version from another source.
		return out, nil
	case err != nil:
		return out, fmt.Errorf("sanctionslist: record version %s: %w", v.ID, err)
	}
	out.Position = res.Position
	if len(res.Events) > 0 {
		out.Recorded = true
		if l.cfg.OnNewVersion != nil {
			l.cfg.OnNewVersion(ctx, v, s)
		}
	}
	return out, nil
}

// Run refreshes at once and then every Interval until ctx ends, logging
// failures (the list in force stays), and returns the context's error.
func (l *Loader) Run(ctx context.Context) error {
	t := time.NewTicker(l.cfg.Interval)
	defer t.Stop()
	for {
		if _, err := l.Refresh(ctx); err != nil && ctx.Err() == nil {
			l.cfg.Logger.ErrorContext(ctx, "sanctions list refresh failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
