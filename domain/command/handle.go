package command

import (
	"bytes"
	"context"
	"crypto/sha1"
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

// MaxAttempts bounds how often Handle decides again after a concurrency
// conflict or an unavailable store.
const MaxAttempts = 5

// DefaultSchemaVersion is written when CommandMeta.SchemaVersion is zero.
const DefaultSchemaVersion = 1

// Errors returned by Handle. Domain errors returned by an aggregate's Decide
// are passed through unchanged.
var (
	// ErrInvalidCommand means the command cannot be run: no command ID, no
	// clock, an empty aggregate ID, or an event that cannot be encoded.
	ErrInvalidCommand = errors.New("command: invalid command")
	// ErrConflict means the stream kept changing under the command:
	// MaxAttempts appends failed with a wrong expected revision. It also
	// matches eventstore.ErrWrongExpectedRevision.
	ErrConflict = errors.New("command: too many concurrent changes")
	// ErrCommandConflict means the command ID was already used in this
	// stream for a different command.
	ErrCommandConflict = errors.New("command: command ID reused for a different command")
	// ErrUnbalancedPostings means a decided MoneyMover event carries postings
	// that do not validate (see ledger.Postings.Validate).
	ErrUnbalancedPostings = errors.New("command: event postings do not balance")
	// ErrCorruptStream means a stored event could not be decoded.
	ErrCorruptStream = errors.New("command: stored event cannot be decoded")
)

// conflictError matches both ErrConflict and the store's wrong expected
// revision.
type conflictError struct{ cause error }

func (e *conflictError) Error() string { return ErrConflict.Error() + ": " + e.cause.Error() }
func (e *conflictError) Is(t error) bool {
	return t == ErrConflict || t == eventstore.ErrWrongExpectedRevision
}
func (e *conflictError) Unwrap() error { return e.cause }

// CommandMeta is what Handle needs besides the command itself.
type CommandMeta struct {
	// CommandID identifies the command; required. Event IDs are derived from
	// it, so running the same command ID twice appends once. Derive it from
	// the request's idempotency key or from the triggering event's ID.
	CommandID string
	// CorrelationID, CausationID and Actor are copied to every event's
	// metadata (see eventstore.Metadata).
	CorrelationID string
	CausationID   string
	Actor         string
	// SchemaVersion of the events' data; DefaultSchemaVersion when zero.
	SchemaVersion int
	// Clock is the source of the decision time and of occurred_at; required.
	Clock Clock
}

// Result is the outcome of a command.
type Result struct {
	// Stream is the aggregate's stream.
	Stream string
	// Events are the events the command appended, in order; nil when it
	// appended nothing (no events decided, or a duplicate).
	Events []Event
	// Revision is the stream revision of the command's last event, or of the
	// stream's last event when the command decided nothing; Exists is false
	// when the stream has no events at all.
	Revision uint64
	Exists   bool
	// Position is the global position of the command's last event (or the
	// stream's last event): wait for projections to reach it to read your
	// own write.
	Position eventstore.Position
	// Duplicate is true when the command had already been applied; nothing
	// was written and Revision/Position are those of the original events.
	Duplicate bool
}

// EventID derives the ID of the index-th event that command commandID appends
// to stream: a UUIDv5 over the three, so a retry produces the same IDs.
func EventID(stream, commandID string, index int) uuid.UUID {
	var arr [256]byte
	b := append(arr[:0], eventNamespace[:]...)
	b = append(b, stream...)
	b = append(b, 0)
	b = append(b, commandID...)
	b = append(b, 0)
	b = strconv.AppendInt(b, int64(index), 10)
	return sha1UUID(b)
}

// DeriveID derives a deterministic identifier from parts (for example a
// follow-up command ID from a triggering event ID and a step name). Equal
// parts give equal IDs; it never returns an empty string.
func DeriveID(parts ...string) string {
	var arr [256]byte
	b := append(arr[:0], eventNamespace[:]...)
	for _, p := range parts {
		b = append(b, p...)
		b = append(b, 0)
	}
	id := sha1UUID(b)
	var out [36]byte
	encodeUUID(out[:], id)
	return string(out[:])
}

// sha1UUID is uuid.NewSHA1(space, name) for b = space || name, without the
// allocations of a hash.Hash.
func sha1UUID(b []byte) uuid.UUID {
	sum := sha1.Sum(b)
	var id uuid.UUID
	copy(id[:], sum[:])
	id[6] = (id[6] & 0x0f) | 0x50 // version 5
	id[8] = (id[8] & 0x3f) | 0x80 // RFC 4122 variant
	return id
}

var eventNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("urn:remitflow:command"))

