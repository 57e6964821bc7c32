package eventstoredb_test

import (
	"os"
	"testing"

	"github.com/remitflow/remitflow/adapters/eventstore/eventstoredb"
	"github.com/remitflow/remitflow/adapters/eventstore/storetest"
	"github.com/remitflow/remitflow/domain/eventstore"
)

// esdbURLEnv names the variable that points the tests at a real EventStoreDB,
// e.g. REMITFLOW_ESDB_URL='esdb://localhost:2113?tls=false' or
// 'esdb://admin:changeit@node1:2113,node2:2113,node3:2113?tlsVerifyCert=false'.
const esdbURLEnv = "REMITFLOW_ESDB_URL"

// TestConformanceNamespaced runs the suite with every store sharing one test
// server, each in its own stream-name prefix: reads and subscriptions must
// stay correct with other tests' events around them. This is how the suite
// runs against a real database, so it also checks the namespacing itself.
func TestConformanceNamespaced(t *testing.T) {
	srv := startServer(t)
	storetest.Run(t, func(t *testing.T) eventstore.Store {
		return newNSStore(openStore(t, srv))
	})
}

// TestRealEventStoreDB runs the conformance suite and the two-client counter
// against the EventStoreDB named by REMITFLOW_ESDB_URL. Each store works in
// its own stream-name prefix, so the database need not be empty.
func TestRealEventStoreDB(t *testing.T) {
	url := os.Getenv(esdbURLEnv)
	if url == "" {
		t.Skip(esdbURLEnv + " is not set; set it to an EventStoreDB connection string (esdb://host:2113?tls=false) to run the suite against a real node or cluster")
	}
	open := func(t *testing.T) eventstore.Store {
		s, err := eventstoredb.Open(t.Context(), eventstoredb.Config{URL: url})
		if err != nil {
			t.Fatalf("Open(%s): %v", eventstoredb.Config{URL: url}, err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return newNSStore(s)
	}
	t.Run("Conformance", func(t *testing.T) { storetest.Run(t, open) })
	t.Run("Counter", func(t *testing.T) {
		a, b := open(t), open(t)
		// Both stores must share the stream: use the first one's namespace.
		nb := b.(*nsStore)
		nb.ns = a.(*nsStore).ns
		checkConcurrentCounter(t, a, b)
	})
}
