// Package embedded is the default event store: an implementation of the
// domain/eventstore port on Pebble (github.com/cockroachdb/pebble/v2) in one
// data directory. It passes the conformance suite in
// adapters/eventstore/storetest.
//
// # Key layout
//
// Every key starts with a one-byte prefix; integers are big-endian so that
// Pebble's byte order is numeric order:
//
//	'l' pos(8)                  -> record: the event (the global log, $all)
//	's' len(2) stream rev(8)    -> pos(8): the stream index
//	'i' id(16) stream           -> pos(8) rev(8): the event-ID index, per stream
//	'h' stream                  -> rev(8) pos(8): the stream's head at the last checkpoint
//	'm' "format"                -> on-disk format version
//	'm' "heads-at"              -> pos(8): the 'h' keys are complete up to here
//
// A record is version(1) revision(8) recorded-at-unix-nanos(8) id(16)
// followed by uvarint-length-prefixed stream, type and data, then the
// metadata to the end. Positions are dense: the n-th event ever appended has
// Position{Commit: n, Prepare: n}, starting at 1. The stream name's length in
// the stream-index key keeps one stream's keys from being a prefix of
// another's. The writer keeps every stream's head in memory (a few dozen
// bytes per stream); nothing else grows with the log.
//
// # Writes: one writer, group commit
//
// Append validates and encodes its events on the caller's goroutine and sends
// a request to a single writer goroutine. The writer takes every request
// waiting in its queue (up to Options.MaxBatchRequests), checks each against
// its in-memory stream heads (and the heads of earlier requests in the same
// group), recognises idempotent retries, assigns
// dense positions and writes all accepted requests into one Pebble batch
// applied with Sync. A second goroutine waits for each batch's fsync, in
// order, and only then publishes the new durable position and answers the
// callers; meanwhile the writer already prepares the next group. One fsync
// thus covers every append that arrived while the previous one ran:
// throughput comes from batching, not from skipping fsync. Even refusals and
// idempotent answers wait for the fsync of the group they were decided in,
// so no caller learns of a state that could still be lost. A caller whose
// context ends before the writer took its request gets the context's error
// and nothing is written; once taken, the caller waits for the outcome.
//
// Retries are recognised as in EventStoreDB: an append whose events already
// sit at the revisions its expected revision implies (for Any and
// StreamExists: from wherever its first event is in the stream) returns the
// original result; a partial match is eventstore.ErrIdempotencyConflict.
// The writer reads the indexes only when such events can exist (the stream
// exists and the expectation is not simply its head), so a plain append
// costs no read. Event IDs are not checked across streams.
//
// # Reads
//
// ReadAll, ReadStream and subscriptions read Pebble in bounded chunks
// (Options.ReadChunkEvents events or ReadChunkBytes bytes) through short-lived
// iterators, so memory stays flat however large the log is and no iterator
// is held while the caller works. Readers never see past the last durable
// position (Pebble makes a batch visible before its fsync has returned). A
// subscription pulls: it reads history chunk by chunk, and when it reaches
// the durable end it waits for the writer's notification and reads again
// from where it stopped, so the switch from catch-up to live has no gap and
// no duplicate, and a slow reader only slows itself.
//
// # Recovery and locking
//
// A Pebble batch is atomic, so after a crash (kill -9 included) either a whole
// group commit is on disk or none of it: no torn append. Open loads the
// stream heads from the 'h' keys, which the writer refreshes for the streams
// that changed every Options.HeadCheckpointEvents events (and on Close),
// then replays the log after that checkpoint to bring them up to date; the
// last 'l' key gives the next position. Check verifies every invariant of the layout. A lock file
// (remitflow.lock, flock) keeps a second Open of the same directory, from
// this or another process, out with ErrLocked.
package embedded

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/remitflow/remitflow/domain/eventstore"
)

// ErrLocked means the data directory is already open, in this process or
// another one.
var ErrLocked = errors.New("embedded: data directory is locked by another store")

