package eventstoredb_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/remitflow/remitflow/adapters/eventstore/eventstoredb"
	"github.com/remitflow/remitflow/domain/eventstore"
)

// next reads one event, failing the test on error.
func next(t *testing.T, sub eventstore.Subscription) eventstore.RecordedEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second) // hang guard, not a timing assertion
	defer cancel()
	e, err := sub.Next(ctx)
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	return e
}

// checkDelivery checks that got is exactly want, in order, with growing
// positions.
func checkDelivery(t *testing.T, got []eventstore.RecordedEvent, want []uuid.UUID) {
	t.Helper()
	ids := make([]uuid.UUID, len(got))
	for i, e := range got {
		ids[i] = e.ID
		if i > 0 && !got[i-1].Position.Less(e.Position) {
			t.Errorf("event %d at %v does not follow %v", i, e.Position, got[i-1].Position)
		}
	}
	if !slices.Equal(ids, want) {
		t.Fatalf("subscription delivered %d events, want the log's %d in order:\n got %v\nwant %v", len(ids), len(want), ids, want)
	}
}

// TestSubscriptionSurvivesRestart stops the server while a subscription is
// catching up, checks that appends fail with ErrUnavailable during the
// outage and succeed after the restart, and that the subscription resumes
// without gaps or duplicates.
func TestSubscriptionSurvivesRestart(t *testing.T) {
	srv := startServer(t)
	s := openStore(t, srv)
	appendN(t, s, "acct-1", 40)

	sub, err := s.SubscribeAll(t.Context(), eventstore.SubscribeOptions{})
	if err != nil {
		t.Fatalf("SubscribeAll: %v", err)
	}
	defer sub.Close()
	var got []eventstore.RecordedEvent
	for range 15 {
		got = append(got, next(t, sub))
	}

	if err := srv.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	during := event("acct.credited.v1", 99)
	for range 2 { // the first call meets the dead connection, the second a failed discovery
		_, err := s.Append(t.Context(), "acct-2", eventstore.NoStream(), during)
		if !errors.Is(err, eventstore.ErrUnavailable) {
			t.Fatalf("Append during the outage: error = %v, want ErrUnavailable", err)
		}
	}
	for _, err := range s.ReadStream(t.Context(), "acct-1", eventstore.ReadStreamOptions{}) {
		if !errors.Is(err, eventstore.ErrUnavailable) {
			t.Fatalf("ReadStream during the outage: error = %v, want ErrUnavailable", err)
		}
	}
	if err := srv.Restart(); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	// The append whose outcome was unknown is retried with the same ID.
	if _, err := s.Append(t.Context(), "acct-2", eventstore.NoStream(), during); err != nil {
		t.Fatalf("Append after the restart: %v", err)
	}
	appendN(t, s, "acct-3", 10)

	want := allIDs(t, s)
	for len(got) < len(want) {
		got = append(got, next(t, sub))
	}
	checkDelivery(t, got, want)
}

// TestLiveSubscriptionSurvivesRestarts stops and restarts the server twice
// while a reader waits for live events in another goroutine.
func TestLiveSubscriptionSurvivesRestarts(t *testing.T) {
	srv := startServer(t)
	s := openStore(t, srv)
	sub, err := s.SubscribeAll(t.Context(), eventstore.SubscribeOptions{Filter: eventstore.StreamPrefix("acct-")})
	if err != nil {
		t.Fatalf("SubscribeAll: %v", err)
	}
	defer sub.Close()
	delivered := make(chan eventstore.RecordedEvent)
	failed := make(chan error, 1)
	go func() {
		for {
			e, err := sub.Next(t.Context())
			if err != nil {
				failed <- err
				return
			}
			delivered <- e
		}
	}()
	var got []eventstore.RecordedEvent
	receive := func(n int) {
		t.Helper()
		for range n {
			select {
			case e := <-delivered:
				got = append(got, e)
			case err := <-failed:
				t.Fatalf("Next: %v", err)
			case <-time.After(30 * time.Second): // hang guard
				t.Fatalf("no event after %d", len(got))
			}
		}
	}
	for round := range 3 {
		appendN(t, s, "acct-1", 3)
		appendN(t, s, "other-1", 1) // filtered out
		receive(3)
		if round == 2 {
			break
		}
		if err := srv.Stop(); err != nil {
			t.Fatalf("Stop: %v", err)
		}
		if err := srv.Restart(); err != nil {
			t.Fatalf("Restart: %v", err)
		}
	}
	var want []uuid.UUID
	for e, err := range s.ReadAll(t.Context(), eventstore.ReadAllOptions{Filter: eventstore.StreamPrefix("acct-")}) {
		if err != nil {
			t.Fatalf("ReadAll: %v", err)
		}
		want = append(want, e.ID)
	}
	checkDelivery(t, got, want)
}

