package kafkarelay

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/segmentio/kafka-go"
)

// Deduper remembers event IDs a consumer has handled, so that the relay's
// at-least-once duplicates reach the handler once. Implementations must be
// safe for use by one goroutine at a time; the Consumer never calls them
// concurrently.
type Deduper interface {
	// Seen reports whether id was added before.
	Seen(id uuid.UUID) bool
	// Add records id as handled.
	Add(id uuid.UUID)
}

// DefaultDedupeSize is the capacity of the Consumer's default LRU.
const DefaultDedupeSize = 100_000

// LRU is a Deduper that remembers the most recently added IDs, up to a
// capacity. Relay duplicates are close together (one unacknowledged batch
// republished), so a window of a few batches is enough within one consumer
// process; handlers that must be exactly-once across rebalances keep their
// own idempotency record instead.
type LRU struct {
	mu    sync.Mutex
	cap   int
	order *list.List
	items map[uuid.UUID]*list.Element
}

var _ Deduper = (*LRU)(nil)

// NewLRU returns an LRU holding up to capacity IDs (at least 1).
func NewLRU(capacity int) *LRU {
	return &LRU{cap: max(capacity, 1), order: list.New(), items: make(map[uuid.UUID]*list.Element)}
}

// Seen reports whether id is among the remembered IDs and marks it recent.
func (l *LRU) Seen(id uuid.UUID) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.items[id]
	if ok {
		l.order.MoveToFront(e)
	}
	return ok
}

// Add remembers id, forgetting the least recently used ID when full.
func (l *LRU) Add(id uuid.UUID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.items[id]; ok {
		l.order.MoveToFront(e)
		return
	}
	l.items[id] = l.order.PushFront(id)
	if l.order.Len() > l.cap {
		old := l.order.Back()
		l.order.Remove(old)
		delete(l.items, old.Value.(uuid.UUID))
	}
}

// Len returns the number of remembered IDs.
func (l *LRU) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.order.Len()
}

// Handler handles one decoded event. Returning an error leaves the message
// uncommitted; the Consumer retries it.
type Handler func(ctx context.Context, ev Event) error

// ErrHandler wraps the last handler error when the Consumer gave up on a
// message after ConsumerConfig.HandlerAttempts.
var ErrHandler = errors.New("kafkarelay: handler failed")

// ConsumerConfig configures a Consumer.
type ConsumerConfig struct {
	// Brokers are the bootstrap brokers, "host:port".
	Brokers []string
	// GroupID is the consumer group; use one of the Group* constants.
	GroupID string
	// Topics are the topics to read, e.g. "remitflow.transfer.v1".
	Topics []string
	// Dedupe drops duplicate ce_ids; NewLRU(DefaultDedupeSize) when nil.
	Dedupe Deduper
	// HandlerAttempts is how often a failing handler is called for one
	// message before Run gives up; 5 when zero.
	HandlerAttempts int
	// MinBackoff and MaxBackoff bound the wait between handler attempts;
	// DefaultMinBackoff and DefaultMaxBackoff when zero.
	MinBackoff, MaxBackoff time.Duration
	// SkipMalformed commits and logs messages that are not relay
	// CloudEvents instead of stopping Run with ErrMalformedMessage.
	SkipMalformed bool
	// MaxWait bounds how long a fetch waits for new data; 500 ms when zero.
	MaxWait time.Duration
	// Logger receives logs; slog.Default() when nil.
	Logger *slog.Logger
}

// Consumer reads relay topics in a consumer group and hands each event to a
// handler before committing its offset.
type Consumer struct {
	cfg    ConsumerConfig
	reader *kafka.Reader
	log    *slog.Logger
}

