package process

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/remitflow/remitflow/domain/agent"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
	"github.com/remitflow/remitflow/domain/transfer"
	"github.com/remitflow/remitflow/domain/wallet"
	"github.com/shopspring/decimal"
)

// Actor is the actor written on every command the process manager issues.
const Actor = "system:transfer-process"

// Defaults for Config.
const (
	DefaultName              = "transfer-process"
	DefaultWorkers           = 32
	DefaultMaxPayoutAttempts = 3
	DefaultPayoutDeadline    = 2 * time.Minute
	DefaultPickupTTL         = 7 * 24 * time.Hour
	DefaultCheckpointEvery   = 512
)

// DefaultCommission pays a cash-pickup agent 0.5% of the amount paid out,
// rounded down to minor units.
func DefaultCommission(t transfer.State) money.Amount {
	return t.Quote.Receive.Mul(decimal.New(5, -3)).RoundDown()
}

// ErrMissingDependency means New was called without a required port.
var ErrMissingDependency = errors.New("process: missing dependency")

// Deps are the ports the process manager uses.
type Deps struct {
	// Store is the event store; wrap it once with command.NewCachingStore
	// and share it with the Service. Required.
	Store eventstore.Store
	// Clock tells the time. Required.
	Clock command.Clock
	// Payouts pays mobile-wallet recipients. Required.
	Payouts payout.Port
	// Screener screens senders and recipients. Required.
	Screener Screener
	// Codes issues cash pickup codes. Required for cash pickup transfers.
	Codes CodeGenerator
	// Limits checks the sender's limits; nil skips the check.
	Limits Limits
	// Cases opens compliance cases for holds; nil leaves CaseID empty.
	Cases Cases
	// Vault opens sealed recipient details; required when the Service seals
	// them (WithVault).
	Vault Vault
}

// Config tunes the process manager; zero fields take the defaults.
type Config struct {
	// Name names the checkpoint stream "checkpoint-<Name>".
	Name string
	// Workers is the number of transfers handled in parallel.
	Workers int
	// MaxPayoutAttempts bounds payout attempts per transfer.
	MaxPayoutAttempts int
	// Backoff is the wait after failed attempt n before attempt n+1;
	// default 30 s × 2^(n−1).
	Backoff func(attempt int) time.Duration
	// PayoutDeadline is how long an attempt may stay without a final
	// outcome before Reconcile asks the partner.
	PayoutDeadline time.Duration
	// PickupTTL is how long a cash pickup stays collectable after funding.
	PickupTTL time.Duration
	// CheckpointEvery is how many handled events pass between checkpoints.
	CheckpointEvery int
	// Commission is what a cash-pickup agent earns for paying a transfer, in
	// the payout currency; default DefaultCommission.
	Commission func(transfer.State) money.Amount
	// OnSkip, if set, is told about steps ended by a domain error.
	OnSkip func(transferID, step string, err error)
}

func (c Config) withDefaults() Config {
	if c.Name == "" {
		c.Name = DefaultName
	}
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.MaxPayoutAttempts <= 0 {
		c.MaxPayoutAttempts = DefaultMaxPayoutAttempts
	}
	if c.Backoff == nil {
		c.Backoff = func(n int) time.Duration { return 30 * time.Second << min(n-1, 10) }
	}
	if c.PayoutDeadline <= 0 {
		c.PayoutDeadline = DefaultPayoutDeadline
	}
	if c.PickupTTL <= 0 {
		c.PickupTTL = DefaultPickupTTL
	}
	if c.CheckpointEvery <= 0 {
		c.CheckpointEvery = DefaultCheckpointEvery
	}
	if c.Commission == nil {
		c.Commission = DefaultCommission
	}
	return c
}

