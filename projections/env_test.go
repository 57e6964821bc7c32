package projections_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/remitflow/remitflow/adapters/eventstore/memory"
	"github.com/remitflow/remitflow/adapters/fxsource"
	"github.com/remitflow/remitflow/domain/agent"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/compliance"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
	"github.com/remitflow/remitflow/domain/process"
	"github.com/remitflow/remitflow/domain/quote"
	"github.com/remitflow/remitflow/domain/transfer"
	"github.com/remitflow/remitflow/domain/wallet"
	fxrates "github.com/remitflow/remitflow/fx-rates"
	"github.com/shopspring/decimal"
)

// day0 is the first day of the scenarios, at 09:00 UTC.
var day0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// partner pays every mobile wallet at once, except numbers in fail, which
// fail finally.
type partner struct {
	fail map[string]bool
}

var _ payout.Port = (*partner)(nil)

func (p *partner) Submit(_ context.Context, req payout.Request) (payout.Result, error) {
	if p.fail["+"+req.MSISDN] {
		return payout.Result{Reference: req.Reference, State: payout.StateFailed, Code: "2001", Reason: "invalid account"}, nil
	}
	amt := req.Amount
	return payout.Result{Reference: req.Reference, State: payout.StateSucceeded, PartnerReference: "P-" + req.Reference[:8], Amount: &amt}, nil
}

func (p *partner) Status(_ context.Context, ref string) (payout.Result, error) {
	return payout.Result{}, payout.ErrNotFound
}

// matcher holds recipients whose name starts with "Sanctioned".
var matcher = process.MatcherFunc(func(_ context.Context, s process.Subject) (process.Match, error) {
	m := process.Match{ListVersion: "sdn-test", Threshold: 0.9, BestScore: 0.1}
	if strings.HasPrefix(s.Name, "Sanctioned") {
		m.BestScore = 0.97
		m.Hits = []compliance.Hit{{EntryID: "1234", EntryHash: "h1234", Name: "SANCTIONED, Person", MatchedName: s.Name, Score: 0.97}}
	}
	return m, nil
})

func pickupCode(id string) string {
	sum := sha256.Sum256([]byte("secret\x00" + id))
	return fmt.Sprintf("%010d", binary.BigEndian.Uint64(sum[:8])%10_000_000_000)
}

var codes = process.CodeGeneratorFunc(func(_ context.Context, t transfer.State) (string, error) {
	return pickupCode(t.ID), nil
})

// subjectOf is the compliance subject of a recipient.
func subjectOf(r transfer.Recipient) string { return process.RecipientSubject(r) }

