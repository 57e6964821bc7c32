package eventstoredb_test

import (
	"testing"
	"time"

	"github.com/remitflow/remitflow/adapters/eventstore/eventstoredb"
	"github.com/remitflow/remitflow/adapters/eventstore/eventstoredb/esdbtest"
	"github.com/remitflow/remitflow/domain/eventstore"
)

// TestClusterFailover connects through gossip seeds to a three-node test
// cluster, stops the leader mid-subscription and elects another node: the
// store rediscovers the new leader, appends succeed, and the subscription
// resumes without gaps or duplicates. A second store finds the cluster with
// esdb+discover through a follower.
func TestClusterFailover(t *testing.T) {
	cl, err := esdbtest.StartCluster(3)
	if err != nil {
		t.Fatalf("StartCluster: %v", err)
	}
	t.Cleanup(func() { _ = cl.Close() })
	cfg := eventstoredb.Config{
		URL:        cl.SeedsURL() + "&maxDiscoverAttempts=3&discoveryInterval=20&nodePreference=leader",
		MinBackoff: 10 * time.Millisecond,
		MaxBackoff: 200 * time.Millisecond,
	}
	s, err := eventstoredb.Open(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Open(%s): %v", cfg, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	appendN(t, s, "acct-1", 10)
	sub, err := s.SubscribeAll(t.Context(), eventstore.SubscribeOptions{})
	if err != nil {
		t.Fatalf("SubscribeAll: %v", err)
	}
	defer sub.Close()
	var got []eventstore.RecordedEvent
	for range 5 {
		got = append(got, next(t, sub))
	}

	if err := cl.Node(0).Stop(); err != nil {
		t.Fatalf("Stop leader: %v", err)
	}
	cl.SetLeader(1)
	appendN(t, s, "acct-2", 5)

	d, err := eventstoredb.Open(t.Context(), eventstoredb.Config{URL: cl.DiscoverURL(2)})
	if err != nil {
		t.Fatalf("Open(%s): %v", cl.DiscoverURL(2), err)
	}
	defer d.Close()
	want := allIDs(t, d)
	if len(want) != 15 {
		t.Fatalf("store found through esdb+discover reads %d events, want 15", len(want))
	}
	for len(got) < len(want) {
		got = append(got, next(t, sub))
	}
	checkDelivery(t, got, want)
}
