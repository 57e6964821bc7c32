package command

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
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
	b := hashBufs.Get().(*[]byte)
	buf := appendHashInput((*b)[:0], stream, revision, id, eventType, data, m)
	sum := sha256.Sum256(buf)
	if cap(buf) <= maxPooledHashBuf {
		*b = buf
		hashBufs.Put(b)
	}
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}

// maxPooledHashBuf bounds the buffers kept for reuse by Hash.
const maxPooledHashBuf = 64 << 10

var hashBufs = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// appendHashInput appends the bytes Hash digests (see Hash) to b.
func appendHashInput(b []byte, stream string, revision uint64, id uuid.UUID, eventType string, data []byte, m EventMetadata) []byte {
	b = appendNetstring(b, HashVersion)
	b = appendNetstring(b, m.PrevHash)
	b = appendNetstring(b, stream)
	var num [20]byte
	b = appendNetstringBytes(b, strconv.AppendUint(num[:0], revision, 10))
	var ids [36]byte
	encodeUUID(ids[:], id)
	b = appendNetstringBytes(b, ids[:])
	b = appendNetstring(b, eventType)
	var ts [64]byte
	b = appendNetstringBytes(b, m.OccurredAt.UTC().AppendFormat(ts[:0], time.RFC3339Nano))
	b = appendNetstring(b, m.CorrelationID)
	b = appendNetstring(b, m.CausationID)
	b = appendNetstring(b, m.Actor)
	b = appendNetstringBytes(b, strconv.AppendInt(num[:0], int64(m.SchemaVersion), 10))
	b = appendNetstring(b, m.CommandID)
	b = appendNetstring(b, m.CommandHash)
	return appendNetstringBytes(b, data)
}

// appendNetstring appends s as "<decimal byte length>:<bytes>,".
func appendNetstring(b []byte, s string) []byte {
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	b = append(b, s...)
	return append(b, ',')
}

func appendNetstringBytes(b, s []byte) []byte {
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	b = append(b, s...)
	return append(b, ',')
}

// encodeUUID writes id in its canonical lower-case form (as id.String()) to
// dst, which must hold 36 bytes.
func encodeUUID(dst []byte, id uuid.UUID) {
	hex.Encode(dst[0:8], id[0:4])
	dst[8] = '-'
	hex.Encode(dst[9:13], id[4:6])
	dst[13] = '-'
	hex.Encode(dst[14:18], id[6:8])
	dst[18] = '-'
	hex.Encode(dst[19:23], id[8:10])
	dst[23] = '-'
	hex.Encode(dst[24:], id[10:])
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
	e.Metadata = appendMetadata(make([]byte, 0, metadataSize(m)), m)
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
