package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/remitflow/remitflow/domain/eventstore"
)

// writeConcurrently appends perWriter events to each of writers streams
// named prefix+i, one goroutine per stream, in appends of one to three
// events with Exact revisions. It returns the IDs written per stream in
// order. Progress counts events written so far.
func writeConcurrently(t *testing.T, s eventstore.Store, prefix string, writers, perWriter int, progress *atomic.Int64) map[string][]uuid.UUID {
	t.Helper()
	var mu sync.Mutex
	out := map[string][]uuid.UUID{}
	var wg sync.WaitGroup
	for w := range writers {
		stream := fmt.Sprintf("%s%d", prefix, w)
		wg.Go(func() {
			exp := eventstore.NoStream()
			var mine []uuid.UUID
			for len(mine) < perWriter {
				k := min(1+len(mine)%3, perWriter-len(mine))
				events := newEvents("sub.tick.v1", k)
				res, err := s.Append(t.Context(), stream, exp, events...)
				if err != nil {
					t.Errorf("Append(%q, %v): %v", stream, exp, err)
					return
				}
				exp = eventstore.Exact(res.NextExpectedRevision)
				mine = append(mine, dataIDs(events)...)
				if progress != nil {
					progress.Add(int64(k))
				}
			}
			mu.Lock()
			out[stream] = mine
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// drain reads n events from sub.
func drain(t *testing.T, sub eventstore.Subscription, n int) []eventstore.RecordedEvent {
	t.Helper()
	ctx := hangCtx(t)
	out := make([]eventstore.RecordedEvent, 0, n)
	for len(out) < n {
		e, err := sub.Next(ctx)
		if err != nil {
			t.Fatalf("Next after %d of %d events: %v", len(out), n, err)
		}
		out = append(out, e)
	}
	return out
}

// checkDelivery checks that got is, in order, exactly the events of the log
// (as read by ReadAll with the same bound and filter).
func checkDelivery(t *testing.T, s eventstore.Store, got []eventstore.RecordedEvent, opts eventstore.SubscribeOptions, written map[string][]uuid.UUID) {
	t.Helper()
	seen := map[uuid.UUID]bool{}
	for i, e := range got {
		if seen[e.ID] {
			t.Fatalf("event %s delivered twice", e.ID)
		}
		seen[e.ID] = true
		if i > 0 && !got[i-1].Position.Less(e.Position) {
			t.Fatalf("delivery order: position %v then %v", got[i-1].Position, e.Position)
		}
		if !e.Position.Less(eventstore.End) || !opts.After.Less(e.Position) {
			t.Fatalf("delivered position %v is not after %v", e.Position, opts.After)
		}
	}
	want := readAll(t, s, eventstore.ReadAllOptions{After: opts.After, Filter: opts.Filter})
	if len(want) != len(got) {
		t.Fatalf("subscription delivered %d events, the log has %d after %v", len(got), len(want), opts.After)
	}
	for i := range want {
		if want[i].ID != got[i].ID || want[i].Position != got[i].Position {
			t.Fatalf("delivery %d = %s at %v, log has %s at %v", i, got[i].ID, got[i].Position, want[i].ID, want[i].Position)
		}
	}
	// Per stream, every written event arrives in order.
	perStream := map[string][]uuid.UUID{}
	for _, e := range got {
		perStream[e.Stream] = append(perStream[e.Stream], e.ID)
	}
	for stream, wrote := range written {
		if !opts.Filter.Matches(stream, "sub.tick.v1") {
			continue
		}
		if !equalIDs(perStream[stream], wrote) {
			t.Errorf("stream %s: delivered %d events, written %d (or out of order)", stream, len(perStream[stream]), len(wrote))
		}
	}
}

// expectOnly appends a sentinel and checks that it is the next delivery, so
// nothing was delivered twice or left over.
func expectOnly(t *testing.T, s eventstore.Store, sub eventstore.Subscription, stream string) {
	t.Helper()
	e := newEvent("sub.sentinel.v1", 0)
	mustAppend(t, s, stream, eventstore.Any(), e)
	got, err := sub.Next(hangCtx(t))
	if err != nil {
		t.Fatalf("Next for the sentinel: %v", err)
	}
	if got.ID != e.ID {
		t.Fatalf("after every expected event the subscription delivered %s (%s on %s), want the sentinel %s", got.ID, got.Type, got.Stream, e.ID)
	}
}

func subscribe(t *testing.T, s eventstore.Store, opts eventstore.SubscribeOptions) eventstore.Subscription {
	t.Helper()
	sub, err := s.SubscribeAll(t.Context(), opts)
	if err != nil {
		t.Fatalf("SubscribeAll(%+v): %v", opts, err)
	}
	t.Cleanup(func() { _ = sub.Close() })
	return sub
}

func testSubscribe(t *testing.T, open Opener) {
	const writers, perWriter = 6, 60
	total := writers * perWriter

	t.Run("BeforeWrites", func(t *testing.T) {
		s := openStore(t, open)
		sub := subscribe(t, s, eventstore.SubscribeOptions{})
		var got []eventstore.RecordedEvent
		done := make(chan struct{})
		go func() { defer close(done); got = drain(t, sub, total) }()
		written := writeConcurrently(t, s, "sub-", writers, perWriter, nil)
		<-done
		if t.Failed() {
			return
		}
		checkDelivery(t, s, got, eventstore.SubscribeOptions{}, written)
		expectOnly(t, s, sub, "sub-x")
	})
	t.Run("DuringWrites", func(t *testing.T) {
		s := openStore(t, open)
		var progress atomic.Int64
		var written map[string][]uuid.UUID
		done := make(chan struct{})
		go func() { defer close(done); written = writeConcurrently(t, s, "sub-", writers, perWriter, &progress) }()
		for progress.Load() < int64(total/4) {
			time.Sleep(time.Millisecond)
		}
		sub := subscribe(t, s, eventstore.SubscribeOptions{})
		got := drain(t, sub, total)
		<-done
		checkDelivery(t, s, got, eventstore.SubscribeOptions{}, written)
		expectOnly(t, s, sub, "sub-x")
	})
	t.Run("AfterWrites", func(t *testing.T) {
		s := openStore(t, open)
		written := writeConcurrently(t, s, "sub-", writers, perWriter, nil)
		sub := subscribe(t, s, eventstore.SubscribeOptions{})
		got := drain(t, sub, total)
		checkDelivery(t, s, got, eventstore.SubscribeOptions{}, written)
		expectOnly(t, s, sub, "sub-x")

		// From the middle: only later events, the bound is exclusive.
		opts := eventstore.SubscribeOptions{After: got[total/2].Position}
		mid := subscribe(t, s, opts)
		rest := drain(t, mid, total-total/2-1+1) // the later events plus the sentinel
		checkDelivery(t, s, rest, opts, nil)
		if rest[0].ID != got[total/2+1].ID {
			t.Errorf("subscription after %v started with %s, want %s", opts.After, rest[0].ID, got[total/2+1].ID)
		}
	})
	t.Run("FromEndThenLive", func(t *testing.T) {
		s := openStore(t, open)
		res := mustAppend(t, s, "sub-0", eventstore.NoStream(), newEvents("sub.tick.v1", 5)...)
		opts := eventstore.SubscribeOptions{After: res.Position}
		sub := subscribe(t, s, opts)
		written := writeConcurrently(t, s, "live-", 3, 20, nil)
		got := drain(t, sub, 60)
		checkDelivery(t, s, got, opts, written)
	})
	t.Run("Filters", func(t *testing.T) {
		s := openStore(t, open)
		streamOpts := eventstore.SubscribeOptions{Filter: eventstore.StreamPrefix("sub-a")}
		typeOpts := eventstore.SubscribeOptions{Filter: eventstore.EventTypePrefix("sub.sentinel")}
		byStream := subscribe(t, s, streamOpts)
		byType := subscribe(t, s, typeOpts)
		var wg sync.WaitGroup
		var wa, wb map[string][]uuid.UUID
		wg.Go(func() { wa = writeConcurrently(t, s, "sub-a", 3, 40, nil) })
		wg.Go(func() { wb = writeConcurrently(t, s, "sub-b", 3, 40, nil) })
		wg.Wait()
		for k, v := range wb {
			wa[k] = v
		}
		got := drain(t, byStream, 120)
		checkDelivery(t, s, got, streamOpts, wa)
		for _, e := range got {
			if e.Stream[:5] != "sub-a" {
				t.Fatalf("stream-prefix subscription delivered %s from %s", e.ID, e.Stream)
			}
		}
		// Only the sentinel matches the type filter.
		expectOnly(t, s, byType, "sub-b9")
		expectOnly(t, s, byStream, "sub-a9")
	})
	t.Run("SlowReader", func(t *testing.T) {
		s := openStore(t, open)
		sub := subscribe(t, s, eventstore.SubscribeOptions{})
		var wg sync.WaitGroup
		var written map[string][]uuid.UUID
		wg.Go(func() { written = writeConcurrently(t, s, "sub-", writers, perWriter, nil) })
		first := drain(t, sub, 1)
		wg.Wait() // writers finish while the reader holds back: appends never wait for readers
		var got []eventstore.RecordedEvent
		got = append(got, first...)
		for len(got) < total {
			got = append(got, drain(t, sub, min(25, total-len(got)))...)
			time.Sleep(time.Millisecond) // a slow reader
		}
		checkDelivery(t, s, got, eventstore.SubscribeOptions{}, written)
		expectOnly(t, s, sub, "sub-x")
	})
	t.Run("CloseEndsNext", func(t *testing.T) {
		s := openStore(t, open)
		mustAppend(t, s, "sub-0", eventstore.NoStream(), newEvent("sub.tick.v1", 0))
		sub := subscribe(t, s, eventstore.SubscribeOptions{})
		drain(t, sub, 1)
		errc := make(chan error, 1)
		go func() { _, err := sub.Next(hangCtx(t)); errc <- err }()
		time.Sleep(10 * time.Millisecond) // let Next block (the result is the same if it has not yet)
		if err := sub.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := <-errc; !errors.Is(err, eventstore.ErrClosed) {
			t.Errorf("blocked Next after Close = %v, want ErrClosed", err)
		}
		if _, err := sub.Next(t.Context()); !errors.Is(err, eventstore.ErrClosed) {
			t.Errorf("Next after Close = %v, want ErrClosed", err)
		}
		if err := sub.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	})
	t.Run("NextContext", func(t *testing.T) {
		s := openStore(t, open)
		sub := subscribe(t, s, eventstore.SubscribeOptions{})
		ctx, cancel := context.WithCancel(t.Context())
		errc := make(chan error, 1)
		go func() { _, err := sub.Next(ctx); errc <- err }()
		time.Sleep(10 * time.Millisecond)
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Errorf("Next with a cancelled context = %v, want context.Canceled", err)
		}
		// The subscription still works with a live context.
		mustAppend(t, s, "sub-0", eventstore.NoStream(), newEvent("sub.tick.v1", 0))
		if got := drain(t, sub, 1); got[0].Stream != "sub-0" {
			t.Errorf("Next after a cancelled Next delivered %s", got[0].Stream)
		}
	})
	t.Run("SubscriptionContext", func(t *testing.T) {
		s := openStore(t, open)
		ctx, cancel := context.WithCancel(t.Context())
		sub, err := s.SubscribeAll(ctx, eventstore.SubscribeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		errc := make(chan error, 1)
		go func() { _, err := sub.Next(hangCtx(t)); errc <- err }()
		time.Sleep(10 * time.Millisecond)
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Errorf("Next after the subscription's context ended = %v, want context.Canceled", err)
		}
	})
}
