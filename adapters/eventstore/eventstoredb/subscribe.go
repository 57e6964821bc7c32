package eventstoredb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/remitflow/remitflow/domain/eventstore"
)

// SubscribeAll starts a catch-up subscription to $all: every event after
// opts.After that passes opts.Filter, history first, then live. The filter
// is applied by the server (prefixes on stream names or event types) and
// again by the client; system events are never delivered. eventstore.End as
// opts.After means the current end of the log, which is looked up now. The
// subscription survives dropped connections (see Subscription).
//
// It returns an error wrapping eventstore.ErrClosed, the context's error, or
// (only when looking up the end) ErrUnavailable; otherwise it does not wait
// for the server, so an unreachable server shows up in Next.
func (s *Store) SubscribeAll(ctx context.Context, opts eventstore.SubscribeOptions) (eventstore.Subscription, error) {
	const op = "subscribe to $all"
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("eventstoredb: %s: %w", op, err)
	}
	if s.isClosed() {
		return nil, fmt.Errorf("eventstoredb: %s: %w", op, eventstore.ErrClosed)
	}
	if opts.After == eventstore.End {
		end, err := s.lastPosition(ctx)
		if err != nil {
			return nil, err
		}
		opts.After = end
	}
	sctx, cancel := context.WithCancel(ctx)
	sub := &Subscription{
		store:  s,
		ctx:    sctx,
		cancel: cancel,
		filter: opts.Filter,
		last:   opts.After,
		closed: make(chan struct{}),
	}
	// End the subscription with the store.
	go func() {
		select {
		case <-s.done:
			cancel()
		case <-sctx.Done():
		}
	}()
	return sub, nil
}

// lastPosition returns the position of the last event in $all, system
// events included, or eventstore.Start for an empty log.
func (s *Store) lastPosition(ctx context.Context) (eventstore.Position, error) {
	const op = "read the end of $all"
	for retried := false; ; retried = true {
		c, err := s.acquire()
		if err != nil {
			return eventstore.Position{}, fmt.Errorf("eventstoredb: %s: %w", op, err)
		}
		next, stop := s.openRead(ctx, c, func(ctx context.Context) (*esdb.ReadStream, error) {
			return c.client.ReadAll(ctx, esdb.ReadAllOptions{Direction: esdb.Backwards, From: esdb.End{}}, 1)
		})
		ev, err := next()
		stop()
		switch {
		case err == nil:
			return toPosition(ev.Position), nil
		case errors.Is(err, io.EOF):
			return eventstore.Start, nil
		case !retried && s.retryable(ctx, c, err):
			continue
		}
		return eventstore.Position{}, s.mapError(ctx, op, err)
	}
}

// Subscription is a catch-up subscription on $all. Next pulls one event at a
// time; at most one message is read ahead of the caller, so a slow reader
// slows the server down through gRPC flow control instead of buffering.
//
// When the server drops the subscription (node restart, network failure),
// Next re-subscribes from the position of the last event it saw, waiting
// Config.MinBackoff, doubling up to Config.MaxBackoff between attempts, and
// skips events at or before that position: delivery has no gaps and no
// duplicates. Checkpoint, caught-up and fell-behind messages are not
// delivered.
type Subscription struct {
	store  *Store
	ctx    context.Context
	cancel context.CancelFunc
	filter eventstore.Filter

	mu     sync.Mutex // serialises Next
	last   eventstore.Position
	att    *attempt
	closed chan struct{}
	once   sync.Once
}

var _ eventstore.Subscription = (*Subscription)(nil)

// attempt is one server-side subscription, read by its own goroutine.
type attempt struct {
	conn   *conn
	cancel context.CancelFunc
	events chan *esdb.SubscriptionEvent
}

// serverFilter maps the port's filter onto a server-side one. System events
// are excluded on the server when the filter allows everything.
func serverFilter(f eventstore.Filter) *esdb.SubscriptionFilter {
	switch {
	case f.Kind == eventstore.FilterStreamPrefix && len(f.Prefixes) > 0:
		return &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: f.Prefixes}
	case f.Kind == eventstore.FilterEventTypePrefix && len(f.Prefixes) > 0:
		return &esdb.SubscriptionFilter{Type: esdb.EventFilterType, Prefixes: f.Prefixes}
	}
	return esdb.ExcludeSystemEventsFilter()
}

// start opens a server-side subscription from sub.last. The goroutine that
// opens it then reads it, handing one message at a time to Next.
func (sub *Subscription) start(ctx context.Context) (*attempt, error) {
	c, err := sub.store.acquire()
	if err != nil {
		return nil, err
	}
	actx, cancel := context.WithCancel(sub.ctx)
	opts := esdb.SubscribeToAllOptions{
		From:   esdb.Start{},
		Filter: serverFilter(sub.filter),
	}
	if !sub.last.IsZero() {
		opts.From = esdb.Position{Commit: sub.last.Commit, Prepare: sub.last.Prepare}
	}
	a := &attempt{conn: c, cancel: cancel, events: make(chan *esdb.SubscriptionEvent)}
	started := make(chan error, 1)
	sub.store.spawn(c, func() {
		es, err := c.client.SubscribeToAll(actx, opts)
		sub.store.observe(c, err)
		started <- err
		if err != nil {
			return
		}
		defer es.Close()
		for {
			ev := es.Recv()
			if ev.SubscriptionDropped != nil {
				sub.store.observe(c, ev.SubscriptionDropped.Error)
			}
			select {
			case a.events <- ev:
			case <-actx.Done():
				return
			}
			if ev.SubscriptionDropped != nil {
				return
			}
		}
	})
	select {
	case err = <-started:
	case <-ctx.Done():
		err = ctx.Err()
	case <-actx.Done():
		err = actx.Err()
	case <-c.dead:
		select {
		case err = <-started:
		default:
			err = errConnectionLost
		}
	}
	if err != nil {
		cancel()
		return nil, err
	}
	return a, nil
}

