package kafkarelay

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/remitflow/remitflow/domain/eventstore"
)

var testTopics = []string{"remitflow.transfer.v1", "remitflow.wallet.v1", "remitflow.customer.v1"}

func newCluster(t *testing.T, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatalf("kfake.NewCluster: %v", err)
	}
	return c
}

// readBack consumes topics from the start with franz-go until every ID in
// want was seen and every partition was read to its high watermark, and
// returns the records in per-partition offset order.
func readBack(t *testing.T, addrs []string, topics []string, want map[string]bool) []*kgo.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(addrs...),
		kgo.ConsumeTopics(topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(200*time.Millisecond),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	type tp struct {
		topic string
		part  int32
	}
	hwm := map[tp]int64{}
	next := map[tp]int64{}
	seen := map[string]bool{}
	var recs []*kgo.Record
	done := func() bool {
		for id := range want {
			if !seen[id] {
				return false
			}
		}
		for k, h := range hwm {
			if next[k] < h {
				return false
			}
		}
		return true
	}
	for !done() {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read back: saw %d of %d events before %v", len(seen), len(want), ctx.Err())
		}
		fs.EachError(func(topic string, p int32, err error) {
			t.Logf("fetch %s/%d: %v", topic, p, err)
		})
		fs.EachPartition(func(p kgo.FetchTopicPartition) {
			k := tp{p.Topic, p.Partition}
			hwm[k] = p.HighWatermark
			p.EachRecord(func(r *kgo.Record) {
				recs = append(recs, r)
				next[k] = r.Offset + 1
				for _, h := range r.Headers {
					if h.Key == HeaderID {
						seen[string(h.Value)] = true
					}
				}
			})
		})
	}
	return recs
}

func kgoHeaders(r *kgo.Record) map[string]string {
	m := map[string]string{}
	for _, h := range r.Headers {
		m[h.Key] = string(h.Value)
	}
	return m
}

// storeEvents returns the store's publishable events by ID.
func storeEvents(t *testing.T, store eventstore.Store) (map[string]eventstore.RecordedEvent, map[string]bool) {
	t.Helper()
	evs := map[string]eventstore.RecordedEvent{}
	ids := map[string]bool{}
	for ev, err := range store.ReadAll(t.Context(), eventstore.ReadAllOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(ev.Stream, CheckpointStreamPrefix) {
			continue
		}
		evs[ev.ID.String()] = ev
		ids[ev.ID.String()] = true
	}
	return evs, ids
}

// checkRecords checks completeness and per-key order of the first
// deliveries, and returns how often each ID appeared.
func checkRecords(t *testing.T, recs []*kgo.Record, evs map[string]eventstore.RecordedEvent) map[string]int {
	t.Helper()
	counts := map[string]int{}
	next := map[string]uint64{}
	keyPartition := map[string]string{}
	for _, r := range recs {
		h := kgoHeaders(r)
		id := h[HeaderID]
		ev, ok := evs[id]
		if !ok {
			t.Errorf("record %s/%d@%d has unknown ce_id %q", r.Topic, r.Partition, r.Offset, id)
			continue
		}
		counts[id]++
		if string(r.Key) != ev.Stream {
			t.Errorf("record key %q, want %q", r.Key, ev.Stream)
		}
		if want := DefaultTopicNamer.Topic(ev.Stream); r.Topic != want {
			t.Errorf("event of %s on topic %s, want %s", ev.Stream, r.Topic, want)
		}
		where := r.Topic + "/" + strconv.Itoa(int(r.Partition))
		if p, ok := keyPartition[ev.Stream]; ok && p != where {
			t.Errorf("stream %s in two partitions: %s and %s", ev.Stream, p, where)
		}
		keyPartition[ev.Stream] = where
		if counts[id] > 1 {
			continue
		}
		if ev.Revision != next[ev.Stream] {
			t.Errorf("stream %s: revision %d delivered first, want %d", ev.Stream, ev.Revision, next[ev.Stream])
		}
		next[ev.Stream] = ev.Revision + 1
	}
	for id, ev := range evs {
		if counts[id] == 0 {
			t.Errorf("event %s@%d (%s) missing from Kafka", ev.Stream, ev.Revision, id)
		}
	}
	return counts
}

