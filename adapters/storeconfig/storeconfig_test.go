package storeconfig_test

import (
	"bytes"
	"errors"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/remitflow/remitflow/adapters/eventstore/embedded"
	"github.com/remitflow/remitflow/adapters/kafkarelay"
	"github.com/remitflow/remitflow/adapters/storeconfig"
	"github.com/remitflow/remitflow/domain/eventstore"
)

func env(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestFromEnvDefaults(t *testing.T) {
	got, err := storeconfig.FromEnv(env())
	if err != nil {
		t.Fatalf("FromEnv(empty) error = %v", err)
	}
	if want := storeconfig.Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("FromEnv(empty) = %+v, want %+v", got, want)
	}
	if got.RelayActive() {
		t.Error("default config runs a relay without brokers")
	}
	// Empty values count as unset.
	got, err = storeconfig.FromEnv(env("REMITFLOW_STORE", "", "REMITFLOW_KAFKA_BROKERS", " "))
	if err != nil || got.Store != storeconfig.StoreEmbedded || got.KafkaBrokers != nil {
		t.Errorf("FromEnv(empty values) = %+v, %v", got, err)
	}
}

func TestFromEnvAll(t *testing.T) {
	got, err := storeconfig.FromEnv(env(
		"REMITFLOW_STORE", "EventStoreDB",
		"REMITFLOW_DATA_DIR", "/var/lib/remitflow",
		"REMITFLOW_ESDB_URL", "esdb+discover://esdb-1:2113,esdb-2:2113?tls=false",
		"REMITFLOW_ESDB_USERNAME", "admin",
		"REMITFLOW_ESDB_PASSWORD", "changeit",
		"REMITFLOW_KAFKA_BROKERS", "kafka-1:9092, kafka-2:9092,,kafka-3:9092",
		"REMITFLOW_KAFKA_TOPIC_PREFIX", "prod.remitflow.",
		"REMITFLOW_KAFKA_TOPIC_SUFFIX", ".v2",
		"REMITFLOW_KAFKA_SOURCE", "/remitflow/eu-1",
		"REMITFLOW_KAFKA_AUTO_CREATE_TOPICS", "TRUE",
		"REMITFLOW_RELAY_ENABLED", "false",
		"REMITFLOW_RELAY_NAME", "eu-1",
		"REMITFLOW_RELAY_BATCH_SIZE", "250",
		"UNRELATED", "ignored",
	))
	if err != nil {
		t.Fatalf("FromEnv = %v", err)
	}
	want := storeconfig.Config{
		Store:                 "eventstoredb",
		DataDir:               "/var/lib/remitflow",
		ESDBURL:               "esdb+discover://esdb-1:2113,esdb-2:2113?tls=false",
		ESDBUsername:          "admin",
		ESDBPassword:          "changeit",
		KafkaBrokers:          []string{"kafka-1:9092", "kafka-2:9092", "kafka-3:9092"},
		KafkaTopicPrefix:      "prod.remitflow.",
		KafkaTopicSuffix:      ".v2",
		KafkaSource:           "/remitflow/eu-1",
		KafkaAutoCreateTopics: true,
		RelayEnabled:          false,
		RelayName:             "eu-1",
		RelayBatchSize:        250,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FromEnv = %+v\nwant %+v", got, want)
	}
	if got.RelayActive() {
		t.Error("RelayActive() = true with REMITFLOW_RELAY_ENABLED=false")
	}
	if got.Topic("transfer") != "prod.remitflow.transfer.v2" {
		t.Errorf("Topic(transfer) = %q", got.Topic("transfer"))
	}
}

