package eventstoredb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/remitflow/remitflow/domain/eventstore"
)

// toExpected maps the port's expected revision onto the client's.
func toExpected(e eventstore.ExpectedRevision) esdb.ExpectedRevision {
	switch {
	case e.IsNoStream():
		return esdb.NoStream{}
	case e.IsStreamExists():
		return esdb.StreamExists{}
	}
	if n, ok := e.Revision(); ok {
		return esdb.Revision(n)
	}
	return esdb.Any{}
}

// Append writes events atomically to stream if its revision matches
// expected. It returns errors wrapping eventstore.ErrInvalidStreamName,
// ErrInvalidEvent or ErrEventTooLarge (nothing is sent), a
// *eventstore.WrongExpectedRevisionError, ErrIdempotencyConflict,
// ErrClosed, ErrUnavailable (the append may or may not have been written;
// retry with the same event IDs) or the context's error.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppend(stream, events); err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("eventstoredb: append to %q: %w", stream, err)
	}
	if err := ctx.Err(); err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("eventstoredb: append to %q: %w", stream, err)
	}
	for retried := false; ; retried = true {
		c, err := s.acquire()
		if err != nil {
			return eventstore.AppendResult{}, fmt.Errorf("eventstoredb: append to %q: %w", stream, err)
		}
		res, err := s.appendOn(ctx, c, stream, expected, events)
		if err != nil && !retried && s.retryable(ctx, c, err) {
			// A connection that went stale (node restart) fails its next
			// call. Sending the same event IDs again is an idempotent retry.
			continue
		}
		return res, err
	}
}

func (s *Store) appendOn(ctx context.Context, c *conn, stream string, expected eventstore.ExpectedRevision, events []eventstore.EventData) (eventstore.AppendResult, error) {
	proposed := make([]esdb.EventData, len(events))
	for i, e := range events {
		proposed[i] = esdb.EventData{
			EventID:     e.ID,
			EventType:   e.Type,
			ContentType: esdb.ContentTypeJson,
			Data:        e.Data,
			Metadata:    e.Metadata,
		}
	}
	op := fmt.Sprintf("append to %q", stream)
	var wr *esdb.WriteResult
	err := s.call(ctx, c, func(ctx context.Context) error {
		var err error
		wr, err = c.client.AppendToStream(ctx, stream, esdb.AppendToStreamOptions{ExpectedRevision: toExpected(expected)}, proposed...)
		return err
	})
	if err != nil {
		var e *esdb.Error
		if errors.As(err, &e) && e.Code() == esdb.ErrorCodeWrongExpectedVersion {
			return s.resolveConflict(ctx, c, stream, expected, events, err)
		}
		return eventstore.AppendResult{}, s.mapError(ctx, op, err)
	}
	res := eventstore.AppendResult{
		NextExpectedRevision: wr.NextExpectedVersion,
		Position:             eventstore.Position{Commit: wr.CommitPosition, Prepare: wr.PreparePosition},
	}
	if res.Position.IsZero() || len(events) > 1 {
		// Older servers answer an idempotent retry without a position, and
		// EventStoreDB reports a multi-event write at its transaction's
		// position, not at its last event's: read the last event's.
		p, err := s.positionOf(ctx, c, stream, res.NextExpectedRevision)
		if err != nil && res.Position.IsZero() {
			return eventstore.AppendResult{}, err
		}
		if err == nil && !p.IsZero() && p != eventstore.End {
			res.Position = p
		}
	}
	return res, nil
}

// positionOf returns the global position of the event at rev in stream.
func (s *Store) positionOf(ctx context.Context, c *conn, stream string, rev uint64) (eventstore.Position, error) {
	op := fmt.Sprintf("read %q@%d", stream, rev)
	next, stop := s.openRead(ctx, c, func(ctx context.Context) (*esdb.ReadStream, error) {
		return c.client.ReadStream(ctx, stream, esdb.ReadStreamOptions{From: esdb.Revision(rev)}, 1)
	})
	defer stop()
	ev, err := next()
	if err != nil {
		return eventstore.Position{}, s.mapError(ctx, op, err)
	}
	return toPosition(ev.Position), nil
}

