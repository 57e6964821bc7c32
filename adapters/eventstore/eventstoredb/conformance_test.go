package eventstoredb_test

import (
	"testing"

	"github.com/remitflow/remitflow/adapters/eventstore/storetest"
	"github.com/remitflow/remitflow/domain/eventstore"
)

// TestConformance runs the port's conformance suite against the adapter
// through the protocol-level test server: a new, empty server per store.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) eventstore.Store {
		return openStore(t, startServer(t))
	})
}