// Manager is the transfer process manager. It is safe for concurrent use:
// Run, Reconcile and HandlePayoutResult may run at the same time.
type Manager struct {
	deps  Deps
	cfg   Config
	store eventstore.Store
	locks [lockStripes]sync.Mutex

	mu   sync.Mutex
	open map[string][]string // open transfer → its payout references
	refs map[string]string   // payout reference → transfer
}

// New returns a process manager. It returns ErrMissingDependency when Store,
// Clock, Payouts or Screener is nil.
func New(d Deps, cfg Config) (*Manager, error) {
	switch {
	case d.Store == nil:
		return nil, fmt.Errorf("%w: store", ErrMissingDependency)
	case d.Clock == nil:
		return nil, fmt.Errorf("%w: clock", ErrMissingDependency)
	case d.Payouts == nil:
		return nil, fmt.Errorf("%w: payout port", ErrMissingDependency)
	case d.Screener == nil:
		return nil, fmt.Errorf("%w: screener", ErrMissingDependency)
	}
	return &Manager{deps: d, cfg: cfg.withDefaults(), store: d.Store, open: map[string][]string{}, refs: map[string]string{}}, nil
}

// PayoutReference is the reference of a transfer's n-th payout attempt: a
// UUIDv5 of the two, usable as MoMo's X-Reference-Id and as M-Pesa's and
// Airtel's transaction reference.
func PayoutReference(transferID string, attempt int) string {
	return command.DeriveID("payout", transferID, fmt.Sprint(attempt))
}

// lockStripes is the number of per-transfer lock stripes.
const lockStripes = 4096

// stripe returns the lock stripe of a stream. Run hands a stream's events to
// worker stripe % Workers, so two workers never share a stripe.
func stripe(stream string) uint32 {
	return fnv1a(fnvOffset, stream) % lockStripes
}

// FNV-1a, as hash/fnv's New32a, without allocating.
const fnvOffset = uint32(2166136261)

func fnv1a(h uint32, s string) uint32 {
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// lock serialises the steps of one transfer across Run's workers,
// Reconcile and HandlePayoutResult: it locks the transfer's stripe and
// returns it for the caller to unlock.
func (m *Manager) lock(transferID string) *sync.Mutex {
	// The stripe of the stream Category-transferID, without building it.
	h := fnv1a(fnv1a(fnvOffset, transfer.Aggregate.Category), "-")
	l := &m.locks[fnv1a(h, transferID)%lockStripes]
	l.Lock()
	return l
}

// isDomain reports whether err is a named domain error (any aggregate's),
// as opposed to an infrastructure failure. A command ID already used with
// other content counts too: the step it names was done before.
func isDomain(err error) bool {
	var k interface{ ErrorKind() string }
	return errors.As(err, &k) || errors.Is(err, ErrNotSettleable) || errors.Is(err, command.ErrCommandConflict)
}

// HandleEvent reacts to one event of the global log: it updates the
// manager's index and, for a transfer event, performs the step the
// transfer's current state calls for. It returns nil when the step was done
// or ended by a domain error, and infrastructure errors otherwise (the event
// should then be handled again).
func (m *Manager) HandleEvent(ctx context.Context, ev eventstore.RecordedEvent) error {
	m.observe(ev)
	id, ok := strings.CutPrefix(ev.Stream, transfer.Aggregate.Category+"-")
	if !ok {
		return nil
	}
	defer m.lock(id).Unlock()
	return m.advance(ctx, id, ev.ID.String(), ev.Revision)
}

// observe keeps the index of open transfers and payout references.
func (m *Manager) observe(ev eventstore.RecordedEvent) {
	id, ok := strings.CutPrefix(ev.Stream, transfer.Aggregate.Category+"-")
	if !ok {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch ev.Type {
	case transfer.TypeRequested:
		if _, ok := m.open[id]; !ok {
			m.open[id] = nil
		}
	case transfer.TypePayoutSubmitted:
		var e struct {
			Reference string `json:"reference"`
		}
		if err := json.Unmarshal(ev.Data, &e); err != nil {
			return
		}
		ref := e.Reference
		m.refs[ref] = id
		m.open[id] = append(m.open[id], ref)
	case transfer.TypeCompleted, transfer.TypeRefunded, transfer.TypeRejected, transfer.TypeFundingFailed, transfer.TypeExpired:
		m.closeLocked(id)
	}
}

func (m *Manager) closeLocked(id string) {
	for _, ref := range m.open[id] {
		delete(m.refs, ref)
	}
	delete(m.open, id)
}

// OpenTransfers returns how many transfers the manager tracks as unfinished.
func (m *Manager) OpenTransfers() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.open)
}