// NewConsumer returns a consumer. It returns an error when brokers, group
// or topics are missing or malformed; it does not contact the brokers.
func NewConsumer(cfg ConsumerConfig) (*Consumer, error) {
	if err := ValidateBrokers(cfg.Brokers); err != nil {
		return nil, err
	}
	if cfg.GroupID == "" {
		return nil, errors.New("kafkarelay: consumer needs a group ID")
	}
	if len(cfg.Topics) == 0 {
		return nil, errors.New("kafkarelay: consumer needs topics")
	}
	for _, t := range cfg.Topics {
		if err := ValidateTopic(t); err != nil {
			return nil, fmt.Errorf("kafkarelay: %w", err)
		}
	}
	if cfg.Dedupe == nil {
		cfg.Dedupe = NewLRU(DefaultDedupeSize)
	}
	if cfg.HandlerAttempts <= 0 {
		cfg.HandlerAttempts = 5
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = DefaultMinBackoff
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = 500 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	log := cfg.Logger.With("component", "kafkarelay.consumer", "group", cfg.GroupID)
	reader := kafka.NewReader(kafka.ReaderConfig{
		Brokers:     cfg.Brokers,
		GroupID:     cfg.GroupID,
		GroupTopics: cfg.Topics,
		MinBytes:    1,
		MaxBytes:    10 << 20,
		MaxWait:     cfg.MaxWait,
		// Zero commits synchronously in CommitMessages: an offset is
		// committed only after its handler returned.
		CommitInterval: 0,
		StartOffset:    kafka.FirstOffset,
		ErrorLogger: kafka.LoggerFunc(func(msg string, args ...any) {
			log.Warn(fmt.Sprintf(msg, args...))
		}),
	})
	return &Consumer{cfg: cfg, reader: reader, log: log}, nil
}

// Run fetches messages and calls h for each new event, committing each
// message after h succeeded (or after it was recognised as a duplicate).
// It returns the context's error when ctx ends, an error wrapping ErrHandler
// when h kept failing, one wrapping ErrMalformedMessage for a message that is
// not a relay CloudEvent (unless SkipMalformed), or the reader's error.
// Nothing is committed for a message whose handling failed, so a restarted
// consumer sees it again.
func (c *Consumer) Run(ctx context.Context, h Handler) error {
	for {
		m, err := c.reader.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("kafkarelay: fetch: %w", err)
		}
		ev, err := Decode(m)
		switch {
		case err != nil && !c.cfg.SkipMalformed:
			return err
		case err != nil:
			c.log.WarnContext(ctx, "skipping malformed message", "err", err)
		case c.cfg.Dedupe.Seen(ev.ID):
			c.log.DebugContext(ctx, "skipping duplicate", "id", ev.ID, "topic", m.Topic, "offset", m.Offset)
		default:
			if err := c.handle(ctx, h, ev); err != nil {
				return err
			}
			c.cfg.Dedupe.Add(ev.ID)
		}
		if err := c.reader.CommitMessages(ctx, m); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("kafkarelay: commit %s/%d@%d: %w", m.Topic, m.Partition, m.Offset, err)
		}
	}
}

func (c *Consumer) handle(ctx context.Context, h Handler, ev Event) error {
	bo := &backoff{min: c.cfg.MinBackoff, max: c.cfg.MaxBackoff}
	var err error
	for attempt := 1; ; attempt++ {
		if err = h(ctx, ev); err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if attempt >= c.cfg.HandlerAttempts {
			return fmt.Errorf("%w: %s@%d (%s) after %d attempts: %w", ErrHandler, ev.Stream, ev.Revision, ev.ID, attempt, err)
		}
		c.log.WarnContext(ctx, "handler failed, retrying", "err", err, "stream", ev.Stream, "revision", ev.Revision, "attempt", attempt)
		if werr := bo.wait(ctx); werr != nil {
			return werr
		}
	}
}

// Close leaves the group and closes the reader. It returns the reader's
// error.
func (c *Consumer) Close() error {
	if err := c.reader.Close(); err != nil {
		return fmt.Errorf("kafkarelay: close reader: %w", err)
	}
	return nil
}