// Stream returns the name of an aggregate's stream.
func (a Aggregate[S, C]) Stream(id string) string { return a.Category + "-" + id }

// commandRecord remembers where a command's events landed.
type commandRecord struct {
	hash     string
	revision uint64
	position eventstore.Position
}

// snapshot is an aggregate folded up to a revision.
type snapshot[S any] struct {
	state    S
	exists   bool
	revision uint64
	position eventstore.Position
	lastHash string
	commands map[string]commandRecord
}

// Load folds an aggregate's stream into its state. It returns the state, the
// revision of the last event and whether the stream exists (an absent stream
// yields agg.Initial() and false). When store is a *CachingStore only the
// events since the cached state are read, and the state is returned through
// its Clone() S method when it has one (states whose Evolve folds in place
// must have one, or share memory with the cache). Errors: ErrCorruptStream, or the
// store's error (ErrUnavailable, ErrClosed, the context's error).
func Load[S, C any](ctx context.Context, store eventstore.Store, agg Aggregate[S, C], id string) (S, uint64, bool, error) {
	var zero S
	stream := agg.Stream(id)
	cs, ok := store.(*CachingStore)
	if !ok {
		snap, err := catchUp(ctx, store, agg, stream, nil)
		if err != nil {
			return zero, 0, false, err
		}
		return snap.state, snap.revision, snap.exists, nil
	}
	slot := cs.slot(stream)
	slot.mu.Lock()
	defer slot.mu.Unlock()
	prev, _ := slot.value.(*snapshot[S])
	snap, err := catchUp(ctx, store, agg, stream, prev)
	if err != nil {
		slot.value = nil
		return zero, 0, false, err
	}
	slot.value = snap
	// The cached state is folded in place by later commands: hand out a copy
	// when the state knows how to make one.
	return cloneState(snap.state), snap.revision, snap.exists, nil
}

// cloneState returns st.Clone() when S has a Clone() S method, and st
// otherwise. The check uses a nil *S, so a state without Clone is returned
// without being boxed (and copied to the heap).
func cloneState[S any](st S) S {
	if _, ok := any((*S)(nil)).(interface{ Clone() S }); !ok {
		return st
	}
	if c, ok := any(st).(interface{ Clone() S }); ok {
		return c.Clone()
	}
	return st
}

// LoadAtLeast is Load for a caller that only needs a state that includes
// revision minRevision (for example the revision of an event it is reacting
// to): when store is a *CachingStore whose cached state is already there, it
// returns that state without reading. The state may then miss events that
// other writers appended since; commands run on it are still safe (Handle
// appends with the expected revision). Errors as for Load.
func LoadAtLeast[S, C any](ctx context.Context, store eventstore.Store, agg Aggregate[S, C], id string, minRevision uint64) (S, uint64, bool, error) {
	if cs, ok := store.(*CachingStore); ok {
		slot := cs.slot(agg.Stream(id))
		slot.mu.Lock()
		snap, _ := slot.value.(*snapshot[S])
		if snap != nil && snap.exists && snap.revision >= minRevision {
			st := cloneState(snap.state)
			rev := snap.revision
			slot.mu.Unlock()
			return st, rev, true, nil
		}
		slot.mu.Unlock()
	}
	return Load(ctx, store, agg, id)
}

