package agent

import (
	"fmt"
	"maps"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/ledger"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/shopspring/decimal"
)

// CashWindow is the rolling window of DailyCashLimit.
const CashWindow = 24 * time.Hour

// Meta identifies a command and who issued it. Every command embeds it.
type Meta struct {
	// ID is the command ID (the same as command.CommandMeta.CommandID).
	ID string
	// Actor names who asks: "agent:ag_1", "staff:alice", "system:transfer-process".
	Actor string
}

// CommandID returns the command ID.
func (m Meta) CommandID() string { return m.ID }

// CommandActor returns the actor.
func (m Meta) CommandActor() string { return m.Actor }

// Command is a request to the agent aggregate: Register, Suspend,
// Reactivate, TopUpFloat, RecordCashPayout, EarnCommission or Settle.
type Command interface {
	CommandID() string
	CommandActor() string
	// Agent is the agent the command addresses.
	Agent() string
	agentCommand()
}

// Register creates an agent under a payout partner.
type Register struct {
	Meta
	AgentID   string
	PartnerID string
	Country   string
	Currency  money.Currency
	// MaxPayout is the largest single cash payout.
	MaxPayout money.Amount
	// DailyCashLimit caps cash paid out in any rolling 24 hours.
	DailyCashLimit money.Amount
}

// Suspend stops the agent from paying out.
type Suspend struct {
	Meta
	AgentID string
	Reason  string
}

// Reactivate lets a suspended agent pay out again.
type Reactivate struct {
	Meta
	AgentID string
	Reason  string
}

// TopUpFloat credits the agent's float with money it paid in.
type TopUpFloat struct {
	Meta
	AgentID    string
	FundingRef string
	Amount     money.Amount
}

// RecordCashPayout records cash the agent handed to a transfer's recipient.
type RecordCashPayout struct {
	Meta
	AgentID    string
	TransferID string
	Amount     money.Amount
}

// EarnCommission credits the agent's commission for a transfer it paid.
type EarnCommission struct {
	Meta
	AgentID    string
	TransferID string
	Amount     money.Amount
}

// Settle pays the agent out: float redeemed and commission paid.
type Settle struct {
	Meta
	AgentID      string
	SettlementID string
	// Float and Commission are what to pay; either may be zero, not both.
	Float      money.Amount
	Commission money.Amount
}

// Agent implements Command.
func (c Register) Agent() string { return c.AgentID }

// Agent implements Command.
func (c Suspend) Agent() string { return c.AgentID }

// Agent implements Command.
func (c Reactivate) Agent() string { return c.AgentID }

// Agent implements Command.
func (c TopUpFloat) Agent() string { return c.AgentID }

// Agent implements Command.
func (c RecordCashPayout) Agent() string { return c.AgentID }

// Agent implements Command.
func (c EarnCommission) Agent() string { return c.AgentID }

// Agent implements Command.
func (c Settle) Agent() string { return c.AgentID }

func (Register) agentCommand()         {}
func (Suspend) agentCommand()          {}
func (Reactivate) agentCommand()       {}
func (TopUpFloat) agentCommand()       {}
func (RecordCashPayout) agentCommand() {}
func (EarnCommission) agentCommand()   {}
func (Settle) agentCommand()           {}

// Event types of the agent aggregate.
const (
	TypeRegistered       = "agent.registered.v1"
	TypeSuspended        = "agent.suspended.v1"
	TypeReactivated      = "agent.reactivated.v1"
	TypeFloatToppedUp    = "agent.float_topped_up.v1"
	TypeCashPaidOut      = "agent.cash_paid_out.v1"
	TypeCommissionEarned = "agent.commission_earned.v1"
	TypeSettled          = "agent.settled.v1"
)

// Registered records a new agent.
type Registered struct {
	AgentID        string         `json:"agent_id"`
	PartnerID      string         `json:"partner_id"`
	Country        string         `json:"country"`
	Currency       money.Currency `json:"currency"`
	MaxPayout      money.Amount   `json:"max_payout"`
	DailyCashLimit money.Amount   `json:"daily_cash_limit"`
	At             time.Time      `json:"at"`
}

