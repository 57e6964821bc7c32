package projections_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/remitflow/remitflow/domain/agent"
	"github.com/remitflow/remitflow/domain/compliance"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/ledger"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/transfer"
	"github.com/remitflow/remitflow/projections"
	"github.com/shopspring/decimal"
)

var (
	sanctioned = mobile("Sanctioned Person", "+254708374150")
	namesake   = mobile("Sanctioned Namesake", "+254708374152")
)

// scenario is what the scenario did, for the checks.
type scenario struct {
	completed1, refunded, held, unfunded, pickup, completed2, released string
	// requestedAt is when each transfer was requested.
	requestedAt map[string]time.Time
	// fundedAt is when the manager took completed1 further.
	fundedAt time.Time
	// personCase is a case about a person, opened by staff.
	personCase string
}

// runScenario drives real commands: customers, wallets, quotes, the
// transfer service and process manager (mobile and cash payouts, a final
// payout failure, a sanctions hold, a funding failure, a release), agents
// and compliance staff, over two days.
func runScenario(t testing.TB, e *env) scenario {
	t.Helper()
	ctx := t.Context()
	sc := scenario{requestedAt: map[string]time.Time{}}
	req := func(cust string, send int64, r transfer.Recipient, key string) string {
		id := e.request(cust, send, r, key)
		sc.requestedAt[id] = e.clock.Now()
		return id
	}
	e.customer("cus_1", "1000.00")
	e.customer("cus_2", "50.00")
	e.customer("cus_3", "")
	e.agent(agent.Register{Meta: agent.Meta{ID: "reg-agt_1", Actor: "staff:ops"}, AgentID: "agt_1", PartnerID: "cashnet", Country: "KE",
		Currency: "KES", MaxPayout: money.MustParse("50000", "KES"), DailyCashLimit: money.MustParse("200000", "KES")})
	e.agent(agent.TopUpFloat{Meta: agent.Meta{ID: "top-1", Actor: "agent:agt_1"}, AgentID: "agt_1", FundingRef: "bank-1", Amount: money.MustParse("10000", "KES")})

	// Day 1, 09:00: a mobile transfer, taken further ten minutes later.
	sc.completed1 = req("cus_1", 100, mobile("John Kamau", "+254708374149"), "k1")
	e.clock.advance(10 * time.Minute)
	sc.fundedAt = e.clock.Now()
	e.catchUp()

	// 10:10: a payout that fails finally and is refunded.
	e.clock.advance(time.Hour)
	sc.refunded = req("cus_1", 50, mobile("Mary Wanjiru", "+254700000001"), "k2")
	e.catchUp()

	// 11:10: a sanctions hold, left in the queue.
	e.clock.advance(time.Hour)
	sc.held = req("cus_1", 30, sanctioned, "k3")
	// A funding failure.
	sc.unfunded = req("cus_2", 200, mobile("Peter Otieno", "+254708374151"), "k4")
	e.catchUp()

	// 12:10: a cash pickup paid by agent agt_1.
	e.clock.advance(time.Hour)
	sc.pickup = req("cus_1", 60, cash("Amina Otieno"), "k5")
	e.catchUp()
	must(e.svc.LookupPickup(ctx, "agt_1", sc.pickup, pickupCode(sc.pickup)))(t)
	must(e.svc.CompleteCashPickup(ctx, "agt_1", sc.pickup, pickupCode(sc.pickup), "national_id", "12345678"))(t)
	e.catchUp()

	// A staff referral about a person, without a transfer.
	sc.personCase = "case-referral-1"
	e.compliance(compliance.OpenCase{Meta: compliance.Meta{ID: "open-ref-1", Actor: "staff:bob"}, SubjectID: "cus_3", CaseID: sc.personCase,
		Rules: []compliance.RuleOutcome{{Rule: "tier2.velocity_24h", Passed: false, Detail: "referred"}}, Reason: "unusual pattern reported"})

	// Day 2, 10:10: another mobile transfer, a hold that staff release,
	// and the agent's settlement and suspension.
	e.clock.advance(22 * time.Hour)
	sc.completed2 = req("cus_1", 20, mobile("John Kamau", "+254708374149"), "k6")
	sc.released = req("cus_1", 25, namesake, "k7")
	e.catchUp()
	e.clock.advance(5 * time.Minute)
	must(e.svc.ReleaseTransfer(ctx, "alice", sc.released, "different date of birth"))(t)
	e.compliance(compliance.ClearFalsePositive{Meta: compliance.Meta{ID: "clear-1", Actor: "staff:alice"}, SubjectID: subjectOf(namesake),
		EntryID: "1234", EntryHash: "h1234", EntryName: "SANCTIONED, Person", Staff: "alice", Reason: "different date of birth"})
	e.catchUp()
	e.agent(agent.Settle{Meta: agent.Meta{ID: "settle-1", Actor: "staff:finance"}, AgentID: "agt_1", SettlementID: "stl-1",
		Float: money.MustParse("5000", "KES"), Commission: money.MustParse("36.54", "KES")})
	e.agent(agent.Suspend{Meta: agent.Meta{ID: "suspend-1", Actor: "staff:ops"}, AgentID: "agt_1", Reason: "audit"})
	return sc
}

