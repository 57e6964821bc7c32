package projections

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/remitflow/remitflow/domain/agent"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/money"
)

// AgentStatus says whether an agent may pay out.
type AgentStatus string

// Agent statuses.
const (
	AgentActive    AgentStatus = "active"
	AgentSuspended AgentStatus = "suspended"
)

// Agents is the read model of cash-pickup agents: each agent's partner,
// status, float and commission balances, cash-outs and settlements, folded
// from the agent events with agent.Evolve. It is safe for concurrent readers.
type Agents struct {
	decoder *Decoder
	memo    *decodeMemo

	mu   sync.RWMutex
	byID map[string]*agentEntry
}

type agentEntry struct {
	state       agent.State
	reason      string // why suspended or reactivated last
	cashOuts    []CashOut
	settlements []AgentSettlement
	updatedAt   time.Time
}

// AgentView is an agent as the read model shows it.
type AgentView struct {
	AgentID   string         `json:"agent_id"`
	PartnerID string         `json:"partner_id"`
	Country   string         `json:"country"`
	Currency  money.Currency `json:"currency"`
	Status    AgentStatus    `json:"status"`
	// StatusReason is the reason given for the last suspension or
	// reactivation.
	StatusReason string `json:"status_reason,omitempty"`
	// Float and Commission are what the platform owes the agent.
	Float      money.Amount `json:"float"`
	Commission money.Amount `json:"commission"`
	// MaxPayout and DailyCashLimit are the agent's cash limits.
	MaxPayout      money.Amount `json:"max_payout"`
	DailyCashLimit money.Amount `json:"daily_cash_limit"`
	// CashOuts counts the payouts; CashedOut sums them.
	CashOuts     int          `json:"cash_outs"`
	CashedOut    money.Amount `json:"cashed_out"`
	RegisteredAt time.Time    `json:"registered_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
}

// CashOut is cash an agent paid to a transfer's recipient.
type CashOut struct {
	TransferID string       `json:"transfer_id"`
	Amount     money.Amount `json:"amount"`
	// Commission is what the agent earned for it (zero until earned).
	Commission money.Amount `json:"commission"`
	At         time.Time    `json:"at"`
}

// AgentSettlement is a payment to an agent of float and commission.
type AgentSettlement struct {
	SettlementID string       `json:"settlement_id"`
	Float        money.Amount `json:"float"`
	Commission   money.Amount `json:"commission"`
	At           time.Time    `json:"at"`
}

// NewAgents returns an empty agents read model; d must decode the "agent"
// category.
func NewAgents(d *Decoder) *Agents {
	return &Agents{decoder: d, byID: map[string]*agentEntry{}}
}

// Name implements Projection.
func (a *Agents) Name() string { return "agents" }

// Apply folds one agent event.
func (a *Agents) Apply(ev eventstore.RecordedEvent) error {
	if eventstore.Category(ev.Stream) != agent.Aggregate.Category {
		return nil
	}
	e, m, err := a.memo.lookup(a.decoder, ev)
	if err != nil {
		return fmt.Errorf("agents: %w", err)
	}
	if e == nil {
		return nil
	}
	id := ev.Stream[len(agent.Aggregate.Category)+1:]
	at := m.at
	a.mu.Lock()
	defer a.mu.Unlock()
	en := a.byID[id]
	if en == nil {
		en = &agentEntry{}
		a.byID[id] = en
	}
	// agent.Evolve updates the state's maps in place; readers only see
	// copies taken under the lock.
	en.state = agent.Evolve(en.state, e)
	en.updatedAt = at
	switch e := e.(type) {
	case agent.Suspended:
		en.reason = e.Reason
	case agent.Reactivated:
		en.reason = e.Reason
	case agent.CashPaidOut:
		en.cashOuts = append(en.cashOuts, CashOut{
			TransferID: e.TransferID, Amount: e.Amount, Commission: money.Zero(e.Amount.Currency), At: e.At,
		})
	case agent.CommissionEarned:
		for i := range en.cashOuts {
			if en.cashOuts[i].TransferID == e.TransferID {
				en.cashOuts[i].Commission = e.Amount
			}
		}
	case agent.Settled:
		en.settlements = append(en.settlements, AgentSettlement{
			SettlementID: e.SettlementID, Float: e.Float, Commission: e.Commission, At: e.At,
		})
	}
	return nil
}

func (en *agentEntry) view() AgentView {
	s := en.state
	v := AgentView{
		AgentID: s.Agent.AgentID, PartnerID: s.Agent.PartnerID, Country: s.Agent.Country, Currency: s.Agent.Currency,
		Status: AgentSuspended, StatusReason: en.reason,
		Float: s.FloatBalance(), Commission: s.CommissionBalance(),
		MaxPayout: s.Agent.MaxPayout, DailyCashLimit: s.Agent.DailyCashLimit,
		CashOuts: len(en.cashOuts), CashedOut: money.Zero(s.Agent.Currency),
		RegisteredAt: s.Agent.At, UpdatedAt: en.updatedAt,
	}
	if s.Active {
		v.Status = AgentActive
	}
	for _, c := range en.cashOuts {
		v.CashedOut.Value = v.CashedOut.Value.Add(c.Amount.Value)
	}
	return v
}

// entry returns a registered agent; callers hold the lock.
func (a *Agents) entry(id string) (*agentEntry, error) {
	en := a.byID[id]
	if en == nil || !en.state.Registered {
		return nil, fmt.Errorf("%w: agent %q", ErrNotFound, id)
	}
	return en, nil
}

// Get returns an agent. It returns an error wrapping ErrNotFound for an
// agent never registered.
func (a *Agents) Get(id string) (AgentView, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	en, err := a.entry(id)
	if err != nil {
		return AgentView{}, err
	}
	return en.view(), nil
}

// List returns the agents of a payout partner, or every agent when
// partnerID is "", in agent ID order.
func (a *Agents) List(partnerID string) []AgentView {
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := []AgentView{}
	for _, id := range sortedKeys(a.byID) {
		en := a.byID[id]
		if en.state.Registered && (partnerID == "" || en.state.Agent.PartnerID == partnerID) {
			out = append(out, en.view())
		}
	}
	return out
}

// CashOuts returns an agent's cash payouts, oldest first. It returns an
// error wrapping ErrNotFound for an agent never registered.
func (a *Agents) CashOuts(id string) ([]CashOut, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	en, err := a.entry(id)
	if err != nil {
		return nil, err
	}
	return slices.Clone(en.cashOuts), nil
}

// Settlements returns an agent's settlements, oldest first. It returns an
// error wrapping ErrNotFound for an agent never registered.
func (a *Agents) Settlements(id string) ([]AgentSettlement, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	en, err := a.entry(id)
	if err != nil {
		return nil, err
	}
	return slices.Clone(en.settlements), nil
}

// Digest implements Projection: SHA-256 over every agent in ID order with
// its cash-outs and settlements.
func (a *Agents) Digest() string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	h := sha256.New()
	ids := sortedKeys(a.byID)
	sort.Strings(ids)
	for _, id := range ids {
		en := a.byID[id]
		writeCanonical(h, "agent "+id, en.view())
		writeCanonical(h, "cash-outs", en.cashOuts)
		writeCanonical(h, "settlements", en.settlements)
	}
	return hex.EncodeToString(h.Sum(nil))
}
