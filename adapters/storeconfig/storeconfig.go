// Package storeconfig turns configuration (REMITFLOW_* environment variables
// or a Config literal) into the event store and the Kafka relay that
// `remitflow serve` runs on.
//
// Store kinds:
//   - "embedded" (default): the Pebble store in DataDir; one process only.
//   - "eventstoredb": an EventStoreDB node or cluster at ESDBURL
//     (esdb://host:2113?tls=false, esdb+discover://host:2113 for gossip
//     discovery); several replicas may share it, optimistic concurrency
//     keeps commands safe.
//   - "memory": an in-memory store that forgets everything on exit; for
//     development and tests only.
//
// The Kafka relay runs when KafkaBrokers is set and RelayEnabled is true. Run
// exactly one relay per RelayName: its checkpoint stream
// (checkpoint-kafkarelay-<name>) is appended with exact revisions, and a
// second relay under the same name stops with
// kafkarelay.ErrCheckpointConflict.
//
// Every environment variable is listed by Vars, with its default; the deploy
// files and deploy/.env.example are checked against that list in tests.
package storeconfig

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"

	"github.com/remitflow/remitflow/adapters/eventstore/eventstoredb"
	"github.com/remitflow/remitflow/adapters/eventstore/memory"
	"github.com/remitflow/remitflow/adapters/kafkarelay"
	"github.com/remitflow/remitflow/domain/eventstore"
)

// Store kinds.
const (
	StoreEmbedded     = "embedded"
	StoreEventStoreDB = "eventstoredb"
	StoreMemory       = "memory"
)

// ErrInvalid means the configuration is incomplete or malformed. Validate,
// FromEnv, Open, NewRelay and ConsumerConfig wrap it with the offending
// variable; test with errors.Is.
var ErrInvalid = errors.New("storeconfig: invalid configuration")

// Config says which event store to open and whether and where to relay
// events to Kafka. Start from Default; FromEnv fills it from REMITFLOW_*
// variables.
type Config struct {
	// Store is StoreEmbedded, StoreEventStoreDB or StoreMemory.
	Store string
	// DataDir is the embedded store's directory.
	DataDir string
	// ESDBURL is the EventStoreDB connection string.
	ESDBURL string
	// ESDBUsername and ESDBPassword override credentials in ESDBURL, so the
	// password can come from a secret of its own.
	ESDBUsername string
	ESDBPassword string

	// KafkaBrokers are the bootstrap brokers ("host:port"); empty disables
	// the relay.
	KafkaBrokers []string
	// KafkaTopicPrefix and KafkaTopicSuffix surround a stream category to
	// name its topic: "remitflow." + "transfer" + ".v1".
	KafkaTopicPrefix string
	KafkaTopicSuffix string
	// KafkaSource is the CloudEvents ce_source of published events.
	KafkaSource string
	// KafkaAutoCreateTopics lets the brokers create topics on first write.
	KafkaAutoCreateTopics bool

	// RelayEnabled runs the relay in this process when brokers are set. Turn
	// it off on all but one replica.
	RelayEnabled bool
	// RelayName names the relay and its checkpoint stream.
	RelayName string
	// RelayBatchSize is the most events per produce round and checkpoint.
	RelayBatchSize int
}

// Default returns the configuration used when nothing is set: the embedded
// store in ./data, no Kafka.
func Default() Config {
	return Config{
		Store:            StoreEmbedded,
		DataDir:          "data",
		KafkaTopicPrefix: kafkarelay.DefaultTopicNamer.Prefix,
		KafkaTopicSuffix: kafkarelay.DefaultTopicNamer.Suffix,
		KafkaSource:      kafkarelay.DefaultSource,
		RelayEnabled:     true,
		RelayName:        "main",
		RelayBatchSize:   kafkarelay.DefaultBatchSize,
	}
}

// Var describes one environment variable FromEnv reads.
type Var struct {
	Name    string
	Default string
	// Secret variables are masked when logged and belong in a secret store.
	Secret bool
	Doc    string
	set    func(*Config, string) error
}

