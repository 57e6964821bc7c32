// Package memory is an in-memory implementation of the event store port
// (domain/eventstore). It keeps every event in a slice guarded by a mutex and
// wakes subscriptions through a broadcast channel; it is meant for domain and
// projection tests, where durability does not matter but exact port
// semantics do. It passes the conformance suite in
// adapters/eventstore/storetest.
//
// Positions are dense: the n-th event ever appended has Position{n, n},
// starting at 1, and retries are recognised exactly as by the embedded store
// (EventStoreDB's rules): only at the revisions the expected revision
// implies, per stream.
package memory

import (
	"context"
	"fmt"
	"iter"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/remitflow/remitflow/domain/eventstore"
)

// readChunk is how many events a read copies out under the lock at a time.
const readChunk = 256

// idInStream keys the revision of an event ID in a stream.
type idInStream struct {
	stream string
	id     uuid.UUID
}

// Store is an in-memory event store. The zero value is not usable; call New.
// A Store is safe for concurrent use.
type Store struct {
	now func() time.Time

	mu      sync.RWMutex
	closed  bool
	log     []eventstore.RecordedEvent // log[i] has Position i+1
	streams map[string][]int           // stream -> indexes into log by revision
	ids     map[idInStream]uint64      // last revision of each ID in each stream
	notify  chan struct{}              // closed and replaced after every append and on Close
}

var _ eventstore.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*Store)

// WithClock sets the clock that stamps RecordedAt (default time.Now, in UTC).
func WithClock(now func() time.Time) Option {
	return func(s *Store) { s.now = now }
}

// New returns an empty store.
func New(opts ...Option) *Store {
	s := &Store{
		now:     time.Now,
		streams: make(map[string][]int),
		ids:     make(map[idInStream]uint64),
		notify:  make(chan struct{}),
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}

func cloneEvent(e eventstore.RecordedEvent) eventstore.RecordedEvent {
	e.Data = cloneBytes(e.Data)
	e.Metadata = cloneBytes(e.Metadata)
	return e
}

func (s *Store) broadcastLocked() {
	close(s.notify)
	s.notify = make(chan struct{})
}

// Append writes events atomically to stream if its revision matches
// expected. It returns eventstore.ErrInvalidStreamName,
// eventstore.ErrInvalidEvent, eventstore.ErrEventTooLarge,
// *eventstore.WrongExpectedRevisionError, eventstore.ErrIdempotencyConflict,
// eventstore.ErrClosed or the context's error; nothing is written on error.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppend(stream, events); err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("append %q: %w", truncate(stream), err)
	}
	if err := ctx.Err(); err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("append %q: %w", stream, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return eventstore.AppendResult{}, fmt.Errorf("append %q: %w", stream, eventstore.ErrClosed)
	}
	revs := s.streams[stream]
	exists := len(revs) > 0
	var current uint64
	if exists {
		current = uint64(len(revs) - 1)
	}

	// Idempotent retry: are the events already at the implied revisions?
	if first, ok := s.impliedStart(stream, expected, events[0].ID); ok {
		matched := 0
		for i, e := range events {
			r := first + uint64(i)
			if r < uint64(len(revs)) && s.log[revs[r]].ID == e.ID {
				matched++
			}
		}
		switch {
		case matched == len(events):
			last := s.log[revs[first+uint64(len(events)-1)]]
			return eventstore.AppendResult{NextExpectedRevision: last.Revision, Position: last.Position}, nil
		case matched > 0:
			return eventstore.AppendResult{}, fmt.Errorf("append %q: %w: %d of %d events already appended", stream, eventstore.ErrIdempotencyConflict, matched, len(events))
		}
	}

	if !expected.Check(current, exists) {
		return eventstore.AppendResult{}, &eventstore.WrongExpectedRevisionError{
			Stream: stream, Expected: expected, Actual: current, ActualExists: exists,
		}
	}

	now := s.now().UTC()
	next := uint64(len(revs))
	for i, e := range events {
		idx := len(s.log)
		pos := uint64(idx + 1)
		rev := next + uint64(i)
		s.log = append(s.log, eventstore.RecordedEvent{
			ID:         e.ID,
			Stream:     stream,
			Type:       e.Type,
			Revision:   rev,
			Position:   eventstore.Position{Commit: pos, Prepare: pos},
			Data:       cloneBytes(e.Data),
			Metadata:   cloneBytes(e.Metadata),
			RecordedAt: now,
		})
		revs = append(revs, idx)
		s.ids[idInStream{stream, e.ID}] = rev
	}
	s.streams[stream] = revs
	s.broadcastLocked()
	last := s.log[len(s.log)-1]
	return eventstore.AppendResult{NextExpectedRevision: last.Revision, Position: last.Position}, nil
}