// step runs one command of the transfer flow. It is the single place that
// builds command metadata: the command ID derives from the trigger (the
// transfer's stream revision) and the step name.
type step struct {
	m       *Manager
	id      string // transfer ID
	trigger string
	cause   string
}

func (st step) meta(name string) command.CommandMeta {
	return command.CommandMeta{
		CommandID:     command.DeriveID(st.trigger, name),
		CorrelationID: st.id,
		CausationID:   st.cause,
		Actor:         Actor,
		Clock:         st.m.deps.Clock,
	}
}

func (st step) transfer(ctx context.Context, name string, c transfer.Command) (command.Result, error) {
	return command.Handle(ctx, st.m.store, transfer.Aggregate, st.id, c, st.meta(name))
}

func (st step) wallet(ctx context.Context, customerID, name string, build func(wallet.Meta) wallet.Command) (command.Result, error) {
	meta := st.meta(name)
	c := build(wallet.Meta{ID: meta.CommandID, Actor: Actor})
	return command.Handle(ctx, st.m.store, wallet.Aggregate, customerID, c, meta)
}

// skip reports a step ended by a domain error; infrastructure errors pass.
func (st step) skip(name string, err error) error {
	if err == nil || !isDomain(err) {
		return err
	}
	if f := st.m.cfg.OnSkip; f != nil {
		f(st.id, name, err)
	}
	return nil
}

// advance performs the step the transfer's current state calls for; the
// state includes at least revision atLeast.
func (m *Manager) advance(ctx context.Context, id, cause string, atLeast uint64) error {
	s, rev, ok, err := command.LoadAtLeast(ctx, m.store, transfer.Aggregate, id, atLeast)
	if err != nil || !ok {
		return err
	}
	st := step{m: m, id: id, trigger: transfer.Aggregate.Category + "-" + id + "@" + strconv.FormatUint(rev, 10), cause: cause}
	now := m.deps.Clock.Now()
	switch s.Status {
	case transfer.StatusRequested:
		return st.skip("screen", st.screen(ctx, s))
	case transfer.StatusCleared:
		return st.skip("fund", st.fund(ctx, s, now))
	case transfer.StatusFunded:
		if s.Recipient.Method == transfer.CashPickup {
			return st.skip("pickup-code", st.issueCode(ctx, s))
		}
		_, err := st.transfer(ctx, "submit", transfer.SubmitPayout{Attempt: 1, Reference: PayoutReference(id, 1), Partner: string(s.Recipient.Provider)})
		return st.skip("submit", err)
	case transfer.StatusPayoutSubmitted:
		if a, _ := s.CurrentAttempt(); a.State == "" {
			return st.skip("send", st.send(ctx, s, a))
		}
	case transfer.StatusPayoutRetry:
		return st.skip("retry", st.retry(ctx, s, now))
	case transfer.StatusPaidOut:
		return st.skip("settle", st.settle(ctx, s))
	case transfer.StatusPayoutFailed, transfer.StatusPickupExpired, transfer.StatusCancelled, transfer.StatusExpired:
		// Expired and cancelled transfers may hold a reservation made just
		// before (a crash between reserving and marking funded).
		if err := st.skip("refund", st.refund(ctx, s)); err != nil {
			return err
		}
	case transfer.StatusPickupReady:
		if !now.Before(s.Pickup.ExpiresAt) {
			_, err := st.transfer(ctx, "expire-pickup", transfer.ExpirePickup{})
			return st.skip("expire-pickup", err)
		}
	}
	if s.Final() {
		m.mu.Lock()
		m.closeLocked(id)
		m.mu.Unlock()
	}
	return nil
}