// catchUp reads the events after snap (or the whole stream when snap is nil)
// and folds them.
func catchUp[S, C any](ctx context.Context, store eventstore.Store, agg Aggregate[S, C], stream string, snap *snapshot[S]) (*snapshot[S], error) {
	if snap == nil {
		snap = &snapshot[S]{state: agg.Initial(), commands: map[string]commandRecord{}}
	}
	from := uint64(0)
	if snap.exists {
		from = snap.revision + 1
	}
	for ev, err := range store.ReadStream(ctx, stream, eventstore.ReadStreamOptions{From: from}) {
		if err != nil {
			if errors.Is(err, eventstore.ErrStreamNotFound) {
				break
			}
			return nil, fmt.Errorf("command: read %s: %w", stream, err)
		}
		e, err := agg.Decode(ev.Type, ev.Data)
		if err != nil {
			return nil, fmt.Errorf("%w: %s@%d (%s): %v", ErrCorruptStream, stream, ev.Revision, ev.Type, err)
		}
		var m chainFields
		if len(ev.Metadata) > 0 {
			if err := json.Unmarshal(ev.Metadata, &m); err != nil {
				return nil, fmt.Errorf("%w: %s@%d metadata: %v", ErrCorruptStream, stream, ev.Revision, err)
			}
		}
		snap.state = agg.Evolve(snap.state, e)
		snap.exists = true
		snap.revision = ev.Revision
		snap.position = ev.Position
		snap.lastHash = m.Hash
		if m.CommandID != "" {
			snap.commands[m.CommandID] = commandRecord{hash: m.CommandHash, revision: ev.Revision, position: ev.Position}
		}
	}
	return snap, nil
}

// Handle runs one command against the aggregate id: it loads the stream,
// folds it, calls agg.Decide(state, cmd, meta.Clock.Now()), and appends the
// decided events with NoStream or Exact(revision), retrying after
// concurrency conflicts (see the package comment). When store is a
// *CachingStore the folded state is reused and only new events are read.
//
// Errors: ErrInvalidCommand, ErrCommandConflict, ErrUnbalancedPostings,
// ErrCorruptStream, ErrConflict (also matching
// eventstore.ErrWrongExpectedRevision), the aggregate's domain errors, or the
// store's errors. Nothing is written when an error is returned, except that an
// eventstore.ErrUnavailable after MaxAttempts leaves the outcome unknown:
// run the same command again.
func Handle[S, C any](ctx context.Context, store eventstore.Store, agg Aggregate[S, C], id string, cmd C, meta CommandMeta) (Result, error) {
	if meta.CommandID == "" {
		return Result{}, fmt.Errorf("%w: no command ID", ErrInvalidCommand)
	}
	if meta.Clock == nil {
		return Result{}, fmt.Errorf("%w: no clock", ErrInvalidCommand)
	}
	if id == "" {
		return Result{}, fmt.Errorf("%w: empty %s ID", ErrInvalidCommand, agg.Category)
	}
	if meta.SchemaVersion == 0 {
		meta.SchemaVersion = DefaultSchemaVersion
	}
	cmdHash, err := commandHash(cmd)
	if err != nil {
		return Result{}, fmt.Errorf("%w: encode command: %v", ErrInvalidCommand, err)
	}
	stream := agg.Stream(id)

	var slot *cacheSlot
	if cs, ok := store.(*CachingStore); ok {
		slot = cs.slot(stream)
		slot.mu.Lock()
		defer slot.mu.Unlock()
	}

	// With a cached snapshot, decide on it first: the append's expected
	// revision proves it current. A refusal, a no-op or a conflict reads the
	// stream's new events and decides again.
	var snap *snapshot[S]
	if slot != nil {
		snap, _ = slot.value.(*snapshot[S])
	}
	fresh := false
	refresh := func() error {
		var err error
		snap, err = catchUp(ctx, store, agg, stream, snap)
		if err != nil {
			if slot != nil {
				slot.value = nil
			}
			return err
		}
		if slot != nil {
			slot.value = snap
		}
		fresh = true
		return nil
	}
	if snap == nil {
		if err := refresh(); err != nil {
			return Result{}, err
		}
	}
	var lastErr error
	for attempt := 0; attempt < MaxAttempts; attempt++ {
		if rec, done := snap.commands[meta.CommandID]; done {
			if rec.hash != cmdHash {
				return Result{}, fmt.Errorf("%w: %s in %s", ErrCommandConflict, meta.CommandID, stream)
			}
			return Result{Stream: stream, Revision: rec.revision, Exists: true, Position: rec.position, Duplicate: true}, nil
		}
		now := meta.Clock.Now()
		events, err := agg.Decide(snap.state, cmd, now)
		if (err != nil || len(events) == 0) && !fresh {
			if err := refresh(); err != nil {
				return Result{}, err
			}
			attempt--
			continue
		}
		if err != nil {
			return Result{}, err
		}
		if len(events) == 0 {
			return Result{Stream: stream, Revision: snap.revision, Exists: snap.exists, Position: snap.position}, nil
		}
		data, next, err := encode(stream, snap, events, meta, cmdHash, now)
		if err != nil {
			return Result{}, err
		}
		expected := eventstore.NoStream()
		if snap.exists {
			expected = eventstore.Exact(snap.revision)
		}
		res, err := store.Append(ctx, stream, expected, data...)
		if err != nil {
			if errors.Is(err, eventstore.ErrWrongExpectedRevision) || errors.Is(err, eventstore.ErrUnavailable) {
				lastErr = err
				if err := refresh(); err != nil {
					return Result{}, err
				}
				continue
			}
			return Result{}, fmt.Errorf("command: append to %s: %w", stream, err)
		}
		// Fold the new events into the snapshot.
		for _, e := range events {
			snap.state = agg.Evolve(snap.state, e)
		}
		first := uint64(0)
		if snap.exists {
			first = snap.revision + 1
		}
		snap.exists = true
		snap.revision = first + uint64(len(events)) - 1
		snap.position = res.Position
		snap.lastHash = next
		snap.commands[meta.CommandID] = commandRecord{hash: cmdHash, revision: snap.revision, position: res.Position}
		return Result{Stream: stream, Events: events, Revision: snap.revision, Exists: true, Position: res.Position}, nil
	}
	if errors.Is(lastErr, eventstore.ErrUnavailable) {
		return Result{}, fmt.Errorf("command: append to %s: %w", stream, lastErr)
	}
	return Result{}, &conflictError{cause: lastErr}
}