// Options configures a Store. The zero value gives the defaults.
type Options struct {
	// MaxBatchRequests bounds the append requests one group commit takes
	// (default 2048).
	MaxBatchRequests int
	// MaxBatchBytes bounds the encoded bytes one group commit takes; a
	// single larger request still commits alone (default 32 MiB).
	MaxBatchBytes int
	// ReadChunkEvents and ReadChunkBytes bound what one read step holds in
	// memory (defaults 512 events, 1 MiB).
	ReadChunkEvents int
	ReadChunkBytes  int
	// CacheSize is Pebble's block cache in bytes (default 64 MiB).
	CacheSize int64
	// MemTableSize is Pebble's memtable size in bytes (default 64 MiB).
	// Pebble also reserves about this much disk for each write-ahead log
	// file.
	MemTableSize uint64
	// HeadCheckpointEvents is how many events may be appended between two
	// writes of the changed stream heads; Open replays at most that much of
	// the log (default 65536).
	HeadCheckpointEvents int
	// Clock stamps RecordedAt (default time.Now).
	Clock func() time.Time
	// Logger receives Pebble's messages (default: discarded).
	Logger *slog.Logger

	// fs replaces the operating system's file system (tests simulate power
	// loss with it); the directory lock is then Pebble's own.
	fs vfs.FS
}

func (o *Options) withDefaults() Options {
	d := Options{}
	if o != nil {
		d = *o
	}
	if d.MaxBatchRequests <= 0 {
		d.MaxBatchRequests = 2048
	}
	if d.MaxBatchBytes <= 0 {
		d.MaxBatchBytes = 32 << 20
	}
	if d.ReadChunkEvents <= 0 {
		d.ReadChunkEvents = 512
	}
	if d.ReadChunkBytes <= 0 {
		d.ReadChunkBytes = 1 << 20
	}
	if d.CacheSize <= 0 {
		d.CacheSize = 64 << 20
	}
	if d.MemTableSize == 0 {
		d.MemTableSize = 64 << 20
	}
	if d.HeadCheckpointEvents <= 0 {
		d.HeadCheckpointEvents = 1 << 16
	}
	if d.Clock == nil {
		d.Clock = time.Now
	}
	return d
}

// head is a stream's last revision and position.
type head struct {
	rev uint64
	pos uint64
}

// Store is the Pebble-backed event store. It is safe for concurrent use.
type Store struct {
	dir  string
	opts Options
	db   *pebble.DB
	lock *dirLock

	// Append side.
	sendMu     sync.RWMutex // held shared while sending to reqs, exclusively by Close
	closed     bool         // guarded by sendMu
	reqs       chan *appendReq
	writerDone chan struct{}

	// Writer-owned state. Only the writer changes heads, holding headsMu;
	// readers look heads up holding headsMu shared (see readStreamChunk).
	heads        map[string]head
	headsMu      sync.RWMutex
	dirty        map[string]struct{} // streams whose head changed since the last checkpoint
	checkpointed uint64              // heads on disk are complete up to this position
	nextPos      uint64
	failed       atomic.Pointer[error] // the disk error that stopped writes

	// Read side.
	durable  atomic.Uint64 // last durable position
	notifyMu sync.Mutex
	notify   chan struct{} // closed and replaced after every commit
	done     chan struct{} // closed by Close
	readMu   sync.RWMutex  // readers hold it shared while touching Pebble
	dbClosed bool          // guarded by readMu

	closeOnce sync.Once
	closeErr  error
}

var _ eventstore.Store = (*Store)(nil)

// Open opens (or creates) the store in dir. It returns ErrLocked (wrapped)
// when the directory is already open, or an error if Pebble cannot open the
// data or finds it inconsistent.
func Open(dir string, opts *Options) (*Store, error) {
	o := opts.withDefaults()
	var lk *dirLock
	if o.fs == nil {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("embedded: open %s: %w", dir, err)
		}
		var err error
		if lk, err = lockDir(filepath.Join(dir, "remitflow.lock")); err != nil {
			return nil, fmt.Errorf("embedded: open %s: %w", dir, err)
		}
	} else if err := o.fs.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("embedded: open %s: %w", dir, err)
	}
	cache := pebble.NewCache(o.CacheSize)
	defer cache.Unref()
	po := &pebble.Options{
		Cache:                       cache,
		MemTableSize:                o.MemTableSize,
		MemTableStopWritesThreshold: 4,
		L0CompactionThreshold:       4,
		L0StopWritesThreshold:       24,
		LBaseMaxBytes:               256 << 20,
		FormatMajorVersion:          pebble.FormatNewest,
		Logger:                      pebbleLogger{o.Logger},
		FS:                          o.fs,
	}
	for i := range po.Levels {
		po.Levels[i].BlockSize = 32 << 10
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	po.EnsureDefaults()
	db, err := pebble.Open(dir, po)
	if err != nil {
		lk.release()
		return nil, fmt.Errorf("embedded: open %s: %w", dir, err)
	}
	s := &Store{
		dir:        dir,
		opts:       o,
		db:         db,
		lock:       lk,
		reqs:       make(chan *appendReq, 4096),
		writerDone: make(chan struct{}),
		heads:      make(map[string]head),
		dirty:      make(map[string]struct{}),
		notify:     make(chan struct{}),
		done:       make(chan struct{}),
	}
	if err := s.recover(); err != nil {
		_ = db.Close()
		lk.release()
		return nil, fmt.Errorf("embedded: open %s: %w", dir, err)
	}
	go s.writeLoop()
	return s, nil
}