// env is a store with the transfer service and process manager.
type env struct {
	t     testing.TB
	base  *memory.Store
	store *command.CachingStore
	clock *clock
	svc   *process.Service
	mgr   *process.Manager
	pay   *partner
	n     int
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, base: memory.New(), clock: &clock{t: day0}, pay: &partner{fail: map[string]bool{"+254700000001": true}}}
	e.store = command.NewCachingStore(e.base, 0)
	comp, err := process.NewCompliance(e.store, e.clock, matcher, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.svc, err = process.NewService(e.store, e.clock, comp); err != nil {
		t.Fatal(err)
	}
	e.mgr, err = process.New(process.Deps{
		Store: e.store, Clock: e.clock, Payouts: e.pay, Screener: comp, Codes: codes,
	}, process.Config{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) meta(id, actor string) command.CommandMeta {
	return command.CommandMeta{CommandID: id, Actor: actor, Clock: e.clock}
}

// must returns v, failing the test given to the result when err is not nil:
// must(f())(t).
func must[T any](v T, err error) func(t testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// customer registers a customer and funds the wallet with USD.
func (e *env) customer(id, funds string) {
	ctx := e.t.Context()
	must(command.Handle(ctx, e.store, customer.Aggregate, id, customer.Command(customer.Register{
		Meta: customer.Meta{ID: "reg-" + id, Actor: "staff:onboarding"}, CustomerID: id, Country: "US", Phone: "+12025550123",
		Tier: customer.Tier2, PII: customer.EncryptedPII{KeyID: "k-" + id, Ciphertext: []byte("x")},
	}), e.meta("reg-"+id, "staff:onboarding")))(e.t)
	if funds != "" {
		must(command.Handle(ctx, e.store, wallet.Aggregate, id, wallet.Command(wallet.Fund{
			Meta: wallet.Meta{ID: "fund-" + id, Actor: "customer:" + id}, CustomerID: id, FundingRef: "card-" + id, Amount: money.MustParse(funds, "USD"),
		}), e.meta("fund-"+id, "customer:"+id)))(e.t)
	}
}

var (
	midRate  = decimal.RequireFromString("129.50")
	custRate = decimal.RequireFromString("128.205")
	fixedFee = money.MustParse("2.99", "USD")
)

// request asks for a USD→KES transfer of send USD (fees included).
func (e *env) request(cust string, send int64, r transfer.Recipient, key string) string {
	e.t.Helper()
	e.n++
	qid := fmt.Sprintf("q_%s_%d", cust, e.n)
	s := money.FromMinor(send*100, "USD")
	recv := money.Amount{Value: s.Value.Sub(fixedFee.Value).Mul(custRate).RoundDown(2), Currency: "KES"}
	must(command.Handle(e.t.Context(), e.store, quote.Aggregate, qid, quote.Command(quote.Issue{
		Meta: quote.Meta{ID: "issue-" + qid, Actor: "system:pricing"}, QuoteID: qid, CustomerID: cust,
		Pair: quote.Pair{Send: "USD", Receive: "KES"}, MidRate: midRate, CustomerRate: custRate, MarginBps: 100,
		Fees: []quote.Fee{{Name: "fixed", Amount: fixedFee}}, Send: s, Receive: recv, Mode: quote.FixedSend,
		ExpiresAt: e.clock.Now().Add(15 * time.Minute),
	}), e.meta("issue-"+qid, "system:pricing")))(e.t)
	v := must(e.svc.RequestTransfer(e.t.Context(), process.TransferRequest{
		SenderID: cust, QuoteID: qid, Recipient: r, Purpose: "family support", IdempotencyKey: key,
	}))(e.t)
	return v.ID
}

func (e *env) catchUp() {
	e.t.Helper()
	if err := e.mgr.CatchUp(e.t.Context()); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) agent(c agent.Command) {
	e.t.Helper()
	must(command.Handle(e.t.Context(), e.store, agent.Aggregate, c.Agent(), c, e.meta(c.CommandID(), c.CommandActor())))(e.t)
}

func (e *env) compliance(c compliance.Command) {
	e.t.Helper()
	must(command.Handle(e.t.Context(), e.store, compliance.Aggregate, c.Subject(), c, e.meta(c.CommandID(), c.CommandActor())))(e.t)
}

// publishRates appends rate snapshots through the fxsource publisher.
func (e *env) publishRates(snaps ...fxrates.Snapshot) {
	e.t.Helper()
	must(fxsource.NewPublisher(e.base).Publish(e.t.Context(), snaps))(e.t)
}

// head returns the position of the last event in the log.
func (e *env) head() eventstore.Position {
	e.t.Helper()
	var last eventstore.Position
	for ev, err := range e.base.ReadAll(e.t.Context(), eventstore.ReadAllOptions{}) {
		if err != nil {
			e.t.Fatal(err)
		}
		last = ev.Position
	}
	return last
}

func mobile(name, msisdn string) transfer.Recipient {
	return transfer.Recipient{Method: transfer.MobileWallet, Name: name, MSISDN: msisdn, Provider: payout.MPesa, Country: "KE"}
}

func cash(name string) transfer.Recipient {
	return transfer.Recipient{Method: transfer.CashPickup, Name: name, Country: "KE"}
}

func ecb(asOf time.Time, rates map[money.Currency]string) fxrates.Snapshot {
	s := fxrates.Snapshot{Source: "ecb", Base: "EUR", AsOf: asOf, Rates: map[money.Currency]fxrates.Price{}}
	for c, r := range rates {
		s.Rates[c] = fxrates.Price{Mid: decimal.RequireFromString(r)}
	}
	return s
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }
