package process_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/remitflow/remitflow/adapters/eventstore/memory"
	"github.com/remitflow/remitflow/domain/agent"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/ledger"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
	"github.com/remitflow/remitflow/domain/process"
	"github.com/remitflow/remitflow/domain/quote"
	"github.com/remitflow/remitflow/domain/transfer"
	"github.com/remitflow/remitflow/domain/wallet"
	"github.com/shopspring/decimal"
)

// ledgerOf folds every money-moving event (wallets and agents) into balances.
func ledgerOf(t tb, s eventstore.Store) ledger.Balances {
	t.Helper()
	b := ledger.Balances{}
	decoders := map[string]func(string, []byte) (command.Event, error){"wallet": wallet.Decode, "agent": agent.Decode}
	for ev, err := range s.ReadAll(context.Background(), eventstore.ReadAllOptions{Filter: eventstore.StreamPrefix("wallet-", "agent-")}) {
		if err != nil {
			t.Fatal(err)
		}
		e, err := decoders[eventstore.Category(ev.Stream)](ev.Type, ev.Data)
		if err != nil {
			t.Fatal(err)
		}
		if mm, ok := e.(command.MoneyMover); ok {
			b.Apply(mm.LedgerPostings())
		}
	}
	return b
}

func checkBalanced(t tb, b ledger.Balances) {
	t.Helper()
	for c, v := range b.Totals() {
		if !v.IsZero() {
			t.Fatalf("%s sums to %s across all postings", c, v)
		}
	}
}

func usd(v string) money.Amount { return money.MustParse(v, "USD") }

func wantStatus(t *testing.T, e *env, id string, want transfer.Status) transfer.State {
	t.Helper()
	s := e.transfer(id)
	if s.Status != want {
		t.Fatalf("transfer %s is %s (%s), want %s", id, s.Status, s.FailureReason, want)
	}
	return s
}

