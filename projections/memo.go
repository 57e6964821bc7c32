package projections

import (
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/eventstore"
)

// decodeMemo remembers the last event decoded, so that the read models a
// Runner feeds one event after another decode its data and metadata once.
// A nil memo decodes every time.
type decodeMemo struct {
	mu   sync.Mutex
	id   uuid.UUID
	pos  eventstore.Position
	have bool
	e    command.Event
	err  error
	meta eventMeta
}

func (m *decodeMemo) lookup(d *Decoder, ev eventstore.RecordedEvent) (command.Event, eventMeta, error) {
	if m == nil {
		e, err := d.Decode(ev)
		return e, metaOf(ev), err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.have || m.id != ev.ID || m.pos != ev.Position {
		m.e, m.err = d.Decode(ev)
		m.meta = metaOf(ev)
		m.id, m.pos, m.have = ev.ID, ev.Position, true
	}
	return m.e, m.meta, m.err
}

// at returns an event's domain time, from the memo when the event is the
// one remembered.
func (m *decodeMemo) at(ev eventstore.RecordedEvent) time.Time {
	if m != nil {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.have && m.id == ev.ID && m.pos == ev.Position {
			return m.meta.at
		}
	}
	return metaOf(ev).at
}
