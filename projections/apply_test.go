package projections_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/remitflow/remitflow/domain/compliance"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/transfer"
	fxrates "github.com/remitflow/remitflow/fx-rates"
	"github.com/remitflow/remitflow/projections"
)

// seq numbers the positions of recorded events.
var seq atomic.Uint64

// recorded returns a stored event at the next position, occurring at day0.
func recorded(stream, typ string, rev uint64, data any) eventstore.RecordedEvent {
	return recordedAt(stream, typ, rev, day0, data)
}

func recordedAt(stream, typ string, rev uint64, at time.Time, data any) eventstore.RecordedEvent {
	b, ok := data.([]byte)
	if !ok {
		var err error
		if b, err = json.Marshal(data); err != nil {
			panic(err)
		}
	}
	meta, _ := json.Marshal(eventstore.Metadata{OccurredAt: at, Actor: "test"})
	n := seq.Add(1)
	return eventstore.RecordedEvent{ID: uuid.New(), Stream: stream, Type: typ, Revision: rev,
		Position: eventstore.Position{Commit: n, Prepare: n}, Data: b, Metadata: meta, RecordedAt: at}
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

func requested(id, sender string, at time.Time) transfer.Requested {
	usd := func(v string) money.Amount { return money.MustParse(v, "USD") }
	return transfer.Requested{TransferID: id, SenderID: sender, At: at, Recipient: cash("R"), Quote: transfer.QuoteTerms{
		QuoteID: "q-" + id, Send: usd("10"), Fee: usd("1"), Total: usd("11"), Receive: money.MustParse("1280", "KES"),
		MidRate: dec("129"), CustomerRate: dec("128"), ExpiresAt: at.Add(time.Hour)}}
}

// TestHeldQueueCases: one queue item per open case, a held transfer without
// a case until its case opens, and items leave when decided or released.
func TestHeldQueueCases(t *testing.T) {
	c := newAll(t).Compliance
	at := func(m int) time.Time { return day0.Add(time.Duration(m) * time.Minute) }
	hit := func(id string) []compliance.Hit {
		return []compliance.Hit{{EntryID: id, EntryHash: "h" + id, Score: 0.95}}
	}
	thits := []transfer.Hit{{Rule: "sanctions", Subject: "sender", Entry: "1"}, {Rule: "sanctions", Subject: "recipient", Entry: "2"}}
	apply := func(ev eventstore.RecordedEvent) {
		t.Helper()
		if err := c.Apply(ev); err != nil {
			t.Fatal(err)
		}
	}
	queue := func() (out []string) {
		for _, it := range c.HeldQueue() {
			out = append(out, it.CaseID+"/"+it.TransferID+"/"+fmt.Sprint(len(it.Hits), len(it.TransferHits)))
		}
		return out
	}
	apply(recordedAt("transfer-t1", transfer.TypeRequested, 0, at(0), requested("t1", "s1", at(0))))
	apply(recordedAt("compliance-s1", compliance.TypeCaseOpened, 0, at(1), compliance.CaseOpened{SubjectID: "s1", CaseID: "c1", TransferID: "t1", Hits: hit("1"), At: at(1)}))
	apply(recordedAt("compliance-r1", compliance.TypeCaseOpened, 0, at(1), compliance.CaseOpened{SubjectID: "r1", CaseID: "c2", TransferID: "t1", Hits: hit("2"), At: at(1)}))
	apply(recordedAt("transfer-t1", transfer.TypeScreened, 1, at(1), transfer.Screened{TransferID: "t1", Hits: thits, CaseID: "c1", At: at(1)}))
	// t2 is held by a screener that opens no case; its case comes later.
	apply(recordedAt("transfer-t2", transfer.TypeRequested, 0, at(2), requested("t2", "s2", at(2))))
	apply(recordedAt("transfer-t2", transfer.TypeScreened, 1, at(2), transfer.Screened{TransferID: "t2", Hits: thits[:1], At: at(2)}))
	if got, want := queue(), []string{"c1/t1/1 2", "c2/t1/1 2", "/t2/0 1"}; !slices.Equal(got, want) {
		t.Errorf("queue = %v, want %v", got, want)
	}
	if it := c.HeldQueue()[2]; it.SubjectID != "s2" || !it.OpenedAt.Equal(at(2)) {
		t.Errorf("held transfer without case = %+v, want subject s2 opened at %s", it, at(2))
	}
	apply(recordedAt("compliance-s2", compliance.TypeCaseOpened, 0, at(3), compliance.CaseOpened{SubjectID: "s2", CaseID: "c3", TransferID: "t2", Hits: hit("3"), At: at(3)}))
	if got, want := queue(), []string{"c1/t1/1 2", "c2/t1/1 2", "c3/t2/1 1"}; !slices.Equal(got, want) {
		t.Errorf("queue after t2's case opened = %v, want %v", got, want)
	}
	if it := must(c.Case("c3"))(t); !it.OpenedAt.Equal(at(2)) {
		t.Errorf("Case(c3) opened at %s, want when t2 was held (%s)", it.OpenedAt, at(2))
	}
	apply(recordedAt("compliance-s1", compliance.TypeCaseDecided, 1, at(4), compliance.CaseDecided{SubjectID: "s1", CaseID: "c1", TransferID: "t1", Decision: compliance.Release, Staff: "alice", Reason: "ok", At: at(4)}))
	if got, want := queue(), []string{"c2/t1/1 2", "c3/t2/1 1"}; !slices.Equal(got, want) {
		t.Errorf("queue after c1 was decided = %v, want %v", got, want)
	}
	if _, err := c.Case("c1"); !errors.Is(err, projections.ErrNotFound) {
		t.Errorf("Case(decided) error = %v, want ErrNotFound", err)
	}
	apply(recordedAt("transfer-t1", transfer.TypeReleased, 2, at(5), transfer.Released{TransferID: "t1", By: "alice", Reason: "ok", At: at(5)}))
	apply(recordedAt("transfer-t2", transfer.TypeCancelled, 2, at(5), transfer.Cancelled{TransferID: "t2", By: "customer:s2", At: at(5)}))
	if got := queue(); len(got) != 0 {
		t.Errorf("queue after release and cancellation = %v, want empty", got)
	}
	// A rejection on a case and on its transfer.
	apply(recordedAt("transfer-t3", transfer.TypeRequested, 0, at(6), requested("t3", "s3", at(6))))
	apply(recordedAt("compliance-s3", compliance.TypeCaseOpened, 0, at(6), compliance.CaseOpened{SubjectID: "s3", CaseID: "c4", TransferID: "t3", Hits: hit("4"), At: at(6)}))
	apply(recordedAt("transfer-t3", transfer.TypeScreened, 1, at(6), transfer.Screened{TransferID: "t3", Hits: thits[:1], CaseID: "c4", At: at(6)}))
	apply(recordedAt("compliance-s3", compliance.TypeCaseDecided, 1, at(7), compliance.CaseDecided{SubjectID: "s3", CaseID: "c4", TransferID: "t3", Decision: compliance.Reject, Staff: "bob", Reason: "true match", At: at(7)}))
	apply(recordedAt("transfer-t3", transfer.TypeRejected, 2, at(7), transfer.Rejected{TransferID: "t3", By: "bob", Reason: "true match", At: at(7)}))
	if got := queue(); len(got) != 0 {
		t.Errorf("queue after the rejection = %v, want empty", got)
	}
	ds := c.Decisions(projections.DecisionFilter{})
	if len(ds) != 4 || ds[0].CaseID != "c1" || ds[1].On != projections.DecidedOnTransfer || ds[1].SubjectID != "s1" {
		t.Errorf("Decisions() = %+v", ds)
	}
	for _, d := range c.Decisions(projections.DecisionFilter{By: "bob"}) {
		if d.Kind != projections.DecisionReject || d.TransferID != "t3" || d.SubjectID != "s3" || d.Reason != "true match" || !d.At.Equal(at(7)) {
			t.Errorf("rejection = %+v", d)
		}
	}
	if n := len(c.Decisions(projections.DecisionFilter{CaseID: "c4"})); n != 1 {
		t.Errorf("Decisions(case c4) has %d entries, want 1", n)
	}
}
