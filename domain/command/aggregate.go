package command

import (
	"time"

	"github.com/remitflow/remitflow/domain/ledger"
)

// Event is a domain event: a JSON-serialisable value that names its type
// ("transfer.requested.v1"). Aggregates emit and fold their own event types.
type Event interface {
	EventType() string
}

// MoneyMover is an event that moves money; its postings must validate
// (each currency sums to zero). The command loop refuses to append one whose
// postings do not.
type MoneyMover interface {
	Event
	LedgerPostings() ledger.Postings
}

// Clock tells the time. The domain never reads the wall clock itself.
type Clock interface {
	Now() time.Time
}

// ClockFunc adapts a function to Clock.
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }

// Aggregate describes one aggregate type to the command loop: how to name its
// stream, fold its events, decide on a command and decode stored events.
// S is the aggregate's state, C its command type.
type Aggregate[S any, C any] struct {
	// Category is the stream category: the stream is Category + "-" + id.
	Category string
	// Initial returns the state of an aggregate with no events.
	Initial func() S
	// Evolve folds one event into the state. It must not fail: events are facts.
	Evolve func(state S, e Event) S
	// Decide returns the events a command causes, or a domain error. It must
	// be pure: same state, command and time, same events.
	Decide func(state S, cmd C, now time.Time) ([]Event, error)
	// Decode turns a stored event back into its typed value.
	Decode func(eventType string, data []byte) (Event, error)
}
