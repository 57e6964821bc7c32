package kafkarelay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/segmentio/kafka-go"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/eventstore"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func sampleEvent() eventstore.RecordedEvent {
	return eventstore.RecordedEvent{
		ID:         uuid.MustParse("0f8fad5b-d9cb-469f-a165-70867728950e"),
		Stream:     "transfer-7f3c",
		Type:       "transfer.requested.v1",
		Revision:   3,
		Position:   eventstore.Position{Commit: 42, Prepare: 41},
		Data:       []byte(`{"amount":{"value":"12.50","currency":"USD"}}`),
		Metadata:   []byte(`{"correlation_id":"req-1","occurred_at":"2026-01-01T00:00:00Z"}`),
		RecordedAt: time.Date(2026, 3, 4, 5, 6, 7, 891000000, time.UTC),
	}
}

func TestEncodeHeaders(t *testing.T) {
	m := Encode(sampleEvent(), "remitflow.transfer.v1", "remitflow")
	got := map[string]string{}
	for _, h := range m.Headers {
		got[h.Key] = string(h.Value)
	}
	want := map[string]string{
		"ce_specversion":     "1.0",
		"ce_id":              "0f8fad5b-d9cb-469f-a165-70867728950e",
		"ce_type":            "transfer.requested.v1",
		"ce_source":          "remitflow",
		"ce_time":            "2026-03-04T05:06:07.891Z",
		"ce_subject":         "transfer-7f3c",
		"content-type":       "application/json",
		"remitflow_position": "42:41",
		"remitflow_revision": "3",
		"remitflow_metadata": `{"correlation_id":"req-1","occurred_at":"2026-01-01T00:00:00Z"}`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Encode headers = %v\nwant %v", got, want)
	}
	if string(m.Key) != "transfer-7f3c" || m.Topic != "remitflow.transfer.v1" || string(m.Value) != string(sampleEvent().Data) {
		t.Errorf("Encode = key %q topic %q value %s", m.Key, m.Topic, m.Value)
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	ev := sampleEvent()
	m := Encode(ev, "remitflow.transfer.v1", "remitflow")
	m.Partition, m.Offset = 2, 17
	got, err := Decode(m)
	if err != nil {
		t.Fatalf("Decode(Encode(ev)) error = %v", err)
	}
	want := Event{RecordedEvent: ev, Source: "remitflow", Topic: "remitflow.transfer.v1", Partition: 2, Offset: 17}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Decode(Encode(ev)) = %+v\nwant %+v", got, want)
	}

	ev.Metadata = nil
	got, err = Decode(Encode(ev, "t", "s"))
	if err != nil || got.Metadata != nil {
		t.Errorf("Decode without metadata = %q, %v; want nil metadata, no error", got.Metadata, err)
	}
}