func catchUp(t *testing.T, m *process.Manager) {
	t.Helper()
	if err := m.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestMobileTransferCompletes(t *testing.T) {
	e := newEnv(t, memory.New())
	e.customer("cus_1", "500.00", "")
	p := newPartner(nil)
	m := e.manager(p, process.Config{})
	v, err := e.request("cus_1", 100, mobile("John Kamau"), "k1")
	if err != nil {
		t.Fatal(err)
	}
	if v.Public != transfer.PublicPending || v.Position.IsZero() {
		t.Errorf("after request: %s at %s", v.Public, v.Position)
	}
	catchUp(t, m)
	s := wantStatus(t, e, v.ID, transfer.StatusCompleted)
	if p.payments(v.ID) != 1 || s.Paid.Amount.String() != "12437.16 KES" {
		t.Errorf("payments %d, paid %v", p.payments(v.ID), s.Paid.Amount)
	}
	b := ledgerOf(t, e.base)
	checkBalanced(t, b)
	checks := []struct {
		acct ledger.Account
		cur  money.Currency
		want string
	}{
		{"customer:cus_1:available", "USD", "400"},
		{"customer:cus_1:reserved", "USD", "0"},
		{"revenue:fees", "USD", "2.99"},
		{"fx:USD", "USD", "97.01"},
		{"partner:mpesa:payable", "KES", "12437.16"},
		{"revenue:fx", "KES", "125.635"}, // 97.01 × 129.50 − 12437.16
		{"fx:KES", "KES", "-12562.795"},
	}
	for _, c := range checks {
		if got := b.Get(c.acct, c.cur); !got.Value.Equal(decimal.RequireFromString(c.want)) {
			t.Errorf("balance %s = %s, want %s", c.acct, got, c.want)
		}
	}
	// Same key, same request: the same transfer; other request: refused.
	again, err := e.svc.RequestTransfer(context.Background(), process.TransferRequest{
		SenderID: "cus_1", QuoteID: s.Quote.QuoteID, Recipient: mobile("John Kamau"), Purpose: "family support", IdempotencyKey: "k1"})
	if err != nil || again.ID != v.ID {
		t.Errorf("repeat request = %v, %v", again.ID, err)
	}
	if _, err := e.request("cus_1", 100, mobile("John Kamau"), "k1"); !errors.Is(err, transfer.ErrDuplicateRequest) {
		t.Errorf("same key, other quote: %v, want ErrDuplicateRequest", err)
	}
	if _, err := e.svc.CancelTransfer(context.Background(), "cus_1", v.ID, "changed my mind"); !errors.Is(err, transfer.ErrCancelNotAllowed) {
		t.Errorf("cancel completed: %v", err)
	}
	if _, err := command.VerifyAll(context.Background(), e.base, eventstore.Filter{}); err != nil {
		t.Errorf("hash chains: %v", err)
	}
}

func TestRequestRefusals(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, memory.New())
	e.customer("cus_1", "500.00", "")
	e.customer("cus_2", "500.00", "")
	q := e.quote("cus_1", 100)
	req := func(sender, quoteID, key string, r transfer.Recipient) error {
		_, err := e.svc.RequestTransfer(ctx, process.TransferRequest{SenderID: sender, QuoteID: quoteID, Recipient: r, Purpose: "gift", IdempotencyKey: key})
		return err
	}
	bad := mobile("John")
	bad.MSISDN = "0712"
	cases := []struct {
		name string
		err  error
		want error
	}{
		{"unknown customer", req("cus_9", q, "a", mobile("John")), customer.ErrCustomerNotFound},
		{"another customer's quote", req("cus_2", q, "b", mobile("John")), quote.ErrQuoteCustomerMismatch},
		{"unknown quote", req("cus_1", "q_nope", "c", mobile("John")), quote.ErrQuoteNotFound},
		{"bad recipient", req("cus_1", q, "d", bad), transfer.ErrInvalidRecipient},
	}
	for _, c := range cases {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.err, c.want)
		}
	}
	if err := req("cus_1", q, "e", mobile("John")); err != nil {
		t.Fatal(err)
	}
	if err := req("cus_1", q, "f", mobile("John")); !errors.Is(err, quote.ErrQuoteUsed) {
		t.Errorf("reused quote: %v", err)
	}
	q2 := e.quote("cus_1", 100)
	e.clock.Advance(16 * time.Minute)
	if err := req("cus_1", q2, "g", mobile("John")); !errors.Is(err, quote.ErrQuoteExpired) {
		t.Errorf("expired quote: %v", err)
	}
	if _, err := e.svc.GetCustomerTransfer(ctx, "cus_2", process.TransferID("cus_1", "e")); !errors.Is(err, transfer.ErrTransferNotFound) {
		t.Errorf("another customer's transfer: %v", err)
	}
}

