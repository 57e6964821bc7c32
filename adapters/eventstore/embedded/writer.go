package embedded

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"github.com/google/uuid"

	"github.com/remitflow/remitflow/domain/eventstore"
)

// Request states: a request is taken by the writer or cancelled by its
// caller, whichever comes first.
const (
	reqPending int32 = iota
	reqTaken
	reqCancelled
)

type appendReq struct {
	stream   string
	expected eventstore.ExpectedRevision
	ids      []uuid.UUID
	records  [][]byte
	size     int
	state    atomic.Int32
	res      eventstore.AppendResult
	err      error
	done     chan struct{}
}

// location is where an event ID is stored in a stream.
type location struct {
	rev uint64
	pos uint64
}

// idInStream keys the event IDs a group writes.
type idInStream struct {
	id     uuid.UUID
	stream string
}

// streamRev keys the events a group writes by stream and revision.
type streamRev struct {
	stream string
	rev    uint64
}

type written struct {
	id  uuid.UUID
	pos uint64
}

func beU64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

// Append writes events atomically to stream if its revision matches
// expected, and returns once they are durable. It returns
// eventstore.ErrInvalidStreamName, eventstore.ErrInvalidEvent,
// eventstore.ErrEventTooLarge, *eventstore.WrongExpectedRevisionError,
// eventstore.ErrIdempotencyConflict, eventstore.ErrClosed,
// eventstore.ErrUnavailable (the disk failed; the store refuses further
// appends) or the context's error. Nothing is written on error.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppend(stream, events); err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("append: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("append %q: %w", stream, err)
	}
	req := &appendReq{
		stream:   stream,
		expected: expected,
		ids:      make([]uuid.UUID, len(events)),
		records:  make([][]byte, len(events)),
		done:     make(chan struct{}),
	}
	for i, e := range events {
		req.ids[i] = e.ID
		req.records[i] = encodeRecord(stream, e)
		req.size += len(req.records[i]) + len(stream) + 64
	}

	s.sendMu.RLock()
	if s.closed {
		s.sendMu.RUnlock()
		return eventstore.AppendResult{}, fmt.Errorf("append %q: %w", stream, eventstore.ErrClosed)
	}
	select {
	case s.reqs <- req:
		s.sendMu.RUnlock()
	case <-ctx.Done():
		s.sendMu.RUnlock()
		return eventstore.AppendResult{}, fmt.Errorf("append %q: %w", stream, ctx.Err())
	}

	select {
	case <-req.done:
	case <-ctx.Done():
		if req.state.CompareAndSwap(reqPending, reqCancelled) {
			return eventstore.AppendResult{}, fmt.Errorf("append %q: %w", stream, ctx.Err())
		}
		<-req.done // taken: the outcome is decided by the commit in flight
	}
	return req.res, req.err
}

// writeLoop is the single writer: it drains the queue into groups, checks
// and applies each group as one Pebble batch, and hands it to syncLoop,
// which waits for the batch's fsync and only then answers the callers.
// While one group's fsync runs, the writer already prepares the next.
func (s *Store) writeLoop() {
	syncq := make(chan *inflight, 2)
	syncDone := make(chan struct{})
	go s.syncLoop(syncq, syncDone)
	defer func() {
		s.checkpointOnClose(syncq)
		close(syncq)
		<-syncDone
		close(s.writerDone)
	}()
	g := &group{
		heads: make(map[string]head),
		ids:   make(map[idInStream]location),
		revs:  make(map[streamRev]written),
	}
	for {
		req, ok := <-s.reqs
		if !ok {
			return
		}
		g.reqs = append(g.reqs[:0], req)
		size := req.size
	fill:
		for len(g.reqs) < s.opts.MaxBatchRequests && size < s.opts.MaxBatchBytes {
			select {
			case r, ok := <-s.reqs:
				if !ok {
					break fill
				}
				g.reqs = append(g.reqs, r)
				size += r.size
			default:
				break fill
			}
		}
		syncq <- s.applyGroup(g)
	}
}

