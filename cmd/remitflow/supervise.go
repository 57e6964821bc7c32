package main

import (
	"context"
	"log/slog"
	"time"
)

// supervise runs f until ctx ends, restarting it with exponential backoff
// (from minWait up to maxWait) whenever it returns. Components that resume
// from a checkpoint (the transfer process manager, the Kafka relay) are run
// this way, so a store outage or one failing transfer pauses them instead of
// taking the API down. It returns nil when ctx ends.
func supervise(ctx context.Context, log *slog.Logger, name string, minWait, maxWait time.Duration, f func(context.Context) error) error {
	wait := minWait
	for {
		start := time.Now()
		err := f(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(start) > maxWait {
			wait = minWait // it ran well for a while: start backing off afresh
		}
		log.Error("component stopped; restarting", "component", name, "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(wait*2, maxWait)
	}
}
