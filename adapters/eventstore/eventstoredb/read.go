package eventstoredb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/remitflow/remitflow/domain/eventstore"
)

// noLimit is the count sent for unbounded reads (EventStoreDB's clients use
// long.MaxValue).
const noLimit = math.MaxInt64

// ReadStream yields a stream's events in the requested direction. It yields
// an error wrapping eventstore.ErrStreamNotFound when the stream has no
// events, ErrInvalidStreamName, ErrClosed, ErrUnavailable or the context's
// error, and then stops.
func (s *Store) ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) iter.Seq2[eventstore.RecordedEvent, error] {
	return func(yield func(eventstore.RecordedEvent, error) bool) {
		op := fmt.Sprintf("read %q", stream)
		fail := func(err error) { yield(eventstore.RecordedEvent{}, fmt.Errorf("eventstoredb: %s: %w", op, err)) }
		if err := eventstore.ValidateStreamName(stream); err != nil {
			fail(err)
			return
		}
		if err := ctx.Err(); err != nil {
			fail(err)
			return
		}
		ro := esdb.ReadStreamOptions{Direction: esdb.Forwards, From: esdb.Revision(opts.From)}
		if opts.Direction == eventstore.Backwards {
			ro.Direction = esdb.Backwards
			if opts.From == eventstore.EndRevision {
				ro.From = esdb.End{}
			}
		}
		count := opts.MaxCount
		if count == 0 || count > noLimit {
			count = noLimit
		}
		retried := false
		for {
			c, err := s.acquire()
			if err != nil {
				fail(err)
				return
			}
			stopped, rerr := s.streamOnce(ctx, c, stream, &ro, &count, yield)
			if stopped || rerr == nil {
				return
			}
			if !retried && s.retryable(ctx, c, rerr) {
				// A connection that went stale (node restart) fails its
				// next call; carry on from where the read stopped.
				retried = true
				continue
			}
			yield(eventstore.RecordedEvent{}, s.mapError(ctx, op, rerr))
			return
		}
	}
}

// streamOnce runs one stream read on c, moving ro.From and count past what
// it yields. It returns whether the reader stopped early and the read's
// error (nil at the end).
func (s *Store) streamOnce(ctx context.Context, c *conn, stream string, ro *esdb.ReadStreamOptions, count *uint64,
	yield func(eventstore.RecordedEvent, error) bool) (bool, error) {
	from, n := *ro, *count
	next, stop := s.openRead(ctx, c, func(ctx context.Context) (*esdb.ReadStream, error) {
		return c.client.ReadStream(ctx, stream, from, n)
	})
	defer stop()
	for {
		ev, err := next()
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if ro.Direction == esdb.Backwards {
			if ev.EventNumber == 0 {
				*count = 0 // nothing before revision 0
			}
			ro.From = esdb.Revision(ev.EventNumber - 1)
		} else {
			ro.From = esdb.Revision(ev.EventNumber + 1)
		}
		if *count > 0 {
			*count--
		}
		if isSystem(ev) {
			continue
		}
		if !yield(toRecorded(ev), nil) {
			return true, nil
		}
		if *count == 0 {
			return true, nil
		}
	}
}

// retryable reports whether a failed call on c is worth one more try on a
// new client: the connection broke and the caller is still waiting.
func (s *Store) retryable(ctx context.Context, c *conn, err error) bool {
	if ctx.Err() != nil || s.isClosed() || !isConnectionError(err) {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return c.broken
}

// ReadAll yields events of the global log after opts.After (forwards) or
// before it (backwards), filtered, without system events. It reads in pages
// of Config.ReadPageSize, so memory use does not grow with the log. It
// yields errors wrapping eventstore.ErrClosed, ErrUnavailable or the
// context's error, and then stops.
func (s *Store) ReadAll(ctx context.Context, opts eventstore.ReadAllOptions) iter.Seq2[eventstore.RecordedEvent, error] {
	return func(yield func(eventstore.RecordedEvent, error) bool) {
		const op = "read $all"
		backwards := opts.Direction == eventstore.Backwards
		if err := ctx.Err(); err != nil {
			yield(eventstore.RecordedEvent{}, fmt.Errorf("eventstoredb: %s: %w", op, err))
			return
		}
		if (!backwards && opts.After == eventstore.End) || (backwards && opts.After.IsZero()) {
			return
		}
		cursor := opts.After // exclusive bound, moved past every event seen
		var yielded uint64
		retried := false
		for {
			c, err := s.acquire()
			if err != nil {
				yield(eventstore.RecordedEvent{}, fmt.Errorf("eventstoredb: %s: %w", op, err))
				return
			}
			ro := esdb.ReadAllOptions{Direction: esdb.Forwards}
			switch {
			case backwards && cursor == eventstore.End:
				ro.Direction, ro.From = esdb.Backwards, esdb.End{}
			case backwards:
				ro.Direction, ro.From = esdb.Backwards, esdb.Position{Commit: cursor.Commit, Prepare: cursor.Prepare}
			case cursor.IsZero():
				ro.From = esdb.Start{}
			default:
				ro.From = esdb.Position{Commit: cursor.Commit, Prepare: cursor.Prepare}
			}
			n, done, err := s.readPage(ctx, c, ro, &cursor, backwards, opts, &yielded, yield)
			if err != nil && !retried && s.retryable(ctx, c, err) {
				retried = true // carry on from the cursor on a new client
				continue
			}
			if err != nil {
				yield(eventstore.RecordedEvent{}, s.mapError(ctx, op, err))
				return
			}
			if done || n < s.pageSize {
				return
			}
		}
	}
}

// readPage reads one page of $all, yielding what passes the bounds and the
// filter. It returns how many events the server sent and whether the reader
// is done (it stopped the iteration or reached MaxCount).
func (s *Store) readPage(ctx context.Context, c *conn, ro esdb.ReadAllOptions, cursor *eventstore.Position, backwards bool,
	opts eventstore.ReadAllOptions, yielded *uint64, yield func(eventstore.RecordedEvent, error) bool) (uint64, bool, error) {
	next, stop := s.openRead(ctx, c, func(ctx context.Context) (*esdb.ReadStream, error) {
		return c.client.ReadAll(ctx, ro, s.pageSize)
	})
	defer stop()
	var n uint64
	for {
		ev, err := next()
		if errors.Is(err, io.EOF) {
			return n, false, nil
		}
		if err != nil {
			return n, false, err
		}
		n++
		p := toPosition(ev.Position)
		if backwards {
			if p.Compare(*cursor) >= 0 {
				continue // the boundary event, or one already seen
			}
		} else if p.Compare(*cursor) <= 0 {
			continue
		}
		*cursor = p
		if isSystem(ev) || !opts.Filter.Matches(ev.StreamID, ev.EventType) {
			continue
		}
		if !yield(toRecorded(ev), nil) {
			return n, true, nil
		}
		*yielded++
		if opts.MaxCount > 0 && *yielded >= opts.MaxCount {
			return n, true, nil
		}
	}
}
