package eventstoredb_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/remitflow/remitflow/adapters/eventstore/eventstoredb"
	"github.com/remitflow/remitflow/adapters/eventstore/eventstoredb/esdbtest"
	"github.com/remitflow/remitflow/domain/eventstore"
)

// startServer starts a protocol-level test server, stopped when the test ends.
func startServer(t testing.TB) *esdbtest.Server {
	t.Helper()
	srv, err := esdbtest.Start()
	if err != nil {
		t.Fatalf("esdbtest.Start: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// testConfig is the adapter configuration used against the test server:
// short discovery and backoff so that outages are noticed quickly.
func testConfig(srv *esdbtest.Server) eventstoredb.Config {
	return eventstoredb.Config{
		URL:               srv.URL() + "&maxDiscoverAttempts=2&discoveryInterval=20",
		MinBackoff:        10 * time.Millisecond,
		MaxBackoff:        200 * time.Millisecond,
		ResubscribeWindow: 20 * time.Second,
		ReadPageSize:      7, // small pages exercise paging and boundary skipping
	}
}

// openStore opens the adapter on srv, closed when the test ends.
func openStore(t testing.TB, srv *esdbtest.Server) *eventstoredb.Store {
	t.Helper()
	s, err := eventstoredb.Open(t.Context(), testConfig(srv))
	if err != nil {
		t.Fatalf("Open(%s): %v", srv.URL(), err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// event returns a valid event whose data carries n.
func event(typ string, n int) eventstore.EventData {
	return eventstore.EventData{
		ID:       uuid.New(),
		Type:     typ,
		Data:     fmt.Appendf(nil, `{"n":%d}`, n),
		Metadata: []byte(`{"actor":"test"}`),
	}
}

// appendN appends n single-event batches to stream and returns their IDs.
func appendN(t testing.TB, s eventstore.Store, stream string, n int) []uuid.UUID {
	t.Helper()
	ids := make([]uuid.UUID, n)
	for i := range n {
		e := event("acct.credited.v1", i)
		if _, err := s.Append(t.Context(), stream, eventstore.Any(), e); err != nil {
			t.Fatalf("Append(%q, event %d): %v", stream, i, err)
		}
		ids[i] = e.ID
	}
	return ids
}

// allIDs reads the whole log forwards.
func allIDs(t testing.TB, s eventstore.Store) []uuid.UUID {
	t.Helper()
	var ids []uuid.UUID
	for e, err := range s.ReadAll(t.Context(), eventstore.ReadAllOptions{}) {
		if err != nil {
			t.Fatalf("ReadAll: %v", err)
		}
		ids = append(ids, e.ID)
	}
	return ids
}
