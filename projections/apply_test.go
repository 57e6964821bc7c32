package projections_test

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/transfer"
	fxrates "github.com/remitflow/remitflow/fx-rates"
	"github.com/remitflow/remitflow/projections"
)

func recorded(stream, typ string, rev uint64, data any) eventstore.RecordedEvent {
	b, ok := data.([]byte)
	if !ok {
		b, _ = json.Marshal(data)
	}
	meta, _ := json.Marshal(eventstore.Metadata{OccurredAt: day0, Actor: "test"})
	return eventstore.RecordedEvent{ID: uuid.New(), Stream: stream, Type: typ, Revision: rev,
		Position: eventstore.Position{Commit: rev + 1, Prepare: rev + 1}, Data: b, Metadata: meta, RecordedAt: day0}
}

// TestApplyRefusesCorruptEvents: a read model that cannot apply an event
// stops the runner with an error naming it, and ignores what is not its own.
func TestApplyRefusesCorruptEvents(t *testing.T) {
	cases := []struct {
		name  string
		ev    eventstore.RecordedEvent
		model func(*projections.ReadModels) projections.Projection
		want  []string
	}{
		{"transfer event before its request",
			recorded("transfer-t1", transfer.TypeScreened, 0, transfer.Screened{TransferID: "t1", Cleared: true, At: day0}),
			func(rm *projections.ReadModels) projections.Projection { return rm.Transfers },
			[]string{"transfers", "transfer.screened.v1", "transfer-t1", "before the transfer was requested"}},
		{"undecodable transfer event",
			recorded("transfer-t1", transfer.TypeRequested, 0, []byte(`{"quote":{"send":12}}`)),
			func(rm *projections.ReadModels) projections.Projection { return rm.Corridors },
			[]string{"corridors", "transfer.requested.v1", "transfer-t1"}},
		{"unknown transfer event type",
			recorded("transfer-t1", "transfer.teleported.v1", 0, struct{}{}),
			func(rm *projections.ReadModels) projections.Projection { return rm.Compliance },
			[]string{"compliance", "transfer.teleported.v1"}},
		{"unknown agent event type",
			recorded("agent-a1", "agent.vanished.v1", 0, struct{}{}),
			func(rm *projections.ReadModels) projections.Projection { return rm.Agents },
			[]string{"agents", "agent.vanished.v1", "agent-a1"}},
		{"malformed rate event",
			recorded("fxrates-ecb", fxrates.EventTypePublished, 3, []byte(`{"source":"ecb"`)),
			func(rm *projections.ReadModels) projections.Projection { return rm.Rates },
			[]string{"rates", "fxrates-ecb@3"}},
		{"invalid rate snapshot",
			recorded("fxrates-ecb", fxrates.EventTypePublished, 0, map[string]any{"source": "ecb", "base": "EUR", "as_of": day0, "rates": map[string]any{"USD": map[string]string{"mid": "-1"}}}),
			func(rm *projections.ReadModels) projections.Projection { return rm.Rates },
			[]string{"rates", "fxrates-ecb@0"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rm := newAll(t)
			err := c.model(rm).Apply(c.ev)
			if err == nil {
				t.Fatalf("Apply succeeded, want an error naming %v", c.want)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Apply error %q does not name %q", err, w)
				}
			}
		})
	}

	// Streams that are not read models' business leave every digest as it
	// was for an empty log.
	rm, empty := newAll(t), newAll(t)
	for _, ev := range []eventstore.RecordedEvent{
		recorded("idem-client-key", "idempotency.recorded.v1", 0, struct{}{}),
		recorded("fxrates-ecb", "fxrates.note.v1", 0, struct{}{}),
	} {
		for _, p := range rm.Projections() {
			if err := p.Apply(ev); err != nil {
				t.Errorf("%s.Apply(%s %s) = %v", p.Name(), ev.Stream, ev.Type, err)
			}
		}
	}
	want := empty.Digests()
	for name, d := range rm.Digests() {
		if d != want[name] {
			t.Errorf("%s digest changed after foreign events", name)
		}
	}
}

// TestReadersDuringApply queries every read model while the runner follows
// the scenario live; run with -race to check the locking.
func TestReadersDuringApply(t *testing.T) {
	e := newEnv(t)
	rm := newAll(t)
	r := startRunner(t, e.base, rm)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if p, err := rm.Transfers.ByCustomer("cus_1", "", 3); err == nil {
					for _, v := range p.Items {
						_, _ = rm.Transfers.Timeline(v.ID)
						_, _ = rm.Transfers.AsOf(v.ID, day0.Add(time.Hour))
					}
				}
				_, _ = rm.Transfers.ByStatus(transfer.StatusHeld)
				_ = rm.Compliance.HeldQueue()
				_, _ = rm.Compliance.Velocity("cus_1")
				_ = rm.Agents.List("")
				_ = rm.Corridors.Corridors()
				_ = rm.Digests()
			}
		}()
	}
	sc := runScenario(t, e)
	waitFor(t, r, e.head())
	close(stop)
	wg.Wait()
	if v, err := rm.Transfers.Get(sc.completed2); err != nil || v.Status != transfer.StatusCompleted {
		t.Errorf("Get(%s) = %s, %v after following live", sc.completed2, v.Status, err)
	}
}

// BenchmarkApply measures applying the scenario's log to every read model,
// as a rebuild does.
func BenchmarkApply(b *testing.B) {
	e := newEnv(b)
	runScenario(b, e)
	var events []eventstore.RecordedEvent
	for ev, err := range e.base.ReadAll(b.Context(), eventstore.ReadAllOptions{}) {
		if err != nil {
			b.Fatal(err)
		}
		events = append(events, ev)
	}
	b.ResetTimer()
	for b.Loop() {
		rm := newAll(b)
		for _, ev := range events {
			for _, p := range rm.Projections() {
				if err := p.Apply(ev); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(events)), "ns/event")
}