// resolveConflict turns a wrong-expected-version answer into the port's
// result. EventStoreDB answers a batch whose IDs are partly in the stream
// ("corrupted idempotency") with the same message as a plain revision
// mismatch, so the stream is read to tell them apart: all IDs in place is an
// idempotent retry, some is ErrIdempotencyConflict, none is a
// *WrongExpectedRevisionError.
func (s *Store) resolveConflict(ctx context.Context, c *conn, stream string, expected eventstore.ExpectedRevision, events []eventstore.EventData, wrong error) (eventstore.AppendResult, error) {
	op := fmt.Sprintf("append to %q", stream)
	var (
		from   uint64
		count  uint64 = math.MaxInt64
		anchor        = false // the batch must start right at from
		stored []eventstore.RecordedEvent
	)
	switch n, exact := expected.Revision(); {
	case exact:
		from, count, anchor = n+1, uint64(len(events)), true
	case expected.IsNoStream():
		from, count, anchor = 0, uint64(len(events)), true
	}
	next, stop := s.openRead(ctx, c, func(ctx context.Context) (*esdb.ReadStream, error) {
		return c.client.ReadStream(ctx, stream, esdb.ReadStreamOptions{From: esdb.Revision(from)}, count)
	})
	defer stop()
	for {
		ev, err := next()
		if err != nil {
			var e *esdb.Error
			if errors.As(err, &e) && e.Code() == esdb.ErrorCodeResourceNotFound {
				break
			}
			if errors.Is(err, io.EOF) {
				break
			}
			return eventstore.AppendResult{}, s.mapError(ctx, op, err)
		}
		stored = append(stored, toRecorded(ev))
	}
	// The stored events of the batch, in order, where the batch would sit.
	index := make(map[[16]byte]int, len(stored))
	for i, e := range stored {
		index[e.ID] = i
	}
	matched := 0
	start := -1
	for i, e := range events {
		j, ok := index[e.ID]
		if !ok {
			continue
		}
		if anchor && j != i {
			matched++ // an ID at the wrong place still overlaps the stream
			continue
		}
		if start < 0 {
			start = j - i
		}
		matched++
	}
	if matched == len(events) && start >= 0 && start+len(events) <= len(stored) {
		inPlace := true
		for i, e := range events {
			if stored[start+i].ID != e.ID {
				inPlace = false
				break
			}
		}
		if inPlace {
			last := stored[start+len(events)-1]
			return eventstore.AppendResult{NextExpectedRevision: last.Revision, Position: last.Position}, nil
		}
	}
	if matched > 0 {
		return eventstore.AppendResult{}, fmt.Errorf("eventstoredb: append to %q: %w", stream, eventstore.ErrIdempotencyConflict)
	}
	w := &eventstore.WrongExpectedRevisionError{Stream: stream, Expected: expected}
	if rev, ok2, ok := parseActual(wrong); ok {
		w.Actual, w.ActualExists = rev, ok2
	} else {
		lastRev, exists, err := s.lastRevision(ctx, c, stream)
		if err != nil {
			return eventstore.AppendResult{}, err
		}
		w.Actual, w.ActualExists = lastRev, exists
	}
	return eventstore.AppendResult{}, fmt.Errorf("eventstoredb: %w", w)
}

// lastRevision returns the stream's last revision, false if it has no events.
func (s *Store) lastRevision(ctx context.Context, c *conn, stream string) (uint64, bool, error) {
	op := fmt.Sprintf("read %q", stream)
	next, stop := s.openRead(ctx, c, func(ctx context.Context) (*esdb.ReadStream, error) {
		return c.client.ReadStream(ctx, stream, esdb.ReadStreamOptions{Direction: esdb.Backwards, From: esdb.End{}}, 1)
	})
	defer stop()
	ev, err := next()
	if err != nil {
		var e *esdb.Error
		if errors.As(err, &e) && e.Code() == esdb.ErrorCodeResourceNotFound || errors.Is(err, io.EOF) {
			return 0, false, nil
		}
		return 0, false, s.mapError(ctx, op, err)
	}
	return ev.EventNumber, true, nil
}