// group is the writer's scratch space for one group commit.
type group struct {
	reqs  []*appendReq
	heads map[string]head         // heads changed by this group
	ids   map[idInStream]location // IDs written by this group
	revs  map[streamRev]written   // events written by this group
	// accepted are the requests written into batch, with their first
	// position and revision.
	accepted []accepted
	kv       []kvRef
	arena    []byte
	batch    *pebble.Batch
}

type accepted struct {
	req      *appendReq
	pos, rev uint64
}

// inflight is a group applied to Pebble and waiting for its fsync.
type inflight struct {
	batch *pebble.Batch // nil when the group wrote nothing
	reqs  []*appendReq
	last  uint64 // last position written
	err   error  // the apply failed
}

// applyGroup checks every request of the group, writes the accepted ones
// into one batch and applies it (visible to Pebble readers, not yet durable;
// this store's readers never read past the durable position).
func (s *Store) applyGroup(g *group) *inflight {
	clear(g.heads)
	clear(g.ids)
	clear(g.revs)
	g.batch = s.db.NewBatch()
	now := s.opts.Clock().UnixNano()
	first := s.nextPos
	f := &inflight{reqs: make([]*appendReq, 0, len(g.reqs))}
	failed := s.failure()
	for _, req := range g.reqs {
		if !req.state.CompareAndSwap(reqPending, reqTaken) {
			continue // the caller gave up before we started: nothing to do
		}
		f.reqs = append(f.reqs, req)
		if failed != nil {
			req.err = fmt.Errorf("append %q: %w: %v", req.stream, eventstore.ErrUnavailable, failed)
			continue
		}
		req.res, req.err = s.prepare(g, req, now)
	}
	g.writeIndexes()
	if s.nextPos == first {
		_ = g.batch.Close()
		return f
	}
	s.headsMu.Lock()
	for stream, h := range g.heads {
		s.dirty[stream] = struct{}{}
		s.heads[stream] = h
	}
	s.headsMu.Unlock()
	f.last = s.nextPos - 1
	if f.last >= s.checkpointed+uint64(s.opts.HeadCheckpointEvents) {
		s.writeHeads(g.batch, f.last)
	}
	if err := s.db.ApplyNoSyncWait(g.batch, pebble.Sync); err != nil {
		// Nothing of the group was applied; as Pebble's state is unknown,
		// the store stops writing.
		s.fail(err)
		s.nextPos = first
		f.err = err
		_ = g.batch.Close()
		return f
	}
	f.batch = g.batch
	return f
}

// writeHeads adds every head changed since the last checkpoint to b, with
// the position up to which the heads on disk are now complete.
func (s *Store) writeHeads(b *pebble.Batch, upTo uint64) {
	for stream := range s.dirty {
		h := s.heads[stream]
		b.Set(headKey(stream), encodeU64Pair(h.rev, h.pos), nil)
	}
	b.Set(headsAtKey, encodeU64(upTo), nil)
	clear(s.dirty)
	s.checkpointed = upTo
}

// checkpointOnClose writes the heads once more so that the next Open has no
// log to replay.
func (s *Store) checkpointOnClose(syncq chan<- *inflight) {
	if len(s.dirty) == 0 || s.failure() != nil {
		return
	}
	b := s.db.NewBatch()
	s.writeHeads(b, s.nextPos-1)
	if err := s.db.ApplyNoSyncWait(b, pebble.Sync); err != nil {
		s.fail(err)
		_ = b.Close()
		return
	}
	syncq <- &inflight{batch: b, last: s.nextPos - 1}
}

// syncLoop waits for each applied group's fsync, in order, then publishes
// the new durable position and answers the group's callers.
func (s *Store) syncLoop(syncq <-chan *inflight, done chan<- struct{}) {
	defer close(done)
	for f := range syncq {
		if f.batch != nil {
			if err := f.batch.SyncWait(); err != nil {
				s.fail(err)
			}
			_ = f.batch.Close()
		}
		// Once a sync has failed, no later answer may stand: even a refusal
		// or an idempotent answer may rest on events that are not durable.
		err := f.err
		if err == nil {
			err = s.failure()
		}
		if err != nil {
			for _, req := range f.reqs {
				req.res = eventstore.AppendResult{}
				req.err = fmt.Errorf("append %q: %w: %v", req.stream, eventstore.ErrUnavailable, err)
			}
		} else if f.last > s.durable.Load() {
			s.durable.Store(f.last)
			s.broadcast()
		}
		for _, req := range f.reqs {
			close(req.done)
		}
	}
}

