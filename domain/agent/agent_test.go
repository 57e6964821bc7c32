package agent_test

import (
	"errors"
	"testing"
	"time"

	"github.com/remitflow/remitflow/domain/agent"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/command/commandtest"
	"github.com/remitflow/remitflow/domain/ledger"
	"github.com/remitflow/remitflow/domain/money"
)

var (
	t0   = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	meta = agent.Meta{ID: "cmd-1", Actor: "agent:ag_1"}
)

func kes(v string) money.Amount { return money.MustParse(v, "KES") }

func register() agent.Register {
	return agent.Register{Meta: meta, AgentID: "ag_1", PartnerID: "cashnet", Country: "KE", Currency: "KES",
		MaxPayout: kes("50000"), DailyCashLimit: kes("100000")}
}

var registered = agent.Registered{AgentID: "ag_1", PartnerID: "cashnet", Country: "KE", Currency: "KES",
	MaxPayout: kes("50000"), DailyCashLimit: kes("100000"), At: t0}

func paid(tr string, a money.Amount, at time.Time) agent.CashPaidOut {
	return agent.CashPaidOut{AgentID: "ag_1", PartnerID: "cashnet", TransferID: tr, Amount: a, At: at}
}

func show(t *testing.T, events []command.Event) string {
	t.Helper()
	return commandtest.Show(t, events...)
}

type scenario struct {
	name  string
	given []command.Event
	when  agent.Command
	then  []command.Event
	err   error
}

func run(t *testing.T, scenarios []scenario) {
	t.Helper()
	cases := make([]commandtest.Scenario[agent.Command], len(scenarios))
	for i, sc := range scenarios {
		cases[i] = commandtest.Scenario[agent.Command]{Name: sc.name, Given: sc.given, When: sc.when, Then: sc.then, Err: sc.err}
	}
	commandtest.Run(t, agent.Aggregate, t0, cases)
}

func TestRegister(t *testing.T) {
	with := func(f func(*agent.Register)) agent.Register {
		c := register()
		f(&c)
		return c
	}
	run(t, []scenario{
		{name: "registers", when: register(), then: []command.Event{registered}},
		{name: "same details again is a no-op", given: []command.Event{registered}, when: register()},
		{name: "other details", given: []command.Event{registered},
			when: with(func(c *agent.Register) { c.PartnerID = "other" }), err: agent.ErrAgentExists},
		{name: "no partner", when: with(func(c *agent.Register) { c.PartnerID = "" }), err: agent.ErrInvalidCommand},
		{name: "bad country", when: with(func(c *agent.Register) { c.Country = "Kenya" }), err: agent.ErrInvalidCommand},
		{name: "unknown currency", when: with(func(c *agent.Register) { c.Currency = "XXX" }), err: agent.ErrInvalidCommand},
		{name: "limits in another currency", when: with(func(c *agent.Register) { c.MaxPayout = money.MustParse("500", "USD") }), err: agent.ErrCurrency},
		{name: "max payout above daily limit", when: with(func(c *agent.Register) { c.MaxPayout = kes("100001") }), err: agent.ErrInvalidCommand},
		{name: "zero max payout", when: with(func(c *agent.Register) { c.MaxPayout = kes("0") }), err: agent.ErrInvalidCommand},
		{name: "no agent ID", when: with(func(c *agent.Register) { c.AgentID = "" }), err: agent.ErrInvalidCommand},
		{name: "no command ID", when: with(func(c *agent.Register) { c.Meta.ID = "" }), err: agent.ErrInvalidCommand},
		{name: "no actor", when: with(func(c *agent.Register) { c.Meta.Actor = "" }), err: agent.ErrInvalidCommand},
	})
}

