package command_test

import (
	"context"
	"errors"
	"iter"
	"sync"
	"time"

	"github.com/remitflow/remitflow/domain/eventstore"
)

// fakeStore is a tiny in-memory store: enough of the port for the command
// loop, plus hooks to inject conflicts and to tamper with history.
type fakeStore struct {
	mu      sync.Mutex
	log     []eventstore.RecordedEvent
	streams map[string][]int
	// beforeAppend, when set, runs before each append (outside the lock).
	beforeAppend func(stream string)
	appends      int
}

var _ eventstore.Store = (*fakeStore)(nil)

func newFakeStore() *fakeStore { return &fakeStore{streams: map[string][]int{}} }

func (s *fakeStore) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if h := s.beforeAppend; h != nil {
		h(stream)
	}
	return s.rawAppend(stream, expected, events...)
}

// rawAppend appends without running the hook.
func (s *fakeStore) rawAppend(stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppend(stream, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.appends++
	idx := s.streams[stream]
	cur, exists := uint64(len(idx))-1, len(idx) > 0
	// Idempotent retry: the first event is already at the implied position.
	start := uint64(0)
	if r, ok := expected.Revision(); ok {
		start = r + 1
	}
	if start < uint64(len(idx)) && s.log[idx[start]].ID == events[0].ID {
		last := s.log[idx[start+uint64(len(events))-1]]
		return eventstore.AppendResult{NextExpectedRevision: last.Revision, Position: last.Position}, nil
	}
	if !expected.Check(cur, exists) {
		return eventstore.AppendResult{}, &eventstore.WrongExpectedRevisionError{Stream: stream, Expected: expected, Actual: cur, ActualExists: exists}
	}
	var res eventstore.AppendResult
	for _, e := range events {
		n := uint64(len(s.log) + 1)
		rev := uint64(len(s.streams[stream]))
		s.log = append(s.log, eventstore.RecordedEvent{ID: e.ID, Stream: stream, Type: e.Type, Revision: rev,
			Position: eventstore.Position{Commit: n, Prepare: n}, Data: e.Data, Metadata: e.Metadata, RecordedAt: time.Unix(0, 0)})
		s.streams[stream] = append(s.streams[stream], len(s.log)-1)
		res = eventstore.AppendResult{NextExpectedRevision: rev, Position: eventstore.Position{Commit: n, Prepare: n}}
	}
	return res, nil
}

func (s *fakeStore) ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) iter.Seq2[eventstore.RecordedEvent, error] {
	return func(yield func(eventstore.RecordedEvent, error) bool) {
		s.mu.Lock()
		idx := s.streams[stream]
		var out []eventstore.RecordedEvent
		for i := opts.From; i < uint64(len(idx)); i++ {
			out = append(out, s.log[idx[i]])
		}
		s.mu.Unlock()
		if len(idx) == 0 {
			yield(eventstore.RecordedEvent{}, eventstore.ErrStreamNotFound)
			return
		}
		for _, e := range out {
			if !yield(e, nil) {
				return
			}
		}
	}
}

func (s *fakeStore) ReadAll(ctx context.Context, opts eventstore.ReadAllOptions) iter.Seq2[eventstore.RecordedEvent, error] {
	return func(yield func(eventstore.RecordedEvent, error) bool) {
		s.mu.Lock()
		out := append([]eventstore.RecordedEvent(nil), s.log...)
		s.mu.Unlock()
		for _, e := range out {
			if !opts.Filter.Matches(e.Stream, e.Type) {
				continue
			}
			if !yield(e, nil) {
				return
			}
		}
	}
}

func (s *fakeStore) SubscribeAll(context.Context, eventstore.SubscribeOptions) (eventstore.Subscription, error) {
	return nil, errors.New("fake store: no subscriptions")
}

func (s *fakeStore) Close() error { return nil }

// tamper rewrites one stored event's data in place.
func (s *fakeStore) tamper(stream string, revision uint64, data string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log[s.streams[stream][revision]].Data = []byte(data)
}

func (s *fakeStore) count(stream string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.streams[stream])
}
