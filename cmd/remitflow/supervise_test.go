package main

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"
)

func TestSuperviseRestartsUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	calls := 0
	done := make(chan error, 1)
	go func() {
		done <- supervise(ctx, slog.New(slog.DiscardHandler), "test", time.Millisecond, 4*time.Millisecond, func(ctx context.Context) error {
			calls++
			if calls < 3 {
				return errors.New("store unavailable")
			}
			cancel()
			<-ctx.Done()
			return ctx.Err()
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("supervise = %v, want nil after cancellation", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("supervise did not return after cancellation")
	}
	if calls != 3 {
		t.Errorf("f ran %d times, want 3 (two failures restarted)", calls)
	}
}