func TestDecodeRejectsMalformed(t *testing.T) {
	set := func(k, v string) func(*kafka.Message) {
		return func(m *kafka.Message) {
			for i := range m.Headers {
				if m.Headers[i].Key == k {
					m.Headers[i].Value = []byte(v)
				}
			}
		}
	}
	drop := func(k string) func(*kafka.Message) {
		return func(m *kafka.Message) {
			var hs []kafka.Header
			for _, h := range m.Headers {
				if h.Key != k {
					hs = append(hs, h)
				}
			}
			m.Headers = hs
		}
	}
	tests := []struct {
		name   string
		change func(*kafka.Message)
		want   string
	}{
		{"no ce_id", drop(HeaderID), "missing header ce_id"},
		{"no ce_type", drop(HeaderType), "missing header ce_type"},
		{"no ce_subject", drop(HeaderSubject), "missing header ce_subject"},
		{"no specversion", drop(HeaderSpecVersion), "missing header ce_specversion"},
		{"no position", drop(HeaderPosition), "missing header remitflow_position"},
		{"specversion 0.3", set(HeaderSpecVersion, "0.3"), "ce_specversion"},
		{"id not uuid", set(HeaderID, "abc"), "not a UUID"},
		{"nil uuid", set(HeaderID, uuid.Nil.String()), "not a UUID"},
		{"bad time", set(HeaderTime, "yesterday"), "not RFC 3339"},
		{"bad position", set(HeaderPosition, "x:y"), "not a position"},
		{"bad revision", set(HeaderRevision, "-1"), "not a revision"},
		{"xml content", set(HeaderContentType, "application/xml"), "content-type"},
		{"bad metadata", set(HeaderMetadata, "{"), "remitflow_metadata is not JSON"},
		{"value not JSON", func(m *kafka.Message) { m.Value = []byte("not json") }, "value is not JSON"},
		{"no headers", func(m *kafka.Message) { m.Headers = nil }, "missing header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Encode(sampleEvent(), "remitflow.transfer.v1", "remitflow")
			tt.change(&m)
			_, err := Decode(m)
			if !errors.Is(err, ErrMalformedMessage) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Decode(%s) error = %v, want ErrMalformedMessage mentioning %q", tt.name, err, tt.want)
			}
		})
	}
}

func TestTopicNamer(t *testing.T) {
	n := TopicNamer{Prefix: "rf.", Suffix: ".v2", Overrides: map[string]string{"fxrates": "rates"}}
	tests := []struct {
		namer  TopicNamer
		stream string
		want   string
	}{
		{DefaultTopicNamer, "transfer-7f3c", "remitflow.transfer.v1"},
		{DefaultTopicNamer, "wallet-cus_1-x", "remitflow.wallet.v1"},
		{DefaultTopicNamer, "nodash", "remitflow.nodash.v1"},
		{DefaultTopicNamer, "-abc", "remitflow.none.v1"},
		{DefaultTopicNamer, "caf\u00e9 cr\u00e8me-1", "remitflow.caf__cr_me.v1"},
		{n, "transfer-1", "rf.transfer.v2"},
		{n, "fxrates-ecb", "rates"},
	}
	for _, tt := range tests {
		if got := tt.namer.Topic(tt.stream); got != tt.want {
			t.Errorf("%+v.Topic(%q) = %q, want %q", tt.namer, tt.stream, got, tt.want)
		}
		if err := ValidateTopic(tt.namer.Topic(tt.stream)); err != nil {
			t.Errorf("ValidateTopic(Topic(%q)) = %v", tt.stream, err)
		}
	}
	bad := []TopicNamer{
		{Prefix: "remit flow."},
		{Prefix: "a/", Suffix: ".v1"},
		{Prefix: "p.", Overrides: map[string]string{"x": "bad topic"}},
		{Prefix: "p.", Overrides: map[string]string{"x": ".."}},
		{Prefix: strings.Repeat("p", 201)},
	}
	for _, b := range bad {
		if err := b.Validate(); err == nil {
			t.Errorf("%+v.Validate() = nil, want an error", b)
		}
	}
}

