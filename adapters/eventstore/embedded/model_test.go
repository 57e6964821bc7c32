package embedded_test

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/google/uuid"
	"pgregory.net/rapid"

	"github.com/remitflow/remitflow/adapters/eventstore/embedded"
	"github.com/remitflow/remitflow/adapters/eventstore/memory"
	"github.com/remitflow/remitflow/domain/eventstore"
)

// outcome reduces an Append's answer to what both stores must agree on.
func outcomeOf(res eventstore.AppendResult, err error) string {
	var w *eventstore.WrongExpectedRevisionError
	switch {
	case err == nil:
		return fmt.Sprintf("ok rev=%d pos=%v", res.NextExpectedRevision, res.Position)
	case errors.As(err, &w):
		return fmt.Sprintf("wrong actual=%d exists=%v", w.Actual, w.ActualExists)
	case errors.Is(err, eventstore.ErrIdempotencyConflict):
		return "idempotency conflict"
	}
	return "error " + err.Error()
}

// TestSameAnswersAsMemoryStore applies random appends, including retries,
// partial retries and stale expectations, to the embedded store and to the
// in-memory store, and checks that every answer and the final logs agree.
func TestSameAnswersAsMemoryStore(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		// One directory per run, removed at once: Pebble preallocates its WAL.
		dir, err := os.MkdirTemp(t.TempDir(), "run-")
		if err != nil {
			rt.Fatal(err)
		}
		defer os.RemoveAll(dir)
		s, err := embedded.Open(dir, &embedded.Options{HeadCheckpointEvents: 3, MemTableSize: 1 << 20})
		if err != nil {
			rt.Fatal(err)
		}
		defer s.Close()
		m := memory.New()
		defer m.Close()
		ctx := t.Context()

		var batches [][]eventstore.EventData
		streams := []string{"acct-1", "acct-2", "fx-1"}
		steps := rapid.IntRange(1, 40).Draw(rt, "steps")
		for i := range steps {
			stream := rapid.SampledFrom(streams).Draw(rt, "stream")
			var exp eventstore.ExpectedRevision
			switch rapid.IntRange(0, 3).Draw(rt, "kind") {
			case 0:
				exp = eventstore.Any()
			case 1:
				exp = eventstore.NoStream()
			case 2:
				exp = eventstore.StreamExists()
			default:
				exp = eventstore.Exact(uint64(rapid.IntRange(0, 8).Draw(rt, "rev")))
			}
			var events []eventstore.EventData
			switch mode := rapid.IntRange(0, 3).Draw(rt, "mode"); {
			case mode == 0 || len(batches) == 0:
				for range rapid.IntRange(1, 3).Draw(rt, "n") {
					events = append(events, eventstore.EventData{ID: uuid.New(), Type: "m.v1", Data: []byte(`{}`)})
				}
			case mode == 1: // a retry
				events = batches[rapid.IntRange(0, len(batches)-1).Draw(rt, "batch")]
			case mode == 2: // a suffix of an earlier batch
				b := batches[rapid.IntRange(0, len(batches)-1).Draw(rt, "batch")]
				events = b[rapid.IntRange(0, len(b)-1).Draw(rt, "from"):]
			default: // an earlier batch plus a new event
				b := batches[rapid.IntRange(0, len(batches)-1).Draw(rt, "batch")]
				events = append(append([]eventstore.EventData(nil), b...), eventstore.EventData{ID: uuid.New(), Type: "m.v1", Data: []byte(`{}`)})
			}
			got := outcomeOf(s.Append(ctx, stream, exp, events...))
			want := outcomeOf(m.Append(ctx, stream, exp, events...))
			if got != want {
				rt.Fatalf("step %d: Append(%s, %v, %d events): embedded %q, memory %q", i, stream, exp, len(events), got, want)
			}
			batches = append(batches, events)
		}
		var a, b []eventstore.RecordedEvent
		for e, err := range s.ReadAll(ctx, eventstore.ReadAllOptions{}) {
			if err != nil {
				rt.Fatal(err)
			}
			a = append(a, e)
		}
		for e, err := range m.ReadAll(ctx, eventstore.ReadAllOptions{}) {
			if err != nil {
				rt.Fatal(err)
			}
			b = append(b, e)
		}
		if len(a) != len(b) {
			rt.Fatalf("embedded log has %d events, memory %d", len(a), len(b))
		}
		for i := range a {
			if a[i].ID != b[i].ID || a[i].Stream != b[i].Stream || a[i].Revision != b[i].Revision || a[i].Position != b[i].Position {
				rt.Fatalf("event %d: embedded %s %s@%d %v, memory %s %s@%d %v", i,
					a[i].ID, a[i].Stream, a[i].Revision, a[i].Position, b[i].ID, b[i].Stream, b[i].Revision, b[i].Position)
			}
		}
		if err := s.Check(ctx); err != nil {
			rt.Fatal(err)
		}
	})
}