// recover loads the stream heads and the next position from disk.
func (s *Store) recover() error {
	v, closer, err := s.db.Get(formatKey)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
		if err := s.db.Set(formatKey, []byte{formatVersion}, pebble.Sync); err != nil {
			return fmt.Errorf("write format: %w", err)
		}
	case err != nil:
		return fmt.Errorf("read format: %w", err)
	default:
		ok := len(v) == 1 && v[0] == formatVersion
		_ = closer.Close()
		if !ok {
			return fmt.Errorf("unsupported on-disk format %x", v)
		}
	}

	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixHead}, UpperBound: []byte{prefixHead + 1}})
	if err != nil {
		return fmt.Errorf("load heads: %w", err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		val, err := it.ValueAndErr()
		if err != nil || len(val) != 16 {
			_ = it.Close()
			return corruptf("head of %q", it.Key()[1:])
		}
		s.heads[string(it.Key()[1:])] = head{rev: beU64(val), pos: beU64(val[8:])}
	}
	if err := it.Close(); err != nil {
		return fmt.Errorf("load heads: %w", err)
	}

	// The heads on disk are complete up to the checkpoint; replay the log
	// after it.
	v, closer, err = s.db.Get(headsAtKey)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
	case err != nil:
		return fmt.Errorf("read heads checkpoint: %w", err)
	default:
		if len(v) != 8 {
			_ = closer.Close()
			return corruptf("heads checkpoint of %d bytes", len(v))
		}
		s.checkpointed = beU64(v)
		_ = closer.Close()
	}
	it, err = s.db.NewIter(&pebble.IterOptions{LowerBound: logKey(s.checkpointed + 1), UpperBound: []byte{prefixLog + 1}})
	if err != nil {
		return fmt.Errorf("replay log: %w", err)
	}
	last := s.checkpointed
	var rec recordView
	for ok := it.First(); ok; ok = it.Next() {
		p := posFromLogKey(it.Key())
		val, err := it.ValueAndErr()
		if err != nil {
			_ = it.Close()
			return fmt.Errorf("replay log: %w", err)
		}
		if err := decodeRecord(val, &rec); err != nil {
			_ = it.Close()
			return fmt.Errorf("replay log at position %d: %w", p, err)
		}
		s.heads[string(rec.stream)] = head{rev: rec.revision, pos: p}
		s.dirty[string(rec.stream)] = struct{}{}
		last = p
	}
	if err := it.Close(); err != nil {
		return fmt.Errorf("replay log: %w", err)
	}
	s.nextPos = last + 1
	s.durable.Store(last)
	return nil
}

// Dir returns the data directory.
func (s *Store) Dir() string { return s.dir }

// Close stops the store: appends already queued complete, later ones fail
// with eventstore.ErrClosed, subscriptions end with eventstore.ErrClosed,
// and the directory lock is released. It is safe to call more than once; it
// returns Pebble's error on closing, if any.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.sendMu.Lock()
		s.closed = true
		close(s.reqs)
		s.sendMu.Unlock()
		<-s.writerDone

		close(s.done)
		s.broadcast()

		s.readMu.Lock()
		s.dbClosed = true
		s.readMu.Unlock()
		if err := s.db.Close(); err != nil {
			s.closeErr = fmt.Errorf("embedded: close: %w", err)
		}
		s.lock.release()
	})
	return s.closeErr
}

// broadcast wakes every subscription waiting for new events.
func (s *Store) broadcast() {
	s.notifyMu.Lock()
	close(s.notify)
	s.notify = make(chan struct{})
	s.notifyMu.Unlock()
}

func (s *Store) waitChan() <-chan struct{} {
	s.notifyMu.Lock()
	defer s.notifyMu.Unlock()
	return s.notify
}

// pebbleLogger forwards Pebble's messages to slog, or drops them.
type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) {
	if p.l != nil {
		p.l.Info(fmt.Sprintf(format, args...), "component", "pebble")
	}
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	if p.l != nil {
		p.l.Error(fmt.Sprintf(format, args...), "component", "pebble")
	}
}

func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if p.l != nil {
		p.l.Error(msg, "component", "pebble")
	}
	panic("pebble: " + msg)
}