func TestValidateBrokers(t *testing.T) {
	for _, ok := range [][]string{{"localhost:9092"}, {"kafka-0.kafka:9092", "10.0.0.1:19092"}, {"[::1]:9092"}} {
		if err := ValidateBrokers(ok); err != nil {
			t.Errorf("ValidateBrokers(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range [][]string{nil, {}, {"localhost"}, {":9092"}, {"host:"}, {"host:port"}, {"a:1", ""}} {
		if err := ValidateBrokers(bad); err == nil {
			t.Errorf("ValidateBrokers(%q) = nil, want an error", bad)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	store := newMemStore()
	cp, _ := NewStoreCheckpointer(store, "t")
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no brokers", Config{}},
		{"bad broker", Config{Brokers: []string{"nope"}}},
		{"negative batch", Config{Brokers: []string{"k:9092"}, BatchSize: -1}},
		{"huge batch", Config{Brokers: []string{"k:9092"}, BatchSize: eventstore.MaxAppendEvents + 1}},
		{"negative timeout", Config{Brokers: []string{"k:9092"}, BatchTimeout: -time.Second}},
		{"backoff inverted", Config{Brokers: []string{"k:9092"}, MinBackoff: time.Minute, MaxBackoff: time.Second}},
		{"bad prefix", Config{Brokers: []string{"k:9092"}, Topics: TopicNamer{Prefix: "a b"}}},
	}
	for _, tt := range tests {
		if _, err := New(store, cp, tt.cfg); err == nil {
			t.Errorf("New(%s) error = nil, want an error", tt.name)
		}
	}
	if _, err := New(nil, cp, Config{Brokers: []string{"k:9092"}}); err == nil {
		t.Error("New(nil store) error = nil")
	}
	if _, err := New(store, nil, Config{Brokers: []string{"k:9092"}}); err == nil {
		t.Error("New(nil checkpointer) error = nil")
	}
	r, err := New(store, cp, Config{Brokers: []string{"k:9092"}})
	if err != nil {
		t.Fatalf("New(valid) error = %v", err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
}

func TestLRU(t *testing.T) {
	l := NewLRU(2)
	a, b, c := uuid.New(), uuid.New(), uuid.New()
	if l.Seen(a) {
		t.Fatal("Seen(a) on empty LRU = true")
	}
	l.Add(a)
	l.Add(b)
	l.Seen(a) // a is now most recent
	l.Add(c)  // evicts b
	if !l.Seen(a) || l.Seen(b) || !l.Seen(c) || l.Len() != 2 {
		t.Errorf("after Add(a,b), Seen(a), Add(c): Seen = a:%v b:%v c:%v len %d; want true false true 2", l.Seen(a), l.Seen(b), l.Seen(c), l.Len())
	}
	l.Add(c)
	if l.Len() != 2 {
		t.Errorf("Add(existing) grew the LRU to %d", l.Len())
	}
	if NewLRU(0).cap != 1 {
		t.Error("NewLRU(0) capacity != 1")
	}
}

func TestStoreCheckpointer(t *testing.T) {
	ctx := t.Context()
	store := newMemStore()
	if _, err := NewStoreCheckpointer(store, ""); err == nil {
		t.Error("NewStoreCheckpointer(name \"\") error = nil")
	}
	if _, err := NewStoreCheckpointer(nil, "x"); err == nil {
		t.Error("NewStoreCheckpointer(nil store) error = nil")
	}
	if _, err := NewStoreCheckpointer(store, strings.Repeat("x", eventstore.MaxStreamNameLen)); err == nil {
		t.Error("NewStoreCheckpointer(too long name) error = nil")
	}
	cp, err := NewStoreCheckpointer(store, "main")
	if err != nil {
		t.Fatal(err)
	}
	if cp.Stream() != "checkpoint-kafkarelay-main" {
		t.Errorf("Stream() = %q", cp.Stream())
	}
	if pos, err := cp.Load(ctx); err != nil || pos != eventstore.Start {
		t.Fatalf("Load() on empty store = %v, %v; want Start, nil", pos, err)
	}
	for _, p := range []eventstore.Position{{Commit: 5, Prepare: 5}, {Commit: 9, Prepare: 8}} {
		if err := cp.Save(ctx, p); err != nil {
			t.Fatalf("Save(%v) = %v", p, err)
		}
	}
	other, _ := NewStoreCheckpointer(store, "main")
	if pos, err := other.Load(ctx); err != nil || pos != (eventstore.Position{Commit: 9, Prepare: 8}) {
		t.Errorf("Load() by a fresh checkpointer = %v, %v; want 9:8", pos, err)
	}
	// The fresh one saves; the first one is now stale and must not
	// overwrite it.
	if err := other.Save(ctx, eventstore.Position{Commit: 12, Prepare: 12}); err != nil {
		t.Fatalf("other.Save = %v", err)
	}
	// Checkpoints join the stream's hash chain, across checkpointers.
	if err := command.Verify(ctx, store, cp.Stream()); err != nil {
		t.Errorf("checkpoint stream's hash chain: %v", err)
	}
	if err := cp.Save(ctx, eventstore.Position{Commit: 10, Prepare: 10}); !errors.Is(err, ErrCheckpointConflict) {
		t.Errorf("stale Save error = %v, want ErrCheckpointConflict", err)
	}
	if pos, _ := other.Load(ctx); pos.Commit != 12 {
		t.Errorf("after conflict Load() = %v, want 12:12", pos)
	}
	// Two checkpointers saving the very same position from the same
	// revision still conflict: the second is another relay, not a retry.
	x, _ := NewStoreCheckpointer(store, "same")
	y, _ := NewStoreCheckpointer(store, "same")
	for _, c := range []*StoreCheckpointer{x, y} {
		if _, err := c.Load(ctx); err != nil {
			t.Fatal(err)
		}
	}
	same := eventstore.Position{Commit: 3, Prepare: 3}
	if err := x.Save(ctx, same); err != nil {
		t.Fatal(err)
	}
	if err := y.Save(ctx, same); !errors.Is(err, ErrCheckpointConflict) {
		t.Errorf("second relay saving the same position = %v, want ErrCheckpointConflict", err)
	}
	// A second name is independent.
	b, _ := NewStoreCheckpointer(store, "backup")
	if pos, err := b.Load(ctx); err != nil || pos != eventstore.Start {
		t.Errorf("Load() of another name = %v, %v; want Start", pos, err)
	}
	// Corrupt checkpoint data is reported.
	if _, err := store.Append(ctx, CheckpointStream("bad"), eventstore.Any(), eventstore.EventData{ID: uuid.New(), Type: CheckpointEventType, Data: []byte(`[1]`)}); err != nil {
		t.Fatal(err)
	}
	bad, _ := NewStoreCheckpointer(store, "bad")
	if _, err := bad.Load(ctx); err == nil {
		t.Error("Load() of a corrupt checkpoint error = nil")
	}
}

func TestStoreCheckpointerRetryIsIdempotent(t *testing.T) {
	ctx := t.Context()
	store := newMemStore()
	lossy := &lossyAppendStore{memStore: store}
	cp, _ := NewStoreCheckpointer(lossy, "r")
	if err := cp.Save(ctx, eventstore.Position{Commit: 1, Prepare: 1}); err != nil {
		t.Fatal(err)
	}
	lossy.loseNext = true // the append lands but its answer is lost
	if err := cp.Save(ctx, eventstore.Position{Commit: 2, Prepare: 2}); !errors.Is(err, eventstore.ErrUnavailable) {
		t.Fatalf("Save with lost answer = %v, want ErrUnavailable", err)
	}
	if err := cp.Save(ctx, eventstore.Position{Commit: 2, Prepare: 2}); err != nil {
		t.Fatalf("retried Save = %v, want nil (idempotent append)", err)
	}
	n := 0
	for _, err := range store.ReadStream(ctx, cp.Stream(), eventstore.ReadStreamOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 {
		t.Errorf("checkpoint stream has %d events, want 2", n)
	}
}

type lossyAppendStore struct {
	*memStore
	loseNext bool
}

func (s *lossyAppendStore) Append(ctx context.Context, stream string, exp eventstore.ExpectedRevision, evs ...eventstore.EventData) (eventstore.AppendResult, error) {
	res, err := s.memStore.Append(ctx, stream, exp, evs...)
	if err == nil && s.loseNext {
		s.loseNext = false
		return eventstore.AppendResult{}, eventstore.ErrUnavailable
	}
	return res, err
}

func TestFileCheckpointer(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	if _, err := NewFileCheckpointer(""); err == nil {
		t.Error("NewFileCheckpointer(\"\") error = nil")
	}
	cp, _ := NewFileCheckpointer(filepath.Join(dir, "relay.pos"))
	if pos, err := cp.Load(ctx); err != nil || pos != eventstore.Start {
		t.Fatalf("Load() without file = %v, %v", pos, err)
	}
	want := eventstore.Position{Commit: 77, Prepare: 70}
	if err := cp.Save(ctx, want); err != nil {
		t.Fatal(err)
	}
	if pos, err := cp.Load(ctx); err != nil || pos != want {
		t.Errorf("Load() = %v, %v; want %v", pos, err, want)
	}
	missing, _ := NewFileCheckpointer(filepath.Join(dir, "no", "such", "dir", "pos"))
	if err := missing.Save(ctx, want); err == nil {
		t.Error("Save into a missing directory error = nil")
	}
	garbage, _ := NewFileCheckpointer(filepath.Join(dir, "garbage"))
	if err := writeFile(filepath.Join(dir, "garbage"), "not a position"); err != nil {
		t.Fatal(err)
	}
	if _, err := garbage.Load(ctx); err == nil {
		t.Error("Load() of garbage error = nil")
	}
}

// fakeWriter records acknowledged messages; fail decides per call which
// messages fail (nil: none).
type fakeWriter struct {
	mu    sync.Mutex
	acked []kafka.Message
	calls int
	fail  func(call int, msgs []kafka.Message) error
}

func (w *fakeWriter) WriteMessages(ctx context.Context, msgs ...kafka.Message) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls++
	var err error
	if w.fail != nil {
		err = w.fail(w.calls, msgs)
	}
	var werrs kafka.WriteErrors
	if errors.As(err, &werrs) {
		for i, e := range werrs {
			if e == nil {
				w.acked = append(w.acked, msgs[i])
			}
		}
		return err
	}
	if err != nil {
		return err
	}
	w.acked = append(w.acked, msgs...)
	return nil
}

func (w *fakeWriter) Close() error { return nil }

func (w *fakeWriter) ackedIDs() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var ids []string
	for _, m := range w.acked {
		ids = append(ids, header(m, HeaderID))
	}
	return ids
}

func header(m kafka.Message, k string) string {
	for _, h := range m.Headers {
		if h.Key == k {
			return string(h.Value)
		}
	}
	return ""
}

// auditCheckpointer fails the test if a position is saved before every
// event up to it was acknowledged.
type auditCheckpointer struct {
	Checkpointer
	t     *testing.T
	store *memStore
	w     *fakeWriter
}

func (a *auditCheckpointer) Save(ctx context.Context, pos eventstore.Position) error {
	acked := map[string]bool{}
	for _, id := range a.w.ackedIDs() {
		acked[id] = true
	}
	for ev, err := range a.store.ReadAll(ctx, eventstore.ReadAllOptions{}) {
		if err != nil {
			return err
		}
		if pos.Less(ev.Position) {
			break
		}
		if !strings.HasPrefix(ev.Stream, CheckpointStreamPrefix) && !acked[ev.ID.String()] {
			a.t.Errorf("checkpoint %v saved before %s@%d was acknowledged", pos, ev.Stream, ev.Revision)
		}
	}
	return a.Checkpointer.Save(ctx, pos)
}

func testRelayConfig() Config {
	return Config{Brokers: []string{"kafka:9092"}, BatchSize: 8, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond, Logger: quietLogger()}
}

func startRelay(t *testing.T, r *Relay) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	return func() error {
		cancel()
		return <-done
	}
}

// checkStreamOrder checks that, per stream, the first occurrence of each
// event comes in revision order and that every event of store is there.
func checkDelivery(t *testing.T, store eventstore.Store, msgs []kafka.Message) {
	t.Helper()
	next := map[string]uint64{}
	seen := map[string]bool{}
	for _, m := range msgs {
		ev, err := Decode(m)
		if err != nil {
			t.Fatalf("Decode(published message) = %v", err)
		}
		if string(m.Key) != ev.Stream {
			t.Errorf("message key %q, want stream %q", m.Key, ev.Stream)
		}
		if seen[ev.ID.String()] {
			continue
		}
		seen[ev.ID.String()] = true
		if ev.Revision != next[ev.Stream] {
			t.Errorf("stream %s: first delivery of revision %d, want %d next", ev.Stream, ev.Revision, next[ev.Stream])
		}
		next[ev.Stream] = ev.Revision + 1
	}
	for ev, err := range store.ReadAll(t.Context(), eventstore.ReadAllOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(ev.Stream, CheckpointStreamPrefix) {
			if seen[ev.ID.String()] {
				t.Errorf("checkpoint event %s@%d was published", ev.Stream, ev.Revision)
			}
			continue
		}
		if !seen[ev.ID.String()] {
			t.Errorf("event %s@%d (%s) was not published", ev.Stream, ev.Revision, ev.ID)
		}
	}
}

func TestRelayRetriesOnlyFailedPartitions(t *testing.T) {
	ctx := t.Context()
	store := newMemStore()
	for _, s := range []string{"wallet-a", "wallet-b", "transfer-x"} {
		if _, err := appendN(ctx, store, s, "test.happened.v1", 10); err != nil {
			t.Fatal(err)
		}
	}
	w := &fakeWriter{fail: func(call int, msgs []kafka.Message) error {
		switch {
		case call <= 3:
			// Every message of wallet-b fails; the rest is acknowledged.
			werrs := make(kafka.WriteErrors, len(msgs))
			for i, m := range msgs {
				if string(m.Key) == "wallet-b" {
					werrs[i] = kafka.NotEnoughReplicas
				}
			}
			if werrs.Count() > 0 {
				return werrs
			}
		case call <= 5:
			return fmt.Errorf("dial tcp: %w", errors.New("connection refused"))
		}
		return nil
	}}
	inner, _ := NewStoreCheckpointer(store, "t")
	cp := &auditCheckpointer{Checkpointer: inner, t: t, store: store, w: w}
	r := newRelay(store, cp, withDefaults(testRelayConfig()), w, nil)
	stop := startRelay(t, r)
	if err := r.WaitFor(ctx, store.head(ctx)); err != nil {
		t.Fatal(err)
	}
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Errorf("Run after cancel = %v, want context.Canceled", err)
	}
	checkDelivery(t, store, w.acked)
	if got := len(w.acked); got != 30 {
		t.Errorf("acknowledged %d messages, want 30 (failed partitions retried alone, no duplicates)", got)
	}
	st := r.Stats()
	if st.WriteErrors == 0 || st.Published != 30 {
		t.Errorf("Stats = %+v, want WriteErrors > 0, Published 30", st)
	}
	if pos, _ := inner.Load(ctx); pos.Less(eventstore.Position{Commit: 30, Prepare: 30}) {
		t.Errorf("checkpoint = %v, want at least 30:30", pos)
	}
}

func withDefaults(c Config) Config {
	c.setDefaults()
	return c
}

func TestRelayResumesFromCheckpoint(t *testing.T) {
	ctx := t.Context()
	store := newMemStore()
	if _, err := appendN(ctx, store, "transfer-1", "t.v1", 20); err != nil {
		t.Fatal(err)
	}
	cp, _ := NewStoreCheckpointer(store, "t")
	w1 := &fakeWriter{}
	r1 := newRelay(store, cp, withDefaults(testRelayConfig()), w1, nil)
	stop := startRelay(t, r1)
	if err := r1.WaitFor(ctx, store.head(ctx)); err != nil {
		t.Fatal(err)
	}
	if err := r1.Run(ctx); !errors.Is(err, ErrRunning) {
		t.Errorf("second Run = %v, want ErrRunning", err)
	}
	stop()

	if _, err := appendN(ctx, store, "transfer-1", "t.v1", 5); err != nil {
		t.Fatal(err)
	}
	cp2, _ := NewStoreCheckpointer(store, "t")
	w2 := &fakeWriter{}
	r2 := newRelay(store, cp2, withDefaults(testRelayConfig()), w2, nil)
	stop = startRelay(t, r2)
	if err := r2.WaitFor(ctx, store.head(ctx)); err != nil {
		t.Fatal(err)
	}
	stop()
	checkDelivery(t, store, append(w1.acked, w2.acked...))
	if len(w1.acked) != 20 || len(w2.acked) != 5 {
		t.Errorf("first run published %d, second %d; want 20 and 5", len(w1.acked), len(w2.acked))
	}
	for _, m := range w2.acked {
		if ev, _ := Decode(m); ev.Revision < 20 {
			t.Errorf("second run republished revision %d", ev.Revision)
		}
	}
}

func TestRelayStopsOnPermanentErrors(t *testing.T) {
	ctx := t.Context()
	t.Run("message too large", func(t *testing.T) {
		store := newMemStore()
		appendN(ctx, store, "transfer-1", "t.v1", 3)
		cp, _ := NewStoreCheckpointer(store, "t")
		w := &fakeWriter{fail: func(int, []kafka.Message) error {
			return kafka.WriteErrors{kafka.MessageSizeTooLarge, kafka.MessageSizeTooLarge, kafka.MessageSizeTooLarge}
		}}
		r := newRelay(store, cp, withDefaults(testRelayConfig()), w, nil)
		if err := r.Run(ctx); !errors.Is(err, ErrEventTooLarge) {
			t.Errorf("Run = %v, want ErrEventTooLarge", err)
		}
		if pos, _ := cp.Load(ctx); !pos.IsZero() {
			t.Errorf("checkpoint advanced to %v past an unpublished event", pos)
		}
	})
	t.Run("event larger than a batch", func(t *testing.T) {
		store := newMemStore()
		store.Append(ctx, "transfer-1", eventstore.Any(), eventstore.EventData{ID: uuid.New(), Type: "t.v1", Data: []byte(`"` + strings.Repeat("x", 5000) + `"`)})
		cp, _ := NewStoreCheckpointer(store, "t")
		cfg := testRelayConfig()
		cfg.BatchBytes = 4096
		r := newRelay(store, cp, withDefaults(cfg), &fakeWriter{}, nil)
		if err := r.Run(ctx); !errors.Is(err, ErrEventTooLarge) {
			t.Errorf("Run = %v, want ErrEventTooLarge", err)
		}
	})
	t.Run("checkpoint conflict", func(t *testing.T) {
		store := newMemStore()
		appendN(ctx, store, "transfer-1", "t.v1", 3)
		cp, _ := NewStoreCheckpointer(store, "t")
		if _, err := cp.Load(ctx); err != nil {
			t.Fatal(err)
		}
		// Another relay with the same name saves first.
		rival, _ := NewStoreCheckpointer(store, "t")
		if err := rival.Save(ctx, eventstore.Position{Commit: 1, Prepare: 1}); err != nil {
			t.Fatal(err)
		}
		r := newRelay(store, &staleLoad{cp}, withDefaults(testRelayConfig()), &fakeWriter{}, nil)
		if err := r.Run(ctx); !errors.Is(err, ErrCheckpointConflict) {
			t.Errorf("Run = %v, want ErrCheckpointConflict", err)
		}
	})
	t.Run("store closed", func(t *testing.T) {
		store := newMemStore()
		appendN(ctx, store, "transfer-1", "t.v1", 3)
		cp, _ := NewStoreCheckpointer(store, "t")
		r := newRelay(store, cp, withDefaults(testRelayConfig()), &fakeWriter{}, nil)
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx) }()
		if err := r.WaitFor(ctx, store.head(ctx)); err != nil {
			t.Fatal(err)
		}
		store.Close()
		if err := <-done; !errors.Is(err, eventstore.ErrClosed) {
			t.Errorf("Run after store.Close = %v, want ErrClosed", err)
		}
	})
}