// seedStore appends n events round-robin over streams.
func seedStore(t *testing.T, store eventstore.Store, streams []string, n int) eventstore.Position {
	t.Helper()
	var pos eventstore.Position
	for i := 0; i < n; i++ {
		s := streams[i%len(streams)]
		p, err := appendN(t.Context(), store, s, eventstore.Category(s)+".happened.v1", 1)
		if err != nil {
			t.Fatal(err)
		}
		pos = p
	}
	return pos
}

var testStreams = []string{
	"transfer-1", "transfer-2", "transfer-3", "wallet-cus_1", "wallet-cus_2",
	"wallet-cus_3", "customer-cus_1", "customer-cus_2", "transfer-4", "wallet-cus_4",
}

func kafkaRelayConfig(addrs []string) Config {
	return Config{
		Brokers:    addrs,
		BatchSize:  16,
		MinBackoff: 10 * time.Millisecond,
		MaxBackoff: 200 * time.Millisecond,
		Logger:     quietLogger(),
	}
}

func TestRelayToKafka(t *testing.T) {
	ctx := t.Context()
	cluster := newCluster(t, kfake.NumBrokers(3), kfake.SeedTopics(4, testTopics...))
	defer cluster.Close()
	store := newMemStore()
	seedStore(t, store, testStreams, 150)

	cp, _ := NewStoreCheckpointer(store, "main")
	r, err := New(store, cp, kafkaRelayConfig(cluster.ListenAddrs()))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	stop := startRelay(t, r)
	head := store.head(ctx)
	if err := r.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	// Live events after catch-up.
	head = seedStore(t, store, testStreams, 50)
	if err := r.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}

	evs, ids := storeEvents(t, store)
	recs := readBack(t, cluster.ListenAddrs(), testTopics, ids)
	counts := checkRecords(t, recs, evs)
	for id, n := range counts {
		if n != 1 {
			t.Errorf("event %s published %d times without any failure", id, n)
		}
	}
	if len(recs) != 200 {
		t.Errorf("read %d records, want 200", len(recs))
	}
	// Headers of one record in full.
	r0 := recs[0]
	h := kgoHeaders(r0)
	ev := evs[h[HeaderID]]
	want := map[string]string{
		HeaderSpecVersion: "1.0",
		HeaderID:          ev.ID.String(),
		HeaderType:        ev.Type,
		HeaderSource:      "remitflow",
		HeaderTime:        ev.RecordedAt.UTC().Format(time.RFC3339Nano),
		HeaderSubject:     ev.Stream,
		HeaderContentType: "application/json",
		HeaderPosition:    ev.Position.String(),
		HeaderRevision:    strconv.FormatUint(ev.Revision, 10),
		HeaderMetadata:    string(ev.Metadata),
	}
	for k, v := range want {
		if h[k] != v {
			t.Errorf("header %s = %q, want %q", k, h[k], v)
		}
	}
	if string(r0.Value) != string(ev.Data) {
		t.Errorf("value = %s, want %s", r0.Value, ev.Data)
	}
	// Kafka timestamps have millisecond precision; ce_time keeps it all.
	if want := ev.RecordedAt.Truncate(time.Millisecond); !r0.Timestamp.Equal(want) {
		t.Errorf("record timestamp %v, want recorded-at %v", r0.Timestamp, want)
	}
	// The checkpoint is at the head, and the checkpoint stream itself was
	// not published (checked by storeEvents/checkRecords: unknown IDs fail).
	if pos, err := cp.Load(ctx); err != nil || pos.Less(head) {
		t.Errorf("checkpoint = %v, %v; want at least %v", pos, err, head)
	}
}

