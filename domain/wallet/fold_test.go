package wallet_test

import (
	"fmt"
	"testing"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/wallet"
)

func TestCloneIsIndependent(t *testing.T) {
	s := fold([]command.Event{funded("f", usd("100")), reserved("tr_1", usd("60"), usd("0"))})
	kept := s.Clone()
	s = wallet.Evolve(s, wallet.ReservationReleased{CustomerID: cus, TransferID: "tr_1", Amount: usd("60"), At: t0})
	s = wallet.Evolve(s, funded("f2", usd("5")))
	if got := kept.AvailableIn("USD"); !got.Equal(usd("40")) {
		t.Errorf("clone's available = %s after folding into the original, want 40", got)
	}
	if got := kept.Reservations["tr_1"].Status; got != wallet.StatusHeld {
		t.Errorf("clone's reservation = %s, want held", got)
	}
	if _, ok := kept.Fundings["f2"]; ok {
		t.Errorf("clone sees a later funding")
	}
	if got := s.AvailableIn("USD"); !got.Equal(usd("105")) {
		t.Errorf("available = %s, want 105", got)
	}
}

// BenchmarkFold folds a wallet with many transfers: each event costs the
// same however long the stream already is.
func BenchmarkFold(b *testing.B) {
	var events []command.Event
	for i := range 10000 {
		tr := fmt.Sprintf("tr_%d", i)
		events = append(events,
			funded("f_"+tr, usd("10")),
			reserved(tr, usd("10"), usd("0")),
			wallet.Settled{CustomerID: cus, TransferID: tr, Amount: usd("10"), Postings: settlement(usd("10"), usd("1"), kes("1000")), At: t0})
	}
	b.ResetTimer()
	for b.Loop() {
		s := wallet.Initial()
		for _, e := range events {
			s = wallet.Evolve(s, e)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(events)), "ns/event")
}