func TestStatusAndFloat(t *testing.T) {
	suspended := agent.Suspended{AgentID: "ag_1", Reason: "audit", By: "agent:ag_1", At: t0}
	topped := agent.FloatToppedUp{AgentID: "ag_1", FundingRef: "bank_1", Amount: kes("20000"), At: t0}
	run(t, []scenario{
		{name: "suspends", given: []command.Event{registered},
			when: agent.Suspend{Meta: meta, AgentID: "ag_1", Reason: "audit"}, then: []command.Event{suspended}},
		{name: "suspending twice is a no-op", given: []command.Event{registered, suspended},
			when: agent.Suspend{Meta: meta, AgentID: "ag_1", Reason: "audit"}},
		{name: "suspension without reason", given: []command.Event{registered},
			when: agent.Suspend{Meta: meta, AgentID: "ag_1"}, err: agent.ErrInvalidCommand},
		{name: "reactivates", given: []command.Event{registered, suspended},
			when: agent.Reactivate{Meta: meta, AgentID: "ag_1", Reason: "audit passed"},
			then: []command.Event{agent.Reactivated{AgentID: "ag_1", Reason: "audit passed", By: "agent:ag_1", At: t0}}},
		{name: "reactivating an active agent is a no-op", given: []command.Event{registered},
			when: agent.Reactivate{Meta: meta, AgentID: "ag_1", Reason: "x"}},
		{name: "unknown agent", when: agent.Suspend{Meta: meta, AgentID: "ag_1", Reason: "x"}, err: agent.ErrAgentNotFound},
		{name: "another agent's stream", given: []command.Event{registered},
			when: agent.Suspend{Meta: meta, AgentID: "ag_2", Reason: "x"}, err: agent.ErrInvalidCommand},
		{name: "tops up float", given: []command.Event{registered},
			when: agent.TopUpFloat{Meta: meta, AgentID: "ag_1", FundingRef: "bank_1", Amount: kes("20000")},
			then: []command.Event{topped}},
		{name: "same top-up again is a no-op", given: []command.Event{registered, topped},
			when: agent.TopUpFloat{Meta: meta, AgentID: "ag_1", FundingRef: "bank_1", Amount: kes("20000")}},
		{name: "top-up reference reused", given: []command.Event{registered, topped},
			when: agent.TopUpFloat{Meta: meta, AgentID: "ag_1", FundingRef: "bank_1", Amount: kes("1")}, err: agent.ErrDuplicateReference},
		{name: "top-up in another currency", given: []command.Event{registered},
			when: agent.TopUpFloat{Meta: meta, AgentID: "ag_1", FundingRef: "b", Amount: money.MustParse("1", "USD")}, err: agent.ErrCurrency},
		{name: "zero top-up", given: []command.Event{registered},
			when: agent.TopUpFloat{Meta: meta, AgentID: "ag_1", FundingRef: "b", Amount: kes("0")}, err: agent.ErrInvalidCommand},
		{name: "top-up without reference", given: []command.Event{registered},
			when: agent.TopUpFloat{Meta: meta, AgentID: "ag_1", Amount: kes("1")}, err: agent.ErrInvalidCommand},
	})
}

