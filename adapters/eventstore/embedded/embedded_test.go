package embedded_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/google/uuid"

	"github.com/remitflow/remitflow/adapters/eventstore/embedded"
	"github.com/remitflow/remitflow/adapters/eventstore/storetest"
	"github.com/remitflow/remitflow/domain/eventstore"
)

func openTemp(t *testing.T) *embedded.Store {
	t.Helper()
	s, err := embedded.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) eventstore.Store { return openTemp(t) })
}

// TestConformanceSmallChunks runs the suite with tiny read chunks, groups and
// head checkpoints, so that every boundary is crossed many times.
func TestConformanceSmallChunks(t *testing.T) {
	opts := &embedded.Options{ReadChunkEvents: 3, ReadChunkBytes: 1 << 10, MaxBatchRequests: 2, HeadCheckpointEvents: 7}
	storetest.Run(t, func(t *testing.T) eventstore.Store {
		s, err := embedded.Open(t.TempDir(), opts)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

func event(typ string) eventstore.EventData {
	return eventstore.EventData{ID: uuid.New(), Type: typ, Data: []byte(`{"a":1}`)}
}

func TestSecondOpenIsLocked(t *testing.T) {
	dir := t.TempDir()
	s, err := embedded.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := embedded.Open(dir, nil); !errors.Is(err, embedded.ErrLocked) {
		t.Fatalf("second Open error = %v, want ErrLocked", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := embedded.Open(dir, nil)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	_ = s2.Close()
}

func TestReopenKeepsEventsAndHeads(t *testing.T) {
	dir := t.TempDir()
	s, err := embedded.Open(dir, &embedded.Options{HeadCheckpointEvents: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	a, b := event("x.v1"), event("x.v1")
	if _, err := s.Append(ctx, "acct-1", eventstore.NoStream(), a, b); err != nil {
		t.Fatal(err)
	}
	res, err := s.Append(ctx, "acct-2", eventstore.NoStream(), event("y.v1"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = embedded.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Check(ctx); err != nil {
		t.Fatalf("Check after reopen: %v", err)
	}
	// Heads survived: a stale expectation fails, the right one succeeds.
	_, err = s.Append(ctx, "acct-1", eventstore.Exact(0), event("x.v1"))
	var w *eventstore.WrongExpectedRevisionError
	if !errors.As(err, &w) || w.Actual != 1 {
		t.Fatalf("Append(Exact(0)) after reopen = %v, want wrong revision with actual 1", err)
	}
	next, err := s.Append(ctx, "acct-1", eventstore.Exact(1), event("x.v1"))
	if err != nil {
		t.Fatal(err)
	}
	if next.Position.Commit != res.Position.Commit+1 || next.NextExpectedRevision != 2 {
		t.Errorf("append after reopen = %+v, want position %d revision 2", next, res.Position.Commit+1)
	}
	// The idempotency index survived.
	again, err := s.Append(ctx, "acct-1", eventstore.NoStream(), a, b)
	if err != nil || again.NextExpectedRevision != 1 || again.Position.Commit != 2 {
		t.Errorf("retry after reopen = %+v, %v; want revision 1 at position 2", again, err)
	}
}

func TestOpenRefusesCorruptData(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "CURRENT"), []byte("garbage\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := embedded.Open(dir, nil); err == nil {
		_ = s.Close()
		t.Fatal("Open of a directory with a corrupt CURRENT file succeeded")
	}
	// The failed Open released the directory lock.
	if err := os.Remove(filepath.Join(dir, "CURRENT")); err != nil {
		t.Fatal(err)
	}
	s, err := embedded.Open(dir, nil)
	if err != nil {
		t.Fatalf("Open after removing the corrupt file: %v", err)
	}
	_ = s.Close()
}

func TestOpenRefusesUnknownFormat(t *testing.T) {
	dir := t.TempDir()
	db, err := pebble.Open(dir, &pebble.Options{Logger: quiet{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Set([]byte("mformat"), []byte{99}, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := embedded.Open(dir, nil)
	if err == nil {
		_ = s.Close()
		t.Fatal("Open of a store written in an unknown format succeeded")
	}
	if !strings.Contains(err.Error(), "format") {
		t.Errorf("Open error %q does not mention the format", err)
	}
}

func TestBadOptionsUseDefaults(t *testing.T) {
	s, err := embedded.Open(t.TempDir(), &embedded.Options{MaxBatchRequests: -1, ReadChunkEvents: -5, CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Append(t.Context(), "opt-1", eventstore.NoStream(), event("x.v1")); err != nil {
		t.Fatalf("Append with defaulted options: %v", err)
	}
	n := 0
	for _, err := range s.ReadAll(t.Context(), eventstore.ReadAllOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 {
		t.Errorf("ReadAll = %d events, want 1", n)
	}
}

// TestCheckFindsDamage removes one log record behind the store's back:
// Check reports the gap and reading the damaged stream fails instead of
// skipping the event.
func TestCheckFindsDamage(t *testing.T) {
	dir := t.TempDir()
	s, err := embedded.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(t.Context(), "dmg-1", eventstore.NoStream(), event("x.v1"), event("x.v1"), event("x.v1")); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(t.Context()); err != nil {
		t.Fatalf("Check of an intact store: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := pebble.Open(dir, &pebble.Options{Logger: quiet{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Delete([]byte{'l', 0, 0, 0, 0, 0, 0, 0, 2}, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = embedded.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Check(t.Context()); err == nil || !strings.Contains(err.Error(), "dense") {
		t.Errorf("Check of a log with a gap = %v, want a density error", err)
	}
	var readErr error
	for _, err := range s.ReadStream(t.Context(), "dmg-1", eventstore.ReadStreamOptions{}) {
		if err != nil {
			readErr = err
		}
	}
	if readErr == nil {
		t.Error("ReadStream over a missing record did not fail")
	}
}

// quiet discards Pebble's log messages.
type quiet struct{}

func (quiet) Infof(string, ...any)  {}
func (quiet) Errorf(string, ...any) {}
func (quiet) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}