func (st step) screen(ctx context.Context, s transfer.State) error {
	var err error
	if s.Recipient, err = reveal(st.m.deps.Vault, s.Recipient); errors.Is(err, ErrForgotten) {
		// The sender was erased: nobody can be screened or paid. Hold the
		// (unfunded) transfer for staff to reject.
		hits := []transfer.Hit{{Rule: RuleDetailsErased, Subject: RoleRecipient, Detail: "the sender's personal data was erased; the recipient cannot be screened"}}
		_, err = st.transfer(ctx, "screened", transfer.RecordScreening{Cleared: false, Hits: hits})
		return err
	} else if err != nil {
		return err
	}
	cs, _, _, err := command.LoadAtLeast(ctx, st.m.store, customer.Aggregate, s.SenderID, 0)
	if err != nil {
		return err
	}
	sender, err := st.m.deps.Screener.Screen(ctx, Subject{Role: RoleSender, SubjectID: s.SenderID, TransferID: s.ID, CustomerID: s.SenderID, Country: cs.Country})
	if err != nil {
		return fmt.Errorf("process: screen sender of %s: %w", s.ID, err)
	}
	recipient, err := st.m.deps.Screener.Screen(ctx, Subject{Role: RoleRecipient, SubjectID: RecipientSubject(s.Recipient), TransferID: s.ID, Name: s.Recipient.Name, Country: s.Recipient.Country})
	if err != nil {
		return fmt.Errorf("process: screen recipient of %s: %w", s.ID, err)
	}
	var hits []transfer.Hit
	for _, h := range sender.Hits {
		h.Subject = RoleSender
		hits = append(hits, h)
	}
	for _, h := range recipient.Hits {
		h.Subject = RoleRecipient
		hits = append(hits, h)
	}
	if l := st.m.deps.Limits; l != nil {
		lh, err := l.Check(ctx, st.meta("limits").CommandID, s)
		if err != nil {
			return fmt.Errorf("process: limits of %s: %w", s.ID, err)
		}
		hits = append(hits, lh...)
	}
	version := sender.ListVersion
	if recipient.ListVersion != version && recipient.ListVersion != "" {
		version = strings.TrimPrefix(version+","+recipient.ListVersion, ",")
	}
	rec := transfer.RecordScreening{Cleared: len(hits) == 0, Hits: hits, ListVersion: version}
	if !rec.Cleared {
		rec.CaseID = sender.CaseID
		if len(sender.Hits) == 0 || rec.CaseID == "" {
			rec.CaseID = recipient.CaseID
		}
	}
	if !rec.Cleared && rec.CaseID == "" && st.m.deps.Cases != nil {
		if rec.CaseID, err = st.m.deps.Cases.Open(ctx, st.meta("case").CommandID, s, hits); err != nil {
			return fmt.Errorf("process: open case for %s: %w", s.ID, err)
		}
	}
	_, err = st.transfer(ctx, "screened", rec)
	return err
}

