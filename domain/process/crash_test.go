package process_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"iter"
	"sync"
	"testing"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/payout"
	"github.com/remitflow/remitflow/domain/process"
	"github.com/remitflow/remitflow/domain/transfer"
	"github.com/remitflow/remitflow/domain/wallet"
	"pgregory.net/rapid"
)

// crashStore passes through to a store until its append budget is spent;
// then the process "dies": the crashing append is optionally written without
// an acknowledgement, and every later call fails with ErrUnavailable.
type crashStore struct {
	eventstore.Store
	mu      sync.Mutex
	left    int
	lostAck bool
	crashed bool
}

var errCrashed = fmt.Errorf("%w: crashed", eventstore.ErrUnavailable)

func (c *crashStore) dead() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.crashed
}

func (c *crashStore) Append(ctx context.Context, stream string, exp eventstore.ExpectedRevision, evs ...eventstore.EventData) (eventstore.AppendResult, error) {
	c.mu.Lock()
	if c.crashed {
		c.mu.Unlock()
		return eventstore.AppendResult{}, errCrashed
	}
	c.left--
	if c.left < 0 {
		c.crashed = true
		c.mu.Unlock()
		if c.lostAck {
			_, _ = c.Store.Append(ctx, stream, exp, evs...)
		}
		return eventstore.AppendResult{}, errCrashed
	}
	c.mu.Unlock()
	return c.Store.Append(ctx, stream, exp, evs...)
}

func (c *crashStore) guard(seq iter.Seq2[eventstore.RecordedEvent, error]) iter.Seq2[eventstore.RecordedEvent, error] {
	return func(yield func(eventstore.RecordedEvent, error) bool) {
		for ev, err := range seq {
			if c.dead() {
				yield(eventstore.RecordedEvent{}, errCrashed)
				return
			}
			if !yield(ev, err) {
				return
			}
		}
	}
}

func (c *crashStore) ReadStream(ctx context.Context, s string, o eventstore.ReadStreamOptions) iter.Seq2[eventstore.RecordedEvent, error] {
	return c.guard(c.Store.ReadStream(ctx, s, o))
}

func (c *crashStore) ReadAll(ctx context.Context, o eventstore.ReadAllOptions) iter.Seq2[eventstore.RecordedEvent, error] {
	return c.guard(c.Store.ReadAll(ctx, o))
}

func (c *crashStore) SubscribeAll(ctx context.Context, o eventstore.SubscribeOptions) (eventstore.Subscription, error) {
	sub, err := c.Store.SubscribeAll(ctx, o)
	if err != nil {
		return nil, err
	}
	return &crashSub{Subscription: sub, c: c}, nil
}

type crashSub struct {
	eventstore.Subscription
	c *crashStore
}

func (s *crashSub) Next(ctx context.Context) (eventstore.RecordedEvent, error) {
	ev, err := s.Subscription.Next(ctx)
	if s.c.dead() {
		return eventstore.RecordedEvent{}, errCrashed
	}
	return ev, err
}

// outcomeByRef gives every payout reference a fixed, varied outcome.
func outcomeByRef(req payout.Request) outcome {
	sum := sha256.Sum256([]byte(req.Reference))
	return outcome(int(sum[0]) % int(numOutcomes))
}

// countExactlyOnce checks that no transfer was paid, settled or completed
// twice, and that every completed transfer was settled once.
func countExactlyOnce(t tb, base eventstore.Store, w *world) {
	t.Helper()
	settled := map[string]int{}
	for ev, err := range base.ReadAll(context.Background(), eventstore.ReadAllOptions{Filter: eventstore.EventTypePrefix(wallet.TypeSettled)}) {
		if err != nil {
			t.Fatal(err)
		}
		e, _ := wallet.Decode(ev.Type, ev.Data)
		settled[e.(wallet.Settled).TransferID]++
	}
	for _, id := range w.transfers {
		want := 0
		if w.status(id).Status == transfer.StatusCompleted {
			want = 1
		}
		if settled[id] != want {
			t.Fatalf("transfer %s settled %d times, want %d", id, settled[id], want)
		}
	}
}