// startRunner runs a runner over rm until the test ends.
func startRunner(t *testing.T, store eventstore.Store, rm *projections.ReadModels) *projections.Runner {
	t.Helper()
	r := projections.NewRunner(store, rm.Projections()...)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("runner stopped with %v", err)
		}
	})
	return r
}

func waitFor(t *testing.T, r *projections.Runner, pos eventstore.Position) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := r.Wait(ctx, pos); err != nil {
		t.Fatal(err)
	}
}

func newAll(t testing.TB) *projections.ReadModels {
	t.Helper()
	return must(projections.NewAll(projections.Config{}))(t)
}

// TestReadModels follows the scenario live, checks every read model, and
// rebuilds from zero to the same digests.
func TestReadModels(t *testing.T) {
	e := newEnv(t)
	live := newAll(t)
	r := startRunner(t, e.base, live)
	sc := runScenario(t, e)
	e.publishRates(
		ecb(day0.Add(-24*time.Hour), map[money.Currency]string{"USD": "1.10", "KES": "140.00", "GBP": "0.85"}),
		ecb(day0.Add(24*time.Hour), map[money.Currency]string{"USD": "1.05", "KES": "141.00", "GBP": "0.86"}),
	)
	head := e.head()
	waitFor(t, r, head)

	t.Run("transfers", func(t *testing.T) { checkTransfers(t, live.Transfers, sc) })
	t.Run("agents", func(t *testing.T) { checkAgents(t, live.Agents, sc) })
	t.Run("corridors", func(t *testing.T) { checkCorridors(t, live, sc) })
	t.Run("compliance", func(t *testing.T) { checkCompliance(t, live.Compliance, sc) })
	t.Run("fx", func(t *testing.T) { checkFX(t, e, live) })

	// A rebuild from zero, after the fact, yields the same digests.
	again := newAll(t)
	r2 := startRunner(t, e.base, again)
	waitFor(t, r2, head)
	want, got := live.Digests(), again.Digests()
	if len(want) != 6 {
		t.Errorf("Digests() has %d read models, want 6: %v", len(want), want)
	}
	for name, d := range want {
		if got[name] != d {
			t.Errorf("rebuilt %s digest %s, live %s", name, got[name], d)
		}
	}
	if rd := r.Digests(); rd["transfers"] != want["transfers"] {
		t.Errorf("runner digest %s != read model digest %s", rd["transfers"], want["transfers"])
	}

	// A further event changes the digests of the read models it touches
	// and of no other.
	e.clock.advance(time.Minute)
	e.agent(agent.Reactivate{Meta: agent.Meta{ID: "reactivate-1", Actor: "staff:ops"}, AgentID: "agt_1", Reason: "audit passed"})
	waitFor(t, r, e.head())
	after := live.Digests()
	for name, d := range want {
		changed := after[name] != d
		if wantChange := name == "agents" || name == "compliance"; changed != wantChange {
			t.Errorf("%s digest changed = %v after an agent event, want %v", name, changed, wantChange)
		}
	}
}

