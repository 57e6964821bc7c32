package kafkarelay

import (
	"context"
	"strconv"

	"github.com/google/uuid"

	"github.com/remitflow/remitflow/adapters/eventstore/memory"
	"github.com/remitflow/remitflow/domain/eventstore"
)

// memStore is the in-memory event store with a helper for tests.
type memStore struct{ *memory.Store }

func newMemStore() *memStore { return &memStore{memory.New()} }

// head returns the position of the last event, or Start.
func (s *memStore) head(ctx context.Context) eventstore.Position {
	for ev, err := range s.ReadAll(ctx, eventstore.ReadAllOptions{Direction: eventstore.Backwards, After: eventstore.End, MaxCount: 1}) {
		if err == nil {
			return ev.Position
		}
	}
	return eventstore.Start
}

// appendN appends n events to stream, each {"n":i}, and returns the last
// position.
func appendN(ctx context.Context, s eventstore.Store, stream, typ string, n int) (eventstore.Position, error) {
	var pos eventstore.Position
	for i := 0; i < n; i++ {
		res, err := s.Append(ctx, stream, eventstore.Any(), eventstore.EventData{
			ID: uuid.New(), Type: typ,
			Data:     []byte(`{"n":` + strconv.Itoa(i) + `}`),
			Metadata: []byte(`{"correlation_id":"c-` + strconv.Itoa(i) + `","occurred_at":"2026-01-01T00:00:00Z"}`),
		})
		if err != nil {
			return pos, err
		}
		pos = res.Position
	}
	return pos, nil
}