// staleLoad keeps the checkpointer's view from before the rival's save.
type staleLoad struct{ *StoreCheckpointer }

func (s *staleLoad) Load(ctx context.Context) (eventstore.Position, error) {
	return eventstore.Start, nil
}

func TestRelayResubscribesAfterSubscriptionError(t *testing.T) {
	ctx := t.Context()
	store := newMemStore()
	appendN(ctx, store, "transfer-1", "t.v1", 10)
	appendN(ctx, store, "wallet-1", "w.v1", 10)
	flaky := &flakySubStore{memStore: store, failAfter: 7, failures: 2}
	cp, _ := NewStoreCheckpointer(store, "t")
	w := &fakeWriter{}
	r := newRelay(flaky, cp, withDefaults(testRelayConfig()), w, nil)
	stop := startRelay(t, r)
	if err := r.WaitFor(ctx, store.head(ctx)); err != nil {
		t.Fatal(err)
	}
	stop()
	checkDelivery(t, store, w.acked)
	if st := r.Stats(); st.Resubscribes != 2 {
		t.Errorf("Resubscribes = %d, want 2", st.Resubscribes)
	}
	if len(w.acked) != 20 {
		t.Errorf("published %d messages, want 20 (nothing lost, nothing repeated)", len(w.acked))
	}
}