func checkTransfers(t *testing.T, tr *projections.Transfers, sc scenario) {
	if tr.Len() != 7 {
		t.Errorf("Len() = %d, want 7", tr.Len())
	}
	statuses := map[string]transfer.Status{
		sc.completed1: transfer.StatusCompleted, sc.refunded: transfer.StatusRefunded, sc.held: transfer.StatusHeld,
		sc.unfunded: transfer.StatusFundingFailed, sc.pickup: transfer.StatusCompleted, sc.completed2: transfer.StatusCompleted,
		sc.released: transfer.StatusCompleted,
	}
	for id, want := range statuses {
		v, err := tr.Get(id)
		if err != nil || v.Status != want || v.Public != transfer.PublicStatus(v.State) {
			t.Errorf("Get(%s) = %s/%s, %v; want %s", id, v.Status, v.Public, err, want)
		}
	}

	// The timeline of the first transfer, with actors and descriptions.
	tl := must(tr.Timeline(sc.completed1))(t)
	var types []string
	for i, e := range tl {
		types = append(types, e.Type)
		if e.Revision != uint64(i) || e.Description == "" || e.Position.IsZero() {
			t.Errorf("timeline[%d] = %+v", i, e)
		}
	}
	wantTypes := []string{transfer.TypeRequested, transfer.TypeScreened, transfer.TypeFunded, transfer.TypePayoutSubmitted, transfer.TypePaidOut, transfer.TypeCompleted}
	if !slices.Equal(types, wantTypes) {
		t.Errorf("timeline types = %v, want %v", types, wantTypes)
	}
	if tl[0].Actor != "customer:cus_1" || !tl[0].OccurredAt.Equal(sc.requestedAt[sc.completed1]) || tl[0].Status != transfer.StatusRequested {
		t.Errorf("timeline[0] = %+v, want requested by customer:cus_1 at %s", tl[0], sc.requestedAt[sc.completed1])
	}
	if tl[0].Description != "Requested: 97.01 USD plus 2.99 USD fee, 12437.16 KES to be received by mobile wallet in KE" {
		t.Errorf("timeline[0].Description = %q", tl[0].Description)
	}
	if b, err := json.Marshal(tl[0]); err != nil || !strings.Contains(string(b), `"position":"`+tl[0].Position.String()+`"`) ||
		!strings.Contains(string(b), `"type":"transfer.requested.v1"`) || !strings.Contains(string(b), `"actor":"customer:cus_1"`) {
		t.Errorf("timeline entry JSON = %s, %v", b, err)
	}
	if last := tl[len(tl)-1]; last.Actor != "system:transfer-process" || !last.OccurredAt.Equal(sc.fundedAt) {
		t.Errorf("last timeline entry = %+v", last)
	}

	// As of an instant: before the manager acted, and before the request.
	v := must(tr.AsOf(sc.completed1, sc.fundedAt.Add(-time.Minute)))(t)
	if v.Status != transfer.StatusRequested || v.Revision != 0 || v.Funded {
		t.Errorf("AsOf(before funding) = %s rev %d funded %v, want requested rev 0", v.Status, v.Revision, v.Funded)
	}
	v = must(tr.AsOf(sc.completed1, sc.fundedAt))(t)
	if v.Status != transfer.StatusCompleted || v.Paid == nil {
		t.Errorf("AsOf(funded at) = %s, want completed", v.Status)
	}
	held := must(tr.AsOf(sc.released, sc.requestedAt[sc.released].Add(time.Second)))(t)
	if held.Status != transfer.StatusHeld || held.Public != transfer.PublicHeld || len(held.Hits) != 1 {
		t.Errorf("AsOf(released, before release) = %s with %d hits, want held", held.Status, len(held.Hits))
	}
	if _, err := tr.AsOf(sc.completed1, day0.Add(-time.Second)); !errors.Is(err, projections.ErrBeforeHistory) {
		t.Errorf("AsOf(before the request) error = %v, want ErrBeforeHistory", err)
	}
	if _, err := tr.AsOf("nope", day0); !errors.Is(err, projections.ErrNotFound) {
		t.Errorf("AsOf(unknown) error = %v, want ErrNotFound", err)
	}
	if _, err := tr.Get("nope"); !errors.Is(err, projections.ErrNotFound) {
		t.Errorf("Get(unknown) error = %v, want ErrNotFound", err)
	}
	if _, err := tr.Timeline("nope"); !errors.Is(err, projections.ErrNotFound) {
		t.Errorf("Timeline(unknown) error = %v, want ErrNotFound", err)
	}
	if _, err := tr.GetForCustomer("cus_2", sc.completed1); !errors.Is(err, projections.ErrNotFound) {
		t.Errorf("GetForCustomer(another sender's transfer) error = %v, want ErrNotFound", err)
	}
	if _, err := tr.GetForCustomer("cus_1", sc.completed1); err != nil {
		t.Errorf("GetForCustomer(own transfer) error = %v", err)
	}

	// The held queue by status; unknown statuses are refused.
	hs := must(tr.ByStatus(transfer.StatusHeld))(t)
	if len(hs) != 1 || hs[0].ID != sc.held || !hs[0].StatusSince.Equal(sc.requestedAt[sc.held]) {
		t.Errorf("ByStatus(held) = %v, want [%s]", ids(hs), sc.held)
	}
	done := must(tr.ByStatus(transfer.StatusCompleted))(t)
	if want := []string{sc.completed1, sc.pickup, sc.completed2, sc.released}; !slices.Equal(ids(done), want) {
		t.Errorf("ByStatus(completed) = %v, want %v (longest completed first)", ids(done), want)
	}
	failed := must(tr.ByPublicStatus(transfer.PublicFailed))(t)
	if len(failed) != 1 || failed[0].ID != sc.unfunded || failed[0].Status != transfer.StatusFundingFailed {
		t.Errorf("ByPublicStatus(failed) = %v, want [%s]", ids(failed), sc.unfunded)
	}
	if done := must(tr.ByPublicStatus(transfer.PublicCompleted))(t); len(done) != 4 {
		t.Errorf("ByPublicStatus(completed) = %v, want 4 transfers", ids(done))
	}
	for _, p := range []transfer.Public{"", "lost"} {
		if _, err := tr.ByPublicStatus(p); !errors.Is(err, projections.ErrInvalidArgument) {
			t.Errorf("ByPublicStatus(%q) error = %v, want ErrInvalidArgument", p, err)
		}
	}
	if _, err := tr.ByStatus("lost"); !errors.Is(err, projections.ErrInvalidArgument) {
		t.Errorf("ByStatus(lost) error = %v, want ErrInvalidArgument", err)
	}
	if c := tr.StatusCounts(); c[transfer.StatusCompleted] != 4 || c[transfer.StatusHeld] != 1 || c[transfer.StatusRequested] != 0 {
		t.Errorf("StatusCounts() = %v", c)
	}

	// Per-customer pages, newest first.
	want := []string{sc.released, sc.completed2, sc.pickup, sc.held, sc.refunded, sc.completed1}
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		p := must(tr.ByCustomer("cus_1", cursor, 4))(t)
		got = append(got, ids(p.Items)...)
		if p.Next == "" {
			if pages != 1 {
				t.Errorf("cus_1 has %d pages of 4, want 2", pages+1)
			}
			break
		}
		cursor = p.Next
	}
	if !slices.Equal(got, want) {
		t.Errorf("ByCustomer(cus_1) = %v, want %v", got, want)
	}
	if p := must(tr.ByCustomer("cus_1", "", 6))(t); p.Next != "" || len(p.Items) != 6 {
		t.Errorf("a page holding every transfer has %d items and next %q", len(p.Items), p.Next)
	}
	if p := must(tr.ByCustomer("cus_3", "", 0))(t); len(p.Items) != 0 || p.Next != "" {
		t.Errorf("ByCustomer(cus_3) = %+v, want an empty page", p)
	}
	if _, err := tr.ByCustomer("cus_9", "", 0); !errors.Is(err, projections.ErrNotFound) {
		t.Errorf("ByCustomer(unknown) error = %v, want ErrNotFound", err)
	}
	if _, err := tr.ByCustomer("cus_1", "%%%", 0); !errors.Is(err, projections.ErrInvalidArgument) {
		t.Errorf("ByCustomer(bad cursor) error = %v, want ErrInvalidArgument", err)
	}

	// Views are copies: changing one does not change the read model.
	v = must(tr.Get(sc.completed1))(t)
	v.Attempts[0].Reference = "changed"
	v.Paid.AgentID = "changed"
	if again := must(tr.Get(sc.completed1))(t); again.Attempts[0].Reference == "changed" || again.Paid.AgentID == "changed" {
		t.Error("a view shares memory with the read model")
	}
}

