package process_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/remitflow/remitflow/adapters/eventstore/memory"
	"github.com/remitflow/remitflow/domain/payout"
	"github.com/remitflow/remitflow/domain/process"
	"github.com/remitflow/remitflow/domain/transfer"
)

// TestSenderErasedInFlight: erasing a sender whose transfer is in flight
// never stops the process manager; the transfer is held before screening, or
// failed and refunded before payout, and nobody is paid.
func TestSenderErasedInFlight(t *testing.T) {
	t.Run("before screening: held, nothing reserved", func(t *testing.T) {
		e := newEnv(t, memory.New())
		e.customer("cus_erased_1", "500.00", "")
		p := newPartner(nil)
		m := e.manager(p, process.Config{})
		v, err := e.request("cus_erased_1", 100, mobile("Wanjiru Kamau"), "k1")
		if err != nil {
			t.Fatal(err)
		}
		vault.forget("cus_erased_1")
		catchUp(t, m)
		s := wantStatus(t, e, v.ID, transfer.StatusHeld)
		if len(s.Hits) != 1 || s.Hits[0].Rule != process.RuleDetailsErased {
			t.Errorf("hits = %+v, want one %s hit", s.Hits, process.RuleDetailsErased)
		}
		if p.payments(v.ID) != 0 {
			t.Error("an erased sender's recipient was paid")
		}
		b := ledgerOf(t, e.base)
		if got := b.Get("customer:cus_erased_1:available", "USD"); !got.Value.Equal(decimal.RequireFromString("500")) {
			t.Errorf("available = %s, want 500 (nothing reserved)", got)
		}
	})
	t.Run("before a payout retry: failed for good and refunded", func(t *testing.T) {
		e := newEnv(t, memory.New())
		e.customer("cus_erased_2", "500.00", "")
		first := true
		p := newPartner(func(payout.Request) outcome {
			if first {
				first = false
				return failRetryable
			}
			return succeed
		})
		m := e.manager(p, process.Config{Backoff: func(int) time.Duration { return time.Minute }})
		v, err := e.request("cus_erased_2", 100, mobile("Wanjiru Kamau"), "k1")
		if err != nil {
			t.Fatal(err)
		}
		catchUp(t, m)
		vault.forget("cus_erased_2")
		for range 3 {
			e.clock.Advance(3 * time.Minute)
			if _, err := m.Reconcile(context.Background()); err != nil {
				t.Fatal(err)
			}
			catchUp(t, m)
		}
		wantStatus(t, e, v.ID, transfer.StatusRefunded)
		if p.payments(v.ID) != 0 {
			t.Error("an erased sender's recipient was paid")
		}
		b := ledgerOf(t, e.base)
		checkBalanced(t, b)
		if got := b.Get("customer:cus_erased_2:available", "USD"); !got.Value.Equal(decimal.RequireFromString("500")) {
			t.Errorf("available = %s, want 500 after the refund", got)
		}
	})
}