// commandHash returns the hex SHA-256 of json.Marshal(cmd). It encodes into
// a reused buffer: json.Encoder writes the same bytes as json.Marshal
// followed by a newline, which is not hashed.
func commandHash(cmd any) (string, error) {
	buf := cmdBufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledHashBuf {
			cmdBufs.Put(buf)
		}
	}()
	if err := json.NewEncoder(buf).Encode(cmd); err != nil {
		return "", err
	}
	b := buf.Bytes()
	sum := sha256.Sum256(b[:len(b)-1])
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], sum[:])
	return string(out[:]), nil
}

var cmdBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// encode turns decided events into sealed EventData and returns the hash of
// the last one.
func encode[S any](stream string, snap *snapshot[S], events []Event, meta CommandMeta, cmdHash string, now time.Time) ([]eventstore.EventData, string, error) {
	out := make([]eventstore.EventData, len(events))
	rev := uint64(0)
	if snap.exists {
		rev = snap.revision + 1
	}
	prev := snap.lastHash
	for i, e := range events {
		if mm, ok := e.(MoneyMover); ok {
			if err := mm.LedgerPostings().Validate(); err != nil {
				return nil, "", fmt.Errorf("%w: %s: %w", ErrUnbalancedPostings, e.EventType(), err)
			}
		}
		b, err := json.Marshal(e)
		if err != nil {
			return nil, "", fmt.Errorf("%w: encode %s: %v", ErrInvalidCommand, e.EventType(), err)
		}
		out[i] = eventstore.EventData{ID: EventID(stream, meta.CommandID, i), Type: e.EventType(), Data: b}
		m := EventMetadata{
			Metadata: eventstore.Metadata{
				CorrelationID: meta.CorrelationID,
				CausationID:   meta.CausationID,
				Actor:         meta.Actor,
				OccurredAt:    now,
				SchemaVersion: meta.SchemaVersion,
			},
			CommandID:   meta.CommandID,
			CommandHash: cmdHash,
		}
		h, err := Seal(stream, rev+uint64(i), prev, &out[i], m)
		if err != nil {
			return nil, "", err
		}
		prev = h
	}
	return out, prev, nil
}