// failure returns the disk error that stopped writes, if any.
func (s *Store) failure() error {
	if p := s.failed.Load(); p != nil {
		return *p
	}
	return nil
}

func (s *Store) fail(err error) { s.failed.CompareAndSwap(nil, &err) }

// headOf returns the stream's head as this group sees it.
func (s *Store) headOf(g *group, stream string) (head, bool) {
	if h, ok := g.heads[stream]; ok {
		return h, true
	}
	h, ok := s.heads[stream]
	return h, ok
}

// locate finds where an event ID is in a stream, in this group or on disk
// (including groups applied but not yet synced: their answers wait for that
// sync anyway).
func (s *Store) locate(g *group, stream string, id uuid.UUID) (location, bool, error) {
	if loc, ok := g.ids[idInStream{id, stream}]; ok {
		return loc, true, nil
	}
	v, closer, err := s.db.Get(idKey(id, stream))
	if errors.Is(err, pebble.ErrNotFound) {
		return location{}, false, nil
	}
	if err != nil {
		return location{}, false, err
	}
	defer closer.Close()
	if len(v) != 16 {
		return location{}, false, corruptf("event-ID index entry of %s in %q", id, stream)
	}
	return location{pos: beU64(v), rev: beU64(v[8:])}, true, nil
}

// idAt returns the ID of the event at a revision of a stream that has it,
// from this group or from disk.
func (s *Store) idAt(g *group, stream string, rev uint64) (uuid.UUID, location, error) {
	if w, ok := g.revs[streamRev{stream, rev}]; ok {
		return w.id, location{rev: rev, pos: w.pos}, nil
	}
	v, closer, err := s.db.Get(streamKey(streamPrefix(stream), rev))
	if err != nil {
		return uuid.Nil, location{}, fmt.Errorf("stream index of %q revision %d: %w", stream, rev, err)
	}
	if len(v) != 8 {
		_ = closer.Close()
		return uuid.Nil, location{}, corruptf("stream index of %q revision %d", stream, rev)
	}
	p := beU64(v)
	_ = closer.Close()
	rec, closer, err := s.db.Get(logKey(p))
	if err != nil {
		return uuid.Nil, location{}, fmt.Errorf("log at %d: %w", p, err)
	}
	defer closer.Close()
	if len(rec) < recHeaderLen {
		return uuid.Nil, location{}, corruptf("record at position %d", p)
	}
	var id uuid.UUID
	copy(id[:], rec[recOffID:recHeaderLen])
	return id, location{rev: rev, pos: p}, nil
}

// retryOf reports whether req repeats events already in its stream. An
// append is a retry when its events sit at the revisions its expected
// revision implies (for Any and StreamExists: from the last place of the
// first event in the stream, found through the event-ID index). Lookups happen only when such events can exist, so a plain append
// (Exact at the head, NoStream on a new stream, anything on a new stream)
// costs no read. It returns the original result when all events match, and
// ErrIdempotencyConflict when only some do.
func (s *Store) retryOf(g *group, req *appendReq, h head, exists bool) (eventstore.AppendResult, bool, error) {
	if !exists {
		return eventstore.AppendResult{}, false, nil
	}
	var start uint64
	switch n, exact := req.expected.Revision(); {
	case exact:
		if n >= h.rev {
			return eventstore.AppendResult{}, false, nil
		}
		start = n + 1
	case req.expected.IsNoStream():
		start = 0
	default:
		loc, ok, err := s.locate(g, req.stream, req.ids[0])
		if err != nil || !ok {
			return eventstore.AppendResult{}, false, err
		}
		start = loc.rev
	}
	matched := 0
	var last location
	for i, id := range req.ids {
		want := start + uint64(i)
		if want > h.rev {
			break
		}
		at, loc, err := s.idAt(g, req.stream, want)
		if err != nil {
			return eventstore.AppendResult{}, false, err
		}
		if at == id {
			matched++
			last = loc
		}
	}
	switch {
	case matched == len(req.ids):
		return eventstore.AppendResult{NextExpectedRevision: last.rev, Position: pos(last.pos)}, true, nil
	case matched > 0:
		return eventstore.AppendResult{}, false, fmt.Errorf("append %q: %w: %d of %d events already appended",
			req.stream, eventstore.ErrIdempotencyConflict, matched, len(req.ids))
	}
	return eventstore.AppendResult{}, false, nil
}

