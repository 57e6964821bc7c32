package fxsource

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/eventstore"
	fxrates "github.com/remitflow/remitflow/fx-rates"
)

// eventNamespace seeds the name-based (SHA-1) UUIDs of rate events.
var eventNamespace = uuid.MustParse("232f1d78-00b7-4586-87f5-167343229f6d")

// Actor is the metadata actor of published rate events.
const Actor = "system:fxsource"

// maxConflictRetries bounds the reloads after a concurrent append.
const maxConflictRetries = 5

// EventID returns the deterministic ID of the event that records a
// snapshot: a name-based UUID over the source, the as-of instant and the
// snapshot's content hash. Publishing the same rates twice, from any
// process, yields the same ID. It returns the errors of Snapshot.Validate.
func EventID(s fxrates.Snapshot) (uuid.UUID, error) {
	hash, err := s.ContentHash()
	if err != nil {
		return uuid.Nil, err
	}
	name := fxrates.EventTypePublished + "|" + s.Source + "|" + s.AsOf.UTC().Format(time.RFC3339Nano) + "|" + hash
	return uuid.NewSHA1(eventNamespace, []byte(name)), nil
}

// NewEvent encodes a snapshot as an event to append at revision of its
// stream after the event whose hash is prevHash ("" for the first), with
// metadata sealed into the stream's hash chain. The metadata is derived from
// the snapshot alone (occurred-at is its as-of), so the same snapshot always
// encodes to the same event. It returns the errors of Snapshot.Validate.
func NewEvent(s fxrates.Snapshot, revision uint64, prevHash string) (eventstore.EventData, string, error) {
	data, err := s.MarshalEvent()
	if err != nil {
		return eventstore.EventData{}, "", err
	}
	id, err := EventID(s)
	if err != nil {
		return eventstore.EventData{}, "", err
	}
	e := eventstore.EventData{ID: id, Type: fxrates.EventTypePublished, Data: data}
	meta := command.EventMetadata{Metadata: eventstore.Metadata{
		Actor:         Actor,
		OccurredAt:    s.AsOf.UTC(),
		SchemaVersion: 1,
	}}
	hash, err := command.Seal(fxrates.StreamName(s.Source), revision, prevHash, &e, meta)
	if err != nil {
		return eventstore.EventData{}, "", err
	}
	return e, hash, nil
}

// PublishResult counts what Publish did.
type PublishResult struct {
	// Appended is the number of new events written; Skipped the number of
	// snapshots already in their stream.
	Appended, Skipped int
	// Position is the global position of the last event appended (zero when
	// nothing was appended).
	Position eventstore.Position
}

// Publisher appends snapshots to their streams, each at most once. It keeps
// the event IDs of every stream it has written or read, and is safe for
// concurrent use; several publishers (replicas) may write the same streams.
type Publisher struct {
	store eventstore.Store

	mu      sync.Mutex
	streams map[string]*streamState
}

type streamState struct {
	ids      map[uuid.UUID]bool
	last     uint64
	exists   bool
	lastHash string
}

// NewPublisher returns a publisher writing to store.
func NewPublisher(store eventstore.Store) *Publisher {
	return &Publisher{store: store, streams: map[string]*streamState{}}
}

