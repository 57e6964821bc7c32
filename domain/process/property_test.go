package process_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/remitflow/remitflow/adapters/eventstore/memory"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/ledger"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
	"github.com/remitflow/remitflow/domain/process"
	"github.com/remitflow/remitflow/domain/transfer"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// world is the state a property test drives: customers with their funding
// and credit, the transfers asked for, and the process manager.
type world struct {
	e         *env
	base      *memory.Store
	partner   *fakePartner
	m         *process.Manager
	customers []string
	funds     map[string]decimal.Decimal
	credit    map[string]decimal.Decimal
	transfers []string
	keys      int
}

func newWorld(t tb, outcomeOf func(payout.Request) outcome) *world {
	base := memory.New()
	w := &world{base: base, e: newEnv(t, base), partner: newPartner(outcomeOf), funds: map[string]decimal.Decimal{}, credit: map[string]decimal.Decimal{}}
	w.restart()
	return w
}

var propConfig = process.Config{
	Backoff:         func(int) time.Duration { return 5 * time.Minute },
	PayoutDeadline:  10 * time.Minute,
	PickupTTL:       6 * time.Hour,
	CheckpointEvery: 7,
}

// restart drops the manager and every cache, as after a crash.
func (w *world) restart() {
	clock, n := w.e.clock, w.e.n
	w.e = newEnv(w.e.t, w.base)
	w.e.clock, w.e.n = clock, n
	svc, err := process.NewService(w.e.store, clock, nil, process.WithVault(vault))
	if err != nil {
		w.e.t.Fatal(err)
	}
	w.e.svc = svc
	w.m = w.e.manager(w.partner, propConfig)
}

func (w *world) addCustomer(id string, funds, credit int64) {
	f, c := "", ""
	if funds > 0 {
		f = money.FromMinor(funds*100, "USD").ValueString()
	}
	if credit > 0 {
		c = money.FromMinor(credit*100, "USD").ValueString()
	}
	w.e.customer(id, f, c)
	w.customers = append(w.customers, id)
	w.funds[id] = decimal.NewFromInt(funds)
	w.credit[id] = decimal.NewFromInt(credit)
}

func (w *world) status(id string) transfer.State {
	s, _, _, err := command.Load(context.Background(), w.base, transfer.Aggregate, id)
	if err != nil {
		w.e.t.Fatal(err)
	}
	return s
}

func (w *world) withStatus(st ...transfer.Status) []string {
	var out []string
	for _, id := range w.transfers {
		if slices.Contains(st, w.status(id).Status) {
			out = append(out, id)
		}
	}
	return out
}

