package agent_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/remitflow/remitflow/domain/agent"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/ledger"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// Random top-ups, payouts, commissions, settlements and suspensions: postings
// always balance, the ledger agrees with the state, float and commission
// never go below zero, no transfer is paid twice and the cash paid in any
// 24 hours stays within the daily limit.
func TestAgentProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := agent.Evolve(agent.Initial(), registered)
		books := ledger.Balances{}
		now := t0
		var payouts []agent.CashPaidOut
		paidTransfers := map[string]bool{}
		transfer := rapid.SampledFrom([]string{"tr_0", "tr_1", "tr_2", "tr_3", "tr_4", "tr_5", "tr_6", "tr_7"})
		amount := func(label string, max int64) money.Amount {
			return money.FromMinor(rapid.Int64Range(1, max).Draw(t, label), "KES")
		}
		steps := rapid.IntRange(1, 150).Draw(t, "steps")
		for n := range steps {
			now = now.Add(time.Duration(rapid.IntRange(0, 12*60).Draw(t, "minutes")) * time.Minute)
			m := agent.Meta{ID: fmt.Sprintf("cmd-%d", n), Actor: "system:test"}
			var cmd agent.Command
			switch rapid.IntRange(0, 5).Draw(t, "op") {
			case 0:
				cmd = agent.TopUpFloat{Meta: m, AgentID: "ag_1", FundingRef: fmt.Sprintf("bank_%d", rapid.IntRange(0, 5).Draw(t, "ref")), Amount: amount("topup", 5_000_000)}
			case 1:
				cmd = agent.RecordCashPayout{Meta: m, AgentID: "ag_1", TransferID: transfer.Draw(t, "tr"), Amount: amount("payout", 6_000_000)}
			case 2:
				cmd = agent.EarnCommission{Meta: m, AgentID: "ag_1", TransferID: transfer.Draw(t, "tr"), Amount: amount("commission", 50_000)}
			case 3:
				cmd = agent.Settle{Meta: m, AgentID: "ag_1", SettlementID: fmt.Sprintf("st_%d", n),
					Float:      money.FromMinor(rapid.Int64Range(0, 10_000_000).Draw(t, "float"), "KES"),
					Commission: money.FromMinor(rapid.Int64Range(0, 100_000).Draw(t, "comm"), "KES")}
			case 4:
				cmd = agent.Suspend{Meta: m, AgentID: "ag_1", Reason: "check"}
			case 5:
				cmd = agent.Reactivate{Meta: m, AgentID: "ag_1", Reason: "ok"}
			}
			events, err := agent.Decide(s, cmd, now)
			if err != nil {
				if len(events) != 0 {
					t.Fatalf("Decide(%+v) returned events with error %v", cmd, err)
				}
				continue
			}
			for _, e := range events {
				if mm, ok := e.(command.MoneyMover); ok {
					ps := mm.LedgerPostings()
					if err := ps.Validate(); err != nil {
						t.Fatalf("%s postings %v: %v", e.EventType(), ps, err)
					}
					books.Apply(ps)
				}
				if p, ok := e.(agent.CashPaidOut); ok {
					if paidTransfers[p.TransferID] {
						t.Fatalf("transfer %s paid twice", p.TransferID)
					}
					paidTransfers[p.TransferID] = true
					payouts = append(payouts, p)
					window := decimal.Zero
					for _, q := range payouts {
						if q.At.After(p.At.Add(-agent.CashWindow)) {
							window = window.Add(q.Amount.Value)
						}
					}
					if window.GreaterThan(registered.DailyCashLimit.Value) {
						t.Fatalf("paid %s KES in 24 hours, limit %s", window, registered.DailyCashLimit)
					}
				}
				s = agent.Evolve(s, e)
			}
			if got := books.Get(ledger.AgentFloat("ag_1"), "KES"); !got.Equal(s.FloatBalance()) || got.IsNegative() {
				t.Fatalf("float: ledger %s, state %s", got, s.FloatBalance())
			}
			if got := books.Get(ledger.AgentCommission("ag_1"), "KES"); !got.Equal(s.CommissionBalance()) || got.IsNegative() {
				t.Fatalf("commission: ledger %s, state %s", got, s.CommissionBalance())
			}
			for c, v := range books.Totals() {
				if !v.IsZero() {
					t.Fatalf("ledger total %s = %s", c, v)
				}
			}
		}
	})
}
