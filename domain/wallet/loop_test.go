package wallet_test

import (
	"context"
	"testing"
	"time"

	"github.com/remitflow/remitflow/adapters/eventstore/memory"
	"github.com/remitflow/remitflow/domain/agent"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/compliance"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/ledger"
	"github.com/remitflow/remitflow/domain/quote"
	"github.com/remitflow/remitflow/domain/wallet"
	"github.com/shopspring/decimal"
)

// books decodes every stored event with its aggregate's Decode and
// returns the ledger they imply.
func books(t *testing.T, s eventstore.Store) ledger.Balances {
	t.Helper()
	decoders := map[string]func(string, []byte) (command.Event, error){
		"wallet": wallet.Decode, "quote": quote.Decode, "customer": customer.Decode,
		"agent": agent.Decode, "compliance": compliance.Decode,
	}
	b := ledger.Balances{}
	for ev, err := range s.ReadAll(t.Context(), eventstore.ReadAllOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		e, err := decoders[eventstore.Category(ev.Stream)](ev.Type, ev.Data)
		if err != nil {
			t.Fatalf("decode %s@%d %s: %v", ev.Stream, ev.Revision, ev.Type, err)
		}
		if m, ok := e.(command.MoneyMover); ok {
			b.Apply(m.LedgerPostings())
		}
	}
	return b
}

func handle[S, C any](t *testing.T, store eventstore.Store, agg command.Aggregate[S, C], id string, cmdID string, cmd C) command.Result {
	t.Helper()
	res, err := command.Handle(context.Background(), store, agg, id, cmd, command.CommandMeta{
		CommandID: cmdID, Actor: "system:test", Clock: command.ClockFunc(func() time.Time { return t0 }),
	})
	if err != nil {
		t.Fatalf("Handle(%s %s, %+v): %v", agg.Category, id, cmd, err)
	}
	return res
}