func TestPayoutPaths(t *testing.T) {
	cases := []struct {
		name    string
		outcome []outcome // by attempt
		funds   string
		credit  string
		steps   func(t *testing.T, e *env, m *process.Manager, p *fakePartner)
		want    transfer.Status
		paid    int
		avail   string
	}{
		{name: "retryable failure then success", outcome: []outcome{failRetryable, succeed}, want: transfer.StatusCompleted, paid: 1, avail: "400"},
		{name: "retries exhausted", outcome: []outcome{failRetryable, failRetryable, failRetryable}, want: transfer.StatusRefunded, avail: "500"},
		{name: "final failure", outcome: []outcome{failFinal}, want: transfer.StatusRefunded, avail: "500"},
		{name: "pending then callback", outcome: []outcome{pendingPaid}, want: transfer.StatusCompleted, paid: 1, avail: "400",
			steps: func(t *testing.T, e *env, m *process.Manager, p *fakePartner) {
				for _, r := range p.unreported() {
					for range 2 { // a duplicate callback is harmless
						if err := m.HandlePayoutResult(context.Background(), r); err != nil {
							t.Fatal(err)
						}
					}
					p.markReported(r.Reference)
				}
			}},
		{name: "pending then failure found by reconcile", outcome: []outcome{pendingFailed}, want: transfer.StatusRefunded, avail: "500"},
		{name: "timeout but paid", outcome: []outcome{timeoutPaid}, want: transfer.StatusCompleted, paid: 1, avail: "400"},
		{name: "timeout and lost", outcome: []outcome{timeoutLost}, want: transfer.StatusCompleted, paid: 1, avail: "400"},
		{name: "insufficient funds", funds: "50.00", want: transfer.StatusFundingFailed, avail: "50"},
		{name: "credit drawn then refunded", funds: "50.00", credit: "100.00", outcome: []outcome{failFinal}, want: transfer.StatusRefunded, avail: "50"},
		{name: "credit drawn and paid", funds: "50.00", credit: "100.00", want: transfer.StatusCompleted, paid: 1, avail: "0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, memory.New())
			funds := c.funds
			if funds == "" {
				funds = "500.00"
			}
			e.customer("cus_1", funds, c.credit)
			n := 0
			p := newPartner(func(payout.Request) outcome {
				n++
				if n <= len(c.outcome) {
					return c.outcome[n-1]
				}
				return succeed
			})
			m := e.manager(p, process.Config{Backoff: func(int) time.Duration { return time.Minute }})
			v, err := e.request("cus_1", 100, mobile("John Kamau"), "k1")
			if err != nil {
				t.Fatal(err)
			}
			catchUp(t, m)
			if c.steps != nil {
				c.steps(t, e, m, p)
			}
			for range 5 {
				e.clock.Advance(3 * time.Minute)
				if _, err := m.Reconcile(context.Background()); err != nil {
					t.Fatal(err)
				}
				catchUp(t, m)
			}
			s := wantStatus(t, e, v.ID, c.want)
			if got := p.payments(v.ID); got != c.paid {
				t.Errorf("partner paid %d times, want %d", got, c.paid)
			}
			b := ledgerOf(t, e.base)
			checkBalanced(t, b)
			if got := b.Get("customer:cus_1:available", "USD"); !got.Value.Equal(decimal.RequireFromString(c.avail)) {
				t.Errorf("available = %s, want %s", got, c.avail)
			}
			if got := b.Get("customer:cus_1:reserved", "USD"); !got.IsZero() {
				t.Errorf("reserved = %s, want 0", got)
			}
			if s.Status == transfer.StatusRefunded && !b.Get("credit:cus_1", "USD").IsZero() {
				t.Errorf("credit still drawn after refund: %s", b.Get("credit:cus_1", "USD"))
			}
			if m.OpenTransfers() != 0 && s.Final() {
				t.Errorf("%d transfers still open", m.OpenTransfers())
			}
		})
	}
}