// Vars lists every environment variable FromEnv reads, in a stable order.
func Vars() []Var {
	d := Default()
	return []Var{
		{Name: "REMITFLOW_STORE", Default: d.Store, Doc: "event store: embedded, eventstoredb or memory (development only)",
			set: func(c *Config, v string) error { c.Store = strings.ToLower(v); return nil }},
		{Name: "REMITFLOW_DATA_DIR", Default: d.DataDir, Doc: "directory of the embedded store",
			set: func(c *Config, v string) error { c.DataDir = v; return nil }},
		{Name: "REMITFLOW_ESDB_URL", Doc: "EventStoreDB connection string, e.g. esdb+discover://esdb-1:2113?tls=false",
			set: func(c *Config, v string) error { c.ESDBURL = v; return nil }},
		{Name: "REMITFLOW_ESDB_USERNAME", Doc: "EventStoreDB user, overriding the URL's",
			set: func(c *Config, v string) error { c.ESDBUsername = v; return nil }},
		{Name: "REMITFLOW_ESDB_PASSWORD", Secret: true, Doc: "EventStoreDB password, overriding the URL's",
			set: func(c *Config, v string) error { c.ESDBPassword = v; return nil }},
		{Name: "REMITFLOW_KAFKA_BROKERS", Doc: "comma-separated Kafka bootstrap brokers (host:port); empty disables the relay",
			set: func(c *Config, v string) error { c.KafkaBrokers = splitList(v); return nil }},
		{Name: "REMITFLOW_KAFKA_TOPIC_PREFIX", Default: d.KafkaTopicPrefix, Doc: "topic name before the stream category",
			set: func(c *Config, v string) error { c.KafkaTopicPrefix = v; return nil }},
		{Name: "REMITFLOW_KAFKA_TOPIC_SUFFIX", Default: d.KafkaTopicSuffix, Doc: "topic name after the stream category",
			set: func(c *Config, v string) error { c.KafkaTopicSuffix = v; return nil }},
		{Name: "REMITFLOW_KAFKA_SOURCE", Default: d.KafkaSource, Doc: "CloudEvents ce_source of published events",
			set: func(c *Config, v string) error { c.KafkaSource = v; return nil }},
		{Name: "REMITFLOW_KAFKA_AUTO_CREATE_TOPICS", Default: strconv.FormatBool(d.KafkaAutoCreateTopics), Doc: "let brokers create topics on first write",
			set: func(c *Config, v string) (err error) { c.KafkaAutoCreateTopics, err = parseBool(v); return err }},
		{Name: "REMITFLOW_RELAY_ENABLED", Default: strconv.FormatBool(d.RelayEnabled), Doc: "run the Kafka relay in this process (one process per relay name)",
			set: func(c *Config, v string) (err error) { c.RelayEnabled, err = parseBool(v); return err }},
		{Name: "REMITFLOW_RELAY_NAME", Default: d.RelayName, Doc: "relay name; its checkpoint is the stream checkpoint-kafkarelay-<name>",
			set: func(c *Config, v string) error { c.RelayName = v; return nil }},
		{Name: "REMITFLOW_RELAY_BATCH_SIZE", Default: strconv.Itoa(d.RelayBatchSize), Doc: "events per Kafka produce round and checkpoint (1-4096)",
			set: func(c *Config, v string) (err error) { c.RelayBatchSize, err = strconv.Atoi(v); return err }},
	}
}

