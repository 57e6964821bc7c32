package partnerkit

import (
	"fmt"
	"testing"
	"time"

	"github.com/remitflow/remitflow/domain/money"
)

// TestRecordsKeepEveryFreshPayout: pruning, which runs every 1024 inserts,
// never drops a payout just recorded (it once dropped the 1024th).
func TestRecordsKeepEveryFreshPayout(t *testing.T) {
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	r := NewRecordsWithClock(func() time.Time { return now })
	for i := range 5000 {
		ref := fmt.Sprintf("ref-%d", i)
		if err := r.Sent(ref, "254708374149", money.MustParse("100", "KES")); err != nil {
			t.Fatal(err)
		}
		if rec, ok := r.Get(ref); !ok || rec.Amount == nil {
			t.Fatalf("payout %d (%s) was dropped right after it was recorded", i, ref)
		}
	}
	if r.Len() != 5000 {
		t.Errorf("Len() = %d, want 5000", r.Len())
	}
	// Long after, settled-and-delivered or never-sent entries go; sent ones
	// without a final outcome stay.
	now = now.Add(Retention + time.Hour)
	r.Prune()
	if r.Len() != 5000 {
		t.Errorf("after Prune, Len() = %d: payouts without a final outcome must be kept", r.Len())
	}
}