// TestSubscriptionReportsLongOutage checks that Next gives up with
// ErrUnavailable after the resubscribe window and works again once the
// server is back.
func TestSubscriptionReportsLongOutage(t *testing.T) {
	srv := startServer(t)
	cfg := testConfig(srv)
	cfg.ResubscribeWindow = 50 * time.Millisecond
	s, err := eventstoredb.Open(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	first := appendN(t, s, "acct-1", 1)
	sub, err := s.SubscribeAll(t.Context(), eventstore.SubscribeOptions{})
	if err != nil {
		t.Fatalf("SubscribeAll: %v", err)
	}
	defer sub.Close()
	got := []eventstore.RecordedEvent{next(t, sub)}
	if err := srv.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if _, err := sub.Next(t.Context()); !errors.Is(err, eventstore.ErrUnavailable) {
		t.Fatalf("Next during a long outage: error = %v, want ErrUnavailable", err)
	}
	if err := srv.Restart(); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	second := appendN(t, s, "acct-1", 1)
	got = append(got, next(t, sub))
	checkDelivery(t, got, append(first, second...))
}

// TestCloseDuringOutage checks that Close ends a subscription that is
// waiting for the server.
func TestCloseDuringOutage(t *testing.T) {
	srv := startServer(t)
	s := openStore(t, srv)
	sub, err := s.SubscribeAll(t.Context(), eventstore.SubscribeOptions{})
	if err != nil {
		t.Fatalf("SubscribeAll: %v", err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := sub.Next(t.Context())
		done <- err
	}()
	_ = s.Close()
	select {
	case err := <-done:
		if !errors.Is(err, eventstore.ErrClosed) {
			t.Errorf("Next after the store closed: error = %v, want ErrClosed", err)
		}
	case <-time.After(30 * time.Second): // hang guard
		t.Fatal("Next did not return after Close")
	}
	_ = sub.Close()
	_ = sub.Close()
}

// TestSubscribeFromEnd checks that eventstore.End means the end of the log
// when subscribing, also across a restart before the first live event.
func TestSubscribeFromEnd(t *testing.T) {
	srv := startServer(t)
	s := openStore(t, srv)
	appendN(t, s, "acct-1", 3)
	sub, err := s.SubscribeAll(t.Context(), eventstore.SubscribeOptions{After: eventstore.End})
	if err != nil {
		t.Fatalf("SubscribeAll(End): %v", err)
	}
	defer sub.Close()
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	live := appendN(t, s, "acct-2", 2)
	got := []eventstore.RecordedEvent{next(t, sub), next(t, sub)}
	checkDelivery(t, got, live)

	empty := openStore(t, startServer(t))
	sub2, err := empty.SubscribeAll(t.Context(), eventstore.SubscribeOptions{After: eventstore.End})
	if err != nil {
		t.Fatalf("SubscribeAll(End) on an empty log: %v", err)
	}
	defer sub2.Close()
	first := appendN(t, empty, "acct-1", 1)
	checkDelivery(t, []eventstore.RecordedEvent{next(t, sub2)}, first)
}

// TestConcurrentCallsDuringOutage runs appends, reads and a subscription at
// once while the server is down. The client can block a call for good when
// several calls meet a failed discovery; every caller must still return,
// with ErrUnavailable, and the store must work once the server is back.
func TestConcurrentCallsDuringOutage(t *testing.T) {
	srv := startServer(t)
	s := openStore(t, srv)
	appendN(t, s, "acct-1", 1)
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second) // hang guard
	defer cancel()
	const callers = 12
	errs := make(chan error, callers)
	for i := range callers {
		go func() {
			switch i % 3 {
			case 0:
				_, err := s.Append(ctx, "acct-2", eventstore.Any(), event("acct.credited.v1", i))
				errs <- err
			case 1:
				var err error
				for _, e := range s.ReadStream(ctx, "acct-1", eventstore.ReadStreamOptions{}) {
					err = e
					break
				}
				errs <- err
			default:
				var err error
				for _, e := range s.ReadAll(ctx, eventstore.ReadAllOptions{}) {
					err = e
					break
				}
				errs <- err
			}
		}()
	}
	for range callers {
		if err := <-errs; !errors.Is(err, eventstore.ErrUnavailable) {
			t.Errorf("call during the outage: error = %v, want ErrUnavailable", err)
		}
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	ids := appendN(t, s, "acct-3", 1)
	for e, err := range s.ReadStream(t.Context(), "acct-3", eventstore.ReadStreamOptions{}) {
		if err != nil || e.ID != ids[0] {
			t.Errorf("ReadStream after the outage = %v, %v", e.ID, err)
		}
	}
}
