package router

import (
	"fmt"
	"sync"
	"time"
)

// BreakerState is a circuit breaker's state.
type BreakerState string

// Breaker states.
const (
	// Closed: calls go through; consecutive failures are counted.
	Closed BreakerState = "closed"
	// Open: calls are refused until the cool-down has passed.
	Open BreakerState = "open"
	// HalfOpen: one probe call is let through; its outcome closes or reopens.
	HalfOpen BreakerState = "half-open"
)

// Breaker is a consecutive-failure circuit breaker. It is safe for
// concurrent use.
type Breaker struct {
	threshold int
	coolDown  time.Duration
	now       func() time.Time

	mu       sync.Mutex
	state    BreakerState
	failures int
	openedAt time.Time
	probing  bool
	opens    int
}

// NewBreaker returns a closed breaker; zero config fields take the defaults
// (5 failures, 30s cool-down).
func NewBreaker(cfg BreakerConfig, now func() time.Time) *Breaker {
	if cfg.FailureThreshold <= 0 {
		cfg.FailureThreshold = 5
	}
	if cfg.CoolDown <= 0 {
		cfg.CoolDown = 30 * time.Second
	}
	if now == nil {
		now = time.Now
	}
	return &Breaker{threshold: cfg.FailureThreshold, coolDown: cfg.CoolDown, now: now, state: Closed}
}

// Allow reports whether a call may go through. It returns an error wrapping
// ErrCircuitOpen while the circuit is open, or half-open with its probe
// already in flight.
func (b *Breaker) Allow() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case Open:
		if b.now().Before(b.openedAt.Add(b.coolDown)) {
			return fmt.Errorf("%w until %s", ErrCircuitOpen, b.openedAt.Add(b.coolDown).Format(time.RFC3339))
		}
		b.state, b.probing = HalfOpen, true
		return nil
	case HalfOpen:
		if b.probing {
			return fmt.Errorf("%w: probe in flight", ErrCircuitOpen)
		}
		b.probing = true
		return nil
	default:
		return nil
	}
}

// Record reports the outcome of a call that Allow let through.
func (b *Breaker) Record(failed bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case HalfOpen:
		b.probing = false
		if failed {
			b.trip()
			return
		}
		b.state, b.failures = Closed, 0
	case Closed:
		if !failed {
			b.failures = 0
			return
		}
		b.failures++
		if b.failures >= b.threshold {
			b.trip()
		}
	}
}

// Cancel reports that a call Allow let through ended without an outcome
// (the caller gave up); a half-open probe slot is freed.
func (b *Breaker) Cancel() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == HalfOpen {
		b.probing = false
	}
}

func (b *Breaker) trip() {
	b.state, b.openedAt, b.failures, b.probing = Open, b.now(), 0, false
	b.opens++
}

// State returns the current state (an open breaker whose cool-down has
// passed still reports Open until the next Allow).
func (b *Breaker) State() BreakerState {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state
}

// Opens returns how many times the circuit opened.
func (b *Breaker) Opens() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.opens
}