func TestCashPayout(t *testing.T) {
	pay := func(tr string, a money.Amount) agent.RecordCashPayout {
		return agent.RecordCashPayout{Meta: meta, AgentID: "ag_1", TransferID: tr, Amount: a}
	}
	run(t, []scenario{
		{name: "pays out", given: []command.Event{registered}, when: pay("tr_1", kes("12437")),
			then: []command.Event{paid("tr_1", kes("12437"), t0)}},
		{name: "at the single limit", given: []command.Event{registered}, when: pay("tr_1", kes("50000")),
			then: []command.Event{paid("tr_1", kes("50000"), t0)}},
		{name: "above the single limit", given: []command.Event{registered}, when: pay("tr_1", kes("50000.01")),
			err: agent.ErrPayoutLimit},
		{name: "above the 24-hour limit", given: []command.Event{registered,
			paid("tr_1", kes("50000"), t0.Add(-23*time.Hour)), paid("tr_2", kes("40000"), t0.Add(-time.Hour))},
			when: pay("tr_3", kes("10000.01")), err: agent.ErrPayoutLimit},
		{name: "window slides", given: []command.Event{registered,
			paid("tr_1", kes("50000"), t0.Add(-24*time.Hour)), paid("tr_2", kes("40000"), t0.Add(-time.Hour))},
			when: pay("tr_3", kes("50000")), then: []command.Event{paid("tr_3", kes("50000"), t0)}},
		{name: "same payout again is a no-op", given: []command.Event{registered, paid("tr_1", kes("100"), t0)},
			when: pay("tr_1", kes("100"))},
		{name: "same transfer other amount", given: []command.Event{registered, paid("tr_1", kes("100"), t0)},
			when: pay("tr_1", kes("200")), err: agent.ErrPayoutConflict},
		{name: "suspended agent", given: []command.Event{registered, agent.Suspended{AgentID: "ag_1", Reason: "x", At: t0}},
			when: pay("tr_1", kes("100")), err: agent.ErrAgentInactive},
		{name: "other currency", given: []command.Event{registered},
			when: pay("tr_1", money.MustParse("100", "USD")), err: agent.ErrCurrency},
		{name: "negative amount", given: []command.Event{registered}, when: pay("tr_1", kes("-1")), err: agent.ErrInvalidCommand},
		{name: "no transfer", given: []command.Event{registered}, when: pay("", kes("1")), err: agent.ErrInvalidCommand},
		{name: "unknown agent", when: pay("tr_1", kes("1")), err: agent.ErrAgentNotFound},
	})
}

func TestCommissionAndSettlement(t *testing.T) {
	earned := agent.CommissionEarned{AgentID: "ag_1", TransferID: "tr_1", Amount: kes("120"), At: t0}
	history := []command.Event{registered,
		agent.FloatToppedUp{AgentID: "ag_1", FundingRef: "bank_1", Amount: kes("1000"), At: t0},
		paid("tr_1", kes("12000"), t0), earned}
	settled := agent.Settled{AgentID: "ag_1", SettlementID: "st_1", Float: kes("13000"), Commission: kes("120"), At: t0}
	run(t, []scenario{
		{name: "earns commission", given: history[:3],
			when: agent.EarnCommission{Meta: meta, AgentID: "ag_1", TransferID: "tr_1", Amount: kes("120")},
			then: []command.Event{earned}},
		{name: "same commission again is a no-op", given: history,
			when: agent.EarnCommission{Meta: meta, AgentID: "ag_1", TransferID: "tr_1", Amount: kes("120")}},
		{name: "other commission for the same transfer", given: history,
			when: agent.EarnCommission{Meta: meta, AgentID: "ag_1", TransferID: "tr_1", Amount: kes("121")}, err: agent.ErrDuplicateReference},
		{name: "commission for a transfer the agent did not pay", given: history,
			when: agent.EarnCommission{Meta: meta, AgentID: "ag_1", TransferID: "tr_9", Amount: kes("1")}, err: agent.ErrPayoutNotFound},
		{name: "settles float and commission", given: history,
			when: agent.Settle{Meta: meta, AgentID: "ag_1", SettlementID: "st_1", Float: kes("13000"), Commission: kes("120")},
			then: []command.Event{settled}},
		{name: "settles commission only", given: history,
			when: agent.Settle{Meta: meta, AgentID: "ag_1", SettlementID: "st_1", Commission: kes("100")},
			then: []command.Event{agent.Settled{AgentID: "ag_1", SettlementID: "st_1", Float: kes("0"), Commission: kes("100"), At: t0}}},
		{name: "same settlement again is a no-op", given: append(history, settled),
			when: agent.Settle{Meta: meta, AgentID: "ag_1", SettlementID: "st_1", Float: kes("13000"), Commission: kes("120")}},
		{name: "settlement ID reused", given: append(history, settled),
			when: agent.Settle{Meta: meta, AgentID: "ag_1", SettlementID: "st_1", Float: kes("1")}, err: agent.ErrDuplicateReference},
		{name: "more float than owed", given: history,
			when: agent.Settle{Meta: meta, AgentID: "ag_1", SettlementID: "st_1", Float: kes("13000.01")}, err: agent.ErrInsufficientFloat},
		{name: "more commission than owed", given: history,
			when: agent.Settle{Meta: meta, AgentID: "ag_1", SettlementID: "st_1", Commission: kes("120.01")}, err: agent.ErrInsufficientCommission},
		{name: "nothing to settle", given: history,
			when: agent.Settle{Meta: meta, AgentID: "ag_1", SettlementID: "st_1"}, err: agent.ErrInvalidCommand},
		{name: "negative float", given: history,
			when: agent.Settle{Meta: meta, AgentID: "ag_1", SettlementID: "st_1", Float: kes("-1")}, err: agent.ErrInvalidCommand},
		{name: "no settlement ID", given: history,
			when: agent.Settle{Meta: meta, AgentID: "ag_1", Float: kes("1")}, err: agent.ErrInvalidCommand},
	})
}

