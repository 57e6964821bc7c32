package process

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/eventstore"
)

// TypeCheckpointStored is the event type of a process manager checkpoint.
const TypeCheckpointStored = "checkpoint.stored.v1"

// Checkpoint is the data of a TypeCheckpointStored event: every transfer
// event at or before Position was handled.
type Checkpoint struct {
	Commit  uint64 `json:"commit"`
	Prepare uint64 `json:"prepare"`
}

// checkpointer appends checkpoints to "checkpoint-<name>".
type checkpointer struct {
	store    eventstore.Store
	stream   string
	clock    command.Clock
	exists   bool
	revision uint64
	lastHash string
	last     eventstore.Position
}

// CheckpointStream returns the stream holding a process manager's checkpoints.
func CheckpointStream(name string) string { return "checkpoint-" + name }

func loadCheckpoint(ctx context.Context, store eventstore.Store, name string, clock command.Clock) (*checkpointer, error) {
	cp := &checkpointer{store: store, stream: CheckpointStream(name), clock: clock}
	opts := eventstore.ReadStreamOptions{Direction: eventstore.Backwards, From: eventstore.EndRevision, MaxCount: 1}
	for ev, err := range store.ReadStream(ctx, cp.stream, opts) {
		if errors.Is(err, eventstore.ErrStreamNotFound) {
			return cp, nil
		}
		if err != nil {
			return nil, fmt.Errorf("process: read checkpoint: %w", err)
		}
		var c Checkpoint
		if err := json.Unmarshal(ev.Data, &c); err != nil {
			return nil, fmt.Errorf("process: checkpoint %s@%d: %w", cp.stream, ev.Revision, err)
		}
		m, err := command.DecodeEventMetadata(ev.Metadata)
		if err != nil {
			return nil, fmt.Errorf("process: checkpoint metadata: %w", err)
		}
		cp.exists, cp.revision, cp.lastHash = true, ev.Revision, m.Hash
		cp.last = eventstore.Position{Commit: c.Commit, Prepare: c.Prepare}
	}
	return cp, nil
}

// store appends a checkpoint at p if it moved.
func (cp *checkpointer) save(ctx context.Context, p eventstore.Position) error {
	if !cp.last.Less(p) {
		return nil
	}
	data, _ := json.Marshal(Checkpoint{Commit: p.Commit, Prepare: p.Prepare})
	rev, expected := uint64(0), eventstore.NoStream()
	if cp.exists {
		rev, expected = cp.revision+1, eventstore.Exact(cp.revision)
	}
	e := eventstore.EventData{ID: command.EventID(cp.stream, p.String(), 0), Type: TypeCheckpointStored, Data: data}
	hash, err := command.Seal(cp.stream, rev, cp.lastHash, &e, command.EventMetadata{Metadata: eventstore.Metadata{
		Actor: Actor, OccurredAt: cp.clock.Now(), SchemaVersion: 1,
	}})
	if err != nil {
		return err
	}
	if _, err := cp.store.Append(ctx, cp.stream, expected, e); err != nil {
		return fmt.Errorf("process: store checkpoint: %w", err)
	}
	cp.exists, cp.revision, cp.lastHash, cp.last = true, rev, hash, p
	return nil
}

// LoadCheckpoint returns the position up to which the named process manager has
// handled the log (eventstore.Start if it never stored one).
func LoadCheckpoint(ctx context.Context, store eventstore.Store, name string) (eventstore.Position, error) {
	cp, err := loadCheckpoint(ctx, store, name, nil)
	if err != nil {
		return eventstore.Position{}, err
	}
	return cp.last, nil
}

// tracker computes the checkpoint: the position of the latest event such
// that it and every event before it were handled.
type tracker struct {
	mu      sync.Mutex
	base    uint64       // sequence number of pending[head]
	head    int          // first entry not yet folded into mark
	pending []trackEntry // pending[head:] are in flight or done out of order
	mark    eventstore.Position
	sinceCP int
}

type trackEntry struct {
	pos  eventstore.Position
	done bool
}

func (t *tracker) add(p eventstore.Position) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pending = append(t.pending, trackEntry{pos: p})
	return t.base + uint64(len(t.pending)-t.head) - 1
}

func (t *tracker) done(seq uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pending[t.head+int(seq-t.base)].done = true
	for t.head < len(t.pending) && t.pending[t.head].done {
		t.mark = t.pending[t.head].pos
		t.head++
		t.base++
		t.sinceCP++
	}
	// Drop the folded prefix once it is at least half the slice.
	if t.head > 1024 && t.head*2 >= len(t.pending) {
		t.pending = append(t.pending[:0], t.pending[t.head:]...)
		t.head = 0
	}
}

