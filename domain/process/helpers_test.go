package process_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/remitflow/remitflow/domain/agent"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
	"github.com/remitflow/remitflow/domain/process"
	"github.com/remitflow/remitflow/domain/quote"
	"github.com/remitflow/remitflow/domain/transfer"
	"github.com/remitflow/remitflow/domain/wallet"
	"github.com/shopspring/decimal"
)

var t0 = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// outcome is how the fake partner treats a new payout reference.
type outcome int

const (
	succeed       outcome = iota // paid, answered at once
	failRetryable                // not paid, a new attempt may work
	failFinal                    // not paid, final
	pendingPaid                  // accepted; paid later (Status / callback)
	pendingFailed                // accepted; fails later (final)
	timeoutPaid                  // Submit times out, but the partner paid
	timeoutLost                  // Submit times out and the partner never got it
	numOutcomes
)

type partnerPayout struct {
	req      payout.Request
	final    payout.Result
	reported bool // the final result was reported to us
}

// fakePartner is a payout port that pays each reference at most once and
// counts payments per transfer.
type fakePartner struct {
	mu      sync.Mutex
	decide  func(req payout.Request) outcome
	byRef   map[string]*partnerPayout
	paid    map[string]int // transfer → payments
	submits int
	lost    map[string]bool // references whose first submit was lost
}

var _ payout.Port = (*fakePartner)(nil)

func newPartner(decide func(payout.Request) outcome) *fakePartner {
	if decide == nil {
		decide = func(payout.Request) outcome { return succeed }
	}
	return &fakePartner{decide: decide, byRef: map[string]*partnerPayout{}, paid: map[string]int{}, lost: map[string]bool{}}
}

func (p *fakePartner) Submit(ctx context.Context, req payout.Request) (payout.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.submits++
	if pp, ok := p.byRef[req.Reference]; ok {
		if pp.final.State.Final() {
			pp.reported = true
			return pp.final, nil
		}
		return payout.Result{Reference: req.Reference, State: payout.StatePending}, nil
	}
	o := p.decide(req)
	if o == timeoutLost && !p.lost[req.Reference] {
		p.lost[req.Reference] = true
		return payout.Result{}, fmt.Errorf("%w: timeout", payout.ErrUnavailable)
	}
	if o == timeoutLost {
		o = succeed // the resubmission after the lost one goes through
	}
	pp := &partnerPayout{req: req}
	p.byRef[req.Reference] = pp
	paid := payout.Result{Reference: req.Reference, State: payout.StateSucceeded, PartnerReference: "P-" + req.Reference[:8], Amount: &req.Amount}
	switch o {
	case succeed:
		pp.final, pp.reported = paid, true
		p.paid[req.TransferID]++
		return paid, nil
	case failRetryable, failFinal:
		pp.final = payout.Result{Reference: req.Reference, State: payout.StateFailed, Code: "1", Reason: "insufficient float", Retryable: o == failRetryable}
		pp.reported = true
		return pp.final, nil
	case pendingPaid, timeoutPaid:
		pp.final = paid
		p.paid[req.TransferID]++
	case pendingFailed:
		pp.final = payout.Result{Reference: req.Reference, State: payout.StateFailed, Code: "2001", Reason: "invalid account"}
	}
	if o == timeoutPaid {
		return payout.Result{}, fmt.Errorf("%w: timeout", payout.ErrUnavailable)
	}
	return payout.Result{Reference: req.Reference, State: payout.StatePending}, nil
}

func (p *fakePartner) Status(ctx context.Context, ref string) (payout.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pp, ok := p.byRef[ref]
	if !ok {
		return payout.Result{}, payout.ErrNotFound
	}
	pp.reported = true
	return pp.final, nil
}

// unreported returns final results not yet reported, for callbacks.
func (p *fakePartner) unreported() []payout.Result {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []payout.Result
	for _, pp := range p.byRef {
		if !pp.reported {
			out = append(out, pp.final)
		}
	}
	return out
}

