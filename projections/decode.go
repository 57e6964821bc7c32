package projections

import (
	"fmt"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/eventstore"
)

// DecodeFunc decodes one event type of an aggregate (an aggregate's Decode).
type DecodeFunc func(eventType string, data []byte) (command.Event, error)

// Decoder turns stored events into domain events, by stream category.
type Decoder struct {
	byCategory map[string]DecodeFunc
}

// NewDecoder returns a decoder for the given categories ("transfer",
// "wallet", …). Events of other categories (checkpoints, idempotency keys,
// rates) decode to nil without error.
func NewDecoder(byCategory map[string]DecodeFunc) *Decoder {
	return &Decoder{byCategory: byCategory}
}

// Decode returns the domain event, or nil for a category the decoder does not
// know. A known category whose event does not decode is an error: the log
// holds something this build cannot read.
func (d *Decoder) Decode(ev eventstore.RecordedEvent) (command.Event, error) {
	f, ok := d.byCategory[eventstore.Category(ev.Stream)]
	if !ok {
		return nil, nil
	}
	e, err := f(ev.Type, ev.Data)
	if err != nil {
		return nil, fmt.Errorf("decode %s %s@%d: %w", ev.Type, ev.Stream, ev.Revision, err)
	}
	return e, nil
}

// OccurredAt returns the domain time of an event from its metadata, falling
// back to the time the store recorded it.
func OccurredAt(ev eventstore.RecordedEvent) time.Time {
	if m, err := eventstore.DecodeMetadata(ev.Metadata); err == nil && !m.OccurredAt.IsZero() {
		return m.OccurredAt
	}
	return ev.RecordedAt
}
