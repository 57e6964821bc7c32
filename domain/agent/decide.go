package agent

import (
	"fmt"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/money"
)

// Decide returns the events cmd causes in state s at time now, or an error
// wrapping one of this package's sentinels (and no events). Repeating a
// registration, top-up, payout, commission or settlement with the same
// content, suspending a suspended agent and reactivating an active one return
// no events and no error.
func Decide(s State, cmd Command, now time.Time) ([]command.Event, error) {
	if cmd == nil {
		return nil, fmt.Errorf("%w: nil command", ErrInvalidCommand)
	}
	switch {
	case cmd.CommandID() == "":
		return nil, fmt.Errorf("%w: missing command ID", ErrInvalidCommand)
	case cmd.CommandActor() == "":
		return nil, fmt.Errorf("%w: missing actor", ErrInvalidCommand)
	case cmd.Agent() == "":
		return nil, fmt.Errorf("%w: missing agent ID", ErrInvalidCommand)
	case s.Registered && cmd.Agent() != s.Agent.AgentID:
		return nil, fmt.Errorf("%w: stream of %s, command for %s", ErrInvalidCommand, s.Agent.AgentID, cmd.Agent())
	}
	if c, ok := cmd.(Register); ok {
		return decideRegister(s, c, now)
	}
	if !s.Registered {
		return nil, fmt.Errorf("%w: %s", ErrAgentNotFound, cmd.Agent())
	}
	id, by := s.Agent.AgentID, cmd.CommandActor()
	switch c := cmd.(type) {
	case Suspend:
		if c.Reason == "" {
			return nil, fmt.Errorf("%w: suspension needs a reason", ErrInvalidCommand)
		}
		if !s.Active {
			return nil, nil
		}
		return []command.Event{Suspended{AgentID: id, Reason: c.Reason, By: by, At: now}}, nil
	case Reactivate:
		if c.Reason == "" {
			return nil, fmt.Errorf("%w: reactivation needs a reason", ErrInvalidCommand)
		}
		if s.Active {
			return nil, nil
		}
		return []command.Event{Reactivated{AgentID: id, Reason: c.Reason, By: by, At: now}}, nil
	case TopUpFloat:
		if c.FundingRef == "" {
			return nil, fmt.Errorf("%w: missing funding reference", ErrInvalidCommand)
		}
		if err := s.checkAmount("top-up", c.Amount); err != nil {
			return nil, err
		}
		if prev, ok := s.TopUps[c.FundingRef]; ok {
			if prev.Equal(c.Amount) {
				return nil, nil
			}
			return nil, fmt.Errorf("%w: top-up %s was %s", ErrDuplicateReference, c.FundingRef, prev)
		}
		return []command.Event{FloatToppedUp{AgentID: id, FundingRef: c.FundingRef, Amount: c.Amount, At: now}}, nil
	case RecordCashPayout:
		if c.TransferID == "" {
			return nil, fmt.Errorf("%w: missing transfer ID", ErrInvalidCommand)
		}
		if p, ok := s.Payouts[c.TransferID]; ok {
			if p.Amount.Equal(c.Amount) {
				return nil, nil
			}
			return nil, fmt.Errorf("%w: transfer %s paid %s", ErrPayoutConflict, c.TransferID, p.Amount)
		}
		if err := CanPayOut(s, c.Amount, now); err != nil {
			return nil, err
		}
		return []command.Event{CashPaidOut{
			AgentID: id, PartnerID: s.Agent.PartnerID, TransferID: c.TransferID, Amount: c.Amount, At: now,
		}}, nil
	case EarnCommission:
		if c.TransferID == "" {
			return nil, fmt.Errorf("%w: missing transfer ID", ErrInvalidCommand)
		}
		if err := s.checkAmount("commission", c.Amount); err != nil {
			return nil, err
		}
		if prev, ok := s.Commissions[c.TransferID]; ok {
			if prev.Equal(c.Amount) {
				return nil, nil
			}
			return nil, fmt.Errorf("%w: commission for %s was %s", ErrDuplicateReference, c.TransferID, prev)
		}
		if _, ok := s.Payouts[c.TransferID]; !ok {
			return nil, fmt.Errorf("%w: %s", ErrPayoutNotFound, c.TransferID)
		}
		return []command.Event{CommissionEarned{AgentID: id, TransferID: c.TransferID, Amount: c.Amount, At: now}}, nil
	case Settle:
		return decideSettle(s, c, now)
	default:
		return nil, fmt.Errorf("%w: unknown command %T", ErrInvalidCommand, cmd)
	}
}

