package projections

import (
	"encoding/json"
	"time"

	"github.com/remitflow/remitflow/domain/eventstore"
)

// Error is a named query error of the read models. Queries wrap these
// sentinels with detail: test with errors.Is, or errors.As an
// interface{ ErrorKind() string } to map them at the HTTP edge like the
// domain's errors ("invalid" 422, "not_found" 404, "refused" 422).
type Error struct {
	// Code is a stable machine-readable code, e.g. "projections.not_found".
	Code string
	// Kind classifies the error for the HTTP edge.
	Kind string
	msg  string
}

// Error returns the message.
func (e *Error) Error() string { return e.msg }

// ErrorCode returns the stable code.
func (e *Error) ErrorCode() string { return e.Code }

// ErrorKind returns the kind.
func (e *Error) ErrorKind() string { return e.Kind }

// Errors returned by the read models' queries.
var (
	// ErrNotFound means the read model knows nothing under that ID (transfer,
	// customer, agent, corridor, subject).
	ErrNotFound = &Error{Code: "projections.not_found", Kind: "not_found", msg: "projections: not found"}
	// ErrBeforeHistory means an as-of query asked for an instant before the
	// thing it names existed.
	ErrBeforeHistory = &Error{Code: "projections.before_history", Kind: "not_found", msg: "projections: nothing existed at that instant"}
	// ErrInvalidArgument means a query argument is malformed: an unknown
	// status, a bad cursor, a range that ends before it starts, an unknown
	// currency.
	ErrInvalidArgument = &Error{Code: "projections.invalid_argument", Kind: "invalid", msg: "projections: invalid argument"}
	// ErrNoRate means an amount cannot be converted: no rate was recorded
	// for the currency at that instant, no chain of rates connects the two
	// currencies, or the only rates are stale. The error also wraps the
	// fxrates error (fxrates.ErrNoRate, fxrates.ErrNoPath,
	// fxrates.ErrStaleRate) that says which.
	ErrNoRate = &Error{Code: "projections.no_rate", Kind: "refused", msg: "projections: no exchange rate"}
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