func TestFromEnvRejects(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"unknown store", []string{"REMITFLOW_STORE", "mongo"}, `unknown store kind "mongo"`},
		{"esdb without URL", []string{"REMITFLOW_STORE", "eventstoredb"}, "REMITFLOW_ESDB_URL is required"},
		{"esdb with http URL", []string{"REMITFLOW_STORE", "eventstoredb", "REMITFLOW_ESDB_URL", "http://esdb:2113"}, "must start with esdb://"},
		{"password without user", []string{"REMITFLOW_STORE", "eventstoredb", "REMITFLOW_ESDB_URL", "esdb://e:2113", "REMITFLOW_ESDB_PASSWORD", "x"}, "REMITFLOW_ESDB_USERNAME"},
		{"broker without port", []string{"REMITFLOW_KAFKA_BROKERS", "kafka"}, "REMITFLOW_KAFKA_BROKERS"},
		{"broker bad port", []string{"REMITFLOW_KAFKA_BROKERS", "kafka:9092,kafka:x"}, "REMITFLOW_KAFKA_BROKERS"},
		{"bad bool", []string{"REMITFLOW_RELAY_ENABLED", "maybe"}, "REMITFLOW_RELAY_ENABLED"},
		{"bad auto create", []string{"REMITFLOW_KAFKA_AUTO_CREATE_TOPICS", "yes please"}, "REMITFLOW_KAFKA_AUTO_CREATE_TOPICS"},
		{"batch not a number", []string{"REMITFLOW_RELAY_BATCH_SIZE", "many"}, "REMITFLOW_RELAY_BATCH_SIZE"},
		{"batch zero", []string{"REMITFLOW_KAFKA_BROKERS", "k:9092", "REMITFLOW_RELAY_BATCH_SIZE", "0"}, "REMITFLOW_RELAY_BATCH_SIZE 0"},
		{"batch too big", []string{"REMITFLOW_KAFKA_BROKERS", "k:9092", "REMITFLOW_RELAY_BATCH_SIZE", "5000"}, "REMITFLOW_RELAY_BATCH_SIZE 5000"},
		{"relay name", []string{"REMITFLOW_KAFKA_BROKERS", "k:9092", "REMITFLOW_RELAY_NAME", "my relay"}, "REMITFLOW_RELAY_NAME"},
		{"topic prefix", []string{"REMITFLOW_KAFKA_BROKERS", "k:9092", "REMITFLOW_KAFKA_TOPIC_PREFIX", "remit/flow."}, "REMITFLOW_KAFKA_TOPIC_PREFIX"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := storeconfig.FromEnv(env(tt.env...))
			if !errors.Is(err, storeconfig.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("FromEnv(%q) error = %v, want ErrInvalid mentioning %q", tt.env, err, tt.want)
			}
		})
	}
	for _, c := range []storeconfig.Config{{}, {Store: "embedded"}, {Store: "eventstoredb", ESDBURL: "esdb:/x"}} {
		if err := c.Validate(); !errors.Is(err, storeconfig.ErrInvalid) {
			t.Errorf("%+v.Validate() = %v, want ErrInvalid", c, err)
		}
	}
}

func TestSecretsAreMasked(t *testing.T) {
	c := storeconfig.Default()
	c.Store = storeconfig.StoreEventStoreDB
	c.ESDBURL = "esdb://admin:s3cr3t-url@esdb-1:2113?tls=true"
	c.ESDBUsername, c.ESDBPassword = "ops", "s3cr3t-var"
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "cfg", c)
	for _, out := range []string{c.String(), buf.String()} {
		if strings.Contains(out, "s3cr3t") {
			t.Errorf("secret in output: %s", out)
		}
		if !strings.Contains(out, "esdb://admin:***@esdb-1:2113") {
			t.Errorf("output lacks the masked URL: %s", out)
		}
	}
	for _, v := range storeconfig.Vars() {
		if strings.Contains(v.Name, "PASSWORD") && !v.Secret {
			t.Errorf("%s is not marked secret", v.Name)
		}
	}
}

func TestVarsMatchFromEnv(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range storeconfig.Vars() {
		if !strings.HasPrefix(v.Name, "REMITFLOW_") || v.Doc == "" || seen[v.Name] {
			t.Errorf("var %+v: want a unique REMITFLOW_ name and a description", v)
		}
		seen[v.Name] = true
		// Every listed variable is really read: setting it to garbage that
		// cannot be valid for any of them changes the result or fails.
		got, err := storeconfig.FromEnv(env(v.Name, "\x00bad"))
		if err == nil && reflect.DeepEqual(got, storeconfig.Default()) {
			t.Errorf("FromEnv ignores %s", v.Name)
		}
	}
}

