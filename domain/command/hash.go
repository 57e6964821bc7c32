package command

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/remitflow/remitflow/domain/eventstore"
)

// HashVersion names the hash recipe; it is the first field hashed.
const HashVersion = "remitflow.event-hash.v1"

// ErrChainBroken means a stream's hash chain does not verify: an event was
// edited, removed, reordered or inserted after it was written. The error is a
// *ChainError naming the first broken event.
var ErrChainBroken = errors.New("command: hash chain broken")

// EventMetadata is the metadata the command loop writes on every event: the
// platform's standard metadata plus the command that caused the event.
// Readers that only know eventstore.Metadata can decode it too.
type EventMetadata struct {
	eventstore.Metadata
	// CommandID is the ID of the command that decided the event; every event
	// of one decision carries the same CommandID.
	CommandID string `json:"command_id,omitempty"`
	// CommandHash is the hex SHA-256 of the command's JSON encoding; a command
	// ID reused with a different command is detected through it.
	CommandHash string `json:"command_hash,omitempty"`
}

// chainFields are the metadata fields the command loop needs when folding.
type chainFields struct {
	CommandID   string `json:"command_id"`
	CommandHash string `json:"command_hash"`
	Hash        string `json:"hash"`
}

// DecodeEventMetadata parses event metadata; empty metadata yields the zero
// value. It returns the JSON decoder's error for malformed metadata.
func DecodeEventMetadata(b []byte) (EventMetadata, error) {
	var m EventMetadata
	if len(b) == 0 {
		return m, nil
	}
	err := json.Unmarshal(b, &m)
	return m, err
}

// Hash returns the hex SHA-256 chain hash of one event. The hashed bytes are
// the concatenation of these fields, each written as a netstring
// ("<decimal byte length>:<bytes>,"), in this order:
//
//	HashVersion, prev_hash, stream, revision (decimal), event ID (canonical
//	lower-case UUID), event type, occurred_at (UTC, RFC 3339 with
//	nanoseconds, trailing zeros trimmed), correlation_id, causation_id,
//	actor, schema_version (decimal), command_id, command_hash, data (the
//	event's JSON bytes exactly as stored).
//
// The metadata's own hash field is not hashed. prev_hash is the previous
// event's hash in the same stream, "" for revision 0, so changing any field of
// any event breaks the link to every later event.
func Hash(stream string, revision uint64, id uuid.UUID, eventType string, data []byte, m EventMetadata) string {
	h := sha256.New()
	var buf []byte
	field := func(s string) {
		buf = strconv.AppendInt(buf[:0], int64(len(s)), 10)
		buf = append(buf, ':')
		buf = append(buf, s...)
		buf = append(buf, ',')
		h.Write(buf)
	}
	field(HashVersion)
	field(m.PrevHash)
	field(stream)
	field(strconv.FormatUint(revision, 10))
	field(id.String())
	field(eventType)
	field(m.OccurredAt.UTC().Format(time.RFC3339Nano))
	field(m.CorrelationID)
	field(m.CausationID)
	field(m.Actor)
	field(strconv.Itoa(m.SchemaVersion))
	field(m.CommandID)
	field(m.CommandHash)
	field(string(data))
	return hex.EncodeToString(h.Sum(nil))
}

// Seal sets e.Metadata to m chained after prevHash: it fills m.PrevHash and
// m.Hash for an event that will land at revision in stream and encodes the
// metadata, and returns the event's hash. Writers that append outside Handle
// (checkpoints, idempotency keys) use it so that every stream verifies. It
// returns an error only when the metadata cannot be encoded.
func Seal(stream string, revision uint64, prevHash string, e *eventstore.EventData, m EventMetadata) (string, error) {
	m.OccurredAt = m.OccurredAt.UTC()
	m.PrevHash = prevHash
	m.Hash = ""
	m.Hash = Hash(stream, revision, e.ID, e.Type, e.Data, m)
	if y := m.OccurredAt.Year(); y < 0 || y > 9999 {
		return "", fmt.Errorf("command: encode metadata: occurred_at %v out of range", m.OccurredAt)
	}
	e.Metadata = appendMetadata(make([]byte, 0, 384), m)
	return m.Hash, nil
}

