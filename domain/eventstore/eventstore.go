// Package eventstore is the port every event store adapter implements: named
// streams of immutable events with per-stream revisions, one global order over
// all events (the $all log), optimistic concurrency through expected
// revisions, idempotent re-appends, filtered reads of the global log and
// catch-up subscriptions.
//
// The port is modelled on EventStoreDB so that the EventStoreDB adapter stays
// thin and the embedded (Pebble) adapter behaves the same. Every adapter must
// pass the conformance suite in adapters/eventstore/storetest.
//
// Semantics every adapter guarantees:
//   - A stream is named "category-id" and its events have revisions 0, 1, 2, ….
//   - Append is atomic: all of its events are written, or none.
//   - An append is durable before it is acknowledged.
//   - Every event has a Position in one total order; positions only grow.
//   - Appending events whose IDs are already at the positions the expected
//     revision implies returns the original result and writes nothing
//     (idempotent retry). With Any or StreamExists, a batch whose events are
//     already in the stream, in order, is recognised the same way.
//   - SubscribeAll delivers every event after the start position exactly once,
//     in order: first the history, then live events, with no gaps. A slow
//     reader slows delivery (back-pressure); nothing is dropped or buffered
//     without bound.
package eventstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Limits enforced by every adapter (EventStoreDB's defaults are similar).
const (
	// MaxStreamNameLen is the longest stream name in bytes.
	MaxStreamNameLen = 256
	// MaxEventTypeLen is the longest event type in bytes.
	MaxEventTypeLen = 256
	// MaxEventSize bounds one event's data plus metadata in bytes.
	MaxEventSize = 1 << 20
	// MaxAppendEvents bounds the number of events in one append.
	MaxAppendEvents = 4096
)

// Errors returned by stores. Adapters wrap them with context; test with errors.Is.
var (
	// ErrWrongExpectedRevision means the stream's revision did not match the
	// expected revision; the error is a *WrongExpectedRevisionError.
	ErrWrongExpectedRevision = errors.New("eventstore: wrong expected revision")
	// ErrStreamNotFound means a read named a stream that has no events.
	ErrStreamNotFound = errors.New("eventstore: stream not found")
	// ErrInvalidStreamName means a stream name is empty, too long, not UTF-8,
	// or starts with '$' (reserved for system streams).
	ErrInvalidStreamName = errors.New("eventstore: invalid stream name")
	// ErrInvalidEvent means an event has a nil ID, an empty or too long type,
	// data or metadata that is not JSON, or an append had no events.
	ErrInvalidEvent = errors.New("eventstore: invalid event")
	// ErrEventTooLarge means an event's data plus metadata exceed MaxEventSize,
	// or an append exceeds MaxAppendEvents.
	ErrEventTooLarge = errors.New("eventstore: event too large")
	// ErrIdempotencyConflict means some, but not all, of an append's event IDs
	// were already written at the implied positions, or an ID was reused for a
	// different event.
	ErrIdempotencyConflict = errors.New("eventstore: event IDs partially or differently appended")
	// ErrClosed means the store or subscription was closed.
	ErrClosed = errors.New("eventstore: closed")
	// ErrUnavailable means the store could not be reached; the operation may
	// or may not have taken effect (retry with the same event IDs).
	ErrUnavailable = errors.New("eventstore: unavailable")
)

// WrongExpectedRevisionError reports an optimistic concurrency conflict.
type WrongExpectedRevisionError struct {
	Stream   string
	Expected ExpectedRevision
	// Actual is the stream's current last revision; ActualExists is false when
	// the stream has no events.
	Actual       uint64
	ActualExists bool
}

// Error names the stream and both revisions.
func (e *WrongExpectedRevisionError) Error() string {
	actual := "no stream"
	if e.ActualExists {
		actual = fmt.Sprintf("revision %d", e.Actual)
	}
	return fmt.Sprintf("eventstore: wrong expected revision on %q: expected %s, actual %s", e.Stream, e.Expected, actual)
}

// Is makes errors.Is(err, ErrWrongExpectedRevision) true.
func (e *WrongExpectedRevisionError) Is(target error) bool { return target == ErrWrongExpectedRevision }

// Store is the event store port.
type Store interface {
	// Append writes events atomically to stream if its revision matches
	// expected, and returns where the last event landed. It returns
	// ErrInvalidStreamName, ErrInvalidEvent, ErrEventTooLarge,
	// *WrongExpectedRevisionError, ErrIdempotencyConflict, ErrClosed,
	// ErrUnavailable or the context's error. Nothing is written on error.
	Append(ctx context.Context, stream string, expected ExpectedRevision, events ...EventData) (AppendResult, error)

	// ReadStream yields a stream's events in the requested direction. It
	// yields ErrStreamNotFound when the stream has no events, ErrInvalidStreamName,
	// ErrClosed, ErrUnavailable or the context's error, and then stops.
	ReadStream(ctx context.Context, stream string, opts ReadStreamOptions) iter.Seq2[RecordedEvent, error]

	// ReadAll yields events of the global log in position order (or reverse),
	// filtered. It streams: memory use does not grow with the log. Errors:
	// ErrClosed, ErrUnavailable or the context's error.
	ReadAll(ctx context.Context, opts ReadAllOptions) iter.Seq2[RecordedEvent, error]

	// SubscribeAll starts a catch-up subscription on the global log: every
	// matching event after opts.After, history first, then live. Cancelling
	// ctx or calling Close ends it.
	SubscribeAll(ctx context.Context, opts SubscribeOptions) (Subscription, error)

	// Close releases the store. Pending appends either complete or fail with
	// ErrClosed; subscriptions end with ErrClosed.
	Close() error
}

// Subscription is a pull-based catch-up subscription. Delivery waits for the
// reader: a slow reader never loses events.
type Subscription interface {
	// Next blocks until the next event, then returns it. It returns ErrClosed
	// after Close, the context's error when ctx or the subscription's context
	// ends, or ErrUnavailable when the store is gone and cannot be reached.
	Next(ctx context.Context) (RecordedEvent, error)
	// Close ends the subscription. It is safe to call more than once.
	Close() error
}

// EventData is an event to append.
type EventData struct {
	// ID identifies the event; appending the same ID again at the same place
	// is an idempotent no-op. Derive it from the command ID.
	ID uuid.UUID
	// Type names the event, e.g. "transfer.requested.v1".
	Type string
	// Data is the event's JSON body.
	Data []byte
	// Metadata is a JSON object (see Metadata), or empty.
	Metadata []byte
}

// Validate checks the event against the port's rules.
func (e EventData) Validate() error {
	if e.ID == uuid.Nil {
		return fmt.Errorf("%w: nil event ID", ErrInvalidEvent)
	}
	if e.Type == "" || len(e.Type) > MaxEventTypeLen || !utf8.ValidString(e.Type) {
		return fmt.Errorf("%w: event type must be 1 to %d bytes of UTF-8", ErrInvalidEvent, MaxEventTypeLen)
	}
	if size := len(e.Data) + len(e.Metadata); size > MaxEventSize {
		return fmt.Errorf("%w: %d bytes (max %d)", ErrEventTooLarge, size, MaxEventSize)
	}
	if !json.Valid(e.Data) {
		return fmt.Errorf("%w: data of %s is not valid JSON", ErrInvalidEvent, e.Type)
	}
	if len(e.Metadata) > 0 && !json.Valid(e.Metadata) {
		return fmt.Errorf("%w: metadata of %s is not valid JSON", ErrInvalidEvent, e.Type)
	}
	return nil
}

// ValidateAppend checks a stream name and a batch of events; adapters call it
// before anything else so that bad input never reaches storage.
func ValidateAppend(stream string, events []EventData) error {
	if err := ValidateStreamName(stream); err != nil {
		return err
	}
	if len(events) == 0 {
		return fmt.Errorf("%w: an append needs at least one event", ErrInvalidEvent)
	}
	if len(events) > MaxAppendEvents {
		return fmt.Errorf("%w: %d events in one append (max %d)", ErrEventTooLarge, len(events), MaxAppendEvents)
	}
	seen := make(map[uuid.UUID]struct{}, len(events))
	for _, e := range events {
		if err := e.Validate(); err != nil {
			return err
		}
		if _, dup := seen[e.ID]; dup {
			return fmt.Errorf("%w: event ID %s twice in one append", ErrInvalidEvent, e.ID)
		}
		seen[e.ID] = struct{}{}
	}
	return nil
}

// ValidateStreamName checks a stream name against the port's rules.
func ValidateStreamName(stream string) error {
	switch {
	case stream == "":
		return fmt.Errorf("%w: empty", ErrInvalidStreamName)
	case len(stream) > MaxStreamNameLen:
		return fmt.Errorf("%w: %d bytes (max %d)", ErrInvalidStreamName, len(stream), MaxStreamNameLen)
	case !utf8.ValidString(stream):
		return fmt.Errorf("%w: not UTF-8", ErrInvalidStreamName)
	case strings.HasPrefix(stream, "$"):
		return fmt.Errorf("%w: %q: names starting with '$' are reserved", ErrInvalidStreamName, stream)
	}
	return nil
}

// Category returns the part of a stream name before the first '-'
// ("transfer" for "transfer-7f3c…").
func Category(stream string) string {
	c, _, _ := strings.Cut(stream, "-")
	return c
}

// RecordedEvent is an event as stored.
type RecordedEvent struct {
	ID         uuid.UUID
	Stream     string
	Type       string
	Revision   uint64
	Position   Position
	Data       []byte
	Metadata   []byte
	RecordedAt time.Time
}

// AppendResult says where an append's last event landed.
type AppendResult struct {
	// NextExpectedRevision is the stream's revision after the append: pass
	// Exact(NextExpectedRevision) to append after it.
	NextExpectedRevision uint64
	// Position is the global position of the last event appended.
	Position Position
}

// Position is a place in the global log. Commit orders events; Prepare breaks
// ties (EventStoreDB's log positions; the embedded store sets both to the
// event's sequence number, starting at 1). The zero Position is before every
// event.
type Position struct {
	Commit  uint64
	Prepare uint64
}

// Start is the position before the first event.
var Start = Position{}

// End is the position after the last event (for backward reads).
var End = Position{Commit: math.MaxUint64, Prepare: math.MaxUint64}

// Compare returns -1, 0 or +1 as p is before, at or after q.
func (p Position) Compare(q Position) int {
	switch {
	case p.Commit < q.Commit:
		return -1
	case p.Commit > q.Commit:
		return 1
	case p.Prepare < q.Prepare:
		return -1
	case p.Prepare > q.Prepare:
		return 1
	}
	return 0
}

// Less reports whether p is before q.
func (p Position) Less(q Position) bool { return p.Compare(q) < 0 }

// IsZero reports whether p is Start.
func (p Position) IsZero() bool { return p == Start }

// String formats as "C:P".
func (p Position) String() string { return fmt.Sprintf("%d:%d", p.Commit, p.Prepare) }

// ParsePosition parses "C:P" or a plain "C" (meaning C:C).
func ParsePosition(s string) (Position, error) {
	var p Position
	c, pr, hasPrepare := strings.Cut(s, ":")
	if _, err := fmt.Sscan(c, &p.Commit); err != nil {
		return Position{}, fmt.Errorf("eventstore: bad position %q", s)
	}
	p.Prepare = p.Commit
	if hasPrepare {
		if _, err := fmt.Sscan(pr, &p.Prepare); err != nil {
			return Position{}, fmt.Errorf("eventstore: bad position %q", s)
		}
	}
	return p, nil
}

// Direction is the direction of a read.
type Direction int

// Read directions.
const (
	Forwards Direction = iota
	Backwards
)

// EndRevision, as ReadStreamOptions.From with Backwards, starts at the last event.
const EndRevision = math.MaxUint64

// ReadStreamOptions controls ReadStream.
type ReadStreamOptions struct {
	Direction Direction
	// From is the first revision yielded (inclusive). Backwards reads start
	// from EndRevision to begin at the last event.
	From uint64
	// MaxCount bounds the number of events; 0 means no bound.
	MaxCount uint64
}

// ReadAllOptions controls ReadAll.
type ReadAllOptions struct {
	Direction Direction
	// After is an exclusive bound: forwards, events after it (Start reads
	// from the beginning); backwards, events before it (End reads from the
	// last event).
	After Position
	// MaxCount bounds the number of events yielded; 0 means no bound.
	MaxCount uint64
	// Filter selects events; the zero Filter selects every event.
	Filter Filter
}

// SubscribeOptions controls SubscribeAll.
type SubscribeOptions struct {
	// After is an exclusive bound: the subscription delivers events after it.
	// Start delivers the whole log.
	After  Position
	Filter Filter
}

// FilterKind says what a Filter's prefixes match.
type FilterKind int

// Filter kinds (EventStoreDB's server-side filters).
const (
	// FilterNone selects every event.
	FilterNone FilterKind = iota
	// FilterStreamPrefix matches stream names.
	FilterStreamPrefix
	// FilterEventTypePrefix matches event types.
	FilterEventTypePrefix
)

// Filter selects events by stream-name or event-type prefix. An event matches
// when any prefix matches.
type Filter struct {
	Kind     FilterKind
	Prefixes []string
}

// StreamPrefix returns a filter on stream-name prefixes.
func StreamPrefix(prefixes ...string) Filter {
	return Filter{Kind: FilterStreamPrefix, Prefixes: prefixes}
}

// EventTypePrefix returns a filter on event-type prefixes.
func EventTypePrefix(prefixes ...string) Filter {
	return Filter{Kind: FilterEventTypePrefix, Prefixes: prefixes}
}

// Matches reports whether an event of that stream and type passes the filter.
func (f Filter) Matches(stream, eventType string) bool {
	var s string
	switch f.Kind {
	case FilterNone:
		return true
	case FilterStreamPrefix:
		s = stream
	case FilterEventTypePrefix:
		s = eventType
	default:
		return false
	}
	for _, p := range f.Prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// MarshalText encodes the position as "C:P" (JSON as a string).
func (p Position) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText decodes "C:P" or "C"; it returns ParsePosition's error.
func (p *Position) UnmarshalText(b []byte) error {
	q, err := ParsePosition(string(b))
	if err != nil {
		return err
	}
	*p = q
	return nil
}