func TestOpen(t *testing.T) {
	ctx := t.Context()
	if _, _, err := storeconfig.Open(ctx, storeconfig.Config{Store: "nope"}); !errors.Is(err, storeconfig.ErrInvalid) {
		t.Errorf("Open(unknown kind) = %v, want ErrInvalid", err)
	}
	store, closeStore, err := storeconfig.Open(ctx, storeconfig.Config{Store: storeconfig.StoreMemory})
	if err != nil {
		t.Fatalf("Open(memory) = %v", err)
	}
	if _, err := store.Append(ctx, "counter-1", eventstore.NoStream(), counterEvent(1)); err != nil {
		t.Errorf("Append on the opened store = %v", err)
	}
	if err := closeStore(); err != nil {
		t.Errorf("close = %v", err)
	}
	if _, err := store.Append(ctx, "counter-1", eventstore.Any(), counterEvent(2)); !errors.Is(err, eventstore.ErrClosed) {
		t.Errorf("Append after close = %v, want ErrClosed", err)
	}
}

func TestOpenEmbedded(t *testing.T) {
	ctx := t.Context()
	dir := filepath.Join(t.TempDir(), "store")
	cfg, err := storeconfig.FromEnv(env("REMITFLOW_DATA_DIR", dir))
	if err != nil {
		t.Fatal(err)
	}
	store, closeStore, err := storeconfig.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("Open(embedded) = %v", err)
	}
	res, err := store.Append(ctx, "counter-1", eventstore.NoStream(), counterEvent(1))
	if err != nil {
		t.Fatalf("Append = %v", err)
	}
	// The directory is locked while open: a second replica on the same data
	// is refused rather than corrupting it.
	if _, _, err := storeconfig.Open(ctx, cfg); !errors.Is(err, embedded.ErrLocked) {
		t.Errorf("second Open of %s = %v, want embedded.ErrLocked", dir, err)
	}
	if err := closeStore(); err != nil {
		t.Fatalf("close = %v", err)
	}
	// Reopened, the event is still there.
	store, closeStore, err = storeconfig.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("reopen = %v", err)
	}
	defer closeStore()
	n := 0
	for ev, err := range store.ReadStream(ctx, "counter-1", eventstore.ReadStreamOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if ev.Position != res.Position {
			t.Errorf("reopened event at %v, want %v", ev.Position, res.Position)
		}
		n++
	}
	if n != 1 {
		t.Errorf("reopened store has %d events, want 1", n)
	}
}

