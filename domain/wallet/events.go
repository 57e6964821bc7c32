package wallet

import (
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/ledger"
	"github.com/remitflow/remitflow/domain/money"
)

// Event types of the wallet aggregate.
const (
	TypeFunded                 = "wallet.funded.v1"
	TypeReserved               = "wallet.reserved.v1"
	TypeReservationReleased    = "wallet.reservation_released.v1"
	TypeSettled                = "wallet.settled.v1"
	TypeCreditLineApproved     = "wallet.credit_line_approved.v1"
	TypeCreditDrawn            = "wallet.credit_drawn.v1"
	TypeCreditRepaid           = "wallet.credit_repaid.v1"
	TypeInstallmentPlanCreated = "wallet.installment_plan_created.v1"
	TypeInstallmentOverdue     = "wallet.installment_overdue.v1"
)

// Funded records money entering the wallet: external:funding → available.
type Funded struct {
	CustomerID string       `json:"customer_id"`
	FundingRef string       `json:"funding_ref"`
	Amount     money.Amount `json:"amount"`
	At         time.Time    `json:"at"`
}

// Reserved records a transfer's amount moved from available to reserved.
// CreditDrawn is the part of it drawn from credit just before (zero if none).
type Reserved struct {
	CustomerID  string       `json:"customer_id"`
	TransferID  string       `json:"transfer_id"`
	Amount      money.Amount `json:"amount"`
	CreditDrawn money.Amount `json:"credit_drawn"`
	At          time.Time    `json:"at"`
}

// ReservationReleased records a reservation returned: reserved → available.
type ReservationReleased struct {
	CustomerID string       `json:"customer_id"`
	TransferID string       `json:"transfer_id"`
	Amount     money.Amount `json:"amount"`
	At         time.Time    `json:"at"`
}

// Settled records a reservation paid out with the given postings.
type Settled struct {
	CustomerID string          `json:"customer_id"`
	TransferID string          `json:"transfer_id"`
	Amount     money.Amount    `json:"amount"`
	Postings   ledger.Postings `json:"postings"`
	At         time.Time       `json:"at"`
}

// CreditLineApproved records a new credit limit. It moves no money.
type CreditLineApproved struct {
	CustomerID string       `json:"customer_id"`
	Limit      money.Amount `json:"limit"`
	At         time.Time    `json:"at"`
}

// CreditDrawn records credit drawn into available: credit:<id> → available.
type CreditDrawn struct {
	CustomerID string       `json:"customer_id"`
	TransferID string       `json:"transfer_id,omitempty"`
	Amount     money.Amount `json:"amount"`
	At         time.Time    `json:"at"`
}

// CreditRepaid records a repayment into credit:<id>, from available or from
// external:funding.
type CreditRepaid struct {
	CustomerID string       `json:"customer_id"`
	Amount     money.Amount `json:"amount"`
	Source     RepaySource  `json:"source"`
	FundingRef string       `json:"funding_ref,omitempty"`
	TransferID string       `json:"transfer_id,omitempty"`
	At         time.Time    `json:"at"`
}

// Installment is one part of an installment plan.
type Installment struct {
	Number int          `json:"number"`
	Due    time.Time    `json:"due"`
	Amount money.Amount `json:"amount"`
}

// InstallmentPlanCreated records a repayment schedule. It moves no money.
type InstallmentPlanCreated struct {
	CustomerID   string        `json:"customer_id"`
	Installments []Installment `json:"installments"`
	At           time.Time     `json:"at"`
}

// InstallmentOverdue records an installment unpaid after its due date.
type InstallmentOverdue struct {
	CustomerID  string       `json:"customer_id"`
	Number      int          `json:"number"`
	Due         time.Time    `json:"due"`
	Outstanding money.Amount `json:"outstanding"`
	At          time.Time    `json:"at"`
}

// EventType implements command.Event.
func (Funded) EventType() string { return TypeFunded }

// EventType implements command.Event.
func (Reserved) EventType() string { return TypeReserved }

// EventType implements command.Event.
func (ReservationReleased) EventType() string { return TypeReservationReleased }

// EventType implements command.Event.
func (Settled) EventType() string { return TypeSettled }

// EventType implements command.Event.
func (CreditLineApproved) EventType() string { return TypeCreditLineApproved }

// EventType implements command.Event.
func (CreditDrawn) EventType() string { return TypeCreditDrawn }

// EventType implements command.Event.
func (CreditRepaid) EventType() string { return TypeCreditRepaid }

// EventType implements command.Event.
func (InstallmentPlanCreated) EventType() string { return TypeInstallmentPlanCreated }

// EventType implements command.Event.
func (InstallmentOverdue) EventType() string { return TypeInstallmentOverdue }

// LedgerPostings implements command.MoneyMover.
func (e Funded) LedgerPostings() ledger.Postings {
	return ledger.Move(ledger.ExternalFunding, ledger.CustomerAvailable(e.CustomerID), e.Amount)
}

// LedgerPostings implements command.MoneyMover.
func (e Reserved) LedgerPostings() ledger.Postings {
	return ledger.Move(ledger.CustomerAvailable(e.CustomerID), ledger.CustomerReserved(e.CustomerID), e.Amount)
}

// LedgerPostings implements command.MoneyMover.
func (e ReservationReleased) LedgerPostings() ledger.Postings {
	return ledger.Move(ledger.CustomerReserved(e.CustomerID), ledger.CustomerAvailable(e.CustomerID), e.Amount)
}

// LedgerPostings implements command.MoneyMover.
func (e Settled) LedgerPostings() ledger.Postings { return e.Postings }

// LedgerPostings implements command.MoneyMover.
func (e CreditDrawn) LedgerPostings() ledger.Postings {
	return ledger.Move(ledger.Credit(e.CustomerID), ledger.CustomerAvailable(e.CustomerID), e.Amount)
}

// LedgerPostings implements command.MoneyMover.
func (e CreditRepaid) LedgerPostings() ledger.Postings {
	from := ledger.CustomerAvailable(e.CustomerID)
	if e.Source == SourceExternal {
		from = ledger.ExternalFunding
	}
	return ledger.Move(from, ledger.Credit(e.CustomerID), e.Amount)
}

// Decode turns a stored wallet event back into its typed value.
func Decode(eventType string, data []byte) (command.Event, error) {
	return decodeEvent(eventType, data)
}

// decodeEvent decodes the wallet event types.
var decodeEvent = command.NewDecoder("wallet",
	Funded{}, Reserved{}, ReservationReleased{}, Settled{}, CreditLineApproved{},
	CreditDrawn{}, CreditRepaid{}, InstallmentPlanCreated{}, InstallmentOverdue{},
)
