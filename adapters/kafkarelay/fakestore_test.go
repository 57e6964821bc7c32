package kafkarelay

import (
	"context"
	"iter"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/remitflow/remitflow/domain/eventstore"
)

// fakeStore is a small in-memory eventstore.Store for these tests.
type fakeStore struct {
	mu      sync.Mutex
	log     []eventstore.RecordedEvent
	streams map[string][]int // indexes into log
	changed chan struct{}
	closed  bool
}

var _ eventstore.Store = (*fakeStore)(nil)

func newFakeStore() *fakeStore {
	return &fakeStore{streams: map[string][]int{}, changed: make(chan struct{})}
}

func (s *fakeStore) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppend(stream, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return eventstore.AppendResult{}, eventstore.ErrClosed
	}
	idx := s.streams[stream]
	cur, exists := uint64(len(idx))-1, len(idx) > 0
	// Idempotent retry: the first event's ID already at the implied place.
	start := uint64(len(idx))
	if n, ok := expected.Revision(); ok {
		start = n + 1
	} else if expected.IsNoStream() {
		start = 0
	}
	if start < uint64(len(idx)) && s.log[idx[start]].ID == events[0].ID {
		last := s.log[idx[min(start+uint64(len(events))-1, uint64(len(idx))-1)]]
		return eventstore.AppendResult{NextExpectedRevision: last.Revision, Position: last.Position}, nil
	}
	if !expected.Check(cur, exists) {
		return eventstore.AppendResult{}, &eventstore.WrongExpectedRevisionError{Stream: stream, Expected: expected, Actual: cur, ActualExists: exists}
	}
	var res eventstore.AppendResult
	for _, e := range events {
		p := uint64(len(s.log) + 1)
		rec := eventstore.RecordedEvent{
			ID: e.ID, Stream: stream, Type: e.Type, Revision: uint64(len(idx)),
			Position: eventstore.Position{Commit: p, Prepare: p},
			Data:     e.Data, Metadata: e.Metadata, RecordedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(p) * time.Millisecond),
		}
		idx = append(idx, len(s.log))
		s.log = append(s.log, rec)
		res = eventstore.AppendResult{NextExpectedRevision: rec.Revision, Position: rec.Position}
	}
	s.streams[stream] = idx
	close(s.changed)
	s.changed = make(chan struct{})
	return res, nil
}

func (s *fakeStore) ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) iter.Seq2[eventstore.RecordedEvent, error] {
	return func(yield func(eventstore.RecordedEvent, error) bool) {
		s.mu.Lock()
		idx := append([]int(nil), s.streams[stream]...)
		evs := make([]eventstore.RecordedEvent, len(idx))
		for i, j := range idx {
			evs[i] = s.log[j]
		}
		s.mu.Unlock()
		if len(evs) == 0 {
			yield(eventstore.RecordedEvent{}, eventstore.ErrStreamNotFound)
			return
		}
		var n uint64
		emit := func(e eventstore.RecordedEvent) bool {
			if opts.MaxCount > 0 && n >= opts.MaxCount {
				return false
			}
			n++
			return yield(e, nil)
		}
		if opts.Direction == eventstore.Backwards {
			for i := len(evs) - 1; i >= 0; i-- {
				if evs[i].Revision <= opts.From && !emit(evs[i]) {
					return
				}
			}
			return
		}
		for _, e := range evs {
			if e.Revision >= opts.From && !emit(e) {
				return
			}
		}
	}
}

func (s *fakeStore) ReadAll(ctx context.Context, opts eventstore.ReadAllOptions) iter.Seq2[eventstore.RecordedEvent, error] {
	return func(yield func(eventstore.RecordedEvent, error) bool) {
		s.mu.Lock()
		evs := append([]eventstore.RecordedEvent(nil), s.log...)
		s.mu.Unlock()
		var n uint64
		for _, e := range evs {
			if !opts.After.Less(e.Position) || !opts.Filter.Matches(e.Stream, e.Type) {
				continue
			}
			if opts.MaxCount > 0 && n >= opts.MaxCount {
				return
			}
			n++
			if !yield(e, nil) {
				return
			}
		}
	}
}

func (s *fakeStore) SubscribeAll(ctx context.Context, opts eventstore.SubscribeOptions) (eventstore.Subscription, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, eventstore.ErrClosed
	}
	return &fakeSub{s: s, ctx: ctx, after: opts.After, filter: opts.Filter, done: make(chan struct{})}, nil
}

func (s *fakeStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.changed)
	}
	return nil
}

// head returns the position of the last event.
func (s *fakeStore) head() eventstore.Position {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.log) == 0 {
		return eventstore.Start
	}
	return s.log[len(s.log)-1].Position
}

type fakeSub struct {
	s      *fakeStore
	ctx    context.Context
	after  eventstore.Position
	filter eventstore.Filter
	once   sync.Once
	done   chan struct{}
}

func (f *fakeSub) Next(ctx context.Context) (eventstore.RecordedEvent, error) {
	for {
		f.s.mu.Lock()
		if f.s.closed {
			f.s.mu.Unlock()
			return eventstore.RecordedEvent{}, eventstore.ErrClosed
		}
		for i := int(f.after.Commit); i < len(f.s.log); i++ {
			e := f.s.log[i]
			f.after = e.Position
			if f.filter.Matches(e.Stream, e.Type) {
				f.s.mu.Unlock()
				return e, nil
			}
		}
		ch := f.s.changed
		f.s.mu.Unlock()
		select {
		case <-ch:
		case <-f.done:
			return eventstore.RecordedEvent{}, eventstore.ErrClosed
		case <-ctx.Done():
			return eventstore.RecordedEvent{}, ctx.Err()
		case <-f.ctx.Done():
			return eventstore.RecordedEvent{}, f.ctx.Err()
		}
	}
}

func (f *fakeSub) Close() error {
	f.once.Do(func() { close(f.done) })
	return nil
}

// appendN appends n events to stream, each {"n":i}, and returns the last
// position.
func appendN(ctx context.Context, s eventstore.Store, stream, typ string, n int) (eventstore.Position, error) {
	var pos eventstore.Position
	for i := 0; i < n; i++ {
		res, err := s.Append(ctx, stream, eventstore.Any(), eventstore.EventData{
			ID: uuid.New(), Type: typ,
			Data:     []byte(`{"n":` + itoa(i) + `}`),
			Metadata: []byte(`{"correlation_id":"c-` + itoa(i) + `","occurred_at":"2026-01-01T00:00:00Z"}`),
		})
		if err != nil {
			return pos, err
		}
		pos = res.Position
	}
	return pos, nil
}

func itoa(i int) string { return strconv.Itoa(i) }
