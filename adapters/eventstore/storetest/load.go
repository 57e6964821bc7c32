package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/remitflow/remitflow/domain/eventstore"
)

// largeEvent returns an event whose data is a JSON string of about size bytes.
func largeEvent(n, size int) eventstore.EventData {
	e := newEvent("blob.stored.v1", n)
	body := make([]byte, size)
	body[0], body[size-1] = '"', '"'
	for i := 1; i < size-1; i++ {
		body[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[(i*7+n)%36]
	}
	e.Data = body
	return e
}

func testLargeEvents(t *testing.T, open Opener) {
	s := openStore(t, open)
	const size = 900 << 10
	batch := []eventstore.EventData{largeEvent(0, size), largeEvent(1, size), largeEvent(2, size)}
	mustAppend(t, s, "blob-1", eventstore.NoStream(), batch...)
	single := largeEvent(3, size)
	mustAppend(t, s, "blob-2", eventstore.NoStream(), single)
	mustAppend(t, s, "blob-1", eventstore.Exact(2), newEvent("blob.small.v1", 4))
	want := append(batch, single)

	got := readStream(t, s, "blob-1", eventstore.ReadStreamOptions{})
	if len(got) != 4 {
		t.Fatalf("ReadStream(blob-1) = %d events, want 4", len(got))
	}
	for i := range 3 {
		assertSame(t, got[i], batch[i], "blob-1", uint64(i))
	}
	all := readAll(t, s, eventstore.ReadAllOptions{Filter: eventstore.EventTypePrefix("blob.stored")})
	if len(all) != 4 {
		t.Fatalf("ReadAll(blob.stored) = %d events, want 4", len(all))
	}
	for i, e := range all {
		if e.ID != want[i].ID || !bytes.Equal(e.Data, want[i].Data) {
			t.Errorf("ReadAll event %d: ID %s, %d bytes; want %s, %d bytes", i, e.ID, len(e.Data), want[i].ID, len(want[i].Data))
		}
	}
	sub := subscribe(t, s, eventstore.SubscribeOptions{})
	for i, e := range drain(t, sub, 5) {
		if i == 3 && !bytes.Equal(e.Data, single.Data) {
			t.Errorf("subscription delivered %d bytes for the fourth event, want %d", len(e.Data), len(single.Data))
		}
	}
}

func testManyStreams(t *testing.T, open Opener) {
	s := openStore(t, open)
	const streams, workers = 3000, 24
	var next atomic.Int64
	var wg sync.WaitGroup
	wrote := make([][]uuid.UUID, streams)
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= streams || t.Failed() {
					return
				}
				events := newEvents("many.v1", 1+i%2)
				res, err := s.Append(t.Context(), fmt.Sprintf("many-%d", i), eventstore.NoStream(), events...)
				if err != nil {
					t.Errorf("Append(many-%d): %v", i, err)
					return
				}
				if res.NextExpectedRevision != uint64(len(events)-1) {
					t.Errorf("Append(many-%d) NextExpectedRevision = %d, want %d", i, res.NextExpectedRevision, len(events)-1)
				}
				wrote[i] = dataIDs(events)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	total := 0
	for i := range streams {
		got := readStream(t, s, fmt.Sprintf("many-%d", i), eventstore.ReadStreamOptions{})
		if !equalIDs(ids(got), wrote[i]) {
			t.Fatalf("ReadStream(many-%d) = %v, want %v", i, ids(got), wrote[i])
		}
		total += len(wrote[i])
	}
	assertAllCount(t, s, total)
	// many-7, many-70…79, many-700…799: 1 + 10 + 100 streams.
	filtered := readAll(t, s, eventstore.ReadAllOptions{Filter: eventstore.StreamPrefix("many-7")})
	want := 0
	for i := range streams {
		if strings.HasPrefix(fmt.Sprintf("many-%d", i), "many-7") {
			want += len(wrote[i])
		}
	}
	if len(filtered) != want {
		t.Errorf("ReadAll(StreamPrefix many-7) = %d events, want %d", len(filtered), want)
	}
}

func testConcurrentExact(t *testing.T, open Opener) {
	s := openStore(t, open)
	const rounds, racers = 15, 8
	mustAppend(t, s, "race-1", eventstore.NoStream(), newEvent("race.started.v1", 0))
	winners := make([]uuid.UUID, 0, rounds)
	for r := range uint64(rounds) {
		var wins atomic.Int32
		var winner atomic.Value
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range racers {
			wg.Go(func() {
				e := newEvent("race.step.v1", int(r))
				<-start
				res, err := s.Append(t.Context(), "race-1", eventstore.Exact(r), e)
				switch {
				case err == nil:
					wins.Add(1)
					winner.Store(e.ID)
					if res.NextExpectedRevision != r+1 {
						t.Errorf("round %d: winner got NextExpectedRevision %d", r, res.NextExpectedRevision)
					}
				default:
					var w *eventstore.WrongExpectedRevisionError
					if !errors.As(err, &w) || w.Actual != r+1 || !w.ActualExists {
						t.Errorf("round %d: loser error = %v, want wrong expected revision with actual %d", r, err, r+1)
					}
				}
			})
		}
		close(start)
		wg.Wait()
		if n := wins.Load(); n != 1 {
			t.Fatalf("round %d: %d of %d Exact(%d) appends succeeded, want exactly 1", r, n, racers, r)
		}
		winners = append(winners, winner.Load().(uuid.UUID))
	}
	got := readStream(t, s, "race-1", eventstore.ReadStreamOptions{From: 1})
	if !equalIDs(ids(got), winners) {
		t.Errorf("stream holds %v, want the winners %v", ids(got), winners)
	}
}

func testCancellation(t *testing.T, open Opener) {
	s := openStore(t, open)
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()

	if _, err := s.Append(cancelled, "cancel-1", eventstore.NoStream(), newEvent("c.v1", 0)); !errors.Is(err, context.Canceled) {
		t.Errorf("Append(cancelled ctx) error = %v, want context.Canceled", err)
	}
	assertStreamMissing(t, s, "cancel-1")
	assertAllCount(t, s, 0)

	const n = 2000
	mustAppend(t, s, "cancel-2", eventstore.NoStream(), newEvents("c.v1", n/2)...)
	mustAppend(t, s, "cancel-2", eventstore.Exact(n/2-1), newEvents("c.v1", n/2)...)

	if _, err := collect(s.ReadStream(cancelled, "cancel-2", eventstore.ReadStreamOptions{})); !errors.Is(err, context.Canceled) {
		t.Errorf("ReadStream(cancelled ctx) error = %v, want context.Canceled", err)
	}
	if _, err := collect(s.ReadAll(cancelled, eventstore.ReadAllOptions{})); !errors.Is(err, context.Canceled) {
		t.Errorf("ReadAll(cancelled ctx) error = %v, want context.Canceled", err)
	}
	if sub, err := s.SubscribeAll(cancelled, eventstore.SubscribeOptions{}); err == nil {
		_, err = sub.Next(t.Context())
		_ = sub.Close()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Next on a subscription with a cancelled context = %v, want context.Canceled", err)
		}
	} else if !errors.Is(err, context.Canceled) {
		t.Errorf("SubscribeAll(cancelled ctx) error = %v, want context.Canceled", err)
	}

	// Cancelling in the middle of a read ends it with the context's error.
	for name, read := range map[string]func(ctx context.Context) func(func(eventstore.RecordedEvent, error) bool){
		"ReadAll": func(ctx context.Context) func(func(eventstore.RecordedEvent, error) bool) {
			return s.ReadAll(ctx, eventstore.ReadAllOptions{})
		},
		"ReadStream": func(ctx context.Context) func(func(eventstore.RecordedEvent, error) bool) {
			return s.ReadStream(ctx, "cancel-2", eventstore.ReadStreamOptions{})
		},
	} {
		ctx, cancel := context.WithCancel(t.Context())
		events := 0
		var last error
		for _, err := range read(ctx) {
			if err != nil {
				last = err
				break
			}
			events++
			if events == 1 {
				cancel()
			}
		}
		cancel()
		if !errors.Is(last, context.Canceled) || events >= n {
			t.Errorf("%s cancelled after the first event: read %d events then %v; want fewer than %d then context.Canceled", name, events, last, n)
		}
	}
}

