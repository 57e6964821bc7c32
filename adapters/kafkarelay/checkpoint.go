package kafkarelay

import (
	"time"

	"github.com/remitflow/remitflow/domain/command"

	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/remitflow/remitflow/domain/eventstore"
)

// ErrCheckpointConflict means another relay wrote the same checkpoint: two
// relays run under one name. The relay stops rather than interleave.
var ErrCheckpointConflict = errors.New("kafkarelay: checkpoint written by another relay")

// Checkpointer stores how far a relay has published.
type Checkpointer interface {
	// Load returns the last saved position, or eventstore.Start when nothing
	// was saved. Errors are the storage's, wrapped.
	Load(ctx context.Context) (eventstore.Position, error)
	// Save records that every event up to and including pos was
	// acknowledged. It returns an error wrapping ErrCheckpointConflict when
	// another writer saved in between, or the storage's error.
	Save(ctx context.Context, pos eventstore.Position) error
}

// CheckpointEventType is the type of the events StoreCheckpointer appends.
const CheckpointEventType = "kafkarelay.checkpoint.v1"

// CheckpointStreamPrefix starts the name of every checkpoint stream. The
// relay does not publish streams with this prefix by default.
const CheckpointStreamPrefix = "checkpoint-"

// CheckpointStream returns the stream a relay named name keeps its
// checkpoint in: "checkpoint-kafkarelay-<name>".
func CheckpointStream(name string) string {
	return CheckpointStreamPrefix + "kafkarelay-" + name
}

type checkpointData struct {
	Relay    string `json:"relay"`
	Instance string `json:"instance,omitempty"`
	Commit   uint64 `json:"commit"`
	Prepare  uint64 `json:"prepare"`
}

// StoreCheckpointer keeps a relay's checkpoint as events in the event store,
// one event per save, appended with the exact expected revision. It is safe
// for concurrent use, but only one process should save under one name.
type StoreCheckpointer struct {
	store  eventstore.Store
	name   string
	stream string
	// instance tells this checkpointer's saves from another's: two relays
	// saving the same position under one name must still conflict.
	instance uuid.UUID

	mu     sync.Mutex
	loaded bool
	exists bool
	rev    uint64
	// hash is the last checkpoint's chain hash: each save is sealed after it
	// (command.Seal), so `remitflow verify` checks checkpoint streams too.
	hash string
	// pending is the last sealed event not known to be appended: a retry of
	// the same save appends exactly the same event.
	pending *sealedCheckpoint
}

type sealedCheckpoint struct {
	rev  uint64
	pos  eventstore.Position
	ev   eventstore.EventData
	hash string
}

var _ Checkpointer = (*StoreCheckpointer)(nil)

// NewStoreCheckpointer returns a checkpointer for the relay called name. It
// returns an error when name is empty or makes an invalid stream name.
func NewStoreCheckpointer(store eventstore.Store, name string) (*StoreCheckpointer, error) {
	if store == nil {
		return nil, errors.New("kafkarelay: checkpointer needs a store")
	}
	if strings.TrimSpace(name) == "" {
		return nil, errors.New("kafkarelay: checkpointer needs a relay name")
	}
	stream := CheckpointStream(name)
	if err := eventstore.ValidateStreamName(stream); err != nil {
		return nil, fmt.Errorf("kafkarelay: relay name %q: %w", name, err)
	}
	return &StoreCheckpointer{store: store, name: name, stream: stream, instance: uuid.New()}, nil
}

// Stream returns the checkpoint stream's name.
func (c *StoreCheckpointer) Stream() string { return c.stream }

// Load reads the stream's last event. It returns eventstore.Start when the
// stream does not exist, and the store's errors (ErrClosed, ErrUnavailable,
// the context's) or a decoding error otherwise.
func (c *StoreCheckpointer) Load(ctx context.Context) (eventstore.Position, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.loadLocked(ctx)
}

func (c *StoreCheckpointer) loadLocked(ctx context.Context) (eventstore.Position, error) {
	opts := eventstore.ReadStreamOptions{Direction: eventstore.Backwards, From: eventstore.EndRevision, MaxCount: 1}
	for ev, err := range c.store.ReadStream(ctx, c.stream, opts) {
		if errors.Is(err, eventstore.ErrStreamNotFound) {
			break
		}
		if err != nil {
			return eventstore.Position{}, fmt.Errorf("kafkarelay: load checkpoint %s: %w", c.stream, err)
		}
		var d checkpointData
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return eventstore.Position{}, fmt.Errorf("kafkarelay: decode checkpoint %s@%d: %w", c.stream, ev.Revision, err)
		}
		m, err := command.DecodeEventMetadata(ev.Metadata)
		if err != nil {
			return eventstore.Position{}, fmt.Errorf("kafkarelay: decode checkpoint metadata %s@%d: %w", c.stream, ev.Revision, err)
		}
		c.loaded, c.exists, c.rev, c.hash = true, true, ev.Revision, m.Hash
		return eventstore.Position{Commit: d.Commit, Prepare: d.Prepare}, nil
	}
	c.loaded, c.exists, c.rev, c.hash = true, false, 0, ""
	return eventstore.Start, nil
}

