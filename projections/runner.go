// Package projections runs read models over the global event log.
//
// A Projection folds events from $all, in position order, into a read model.
// The Runner catches up from the start of the log (or a checkpoint), then
// follows live events through a subscription; queries can wait until the
// runner has applied a given position (read-your-writes after a command).
// Rebuilding from zero yields byte-identical state: every read model exposes
// a Digest over its canonical contents.
package projections

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/remitflow/remitflow/domain/eventstore"
)

// Projection is one read model.
type Projection interface {
	// Name identifies the read model ("balances", "transfers", …).
	Name() string
	// Apply folds one event into the read model. Events arrive exactly once,
	// in global position order. An error stops the runner: a read model that
	// cannot apply an event must not silently diverge.
	Apply(ev eventstore.RecordedEvent) error
	// Digest returns a hex SHA-256 over the read model's canonical state.
	Digest() string
}

// ErrStopped is returned by Wait when the runner has stopped.
var ErrStopped = errors.New("projections: runner stopped")

// Runner feeds a set of projections from a store's global log.
type Runner struct {
	store       eventstore.Store
	projections []Projection

	mu       sync.Mutex
	cond     *sync.Cond
	position eventstore.Position
	applied  uint64
	caughtUp bool
	stopped  error
}

// NewRunner returns a runner that starts from the beginning of the log.
func NewRunner(store eventstore.Store, ps ...Projection) *Runner {
	r := &Runner{store: store, projections: ps}
	r.cond = sync.NewCond(&r.mu)
	return r
}

// Run catches up and then follows the log until ctx ends or a projection
// fails. It returns the context's error or the failure.
func (r *Runner) Run(ctx context.Context) error {
	err := r.run(ctx)
	r.mu.Lock()
	r.stopped = err
	if r.stopped == nil {
		r.stopped = ErrStopped
	}
	r.cond.Broadcast()
	r.mu.Unlock()
	return err
}

func (r *Runner) run(ctx context.Context) error {
	// Catch up with a plain read first, noting the head, so readiness can be
	// reported once history has been applied.
	r.mu.Lock()
	after := r.position
	r.mu.Unlock()
	for ev, err := range r.store.ReadAll(ctx, eventstore.ReadAllOptions{After: after}) {
		if err != nil {
			return fmt.Errorf("projections: catch up: %w", err)
		}
		if err := r.apply(ev); err != nil {
			return err
		}
	}
	r.mu.Lock()
	r.caughtUp = true
	after = r.position
	r.cond.Broadcast()
	r.mu.Unlock()

	sub, err := r.store.SubscribeAll(ctx, eventstore.SubscribeOptions{After: after})
	if err != nil {
		return fmt.Errorf("projections: subscribe: %w", err)
	}
	defer sub.Close()
	for {
		ev, err := sub.Next(ctx)
		if err != nil {
			return fmt.Errorf("projections: follow: %w", err)
		}
		if err := r.apply(ev); err != nil {
			return err
		}
	}
}

func (r *Runner) apply(ev eventstore.RecordedEvent) error {
	for _, p := range r.projections {
		if err := p.Apply(ev); err != nil {
			return fmt.Errorf("projections: %s at %s (%s %s@%d): %w", p.Name(), ev.Position, ev.Type, ev.Stream, ev.Revision, err)
		}
	}
	r.mu.Lock()
	r.position = ev.Position
	r.applied++
	r.cond.Broadcast()
	r.mu.Unlock()
	return nil
}

// Position returns the position of the last event applied.
func (r *Runner) Position() eventstore.Position {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.position
}

// Applied returns how many events have been applied.
func (r *Runner) Applied() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.applied
}

// CaughtUp reports whether the runner has applied the history that existed
// when it started (readiness).
func (r *Runner) CaughtUp() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.caughtUp
}

// Wait blocks until the runner has applied pos (or a later position). It
// returns the context's error, or ErrStopped (wrapping the runner's error)
// if the runner stops first.
func (r *Runner) Wait(ctx context.Context, pos eventstore.Position) error {
	stop := context.AfterFunc(ctx, func() {
		r.mu.Lock()
		r.cond.Broadcast()
		r.mu.Unlock()
	})
	defer stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	for r.position.Less(pos) {
		if r.stopped != nil {
			return fmt.Errorf("%w: %v", ErrStopped, r.stopped)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		r.cond.Wait()
	}
	return nil
}

// Digests returns every projection's digest by name.
func (r *Runner) Digests() map[string]string {
	out := make(map[string]string, len(r.projections))
	for _, p := range r.projections {
		out[p.Name()] = p.Digest()
	}
	return out
}
