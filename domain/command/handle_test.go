package command_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/ledger"
	"github.com/remitflow/remitflow/domain/money"
)

// A tiny counter aggregate for exercising the loop.

type counter struct {
	Total int
	Moves int
}

type addCmd struct {
	N int `json:"n"`
	// Postings, when set, makes the command emit a money-moving event.
	Postings ledger.Postings `json:"postings,omitempty"`
	// AtMost and AtLeast, when set, refuse the command unless the total
	// after (at most) or before (at least) it is within bounds.
	AtMost  int `json:"at_most,omitempty"`
	AtLeast int `json:"at_least,omitempty"`
}

type added struct {
	N int `json:"n"`
}

func (added) EventType() string { return "counter.added.v1" }

type moved struct {
	Postings ledger.Postings `json:"postings"`
}

func (moved) EventType() string                 { return "counter.moved.v1" }
func (m moved) LedgerPostings() ledger.Postings { return m.Postings }

var (
	errNegative = errors.New("counter: negative")
	errBounds   = errors.New("counter: out of bounds")
)

var counterAgg = command.Aggregate[counter, addCmd]{
	Category: "counter",
	Initial:  func() counter { return counter{} },
	Evolve: func(s counter, e command.Event) counter {
		switch e := e.(type) {
		case added:
			s.Total += e.N
		case moved:
			s.Moves++
		}
		return s
	},
	Decide: func(s counter, c addCmd, _ time.Time) ([]command.Event, error) {
		if c.N < 0 {
			return nil, errNegative
		}
		if (c.AtMost > 0 && s.Total+c.N > c.AtMost) || s.Total < c.AtLeast {
			return nil, errBounds
		}
		if c.N == 0 {
			return nil, nil
		}
		evs := []command.Event{added{N: c.N}}
		if c.Postings != nil {
			evs = append(evs, moved{Postings: c.Postings})
		}
		return evs, nil
	},
	Decode: func(t string, data []byte) (command.Event, error) {
		switch t {
		case "counter.added.v1":
			var e added
			return e, json.Unmarshal(data, &e)
		case "counter.moved.v1":
			var e moved
			return e, json.Unmarshal(data, &e)
		}
		return nil, fmt.Errorf("unknown event %q", t)
	},
}

var t0 = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

func meta(id string) command.CommandMeta {
	return command.CommandMeta{CommandID: id, Actor: "test", CorrelationID: "corr", Clock: command.ClockFunc(func() time.Time { return t0 })}
}

func TestHandleAppendsAndChains(t *testing.T) {
	ctx := context.Background()
	s := newFakeStore()
	for i := 1; i <= 3; i++ {
		res, err := command.Handle(ctx, s, counterAgg, "a", addCmd{N: i}, meta(fmt.Sprint("cmd-", i)))
		if err != nil {
			t.Fatalf("Handle(%d) error: %v", i, err)
		}
		if res.Revision != uint64(i-1) || res.Position.Commit != uint64(i) || res.Duplicate || len(res.Events) != 1 {
			t.Errorf("Handle(%d) = %+v, want revision %d position %d", i, res, i-1, i)
		}
	}
	st, rev, ok, err := command.Load(ctx, s, counterAgg, "a")
	if err != nil || !ok || rev != 2 || st.Total != 6 {
		t.Fatalf("Load = %+v, %d, %v, %v; want total 6 at revision 2", st, rev, ok, err)
	}
	if err := command.Verify(ctx, s, "counter-a"); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	m, _ := command.DecodeEventMetadata(s.log[1].Metadata)
	first, _ := command.DecodeEventMetadata(s.log[0].Metadata)
	if first.PrevHash != "" || m.PrevHash != first.Hash || m.CommandID != "cmd-2" || m.Actor != "test" ||
		m.CorrelationID != "corr" || !m.OccurredAt.Equal(t0) || m.SchemaVersion != command.DefaultSchemaVersion {
		t.Errorf("metadata of revision 1 = %+v (first hash %q)", m, first.Hash)
	}
	if s.log[0].ID != command.EventID("counter-a", "cmd-1", 0) {
		t.Errorf("event ID is not derived from the command ID")
	}
}