// Suspended records that the agent may not pay out.
type Suspended struct {
	AgentID string    `json:"agent_id"`
	Reason  string    `json:"reason"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

// Reactivated records that the agent may pay out again.
type Reactivated struct {
	AgentID string    `json:"agent_id"`
	Reason  string    `json:"reason"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

// FloatToppedUp records money paid in for float: external:funding → agent float.
type FloatToppedUp struct {
	AgentID    string       `json:"agent_id"`
	FundingRef string       `json:"funding_ref"`
	Amount     money.Amount `json:"amount"`
	At         time.Time    `json:"at"`
}

// CashPaidOut records cash paid to a recipient: partner payable → agent float.
type CashPaidOut struct {
	AgentID    string       `json:"agent_id"`
	PartnerID  string       `json:"partner_id"`
	TransferID string       `json:"transfer_id"`
	Amount     money.Amount `json:"amount"`
	At         time.Time    `json:"at"`
}

// CommissionEarned records commission: expense:commission → agent commission.
type CommissionEarned struct {
	AgentID    string       `json:"agent_id"`
	TransferID string       `json:"transfer_id"`
	Amount     money.Amount `json:"amount"`
	At         time.Time    `json:"at"`
}

// Settled records a payment to the agent: float and commission → external:funding.
type Settled struct {
	AgentID      string       `json:"agent_id"`
	SettlementID string       `json:"settlement_id"`
	Float        money.Amount `json:"float"`
	Commission   money.Amount `json:"commission"`
	At           time.Time    `json:"at"`
}

// EventType implements command.Event.
func (Registered) EventType() string { return TypeRegistered }

// EventType implements command.Event.
func (Suspended) EventType() string { return TypeSuspended }

// EventType implements command.Event.
func (Reactivated) EventType() string { return TypeReactivated }

// EventType implements command.Event.
func (FloatToppedUp) EventType() string { return TypeFloatToppedUp }

// EventType implements command.Event.
func (CashPaidOut) EventType() string { return TypeCashPaidOut }

// EventType implements command.Event.
func (CommissionEarned) EventType() string { return TypeCommissionEarned }

// EventType implements command.Event.
func (Settled) EventType() string { return TypeSettled }

// LedgerPostings implements command.MoneyMover.
func (e FloatToppedUp) LedgerPostings() ledger.Postings {
	return ledger.Move(ledger.ExternalFunding, ledger.AgentFloat(e.AgentID), e.Amount)
}

// LedgerPostings implements command.MoneyMover.
func (e CashPaidOut) LedgerPostings() ledger.Postings {
	return ledger.Move(ledger.PartnerPayable(e.PartnerID), ledger.AgentFloat(e.AgentID), e.Amount)
}

// LedgerPostings implements command.MoneyMover.
func (e CommissionEarned) LedgerPostings() ledger.Postings {
	return ledger.Move(ledger.ExpenseCommission, ledger.AgentCommission(e.AgentID), e.Amount)
}

// LedgerPostings implements command.MoneyMover.
func (e Settled) LedgerPostings() ledger.Postings {
	var ps ledger.Postings
	if !e.Float.IsZero() {
		ps = append(ps, ledger.Move(ledger.AgentFloat(e.AgentID), ledger.ExternalFunding, e.Float)...)
	}
	if !e.Commission.IsZero() {
		ps = append(ps, ledger.Move(ledger.AgentCommission(e.AgentID), ledger.ExternalFunding, e.Commission)...)
	}
	return ps
}

// Payout is a cash payout the agent made.
type Payout struct {
	TransferID string
	Amount     money.Amount
	At         time.Time
}

// State is the folded agent. The zero State is an agent never registered.
type State struct {
	Registered bool
	Agent      Registered
	Active     bool
	// Float and Commission are the balances owed to the agent, in Agent.Currency.
	Float      decimal.Decimal
	Commission decimal.Decimal
	// Payouts are the agent's payouts by transfer ID.
	Payouts map[string]Payout
	// Recent are the payouts within CashWindow of the latest one, oldest first.
	Recent []Payout
	// Commissions, TopUps and Settlements remember what each reference did.
	Commissions map[string]money.Amount
	TopUps      map[string]money.Amount
	Settlements map[string]Settled
}

// Initial returns the state of an agent with no events.
func Initial() State { return State{} }

// Clone returns a deep copy of s. Evolve updates the maps of the state it
// is given in place, so a caller that keeps an earlier State while folding
// more events must keep a Clone.
func (s State) Clone() State {
	s.Payouts = maps.Clone(s.Payouts)
	s.Commissions = maps.Clone(s.Commissions)
	s.TopUps = maps.Clone(s.TopUps)
	s.Settlements = maps.Clone(s.Settlements)
	s.Recent = append([]Payout(nil), s.Recent...)
	return s
}

// ensure allocates the maps of a zero State.
func (s State) ensure() State {
	if s.Payouts == nil {
		s.Payouts = map[string]Payout{}
	}
	if s.Commissions == nil {
		s.Commissions = map[string]money.Amount{}
	}
	if s.TopUps == nil {
		s.TopUps = map[string]money.Amount{}
	}
	if s.Settlements == nil {
		s.Settlements = map[string]Settled{}
	}
	return s
}

// Evolve folds one agent event into the state. It updates the maps of s in
// place, so folding a long stream stays linear; see Clone. Unknown events
// are ignored.
func Evolve(s State, e command.Event) State {
	s = s.ensure()
	switch e := e.(type) {
	case Registered:
		s.Registered, s.Agent, s.Active = true, e, true
	case Suspended:
		s.Active = false
	case Reactivated:
		s.Active = true
	case FloatToppedUp:
		s.Float = s.Float.Add(e.Amount.Value)
		s.TopUps[e.FundingRef] = e.Amount
	case CashPaidOut:
		s.Float = s.Float.Add(e.Amount.Value)
		p := Payout{TransferID: e.TransferID, Amount: e.Amount, At: e.At}
		s.Payouts[e.TransferID] = p
		s.Recent = append(s.Recent, p)
		i := 0
		for i < len(s.Recent) && !s.Recent[i].At.After(e.At.Add(-CashWindow)) {
			i++
		}
		s.Recent = s.Recent[i:]
	case CommissionEarned:
		s.Commission = s.Commission.Add(e.Amount.Value)
		s.Commissions[e.TransferID] = e.Amount
	case Settled:
		s.Float = s.Float.Sub(e.Float.Value)
		s.Commission = s.Commission.Sub(e.Commission.Value)
		s.Settlements[e.SettlementID] = e
	}
	return s
}

// FloatBalance returns the float owed to the agent.
func (s State) FloatBalance() money.Amount {
	return money.Amount{Value: s.Float, Currency: s.Agent.Currency}
}

// CommissionBalance returns the commission owed to the agent.
func (s State) CommissionBalance() money.Amount {
	return money.Amount{Value: s.Commission, Currency: s.Agent.Currency}
}

// PaidInWindow returns the cash paid out in the CashWindow before now.
func (s State) PaidInWindow(now time.Time) money.Amount {
	total := money.Zero(s.Agent.Currency)
	for _, p := range s.Recent {
		if p.At.After(now.Add(-CashWindow)) && !p.At.After(now) {
			total.Value = total.Value.Add(p.Amount.Value)
		}
	}
	return total
}

// CanPayOut reports whether the agent may pay amount in cash at now: nil, or
// an error wrapping ErrAgentNotFound, ErrAgentInactive, ErrCurrency,
// ErrInvalidCommand (non-positive amount) or ErrPayoutLimit.
func CanPayOut(s State, amount money.Amount, now time.Time) error {
	switch {
	case !s.Registered:
		return ErrAgentNotFound
	case !s.Active:
		return fmt.Errorf("%w: %s", ErrAgentInactive, s.Agent.AgentID)
	case amount.Currency != s.Agent.Currency:
		return fmt.Errorf("%w: %s, agent pays %s", ErrCurrency, amount, s.Agent.Currency)
	case !amount.IsPositive():
		return fmt.Errorf("%w: payout must be positive, got %s", ErrInvalidCommand, amount)
	case amount.Value.GreaterThan(s.Agent.MaxPayout.Value):
		return fmt.Errorf("%w: %s above the single payout limit %s", ErrPayoutLimit, amount, s.Agent.MaxPayout)
	}
	paid := s.PaidInWindow(now)
	if paid.Value.Add(amount.Value).GreaterThan(s.Agent.DailyCashLimit.Value) {
		return fmt.Errorf("%w: %s paid in 24 hours, %s more exceeds %s", ErrPayoutLimit, paid, amount, s.Agent.DailyCashLimit)
	}
	return nil
}

// Aggregate describes the agent to the command loop. Stream: "agent-<agentID>".
var Aggregate = command.Aggregate[State, Command]{
	Category: "agent",
	Initial:  Initial,
	Evolve:   Evolve,
	Decide:   Decide,
	Decode:   Decode,
}

// Decode turns a stored agent event back into its typed value.
func Decode(eventType string, data []byte) (command.Event, error) {
	return decodeEvent(eventType, data)
}

// decodeEvent decodes the agent event types.
var decodeEvent = command.NewDecoder("agent",
	Registered{}, Suspended{}, Reactivated{}, FloatToppedUp{}, CashPaidOut{},
	CommissionEarned{}, Settled{},
)