func (w *world) deliverCallbacks(dup bool) {
	for _, r := range w.partner.unreported() {
		for range 1 + boolInt(dup) {
			if err := w.m.HandlePayoutResult(context.Background(), r); err != nil && !isDomainErr(err) {
				w.e.t.Fatalf("callback: %v", err)
			}
		}
		w.partner.markReported(r.Reference)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func isDomainErr(err error) bool {
	var k interface{ ErrorKind() string }
	return asKind(err, &k)
}

// check verifies the invariants that hold after every step.
func (w *world) check(t tb) {
	t.Helper()
	b := ledgerOf(t, w.base)
	checkBalanced(t, b)
	for _, c := range w.customers {
		if avail := b.Get(ledger.CustomerAvailable(c), "USD"); avail.IsNegative() {
			t.Fatalf("%s available %s below zero", c, avail)
		}
		if drawn := b.Get(ledger.Credit(c), "USD"); drawn.Value.Neg().GreaterThan(w.credit[c]) {
			t.Fatalf("%s drew %s beyond the limit %s", c, drawn.Neg(), w.credit[c])
		}
	}
	paid := map[string]int{}
	for ev, err := range w.base.ReadAll(context.Background(), eventstore.ReadAllOptions{Filter: eventstore.EventTypePrefix(transfer.TypePaidOut, transfer.TypeCompleted)}) {
		if err != nil {
			t.Fatal(err)
		}
		paid[ev.Stream+" "+ev.Type]++
	}
	for k, n := range paid {
		if n > 1 {
			t.Fatalf("%s %d times", k, n)
		}
	}
	for _, id := range w.transfers {
		if n := w.partner.payments(id); n > 1 {
			t.Fatalf("transfer %s paid out %d times by the partner", id, n)
		}
		s := w.status(id)
		if s.Status == transfer.StatusCompleted && !s.Paid.Amount.Equal(s.Quote.Receive) {
			t.Fatalf("completed %s paid %s, quote %s", id, s.Paid.Amount, s.Quote.Receive)
		}
	}
}

// drain lets time pass until every transfer is final.
func (w *world) drain(t tb) {
	ctx := context.Background()
	for round := 0; ; round++ {
		if round > 40 {
			var open []string
			for _, id := range w.transfers {
				if s := w.status(id); !s.Final() {
					open = append(open, fmt.Sprintf("%s:%s", id[:8], s.Status))
				}
			}
			t.Fatalf("transfers not final after draining: %v", open)
		}
		for _, id := range w.withStatus(transfer.StatusHeld) {
			if _, err := w.e.svc.RejectTransfer(ctx, "alice", id, "confirmed"); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.m.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		w.deliverCallbacks(false)
		w.e.clock.Advance(time.Hour)
		if _, err := w.m.Reconcile(ctx); err != nil {
			t.Fatal(err)
		}
		if err := w.m.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		done := true
		for _, id := range w.transfers {
			if !w.status(id).Final() {
				done = false
			}
		}
		if done {
			return
		}
	}
}

// checkFinal verifies what holds once every transfer is final.
func (w *world) checkFinal(t tb) {
	t.Helper()
	b := ledgerOf(t, w.base)
	spent := map[string]decimal.Decimal{}
	for _, id := range w.transfers {
		s := w.status(id)
		switch s.Status {
		case transfer.StatusCompleted:
			spent[s.SenderID] = spent[s.SenderID].Add(s.Quote.Total.Value)
			want := 1
			if s.Recipient.Method == transfer.CashPickup {
				want = 0
			}
			if n := w.partner.payments(id); n != want {
				t.Fatalf("completed %s (%s) paid %d times by the partner", id, s.Recipient.Method, n)
			}
		default:
			if n := w.partner.payments(id); n != 0 {
				t.Fatalf("%s %s but the partner paid it", id, s.Status)
			}
			if s.Funded && !s.Refunded {
				t.Fatalf("%s %s funded and not refunded", id, s.Status)
			}
		}
	}
	for _, c := range w.customers {
		if r := b.Get(ledger.CustomerReserved(c), "USD"); !r.IsZero() {
			var st []string
			for _, id := range w.transfers {
				if s := w.status(id); s.SenderID == c {
					st = append(st, fmt.Sprintf("%s:%s(funded %v refunded %v)", id[:8], s.Status, s.Funded, s.Refunded))
				}
			}
			t.Fatalf("%s still has %s reserved; transfers %v", c, r, st)
		}
		// Refunds restore the sender exactly: what is left, net of credit
		// still owed, is the funding minus completed transfers.
		net := b.Get(ledger.CustomerAvailable(c), "USD").Value.Add(b.Get(ledger.Credit(c), "USD").Value)
		if want := w.funds[c].Sub(spent[c]); !net.Equal(want) {
			t.Fatalf("%s: available + credit = %s, want funding %s − completed %s", c, net, w.funds[c], spent[c])
		}
	}
	if _, err := command.VerifyAll(context.Background(), w.base, eventstore.Filter{}); err != nil {
		t.Fatalf("hash chains: %v", err)
	}
}

func TestPropertyTransfers(t *testing.T) {
	seen := map[transfer.Status]int{}
	defer func() { t.Logf("final statuses over all runs: %v", seen) }()
	// Ten rounds of rapid's default 100 checks: a thousand random sequences
	// in every run, each round from its own seed.
	prop := func(rt *rapid.T) {
		ctx := context.Background()
		w := newWorld(rt, func(payout.Request) outcome {
			return outcome(rapid.IntRange(0, int(numOutcomes)-1).Draw(rt, "outcome"))
		})
		for i := range rapid.IntRange(2, 5).Draw(rt, "customers") {
			w.addCustomer(fmt.Sprint("cus_", i), rapid.Int64Range(0, 800).Draw(rt, "funds"), rapid.SampledFrom([]int64{0, 0, 150}).Draw(rt, "credit"))
		}
		pick := func(rt *rapid.T, ids []string, label string) (string, bool) {
			if len(ids) == 0 {
				return "", false
			}
			return rapid.SampledFrom(ids).Draw(rt, label), true
		}
		rt.Repeat(map[string]func(*rapid.T){
			"request": func(rt *rapid.T) {
				c := rapid.SampledFrom(w.customers).Draw(rt, "sender")
				name := rapid.SampledFrom([]string{"John Kamau", "Amina Otieno", "Sanctioned Person"}).Draw(rt, "recipient")
				r := mobile(name)
				if rapid.Bool().Draw(rt, "cash") {
					r = cash(name)
				}
				w.keys++
				v, err := w.e.request(c, rapid.Int64Range(5, 400).Draw(rt, "send"), r, fmt.Sprint("key-", w.keys))
				if err != nil {
					rt.Fatalf("request: %v", err)
				}
				w.transfers = append(w.transfers, v.ID)
			},
			"process": func(rt *rapid.T) {
				if err := w.m.CatchUp(ctx); err != nil {
					rt.Fatal(err)
				}
			},
			"callbacks": func(rt *rapid.T) { w.deliverCallbacks(rapid.Bool().Draw(rt, "duplicate")) },
			"time passes": func(rt *rapid.T) {
				w.e.clock.Advance(time.Duration(rapid.IntRange(1, 90).Draw(rt, "minutes")) * time.Minute)
				if _, err := w.m.Reconcile(ctx); err != nil {
					rt.Fatal(err)
				}
			},
			"cancel": func(rt *rapid.T) {
				if id, ok := pick(rt, w.transfers, "cancel"); ok {
					s := w.status(id)
					if _, err := w.e.svc.CancelTransfer(ctx, s.SenderID, id, "changed my mind"); err != nil && !isDomainErr(err) {
						rt.Fatal(err)
					}
				}
			},
			"decide": func(rt *rapid.T) {
				if id, ok := pick(rt, w.withStatus(transfer.StatusHeld), "held"); ok {
					var err error
					if rapid.Bool().Draw(rt, "release") {
						_, err = w.e.svc.ReleaseTransfer(ctx, "alice", id, "false positive")
					} else {
						_, err = w.e.svc.RejectTransfer(ctx, "alice", id, "true match")
					}
					if err != nil {
						rt.Fatal(err)
					}
				}
			},
			"agent pays": func(rt *rapid.T) {
				if id, ok := pick(rt, w.withStatus(transfer.StatusPickupReady), "pickup"); ok {
					agent := rapid.SampledFrom([]string{"agt_1", "agt_2"}).Draw(rt, "agent")
					if _, err := w.e.svc.LookupPickup(ctx, agent, id, pickupCode(id)); err != nil {
						if !isDomainErr(err) {
							rt.Fatal(err)
						}
						return
					}
					if _, err := w.e.svc.CompleteCashPickup(ctx, agent, id, pickupCode(id), "passport", "P123"); err != nil {
						rt.Fatal(err)
					}
				}
			},
			"crash": func(rt *rapid.T) { w.restart() },
			"":      func(rt *rapid.T) { w.check(rt) },
		})
		w.drain(rt)
		w.check(rt)
		w.checkFinal(rt)
		for _, id := range w.transfers {
			seen[w.status(id).Status]++
		}
	}
	for round := range 10 {
		t.Run(fmt.Sprint("round_", round), func(t *testing.T) { rapid.Check(t, prop) })
	}
}
