package projections

import (
	"encoding/json"
	"time"

	"github.com/remitflow/remitflow/domain/domainerr"
	"github.com/remitflow/remitflow/domain/eventstore"
)

// Errors returned by the read models' queries. Each is a *domainerr.Error:
// queries wrap them with detail; test with errors.Is.
var (
	// ErrNotFound means the read model knows nothing under that ID (transfer,
	// customer, agent, corridor, subject).
	ErrNotFound = domainerr.New("projections.not_found", domainerr.NotFound, "projections: not found")
	// ErrBeforeHistory means an as-of query asked for an instant before the
	// thing it names existed.
	ErrBeforeHistory = domainerr.New("projections.before_history", domainerr.NotFound, "projections: nothing existed at that instant")
	// ErrInvalidArgument means a query argument is malformed: an unknown
	// status, a bad cursor, a range that ends before it starts, an unknown
	// currency.
	ErrInvalidArgument = domainerr.New("projections.invalid_argument", domainerr.Invalid, "projections: invalid argument")
	// ErrNoRate means an amount cannot be converted: no rate was recorded
	// for the currency at that instant, no chain of rates connects the two
	// currencies, or the only rates are stale. The error also wraps the
	// fxrates error (fxrates.ErrNoRate, fxrates.ErrNoPath,
	// fxrates.ErrStaleRate) that says which.
	ErrNoRate = domainerr.New("projections.no_rate", domainerr.Refused, "projections: no exchange rate")
)

// eventMeta is what the read models take from an event's metadata.
type eventMeta struct {
	at    time.Time
	actor string
}

// metaOf returns the domain time and actor of an event; the time falls back
// to when the store recorded it (see OccurredAt).
func metaOf(ev eventstore.RecordedEvent) eventMeta {
	var m struct {
		Actor      string    `json:"actor"`
		OccurredAt time.Time `json:"occurred_at"`
	}
	if len(ev.Metadata) > 0 {
		if err := json.Unmarshal(ev.Metadata, &m); err != nil {
			m.Actor, m.OccurredAt = "", time.Time{}
		}
	}
	if m.OccurredAt.IsZero() {
		m.OccurredAt = ev.RecordedAt
	}
	return eventMeta{at: m.OccurredAt.UTC(), actor: m.Actor}
}
