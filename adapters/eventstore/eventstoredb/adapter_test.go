package eventstoredb_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/remitflow/remitflow/adapters/eventstore/eventstoredb"
	"github.com/remitflow/remitflow/domain/eventstore"
)

// TestConcurrentCountersTwoClients runs two stores on separate connections
// to one server, each with two workers that read a counter stream, increment
// it and append with Exact(revision), retrying on conflict. No increment may
// be lost: the stream holds every value from 1 to the total exactly once.
func TestConcurrentCountersTwoClients(t *testing.T) {
	srv := startServer(t)
	checkConcurrentCounter(t, openStore(t, srv), openStore(t, srv))
}

// checkConcurrentCounter increments counter-1 from two workers on each
// store and checks that no update was lost.
func checkConcurrentCounter(t *testing.T, a, b eventstore.Store) {
	t.Helper()
	stores := []eventstore.Store{a, b}
	const workersPerStore, increments = 2, 15
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		conflicts int
	)
	errs := make(chan error, len(stores)*workersPerStore)
	for _, s := range stores {
		for range workersPerStore {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range increments {
					n, err := increment(t.Context(), s, "counter-1")
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					conflicts += n
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	const total = 2 * workersPerStore * increments
	var values []int
	for e, err := range stores[0].ReadStream(t.Context(), "counter-1", eventstore.ReadStreamOptions{}) {
		if err != nil {
			t.Fatalf("ReadStream: %v", err)
		}
		var body struct{ Count int }
		if err := json.Unmarshal(e.Data, &body); err != nil {
			t.Fatalf("event %d: %v", e.Revision, err)
		}
		values = append(values, body.Count)
	}
	if len(values) != total {
		t.Fatalf("counter stream has %d events, want %d", len(values), total)
	}
	for i, v := range values {
		if v != i+1 {
			t.Fatalf("event %d counts %d, want %d (lost or duplicated update)", i, v, i+1)
		}
	}
	t.Logf("%d increments, %d conflicts retried", total, conflicts)
}

// increment adds one to the counter stream with optimistic concurrency and
// returns how many conflicts it retried.
func increment(ctx context.Context, s eventstore.Store, stream string) (int, error) {
	for conflicts := 0; conflicts < 1000; conflicts++ {
		expected, count := eventstore.NoStream(), 0
		for e, err := range s.ReadStream(ctx, stream, eventstore.ReadStreamOptions{Direction: eventstore.Backwards, From: eventstore.EndRevision, MaxCount: 1}) {
			if errors.Is(err, eventstore.ErrStreamNotFound) {
				break
			}
			if err != nil {
				return conflicts, err
			}
			var body struct{ Count int }
			if err := json.Unmarshal(e.Data, &body); err != nil {
				return conflicts, err
			}
			expected, count = eventstore.Exact(e.Revision), body.Count
		}
		ev := eventstore.EventData{ID: uuid.New(), Type: "counter.incremented.v1", Data: fmt.Appendf(nil, `{"count":%d}`, count+1)}
		_, err := s.Append(ctx, stream, expected, ev)
		if errors.Is(err, eventstore.ErrWrongExpectedRevision) {
			continue
		}
		return conflicts, err
	}
	return 0, errors.New("increment: too many conflicts")
}

// rawClient connects the EventStoreDB client directly, for what the port
// cannot do (deleting streams).
func rawClient(t *testing.T, url string) *esdb.Client {
	t.Helper()
	conf, err := esdb.ParseConnectionString(url)
	if err != nil {
		t.Fatalf("ParseConnectionString: %v", err)
	}
	conf.Logger = func(esdb.LogLevel, string, ...any) {}
	c, err := esdb.NewClient(conf)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestSystemEventsHidden deletes and tombstones streams with the raw client,
// which writes $metadata and $streamDeleted events, and checks that reads
// and subscriptions do not show them.
func TestSystemEventsHidden(t *testing.T) {
	srv := startServer(t)
	s := openStore(t, srv)
	raw := rawClient(t, srv.URL())
	appendN(t, s, "acct-1", 2)
	appendN(t, s, "acct-2", 2)
	if _, err := raw.DeleteStream(t.Context(), "acct-1", esdb.DeleteStreamOptions{ExpectedRevision: esdb.Revision(1)}); err != nil {
		t.Fatalf("DeleteStream: %v", err)
	}
	if _, err := raw.TombstoneStream(t.Context(), "acct-2", esdb.TombstoneStreamOptions{ExpectedRevision: esdb.Any{}}); err != nil {
		t.Fatalf("TombstoneStream: %v", err)
	}
	later := appendN(t, s, "acct-3", 1)
	if got, want := srv.EventCount(), 7; got != want {
		t.Fatalf("server holds %d events, want %d (4 appended, $metadata, $streamDeleted, 1 more)", got, want)
	}

	for _, dir := range []eventstore.Direction{eventstore.Forwards, eventstore.Backwards} {
		after := eventstore.Start
		if dir == eventstore.Backwards {
			after = eventstore.End
		}
		n := 0
		for e, err := range s.ReadAll(t.Context(), eventstore.ReadAllOptions{Direction: dir, After: after}) {
			if err != nil {
				t.Fatalf("ReadAll(%v): %v", dir, err)
			}
			if strings.HasPrefix(e.Stream, "$") || strings.HasPrefix(e.Type, "$") {
				t.Errorf("ReadAll(%v) returned system event %s in %q", dir, e.Type, e.Stream)
			}
			n++
		}
		if n != 5 {
			t.Errorf("ReadAll(%v) = %d events, want 5", dir, n)
		}
	}
	sub, err := s.SubscribeAll(t.Context(), eventstore.SubscribeOptions{})
	if err != nil {
		t.Fatalf("SubscribeAll: %v", err)
	}
	defer sub.Close()
	var last eventstore.RecordedEvent
	for range 5 {
		last = next(t, sub)
		if strings.HasPrefix(last.Stream, "$") || strings.HasPrefix(last.Type, "$") {
			t.Errorf("subscription delivered system event %s in %q", last.Type, last.Stream)
		}
	}
	if last.ID != later[0] {
		t.Errorf("fifth delivered event = %s, want the last append %s", last.ID, later[0])
	}
	for _, err := range s.ReadStream(t.Context(), "acct-1", eventstore.ReadStreamOptions{}) {
		if !errors.Is(err, eventstore.ErrStreamNotFound) {
			t.Errorf("ReadStream of a deleted stream: error = %v, want ErrStreamNotFound", err)
		}
	}
	for _, err := range s.ReadStream(t.Context(), "acct-2", eventstore.ReadStreamOptions{}) {
		if err == nil || errors.Is(err, eventstore.ErrStreamNotFound) {
			t.Errorf("ReadStream of a tombstoned stream: error = %v, want a stream-deleted error", err)
		}
	}
	if _, err := s.Append(t.Context(), "acct-2", eventstore.Any(), event("acct.credited.v1", 1)); err == nil {
		t.Error("Append to a tombstoned stream succeeded")
	}
}

// TestOpen checks Open's errors and the masked configuration.
func TestOpen(t *testing.T) {
	srv := startServer(t)
	down := startServer(t)
	downURL := testConfig(down).URL
	if err := down.Stop(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		url     string
		wantErr error // nil: any error
	}{
		{"Empty", "", nil},
		{"BadScheme", "http://127.0.0.1:2113", nil},
		{"BadSetting", srv.URL() + "&nodePreference=nobody", nil},
		{"Unreachable", downURL, eventstore.ErrUnavailable},
	}
	for _, c := range cases {
		s, err := eventstoredb.Open(t.Context(), eventstoredb.Config{URL: c.url})
		if err == nil {
			_ = s.Close()
			t.Errorf("%s: Open(%q) succeeded, want an error", c.name, c.url)
			continue
		}
		if c.wantErr != nil && !errors.Is(err, c.wantErr) {
			t.Errorf("%s: Open(%q) error = %v, want %v", c.name, c.url, err, c.wantErr)
		}
		if c.wantErr == nil && errors.Is(err, eventstore.ErrUnavailable) {
			t.Errorf("%s: Open(%q) error = %v, want a configuration error", c.name, c.url, err)
		}
	}
	// SkipProbe opens without the server; calls then report it unavailable.
	s, err := eventstoredb.Open(t.Context(), eventstoredb.Config{URL: downURL, SkipProbe: true})
	if err != nil {
		t.Fatalf("Open with SkipProbe: %v", err)
	}
	defer s.Close()
	if _, err := s.Append(t.Context(), "acct-1", eventstore.Any(), event("acct.credited.v1", 1)); !errors.Is(err, eventstore.ErrUnavailable) {
		t.Errorf("Append with the server down: error = %v, want ErrUnavailable", err)
	}
}

func TestConfigStringMasksSecrets(t *testing.T) {
	cfg := eventstoredb.Config{URL: "esdb://admin:changeit@node1:2113,node2:2113?tlsVerifyCert=false", Password: "hunter2", Username: "ops"}
	got := cfg.String()
	for _, secret := range []string{"changeit", "hunter2"} {
		if strings.Contains(got, secret) {
			t.Errorf("Config.String() = %q, shows %q", got, secret)
		}
	}
	for _, keep := range []string{"admin", "node1:2113,node2:2113", "tlsVerifyCert=false", "ops"} {
		if !strings.Contains(got, keep) {
			t.Errorf("Config.String() = %q, lost %q", got, keep)
		}
	}
}

// TestOperationsAfterClose checks that a closed store refuses work.
func TestOperationsAfterClose(t *testing.T) {
	srv := startServer(t)
	s := openStore(t, srv)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := s.Append(t.Context(), "acct-1", eventstore.Any(), event("acct.credited.v1", 1)); !errors.Is(err, eventstore.ErrClosed) {
		t.Errorf("Append after Close: error = %v, want ErrClosed", err)
	}
	for _, err := range s.ReadStream(t.Context(), "acct-1", eventstore.ReadStreamOptions{}) {
		if !errors.Is(err, eventstore.ErrClosed) {
			t.Errorf("ReadStream after Close: error = %v, want ErrClosed", err)
		}
	}
	for _, err := range s.ReadAll(t.Context(), eventstore.ReadAllOptions{}) {
		if !errors.Is(err, eventstore.ErrClosed) {
			t.Errorf("ReadAll after Close: error = %v, want ErrClosed", err)
		}
	}
	if _, err := s.SubscribeAll(t.Context(), eventstore.SubscribeOptions{}); !errors.Is(err, eventstore.ErrClosed) {
		t.Errorf("SubscribeAll after Close: error = %v, want ErrClosed", err)
	}
	if err := s.Ping(t.Context()); !errors.Is(err, eventstore.ErrClosed) {
		t.Errorf("Ping after Close: error = %v, want ErrClosed", err)
	}
}