// impliedStart returns the revision at which an append's first event would
// already be if the append were a retry.
func (s *Store) impliedStart(stream string, expected eventstore.ExpectedRevision, firstID uuid.UUID) (uint64, bool) {
	if n, ok := expected.Revision(); ok {
		if n == eventstore.EndRevision {
			return 0, false
		}
		return n + 1, true
	}
	if expected.IsNoStream() {
		return 0, true
	}
	// Any or StreamExists: where is the first event in this stream?
	rev, ok := s.ids[idInStream{stream, firstID}]
	return rev, ok
}

func truncate(stream string) string {
	if len(stream) > 64 {
		return stream[:64] + "…"
	}
	return stream
}

// ReadStream yields a stream's events. It yields
// eventstore.ErrStreamNotFound, eventstore.ErrInvalidStreamName,
// eventstore.ErrClosed or the context's error, and then stops.
func (s *Store) ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) iter.Seq2[eventstore.RecordedEvent, error] {
	return func(yield func(eventstore.RecordedEvent, error) bool) {
		if err := eventstore.ValidateStreamName(stream); err != nil {
			yield(eventstore.RecordedEvent{}, fmt.Errorf("read stream: %w", err))
			return
		}
		from := opts.From
		var count uint64
		first := true
		buf := make([]eventstore.RecordedEvent, 0, readChunk)
		for {
			if err := ctx.Err(); err != nil {
				yield(eventstore.RecordedEvent{}, fmt.Errorf("read stream %q: %w", stream, err))
				return
			}
			buf = buf[:0]
			s.mu.RLock()
			if s.closed {
				s.mu.RUnlock()
				yield(eventstore.RecordedEvent{}, fmt.Errorf("read stream %q: %w", stream, eventstore.ErrClosed))
				return
			}
			revs := s.streams[stream]
			if first && len(revs) == 0 {
				s.mu.RUnlock()
				yield(eventstore.RecordedEvent{}, fmt.Errorf("read stream %q: %w", stream, eventstore.ErrStreamNotFound))
				return
			}
			first = false
			done := false
			for len(buf) < readChunk {
				if opts.MaxCount > 0 && count+uint64(len(buf)) >= opts.MaxCount {
					done = true
					break
				}
				if opts.Direction == eventstore.Backwards {
					if len(revs) == 0 {
						done = true
						break
					}
					if from > uint64(len(revs)-1) {
						from = uint64(len(revs) - 1)
					}
				} else if from >= uint64(len(revs)) {
					done = true
					break
				}
				buf = append(buf, cloneEvent(s.log[revs[from]]))
				if opts.Direction == eventstore.Backwards {
					if from == 0 {
						done = true
						break
					}
					from--
				} else {
					from++
				}
			}
			s.mu.RUnlock()
			for _, e := range buf {
				if !yield(e, nil) {
					return
				}
			}
			count += uint64(len(buf))
			if done {
				return
			}
		}
	}
}