// flakySubStore's subscriptions fail with ErrUnavailable after failAfter
// events, the first failures times.
type flakySubStore struct {
	*memStore
	mu        sync.Mutex
	failAfter int
	failures  int
}

func (s *flakySubStore) SubscribeAll(ctx context.Context, opts eventstore.SubscribeOptions) (eventstore.Subscription, error) {
	sub, err := s.memStore.SubscribeAll(ctx, opts)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failures == 0 {
		return sub, nil
	}
	s.failures--
	return &flakySub{Subscription: sub, left: s.failAfter}, nil
}

type flakySub struct {
	eventstore.Subscription
	left int
}

func (f *flakySub) Next(ctx context.Context) (eventstore.RecordedEvent, error) {
	if f.left == 0 {
		return eventstore.RecordedEvent{}, fmt.Errorf("connection reset: %w", eventstore.ErrUnavailable)
	}
	f.left--
	return f.Subscription.Next(ctx)
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o600) }

func TestRelayRepublishesUnacknowledgedBatch(t *testing.T) {
	ctx := t.Context()
	store := newMemStore()
	seedStore(t, store, testStreams, 40)
	w := &fakeWriter{}
	lost := map[string]bool{}
	w.fail = func(call int, msgs []kafka.Message) error {
		if call == 2 {
			// Written, but the answer is lost with the connection.
			w.acked = append(w.acked, msgs...)
			for _, m := range msgs {
				lost[header(m, HeaderID)] = true
			}
			return io.ErrUnexpectedEOF
		}
		return nil
	}
	cp, _ := NewStoreCheckpointer(store, "t")
	r := newRelay(store, cp, withDefaults(testRelayConfig()), w, nil)
	stop := startRelay(t, r)
	if err := r.WaitFor(ctx, store.head(ctx)); err != nil {
		t.Fatal(err)
	}
	stop()
	checkDelivery(t, store, w.acked)
	seen := map[string]int{}
	for _, m := range w.acked {
		seen[header(m, HeaderID)]++
	}
	dups := map[string]bool{}
	for id, n := range seen {
		if n > 1 {
			dups[id] = true
		}
	}
	if len(lost) == 0 || !reflect.DeepEqual(dups, lost) {
		t.Errorf("duplicated %d events %v, want exactly the %d of the unacknowledged batch %v", len(dups), dups, len(lost), lost)
	}
}
