package fxsource

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	fxrates "github.com/remitflow/remitflow/fx-rates"
)

// RefreshResult is the outcome of one refresh.
type RefreshResult struct {
	Source string
	// Fetched is the number of snapshots the source returned (0 when it was
	// not modified).
	Fetched int
	// NotModified is true when the source reported no change.
	NotModified bool
	Publish     PublishResult
	Err         error
}

// Refresher fetches a source, publishes what it returns and feeds the rate
// book, once or on an interval. Snapshots reach the book only after they
// were appended, so quotes are only ever priced from recorded rates.
type Refresher struct {
	// Source is fetched on every refresh.
	Source fxrates.Source
	// Publisher appends the snapshots to the source's stream.
	Publisher *Publisher
	// Book, if not nil, receives the snapshots after they are published.
	Book *fxrates.RateBook
	// Interval between refreshes in Run.
	Interval time.Duration
	// Logger receives one line per refresh; nil logs nothing.
	Logger *slog.Logger
	// OnRefresh, if not nil, is called after every refresh of Run.
	OnRefresh func(RefreshResult)
}

// RefreshOnce fetches, publishes and feeds the book once. A source that
// reports fxrates.ErrNotModified yields a result with NotModified set and no
// error. It returns the source's, the publisher's or the book's errors.
func (r *Refresher) RefreshOnce(ctx context.Context) (RefreshResult, error) {
	res := RefreshResult{Source: r.Source.Name()}
	snaps, err := r.Source.Fetch(ctx)
	if errors.Is(err, fxrates.ErrNotModified) {
		res.NotModified = true
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("refresh %s: %w", res.Source, err)
	}
	res.Fetched = len(snaps)
	if res.Publish, err = r.Publisher.Publish(ctx, snaps); err != nil {
		return res, fmt.Errorf("refresh %s: %w", res.Source, err)
	}
	if r.Book != nil {
		if err := r.Book.Add(snaps...); err != nil {
			return res, fmt.Errorf("refresh %s: %w", res.Source, err)
		}
	}
	return res, nil
}

// Run refreshes at once and then every Interval until ctx ends; failures are
// logged and retried at the next tick (the source does its own retries
// within one fetch). It returns ctx's error, or an error wrapping
// fxrates.ErrInvalidConfig when Source, Publisher or Interval is missing.
func (r *Refresher) Run(ctx context.Context) error {
	if r.Source == nil || r.Publisher == nil || r.Interval <= 0 {
		return fmt.Errorf("%w: refresher needs a source, a publisher and a positive interval", fxrates.ErrInvalidConfig)
	}
	t := time.NewTicker(r.Interval)
	defer t.Stop()
	for {
		res, err := r.RefreshOnce(ctx)
		res.Err = err
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.log(ctx, res)
		if r.OnRefresh != nil {
			r.OnRefresh(res)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (r *Refresher) log(ctx context.Context, res RefreshResult) {
	if r.Logger == nil {
		return
	}
	if res.Err != nil {
		r.Logger.LogAttrs(ctx, slog.LevelWarn, "fx refresh failed", slog.String("source", res.Source), slog.String("error", res.Err.Error()))
		return
	}
	r.Logger.LogAttrs(ctx, slog.LevelInfo, "fx refresh",
		slog.String("source", res.Source), slog.Bool("not_modified", res.NotModified),
		slog.Int("fetched", res.Fetched), slog.Int("appended", res.Publish.Appended), slog.Int("skipped", res.Publish.Skipped))
}