func (st step) fund(ctx context.Context, s transfer.State, now time.Time) error {
	if !now.Before(s.Quote.ExpiresAt) {
		// The release of any reservation follows when the expiry is seen.
		_, err := st.transfer(ctx, "expire", transfer.Expire{})
		return err
	}
	res, err := st.wallet(ctx, s.SenderID, "reserve", func(m wallet.Meta) wallet.Command {
		return wallet.Reserve{Meta: m, CustomerID: s.SenderID, TransferID: s.ID, Amount: s.Quote.Total}
	})
	if errors.Is(err, wallet.ErrInsufficientFunds) || errors.Is(err, wallet.ErrCreditFrozen) {
		_, err = st.transfer(ctx, "funding-failed", transfer.FailFunding{Reason: err.Error()})
		return err
	}
	if err != nil {
		return err
	}
	drawn, err := st.creditDrawn(ctx, s, res)
	if err != nil {
		return err
	}
	_, err = st.transfer(ctx, "funded", transfer.MarkFunded{Amount: s.Quote.Total, CreditDrawn: drawn})
	if err != nil && isDomain(err) {
		// The transfer moved on (cancelled or expired) while its funds were
		// being reserved: give them back.
		if cur, _, _, lerr := command.Load(ctx, st.m.store, transfer.Aggregate, s.ID); lerr == nil && !cur.Funded && cur.Status != transfer.StatusCleared {
			_, rerr := st.wallet(ctx, s.SenderID, "release-unfunded", func(m wallet.Meta) wallet.Command {
				return wallet.Release{Meta: m, CustomerID: s.SenderID, TransferID: s.ID}
			})
			if rerr != nil && !isDomain(rerr) {
				return rerr
			}
		}
	}
	return err
}

// creditDrawn finds how much of the reservation was drawn from credit.
func (st step) creditDrawn(ctx context.Context, s transfer.State, res command.Result) (money.Amount, error) {
	for _, e := range res.Events {
		if r, ok := e.(wallet.Reserved); ok {
			return r.CreditDrawn, nil
		}
	}
	ws, _, _, err := command.LoadAtLeast(ctx, st.m.store, wallet.Aggregate, s.SenderID, 0)
	if err != nil {
		return money.Amount{}, err
	}
	r, ok := ws.Reservations[s.ID]
	if !ok || r.CreditDrawn.Currency == "" {
		return money.Amount{Value: r.CreditDrawn.Value, Currency: s.Quote.Total.Currency}, nil
	}
	return r.CreditDrawn, nil
}

func (st step) issueCode(ctx context.Context, s transfer.State) error {
	if st.m.deps.Codes == nil {
		return fmt.Errorf("%w: pickup code generator", ErrMissingDependency)
	}
	code, err := st.m.deps.Codes.PickupCode(ctx, s)
	if err != nil {
		return fmt.Errorf("process: pickup code for %s: %w", s.ID, err)
	}
	// The expiry derives from the funding time so that a repeated step
	// issues the same command.
	_, err = st.transfer(ctx, "pickup-code", transfer.IssuePickupCode{Code: code, ExpiresAt: s.UpdatedAt.Add(st.m.cfg.PickupTTL)})
	return err
}

// send submits a recorded attempt to the partner and records the answer.
func (st step) send(ctx context.Context, s transfer.State, a transfer.Attempt) error {
	var err error
	if s.Recipient, err = reveal(st.m.deps.Vault, s.Recipient); errors.Is(err, ErrForgotten) {
		// Nothing was sent: fail the attempt for good, so the sender is refunded.
		return st.m.record(ctx, s.ID, payout.Result{Reference: a.Reference, State: payout.StateFailed,
			Code: RuleDetailsErased, Reason: "the sender's personal data was erased before payout"}, st.cause)
	} else if err != nil {
		return err
	}
	req := payout.Request{
		Reference: a.Reference, TransferID: s.ID, Provider: s.Recipient.Provider,
		MSISDN: strings.TrimPrefix(s.Recipient.MSISDN, "+"), Amount: s.Quote.Receive,
		Country: s.Recipient.Country, RecipientName: s.Recipient.Name, Remarks: s.Purpose,
	}
	r, err := st.m.deps.Payouts.Submit(ctx, req)
	switch {
	case err == nil:
		if r.Reference == "" {
			r.Reference = a.Reference
		}
	case errors.Is(err, payout.ErrInvalidRequest) || errors.Is(err, payout.ErrUnsupported):
		r = payout.Result{Reference: a.Reference, State: payout.StateFailed, Code: "rejected_by_adapter", Reason: err.Error()}
	case ctx.Err() != nil:
		return ctx.Err()
	default:
		// The partner may or may not have the request: Reconcile resolves it.
		r = payout.Result{Reference: a.Reference, State: payout.StateUnknown, Reason: err.Error()}
	}
	return st.m.record(ctx, s.ID, r, st.cause)
}

