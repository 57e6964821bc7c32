package esdbtest

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/gossip"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	"github.com/google/uuid"
)

// Cluster is a set of nodes that share one log and answer gossip with the
// same member list, one of them the leader. It exercises the client's
// cluster discovery (gossip seeds, esdb+discover) and fail-over: stop the
// leader, make another node leader, and clients rediscover it. Every node
// serves reads and writes (the log is shared), so the test cluster has no
// replication lag and no not-leader answers.
type Cluster struct {
	nodes  []*Server
	leader int
}

// StartCluster starts n nodes on free ports with node 0 as the leader.
func StartCluster(n int) (*Cluster, error) {
	if n < 1 {
		return nil, fmt.Errorf("esdbtest: a cluster needs at least one node, not %d", n)
	}
	c := &Cluster{}
	d := newData()
	for range n {
		s := &Server{data: d, cluster: c, id: uuid.New()}
		if err := s.listen("127.0.0.1:0"); err != nil {
			_ = c.Close()
			return nil, err
		}
		c.nodes = append(c.nodes, s)
	}
	return c, nil
}

// Node returns node i.
func (c *Cluster) Node(i int) *Server { return c.nodes[i] }

// Leader returns the index of the leader.
func (c *Cluster) Leader() int {
	c.nodes[0].mu.Lock()
	defer c.nodes[0].mu.Unlock()
	return c.leader
}

// SetLeader makes node i the leader in every node's gossip.
func (c *Cluster) SetLeader(i int) {
	c.nodes[0].mu.Lock()
	defer c.nodes[0].mu.Unlock()
	c.leader = i
}

// SeedsURL returns a connection string naming every node as a gossip seed:
// esdb://ADDR1,ADDR2,…?tls=false.
func (c *Cluster) SeedsURL() string {
	addrs := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		addrs[i] = n.Addr()
	}
	return "esdb://" + strings.Join(addrs, ",") + "?tls=false"
}

// DiscoverURL returns an esdb+discover connection string through node i,
// as a DNS name for the cluster would give.
func (c *Cluster) DiscoverURL(i int) string {
	return "esdb+discover://" + c.nodes[i].Addr() + "?tls=false"
}

// Close stops every node. It always returns nil.
func (c *Cluster) Close() error {
	for _, n := range c.nodes {
		_ = n.Close()
	}
	return nil
}

// gossipService implements event_store.client.gossip.Gossip.
type gossipService struct {
	gossip.UnimplementedGossipServer
	s *Server
}

// Read lists the cluster's members; a single node reports itself as leader.
func (g gossipService) Read(context.Context, *shared.Empty) (*gossip.ClusterInfo, error) {
	s := g.s
	s.mu.Lock()
	defer s.mu.Unlock()
	nodes, leader := []*Server{s}, 0
	if s.cluster != nil {
		nodes, leader = s.cluster.nodes, s.cluster.leader
	}
	info := &gossip.ClusterInfo{}
	for i, n := range nodes {
		host, portStr, err := net.SplitHostPort(n.addr)
		if err != nil {
			continue
		}
		port, _ := strconv.ParseUint(portStr, 10, 32)
		state := gossip.MemberInfo_Follower
		if i == leader {
			state = gossip.MemberInfo_Leader
		}
		info.Members = append(info.Members, &gossip.MemberInfo{
			InstanceId:   encodeUUID(n.id),
			State:        state,
			IsAlive:      n.running,
			HttpEndPoint: &gossip.EndPoint{Address: host, Port: uint32(port)},
		})
	}
	return info, nil
}