// prepare checks one request and, if it is accepted, adds its writes to the
// group's batch.
func (s *Store) prepare(g *group, req *appendReq, now int64) (eventstore.AppendResult, error) {
	h, exists := s.headOf(g, req.stream)
	res, retry, err := s.retryOf(g, req, h, exists)
	switch {
	case err != nil && errors.Is(err, eventstore.ErrIdempotencyConflict):
		return eventstore.AppendResult{}, err
	case err != nil:
		return eventstore.AppendResult{}, fmt.Errorf("append %q: %w: %v", req.stream, eventstore.ErrUnavailable, err)
	case retry:
		return res, nil
	}
	if !req.expected.Check(h.rev, exists) {
		return eventstore.AppendResult{}, &eventstore.WrongExpectedRevisionError{
			Stream: req.stream, Expected: req.expected, Actual: h.rev, ActualExists: exists,
		}
	}

	rev := uint64(0)
	if exists {
		rev = h.rev + 1
	}
	g.accepted = append(g.accepted, accepted{req: req, pos: s.nextPos, rev: rev})
	var kbuf [9]byte
	for i, rec := range req.records {
		p := s.nextPos
		s.nextPos++
		patchRecord(rec, rev, now)
		g.batch.Set(appendLogKey(kbuf[:0], p), rec, nil)
		g.ids[idInStream{req.ids[i], req.stream}] = location{rev: rev, pos: p}
		g.revs[streamRev{req.stream, rev}] = written{id: req.ids[i], pos: p}
		h = head{rev: rev, pos: p}
		rev++
	}
	g.heads[req.stream] = h
	return eventstore.AppendResult{NextExpectedRevision: h.rev, Position: pos(h.pos)}, nil
}

// writeIndexes adds the stream-index and event-ID-index entries of the
// group's accepted requests to its batch, after all the log records and
// sorted by key: Pebble's memtable then inserts each key next to the
// previous one instead of searching its whole skiplist (the log keys are
// ascending already).
func (g *group) writeIndexes() {
	g.kv = g.kv[:0]
	g.arena = g.arena[:0]
	add := func(k []byte, v1, v2 uint64, two bool) {
		start := len(g.arena)
		g.arena = append(g.arena, k...)
		mid := len(g.arena)
		g.arena = binary.BigEndian.AppendUint64(g.arena, v1)
		if two {
			g.arena = binary.BigEndian.AppendUint64(g.arena, v2)
		}
		g.kv = append(g.kv, kvRef{start, mid, len(g.arena)})
	}
	var k []byte
	for _, a := range g.accepted {
		sp := streamPrefix(a.req.stream)
		for i, id := range a.req.ids {
			p, r := a.pos+uint64(i), a.rev+uint64(i)
			k = binary.BigEndian.AppendUint64(append(k[:0], sp...), r)
			add(k, p, 0, false)
			k = append(append(append(k[:0], prefixID), id[:]...), a.req.stream...)
			add(k, p, r, true)
		}
	}
	arena := g.arena
	slices.SortFunc(g.kv, func(x, y kvRef) int {
		return bytes.Compare(arena[x.k:x.v], arena[y.k:y.v])
	})
	for _, e := range g.kv {
		g.batch.Set(arena[e.k:e.v], arena[e.v:e.end], nil)
	}
	clear(g.accepted)
	g.accepted = g.accepted[:0]
}

// kvRef locates a key and its value in a group's arena.
type kvRef struct{ k, v, end int }

func encodeU64(v uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), v)
}

func pos(p uint64) eventstore.Position { return eventstore.Position{Commit: p, Prepare: p} }