func TestHoldReleaseReject(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, memory.New())
	e.customer("cus_1", "500.00", "")
	m := e.manager(newPartner(nil), process.Config{})
	a, _ := e.request("cus_1", 100, mobile("Sanctioned Person"), "a")
	b, _ := e.request("cus_1", 100, mobile("Sanctioned Person"), "b")
	c, _ := e.request("cus_1", 100, mobile("Sanctioned Person"), "c")
	catchUp(t, m)
	for _, id := range []string{a.ID, b.ID, c.ID} {
		s := wantStatus(t, e, id, transfer.StatusHeld)
		if len(s.Hits) != 1 || s.Hits[0].Subject != process.RoleRecipient {
			t.Errorf("hits %+v", s.Hits)
		}
	}
	if v, _ := e.svc.GetTransfer(ctx, a.ID); v.Public != transfer.PublicHeld {
		t.Errorf("public status %s", v.Public)
	}
	if _, err := e.svc.ReleaseTransfer(ctx, "alice", a.ID, "false positive: different birth date"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.RejectTransfer(ctx, "alice", b.ID, "confirmed match"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ReleaseTransfer(ctx, "alice", b.ID, "oops"); !errors.Is(err, transfer.ErrInvalidTransition) {
		t.Errorf("release after reject: %v", err)
	}
	catchUp(t, m)
	e.clock.Advance(20 * time.Minute) // c's quote expires while held
	if _, err := e.svc.ReleaseTransfer(ctx, "alice", c.ID, "false positive"); err != nil {
		t.Fatal(err)
	}
	catchUp(t, m)
	wantStatus(t, e, a.ID, transfer.StatusCompleted)
	wantStatus(t, e, b.ID, transfer.StatusRejected)
	wantStatus(t, e, c.ID, transfer.StatusExpired)
	checkBalanced(t, ledgerOf(t, e.base))
}

func TestCancel(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, memory.New())
	e.customer("cus_1", "500.00", "")
	m := e.manager(newPartner(func(payout.Request) outcome { return pendingPaid }), process.Config{})
	early, _ := e.request("cus_1", 100, mobile("John"), "early")
	if v, err := e.svc.CancelTransfer(ctx, "cus_1", early.ID, "typo"); err != nil || v.Public != transfer.PublicCancelled {
		t.Fatalf("cancel before funding: %v %v", v.Public, err)
	}
	if _, err := e.svc.CancelTransfer(ctx, "cus_2", early.ID, ""); !errors.Is(err, transfer.ErrTransferNotFound) {
		t.Errorf("cancel another customer's transfer: %v", err)
	}
	// Funded, then cancelled before the payout step ran.
	funded, _ := e.request("cus_1", 100, cash("Amina"), "funded")
	m2 := e.manager(newPartner(nil), process.Config{})
	// Run only up to funding: handling the first event twice screens, then
	// funds (the manager acts on the transfer's current state).
	for i := 0; i < 2; i++ {
		for ev, err := range e.base.ReadStream(ctx, "transfer-"+funded.ID, eventstore.ReadStreamOptions{}) {
			if err != nil {
				t.Fatal(err)
			}
			if err := m2.HandleEvent(ctx, ev); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	wantStatus(t, e, funded.ID, transfer.StatusFunded)
	if _, err := e.svc.CancelTransfer(ctx, "cus_1", funded.ID, "no longer needed"); err != nil {
		t.Fatal(err)
	}
	catchUp(t, m)
	if s := wantStatus(t, e, funded.ID, transfer.StatusCancelled); !s.Refunded || !s.Funded || transfer.PublicStatus(s) != transfer.PublicCancelled {
		t.Errorf("cancelled funded transfer: refunded %v funded %v", s.Refunded, s.Funded)
	}
	late, _ := e.request("cus_1", 100, mobile("John"), "late")
	catchUp(t, m)
	if _, err := e.svc.CancelTransfer(ctx, "cus_1", late.ID, ""); !errors.Is(err, transfer.ErrCancelNotAllowed) {
		t.Errorf("cancel after payout submission: %v", err)
	}
	b := ledgerOf(t, e.base)
	checkBalanced(t, b)
	if got := b.Get("customer:cus_1:reserved", "USD"); !got.Equal(usd("100")) {
		t.Errorf("reserved %s, want only the in-flight payout's 100", got)
	}
}

func TestCashPickup(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, memory.New())
	e.customer("cus_1", "500.00", "")
	m := e.manager(newPartner(nil), process.Config{PickupTTL: 72 * time.Hour})
	v, err := e.request("cus_1", 100, cash("Amina Otieno"), "p1")
	if err != nil {
		t.Fatal(err)
	}
	exp, _ := e.request("cus_1", 50, cash("Baraka"), "p2")
	catchUp(t, m)
	s := wantStatus(t, e, v.ID, transfer.StatusPickupReady)
	if s.Pickup.CodeHash == pickupCode(v.ID) || s.Pickup.CodeHash != transfer.HashPickupCode(v.ID, pickupCode(v.ID)) {
		t.Fatal("pickup code stored in clear or not hashed")
	}
	if _, err := e.svc.LookupPickup(ctx, "agt_1", v.ID, "0000000000"); !errors.Is(err, transfer.ErrInvalidPickupCode) {
		t.Errorf("wrong code: %v", err)
	}
	if s := e.transfer(v.ID); s.Pickup.Failures != 1 {
		t.Errorf("wrong codes counted: %d", s.Pickup.Failures)
	}
	pv, err := e.svc.LookupPickup(ctx, "agt_1", v.ID, pickupCode(v.ID))
	if err != nil || pv.RecipientName != "Amina Otieno" || pv.Amount.String() != "12437.16 KES" {
		t.Fatalf("lookup = %+v, %v", pv, err)
	}
	if _, err := e.svc.LookupPickup(ctx, "agt_2", v.ID, pickupCode(v.ID)); !errors.Is(err, transfer.ErrPickupLocked) {
		t.Errorf("second agent: %v", err)
	}
	if _, err := e.svc.CompleteCashPickup(ctx, "agt_2", v.ID, pickupCode(v.ID), "national_id", "12345678"); !errors.Is(err, transfer.ErrPickupNotLocked) {
		t.Errorf("pay by the other agent: %v", err)
	}
	if _, err := e.svc.CompleteCashPickup(ctx, "agt_1", v.ID, pickupCode(v.ID), "national_id", "12345678"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CompleteCashPickup(ctx, "agt_1", v.ID, pickupCode(v.ID), "national_id", "12345678"); err != nil {
		t.Errorf("repeated completion: %v", err)
	}
	catchUp(t, m)
	wantStatus(t, e, v.ID, transfer.StatusCompleted)
	e.clock.Advance(73 * time.Hour)
	if _, err := m.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	catchUp(t, m)
	wantStatus(t, e, exp.ID, transfer.StatusRefunded)
	b := ledgerOf(t, e.base)
	checkBalanced(t, b)
	if got := b.Get(ledger.AgentFloat("agt_1"), "KES"); !got.Equal(money.MustParse("12437.16", "KES")) {
		t.Errorf("agent float %s", got)
	}
	if got := b.Get(ledger.AgentCommission("agt_1"), "KES"); !got.Equal(money.MustParse("62.18", "KES")) {
		t.Errorf("agent commission %s", got)
	}
	if got := b.Get(ledger.PartnerPayable("cashnet"), "KES"); !got.IsZero() {
		t.Errorf("cash partner payable %s, want 0 after the agent's payout", got)
	}
	if _, err := e.svc.LookupPickup(ctx, "agt_9", exp.ID, pickupCode(exp.ID)); !errors.Is(err, agent.ErrAgentNotFound) {
		t.Errorf("unknown agent: %v", err)
	}
	if got := b.Get("customer:cus_1:available", "USD"); !got.Equal(usd("400")) {
		t.Errorf("available %s, want 400 (expired pickup refunded)", got)
	}
}

func TestPickupBlockedAfterWrongCodes(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, memory.New())
	e.customer("cus_1", "500.00", "")
	m := e.manager(newPartner(nil), process.Config{PickupTTL: 72 * time.Hour})
	v, err := e.request("cus_1", 100, cash("Amina Otieno"), "p1")
	if err != nil {
		t.Fatal(err)
	}
	catchUp(t, m)
	for i := range transfer.MaxPickupCodeFailures {
		e.clock.Advance(time.Second)
		if _, err := e.svc.LookupPickup(ctx, "agt_1", v.ID, fmt.Sprintf("99999999%02d", i)); !errors.Is(err, transfer.ErrInvalidPickupCode) {
			t.Fatalf("wrong code %d: %v", i, err)
		}
	}
	if _, err := e.svc.LookupPickup(ctx, "agt_1", v.ID, pickupCode(v.ID)); !errors.Is(err, transfer.ErrPickupBlocked) {
		t.Fatalf("right code after too many wrong ones: %v", err)
	}
	e.clock.Advance(73 * time.Hour)
	if _, err := m.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	catchUp(t, m)
	wantStatus(t, e, v.ID, transfer.StatusRefunded)
	if got := ledgerOf(t, e.base).Get("customer:cus_1:available", "USD"); !got.Equal(usd("500")) {
		t.Errorf("available %s, want 500 (blocked pickup refunded)", got)
	}
}

func TestRunFollowsLive(t *testing.T) {
	e := newEnv(t, memory.New())
	e.customer("cus_1", "5000.00", "")
	m := e.manager(newPartner(nil), process.Config{Workers: 4, CheckpointEvery: 3})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	var ids []string
	for i := range 10 {
		v, err := e.request("cus_1", 100, mobile("John"), fmt.Sprint("k", i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, v.ID)
	}
	sub, err := e.base.SubscribeAll(ctx, eventstore.SubscribeOptions{Filter: eventstore.EventTypePrefix(transfer.TypeCompleted)})
	if err != nil {
		t.Fatal(err)
	}
	for range ids {
		if _, err := sub.Next(ctx); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v", err)
	}
	cp, err := process.LoadCheckpoint(context.Background(), e.base, process.DefaultName)
	if err != nil || cp.IsZero() {
		t.Errorf("checkpoint %v, %v", cp, err)
	}
	for _, id := range ids {
		wantStatus(t, e, id, transfer.StatusCompleted)
	}
}

func TestReconcileOn(t *testing.T) {
	e := newEnv(t, memory.New())
	e.customer("cus_1", "500.00", "")
	m := e.manager(newPartner(func(payout.Request) outcome { return timeoutLost }), process.Config{})
	v, err := e.request("cus_1", 100, mobile("John Kamau"), "k1")
	if err != nil {
		t.Fatal(err)
	}
	catchUp(t, m)
	e.clock.Advance(time.Hour)
	tick := make(chan time.Time)
	reports := make(chan process.ReconcileReport)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.ReconcileOn(ctx, tick, func(r process.ReconcileReport) { reports <- r }) }()
	tick <- e.clock.Now()
	if r := <-reports; r.Queried != 1 || r.Resubmitted != 1 || r.Errors != 0 {
		t.Errorf("report %+v, want one query and one resubmission", r)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("ReconcileOn returned %v", err)
	}
	catchUp(t, m)
	wantStatus(t, e, v.ID, transfer.StatusCompleted)
}

func TestRecipientDetailsSealed(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, memory.New())
	e.customer("cus_pii", "500.00", "")
	p := newPartner(nil)
	m := e.manager(p, process.Config{})
	v, err := e.request("cus_pii", 100, mobile("Wanjiru Kamau"), "k1")
	if err != nil {
		t.Fatal(err)
	}
	if v.Recipient.Name != "Wanjiru Kamau" || v.Recipient.MSISDN != "+254708374149" || v.Redacted {
		t.Errorf("view recipient %+v redacted %v, want the clear details", v.Recipient, v.Redacted)
	}
	catchUp(t, m)
	wantStatus(t, e, v.ID, transfer.StatusCompleted)
	for _, pp := range p.byRef {
		if pp.req.MSISDN != "254708374149" || pp.req.RecipientName != "Wanjiru Kamau" {
			t.Errorf("partner got %q %q", pp.req.MSISDN, pp.req.RecipientName)
		}
	}
	for ev, err := range e.base.ReadAll(ctx, eventstore.ReadAllOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range [][]byte{ev.Data, ev.Metadata} {
			if s := string(b); strings.Contains(s, "Wanjiru") || strings.Contains(s, "708374149") {
				t.Fatalf("%s@%d (%s) holds recipient details in clear: %s", ev.Stream, ev.Revision, ev.Type, s)
			}
		}
	}
	// Same key and request: the same transfer, compared on the clear details.
	q := e.transfer(v.ID).Quote.QuoteID
	again, err := e.svc.RequestTransfer(ctx, process.TransferRequest{SenderID: "cus_pii", QuoteID: q, Recipient: mobile("Wanjiru Kamau"), Purpose: "family support", IdempotencyKey: "k1"})
	if err != nil || again.ID != v.ID {
		t.Errorf("repeat = %v, %v", again.ID, err)
	}
	if _, err := e.svc.RequestTransfer(ctx, process.TransferRequest{SenderID: "cus_pii", QuoteID: q, Recipient: mobile("Someone Else"), Purpose: "family support", IdempotencyKey: "k1"}); !errors.Is(err, transfer.ErrDuplicateRequest) {
		t.Errorf("same key, other recipient: %v", err)
	}
	vault.forget("cus_pii")
	gone, err := e.svc.GetTransfer(ctx, v.ID)
	if err != nil || !gone.Redacted || gone.Recipient.Name != "" || gone.Public != transfer.PublicCompleted {
		t.Errorf("after forgetting the sender: %+v redacted %v, %v", gone.Recipient, gone.Redacted, err)
	}
	if _, err := command.VerifyAll(ctx, e.base, eventstore.Filter{}); err != nil {
		t.Errorf("hash chains after crypto-shredding: %v", err)
	}
}