// stop ends an attempt.
func (sub *Subscription) stop(a *attempt) {
	a.cancel()
}

// Next blocks until the next matching event and returns it. It returns an
// error wrapping eventstore.ErrClosed after Close or when the store closes,
// the context's error when ctx or the subscription's context ends, or
// eventstore.ErrUnavailable when the server could not be reached again within
// Config.ResubscribeWindow (a later call tries again).
func (sub *Subscription) Next(ctx context.Context) (eventstore.RecordedEvent, error) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	var (
		backoff   time.Duration
		downSince time.Time
	)
	for {
		if err := sub.endErr(ctx); err != nil {
			if sub.ctx.Err() != nil && sub.att != nil {
				sub.stop(sub.att)
				sub.att = nil
			}
			return eventstore.RecordedEvent{}, err
		}
		if sub.att == nil {
			a, err := sub.start(ctx)
			if err != nil {
				if err := sub.endErr(ctx); err != nil {
					return eventstore.RecordedEvent{}, err
				}
				if !isConnectionError(err) {
					return eventstore.RecordedEvent{}, sub.store.mapError(ctx, "subscribe to $all", err)
				}
				if downSince.IsZero() {
					downSince = time.Now()
				}
				if time.Since(downSince) >= sub.store.window {
					return eventstore.RecordedEvent{}, sub.store.mapError(ctx, "subscribe to $all", err)
				}
				backoff = sub.nextBackoff(backoff)
				if err := sub.sleep(ctx, backoff); err != nil {
					return eventstore.RecordedEvent{}, err
				}
				continue
			}
			sub.att = a
		}
		var ev *esdb.SubscriptionEvent
		select {
		case ev = <-sub.att.events:
		case <-sub.att.conn.dead:
			// The client lost the node; a blocked read may never return.
			ev = &esdb.SubscriptionEvent{SubscriptionDropped: &esdb.SubscriptionDropped{Error: errConnectionLost}}
		case <-ctx.Done():
			return eventstore.RecordedEvent{}, fmt.Errorf("eventstoredb: subscription: %w", ctx.Err())
		case <-sub.ctx.Done():
			continue // endErr reports why
		case <-sub.closed:
			continue
		}
		switch {
		case ev.EventAppeared != nil:
			backoff, downSince = 0, time.Time{}
			rec := ev.EventAppeared.Event
			if rec == nil {
				continue
			}
			p := toPosition(rec.Position)
			if p.Compare(sub.last) <= 0 {
				continue // already delivered before a re-subscription
			}
			sub.last = p
			if isSystem(rec) || !sub.filter.Matches(rec.StreamID, rec.EventType) {
				continue
			}
			return toRecorded(rec), nil
		case ev.SubscriptionDropped != nil:
			err := ev.SubscriptionDropped.Error
			if err == nil {
				err = errors.New("subscription dropped")
			}
			sub.stop(sub.att)
			sub.att = nil
			if e := sub.endErr(ctx); e != nil {
				return eventstore.RecordedEvent{}, e
			}
			if !isConnectionError(err) && !isTransient(err) {
				return eventstore.RecordedEvent{}, sub.store.mapError(ctx, "subscription", err)
			}
			if downSince.IsZero() {
				downSince = time.Now()
			}
			backoff = sub.nextBackoff(backoff)
			if err := sub.sleep(ctx, backoff); err != nil {
				return eventstore.RecordedEvent{}, err
			}
		default:
			// Checkpoints, caught-up and fell-behind messages.
		}
	}
}

// isTransient reports errors after which re-subscribing is worth trying.
func isTransient(err error) bool {
	var e *esdb.Error
	if errors.As(err, &e) {
		switch e.Code() {
		case esdb.ErrorAborted, esdb.ErrorCodeInternalServer:
			return true
		}
	}
	return isConnectionError(err) || isGRPCTransient(err)
}

// endErr reports why the subscription can no longer deliver, or nil.
func (sub *Subscription) endErr(ctx context.Context) error {
	select {
	case <-sub.closed:
		return fmt.Errorf("eventstoredb: subscription: %w", eventstore.ErrClosed)
	default:
	}
	if sub.store.isClosed() {
		return fmt.Errorf("eventstoredb: subscription: %w", eventstore.ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("eventstoredb: subscription: %w", err)
	}
	if err := sub.ctx.Err(); err != nil {
		return fmt.Errorf("eventstoredb: subscription: %w", err)
	}
	return nil
}

func (sub *Subscription) nextBackoff(d time.Duration) time.Duration {
	if d <= 0 {
		return sub.store.minBack
	}
	return min(2*d, sub.store.maxBack)
}

func (sub *Subscription) sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
	case <-sub.ctx.Done():
	case <-sub.closed:
	}
	return sub.endErr(ctx)
}

// Close ends the subscription; a blocked Next returns ErrClosed. It is safe
// to call more than once and always returns nil.
func (sub *Subscription) Close() error {
	sub.once.Do(func() {
		close(sub.closed)
		sub.cancel()
	})
	// Release the server-side subscription once Next is not using it.
	go func() {
		sub.mu.Lock()
		defer sub.mu.Unlock()
		if sub.att != nil {
			sub.stop(sub.att)
			sub.att = nil
		}
	}()
	return nil
}