// Publish appends the snapshots that are not yet in their source's stream,
// oldest first, and skips the others. It validates every snapshot first and
// publishes nothing when one is invalid. It returns the errors of
// Snapshot.Validate, or the store's errors (eventstore.ErrUnavailable, …,
// after retrying concurrent-append conflicts), or the context's error; a
// failed stream stops the publication, streams done before it stay written.
func (p *Publisher) Publish(ctx context.Context, snaps []fxrates.Snapshot) (PublishResult, error) {
	bySource := map[string][]fxrates.Snapshot{}
	var sources []string
	for _, s := range snaps {
		if err := s.Validate(); err != nil {
			return PublishResult{}, fmt.Errorf("fxsource: publish: %w", err)
		}
		if _, ok := bySource[s.Source]; !ok {
			sources = append(sources, s.Source)
		}
		bySource[s.Source] = append(bySource[s.Source], s)
	}
	slices.Sort(sources)
	p.mu.Lock()
	defer p.mu.Unlock()
	var total PublishResult
	for _, src := range sources {
		r, err := p.publishStream(ctx, fxrates.StreamName(src), bySource[src])
		total.Appended += r.Appended
		total.Skipped += r.Skipped
		if !r.Position.IsZero() {
			total.Position = r.Position
		}
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (p *Publisher) publishStream(ctx context.Context, stream string, snaps []fxrates.Snapshot) (PublishResult, error) {
	slices.SortStableFunc(snaps, func(a, b fxrates.Snapshot) int { return a.AsOf.Compare(b.AsOf) })
	var res PublishResult
	for attempt := 0; ; attempt++ {
		st, err := p.state(ctx, stream, attempt > 0)
		if err != nil {
			return res, err
		}
		var (
			events []eventstore.EventData
			hashes []string
			ids    []uuid.UUID
			seen   = map[uuid.UUID]bool{}
		)
		rev, prev := st.last+1, st.lastHash
		if !st.exists {
			rev = 0
		}
		skipped := 0
		for _, s := range snaps {
			id, err := EventID(s)
			if err != nil {
				return res, err
			}
			if st.ids[id] || seen[id] {
				skipped++
				continue
			}
			seen[id] = true
			e, h, err := NewEvent(s, rev, prev)
			if err != nil {
				return res, err
			}
			events, hashes, ids = append(events, e), append(hashes, h), append(ids, id)
			rev, prev = rev+1, h
		}
		if len(events) == 0 {
			res.Skipped = skipped
			return res, nil
		}
		expected := eventstore.NoStream()
		if st.exists {
			expected = eventstore.Exact(st.last)
		}
		var out eventstore.AppendResult
		err = nil
		for start := 0; start < len(events) && err == nil; start += eventstore.MaxAppendEvents {
			end := min(start+eventstore.MaxAppendEvents, len(events))
			out, err = p.store.Append(ctx, stream, expected, events[start:end]...)
			if err == nil {
				for i := start; i < end; i++ {
					st.ids[ids[i]] = true
				}
				st.last, st.exists, st.lastHash = out.NextExpectedRevision, true, hashes[end-1]
				expected = eventstore.Exact(st.last)
				res.Appended += end - start
				res.Position = out.Position
			}
		}
		if err == nil {
			res.Skipped = skipped
			return res, nil
		}
		conflict := errors.Is(err, eventstore.ErrWrongExpectedRevision) || errors.Is(err, eventstore.ErrIdempotencyConflict)
		if conflict && attempt < maxConflictRetries {
			continue // another writer appended: reload and try again
		}
		return res, fmt.Errorf("fxsource: publish to %s: %w", stream, err)
	}
}

// state returns what the publisher knows of a stream, reading it from the
// store the first time or when reload is set.
func (p *Publisher) state(ctx context.Context, stream string, reload bool) (*streamState, error) {
	if st, ok := p.streams[stream]; ok && !reload {
		return st, nil
	}
	st := &streamState{ids: map[uuid.UUID]bool{}}
	for e, err := range p.store.ReadStream(ctx, stream, eventstore.ReadStreamOptions{}) {
		if errors.Is(err, eventstore.ErrStreamNotFound) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("fxsource: read %s: %w", stream, err)
		}
		st.ids[e.ID] = true
		st.last, st.exists = e.Revision, true
		m, err := command.DecodeEventMetadata(e.Metadata)
		if err != nil {
			return nil, fmt.Errorf("fxsource: read %s@%d metadata: %w", stream, e.Revision, err)
		}
		st.lastHash = m.Hash
	}
	p.streams[stream] = st
	return st, nil
}