func (st step) retry(ctx context.Context, s transfer.State, now time.Time) error {
	a, _ := s.CurrentAttempt()
	if now.Before(s.UpdatedAt.Add(st.m.cfg.Backoff(a.Number))) {
		return nil // Reconcile takes it up when due
	}
	if a.Number >= st.m.cfg.MaxPayoutAttempts {
		_, err := st.transfer(ctx, "abandon", transfer.AbandonPayout{Reason: fmt.Sprintf("%d payout attempts failed; last: %s", a.Number, a.Reason)})
		return err
	}
	n := a.Number + 1
	_, err := st.transfer(ctx, "submit", transfer.SubmitPayout{Attempt: n, Reference: PayoutReference(s.ID, n), Partner: string(s.Recipient.Provider)})
	return err
}

func (st step) settle(ctx context.Context, s transfer.State) error {
	partner := string(s.Recipient.Provider)
	cashAgent := s.Paid != nil && s.Paid.Method == transfer.CashPickup
	if cashAgent {
		as, _, _, err := command.Load(ctx, st.m.store, agent.Aggregate, s.Paid.AgentID)
		if err != nil {
			return err
		}
		if !as.Registered {
			return fmt.Errorf("%w: %s", agent.ErrAgentNotFound, s.Paid.AgentID)
		}
		partner = as.Agent.PartnerID
	}
	ps, err := SettlementPostings(s, partner)
	if err != nil {
		return err
	}
	if _, err := st.wallet(ctx, s.SenderID, "settle", func(m wallet.Meta) wallet.Command {
		return wallet.Settle{Meta: m, CustomerID: s.SenderID, TransferID: s.ID, Postings: ps}
	}); err != nil {
		return err
	}
	if cashAgent {
		if err := st.agentPayout(ctx, s); err != nil {
			return err
		}
	}
	_, err = st.transfer(ctx, "complete", transfer.Complete{})
	return err
}

// agentPayout credits the paying agent with the cash it handed out and its
// commission.
func (st step) agentPayout(ctx context.Context, s transfer.State) error {
	id := s.Paid.AgentID
	run := func(name string, build func(agent.Meta) agent.Command) error {
		meta := st.meta(name)
		_, err := command.Handle(ctx, st.m.store, agent.Aggregate, id, build(agent.Meta{ID: meta.CommandID, Actor: Actor}), meta)
		return err
	}
	if err := run("agent-payout", func(m agent.Meta) agent.Command {
		return agent.RecordCashPayout{Meta: m, AgentID: id, TransferID: s.ID, Amount: s.Paid.Amount}
	}); err != nil {
		return err
	}
	fee := st.m.cfg.Commission(s)
	if !fee.IsPositive() {
		return nil
	}
	return run("agent-commission", func(m agent.Meta) agent.Command {
		return agent.EarnCommission{Meta: m, AgentID: id, TransferID: s.ID, Amount: fee}
	})
}

func (st step) refund(ctx context.Context, s transfer.State) error {
	_, err := st.wallet(ctx, s.SenderID, "release", func(m wallet.Meta) wallet.Command {
		return wallet.Release{Meta: m, CustomerID: s.SenderID, TransferID: s.ID}
	})
	if errors.Is(err, wallet.ErrReservationNotFound) && !s.Funded {
		err = nil // ended before any reservation
	}
	if err != nil || !s.NeedsRefund() {
		return err
	}
	_, err = st.transfer(ctx, "refunded", transfer.RecordRefund{Amount: s.FundedAmount})
	return err
}