func TestHandleIdempotent(t *testing.T) {
	ctx := context.Background()
	s := newFakeStore()
	first, err := command.Handle(ctx, s, counterAgg, "a", addCmd{N: 5}, meta("c1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := command.Handle(ctx, s, counterAgg, "a", addCmd{N: 1}, meta("c2")); err != nil {
		t.Fatal(err)
	}
	again, err := command.Handle(ctx, s, counterAgg, "a", addCmd{N: 5}, meta("c1"))
	if err != nil {
		t.Fatalf("re-run error: %v", err)
	}
	if !again.Duplicate || again.Position != first.Position || again.Revision != first.Revision {
		t.Errorf("re-run = %+v, want duplicate of %+v", again, first)
	}
	if n := s.count("counter-a"); n != 2 {
		t.Errorf("stream has %d events after a re-run, want 2", n)
	}
	if _, err := command.Handle(ctx, s, counterAgg, "a", addCmd{N: 6}, meta("c1")); !errors.Is(err, command.ErrCommandConflict) {
		t.Errorf("same command ID, other content: error %v, want ErrCommandConflict", err)
	}
}

func TestHandleDomainErrorWritesNothing(t *testing.T) {
	s := newFakeStore()
	_, err := command.Handle(context.Background(), s, counterAgg, "a", addCmd{N: -1}, meta("c1"))
	if !errors.Is(err, errNegative) {
		t.Fatalf("error %v, want the domain error", err)
	}
	if s.appends != 0 {
		t.Errorf("%d appends after a refused command", s.appends)
	}
	res, err := command.Handle(context.Background(), s, counterAgg, "a", addCmd{N: 0}, meta("c2"))
	if err != nil || res.Exists || res.Events != nil {
		t.Errorf("no-op command = %+v, %v", res, err)
	}
}

func TestHandleRefusesUnbalancedPostings(t *testing.T) {
	usd := money.MustParse("10.00", "USD")
	s := newFakeStore()
	bad := ledger.Postings{{Account: "a", Amount: usd}, {Account: "b", Amount: usd}}
	if _, err := command.Handle(context.Background(), s, counterAgg, "a", addCmd{N: 1, Postings: bad}, meta("c1")); !errors.Is(err, command.ErrUnbalancedPostings) {
		t.Fatalf("error %v, want ErrUnbalancedPostings", err)
	}
	if s.count("counter-a") != 0 {
		t.Fatal("unbalanced events were written")
	}
	good := ledger.Move("a", "b", usd)
	if _, err := command.Handle(context.Background(), s, counterAgg, "a", addCmd{N: 1, Postings: good}, meta("c2")); err != nil {
		t.Fatalf("balanced postings: %v", err)
	}
}

func TestHandleRetriesConflicts(t *testing.T) {
	ctx := context.Background()
	s := newFakeStore()
	if _, err := command.Handle(ctx, s, counterAgg, "a", addCmd{N: 1}, meta("c0")); err != nil {
		t.Fatal(err)
	}
	interfere := 2
	s.beforeAppend = func(stream string) {
		if interfere > 0 {
			interfere--
			_, _ = s.rawAppend(stream, eventstore.Any(), sealed(t, s, stream, fmt.Sprint("x", interfere)))
		}
	}
	res, err := command.Handle(ctx, s, counterAgg, "a", addCmd{N: 100}, meta("c1"))
	if err != nil {
		t.Fatalf("Handle after conflicts: %v", err)
	}
	st, _, _, _ := command.Load(ctx, s, counterAgg, "a")
	if st.Total != 123 || res.Revision != 3 {
		t.Errorf("total %d revision %d, want 123 at revision 3", st.Total, res.Revision)
	}
	if err := command.Verify(ctx, s, "counter-a"); err != nil {
		t.Errorf("Verify after concurrent writers: %v", err)
	}
}

// sealed builds a correctly chained counter.added event for the stream's end.
func sealed(t *testing.T, s *fakeStore, stream, id string) eventstore.EventData {
	t.Helper()
	s.mu.Lock()
	idx := s.streams[stream]
	prev := ""
	if len(idx) > 0 {
		m, _ := command.DecodeEventMetadata(s.log[idx[len(idx)-1]].Metadata)
		prev = m.Hash
	}
	rev := uint64(len(idx))
	s.mu.Unlock()
	e := eventstore.EventData{ID: command.EventID(stream, id, 0), Type: "counter.added.v1", Data: []byte(`{"n":11}`)}
	if _, err := command.Seal(stream, rev, prev, &e, command.EventMetadata{Metadata: eventstore.Metadata{OccurredAt: t0}}); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestHandleGivesUpAfterMaxAttempts(t *testing.T) {
	ctx := context.Background()
	s := newFakeStore()
	if _, err := command.Handle(ctx, s, counterAgg, "a", addCmd{N: 1}, meta("c0")); err != nil {
		t.Fatal(err)
	}
	n := 0
	s.beforeAppend = func(stream string) {
		n++
		_, _ = s.rawAppend(stream, eventstore.Any(), sealed(t, s, stream, fmt.Sprint("x", n)))
	}
	_, err := command.Handle(ctx, s, counterAgg, "a", addCmd{N: 1}, meta("c1"))
	if !errors.Is(err, command.ErrConflict) || !errors.Is(err, eventstore.ErrWrongExpectedRevision) {
		t.Fatalf("error %v, want ErrConflict and ErrWrongExpectedRevision", err)
	}
	if n != command.MaxAttempts {
		t.Errorf("%d attempts, want %d", n, command.MaxAttempts)
	}
}

func TestHandleRejectsBadInput(t *testing.T) {
	s := newFakeStore()
	ctx := context.Background()
	cases := []struct {
		name string
		id   string
		meta command.CommandMeta
	}{
		{"no command ID", "a", command.CommandMeta{Clock: meta("x").Clock}},
		{"no clock", "a", command.CommandMeta{CommandID: "x"}},
		{"no aggregate ID", "", meta("x")},
	}
	for _, c := range cases {
		if _, err := command.Handle(ctx, s, counterAgg, c.id, addCmd{N: 1}, c.meta); !errors.Is(err, command.ErrInvalidCommand) {
			t.Errorf("%s: error %v, want ErrInvalidCommand", c.name, err)
		}
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	ctx := context.Background()
	s := newFakeStore()
	for i := 0; i < 4; i++ {
		if _, err := command.Handle(ctx, s, counterAgg, "a", addCmd{N: 1}, meta(fmt.Sprint("c", i))); err != nil {
			t.Fatal(err)
		}
		if _, err := command.Handle(ctx, s, counterAgg, "b", addCmd{N: 1}, meta(fmt.Sprint("c", i))); err != nil {
			t.Fatal(err)
		}
	}
	if rep, err := command.VerifyAll(ctx, s, eventstore.Filter{}); err != nil || rep.Streams != 2 || rep.Events != 8 {
		t.Fatalf("VerifyAll before tampering = %+v, %v", rep, err)
	}
	s.tamper("counter-a", 2, `{"n":1000}`)
	err := command.Verify(ctx, s, "counter-a")
	var ce *command.ChainError
	if !errors.As(err, &ce) || !errors.Is(err, command.ErrChainBroken) {
		t.Fatalf("Verify after tampering = %v, want a *ChainError", err)
	}
	if ce.Stream != "counter-a" || ce.Revision != 2 || ce.EventID != command.EventID("counter-a", "c2", 0) {
		t.Errorf("ChainError = %+v, want counter-a@2", ce)
	}
	if !strings.Contains(err.Error(), "counter-a@2") {
		t.Errorf("error %q does not name the event", err)
	}
	if err := command.Verify(ctx, s, "counter-b"); err != nil {
		t.Errorf("untouched stream: %v", err)
	}
	if _, err := command.VerifyAll(ctx, s, eventstore.Filter{}); !errors.As(err, &ce) || ce.Revision != 2 {
		t.Errorf("VerifyAll after tampering = %v", err)
	}
}

func TestVerifyDetectsRewrittenChain(t *testing.T) {
	// Re-hashing the edited event alone is not enough: the next link breaks.
	ctx := context.Background()
	s := newFakeStore()
	for i := 0; i < 3; i++ {
		if _, err := command.Handle(ctx, s, counterAgg, "a", addCmd{N: 1}, meta(fmt.Sprint("c", i))); err != nil {
			t.Fatal(err)
		}
	}
	s.mu.Lock()
	ev := &s.log[s.streams["counter-a"][1]]
	m, _ := command.DecodeEventMetadata(ev.Metadata)
	e := eventstore.EventData{ID: ev.ID, Type: ev.Type, Data: []byte(`{"n":7}`)}
	if _, err := command.Seal(ev.Stream, ev.Revision, m.PrevHash, &e, m); err != nil {
		t.Fatal(err)
	}
	ev.Data, ev.Metadata = e.Data, e.Metadata
	s.mu.Unlock()
	var ce *command.ChainError
	if err := command.Verify(ctx, s, "counter-a"); !errors.As(err, &ce) || ce.Revision != 2 {
		t.Fatalf("Verify = %v, want the break at revision 2", err)
	}
}

func TestCachingStoreConcurrent(t *testing.T) {
	ctx := context.Background()
	base := newFakeStore()
	c1, c2 := command.NewCachingStore(base, 0), command.NewCachingStore(base, 2)
	var wg sync.WaitGroup
	for w, s := range []eventstore.Store{c1, c2, base} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				id := fmt.Sprint("s", i%3)
				if _, err := command.Handle(ctx, s, counterAgg, id, addCmd{N: 1}, meta(fmt.Sprint(w, "-", i))); err != nil && !errors.Is(err, command.ErrConflict) {
					t.Errorf("Handle: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	total := 0
	for i := 0; i < 3; i++ {
		st, _, _, err := command.Load(ctx, base, counterAgg, fmt.Sprint("s", i))
		if err != nil {
			t.Fatal(err)
		}
		total += st.Total
		if err := command.Verify(ctx, base, fmt.Sprint("counter-s", i)); err != nil {
			t.Error(err)
		}
	}
	if total != len(base.log) {
		t.Errorf("folded total %d, %d events", total, len(base.log))
	}
	// A cached store still sees what others wrote.
	if _, err := command.Handle(ctx, c1, counterAgg, "s0", addCmd{N: 1}, meta("late")); err != nil {
		t.Fatal(err)
	}
	st, _, _, _ := command.Load(ctx, base, counterAgg, "s0")
	st1, _, _, _ := command.Load(ctx, c1, counterAgg, "s0")
	if st != st1 {
		t.Errorf("cached and fresh state differ: %+v vs %+v", st1, st)
	}
}

func TestCachingStoreStaleState(t *testing.T) {
	ctx := context.Background()
	base := newFakeStore()
	cached := command.NewCachingStore(base, 0)
	if _, err := command.Handle(ctx, cached, counterAgg, "a", addCmd{N: 1}, meta("c1")); err != nil {
		t.Fatal(err)
	}
	// Another writer moves the stream on behind the cache's back.
	if _, err := command.Handle(ctx, base, counterAgg, "a", addCmd{N: 10}, meta("other")); err != nil {
		t.Fatal(err)
	}
	if st, rev, _, _ := command.LoadAtLeast(ctx, cached, counterAgg, "a", 0); st.Total != 1 || rev != 0 {
		t.Errorf("LoadAtLeast(0) = %d at %d, want the cached 1 at 0", st.Total, rev)
	}
	if st, _, _, _ := command.LoadAtLeast(ctx, cached, counterAgg, "a", 1); st.Total != 11 {
		t.Errorf("LoadAtLeast(1) = %d, want 11", st.Total)
	}
	cached = command.NewCachingStore(base, 0)
	if _, _, _, err := command.Load(ctx, cached, counterAgg, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := command.Handle(ctx, base, counterAgg, "a", addCmd{N: 10}, meta("other-2")); err != nil {
		t.Fatal(err)
	}
	// Allowed on the stale total (11 + 1 ≤ 15), refused on the real one (21).
	if _, err := command.Handle(ctx, cached, counterAgg, "a", addCmd{N: 1, AtMost: 15}, meta("c2")); !errors.Is(err, errBounds) {
		t.Errorf("stale allow: %v, want errBounds", err)
	}
	if _, err := command.Handle(ctx, base, counterAgg, "a", addCmd{N: 10}, meta("other-3")); err != nil {
		t.Fatal(err)
	}
	// Refused on the stale total (21 < 25), allowed on the real one (31).
	res, err := command.Handle(ctx, cached, counterAgg, "a", addCmd{N: 1, AtLeast: 25}, meta("c3"))
	if err != nil || res.Revision != 4 {
		t.Errorf("stale refusal: %+v, %v; want an append at revision 4", res, err)
	}
	if err := command.Verify(ctx, base, "counter-a"); err != nil {
		t.Error(err)
	}
}
