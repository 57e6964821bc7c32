package process

import (
	"math/rand/v2"
	"testing"

	"github.com/remitflow/remitflow/domain/eventstore"
)

// TestTrackerWatermark completes events in random order and checks that the
// watermark is always the last position before the first unfinished event.
func TestTrackerWatermark(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tr := &tracker{}
	const n = 5000
	seqs := make([]uint64, 0, n)
	doneAt := map[uint64]bool{}
	for i := 1; i <= n; i++ {
		seqs = append(seqs, tr.add(eventstore.Position{Commit: uint64(i), Prepare: uint64(i)}))
	}
	r.Shuffle(len(seqs), func(i, j int) { seqs[i], seqs[j] = seqs[j], seqs[i] })
	for k, s := range seqs {
		tr.done(s)
		doneAt[s] = true
		want := uint64(0)
		for doneAt[want] {
			want++
		}
		if got := tr.watermark().Commit; got != want {
			t.Fatalf("after %d completions the watermark is %d, want %d", k+1, got, want)
		}
	}
	if p, ok := tr.due(n); !ok || p.Commit != n {
		t.Errorf("due = %v, %v; want %d", p, ok, n)
	}
}