func (p *fakePartner) markReported(ref string) {
	p.mu.Lock()
	p.byRef[ref].reported = true
	p.mu.Unlock()
}

func (p *fakePartner) payments(transferID string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paid[transferID]
}

// screener holds recipients whose name starts with "Sanctioned".
var screener = process.ScreenerFunc(func(ctx context.Context, s process.Subject) (process.ScreeningResult, error) {
	r := process.ScreeningResult{ListVersion: "sdn-test", BestScore: 0.1}
	if len(s.Name) >= 10 && s.Name[:10] == "Sanctioned" {
		r.BestScore = 0.97
		r.Hits = []transfer.Hit{{Rule: "sanctions.ofac_sdn", Entry: "1234", Score: 0.97}}
	}
	return r, nil
})

// codes derives a 10-digit pickup code from the transfer ID.
var codes = process.CodeGeneratorFunc(func(ctx context.Context, t transfer.State) (string, error) {
	return pickupCode(t.ID), nil
})

func pickupCode(id string) string {
	sum := sha256.Sum256([]byte("secret\x00" + id))
	return fmt.Sprintf("%010d", binary.BigEndian.Uint64(sum[:8])%10_000_000_000)
}

// tb is what the helpers need of *testing.T, *testing.B and *rapid.T.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// env is a store with seeded customers and quotes.
type env struct {
	t     tb
	base  eventstore.Store
	store *command.CachingStore
	clock *fakeClock
	svc   *process.Service
	n     int
}

func newEnv(t tb, base eventstore.Store) *env {
	clock := newClock()
	store := command.NewCachingStore(base, 0)
	svc, err := process.NewService(store, clock, nil, process.WithVault(vault))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, base: base, store: store, clock: clock, svc: svc}
	for _, id := range []string{"agt_1", "agt_2"} {
		e.must(command.Handle(context.Background(), store, agent.Aggregate, id, agent.Command(agent.Register{
			Meta: agent.Meta{ID: "reg-" + id, Actor: "test"}, AgentID: id, PartnerID: "cashnet", Country: "KE", Currency: "KES",
			MaxPayout: money.MustParse("200000", "KES"), DailyCashLimit: money.MustParse("5000000", "KES"),
		}), e.meta("reg-"+id)))
	}
	return e
}

func (e *env) meta(id string) command.CommandMeta {
	return command.CommandMeta{CommandID: id, Actor: "test", Clock: e.clock}
}