// TestCrashInTheMiddle stops the process manager at random points (before
// or after an append is acknowledged), restarts it from its checkpoint with
// empty caches, and checks that every transfer still finishes exactly once.
func TestCrashInTheMiddle(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		w := newWorld(rt, outcomeByRef)
		for i := range 3 {
			w.addCustomer(fmt.Sprint("cus_", i), 600, []int64{0, 200, 0}[i])
		}
		for i := range rapid.IntRange(3, 10).Draw(rt, "transfers") {
			c := w.customers[i%3]
			r := mobile("John Kamau")
			if i%4 == 3 {
				r = cash("Amina Otieno")
			}
			v, err := w.e.request(c, rapid.Int64Range(5, 300).Draw(rt, "send"), r, fmt.Sprint("k", i))
			if err != nil {
				rt.Fatal(err)
			}
			w.transfers = append(w.transfers, v.ID)
		}
		crashes := 0
		for round := 0; ; round++ {
			if round > 300 {
				rt.Fatalf("not finished after %d rounds (%d crashes)", round, crashes)
			}
			cs := &crashStore{Store: w.base, left: rapid.IntRange(0, 25).Draw(rt, "appends before crash"), lostAck: rapid.Bool().Draw(rt, "lost ack")}
			w.e.store = command.NewCachingStore(cs, 0)
			m, err := process.New(process.Deps{Store: w.e.store, Clock: w.e.clock, Payouts: w.partner, Screener: screener, Codes: codes, Vault: vault}, propConfig)
			if err != nil {
				rt.Fatal(err)
			}
			w.m = m
			err = m.CatchUp(ctx)
			if err == nil {
				w.deliverCallbacksTolerant()
				if _, err = m.Reconcile(ctx); err == nil {
					err = m.CatchUp(ctx)
				}
			}
			if err != nil && !errors.Is(err, eventstore.ErrUnavailable) {
				rt.Fatalf("round %d: %v", round, err)
			}
			if cs.dead() {
				crashes++
			}
			// Agents pay pickups and compliance rejects holds, through the
			// healthy store.
			svc, _ := process.NewService(w.base, w.e.clock, nil, process.WithVault(vault))
			for _, id := range w.withStatus(transfer.StatusPickupReady) {
				if _, err := svc.LookupPickup(ctx, "agt_1", id, pickupCode(id)); err == nil {
					if _, err := svc.CompleteCashPickup(ctx, "agt_1", id, pickupCode(id), "passport", "P1"); err != nil {
						rt.Fatal(err)
					}
				}
			}
			for _, id := range w.withStatus(transfer.StatusHeld) {
				if _, err := svc.RejectTransfer(ctx, "alice", id, "confirmed"); err != nil {
					rt.Fatal(err)
				}
			}
			w.e.clock.Advance(20 * time.Minute)
			// Done when every transfer is final and the manager caught up
			// without crashing (the steps after a final event ran too).
			done := !cs.dead()
			for _, id := range w.transfers {
				if !w.status(id).Final() {
					done = false
				}
			}
			if done {
				break
			}
		}
		w.e.store = command.NewCachingStore(w.base, 0)
		w.check(rt)
		w.checkFinal(rt)
		countExactlyOnce(rt, w.base, w)
	})
}

// deliverCallbacksTolerant delivers partner callbacks, tolerating a crash.
func (w *world) deliverCallbacksTolerant() {
	for _, r := range w.partner.unreported() {
		err := w.m.HandlePayoutResult(context.Background(), r)
		if err == nil || isDomainErr(err) {
			w.partner.markReported(r.Reference)
		}
	}
}

// TestRunSurvivesCrashes runs the live, parallel process manager and kills
// it repeatedly mid-flight; after each restart from the checkpoint it
// resumes, and every transfer completes exactly once.
func TestRunSurvivesCrashes(t *testing.T) {
	w := newWorld(t, nil)
	w.addCustomer("cus_1", 100000, 0)
	w.addCustomer("cus_2", 100000, 0)
	for i := range 40 {
		v, err := w.e.request(w.customers[i%2], int64(10+i), mobile("John Kamau"), fmt.Sprint("k", i))
		if err != nil {
			t.Fatal(err)
		}
		w.transfers = append(w.transfers, v.ID)
	}
	ctx := context.Background()
	allDone := make(chan struct{})
	sub, err := w.base.SubscribeAll(ctx, eventstore.SubscribeOptions{Filter: eventstore.EventTypePrefix(transfer.TypeCompleted)})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	go func() {
		for range w.transfers {
			if _, err := sub.Next(ctx); err != nil {
				return
			}
		}
		close(allDone)
	}()
	for round := 0; ; round++ {
		if round > 200 {
			t.Fatal("transfers did not complete")
		}
		cs := &crashStore{Store: w.base, left: 7 + round%13, lostAck: round%2 == 0}
		store := command.NewCachingStore(cs, 0)
		m, err := process.New(process.Deps{Store: store, Clock: w.e.clock, Payouts: w.partner, Screener: screener, Codes: codes, Vault: vault},
			process.Config{Workers: 4, CheckpointEvery: 5})
		if err != nil {
			t.Fatal(err)
		}
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- m.Run(rctx) }()
		select {
		case err = <-done:
		case <-allDone:
			cancel()
			err = <-done
		}
		cancel()
		if !errors.Is(err, eventstore.ErrUnavailable) && !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v", err)
		}
		if len(w.withStatus(transfer.StatusCompleted)) == len(w.transfers) {
			break
		}
	}
	w.e.store = command.NewCachingStore(w.base, 0)
	w.check(t)
	w.checkFinal(t)
	countExactlyOnce(t, w.base, w)
}