func ids(vs []projections.TransferView) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.ID)
	}
	return out
}

func checkAgents(t *testing.T, ag *projections.Agents, sc scenario) {
	v := must(ag.Get("agt_1"))(t)
	// 10000 topped up + 7308.96 paid out − 5000 settled.
	if v.PartnerID != "cashnet" || v.Status != projections.AgentSuspended || v.StatusReason != "audit" ||
		v.Float.String() != "12308.96 KES" || v.Commission.String() != "0.00 KES" || v.CashOuts != 1 || v.CashedOut.String() != "7308.96 KES" {
		t.Errorf("Get(agt_1) = %+v", v)
	}
	co := must(ag.CashOuts("agt_1"))(t)
	if len(co) != 1 || co[0].TransferID != sc.pickup || co[0].Amount.String() != "7308.96 KES" || co[0].Commission.String() != "36.54 KES" {
		t.Errorf("CashOuts(agt_1) = %+v", co)
	}
	st := must(ag.Settlements("agt_1"))(t)
	if len(st) != 1 || st[0].SettlementID != "stl-1" || st[0].Float.String() != "5000.00 KES" || st[0].Commission.String() != "36.54 KES" {
		t.Errorf("Settlements(agt_1) = %+v", st)
	}
	if l := ag.List("cashnet"); len(l) != 1 || l[0].AgentID != "agt_1" {
		t.Errorf("List(cashnet) = %+v", l)
	}
	if l := ag.List("other"); len(l) != 0 {
		t.Errorf("List(other) = %+v", l)
	}
	for name, err := range map[string]error{
		"Get":         second(ag.Get("agt_9")),
		"CashOuts":    second(ag.CashOuts("agt_9")),
		"Settlements": second(ag.Settlements("agt_9")),
	} {
		if !errors.Is(err, projections.ErrNotFound) {
			t.Errorf("%s(unknown agent) error = %v, want ErrNotFound", name, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func checkCorridors(t *testing.T, rm *projections.ReadModels, sc scenario) {
	co := rm.Corridors
	usdkes := projections.Corridor{Send: "USD", Receive: "KES"}
	if got := co.Corridors(); !slices.Equal(got, []projections.Corridor{usdkes}) {
		t.Errorf("Corridors() = %v", got)
	}
	// Expected figures from the transfers themselves.
	type fig struct {
		n, completed, refunded int
		send, recv, fees, fx   decimal.Decimal
	}
	want := map[string]*fig{}
	dayKey := func(at time.Time) string { return at.UTC().Format(time.DateOnly) }
	for id, at := range sc.requestedAt {
		v := must(rm.Transfers.Get(id))(t)
		f := want[dayKey(at)]
		if f == nil {
			f = &fig{}
			want[dayKey(at)] = f
		}
		f.n++
		f.send = f.send.Add(v.Quote.Send.Value)
		f.recv = f.recv.Add(v.Quote.Receive.Value)
		tl := must(rm.Transfers.Timeline(id))(t)
		end := tl[len(tl)-1]
		fe := want[dayKey(end.OccurredAt)]
		if fe == nil {
			fe = &fig{}
			want[dayKey(end.OccurredAt)] = fe
		}
		switch v.Status {
		case transfer.StatusCompleted:
			fe.completed++
			fe.fees = fe.fees.Add(v.Quote.Fee.Value)
			fe.fx = fe.fx.Add(v.Quote.Send.Value.Mul(v.Quote.MidRate).Sub(v.Quote.Receive.Value))
		case transfer.StatusRefunded:
			fe.refunded++
		}
	}
	days := must(co.Days(usdkes, day0, day0.Add(48*time.Hour)))(t)
	if len(days) != 2 {
		t.Fatalf("Days() = %d days, want 2", len(days))
	}
	for _, d := range days {
		w := want[dayKey(d.Day)]
		if w == nil || d.Transfers != w.n || d.Completed != w.completed || d.Refunded != w.refunded ||
			!d.SendVolume.Value.Equal(w.send) || !d.ReceiveVolume.Value.Equal(w.recv) ||
			!d.Fees.Value.Equal(w.fees) || !d.FXMargin.Value.Equal(w.fx) {
			t.Errorf("day %s = %+v, want %+v", dayKey(d.Day), d, w)
		}
	}
	if days[0].Transfers != 5 || days[1].Transfers != 2 || days[0].Completed != 2 || days[0].Refunded != 1 {
		t.Errorf("day counts = %d/%d/%d and %d", days[0].Transfers, days[0].Completed, days[0].Refunded, days[1].Transfers)
	}

	// The totals agree with the ledger's revenue accounts.
	tot := must(co.Totals(usdkes, day0, day0.Add(24*time.Hour)))(t)
	if fees := rm.Balances.Balance(ledger.RevenueFees, "USD"); !tot.Fees.Value.Equal(fees.Value) || tot.Fees.String() != "11.96 USD" {
		t.Errorf("Totals fees = %s, revenue:fees = %s, want 11.96 USD", tot.Fees, fees)
	}
	if fx := rm.Balances.Balance(ledger.RevenueFX, "KES"); !tot.FXMargin.Value.Equal(fx.Value) || !fx.IsPositive() {
		t.Errorf("Totals FX margin = %s, revenue:fx = %s", tot.FXMargin, fx)
	}
	if tot.Transfers != 7 || tot.Completed != 4 || tot.Refunded != 1 || tot.Days != 2 {
		t.Errorf("Totals = %+v", tot)
	}

	if d := must(co.Day(usdkes, day0.Add(-24*time.Hour)))(t); d.Transfers != 0 || d.Fees.Currency != "USD" || d.FXMargin.Currency != "KES" {
		t.Errorf("Day(quiet day) = %+v, want zeros in the corridor's currencies", d)
	}
	gbp := projections.Corridor{Send: "GBP", Receive: "NGN"}
	if _, err := co.Day(gbp, day0); !errors.Is(err, projections.ErrNotFound) {
		t.Errorf("Day(unknown corridor) error = %v, want ErrNotFound", err)
	}
	if _, err := co.Totals(gbp, day0, day0); !errors.Is(err, projections.ErrNotFound) {
		t.Errorf("Totals(unknown corridor) error = %v, want ErrNotFound", err)
	}
	if _, err := co.Days(usdkes, day0, day0.Add(-48*time.Hour)); !errors.Is(err, projections.ErrInvalidArgument) {
		t.Errorf("Days(reversed range) error = %v, want ErrInvalidArgument", err)
	}
	for s, want := range map[string]projections.Corridor{"USD-KES": usdkes, "USD/KES": usdkes} {
		if c, err := projections.ParseCorridor(s); err != nil || c != want {
			t.Errorf("ParseCorridor(%q) = %v, %v", s, c, err)
		}
	}
	for _, s := range []string{"", "USD", "USD-XXX", "usd-kes", "USD-KES-EUR"} {
		if _, err := projections.ParseCorridor(s); !errors.Is(err, projections.ErrInvalidArgument) {
			t.Errorf("ParseCorridor(%q) error = %v, want ErrInvalidArgument", s, err)
		}
	}
}

func checkCompliance(t *testing.T, c *projections.Compliance, sc scenario) {
	q := c.HeldQueue()
	if len(q) != 2 {
		t.Fatalf("HeldQueue() has %d items, want 2: %+v", len(q), q)
	}
	held, person := q[0], q[1]
	if held.TransferID != sc.held || held.CaseID == "" || held.SubjectID != subjectOf(sanctioned) ||
		len(held.Hits) != 1 || held.Hits[0].EntryID != "1234" || len(held.TransferHits) != 1 || held.TransferHits[0].Subject != "recipient" ||
		held.ListVersion != "sdn-test" || !held.OpenedAt.Equal(sc.requestedAt[sc.held]) ||
		len(held.LimitOutcomes) != 4 || held.LimitOutcomes[0].Rule != "tier2.single_limit" || !held.LimitOutcomes[0].Passed {
		t.Errorf("HeldQueue()[0] = %+v", held)
	}
	if person.CaseID != sc.personCase || person.TransferID != "" || person.SubjectID != "cus_3" || len(person.Rules) != 1 || person.Reason == "" {
		t.Errorf("HeldQueue()[1] = %+v", person)
	}
	if it, err := c.Case(held.CaseID); err != nil || it.TransferID != sc.held {
		t.Errorf("Case(%s) = %+v, %v", held.CaseID, it, err)
	}
	if _, err := c.Case("case-nope"); !errors.Is(err, projections.ErrNotFound) {
		t.Errorf("Case(unknown) error = %v, want ErrNotFound", err)
	}

	// The release was recorded on the case and on the transfer.
	ds := c.Decisions(projections.DecisionFilter{TransferID: sc.released})
	if len(ds) != 2 || ds[0].On != "case" || ds[1].On != "transfer" {
		t.Fatalf("Decisions(released transfer) = %+v", ds)
	}
	for _, d := range ds {
		if d.Kind != projections.DecisionRelease || d.By != "alice" || d.Reason != "different date of birth" || d.At.IsZero() {
			t.Errorf("decision = %+v", d)
		}
	}
	if ds[1].Actor != "staff:alice" || ds[1].SubjectID != "cus_1" {
		t.Errorf("transfer decision = %+v, want actor staff:alice about cus_1", ds[1])
	}
	all := c.Decisions(projections.DecisionFilter{By: "alice"})
	if len(all) != 3 || all[2].Kind != projections.DecisionFalsePositive || all[2].EntryID != "1234" || all[2].SubjectID != subjectOf(namesake) {
		t.Errorf("Decisions(by alice) = %+v, want two releases and a clearance", all)
	}
	if ds := c.Decisions(projections.DecisionFilter{By: "mallory"}); len(ds) != 0 {
		t.Errorf("Decisions(by mallory) = %+v", ds)
	}

	// Screening results per subject.
	ss := must(c.Screenings(subjectOf(namesake)))(t)
	if len(ss) != 1 || ss[0].Outcome != compliance.OutcomeHeld || ss[0].TransferID != sc.released || ss[0].BestScore != 0.97 {
		t.Errorf("Screenings(namesake) = %+v", ss)
	}
	if ss := must(c.Screenings("cus_1"))(t); len(ss) != 6 || ss[0].Role != compliance.RoleSender || ss[0].Outcome != compliance.OutcomeClear || ss[0].TransferID != sc.completed1 {
		t.Errorf("Screenings(cus_1) = %+v, want 6 clear sender screenings", ss)
	}
	if _, err := c.Screenings("rcp_nobody"); !errors.Is(err, projections.ErrNotFound) {
		t.Errorf("Screenings(unknown) error = %v, want ErrNotFound", err)
	}

	// Velocity: as of the latest event (day 2, 10:15), cus_1's window holds
	// the two day-2 transfers and those of day 1 after 10:15 (the 11:10
	// hold and the 12:10 pickup).
	latest := c.LatestEventTime()
	if want := day0.Add(25*time.Hour + 15*time.Minute); !latest.Equal(want) {
		t.Errorf("LatestEventTime() = %s, want %s", latest, want)
	}
	v := must(c.Velocity("cus_1"))(t)
	if v.Count != 4 || len(v.Totals) != 1 || v.Totals[0].String() != "135.00 USD" || !v.To.Equal(latest) {
		t.Errorf("Velocity(cus_1) = %+v, want 4 transfers, 135.00 USD", v)
	}
	v = must(c.VelocityAt("cus_1", day0.Add(3*time.Hour+10*time.Minute)))(t)
	if v.Count != 4 || v.Totals[0].String() != "240.00 USD" {
		t.Errorf("VelocityAt(cus_1, day 1 12:10) = %+v, want 4 transfers, 240.00 USD", v)
	}
	if v := must(c.Velocity("cus_3"))(t); v.Count != 0 || len(v.Totals) != 0 {
		t.Errorf("Velocity(cus_3) = %+v, want none", v)
	}
	if _, err := c.Velocity("cus_9"); !errors.Is(err, projections.ErrNotFound) {
		t.Errorf("Velocity(unknown) error = %v, want ErrNotFound", err)
	}
	if vs := c.Velocities(2); len(vs) != 1 || vs[0].CustomerID != "cus_1" {
		t.Errorf("Velocities(2) = %+v, want cus_1 only", vs)
	}
}