// Save appends a checkpoint event with the expected revision of the last
// one this checkpointer saw. The event ID is derived from this
// checkpointer's instance, the stream, the revision it is meant for and the
// position, so retrying after ErrUnavailable is harmless while another
// relay saving under the same name, even the same position, conflicts. It
// returns an error wrapping ErrCheckpointConflict when someone else appended
// in between, or the store's error.
func (c *StoreCheckpointer) Save(ctx context.Context, pos eventstore.Position) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.loaded {
		if _, err := c.loadLocked(ctx); err != nil {
			return err
		}
	}
	expected, next := eventstore.NoStream(), uint64(0)
	if c.exists {
		expected, next = eventstore.Exact(c.rev), c.rev+1
	}
	data, err := json.Marshal(checkpointData{Relay: c.name, Instance: c.instance.String(), Commit: pos.Commit, Prepare: pos.Prepare})
	if err != nil {
		return fmt.Errorf("kafkarelay: encode checkpoint: %w", err)
	}
	if c.pending == nil || c.pending.rev != next || c.pending.pos != pos {
		ev := eventstore.EventData{
			ID:   uuid.NewSHA1(checkpointNamespace, fmt.Appendf(nil, "%s/%s/%d/%s", c.instance, c.stream, next, pos)),
			Type: CheckpointEventType,
			Data: data,
		}
		meta := command.EventMetadata{}
		meta.OccurredAt = time.Now().UTC()
		meta.Actor = "system:kafkarelay-" + c.name
		hash, err := command.Seal(c.stream, next, c.hash, &ev, meta)
		if err != nil {
			return fmt.Errorf("kafkarelay: seal checkpoint: %w", err)
		}
		c.pending = &sealedCheckpoint{rev: next, pos: pos, ev: ev, hash: hash}
	}
	ev, hash := c.pending.ev, c.pending.hash
	res, err := c.store.Append(ctx, c.stream, expected, ev)
	if errors.Is(err, eventstore.ErrWrongExpectedRevision) {
		c.loaded, c.pending = false, nil
		return fmt.Errorf("%w: %s: %w", ErrCheckpointConflict, c.stream, err)
	}
	if err != nil {
		return fmt.Errorf("kafkarelay: save checkpoint %s: %w", c.stream, err)
	}
	c.exists, c.rev, c.hash, c.pending = true, res.NextExpectedRevision, hash, nil
	return nil
}

var checkpointNamespace = uuid.MustParse("5c1f3c8e-4c52-4d8e-9a51-3f8f4b0c2a17")

// FileCheckpointer keeps a checkpoint in a local file, replaced atomically
// on every save. It suits a single relay with a persistent volume.
type FileCheckpointer struct {
	path string
	mu   sync.Mutex
}

var _ Checkpointer = (*FileCheckpointer)(nil)

// NewFileCheckpointer returns a checkpointer that stores its position in
// path. The directory must exist.
func NewFileCheckpointer(path string) (*FileCheckpointer, error) {
	if path == "" {
		return nil, errors.New("kafkarelay: checkpoint file needs a path")
	}
	return &FileCheckpointer{path: path}, nil
}

// Load reads the file. It returns eventstore.Start when the file does not
// exist, and an error when it cannot be read or does not hold a position.
func (c *FileCheckpointer) Load(ctx context.Context) (eventstore.Position, error) {
	if err := ctx.Err(); err != nil {
		return eventstore.Position{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	b, err := os.ReadFile(c.path)
	if errors.Is(err, os.ErrNotExist) {
		return eventstore.Start, nil
	}
	if err != nil {
		return eventstore.Position{}, fmt.Errorf("kafkarelay: load checkpoint: %w", err)
	}
	pos, err := eventstore.ParsePosition(strings.TrimSpace(string(b)))
	if err != nil {
		return eventstore.Position{}, fmt.Errorf("kafkarelay: load checkpoint %s: %w", c.path, err)
	}
	return pos, nil
}

// Save writes pos to a temporary file, syncs it and renames it over the
// checkpoint file. It returns the file system's error or the context's.
func (c *FileCheckpointer) Save(ctx context.Context, pos eventstore.Position) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	f, err := os.CreateTemp(filepath.Dir(c.path), filepath.Base(c.path)+".tmp*")
	if err != nil {
		return fmt.Errorf("kafkarelay: save checkpoint: %w", err)
	}
	_, err = f.WriteString(pos.String() + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), c.path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("kafkarelay: save checkpoint: %w", err)
	}
	return nil
}
