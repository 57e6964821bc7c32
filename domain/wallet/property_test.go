package wallet_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/ledger"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/wallet"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// walletModel drives one wallet with random commands and checks the ledger
// invariants after every step.
type walletModel struct {
	s     wallet.State
	books ledger.Balances
	now   time.Time
	n     int
}

var currencies = []money.Currency{"USD", "KES"}

func (m *walletModel) meta() wallet.Meta {
	m.n++
	return wallet.Meta{ID: fmt.Sprintf("cmd-%d", m.n), Actor: "system:test"}
}

func genAmount(t *rapid.T, label string, c money.Currency) money.Amount {
	return money.FromMinor(rapid.Int64Range(1, 20000).Draw(t, label), c)
}

// step decides cmd, checks the outcome and folds the events.
func (m *walletModel) step(t *rapid.T, cmd wallet.Command) []command.Event {
	events, err := wallet.Decide(m.s, cmd, m.now)
	if err != nil {
		if len(events) != 0 {
			t.Fatalf("Decide(%+v) returned events with error %v", cmd, err)
		}
		var k interface{ ErrorKind() string }
		if !errorsAs(err, &k) {
			t.Fatalf("Decide(%+v) error %v is not a named domain error", cmd, err)
		}
		return nil
	}
	for _, e := range events {
		if mm, ok := e.(command.MoneyMover); ok {
			ps := mm.LedgerPostings()
			if err := ps.Validate(); err != nil {
				t.Fatalf("%s postings %v: %v", e.EventType(), ps, err)
			}
			m.books.Apply(ps)
		}
		m.s = wallet.Evolve(m.s, e)
	}
	m.check(t)
	return events
}

func (m *walletModel) check(t *rapid.T) {
	for c, v := range m.books.Totals() {
		if !v.IsZero() {
			t.Fatalf("ledger total in %s is %s, want 0", c, v)
		}
	}
	for _, c := range currencies {
		avail := m.books.Get(ledger.CustomerAvailable(cus), c)
		if avail.IsNegative() {
			t.Fatalf("available %s is below zero", avail)
		}
		if !avail.Equal(m.s.AvailableIn(c)) {
			t.Fatalf("ledger available %s, state %s", avail, m.s.AvailableIn(c))
		}
		res := m.books.Get(ledger.CustomerReserved(cus), c)
		if !res.Equal(m.s.ReservedIn(c)) || res.IsNegative() {
			t.Fatalf("ledger reserved %s, state %s", res, m.s.ReservedIn(c))
		}
		held := decimal.Zero
		for _, r := range m.s.Reservations {
			if r.Status == wallet.StatusHeld && r.Amount.Currency == c {
				held = held.Add(r.Amount.Value)
			}
		}
		if !held.Equal(res.Value) {
			t.Fatalf("held reservations sum to %s, reserved account %s", held, res)
		}
	}
	credit := m.books.Get(ledger.Credit(cus), "USD")
	if !credit.Value.Neg().Equal(m.s.Credit.Drawn) {
		t.Fatalf("credit account %s, state drawn %s", credit, m.s.Credit.Drawn)
	}
	if m.s.Credit.Drawn.IsNegative() {
		t.Fatalf("drawn %s is negative", m.s.Credit.Drawn)
	}
	if m.s.Credit.Drawn.GreaterThan(m.s.Credit.Limit.Value) {
		t.Fatalf("drawn %s exceeds limit %s", m.s.Credit.Drawn, m.s.Credit.Limit)
	}
}

func TestWalletProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := &walletModel{books: ledger.Balances{}, now: t0}
		transfer := rapid.SampledFrom([]string{"tr_0", "tr_1", "tr_2", "tr_3", "tr_4", "tr_5"})
		ccy := rapid.SampledFrom(currencies)
		steps := rapid.IntRange(1, 200).Draw(t, "steps")
		for range steps {
			m.now = m.now.Add(time.Duration(rapid.IntRange(0, 20*24).Draw(t, "hours")) * time.Hour)
			switch rapid.IntRange(0, 8).Draw(t, "op") {
			case 0:
				c := ccy.Draw(t, "ccy")
				m.step(t, wallet.Fund{Meta: m.meta(), CustomerID: cus,
					FundingRef: rapid.SampledFrom([]string{"f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8"}).Draw(t, "ref"),
					Amount:     genAmount(t, "fund", c)})
			case 1:
				m.step(t, wallet.Reserve{Meta: m.meta(), CustomerID: cus, TransferID: transfer.Draw(t, "tr"),
					Amount: genAmount(t, "reserve", ccy.Draw(t, "ccy"))})
			case 2:
				m.step(t, wallet.Release{Meta: m.meta(), CustomerID: cus, TransferID: transfer.Draw(t, "tr")})
			case 3:
				tr := transfer.Draw(t, "tr")
				r, ok := m.s.Reservations[tr]
				amount := r.Amount
				if !ok || rapid.Bool().Draw(t, "wrong amount") {
					amount = genAmount(t, "settle", "USD")
				}
				fee := money.FromMinor(rapid.Int64Range(0, 100).Draw(t, "fee"), amount.Currency)
				if fee.Value.GreaterThan(amount.Value) {
					fee = amount
				}
				recv := money.FromMinor(rapid.Int64Range(1, 1_000_000).Draw(t, "recv"), "KES")
				if amount.Currency == "KES" {
					recv = money.FromMinor(rapid.Int64Range(1, 1_000_000).Draw(t, "recv"), "USD")
				}
				m.step(t, wallet.Settle{Meta: m.meta(), CustomerID: cus, TransferID: tr, Postings: settlement(amount, fee, recv)})
			case 4:
				m.step(t, wallet.ApproveCreditLine{Meta: m.meta(), CustomerID: cus,
					Limit: money.FromMinor(rapid.Int64Range(0, 50000).Draw(t, "limit"), "USD")})
			case 5:
				src := rapid.SampledFrom([]wallet.RepaySource{wallet.SourceAvailable, wallet.SourceExternal}).Draw(t, "source")
				ref := ""
				if src == wallet.SourceExternal {
					ref = fmt.Sprintf("bank_%d", m.n)
				}
				m.step(t, wallet.RepayCredit{Meta: m.meta(), CustomerID: cus, Source: src, FundingRef: ref,
					Amount: genAmount(t, "repay", "USD")})
			case 6:
				n := rapid.IntRange(1, 4).Draw(t, "parts")
				due := make([]time.Time, n)
				for i := range due {
					due[i] = m.now.AddDate(0, i+1, 0)
				}
				m.step(t, wallet.CreateInstallmentPlan{Meta: m.meta(), CustomerID: cus, DueDates: due})
			case 7:
				m.step(t, wallet.MarkOverdue{Meta: m.meta(), CustomerID: cus})
			case 8:
				// A reservation released at once restores the sender exactly.
				c := ccy.Draw(t, "ccy")
				tr := fmt.Sprintf("tr_x%d", m.n)
				before := m.s.Clone()
				if m.step(t, wallet.Reserve{Meta: m.meta(), CustomerID: cus, TransferID: tr, Amount: genAmount(t, "reserve", c)}) == nil {
					continue
				}
				m.step(t, wallet.Release{Meta: m.meta(), CustomerID: cus, TransferID: tr})
				for _, c := range currencies {
					if !m.s.AvailableIn(c).Equal(before.AvailableIn(c)) || !m.s.ReservedIn(c).Equal(before.ReservedIn(c)) {
						t.Fatalf("reserve+release changed %s balances: available %s → %s, reserved %s → %s",
							c, before.AvailableIn(c), m.s.AvailableIn(c), before.ReservedIn(c), m.s.ReservedIn(c))
					}
				}
				if !m.s.Credit.Drawn.Equal(before.Credit.Drawn) {
					t.Fatalf("reserve+release changed drawn credit %s → %s", before.Credit.Drawn, m.s.Credit.Drawn)
				}
			}
		}
	})
}