func testClose(t *testing.T, open Opener) {
	s := open(t)
	mustAppend(t, s, "close-1", eventstore.NoStream(), newEvent("c.v1", 0))
	sub, err := s.SubscribeAll(t.Context(), eventstore.SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	drain(t, sub, 1)
	errc := make(chan error, 1)
	go func() { _, err := sub.Next(hangCtx(t)); errc <- err }()

	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := <-errc; !errors.Is(err, eventstore.ErrClosed) {
		t.Errorf("Next blocked across the store's Close = %v, want ErrClosed", err)
	}
	_ = sub.Close()
	if _, err := s.Append(t.Context(), "close-1", eventstore.Any(), newEvent("c.v1", 1)); !errors.Is(err, eventstore.ErrClosed) {
		t.Errorf("Append after Close = %v, want ErrClosed", err)
	}
	if _, err := collect(s.ReadAll(t.Context(), eventstore.ReadAllOptions{})); !errors.Is(err, eventstore.ErrClosed) {
		t.Errorf("ReadAll after Close = %v, want ErrClosed", err)
	}
	if _, err := collect(s.ReadStream(t.Context(), "close-1", eventstore.ReadStreamOptions{})); !errors.Is(err, eventstore.ErrClosed) {
		t.Errorf("ReadStream after Close = %v, want ErrClosed", err)
	}
	if sub, err := s.SubscribeAll(t.Context(), eventstore.SubscribeOptions{}); err == nil {
		_, err = sub.Next(t.Context())
		if !errors.Is(err, eventstore.ErrClosed) {
			t.Errorf("Next on a subscription opened after Close = %v, want ErrClosed", err)
		}
	} else if !errors.Is(err, eventstore.ErrClosed) {
		t.Errorf("SubscribeAll after Close = %v, want ErrClosed", err)
	}
}
