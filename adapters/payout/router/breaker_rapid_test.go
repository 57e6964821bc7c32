package router

import (
	"errors"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestBreakerMatchesModel drives a Breaker with random calls, outcomes,
// cancellations and clock advances and compares it with a plain model of the
// closed/open/half-open machine.
func TestBreakerMatchesModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		threshold := rapid.IntRange(1, 5).Draw(rt, "threshold")
		cool := time.Duration(rapid.IntRange(1, 10).Draw(rt, "cooldown")) * time.Second
		c := &clock{t: time.Unix(0, 0)}
		b := NewBreaker(BreakerConfig{FailureThreshold: threshold, CoolDown: cool}, c.Now)

		state, failures, probing := Closed, 0, false
		var openedAt time.Time
		inFlight := 0
		rt.Repeat(map[string]func(*rapid.T){
			"allow": func(rt *rapid.T) {
				want := true
				switch state {
				case Open:
					if c.Now().Before(openedAt.Add(cool)) {
						want = false
					} else {
						state, probing = HalfOpen, true
					}
				case HalfOpen:
					if probing {
						want = false
					} else {
						probing = true
					}
				}
				err := b.Allow()
				if (err == nil) != want {
					rt.Fatalf("Allow() = %v in model state %s, want allowed=%v", err, state, want)
				}
				if err != nil && !errors.Is(err, ErrCircuitOpen) {
					rt.Fatalf("Allow() error %v does not wrap ErrCircuitOpen", err)
				}
				if err == nil {
					inFlight++
				}
			},
			"record": func(rt *rapid.T) {
				if inFlight == 0 {
					rt.Skip("no call in flight")
				}
				inFlight--
				failed := rapid.Bool().Draw(rt, "failed")
				b.Record(failed)
				switch state {
				case HalfOpen:
					probing = false
					if failed {
						state, openedAt, failures = Open, c.Now(), 0
					} else {
						state, failures = Closed, 0
					}
				case Closed:
					if !failed {
						failures = 0
					} else if failures++; failures >= threshold {
						state, openedAt, failures = Open, c.Now(), 0
					}
				}
			},
			"cancel": func(rt *rapid.T) {
				if inFlight == 0 {
					rt.Skip("no call in flight")
				}
				inFlight--
				b.Cancel()
				if state == HalfOpen {
					probing = false
				}
			},
			"advance": func(rt *rapid.T) {
				c.Advance(time.Duration(rapid.IntRange(0, 12).Draw(rt, "seconds")) * time.Second)
			},
			"": func(rt *rapid.T) {
				if got := b.State(); got != state {
					rt.Fatalf("State() = %s, model says %s", got, state)
				}
			},
		})
	})
}
