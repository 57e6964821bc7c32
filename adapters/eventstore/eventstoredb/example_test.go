package eventstoredb_test

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/remitflow/remitflow/adapters/eventstore/eventstoredb"
	"github.com/remitflow/remitflow/adapters/eventstore/eventstoredb/esdbtest"
	"github.com/remitflow/remitflow/domain/eventstore"
)

// Open connects with a connection string; here the test server stands in for
// EventStoreDB (a cluster would be esdb+discover://host:2113 or
// esdb://user:pass@node1:2113,node2:2113,node3:2113).
func ExampleOpen() {
	srv, err := esdbtest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	ctx := context.Background()
	store, err := eventstoredb.Open(ctx, eventstoredb.Config{URL: srv.URL()})
	if err != nil {
		panic(err)
	}
	defer store.Close()

	res, err := store.Append(ctx, "wallet-cus_1", eventstore.NoStream(), eventstore.EventData{
		ID:   uuid.New(),
		Type: "wallet.funded.v1",
		Data: []byte(`{"amount":{"value":"25.00","currency":"USD"}}`),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("next expected revision:", res.NextExpectedRevision)
	for e, err := range store.ReadStream(ctx, "wallet-cus_1", eventstore.ReadStreamOptions{}) {
		if err != nil {
			panic(err)
		}
		fmt.Println(e.Stream, e.Revision, e.Type)
	}
	// Output:
	// next expected revision: 0
	// wallet-cus_1 0 wallet.funded.v1
}
