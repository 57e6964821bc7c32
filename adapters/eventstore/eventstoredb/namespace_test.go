package eventstoredb_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/remitflow/remitflow/domain/eventstore"
)

// nsStore gives a test its own corner of a shared database: every stream
// name gets a unique prefix, reads and subscriptions see only that prefix,
// and the prefix is removed from what they return. It lets the conformance
// suite, which expects an empty store per subtest, run against a real
// EventStoreDB that other subtests (and other runs) have written to.
type nsStore struct {
	inner eventstore.Store
	ns    string

	mu    sync.Mutex
	short map[string]string // shortened inner name → outer name
}

var _ eventstore.Store = (*nsStore)(nil)

func newNSStore(inner eventstore.Store) *nsStore {
	return &nsStore{inner: inner, ns: "t" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12] + "_", short: map[string]string{}}
}

// in maps an outer stream name; names that would exceed the limit with the
// prefix are cut and remembered.
func (n *nsStore) in(stream string) string {
	name := n.ns + stream
	if len(name) <= eventstore.MaxStreamNameLen {
		return name
	}
	name = name[:eventstore.MaxStreamNameLen]
	n.mu.Lock()
	n.short[name] = stream
	n.mu.Unlock()
	return name
}

func (n *nsStore) out(e eventstore.RecordedEvent) eventstore.RecordedEvent {
	n.mu.Lock()
	outer, ok := n.short[e.Stream]
	n.mu.Unlock()
	if ok {
		e.Stream = outer
	} else {
		e.Stream = strings.TrimPrefix(e.Stream, n.ns)
	}
	return e
}

// filter maps an outer filter onto the inner store; the returned function
// applies what the inner filter cannot (event types within the prefix).
func (n *nsStore) filter(f eventstore.Filter) (eventstore.Filter, func(eventstore.RecordedEvent) bool) {
	switch f.Kind {
	case eventstore.FilterNone:
		return eventstore.StreamPrefix(n.ns), func(eventstore.RecordedEvent) bool { return true }
	case eventstore.FilterStreamPrefix:
		ps := make([]string, len(f.Prefixes))
		for i, p := range f.Prefixes {
			ps[i] = n.ns + p
		}
		return eventstore.Filter{Kind: eventstore.FilterStreamPrefix, Prefixes: ps}, func(eventstore.RecordedEvent) bool { return true }
	case eventstore.FilterEventTypePrefix:
		return eventstore.StreamPrefix(n.ns), func(e eventstore.RecordedEvent) bool { return f.Matches(e.Stream, e.Type) }
	}
	return f, func(eventstore.RecordedEvent) bool { return false }
}

func (n *nsStore) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppend(stream, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	res, err := n.inner.Append(ctx, n.in(stream), expected, events...)
	var w *eventstore.WrongExpectedRevisionError
	if errors.As(err, &w) {
		outer := *w
		outer.Stream = stream
		return res, fmt.Errorf("namespaced: %w", &outer)
	}
	return res, err
}

func (n *nsStore) ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) iter.Seq2[eventstore.RecordedEvent, error] {
	return func(yield func(eventstore.RecordedEvent, error) bool) {
		if err := eventstore.ValidateStreamName(stream); err != nil {
			yield(eventstore.RecordedEvent{}, err)
			return
		}
		for e, err := range n.inner.ReadStream(ctx, n.in(stream), opts) {
			if err != nil {
				yield(e, err)
				return
			}
			if !yield(n.out(e), nil) {
				return
			}
		}
	}
}

func (n *nsStore) ReadAll(ctx context.Context, opts eventstore.ReadAllOptions) iter.Seq2[eventstore.RecordedEvent, error] {
	return func(yield func(eventstore.RecordedEvent, error) bool) {
		inner := opts
		var keep func(eventstore.RecordedEvent) bool
		inner.Filter, keep = n.filter(opts.Filter)
		inner.MaxCount = 0
		var yielded uint64
		for e, err := range n.inner.ReadAll(ctx, inner) {
			if err != nil {
				yield(e, err)
				return
			}
			e = n.out(e)
			if !keep(e) {
				continue
			}
			if !yield(e, nil) {
				return
			}
			if yielded++; opts.MaxCount > 0 && yielded >= opts.MaxCount {
				return
			}
		}
	}
}

func (n *nsStore) SubscribeAll(ctx context.Context, opts eventstore.SubscribeOptions) (eventstore.Subscription, error) {
	inner := opts
	var keep func(eventstore.RecordedEvent) bool
	inner.Filter, keep = n.filter(opts.Filter)
	sub, err := n.inner.SubscribeAll(ctx, inner)
	if err != nil {
		return nil, err
	}
	return &nsSubscription{n: n, inner: sub, keep: keep}, nil
}

func (n *nsStore) Close() error { return n.inner.Close() }

type nsSubscription struct {
	n     *nsStore
	inner eventstore.Subscription
	keep  func(eventstore.RecordedEvent) bool
}

func (s *nsSubscription) Next(ctx context.Context) (eventstore.RecordedEvent, error) {
	for {
		e, err := s.inner.Next(ctx)
		if err != nil {
			return e, err
		}
		if e = s.n.out(e); s.keep(e) {
			return e, nil
		}
	}
}

func (s *nsSubscription) Close() error { return s.inner.Close() }