func TestRelayAutoCreatesTopics(t *testing.T) {
	ctx := t.Context()
	cluster := newCluster(t, kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(2))
	defer cluster.Close()
	store := newMemStore()
	head := seedStore(t, store, []string{"agent-a1", "quote-q1"}, 10)
	cp, _ := NewStoreCheckpointer(store, "auto")
	cfg := kafkaRelayConfig(cluster.ListenAddrs())
	cfg.AllowAutoTopicCreation = true
	cfg.Topics = TopicNamer{Prefix: "test.", Suffix: ".v9"}
	r, err := New(store, cp, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	stop := startRelay(t, r)
	if err := r.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	stop()
	_, ids := storeEvents(t, store)
	recs := readBack(t, cluster.ListenAddrs(), []string{"test.agent.v9", "test.quote.v9"}, ids)
	if len(recs) != 10 {
		t.Errorf("read %d records from auto-created topics, want 10", len(recs))
	}
}

func TestCreateTopics(t *testing.T) {
	ctx := t.Context()
	cluster := newCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(1, "remitflow.transfer.v1"))
	defer cluster.Close()
	addrs := cluster.ListenAddrs()
	specs := []TopicSpec{{Name: "remitflow.transfer.v1", Partitions: 3, ReplicationFactor: 1}, {Name: "remitflow.agent.v1", Partitions: 6, ReplicationFactor: 1}}
	if err := CreateTopics(ctx, addrs, specs...); err != nil {
		t.Fatalf("CreateTopics = %v", err)
	}
	if err := CreateTopics(ctx, addrs, specs...); err != nil {
		t.Errorf("CreateTopics again = %v, want nil (existing topics are fine)", err)
	}
	conn, err := kafka.DialContext(ctx, "tcp", addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	parts, err := conn.ReadPartitions("remitflow.agent.v1")
	if err != nil || len(parts) != 6 {
		t.Errorf("remitflow.agent.v1 has %d partitions (%v), want 6", len(parts), err)
	}
	for _, bad := range [][]TopicSpec{{{Name: "bad topic", Partitions: 1, ReplicationFactor: 1}}, {{Name: "ok", Partitions: 0, ReplicationFactor: 1}}} {
		if err := CreateTopics(ctx, addrs, bad...); err == nil {
			t.Errorf("CreateTopics(%+v) = nil, want an error", bad)
		}
	}
	if err := CreateTopics(ctx, addrs, TopicSpec{Name: "x", Partitions: 1, ReplicationFactor: 5}); err == nil {
		t.Error("CreateTopics with replication factor above the broker count = nil, want an error")
	}
	if err := CreateTopics(ctx, nil, specs...); err == nil {
		t.Error("CreateTopics without brokers = nil, want an error")
	}
}

func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// TestRelaySurvivesBrokerOutage stops the whole cluster while the relay is
// publishing, appends more events during the outage, and brings a cluster
// back on the same ports and data directory.
func TestRelaySurvivesBrokerOutage(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	ports := freePorts(t, 3)
	opts := []kfake.Opt{kfake.NumBrokers(3), kfake.Ports(ports...), kfake.DataDir(dir), kfake.SyncWrites()}
	cluster := newCluster(t, append(opts, kfake.SeedTopics(4, testTopics...))...)
	addrs := cluster.ListenAddrs()

	store := newMemStore()
	seedStore(t, store, testStreams, 300)
	cp, _ := NewStoreCheckpointer(store, "main")
	cfg := kafkaRelayConfig(addrs)
	cfg.BatchSize = 10
	r, err := New(store, cp, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	stop := startRelay(t, r)

	// Let a few produce requests through, then pull the plug while the
	// relay is still working through the history.
	produced := make(chan struct{}, 1)
	var n int
	cluster.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		if n++; n == 40 {
			produced <- struct{}{}
		}
		return nil, nil, false
	})
	select {
	case <-produced:
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	}
	cluster.Close()
	acked := r.Stats().Position

	// Events keep coming while Kafka is down; the relay must fail and
	// retry, not skip.
	head := seedStore(t, store, testStreams, 100)
	for r.Stats().WriteErrors < 3 {
		select {
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if got := r.Stats().Position; got.Compare(head) >= 0 {
		t.Fatalf("relay reached %v with the cluster down", got)
	}
	if acked.Compare(eventstore.Position{Commit: 300, Prepare: 300}) >= 0 {
		t.Errorf("relay had published the whole history (%v) before the outage; the test wants it mid-stream", acked)
	}

	cluster = newCluster(t, opts...)
	defer cluster.Close()
	if err := r.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}

	evs, ids := storeEvents(t, store)
	recs := readBack(t, cluster.ListenAddrs(), testTopics, ids)
	counts := checkRecords(t, recs, evs)
	dups := 0
	for id, n := range counts {
		if n > 1 {
			dups++
			// Only the batch that was in flight when the cluster went down
			// may be published twice.
			if p := evs[id].Position; !acked.Less(p) {
				t.Errorf("event at %v (acknowledged before the outage, at %v) published %d times", p, acked, n)
			}
		}
	}
	if dups > cfg.BatchSize {
		t.Errorf("%d events duplicated, want at most one batch (%d)", dups, cfg.BatchSize)
	}
	t.Logf("outage at %v: %d write errors, %d records for %d events, %d duplicated", acked, r.Stats().WriteErrors, len(recs), len(evs), dups)
	if pos, err := cp.Load(ctx); err != nil || pos.Less(head) {
		t.Errorf("checkpoint after recovery = %v, %v; want at least %v", pos, err, head)
	}
}

// countProjection counts events per stream; it is fed either from the store
// or from Kafka and must end up the same. Like a real projection it keeps
// the last revision applied per stream, so a redelivered event is ignored
// and a gap or reordering is an error.
type countProjection struct {
	mu     sync.Mutex
	events map[string]int
	last   map[string]uint64
}

func newCountProjection() *countProjection {
	return &countProjection{events: map[string]int{}, last: map[string]uint64{}}
}

func (p *countProjection) Apply(ev eventstore.RecordedEvent) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	n, last := p.events[ev.Stream], p.last[ev.Stream]
	switch {
	case n > 0 && ev.Revision <= last:
		return nil // already applied
	case n == 0 && ev.Revision != 0, n > 0 && ev.Revision != last+1:
		return fmt.Errorf("stream %s: revision %d after %d events (last %d)", ev.Stream, ev.Revision, n, last)
	}
	p.events[ev.Stream]++
	p.last[ev.Stream] = ev.Revision
	return nil
}