// TestThroughCommandLoop runs a cash-pickup transfer's aggregates through
// the real command loop on a store: commands serialise, events round-trip
// through JSON, retried command IDs append nothing, the hash chain verifies
// and the resulting ledger balances.
func TestThroughCommandLoop(t *testing.T) {
	store := memory.New()
	pii := customer.EncryptedPII{KeyID: "k1", Ciphertext: []byte("sealed")}
	reg := customer.Command(customer.Register{Meta: customer.Meta{ID: "c1", Actor: "customer:cus_1"},
		CustomerID: cus, Country: "GB", Phone: "+447700900123", Tier: customer.Tier1, PII: pii})
	handle(t, store, customer.Aggregate, cus, "c1", reg)
	if res := handle(t, store, customer.Aggregate, cus, "c1", reg); !res.Duplicate {
		t.Errorf("retried registration: Duplicate = false")
	}

	q := quote.Command(quote.Issue{Meta: quote.Meta{ID: "q1", Actor: "system:pricing"}, QuoteID: "q_1", CustomerID: cus,
		Pair: quote.Pair{Send: "USD", Receive: "KES"}, MidRate: decimal.RequireFromString("129.50"),
		CustomerRate: decimal.RequireFromString("128.205"), MarginBps: 100,
		Fees: []quote.Fee{{Name: "fixed", Amount: usd("2.99")}}, Send: usd("100"), Receive: kes("12437.16"),
		Mode: quote.FixedSend, ExpiresAt: t0.Add(15 * time.Minute)})
	handle(t, store, quote.Aggregate, "q_1", "q1", q)
	handle(t, store, quote.Aggregate, "q_1", "q2", quote.Command(quote.Accept{Meta: quote.Meta{ID: "q2", Actor: "customer:cus_1"},
		QuoteID: "q_1", CustomerID: cus, TransferID: "tr_1"}))

	l, _ := customer.LimitsFor(customer.Tier1)
	handle(t, store, compliance.Aggregate, cus, "l1", compliance.Command(compliance.RecordTransfer{
		Meta: compliance.Meta{ID: "l1", Actor: "system:test"}, SubjectID: cus, TransferID: "tr_1", Amount: usd("100"), Limits: compliance.Limits(l)}))

	handle(t, store, wallet.Aggregate, cus, "w1", wallet.Command(wallet.ApproveCreditLine{Meta: wallet.Meta{ID: "w1", Actor: "staff:bob"}, CustomerID: cus, Limit: usd("50")}))
	handle(t, store, wallet.Aggregate, cus, "w2", wallet.Command(wallet.Fund{Meta: wallet.Meta{ID: "w2", Actor: "system:card"}, CustomerID: cus, FundingRef: "card_1", Amount: usd("70")}))
	res := handle(t, store, wallet.Aggregate, cus, "w3", wallet.Command(wallet.Reserve{Meta: wallet.Meta{ID: "w3", Actor: "system:test"}, CustomerID: cus, TransferID: "tr_1", Amount: usd("100")}))
	if len(res.Events) != 2 {
		t.Fatalf("reserve with a shortfall appended %d events, want credit draw and reservation", len(res.Events))
	}
	handle(t, store, wallet.Aggregate, cus, "w4", wallet.Command(wallet.Settle{Meta: wallet.Meta{ID: "w4", Actor: "system:test"}, CustomerID: cus, TransferID: "tr_1",
		Postings: ledger.Postings{
			{Account: ledger.CustomerReserved(cus), Amount: usd("-100")},
			{Account: ledger.RevenueFees, Amount: usd("2.99")},
			{Account: ledger.FX("USD"), Amount: usd("97.01")},
			{Account: ledger.FX("KES"), Amount: kes("-12437.16")},
			{Account: ledger.PartnerPayable("cashnet"), Amount: kes("12437.16")},
		}}))

	handle(t, store, agent.Aggregate, "ag_1", "a1", agent.Command(agent.Register{Meta: agent.Meta{ID: "a1", Actor: "staff:bob"}, AgentID: "ag_1",
		PartnerID: "cashnet", Country: "KE", Currency: "KES", MaxPayout: kes("50000"), DailyCashLimit: kes("100000")}))
	handle(t, store, agent.Aggregate, "ag_1", "a2", agent.Command(agent.RecordCashPayout{Meta: agent.Meta{ID: "a2", Actor: "agent:ag_1"}, AgentID: "ag_1", TransferID: "tr_1", Amount: kes("12437.16")}))
	handle(t, store, agent.Aggregate, "ag_1", "a3", agent.Command(agent.EarnCommission{Meta: agent.Meta{ID: "a3", Actor: "system:test"}, AgentID: "ag_1", TransferID: "tr_1", Amount: kes("124")}))

	// A retry of the reserve, after everything, appends nothing.
	if res := handle(t, store, wallet.Aggregate, cus, "w3", wallet.Command(wallet.Reserve{Meta: wallet.Meta{ID: "w3", Actor: "system:test"}, CustomerID: cus, TransferID: "tr_1", Amount: usd("100")})); !res.Duplicate {
		t.Errorf("retried reserve: Duplicate = false")
	}

	b := books(t, store)
	for c, v := range b.Totals() {
		if !v.IsZero() {
			t.Errorf("ledger total %s = %s, want 0", c, v)
		}
	}
	checks := []struct {
		account ledger.Account
		want    string
		ccy     string
	}{
		{ledger.CustomerAvailable(cus), "0", "USD"},
		{ledger.CustomerReserved(cus), "0", "USD"},
		{ledger.Credit(cus), "-30", "USD"},
		{ledger.PartnerPayable("cashnet"), "0", "KES"},
		{ledger.AgentFloat("ag_1"), "12437.16", "KES"},
		{ledger.AgentCommission("ag_1"), "124", "KES"},
	}
	for _, c := range checks {
		if got := b.Get(c.account, moneyCurrency(c.ccy)); !got.Equal(amount(c.want, c.ccy)) {
			t.Errorf("%s = %s, want %s %s", c.account, got, c.want, c.ccy)
		}
	}
	for _, stream := range []string{"customer-" + cus, "quote-q_1", "wallet-" + cus, "agent-ag_1", "compliance-" + cus} {
		if err := command.Verify(context.Background(), store, stream); err != nil {
			t.Errorf("Verify(%s): %v", stream, err)
		}
	}
	ws, _, _, err := command.Load(context.Background(), store, wallet.Aggregate, cus)
	if err != nil {
		t.Fatal(err)
	}
	if r := ws.Reservations["tr_1"]; r.Status != wallet.StatusSettled || !r.CreditDrawn.Equal(usd("30")) {
		t.Errorf("reloaded reservation = %+v", r)
	}
}