func parseBool(v string) (bool, error) { return strconv.ParseBool(strings.ToLower(v)) }

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// FromEnv returns Default overridden by the REMITFLOW_* variables lookup
// finds (pass os.LookupEnv), validated. Empty variables count as unset. It
// returns an error wrapping ErrInvalid that names the variable when a value
// cannot be parsed, or Validate's error.
func FromEnv(lookup func(string) (string, bool)) (Config, error) {
	c := Default()
	for _, v := range Vars() {
		val, ok := lookup(v.Name)
		if !ok || strings.TrimSpace(val) == "" {
			continue
		}
		if err := v.set(&c, strings.TrimSpace(val)); err != nil {
			return Config{}, fmt.Errorf("%w: %s=%q: %w", ErrInvalid, v.Name, val, err)
		}
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// RelayActive reports whether this configuration runs a relay.
func (c Config) RelayActive() bool { return c.RelayEnabled && len(c.KafkaBrokers) > 0 }

// Validate reports the first problem, wrapping ErrInvalid: an unknown store
// kind, an embedded store without a data directory, an EventStoreDB store
// without a usable URL, a malformed broker, or relay settings Kafka would
// refuse.
func (c Config) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
	}
	switch c.Store {
	case StoreEmbedded:
		if strings.TrimSpace(c.DataDir) == "" {
			return bad("REMITFLOW_DATA_DIR is required for the embedded store")
		}
	case StoreEventStoreDB:
		if c.ESDBURL == "" {
			return bad("REMITFLOW_ESDB_URL is required for the eventstoredb store")
		}
		if !strings.HasPrefix(c.ESDBURL, "esdb://") && !strings.HasPrefix(c.ESDBURL, "esdb+discover://") {
			return bad("REMITFLOW_ESDB_URL %q must start with esdb:// or esdb+discover://", redactURL(c.ESDBURL))
		}
		if c.ESDBPassword != "" && c.ESDBUsername == "" {
			return bad("REMITFLOW_ESDB_PASSWORD is set without REMITFLOW_ESDB_USERNAME")
		}
	case StoreMemory:
	case "":
		return bad("REMITFLOW_STORE is empty (want %s, %s or %s)", StoreEmbedded, StoreEventStoreDB, StoreMemory)
	default:
		return bad("unknown store kind %q (want %s, %s or %s)", c.Store, StoreEmbedded, StoreEventStoreDB, StoreMemory)
	}
	if len(c.KafkaBrokers) == 0 {
		return nil
	}
	if err := kafkarelay.ValidateBrokers(c.KafkaBrokers); err != nil {
		return bad("REMITFLOW_KAFKA_BROKERS: %v", err)
	}
	if err := c.topics().Validate(); err != nil {
		return bad("REMITFLOW_KAFKA_TOPIC_PREFIX/SUFFIX: %v", err)
	}
	if c.KafkaSource == "" {
		return bad("REMITFLOW_KAFKA_SOURCE is empty")
	}
	if c.RelayBatchSize < 1 || c.RelayBatchSize > eventstore.MaxAppendEvents {
		return bad("REMITFLOW_RELAY_BATCH_SIZE %d out of range 1..%d", c.RelayBatchSize, eventstore.MaxAppendEvents)
	}
	if c.RelayName == "" || strings.Trim(c.RelayName, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != "" {
		return bad("REMITFLOW_RELAY_NAME %q must be letters, digits, '.', '_' or '-'", c.RelayName)
	}
	return nil
}

func (c Config) topics() kafkarelay.TopicNamer {
	return kafkarelay.TopicNamer{Prefix: c.KafkaTopicPrefix, Suffix: c.KafkaTopicSuffix}
}

// Topic returns the Kafka topic the relay publishes a stream category to.
func (c Config) Topic(category string) string {
	return c.topics().Topic(category + "-")
}

// String describes the configuration with secrets masked.
func (c Config) String() string {
	pw := ""
	if c.ESDBPassword != "" {
		pw = "***"
	}
	return fmt.Sprintf("store=%s data_dir=%s esdb_url=%s esdb_user=%s esdb_password=%s kafka_brokers=%s topics=%s<category>%s relay=%v relay_name=%s",
		c.Store, c.DataDir, redactURL(c.ESDBURL), c.ESDBUsername, pw, strings.Join(c.KafkaBrokers, ","),
		c.KafkaTopicPrefix, c.KafkaTopicSuffix, c.RelayActive(), c.RelayName)
}

// LogValue logs the configuration with secrets masked.
func (c Config) LogValue() slog.Value {
	pw := ""
	if c.ESDBPassword != "" {
		pw = "***"
	}
	return slog.GroupValue(
		slog.String("store", c.Store),
		slog.String("data_dir", c.DataDir),
		slog.String("esdb_url", redactURL(c.ESDBURL)),
		slog.String("esdb_user", c.ESDBUsername),
		slog.String("esdb_password", pw),
		slog.Any("kafka_brokers", c.KafkaBrokers),
		slog.Bool("relay", c.RelayActive()),
		slog.String("relay_name", c.RelayName),
	)
}

// redactURL masks the password of user:password@ in a connection string.
func redactURL(u string) string {
	scheme := strings.Index(u, "://")
	if scheme < 0 {
		return u
	}
	rest := u[scheme+3:]
	hostEnd := strings.IndexAny(rest, "/?")
	if hostEnd < 0 {
		hostEnd = len(rest)
	}
	at := strings.LastIndex(rest[:hostEnd], "@")
	if at < 0 {
		return u
	}
	user, _, hasPw := strings.Cut(rest[:at], ":")
	if !hasPw {
		return u
	}
	return u[:scheme+3] + user + ":***" + rest[at:]
}

// options collects Open's and NewRelay's options.
type options struct {
	logger *slog.Logger
}

// Option adjusts Open and NewRelay.
type Option func(*options)

// WithLogger sends the adapters' logs to l (default: discarded for the
// store, slog.Default() for the relay).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

func collect(opts []Option) options {
	var o options
	for _, f := range opts {
		f(&o)
	}
	return o
}

// Open validates cfg and opens its event store. The returned function closes
// the store; call it once, after everything using the store has stopped.
// Errors wrap ErrInvalid for a bad configuration,
// eventstore.ErrUnavailable when EventStoreDB cannot be reached,
// embedded.ErrLocked when another store holds the embedded data directory,
// the context's error, or the adapter's own error.
func Open(ctx context.Context, cfg Config, opts ...Option) (eventstore.Store, func() error, error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	o := collect(opts)
	var (
		store eventstore.Store
		err   error
	)
	switch cfg.Store {
	case StoreEventStoreDB:
		store, err = eventstoredb.Open(ctx, eventstoredb.Config{
			URL:      cfg.ESDBURL,
			Username: cfg.ESDBUsername,
			Password: cfg.ESDBPassword,
			Logger:   o.logger,
		})
	case StoreMemory:
		store = memory.New()
	case StoreEmbedded:
		store, err = openEmbedded(ctx, cfg, o)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("storeconfig: open %s store: %w", cfg.Store, err)
	}
	return store, store.Close, nil
}

// NewRelay returns the Kafka relay for cfg over store, or nil and no error
// when cfg runs no relay (no brokers, or RelayEnabled false). The relay
// checkpoints in the store itself. Call Run, then Close. It returns an error
// wrapping ErrInvalid for a bad configuration.
func NewRelay(cfg Config, store eventstore.Store, opts ...Option) (*kafkarelay.Relay, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if !cfg.RelayActive() {
		return nil, nil
	}
	if store == nil {
		return nil, fmt.Errorf("%w: relay needs a store", ErrInvalid)
	}
	o := collect(opts)
	cp, err := kafkarelay.NewStoreCheckpointer(store, cfg.RelayName)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	r, err := kafkarelay.New(store, cp, kafkarelay.Config{
		Brokers:                slices.Clone(cfg.KafkaBrokers),
		Source:                 cfg.KafkaSource,
		Topics:                 cfg.topics(),
		BatchSize:              cfg.RelayBatchSize,
		AllowAutoTopicCreation: cfg.KafkaAutoCreateTopics,
		Logger:                 o.logger,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return r, nil
}

// ConsumerConfig returns a consumer configuration for group reading the
// topics of the given stream categories on cfg's brokers. It returns an
// error wrapping ErrInvalid when no brokers are configured or no category
// is given.
func ConsumerConfig(cfg Config, group string, categories ...string) (kafkarelay.ConsumerConfig, error) {
	if len(cfg.KafkaBrokers) == 0 {
		return kafkarelay.ConsumerConfig{}, fmt.Errorf("%w: REMITFLOW_KAFKA_BROKERS is empty", ErrInvalid)
	}
	if len(categories) == 0 {
		return kafkarelay.ConsumerConfig{}, fmt.Errorf("%w: a consumer needs at least one category", ErrInvalid)
	}
	topics := make([]string, len(categories))
	for i, c := range categories {
		topics[i] = cfg.Topic(c)
	}
	return kafkarelay.ConsumerConfig{Brokers: slices.Clone(cfg.KafkaBrokers), GroupID: group, Topics: topics}, nil
}