func (s State) checkAmount(what string, a money.Amount) error {
	if a.Currency != s.Agent.Currency {
		return fmt.Errorf("%w: %s in %q, agent works in %s", ErrCurrency, what, a.Currency, s.Agent.Currency)
	}
	if !a.IsPositive() {
		return fmt.Errorf("%w: %s must be positive, got %s", ErrInvalidCommand, what, a)
	}
	return nil
}

func decideRegister(s State, c Register, now time.Time) ([]command.Event, error) {
	switch {
	case c.PartnerID == "":
		return nil, fmt.Errorf("%w: missing partner ID", ErrInvalidCommand)
	case len(c.Country) != 2 || c.Country[0] < 'A' || c.Country[0] > 'Z' || c.Country[1] < 'A' || c.Country[1] > 'Z':
		return nil, fmt.Errorf("%w: country %q is not an ISO 3166-1 alpha-2 code", ErrInvalidCommand, c.Country)
	case !c.Currency.Valid():
		return nil, fmt.Errorf("%w: unknown currency %q", ErrInvalidCommand, c.Currency)
	case c.MaxPayout.Currency != c.Currency || c.DailyCashLimit.Currency != c.Currency:
		return nil, fmt.Errorf("%w: limits must be in %s", ErrCurrency, c.Currency)
	case !c.MaxPayout.IsPositive() || c.DailyCashLimit.Value.LessThan(c.MaxPayout.Value):
		return nil, fmt.Errorf("%w: need 0 < max payout %s ≤ daily cash limit %s", ErrInvalidCommand, c.MaxPayout, c.DailyCashLimit)
	}
	e := Registered{
		AgentID: c.AgentID, PartnerID: c.PartnerID, Country: c.Country, Currency: c.Currency,
		MaxPayout: c.MaxPayout, DailyCashLimit: c.DailyCashLimit, At: now,
	}
	if s.Registered {
		prev := s.Agent
		if prev.PartnerID == e.PartnerID && prev.Country == e.Country && prev.Currency == e.Currency &&
			prev.MaxPayout.Equal(e.MaxPayout) && prev.DailyCashLimit.Equal(e.DailyCashLimit) {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: %s", ErrAgentExists, c.AgentID)
	}
	return []command.Event{e}, nil
}

func decideSettle(s State, c Settle, now time.Time) ([]command.Event, error) {
	if c.SettlementID == "" {
		return nil, fmt.Errorf("%w: missing settlement ID", ErrInvalidCommand)
	}
	ccy := s.Agent.Currency
	if c.Float.Currency == "" && c.Float.IsZero() {
		c.Float = money.Zero(ccy)
	}
	if c.Commission.Currency == "" && c.Commission.IsZero() {
		c.Commission = money.Zero(ccy)
	}
	if c.Float.Currency != ccy || c.Commission.Currency != ccy {
		return nil, fmt.Errorf("%w: settlement in %s/%s, agent works in %s", ErrCurrency, c.Float.Currency, c.Commission.Currency, ccy)
	}
	if c.Float.IsNegative() || c.Commission.IsNegative() || (c.Float.IsZero() && c.Commission.IsZero()) {
		return nil, fmt.Errorf("%w: settle float %s and commission %s", ErrInvalidCommand, c.Float, c.Commission)
	}
	if prev, ok := s.Settlements[c.SettlementID]; ok {
		if prev.Float.Equal(c.Float) && prev.Commission.Equal(c.Commission) {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: settlement %s", ErrDuplicateReference, c.SettlementID)
	}
	if c.Float.Value.GreaterThan(s.Float) {
		return nil, fmt.Errorf("%w: float %s, settle %s", ErrInsufficientFloat, s.FloatBalance(), c.Float)
	}
	if c.Commission.Value.GreaterThan(s.Commission) {
		return nil, fmt.Errorf("%w: commission %s, settle %s", ErrInsufficientCommission, s.CommissionBalance(), c.Commission)
	}
	return []command.Event{Settled{
		AgentID: s.Agent.AgentID, SettlementID: c.SettlementID, Float: c.Float, Commission: c.Commission, At: now,
	}}, nil
}
