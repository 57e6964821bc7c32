// Package storetest is the conformance suite for event store adapters: every
// implementation of domain/eventstore.Store runs Run from its own tests and
// must pass all of it. The suite checks the port's documented semantics:
// expected revisions and their errors, atomic and idempotent appends, input
// validation that writes nothing, stream and global reads with bounds and
// filters, consistent global positions, catch-up subscriptions under
// concurrent writers, large events, many streams, concurrent appenders and
// context cancellation.
//
// Usage from an adapter's test package:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) eventstore.Store { return open(t) })
//	}
//
// open must return a new, empty store for every call. The suite closes each
// store it opens once the subtest ends; open may register its own cleanup
// as long as Close tolerates being called twice.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/remitflow/remitflow/domain/eventstore"
)

// hangGuard bounds how long the suite waits on a blocking call before it
// reports a hang instead of stalling the test binary. It is not a speed
// assertion.
const hangGuard = 20 * time.Second

// Opener returns a new, empty store for one subtest.
type Opener func(t *testing.T) eventstore.Store

// Run runs the whole conformance suite against the stores returned by open.
func Run(t *testing.T, open func(t *testing.T) eventstore.Store) {
	o := Opener(open)
	t.Run("ExpectedRevision", func(t *testing.T) { testExpectedRevision(t, o) })
	t.Run("Append", func(t *testing.T) { testAppend(t, o) })
	t.Run("Idempotency", func(t *testing.T) { testIdempotency(t, o) })
	t.Run("Validation", func(t *testing.T) { testValidation(t, o) })
	t.Run("ReadStream", func(t *testing.T) { testReadStream(t, o) })
	t.Run("ReadAll", func(t *testing.T) { testReadAll(t, o) })
	t.Run("Positions", func(t *testing.T) { testPositions(t, o) })
	t.Run("Subscribe", func(t *testing.T) { testSubscribe(t, o) })
	t.Run("LargeEvents", func(t *testing.T) { testLargeEvents(t, o) })
	t.Run("ManyStreams", func(t *testing.T) { testManyStreams(t, o) })
	t.Run("ConcurrentExact", func(t *testing.T) { testConcurrentExact(t, o) })
	t.Run("Cancellation", func(t *testing.T) { testCancellation(t, o) })
	t.Run("Close", func(t *testing.T) { testClose(t, o) })
}

// openStore opens a store and closes it when the test ends.
func openStore(t *testing.T, open func(t *testing.T) eventstore.Store) eventstore.Store {
	t.Helper()
	s := open(t)
	if s == nil {
		t.Fatal("open returned a nil store")
	}
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { _ = s.Close() }) })
	return s
}

// newEvent returns a valid event with a fresh ID and a small JSON body.
func newEvent(typ string, n int) eventstore.EventData {
	return eventstore.EventData{
		ID:       uuid.New(),
		Type:     typ,
		Data:     fmt.Appendf(nil, `{"n":%d}`, n),
		Metadata: fmt.Appendf(nil, `{"correlation_id":"c-%d"}`, n),
	}
}

func newEvents(typ string, k int) []eventstore.EventData {
	out := make([]eventstore.EventData, k)
	for i := range out {
		out[i] = newEvent(typ, i)
	}
	return out
}

func mustAppend(t testing.TB, s eventstore.Store, stream string, exp eventstore.ExpectedRevision, events ...eventstore.EventData) eventstore.AppendResult {
	t.Helper()
	res, err := s.Append(t.Context(), stream, exp, events...)
	if err != nil {
		t.Fatalf("Append(%q, %v, %d events): %v", stream, exp, len(events), err)
	}
	return res
}

// collect gathers a read's events until its first error.
func collect(seq iter.Seq2[eventstore.RecordedEvent, error]) ([]eventstore.RecordedEvent, error) {
	var out []eventstore.RecordedEvent
	for e, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
	return out, nil
}

