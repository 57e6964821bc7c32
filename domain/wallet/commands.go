package wallet

import (
	"time"

	"github.com/remitflow/remitflow/domain/ledger"
	"github.com/remitflow/remitflow/domain/money"
)

// Meta identifies a command and who issued it. Every command embeds it.
type Meta struct {
	// ID is the command ID (the same as command.CommandMeta.CommandID); the
	// command loop derives event IDs from it.
	ID string
	// Actor names who asks: "customer:cus_1", "staff:alice", "system:transfer-process".
	Actor string
}

// CommandID returns the command ID.
func (m Meta) CommandID() string { return m.ID }

// CommandActor returns the actor.
func (m Meta) CommandActor() string { return m.Actor }

// Command is a request to the wallet aggregate: one of Fund, Reserve,
// Release, Settle, ApproveCreditLine, RepayCredit, CreateInstallmentPlan,
// MarkOverdue.
type Command interface {
	CommandID() string
	CommandActor() string
	// WalletCustomerID is the customer whose wallet the command addresses.
	WalletCustomerID() string
	walletCommand()
}

// Fund credits available with money entering the platform.
type Fund struct {
	Meta
	CustomerID string
	// FundingRef identifies the incoming payment (card capture, bank credit);
	// it is used once.
	FundingRef string
	Amount     money.Amount
}

// Reserve holds a transfer's amount, drawing credit for any shortfall.
type Reserve struct {
	Meta
	CustomerID string
	TransferID string
	Amount     money.Amount
}

// Release returns a held reservation to available (refund, cancellation).
type Release struct {
	Meta
	CustomerID string
	TransferID string
}

// Settle pays a held reservation out with the given postings.
type Settle struct {
	Meta
	CustomerID string
	TransferID string
	// Postings must balance per currency and debit customer:<id>:reserved by
	// exactly the reserved amount; the rest credits fees, FX positions and
	// partner payables.
	Postings ledger.Postings
}

// ApproveCreditLine sets the credit limit.
type ApproveCreditLine struct {
	Meta
	CustomerID string
	Limit      money.Amount
}

// RepaySource says where a credit repayment comes from.
type RepaySource string

// Repayment sources. SourceRelease is used only by the repayment that
// accompanies a reservation release; commands use the first two.
const (
	SourceAvailable RepaySource = "available"
	SourceExternal  RepaySource = "external"
	SourceRelease   RepaySource = "release"
)

// RepayCredit repays drawn credit.
type RepayCredit struct {
	Meta
	CustomerID string
	Amount     money.Amount
	Source     RepaySource
	// FundingRef identifies the incoming payment when Source is SourceExternal.
	FundingRef string
}

// CreateInstallmentPlan splits the drawn credit into len(DueDates) parts.
type CreateInstallmentPlan struct {
	Meta
	CustomerID string
	DueDates   []time.Time
}

// MarkOverdue marks installments due before now and still unpaid.
type MarkOverdue struct {
	Meta
	CustomerID string
}

// WalletCustomerID implements Command.
func (c Fund) WalletCustomerID() string { return c.CustomerID }

// WalletCustomerID implements Command.
func (c Reserve) WalletCustomerID() string { return c.CustomerID }

// WalletCustomerID implements Command.
func (c Release) WalletCustomerID() string { return c.CustomerID }

// WalletCustomerID implements Command.
func (c Settle) WalletCustomerID() string { return c.CustomerID }

// WalletCustomerID implements Command.
func (c ApproveCreditLine) WalletCustomerID() string { return c.CustomerID }

// WalletCustomerID implements Command.
func (c RepayCredit) WalletCustomerID() string { return c.CustomerID }

// WalletCustomerID implements Command.
func (c CreateInstallmentPlan) WalletCustomerID() string { return c.CustomerID }

// WalletCustomerID implements Command.
func (c MarkOverdue) WalletCustomerID() string { return c.CustomerID }

func (Fund) walletCommand()                  {}
func (Reserve) walletCommand()               {}
func (Release) walletCommand()               {}
func (Settle) walletCommand()                {}
func (ApproveCreditLine) walletCommand()     {}
func (RepayCredit) walletCommand()           {}
func (CreateInstallmentPlan) walletCommand() {}
func (MarkOverdue) walletCommand()           {}