func (p *countProjection) snapshot() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]int{}
	for k, v := range p.events {
		out[k] = v
	}
	return out
}

func (p *countProjection) total() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, v := range p.events {
		n += v
	}
	return n
}

func TestConsumerFeedsProjection(t *testing.T) {
	ctx := t.Context()
	cluster := newCluster(t, kfake.NumBrokers(3), kfake.SeedTopics(3, testTopics...))
	defer cluster.Close()
	addrs := cluster.ListenAddrs()
	store := newMemStore()
	seedStore(t, store, testStreams, 120)

	cp, _ := NewStoreCheckpointer(store, "main")
	r, err := New(store, cp, kafkaRelayConfig(addrs))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	stopRelay := startRelay(t, r)
	defer stopRelay()
	if err := r.WaitFor(ctx, store.head(ctx)); err != nil {
		t.Fatal(err)
	}

	// The relay's at-least-once duplicates: copy some records verbatim.
	evs, ids := storeEvents(t, store)
	recs := readBack(t, addrs, testTopics, ids)
	producer, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()
	copied := map[string]bool{}
	for _, rec := range recs[:20] {
		copied[kgoHeaders(rec)[HeaderID]] = true
		dup := &kgo.Record{Topic: rec.Topic, Partition: rec.Partition, Key: rec.Key, Value: rec.Value, Headers: rec.Headers}
		if err := producer.ProduceSync(ctx, dup).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}

	fromKafka := newCountProjection()
	handled := map[string]int{}
	var lastID string
	runConsumer := func(want int) {
		t.Helper()
		c, err := NewConsumer(ConsumerConfig{Brokers: addrs, GroupID: GroupProjections, Topics: testTopics, MaxWait: 100 * time.Millisecond, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithCancel(ctx)
		err = c.Run(cctx, func(ctx context.Context, ev Event) error {
			handled[ev.ID.String()]++
			lastID = ev.ID.String()
			if err := fromKafka.Apply(ev.RecordedEvent); err != nil {
				t.Errorf("projection: %v", err)
			}
			if fromKafka.total() >= want {
				cancel()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Consumer.Run = %v, want context.Canceled", err)
		}
		if err := c.Close(); err != nil {
			t.Errorf("Consumer.Close = %v", err)
		}
	}
	compare := func() {
		t.Helper()
		fromStore := newCountProjection()
		for ev, err := range store.ReadAll(ctx, eventstore.ReadAllOptions{}) {
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(ev.Stream, CheckpointStreamPrefix) {
				if err := fromStore.Apply(ev); err != nil {
					t.Fatal(err)
				}
			}
		}
		if got, want := fromKafka.snapshot(), fromStore.snapshot(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("projection from Kafka = %v\nfrom store = %v", got, want)
		}
	}
	runConsumer(len(evs))
	compare()
	for id, n := range handled {
		if n > 1 {
			t.Errorf("handler saw %s %d times despite dedupe", id, n)
		}
	}

	// A restarted member of the same group continues after the committed
	// offsets: only new events reach it, plus at most the last one handled
	// (the cancellation may have cut off its commit) and the copies the
	// first member never fetched (its LRU died with it: the projection's
	// own per-stream revision absorbs those).
	old, lastOld := handled, lastID
	handled = map[string]int{}
	head := seedStore(t, store, testStreams, 30)
	if err := r.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	runConsumer(len(evs) + 30)
	compare()
	for id := range handled {
		if old[id] > 0 && id != lastOld && !copied[id] {
			t.Errorf("restarted consumer handled %s again: its offset was committed", id)
		}
	}
}

func TestConsumerMalformedAndFailingHandler(t *testing.T) {
	ctx := t.Context()
	cluster := newCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(1, "remitflow.transfer.v1"))
	defer cluster.Close()
	addrs := cluster.ListenAddrs()
	producer, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.DefaultProduceTopic("remitflow.transfer.v1"))
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()
	good := Encode(sampleEvent(), "remitflow.transfer.v1", "remitflow")
	var hs []kgo.RecordHeader
	for _, h := range good.Headers {
		hs = append(hs, kgo.RecordHeader{Key: h.Key, Value: h.Value})
	}
	recs := []*kgo.Record{
		{Key: []byte("x"), Value: []byte("plain text, no headers")},
		{Key: good.Key, Value: good.Value, Headers: hs},
	}
	if err := producer.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}

	newC := func(group string, skip bool) *Consumer {
		c, err := NewConsumer(ConsumerConfig{
			Brokers: addrs, GroupID: group, Topics: []string{"remitflow.transfer.v1"}, SkipMalformed: skip,
			HandlerAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond, MaxWait: 100 * time.Millisecond, Logger: quietLogger(),
		})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	c := newC("strict", false)
	err = c.Run(ctx, func(context.Context, Event) error { return nil })
	c.Close()
	if !errors.Is(err, ErrMalformedMessage) {
		t.Errorf("Run over a malformed message = %v, want ErrMalformedMessage", err)
	}

	c = newC("lenient", true)
	calls := 0
	err = c.Run(ctx, func(_ context.Context, ev Event) error {
		calls++
		if ev.ID != sampleEvent().ID {
			t.Errorf("handler got %s, want the well-formed event", ev.ID)
		}
		return errInjected
	})
	c.Close()
	if !errors.Is(err, ErrHandler) || !errors.Is(err, errInjected) || calls != 3 {
		t.Errorf("Run with a failing handler = %v after %d calls, want ErrHandler wrapping the handler's error after 3", err, calls)
	}

	// Nothing was committed for the failed message: the group sees it again.
	c = newC("lenient", true)
	cctx, cancel := context.WithCancel(ctx)
	var got []string
	err = c.Run(cctx, func(_ context.Context, ev Event) error {
		got = append(got, ev.ID.String())
		cancel()
		return nil
	})
	c.Close()
	if !errors.Is(err, context.Canceled) || len(got) != 1 || got[0] != sampleEvent().ID.String() {
		t.Errorf("restarted lenient consumer: %v, handled %v; want the failed event again", err, got)
	}
}

func TestNewConsumerRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  ConsumerConfig
	}{
		{"no brokers", ConsumerConfig{GroupID: "g", Topics: []string{"t"}}},
		{"no group", ConsumerConfig{Brokers: []string{"k:9092"}, Topics: []string{"t"}}},
		{"no topics", ConsumerConfig{Brokers: []string{"k:9092"}, GroupID: "g"}},
		{"bad topic", ConsumerConfig{Brokers: []string{"k:9092"}, GroupID: "g", Topics: []string{"a b"}}},
	}
	for _, tt := range tests {
		if _, err := NewConsumer(tt.cfg); err == nil {
			t.Errorf("NewConsumer(%s) error = nil", tt.name)
		}
	}
}

var errInjected = errors.New("injected failure")