func (e *env) must(_ command.Result, err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

// customer registers a tier-2 customer and funds the wallet.
func (e *env) customer(id string, funds string, credit string) {
	e.customerTier(id, customer.Tier2, funds, credit)
}

func (e *env) customerTier(id string, tier customer.Tier, funds string, credit string) {
	ctx := context.Background()
	e.must(command.Handle(ctx, e.store, customer.Aggregate, id, customer.Command(customer.Register{
		Meta: customer.Meta{ID: "reg-" + id, Actor: "test"}, CustomerID: id, Country: "US", Phone: "+12025550123",
		Tier: tier, PII: customer.EncryptedPII{KeyID: "k-" + id, Ciphertext: []byte("x")},
	}), e.meta("reg-"+id)))
	if funds != "" {
		e.must(command.Handle(ctx, e.store, wallet.Aggregate, id, wallet.Command(wallet.Fund{
			Meta: wallet.Meta{ID: "fund-" + id, Actor: "test"}, CustomerID: id, FundingRef: "card-" + id, Amount: money.MustParse(funds, "USD"),
		}), e.meta("fund-"+id)))
	}
	if credit != "" {
		e.must(command.Handle(ctx, e.store, wallet.Aggregate, id, wallet.Command(wallet.ApproveCreditLine{
			Meta: wallet.Meta{ID: "credit-" + id, Actor: "test"}, CustomerID: id, Limit: money.MustParse(credit, "USD"),
		}), e.meta("credit-"+id)))
	}
}

var (
	mid  = decimal.RequireFromString("129.50")
	rate = decimal.RequireFromString("128.205")
	fee  = money.MustParse("2.99", "USD")
)

// quote issues a USD→KES quote of send (fees included) to the customer.
func (e *env) quote(cust string, send int64) string {
	e.n++
	id := fmt.Sprintf("q_%s_%d", cust, e.n)
	e.must(e.issueQuote(context.Background(), id, cust, send))
	return id
}

// issueQuote issues quote id; unlike quote it is safe for concurrent use.
func (e *env) issueQuote(ctx context.Context, id, cust string, send int64) (command.Result, error) {
	s := money.FromMinor(send*100, "USD")
	recv := money.Amount{Value: s.Value.Sub(fee.Value).Mul(rate).RoundDown(2), Currency: "KES"}
	return command.Handle(ctx, e.store, quote.Aggregate, id, quote.Command(quote.Issue{
		Meta: quote.Meta{ID: "issue-" + id, Actor: "system:pricing"}, QuoteID: id, CustomerID: cust,
		Pair: quote.Pair{Send: "USD", Receive: "KES"}, MidRate: mid, CustomerRate: rate, MarginBps: 100,
		Fees: []quote.Fee{{Name: "fixed", Amount: fee}}, Send: s, Receive: recv, Mode: quote.FixedSend,
		ExpiresAt: e.clock.Now().Add(15 * time.Minute),
	}), e.meta("issue-"+id))
}

func mobile(name string) transfer.Recipient {
	return transfer.Recipient{Method: transfer.MobileWallet, Name: name, MSISDN: "+254708374149", Provider: payout.MPesa, Country: "KE"}
}

func cash(name string) transfer.Recipient {
	return transfer.Recipient{Method: transfer.CashPickup, Name: name, Country: "KE"}
}

// request asks for a transfer of send USD and returns its ID.
func (e *env) request(cust string, send int64, r transfer.Recipient, key string) (process.View, error) {
	q := e.quote(cust, send)
	return e.svc.RequestTransfer(context.Background(), process.TransferRequest{
		SenderID: cust, QuoteID: q, Recipient: r, Purpose: "family support", IdempotencyKey: key,
	})
}

func (e *env) manager(p payout.Port, cfg process.Config) *process.Manager {
	m, err := process.New(process.Deps{Store: e.store, Clock: e.clock, Payouts: p, Screener: screener, Codes: codes, Vault: vault}, cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

func (e *env) transfer(id string) transfer.State {
	e.t.Helper()
	s, _, _, err := command.Load(context.Background(), e.store, transfer.Aggregate, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func asKind(err error, target *interface{ ErrorKind() string }) bool { return errors.As(err, target) }

// fakeVault "encrypts" by reversing the bytes; keys can be forgotten.
type fakeVault struct {
	mu        sync.Mutex
	forgotten map[string]bool
}

var vault = &fakeVault{forgotten: map[string]bool{}}

var _ process.Vault = (*fakeVault)(nil)

func (v *fakeVault) Encrypt(subject string, plaintext []byte) (string, []byte, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.forgotten["k:"+subject] {
		return "", nil, fmt.Errorf("vault: %w", process.ErrForgotten)
	}
	return "k:" + subject, reverse(plaintext), nil
}

func (v *fakeVault) Decrypt(keyID string, ciphertext []byte) ([]byte, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.forgotten[keyID] {
		return nil, fmt.Errorf("vault: %w", process.ErrForgotten)
	}
	return reverse(ciphertext), nil
}

func (v *fakeVault) forget(subject string) {
	v.mu.Lock()
	v.forgotten["k:"+subject] = true
	v.mu.Unlock()
}

func reverse(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[len(b)-1-i] = c
	}
	return out
}
