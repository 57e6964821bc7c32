package embedded_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/google/uuid"

	"github.com/remitflow/remitflow/adapters/eventstore/embedded"
	"github.com/remitflow/remitflow/domain/eventstore"
)

type acked struct {
	id     uuid.UUID
	stream string
	rev    uint64
	pos    uint64
}

// verifyAcked opens the store and checks it is consistent and holds every
// acknowledged event where it was acknowledged.
func verifyAcked(t *testing.T, s *embedded.Store, acks []acked) {
	t.Helper()
	if err := s.Check(t.Context()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	byPos := map[uint64]eventstore.RecordedEvent{}
	for e, err := range s.ReadAll(t.Context(), eventstore.ReadAllOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		byPos[e.Position.Commit] = e
	}
	for _, a := range acks {
		e, ok := byPos[a.pos]
		if !ok || e.ID != a.id || e.Stream != a.stream || e.Revision != a.rev {
			t.Fatalf("acknowledged %s (%s@%d, position %d) is not there after the crash; found %+v", a.id, a.stream, a.rev, a.pos, e)
		}
	}
}

// TestPowerLossKeepsAcknowledgedEvents simulates power failures with a file
// system that forgets everything not fsynced (and keeps random parts of what
// was merely written): every append acknowledged before the failure must
// survive it, and the recovered store must be consistent.
func TestPowerLossKeepsAcknowledgedEvents(t *testing.T) {
	fs := vfs.NewCrashableMem()
	s, err := embedded.OpenFS("data", &embedded.Options{HeadCheckpointEvents: 300}, fs)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var acks []acked
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Go(func() {
			stream := fmt.Sprintf("power-%d", g%8) // contended streams
			for ctx.Err() == nil {
				var exp eventstore.ExpectedRevision
				for e, err := range s.ReadStream(ctx, stream, eventstore.ReadStreamOptions{Direction: eventstore.Backwards, From: eventstore.EndRevision, MaxCount: 1}) {
					if err == nil {
						exp = eventstore.Exact(e.Revision)
					} else if errors.Is(err, eventstore.ErrStreamNotFound) {
						exp = eventstore.NoStream()
					}
				}
				events := []eventstore.EventData{
					{ID: uuid.New(), Type: "power.v1", Data: []byte(`{"a":1}`)},
					{ID: uuid.New(), Type: "power.v1", Data: []byte(`{"b":2}`)},
				}
				res, err := s.Append(ctx, stream, exp, events...)
				if err != nil {
					continue
				}
				mu.Lock()
				for i, e := range events {
					back := uint64(len(events) - 1 - i)
					acks = append(acks, acked{e.ID, stream, res.NextExpectedRevision - back, res.Position.Commit - back})
				}
				mu.Unlock()
			}
		})
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	for crash := range 8 {
		time.Sleep(time.Duration(5+rng.IntN(30)) * time.Millisecond)
		mu.Lock()
		before := append([]acked(nil), acks...)
		mu.Unlock()
		clone := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: 50 * (crash % 2), RNG: rand.New(rand.NewPCG(uint64(crash), 2))})
		recovered, err := embedded.OpenFS("data", nil, clone)
		if err != nil {
			t.Fatalf("crash %d: open after power loss: %v", crash, err)
		}
		verifyAcked(t, recovered, before)
		_ = recovered.Close()
		t.Logf("crash %d: %d acknowledged events survived", crash, len(before))
	}
	cancel()
	wg.Wait()
	if len(acks) == 0 {
		t.Fatal("no append was acknowledged")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCancelledAppendsWriteNothing cancels appends at random moments while
// many are in flight: an append that returned the context's error must have
// written nothing; one that succeeded must be stored where it said.
func TestCancelledAppendsWriteNothing(t *testing.T) {
	s := openTemp(t)
	type outcome struct {
		ids []uuid.UUID
		res eventstore.AppendResult
		err error
	}
	var mu sync.Mutex
	var outcomes []outcome
	var wg sync.WaitGroup
	var cancelled atomic.Int32
	for g := range 32 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 3))
			for range 40 {
				ctx, cancel := context.WithCancel(t.Context())
				events := []eventstore.EventData{{ID: uuid.New(), Type: "c.v1", Data: []byte(`{}`)}}
				delay := time.Duration(rng.IntN(400)) * time.Microsecond
				go func() {
					time.Sleep(delay)
					cancel()
				}()
				res, err := s.Append(ctx, fmt.Sprintf("cancel-%d", g), eventstore.Any(), events...)
				cancel()
				if err != nil && !errors.Is(err, context.Canceled) {
					t.Errorf("Append: %v", err)
				}
				if err != nil {
					cancelled.Add(1)
				}
				mu.Lock()
				outcomes = append(outcomes, outcome{[]uuid.UUID{events[0].ID}, res, err})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	stored := map[uuid.UUID]uint64{}
	for e, err := range s.ReadAll(t.Context(), eventstore.ReadAllOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		stored[e.ID] = e.Position.Commit
	}
	for _, o := range outcomes {
		p, ok := stored[o.ids[0]]
		switch {
		case o.err != nil && ok:
			t.Errorf("append failed with %v but its event is stored at %d", o.err, p)
		case o.err == nil && (!ok || p != o.res.Position.Commit):
			t.Errorf("append succeeded at %v but its event is stored at %d (found %v)", o.res.Position, p, ok)
		}
	}
	t.Logf("%d of %d appends cancelled", cancelled.Load(), len(outcomes))
}

// TestCloseDuringAppends closes the store under load: appends complete or
// fail with ErrClosed, and after reopening exactly the completed ones are
// there.
func TestCloseDuringAppends(t *testing.T) {
	dir := t.TempDir()
	s, err := embedded.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var acks []acked
	var failed []uuid.UUID
	var wg sync.WaitGroup
	var started atomic.Int32
	for g := range 32 {
		wg.Go(func() {
			stream := fmt.Sprintf("close-%d", g)
			for {
				e := eventstore.EventData{ID: uuid.New(), Type: "c.v1", Data: []byte(`{}`)}
				res, err := s.Append(t.Context(), stream, eventstore.Any(), e)
				started.Add(1)
				mu.Lock()
				if err != nil {
					failed = append(failed, e.ID)
				} else {
					acks = append(acks, acked{e.ID, stream, res.NextExpectedRevision, res.Position.Commit})
				}
				mu.Unlock()
				if err != nil {
					if !errors.Is(err, eventstore.ErrClosed) {
						t.Errorf("Append during Close: %v, want success or ErrClosed", err)
					}
					return
				}
			}
		})
	}
	for started.Load() < 200 {
		time.Sleep(time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wg.Wait()

	s, err = embedded.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	verifyAcked(t, s, acks)
	n := 0
	gone := map[uuid.UUID]bool{}
	for _, id := range failed {
		gone[id] = true
	}
	for e, err := range s.ReadAll(t.Context(), eventstore.ReadAllOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if gone[e.ID] {
			t.Errorf("append of %s failed with ErrClosed but the event is stored", e.ID)
		}
		n++
	}
	if n != len(acks) {
		t.Errorf("%d events stored, %d acknowledged", n, len(acks))
	}
}

// TestConcurrentRetriesOfOneAppend sends the same append from many
// goroutines at once, so that the original and its retries meet in one
// group commit: all succeed with the same result and the events are stored
// once.
func TestConcurrentRetriesOfOneAppend(t *testing.T) {
	s := openTemp(t)
	for round, exp := range []eventstore.ExpectedRevision{eventstore.NoStream(), eventstore.Exact(1), eventstore.Any(), eventstore.StreamExists()} {
		events := []eventstore.EventData{
			{ID: uuid.New(), Type: "r.v1", Data: []byte(`{}`)},
			{ID: uuid.New(), Type: "r.v1", Data: []byte(`{}`)},
		}
		results := make([]eventstore.AppendResult, 64)
		errs := make([]error, 64)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range results {
			wg.Go(func() {
				<-start
				results[i], errs[i] = s.Append(t.Context(), "retry-1", exp, events...)
			})
		}
		close(start)
		wg.Wait()
		for i := range results {
			if errs[i] != nil || results[i] != results[0] {
				t.Fatalf("round %d (%v): append %d = %+v, %v; want %+v like the others", round, exp, i, results[i], errs[i], results[0])
			}
		}
		want := uint64(2*round + 1)
		if results[0].NextExpectedRevision != want {
			t.Errorf("round %d: NextExpectedRevision = %d, want %d", round, results[0].NextExpectedRevision, want)
		}
	}
	n := 0
	for _, err := range s.ReadStream(t.Context(), "retry-1", eventstore.ReadStreamOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 8 {
		t.Errorf("stream holds %d events after 4 appends of 2 events, each sent 64 times; want 8", n)
	}
}

// TestDiskFailureIsUnavailable makes the WAL's writes and syncs fail: appends
// then fail with ErrUnavailable (never success), the store keeps refusing
// writes, and what was acknowledged before stays readable.
func TestDiskFailureIsUnavailable(t *testing.T) {
	toggle := &errorfs.Toggle{Injector: errorfs.InjectorFunc(func(op errorfs.Op) error {
		if strings.HasSuffix(op.Path, ".log") && op.Kind.ReadOrWrite() == errorfs.OpIsWrite {
			return errorfs.ErrInjected
		}
		return nil
	})}
	fs := errorfs.Wrap(vfs.NewMem(), toggle)
	s, err := embedded.OpenFS("data", nil, fs)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		toggle.Off()
		_ = s.Close()
	}()
	ok, err := s.Append(t.Context(), "disk-1", eventstore.NoStream(), eventstore.EventData{ID: uuid.New(), Type: "d.v1", Data: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	toggle.On()
	for i := range 3 {
		_, err := s.Append(t.Context(), "disk-1", eventstore.Exact(ok.NextExpectedRevision), eventstore.EventData{ID: uuid.New(), Type: "d.v1", Data: []byte(`{}`)})
		if !errors.Is(err, eventstore.ErrUnavailable) {
			t.Fatalf("append %d with a failing disk = %v, want ErrUnavailable", i, err)
		}
	}
	toggle.Off()
	_, err = s.Append(t.Context(), "disk-1", eventstore.Exact(ok.NextExpectedRevision), eventstore.EventData{ID: uuid.New(), Type: "d.v1", Data: []byte(`{}`)})
	if !errors.Is(err, eventstore.ErrUnavailable) {
		t.Errorf("append after the disk came back = %v, want ErrUnavailable until the store is reopened", err)
	}
	n := 0
	for e, err := range s.ReadAll(t.Context(), eventstore.ReadAllOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Position != ok.Position {
			t.Errorf("ReadAll yields %v, want only the acknowledged event at %v", e.Position, ok.Position)
		}
		n++
	}
	if n != 1 {
		t.Errorf("ReadAll = %d events, want 1", n)
	}
}