// ChainError names the first event whose link in the hash chain is broken.
type ChainError struct {
	Stream   string
	Revision uint64
	EventID  uuid.UUID
	Type     string
	// Reason says what did not match.
	Reason string
}

// Error names the stream, revision and event, and says what did not match.
func (e *ChainError) Error() string {
	return fmt.Sprintf("command: hash chain broken at %s@%d (event %s, %s): %s", e.Stream, e.Revision, e.EventID, e.Type, e.Reason)
}

// Is makes errors.Is(err, ErrChainBroken) true.
func (e *ChainError) Is(target error) bool { return target == ErrChainBroken }

// chainState follows one stream's chain during verification.
type chainState struct {
	next     uint64
	lastHash string
}

// check verifies one event against the chain so far and advances it.
func (c *chainState) check(ev eventstore.RecordedEvent) error {
	fail := func(reason string) error {
		return &ChainError{Stream: ev.Stream, Revision: ev.Revision, EventID: ev.ID, Type: ev.Type, Reason: reason}
	}
	if ev.Revision != c.next {
		return fail(fmt.Sprintf("revision %d where %d was expected", ev.Revision, c.next))
	}
	m, err := DecodeEventMetadata(ev.Metadata)
	if err != nil {
		return fail("metadata is not valid: " + err.Error())
	}
	if m.Hash == "" {
		return fail("event carries no hash")
	}
	if m.PrevHash != c.lastHash {
		return fail(fmt.Sprintf("prev_hash %q does not match the previous event's hash %q", m.PrevHash, c.lastHash))
	}
	if got := Hash(ev.Stream, ev.Revision, ev.ID, ev.Type, ev.Data, m); got != m.Hash {
		return fail(fmt.Sprintf("content hashes to %s but the event says %s", got, m.Hash))
	}
	c.next++
	c.lastHash = m.Hash
	return nil
}

// Verify reads a stream from its first event and checks every link of its
// hash chain. It returns nil when the chain is intact, a *ChainError (matching
// ErrChainBroken) naming the first broken event, or the store's error
// (eventstore.ErrStreamNotFound, ErrUnavailable, …).
func Verify(ctx context.Context, store eventstore.Store, stream string) error {
	var c chainState
	for ev, err := range store.ReadStream(ctx, stream, eventstore.ReadStreamOptions{}) {
		if err != nil {
			return fmt.Errorf("command: verify %s: %w", stream, err)
		}
		if err := c.check(ev); err != nil {
			return err
		}
	}
	return nil
}

// VerifyReport summarises a successful VerifyAll.
type VerifyReport struct {
	// Streams and Events count what was checked.
	Streams int
	Events  int
	// Last is the position of the last event checked.
	Last eventstore.Position
}

// VerifyAll reads the global log from the start and checks the hash chain of
// every stream the filter selects (the zero Filter selects all; use a
// stream-prefix filter, since an event-type filter leaves gaps). Each stream
// must start at revision 0 and continue without gaps. It returns the report
// and nil when every chain is intact; otherwise the report so far and a
// *ChainError for the first broken event in log order, or the store's error.
func VerifyAll(ctx context.Context, store eventstore.Store, filter eventstore.Filter) (VerifyReport, error) {
	var rep VerifyReport
	chains := map[string]*chainState{}
	for ev, err := range store.ReadAll(ctx, eventstore.ReadAllOptions{Filter: filter}) {
		if err != nil {
			return rep, fmt.Errorf("command: verify all: %w", err)
		}
		c := chains[ev.Stream]
		if c == nil {
			c = &chainState{}
			chains[ev.Stream] = c
			rep.Streams++
		}
		if err := c.check(ev); err != nil {
			return rep, err
		}
		rep.Events++
		rep.Last = ev.Position
	}
	return rep, nil
}