// ReadAll yields events of the global log in position order (or reverse),
// filtered. Events are copied out in small chunks, so a consumer may append
// while reading. It yields eventstore.ErrClosed or the context's error, and
// then stops.
func (s *Store) ReadAll(ctx context.Context, opts eventstore.ReadAllOptions) iter.Seq2[eventstore.RecordedEvent, error] {
	return func(yield func(eventstore.RecordedEvent, error) bool) {
		back := opts.Direction == eventstore.Backwards
		// idx is the next index into log to look at.
		var idx int64
		if back {
			if opts.After.Commit == 0 {
				return
			}
			idx = clampIndex(opts.After.Commit-1) - 1 // events strictly before After
			if opts.After.Prepare > opts.After.Commit {
				idx++ // After sits just after event Commit.
			}
		} else {
			idx = clampIndex(opts.After.Commit)
			if opts.After.Commit != 0 && opts.After.Prepare < opts.After.Commit {
				idx-- // After sits just before event Commit.
			}
		}
		var count uint64
		buf := make([]eventstore.RecordedEvent, 0, readChunk)
		for {
			if err := ctx.Err(); err != nil {
				yield(eventstore.RecordedEvent{}, fmt.Errorf("read all: %w", err))
				return
			}
			buf = buf[:0]
			s.mu.RLock()
			if s.closed {
				s.mu.RUnlock()
				yield(eventstore.RecordedEvent{}, fmt.Errorf("read all: %w", eventstore.ErrClosed))
				return
			}
			if back && idx >= int64(len(s.log)) {
				idx = int64(len(s.log)) - 1
			}
			done := false
			scanned := 0
			for len(buf) < readChunk && scanned < 16*readChunk {
				if opts.MaxCount > 0 && count+uint64(len(buf)) >= opts.MaxCount {
					done = true
					break
				}
				if idx < 0 || idx >= int64(len(s.log)) {
					done = true
					break
				}
				e := &s.log[idx]
				if opts.Filter.Matches(e.Stream, e.Type) {
					buf = append(buf, cloneEvent(*e))
				}
				scanned++
				if back {
					idx--
				} else {
					idx++
				}
			}
			s.mu.RUnlock()
			for _, e := range buf {
				if !yield(e, nil) {
					return
				}
			}
			count += uint64(len(buf))
			if done {
				return
			}
		}
	}
}

// clampIndex converts a position's commit number to a slice index bound.
func clampIndex(c uint64) int64 {
	const maxIdx = 1 << 62
	if c > maxIdx {
		return maxIdx
	}
	return int64(c)
}

// SubscribeAll starts a catch-up subscription delivering every matching
// event after opts.After, history first, then live. It returns
// eventstore.ErrClosed if the store is closed, or the context's error.
func (s *Store) SubscribeAll(ctx context.Context, opts eventstore.SubscribeOptions) (eventstore.Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("subscribe all: %w", err)
	}
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return nil, fmt.Errorf("subscribe all: %w", eventstore.ErrClosed)
	}
	next := clampIndex(opts.After.Commit)
	if opts.After.Commit != 0 && opts.After.Prepare < opts.After.Commit {
		next--
	}
	return &subscription{
		store:  s,
		ctx:    ctx,
		filter: opts.Filter,
		next:   next,
		done:   make(chan struct{}),
	}, nil
}

type subscription struct {
	store  *Store
	ctx    context.Context
	filter eventstore.Filter

	mu   sync.Mutex // serialises Next
	next int64      // next index into the log to look at

	closeOnce sync.Once
	done      chan struct{}
}

// Next blocks until the next matching event and returns it. It returns
// eventstore.ErrClosed after Close or the store's Close, or the error of
// ctx or of the subscription's context.
func (sub *subscription) Next(ctx context.Context) (eventstore.RecordedEvent, error) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	s := sub.store
	for {
		select {
		case <-sub.done:
			return eventstore.RecordedEvent{}, fmt.Errorf("subscription next: %w", eventstore.ErrClosed)
		default:
		}
		if err := sub.ctx.Err(); err != nil {
			return eventstore.RecordedEvent{}, fmt.Errorf("subscription next: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return eventstore.RecordedEvent{}, fmt.Errorf("subscription next: %w", err)
		}
		s.mu.RLock()
		if s.closed {
			s.mu.RUnlock()
			return eventstore.RecordedEvent{}, fmt.Errorf("subscription next: %w", eventstore.ErrClosed)
		}
		for sub.next < int64(len(s.log)) {
			e := &s.log[sub.next]
			sub.next++
			if sub.filter.Matches(e.Stream, e.Type) {
				ev := cloneEvent(*e)
				s.mu.RUnlock()
				return ev, nil
			}
		}
		wait := s.notify
		s.mu.RUnlock()
		select {
		case <-wait:
		case <-sub.done:
		case <-sub.ctx.Done():
		case <-ctx.Done():
		}
	}
}

// Close ends the subscription; a blocked Next returns eventstore.ErrClosed.
// It is safe to call more than once and always returns nil.
func (sub *subscription) Close() error {
	sub.closeOnce.Do(func() { close(sub.done) })
	return nil
}

// Close closes the store: later calls fail with eventstore.ErrClosed and
// subscriptions end with it. It is safe to call more than once and always
// returns nil.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		s.broadcastLocked()
	}
	return nil
}
