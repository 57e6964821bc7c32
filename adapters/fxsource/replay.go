package fxsource

import (
	"context"
	"errors"
	"fmt"

	"github.com/remitflow/remitflow/domain/eventstore"
	fxrates "github.com/remitflow/remitflow/fx-rates"
)

// replayBatch is how many snapshots Replay hands the book at once.
const replayBatch = 512

// Decode returns the snapshot an event records. ok is false for events that
// are not EventTypePublished (other types on rate streams are ignored by
// Replay). It returns errors wrapping fxrates.ErrMalformed or those of
// Snapshot.Validate.
func Decode(e eventstore.RecordedEvent) (s fxrates.Snapshot, ok bool, err error) {
	if e.Type != fxrates.EventTypePublished {
		return fxrates.Snapshot{}, false, nil
	}
	s, err = fxrates.UnmarshalEvent(e.Data)
	if err != nil {
		return fxrates.Snapshot{}, false, fmt.Errorf("fxsource: %s@%d: %w", e.Stream, e.Revision, err)
	}
	return s, true, nil
}

// Replay adds to book every snapshot recorded on the rate streams of the
// given sources, or of every source (all streams named "fxrates-…" in the
// global log) when none is given. A later event for the same source, base
// and as-of replaces an earlier one, as in the live book. It returns the
// number of snapshots added, and the errors of Decode, the store's errors
// (a source without a stream is not an error) or the context's error.
func Replay(ctx context.Context, store eventstore.Store, book *fxrates.RateBook, sources ...string) (int, error) {
	var (
		batch []fxrates.Snapshot
		n     int
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := book.Add(batch...); err != nil {
			return fmt.Errorf("fxsource: replay: %w", err)
		}
		n += len(batch)
		batch = batch[:0]
		return nil
	}
	consume := func(e eventstore.RecordedEvent) error {
		s, ok, err := Decode(e)
		if err != nil || !ok {
			return err
		}
		batch = append(batch, s)
		if len(batch) >= replayBatch {
			return flush()
		}
		return nil
	}
	if len(sources) == 0 {
		opts := eventstore.ReadAllOptions{Filter: eventstore.StreamPrefix(fxrates.StreamPrefix)}
		for e, err := range store.ReadAll(ctx, opts) {
			if err != nil {
				return n, fmt.Errorf("fxsource: replay: %w", err)
			}
			if err := consume(e); err != nil {
				return n, err
			}
		}
		return n, flush()
	}
	for _, src := range sources {
		stream := fxrates.StreamName(src)
		for e, err := range store.ReadStream(ctx, stream, eventstore.ReadStreamOptions{}) {
			if errors.Is(err, eventstore.ErrStreamNotFound) {
				break
			}
			if err != nil {
				return n, fmt.Errorf("fxsource: replay %s: %w", stream, err)
			}
			if err := consume(e); err != nil {
				return n, err
			}
		}
		if err := flush(); err != nil {
			return n, err
		}
	}
	return n, nil
}

// Follow keeps book up to date with the rate streams: it subscribes to the
// global log after position after (eventstore.Start for everything), adds
// every recorded snapshot to book as it is appended, by this process or any
// other, and calls applied, if not nil, with each rate event's position (a
// checkpoint to resume from). It runs until ctx ends and returns the
// context's error, or the errors of Decode, the book's or the store's
// errors.
func Follow(ctx context.Context, store eventstore.Store, book *fxrates.RateBook, after eventstore.Position, applied func(eventstore.Position)) error {
	sub, err := store.SubscribeAll(ctx, eventstore.SubscribeOptions{After: after, Filter: eventstore.StreamPrefix(fxrates.StreamPrefix)})
	if err != nil {
		return fmt.Errorf("fxsource: follow: %w", err)
	}
	defer sub.Close()
	for {
		e, err := sub.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("fxsource: follow: %w", err)
		}
		s, ok, err := Decode(e)
		if err != nil {
			return err
		}
		if ok {
			if err := book.Add(s); err != nil {
				return fmt.Errorf("fxsource: follow: %w", err)
			}
		}
		if applied != nil {
			applied(e.Position)
		}
	}
}