func readStream(t testing.TB, s eventstore.Store, stream string, opts eventstore.ReadStreamOptions) []eventstore.RecordedEvent {
	t.Helper()
	evs, err := collect(s.ReadStream(t.Context(), stream, opts))
	if err != nil {
		t.Fatalf("ReadStream(%q, %+v): %v", stream, opts, err)
	}
	return evs
}

func readAll(t testing.TB, s eventstore.Store, opts eventstore.ReadAllOptions) []eventstore.RecordedEvent {
	t.Helper()
	evs, err := collect(s.ReadAll(t.Context(), opts))
	if err != nil {
		t.Fatalf("ReadAll(%+v): %v", opts, err)
	}
	return evs
}

func assertStreamMissing(t testing.TB, s eventstore.Store, stream string) {
	t.Helper()
	evs, err := collect(s.ReadStream(t.Context(), stream, eventstore.ReadStreamOptions{}))
	if !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Errorf("ReadStream(%q) = %d events, error %v; want ErrStreamNotFound", stream, len(evs), err)
	}
}

func assertStreamLen(t testing.TB, s eventstore.Store, stream string, want int) {
	t.Helper()
	evs := readStream(t, s, stream, eventstore.ReadStreamOptions{})
	if len(evs) != want {
		t.Errorf("ReadStream(%q) = %d events, want %d", stream, len(evs), want)
	}
}

func assertAllCount(t testing.TB, s eventstore.Store, want int) {
	t.Helper()
	evs := readAll(t, s, eventstore.ReadAllOptions{})
	if len(evs) != want {
		t.Errorf("ReadAll() = %d events, want %d", len(evs), want)
	}
}

func ids(evs []eventstore.RecordedEvent) []uuid.UUID {
	out := make([]uuid.UUID, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

func dataIDs(evs []eventstore.EventData) []uuid.UUID {
	out := make([]uuid.UUID, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

func equalIDs(a, b []uuid.UUID) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// assertSame checks that a recorded event carries what was appended.
func assertSame(t testing.TB, got eventstore.RecordedEvent, want eventstore.EventData, stream string, rev uint64) {
	t.Helper()
	if got.ID != want.ID || got.Type != want.Type || got.Stream != stream || got.Revision != rev ||
		!bytes.Equal(got.Data, want.Data) || !bytes.Equal(got.Metadata, want.Metadata) {
		t.Errorf("recorded event = {ID %s Stream %q Type %q Rev %d Data %.60q Meta %.60q}, want {ID %s Stream %q Type %q Rev %d Data %.60q Meta %.60q}",
			got.ID, got.Stream, got.Type, got.Revision, got.Data, got.Metadata,
			want.ID, stream, want.Type, rev, want.Data, want.Metadata)
	}
	if got.RecordedAt.IsZero() {
		t.Errorf("event %s has a zero RecordedAt", got.ID)
	}
	if got.Position.IsZero() {
		t.Errorf("event %s has the zero Position", got.ID)
	}
}

func wrongRevision(t testing.TB, err error, stream string, actual uint64, exists bool) {
	t.Helper()
	var w *eventstore.WrongExpectedRevisionError
	if !errors.As(err, &w) {
		t.Errorf("append to %q: error = %v, want *WrongExpectedRevisionError", stream, err)
		return
	}
	if !errors.Is(err, eventstore.ErrWrongExpectedRevision) {
		t.Errorf("errors.Is(%v, ErrWrongExpectedRevision) = false", err)
	}
	if w.Stream != stream || w.ActualExists != exists || (exists && w.Actual != actual) {
		t.Errorf("WrongExpectedRevisionError = {Stream %q Actual %d ActualExists %v}, want {Stream %q Actual %d ActualExists %v}",
			w.Stream, w.Actual, w.ActualExists, stream, actual, exists)
	}
}

// hangCtx returns a context that ends a blocking call that would otherwise
// hang the suite.
func hangCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), hangGuard)
	t.Cleanup(cancel)
	return ctx
}
