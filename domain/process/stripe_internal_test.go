package process

import (
	"hash/fnv"
	"testing"
	"testing/quick"

	"github.com/remitflow/remitflow/domain/transfer"
)

// TestLockStripeMatchesRouting checks that a transfer's lock is the stripe
// Run routes its stream's events by, and that stripes are FNV-1a as in
// hash/fnv.
func TestLockStripeMatchesRouting(t *testing.T) {
	m := &Manager{}
	f := func(id string) bool {
		stream := transfer.Aggregate.Stream(id)
		h := fnv.New32a()
		h.Write([]byte(stream))
		if stripe(stream) != h.Sum32()%lockStripes {
			return false
		}
		l := m.lock(id)
		l.Unlock()
		return l == &m.locks[stripe(stream)]
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 5000}); err != nil {
		t.Fatal(err)
	}
}
