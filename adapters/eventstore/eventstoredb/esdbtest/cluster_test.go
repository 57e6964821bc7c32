package esdbtest_test

import (
	"strconv"
	"testing"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/gossip"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/remitflow/remitflow/adapters/eventstore/eventstoredb/esdbtest"
)

// members reads node's gossip and returns each member's state and liveness
// by address.
func members(t *testing.T, addr string) map[string]gossip.MemberInfo_VNodeState {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("grpc.NewClient: %v", err)
	}
	defer conn.Close()
	info, err := gossip.NewGossipClient(conn).Read(t.Context(), &shared.Empty{})
	if err != nil {
		t.Fatalf("gossip Read from %s: %v", addr, err)
	}
	out := map[string]gossip.MemberInfo_VNodeState{}
	for _, m := range info.Members {
		state := m.State
		if !m.IsAlive {
			state = gossip.MemberInfo_Shutdown
		}
		out[m.HttpEndPoint.Address+":"+strconv.FormatUint(uint64(m.HttpEndPoint.Port), 10)] = state
	}
	return out
}

func TestClusterGossipAndSharedLog(t *testing.T) {
	cl, err := esdbtest.StartCluster(3)
	if err != nil {
		t.Fatalf("StartCluster: %v", err)
	}
	defer cl.Close()
	got := members(t, cl.Node(2).Addr())
	if len(got) != 3 || got[cl.Node(0).Addr()] != gossip.MemberInfo_Leader ||
		got[cl.Node(1).Addr()] != gossip.MemberInfo_Follower || got[cl.Node(2).Addr()] != gossip.MemberInfo_Follower {
		t.Errorf("gossip = %v, want node 0 leader and two followers", got)
	}
	c := connect(t, cl.SeedsURL())
	mustAppend(t, c, "order-1", esdb.NoStream{}, events(2)...)

	if err := cl.Node(0).Stop(); err != nil {
		t.Fatal(err)
	}
	cl.SetLeader(1)
	if cl.Leader() != 1 {
		t.Errorf("Leader() = %d, want 1", cl.Leader())
	}
	got = members(t, cl.Node(2).Addr())
	if got[cl.Node(0).Addr()] != gossip.MemberInfo_Shutdown || got[cl.Node(1).Addr()] != gossip.MemberInfo_Leader {
		t.Errorf("gossip after fail-over = %v, want node 0 down and node 1 leader", got)
	}
	// A client discovering through a follower reads what the old leader wrote.
	d := connect(t, cl.DiscoverURL(2))
	evs, err := readAll(d.ReadStream(t.Context(), "order-1", esdb.ReadStreamOptions{}, 10))
	if err != nil || len(evs) != 2 {
		t.Errorf("read through the new leader = %d events, %v; want 2", len(evs), err)
	}
	if _, err := esdbtest.StartCluster(0); err == nil {
		t.Error("StartCluster(0) succeeded")
	}
}

func TestSingleNodeDiscover(t *testing.T) {
	srv, _ := start(t)
	got := members(t, srv.Addr())
	if len(got) != 1 || got[srv.Addr()] != gossip.MemberInfo_Leader {
		t.Errorf("single node gossip = %v, want itself as leader", got)
	}
	c := connect(t, "esdb+discover://"+srv.Addr()+"?tls=false")
	mustAppend(t, c, "order-1", esdb.NoStream{}, events(1)...)
}