// due returns the watermark when at least every events were handled since
// the last call that returned true.
func (t *tracker) due(every int) (eventstore.Position, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.sinceCP < every {
		return eventstore.Position{}, false
	}
	t.sinceCP = 0
	return t.mark, true
}

func (t *tracker) watermark() eventstore.Position {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.mark
}

// rebuild reads the transfer events up to the checkpoint to restore the
// index of open transfers and payout references.
func (m *Manager) rebuild(ctx context.Context, upTo eventstore.Position) error {
	if upTo.IsZero() {
		return nil
	}
	opts := eventstore.ReadAllOptions{Filter: eventstore.EventTypePrefix("transfer.")}
	for ev, err := range m.store.ReadAll(ctx, opts) {
		if err != nil {
			return fmt.Errorf("process: rebuild index: %w", err)
		}
		if upTo.Less(ev.Position) {
			break
		}
		m.observe(ev)
	}
	return nil
}

type job struct {
	ev  eventstore.RecordedEvent
	seq uint64
}

// Run follows the global log from the stored checkpoint and handles every
// transfer event (see HandleEvent) until ctx ends or an infrastructure error
// occurs. It stores a checkpoint every Config.CheckpointEvery handled events
// and when it stops. It returns the context's cause when ctx ends, or the
// first error (store unavailable, screener failure, …); restart it to resume.
func (m *Manager) Run(ctx context.Context) error {
	cp, err := loadCheckpoint(ctx, m.store, m.cfg.Name, m.deps.Clock)
	if err != nil {
		return err
	}
	if err := m.rebuild(ctx, cp.last); err != nil {
		return err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sub, err := m.store.SubscribeAll(ctx, eventstore.SubscribeOptions{After: cp.last, Filter: eventstore.EventTypePrefix("transfer.")})
	if err != nil {
		return fmt.Errorf("process: subscribe: %w", err)
	}
	defer sub.Close()

	tr := &tracker{mark: cp.last}
	queues := make([]chan job, m.cfg.Workers)
	var wg sync.WaitGroup
	for i := range queues {
		queues[i] = make(chan job, 64)
		wg.Add(1)
		go func(q chan job) {
			defer wg.Done()
			for j := range q {
				if ctx.Err() != nil {
					continue // drain without handling; the checkpoint stays behind
				}
				if err := m.HandleEvent(ctx, j.ev); err != nil {
					cancel(fmt.Errorf("process: handle %s@%d (%s): %w", j.ev.Stream, j.ev.Revision, j.ev.Type, err))
					continue
				}
				tr.done(j.seq)
			}
		}(queues[i])
	}

	var runErr error
	for {
		ev, err := sub.Next(ctx)
		if err != nil {
			runErr = err
			break
		}
		queues[stripe(ev.Stream)%uint32(len(queues))] <- job{ev: ev, seq: tr.add(ev.Position)}
		if p, ok := tr.due(m.cfg.CheckpointEvery); ok {
			if err := cp.save(ctx, p); err != nil {
				cancel(err)
			}
		}
	}
	for _, q := range queues {
		close(q)
	}
	wg.Wait()
	if cause := context.Cause(ctx); cause != nil {
		runErr = cause
	}
	// Store how far we got, even when stopping.
	if err := cp.save(context.WithoutCancel(ctx), tr.watermark()); err != nil && runErr == nil {
		runErr = err
	}
	return runErr
}

// CatchUp handles every transfer event after the stored checkpoint that is
// already in the log, stores the checkpoint and returns; it is Run without
// the live part, for tests, tools and single-shot jobs. It returns the first
// infrastructure error.
func (m *Manager) CatchUp(ctx context.Context) error {
	cp, err := loadCheckpoint(ctx, m.store, m.cfg.Name, m.deps.Clock)
	if err != nil {
		return err
	}
	if err := m.rebuild(ctx, cp.last); err != nil {
		return err
	}
	mark := cp.last
	for {
		n := 0
		opts := eventstore.ReadAllOptions{After: mark, Filter: eventstore.EventTypePrefix("transfer.")}
		for ev, err := range m.store.ReadAll(ctx, opts) {
			if err != nil {
				return fmt.Errorf("process: catch up: %w", err)
			}
			if err := m.HandleEvent(ctx, ev); err != nil {
				_ = cp.save(ctx, mark)
				return fmt.Errorf("process: handle %s@%d (%s): %w", ev.Stream, ev.Revision, ev.Type, err)
			}
			mark = ev.Position
			n++
		}
		if n == 0 {
			return cp.save(ctx, mark)
		}
	}
}