func TestOpenEventStoreDB(t *testing.T) {
	srv := startESDB(t)
	ctx := t.Context()
	cfg := storeconfig.Config{Store: storeconfig.StoreEventStoreDB, ESDBURL: srv.URL()}
	store, closeStore, err := storeconfig.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("Open(eventstoredb) = %v", err)
	}
	defer closeStore()
	if _, err := store.Append(ctx, "counter-1", eventstore.NoStream(), counterEvent(1)); err != nil {
		t.Errorf("Append through EventStoreDB = %v", err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	octx, cancel := contextWithTimeout(t, 20*time.Second)
	defer cancel()
	if _, _, err := storeconfig.Open(octx, cfg); !errors.Is(err, eventstore.ErrUnavailable) && !errors.Is(err, octx.Err()) {
		t.Errorf("Open(stopped server) = %v, want ErrUnavailable", err)
	} else if err == nil {
		t.Error("Open(stopped server) = nil error")
	}
}

func TestNewRelay(t *testing.T) {
	ctx := t.Context()
	store, closeStore, err := storeconfig.Open(ctx, storeconfig.Config{Store: storeconfig.StoreMemory})
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore()

	cfg := storeconfig.Default()
	cfg.Store = storeconfig.StoreMemory
	if r, err := storeconfig.NewRelay(cfg, store); r != nil || err != nil {
		t.Errorf("NewRelay(no brokers) = %v, %v; want nil, nil", r, err)
	}
	cfg.KafkaBrokers = []string{"kafka:9092"}
	cfg.RelayEnabled = false
	if r, err := storeconfig.NewRelay(cfg, store); r != nil || err != nil {
		t.Errorf("NewRelay(disabled) = %v, %v; want nil, nil", r, err)
	}
	cfg.RelayEnabled = true
	if _, err := storeconfig.NewRelay(cfg, nil); !errors.Is(err, storeconfig.ErrInvalid) {
		t.Errorf("NewRelay(nil store) = %v, want ErrInvalid", err)
	}
	bad := cfg
	bad.RelayBatchSize = -1
	if _, err := storeconfig.NewRelay(bad, store); !errors.Is(err, storeconfig.ErrInvalid) {
		t.Errorf("NewRelay(batch -1) = %v, want ErrInvalid", err)
	}

	// End to end: the relay built from config publishes to a Kafka-protocol
	// cluster under the configured topic names.
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "test.wallet.v3"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	cfg.KafkaBrokers = cluster.ListenAddrs()
	cfg.KafkaTopicPrefix, cfg.KafkaTopicSuffix = "test.", ".v3"
	cfg.KafkaSource = "/remitflow/test"
	var head eventstore.Position
	for i := range 12 {
		res, err := store.Append(ctx, "wallet-cus_1", eventstore.Any(), counterEvent(i))
		if err != nil {
			t.Fatal(err)
		}
		head = res.Position
	}
	r, err := storeconfig.NewRelay(cfg, store, storeconfig.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil || r == nil {
		t.Fatalf("NewRelay = %v, %v", r, err)
	}
	defer r.Close()
	rctx, cancel := contextWithCancel(t)
	done := make(chan error, 1)
	go func() { done <- r.Run(rctx) }()
	if err := r.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done

	cl, err := kgo.NewClient(kgo.SeedBrokers(cfg.KafkaBrokers...), kgo.ConsumeTopics("test.wallet.v3"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var recs []*kgo.Record
	for len(recs) < 12 {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, fs.Records()...)
	}
	for i, rec := range recs {
		ev, err := kafkarelay.Decode(kafkaMessage(rec))
		if err != nil {
			t.Fatal(err)
		}
		if ev.Source != "/remitflow/test" || ev.Revision != uint64(i) || ev.Stream != "wallet-cus_1" {
			t.Errorf("record %d = %s@%d from %q, want wallet-cus_1@%d from /remitflow/test", i, ev.Stream, ev.Revision, ev.Source, i)
		}
	}
	// The checkpoint lives in the store, under the relay's name.
	cp, _ := kafkarelay.NewStoreCheckpointer(store, cfg.RelayName)
	if pos, err := cp.Load(ctx); err != nil || pos.Less(head) {
		t.Errorf("checkpoint %s = %v, %v; want %v", cp.Stream(), pos, err, head)
	}
}

func TestConsumerConfig(t *testing.T) {
	cfg := storeconfig.Default()
	if _, err := storeconfig.ConsumerConfig(cfg, kafkarelay.GroupProjections, "transfer"); !errors.Is(err, storeconfig.ErrInvalid) {
		t.Errorf("ConsumerConfig(no brokers) = %v, want ErrInvalid", err)
	}
	cfg.KafkaBrokers = []string{"k1:9092", "k2:9092"}
	if _, err := storeconfig.ConsumerConfig(cfg, kafkarelay.GroupProjections); !errors.Is(err, storeconfig.ErrInvalid) {
		t.Errorf("ConsumerConfig(no categories) = %v, want ErrInvalid", err)
	}
	cc, err := storeconfig.ConsumerConfig(cfg, kafkarelay.GroupProjections, "transfer", "wallet")
	if err != nil {
		t.Fatal(err)
	}
	want := kafkarelay.ConsumerConfig{Brokers: []string{"k1:9092", "k2:9092"}, GroupID: "remitflow.projections.v1", Topics: []string{"remitflow.transfer.v1", "remitflow.wallet.v1"}}
	if !reflect.DeepEqual(cc, want) {
		t.Errorf("ConsumerConfig = %+v, want %+v", cc, want)
	}
	c, err := kafkarelay.NewConsumer(cc)
	if err != nil {
		t.Fatalf("NewConsumer(ConsumerConfig(...)) = %v", err)
	}
	c.Close()
}
