package wallet

import (
	"maps"
	"slices"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/ledger"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/shopspring/decimal"
)

// ReservationStatus is where a reservation stands.
type ReservationStatus string

// Reservation statuses.
const (
	StatusHeld     ReservationStatus = "held"
	StatusReleased ReservationStatus = "released"
	StatusSettled  ReservationStatus = "settled"
)

// Reservation is money held for one transfer.
type Reservation struct {
	TransferID string
	Amount     money.Amount
	// CreditDrawn is the part of Amount drawn from credit at reserve time.
	CreditDrawn money.Amount
	Status      ReservationStatus
	// Settlement holds the postings the reservation was settled with.
	Settlement ledger.Postings
}

// PlannedInstallment is an installment with what has been paid towards it.
type PlannedInstallment struct {
	Installment
	Paid    decimal.Decimal
	Overdue bool
}

// Outstanding returns what is still owed on the installment.
func (p PlannedInstallment) Outstanding() money.Amount {
	return money.Amount{Value: p.Amount.Value.Sub(p.Paid), Currency: p.Amount.Currency}
}

// CreditLine is the wallet's credit facility. A zero Limit (no currency)
// means no credit line was approved.
type CreditLine struct {
	Limit money.Amount
	// Drawn is what is owed, in Limit's currency (≥ 0).
	Drawn decimal.Decimal
	// Plan is the latest installment plan, nil if none.
	Plan []PlannedInstallment
}

// Approved reports whether a credit line exists.
func (c CreditLine) Approved() bool { return c.Limit.Currency != "" }

// Headroom returns what may still be drawn.
func (c CreditLine) Headroom() decimal.Decimal { return c.Limit.Value.Sub(c.Drawn) }

// Frozen reports whether an overdue installment is unpaid.
func (c CreditLine) Frozen() bool {
	for _, p := range c.Plan {
		if p.Overdue && p.Outstanding().IsPositive() {
			return true
		}
	}
	return false
}

// PlanOpen reports whether the plan still has unpaid installments.
func (c CreditLine) PlanOpen() bool {
	for _, p := range c.Plan {
		if p.Outstanding().IsPositive() {
			return true
		}
	}
	return false
}

// State is the folded wallet. The zero State is an empty wallet.
type State struct {
	CustomerID   string
	Available    map[money.Currency]decimal.Decimal
	Reserved     map[money.Currency]decimal.Decimal
	Reservations map[string]Reservation
	// Fundings records the amount of every funding reference used.
	Fundings map[string]money.Amount
	Credit   CreditLine
	// Version counts folded events.
	Version int
}

// Initial returns the state of a wallet with no events.
func Initial() State { return State{} }

// AvailableIn returns the available balance in a currency.
func (s State) AvailableIn(c money.Currency) money.Amount {
	return money.Amount{Value: s.Available[c], Currency: c}
}

// ReservedIn returns the reserved balance in a currency.
func (s State) ReservedIn(c money.Currency) money.Amount {
	return money.Amount{Value: s.Reserved[c], Currency: c}
}

// Clone returns a deep copy of s. Evolve updates the maps of the state it
// is given in place, so a caller that keeps an earlier State while folding
// more events must keep a Clone.
func (s State) Clone() State {
	s.Available = maps.Clone(s.Available)
	s.Reserved = maps.Clone(s.Reserved)
	s.Reservations = maps.Clone(s.Reservations)
	s.Fundings = maps.Clone(s.Fundings)
	s.Credit.Plan = slices.Clone(s.Credit.Plan)
	return s
}

// ensure allocates the maps of a zero State.
func (s State) ensure() State {
	if s.Available == nil {
		s.Available = map[money.Currency]decimal.Decimal{}
	}
	if s.Reserved == nil {
		s.Reserved = map[money.Currency]decimal.Decimal{}
	}
	if s.Reservations == nil {
		s.Reservations = map[string]Reservation{}
	}
	if s.Fundings == nil {
		s.Fundings = map[string]money.Amount{}
	}
	return s
}

func add(m map[money.Currency]decimal.Decimal, a money.Amount) {
	m[a.Currency] = m[a.Currency].Add(a.Value)
}

func sub(m map[money.Currency]decimal.Decimal, a money.Amount) {
	m[a.Currency] = m[a.Currency].Sub(a.Value)
}

// Evolve folds one wallet event into the state. It updates the maps of s in
// place, so folding a long stream stays linear; see Clone. Unknown events
// are ignored.
func Evolve(s State, e command.Event) State {
	s = s.ensure()
	s.Version++
	switch e := e.(type) {
	case Funded:
		s.CustomerID = e.CustomerID
		add(s.Available, e.Amount)
		s.Fundings[e.FundingRef] = e.Amount
	case Reserved:
		s.CustomerID = e.CustomerID
		sub(s.Available, e.Amount)
		add(s.Reserved, e.Amount)
		s.Reservations[e.TransferID] = Reservation{
			TransferID: e.TransferID, Amount: e.Amount, CreditDrawn: e.CreditDrawn, Status: StatusHeld,
		}
	case ReservationReleased:
		sub(s.Reserved, e.Amount)
		add(s.Available, e.Amount)
		r := s.Reservations[e.TransferID]
		r.Status = StatusReleased
		s.Reservations[e.TransferID] = r
	case Settled:
		sub(s.Reserved, e.Amount)
		r := s.Reservations[e.TransferID]
		r.Status = StatusSettled
		r.Settlement = e.Postings
		s.Reservations[e.TransferID] = r
	case CreditLineApproved:
		s.CustomerID = e.CustomerID
		s.Credit.Limit = e.Limit
	case CreditDrawn:
		s.CustomerID = e.CustomerID
		add(s.Available, e.Amount)
		s.Credit.Drawn = s.Credit.Drawn.Add(e.Amount.Value)
	case CreditRepaid:
		if e.Source != SourceExternal {
			sub(s.Available, e.Amount)
		}
		s.Credit.Drawn = s.Credit.Drawn.Sub(e.Amount.Value)
		if e.Source == SourceExternal && e.FundingRef != "" {
			s.Fundings[e.FundingRef] = e.Amount
		}
		left := e.Amount.Value
		for i := range s.Credit.Plan {
			if !left.IsPositive() {
				break
			}
			p := &s.Credit.Plan[i]
			pay := decimal.Min(left, p.Outstanding().Value)
			if pay.IsPositive() {
				p.Paid = p.Paid.Add(pay)
				left = left.Sub(pay)
			}
		}
	case InstallmentPlanCreated:
		s.Credit.Plan = make([]PlannedInstallment, len(e.Installments))
		for i, in := range e.Installments {
			s.Credit.Plan[i] = PlannedInstallment{Installment: in, Paid: decimal.Zero}
		}
	case InstallmentOverdue:
		for i := range s.Credit.Plan {
			if s.Credit.Plan[i].Number == e.Number {
				s.Credit.Plan[i].Overdue = true
			}
		}
	default:
		s.Version--
	}
	return s
}