// A whole cash pickup in the ledger: the transfer's settlement leaves the
// receive amount in the partner's payable; the agent pays it out, earns
// commission and is settled; every account ends at zero except the outside
// world and the commission expense.
func TestCashPickupLedger(t *testing.T) {
	books := ledger.Balances{}
	books.Apply(ledger.Move(ledger.FX("KES"), ledger.PartnerPayable("cashnet"), kes("12000")))
	s := agent.Initial()
	steps := []agent.Command{
		register(),
		agent.RecordCashPayout{Meta: meta, AgentID: "ag_1", TransferID: "tr_1", Amount: kes("12000")},
		agent.EarnCommission{Meta: meta, AgentID: "ag_1", TransferID: "tr_1", Amount: kes("120")},
		agent.Settle{Meta: meta, AgentID: "ag_1", SettlementID: "st_1", Float: kes("12000"), Commission: kes("120")},
	}
	for _, c := range steps {
		events, err := agent.Decide(s, c, t0)
		if err != nil {
			t.Fatalf("Decide(%+v): %v", c, err)
		}
		for _, e := range events {
			if m, ok := e.(command.MoneyMover); ok {
				books.Apply(m.LedgerPostings())
			}
			s = agent.Evolve(s, e)
		}
	}
	for _, a := range []ledger.Account{ledger.PartnerPayable("cashnet"), ledger.AgentFloat("ag_1"), ledger.AgentCommission("ag_1")} {
		if got := books.Get(a, "KES"); !got.IsZero() {
			t.Errorf("%s = %s, want 0", a, got)
		}
	}
	if got := books.Get(ledger.ExternalFunding, "KES"); !got.Equal(kes("12120")) {
		t.Errorf("external:funding = %s, want 12120 KES paid out", got)
	}
	if !s.FloatBalance().IsZero() || !s.CommissionBalance().IsZero() {
		t.Errorf("state balances float %s commission %s, want zero", s.FloatBalance(), s.CommissionBalance())
	}
}

func TestCanPayOut(t *testing.T) {
	s := agent.Evolve(agent.Initial(), registered)
	s = agent.Evolve(s, paid("tr_1", kes("50000"), t0))
	s = agent.Evolve(s, paid("tr_2", kes("50000"), t0.Add(time.Hour)))
	tests := []struct {
		amount money.Amount
		now    time.Time
		want   error
	}{
		{kes("1"), t0.Add(2 * time.Hour), agent.ErrPayoutLimit},
		{kes("50000"), t0.Add(24 * time.Hour), nil},
		{kes("50000.01"), t0.Add(24 * time.Hour), agent.ErrPayoutLimit},
		{kes("1"), t0.Add(24*time.Hour - time.Second), agent.ErrPayoutLimit},
	}
	for _, tt := range tests {
		if got := agent.CanPayOut(s, tt.amount, tt.now); !errors.Is(got, tt.want) || (got == nil) != (tt.want == nil) {
			t.Errorf("CanPayOut(%s, %s) = %v, want %v", tt.amount, tt.now.Format(time.RFC3339), got, tt.want)
		}
	}
	if err := agent.CanPayOut(agent.Initial(), kes("1"), t0); !errors.Is(err, agent.ErrAgentNotFound) {
		t.Errorf("CanPayOut(unregistered) = %v", err)
	}
}
