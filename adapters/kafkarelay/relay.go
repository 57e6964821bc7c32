package kafkarelay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/remitflow/remitflow/domain/eventstore"
)

// Defaults of Config.
const (
	DefaultSource       = "remitflow"
	DefaultBatchSize    = 100
	DefaultBatchBytes   = 1 << 20
	DefaultBatchTimeout = 5 * time.Millisecond
	DefaultMinBackoff   = 100 * time.Millisecond
	DefaultMaxBackoff   = 5 * time.Second
	DefaultWriteTimeout = 10 * time.Second
)

// ErrEventTooLarge means an event does not fit in one Kafka produce request
// (Config.BatchBytes). The relay stops instead of skipping it.
var ErrEventTooLarge = errors.New("kafkarelay: event too large for Kafka")

// Config configures a Relay. Brokers is required; every other field has a
// default.
type Config struct {
	// Brokers are the bootstrap brokers, "host:port".
	Brokers []string
	// Source is the ce_source attribute; DefaultSource when empty.
	Source string
	// Topics maps streams to topics; DefaultTopicNamer when zero.
	Topics TopicNamer
	// Filter selects the events to publish; the zero Filter selects all.
	Filter eventstore.Filter
	// ExcludeStreamPrefixes lists stream prefixes never published. Nil means
	// []string{CheckpointStreamPrefix}: checkpoints are not domain events, and
	// publishing them would feed the relay its own output.
	ExcludeStreamPrefixes []string
	// BatchSize is the most events written in one produce round and
	// checkpointed at once; DefaultBatchSize when zero.
	BatchSize int
	// BatchBytes bounds the bytes of one round (Kafka's message.max.bytes
	// must be at least this); DefaultBatchBytes when zero.
	BatchBytes int
	// BatchTimeout is how long the writer waits to fill a partition's batch;
	// DefaultBatchTimeout when zero. Kafka-go's own default (1 s) would
	// stall every synchronous write.
	BatchTimeout time.Duration
	// WriteTimeout bounds one produce request; DefaultWriteTimeout when zero.
	WriteTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait between retries after a
	// failed write, checkpoint or subscription.
	MinBackoff, MaxBackoff time.Duration
	// AllowAutoTopicCreation lets the brokers create missing topics on first
	// write. Otherwise create them with CreateTopics.
	AllowAutoTopicCreation bool
	// Logger receives progress and retry logs; slog.Default() when nil.
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Source == "" {
		c.Source = DefaultSource
	}
	if c.Topics.Prefix == "" && c.Topics.Suffix == "" && c.Topics.Overrides == nil {
		c.Topics = DefaultTopicNamer
	}
	if c.ExcludeStreamPrefixes == nil {
		c.ExcludeStreamPrefixes = []string{CheckpointStreamPrefix}
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.BatchBytes == 0 {
		c.BatchBytes = DefaultBatchBytes
	}
	if c.BatchTimeout == 0 {
		c.BatchTimeout = DefaultBatchTimeout
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.MinBackoff == 0 {
		c.MinBackoff = DefaultMinBackoff
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Validate reports the first problem with the configuration (after
// defaults): no brokers, a broker that is not host:port, negative sizes or
// durations, or topic names Kafka would refuse.
func (c Config) Validate() error {
	if err := ValidateBrokers(c.Brokers); err != nil {
		return err
	}
	switch {
	case c.BatchSize < 0 || c.BatchSize > eventstore.MaxAppendEvents:
		return fmt.Errorf("kafkarelay: batch size %d out of range 1..%d", c.BatchSize, eventstore.MaxAppendEvents)
	case c.BatchBytes < 0:
		return fmt.Errorf("kafkarelay: negative batch bytes %d", c.BatchBytes)
	case c.BatchTimeout < 0 || c.WriteTimeout < 0 || c.MinBackoff < 0 || c.MaxBackoff < 0:
		return errors.New("kafkarelay: negative duration")
	case c.MaxBackoff != 0 && c.MinBackoff > c.MaxBackoff:
		return fmt.Errorf("kafkarelay: min backoff %s above max backoff %s", c.MinBackoff, c.MaxBackoff)
	}
	return c.Topics.Validate()
}

// ValidateBrokers checks that there is at least one broker and each is
// "host:port" with a numeric port.
func ValidateBrokers(brokers []string) error {
	if len(brokers) == 0 {
		return errors.New("kafkarelay: no brokers")
	}
	for _, b := range brokers {
		host, port, err := net.SplitHostPort(b)
		if err != nil || host == "" || port == "" || strings.Trim(port, "0123456789") != "" {
			return fmt.Errorf("kafkarelay: broker %q is not host:port", b)
		}
	}
	return nil
}

// messageWriter is the part of *kafka.Writer the relay uses.
type messageWriter interface {
	WriteMessages(ctx context.Context, msgs ...kafka.Message) error
	Close() error
}

// Relay publishes the event store's global log to Kafka. Create it with New,
// run it with Run, release it with Close.
type Relay struct {
	store eventstore.Store
	cp    Checkpointer
	cfg   Config
	log   *slog.Logger
	w     messageWriter
	tr    *kafka.Transport
	// mkWriter builds a fresh writer and transport; nil in tests that
	// inject a writer.
	mkWriter func() (messageWriter, *kafka.Transport)

	running atomic.Bool

	mu       sync.Mutex
	pos      eventstore.Position
	stats    Stats
	progress chan struct{} // closed and replaced whenever pos advances
}

// Stats counts a relay's work since it was created.
type Stats struct {
	// Published counts messages the brokers acknowledged, duplicates
	// included.
	Published uint64
	// Batches counts acknowledged produce rounds.
	Batches uint64
	// WriteErrors counts failed produce rounds (each is retried).
	WriteErrors uint64
	// Resubscribes counts subscriptions restarted after an error.
	Resubscribes uint64
	// Position is the last position known to be published.
	Position eventstore.Position
}

// New returns a relay from store through cp to the brokers in cfg. It
// returns an error when cfg is invalid or store or cp is nil; it does not
// contact the brokers.
func New(store eventstore.Store, cp Checkpointer, cfg Config) (*Relay, error) {
	if store == nil || cp == nil {
		return nil, errors.New("kafkarelay: relay needs a store and a checkpointer")
	}
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r := newRelay(store, cp, cfg, nil, nil)
	r.mkWriter = func() (messageWriter, *kafka.Transport) {
		tr := &kafka.Transport{
			DialTimeout: 5 * time.Second,
			IdleTimeout: 30 * time.Second,
			ClientID:    "remitflow-kafkarelay",
		}
		return &kafka.Writer{
			Addr:                   kafka.TCP(cfg.Brokers...),
			Balancer:               kafka.Murmur2Balancer{Consistent: true},
			RequiredAcks:           kafka.RequireAll,
			BatchSize:              cfg.BatchSize,
			BatchBytes:             int64(cfg.BatchBytes),
			BatchTimeout:           cfg.BatchTimeout,
			WriteTimeout:           cfg.WriteTimeout,
			ReadTimeout:            cfg.WriteTimeout,
			MaxAttempts:            2,
			WriteBackoffMin:        cfg.MinBackoff,
			WriteBackoffMax:        cfg.MinBackoff,
			AllowAutoTopicCreation: cfg.AllowAutoTopicCreation,
			Transport:              tr,
		}, tr
	}
	r.w, r.tr = r.mkWriter()
	return r, nil
}

func newRelay(store eventstore.Store, cp Checkpointer, cfg Config, w messageWriter, tr *kafka.Transport) *Relay {
	return &Relay{store: store, cp: cp, cfg: cfg, log: cfg.Logger.With("component", "kafkarelay"), w: w, tr: tr, progress: make(chan struct{})}
}

// Close releases the Kafka writer and its connections. Call it after Run
// returned. It returns the writer's error.
func (r *Relay) Close() error {
	if err := r.closeWriter(); err != nil {
		return fmt.Errorf("kafkarelay: close writer: %w", err)
	}
	return nil
}

func (r *Relay) closeWriter() error {
	err := r.w.Close()
	if r.tr != nil {
		r.tr.CloseIdleConnections()
	}
	return err
}

// renewWriter replaces the writer after a failed write. Kafka-go caches
// cluster metadata for its TTL and does not refresh it on "not leader"
// errors, so after a broker restart or leader change a fresh transport is
// the quickest way to find the new leaders.
func (r *Relay) renewWriter(ctx context.Context) {
	if r.mkWriter == nil {
		return
	}
	if err := r.closeWriter(); err != nil {
		r.log.DebugContext(ctx, "closing failed writer", "err", err)
	}
	r.w, r.tr = r.mkWriter()
}

// Stats returns a snapshot of the relay's counters.
func (r *Relay) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stats
	s.Position = r.pos
	return s
}

// WaitFor blocks until every event up to pos has been published and
// checkpointed (or skipped by the filters). It returns the context's error
// when ctx ends first.
func (r *Relay) WaitFor(ctx context.Context, pos eventstore.Position) error {
	for {
		r.mu.Lock()
		done, ch := !r.pos.Less(pos), r.progress
		r.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (r *Relay) advance(pos eventstore.Position, published int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pos = pos
	if published > 0 {
		r.stats.Published += uint64(published)
		r.stats.Batches++
	}
	close(r.progress)
	r.progress = make(chan struct{})
}

func (r *Relay) count(f func(*Stats)) {
	r.mu.Lock()
	f(&r.stats)
	r.mu.Unlock()
}

// ErrRunning is returned by Run when the relay is already running.
var ErrRunning = errors.New("kafkarelay: relay already running")

// Run loads the checkpoint and publishes events until ctx ends. Failed
// writes, checkpoint saves and dropped subscriptions are retried with
// backoff; nothing is skipped. Run returns the context's error when ctx
// ends, an error wrapping ErrCheckpointConflict when another relay saved the
// same checkpoint, ErrEventTooLarge when an event cannot be written,
// eventstore.ErrClosed when the store was closed, the checkpointer's error
// when the checkpoint cannot be decoded, or ErrRunning when Run is already
// running on this relay.
func (r *Relay) Run(ctx context.Context) error {
	if !r.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer r.running.Store(false)
	var pos eventstore.Position
	err := r.retry(ctx, "load checkpoint", func() error {
		var err error
		pos, err = r.cp.Load(ctx)
		return err
	}, func(err error) bool {
		return errors.Is(err, eventstore.ErrUnavailable)
	})
	if err != nil {
		return err
	}
	r.advance(pos, 0)
	r.log.InfoContext(ctx, "relay starting", "after", pos.String(), "brokers", r.cfg.Brokers)
	bo := r.newBackoff()
	for {
		err := r.runFrom(ctx, &pos, bo)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, eventstore.ErrClosed), errors.Is(err, ErrCheckpointConflict), errors.Is(err, ErrEventTooLarge):
			r.log.ErrorContext(ctx, "relay stopped", "err", err, "position", pos.String())
			return err
		}
		r.count(func(s *Stats) { s.Resubscribes++ })
		r.log.WarnContext(ctx, "subscription ended, resubscribing", "err", err, "after", pos.String())
		if err := bo.wait(ctx); err != nil {
			return err
		}
	}
}

type subItem struct {
	ev  eventstore.RecordedEvent
	err error
}

// runFrom subscribes after *pos and publishes until the subscription fails.
func (r *Relay) runFrom(ctx context.Context, pos *eventstore.Position, bo *backoff) error {
	sub, err := r.store.SubscribeAll(ctx, eventstore.SubscribeOptions{After: *pos, Filter: r.cfg.Filter})
	if err != nil {
		return fmt.Errorf("kafkarelay: subscribe after %s: %w", *pos, err)
	}
	subCtx, cancel := context.WithCancel(ctx)
	items := make(chan subItem, r.cfg.BatchSize)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(items)
		for {
			ev, err := sub.Next(subCtx)
			select {
			case items <- subItem{ev, err}:
			case <-subCtx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	defer func() {
		cancel()
		sub.Close()
		for range items {
		}
		wg.Wait()
	}()

	for {
		var it subItem
		var ok bool
		select {
		case it, ok = <-items:
		case <-ctx.Done():
			return ctx.Err()
		}
		if !ok {
			if err := ctx.Err(); err != nil {
				return err
			}
			return errors.New("kafkarelay: subscription ended")
		}
		if it.err != nil {
			return fmt.Errorf("kafkarelay: subscription: %w", it.err)
		}
		batch := []eventstore.RecordedEvent{it.ev}
		size := estimateSize(it.ev)
		var pending error
	fill:
		for len(batch) < r.cfg.BatchSize {
			select {
			case it, ok := <-items:
				if !ok {
					break fill
				}
				if it.err != nil {
					pending = fmt.Errorf("kafkarelay: subscription: %w", it.err)
					break fill
				}
				s := estimateSize(it.ev)
				if size+s > r.cfg.BatchBytes {
					// Does not fit: publish what we have and start the next
					// batch with it.
					if err := r.publish(ctx, batch, pos, bo); err != nil {
						return err
					}
					batch, size = batch[:0], 0
				}
				batch = append(batch, it.ev)
				size += s
			default:
				break fill
			}
		}
		if err := r.publish(ctx, batch, pos, bo); err != nil {
			return err
		}
		if pending != nil {
			return pending
		}
	}
}

// publish writes one batch until the brokers acknowledge it, then saves the
// checkpoint and advances *pos.
func (r *Relay) publish(ctx context.Context, batch []eventstore.RecordedEvent, pos *eventstore.Position, bo *backoff) error {
	if len(batch) == 0 {
		return nil
	}
	last := batch[len(batch)-1].Position
	msgs := make([]kafka.Message, 0, len(batch))
	for _, ev := range batch {
		if r.excluded(ev.Stream) {
			continue
		}
		if s := estimateSize(ev); s > r.cfg.BatchBytes {
			return fmt.Errorf("%w: %s@%d (%s) is about %d bytes, limit %d", ErrEventTooLarge, ev.Stream, ev.Revision, ev.ID, s, r.cfg.BatchBytes)
		}
		msgs = append(msgs, Encode(ev, r.cfg.Topics.Topic(ev.Stream), r.cfg.Source))
	}
	if len(msgs) == 0 {
		// Only excluded events: move on without a checkpoint, so that saving
		// a checkpoint never causes another one.
		*pos = last
		r.advance(last, 0)
		return nil
	}
	n := len(msgs)
	todo := msgs
	for {
		err := r.w.WriteMessages(ctx, todo...)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var tooLarge kafka.MessageTooLargeError
		if errors.As(err, &tooLarge) || errors.Is(err, kafka.MessageSizeTooLarge) {
			return fmt.Errorf("%w: %w", ErrEventTooLarge, err)
		}
		var werrs kafka.WriteErrors
		if errors.As(err, &werrs) && len(werrs) == len(todo) {
			// Partitions that were acknowledged stay written; only the
			// failed partitions are sent again, and each partition's
			// messages were one produce request, so per-key order holds.
			var failed []kafka.Message
			for i, e := range werrs {
				if errors.Is(e, kafka.MessageSizeTooLarge) {
					return fmt.Errorf("%w: %w", ErrEventTooLarge, e)
				}
				if e != nil {
					failed = append(failed, todo[i])
				}
			}
			todo = failed
		}
		r.count(func(s *Stats) { s.WriteErrors++ })
		r.log.WarnContext(ctx, "kafka write failed, retrying", "err", err, "messages", len(todo), "after", pos.String())
		r.renewWriter(ctx)
		if err := bo.wait(ctx); err != nil {
			return err
		}
	}
	err := r.retry(ctx, "save checkpoint", func() error { return r.cp.Save(ctx, last) }, func(err error) bool {
		return !errors.Is(err, ErrCheckpointConflict) && !errors.Is(err, eventstore.ErrClosed)
	})
	if err != nil {
		return err
	}
	bo.reset()
	*pos = last
	r.advance(last, n)
	r.log.DebugContext(ctx, "published", "messages", n, "position", last.String())
	return nil
}

func (r *Relay) excluded(stream string) bool {
	for _, p := range r.cfg.ExcludeStreamPrefixes {
		if strings.HasPrefix(stream, p) {
			return true
		}
	}
	return false
}

// retry calls f until it succeeds, ctx ends or retryable says no.
func (r *Relay) retry(ctx context.Context, what string, f func() error, retryable func(error) bool) error {
	bo := r.newBackoff()
	for {
		err := f()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !retryable(err) {
			return err
		}
		r.log.WarnContext(ctx, what+" failed, retrying", "err", err)
		if err := bo.wait(ctx); err != nil {
			return err
		}
	}
}

// estimateSize is an upper bound of the bytes an event takes in a produce
// request.
func estimateSize(ev eventstore.RecordedEvent) int {
	return 2*len(ev.Stream) + len(ev.Data) + len(ev.Metadata) + len(ev.Type) + 512
}

type backoff struct {
	min, max, cur time.Duration
}

func (r *Relay) newBackoff() *backoff {
	return &backoff{min: r.cfg.MinBackoff, max: r.cfg.MaxBackoff}
}

func (b *backoff) reset() { b.cur = 0 }

// wait sleeps for the next backoff interval (with jitter) or until ctx ends.
func (b *backoff) wait(ctx context.Context) error {
	if b.cur == 0 {
		b.cur = b.min
	} else {
		b.cur = min(2*b.cur, b.max)
	}
	d := b.cur/2 + rand.N(b.cur/2+1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
