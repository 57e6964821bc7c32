package transfer

import (
	"time"

	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
)

// Command is a request to the transfer aggregate: one of Request,
// RecordScreening, Release, Reject, MarkFunded, FailFunding, Expire, Cancel,
// SubmitPayout, RecordPayoutResult, AbandonPayout, IssuePickupCode, LockPickup, PayPickup,
// ExpirePickup, Complete, RecordRefund. The command ID and actor travel in
// command.CommandMeta.
type Command interface{ transferCommand() }

// Request creates the transfer.
type Request struct {
	TransferID string     `json:"transfer_id"`
	SenderID   string     `json:"sender_id"`
	Recipient  Recipient  `json:"recipient"`
	Quote      QuoteTerms `json:"quote"`
	Purpose    string     `json:"purpose"`
	// Reference is the client's idempotency reference for the request.
	Reference string `json:"reference"`
}

// RecordScreening records the screening outcome: cleared, or held with hits.
type RecordScreening struct {
	Cleared bool  `json:"cleared"`
	Hits    []Hit `json:"hits,omitempty"`
	// CaseID is the compliance case opened for a hold.
	CaseID string `json:"case_id,omitempty"`
	// ListVersion is the sanctions list version screened against.
	ListVersion string `json:"list_version,omitempty"`
}

// Release clears a held transfer by a compliance decision.
type Release struct {
	By     string `json:"by"`
	Reason string `json:"reason"`
}

// Reject ends a held transfer by a compliance decision.
type Reject struct {
	By     string `json:"by"`
	Reason string `json:"reason"`
}

// MarkFunded records that the sender's wallet reserved the total.
type MarkFunded struct {
	Amount money.Amount `json:"amount"`
	// CreditDrawn is the part drawn from the sender's credit line.
	CreditDrawn money.Amount `json:"credit_drawn"`
}

// FailFunding ends a cleared transfer whose funds could not be reserved.
type FailFunding struct {
	Reason string `json:"reason"`
}

// Expire ends a transfer whose quote expired before it was funded.
type Expire struct{}

// Cancel cancels the transfer at the sender's request.
type Cancel struct {
	By     string `json:"by"`
	Reason string `json:"reason,omitempty"`
}

// SubmitPayout records a payout attempt before it is sent to the partner.
type SubmitPayout struct {
	Attempt   int    `json:"attempt"`
	Reference string `json:"reference"`
	Partner   string `json:"partner"`
}

// AbandonPayout fails a transfer whose last attempt failed retryably when no
// further attempt will be made (attempts exhausted).
type AbandonPayout struct {
	Reason string `json:"reason"`
}

// RecordPayoutResult records what the partner said about an attempt.
type RecordPayoutResult struct {
	Result payout.Result `json:"result"`
}

// IssuePickupCode makes a funded cash-pickup transfer collectable.
type IssuePickupCode struct {
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expires_at"`
}

// LockPickup is an agent's lookup of a pickup by its code.
type LockPickup struct {
	AgentID string `json:"agent_id"`
	Code    string `json:"code"`
}

// PayPickup records that the locking agent paid the recipient in cash after
// checking their identity document.
type PayPickup struct {
	AgentID  string `json:"agent_id"`
	Code     string `json:"code"`
	IDType   string `json:"id_type"`
	IDNumber string `json:"id_number"`
}

// ExpirePickup ends an uncollected pickup after its expiry.
type ExpirePickup struct{}

// Complete closes a paid-out transfer once the wallet settled it.
type Complete struct{}

// RecordRefund records that the wallet released the reserved total back to
// the sender.
type RecordRefund struct {
	Amount money.Amount `json:"amount"`
}

func (Request) transferCommand()            {}
func (RecordScreening) transferCommand()    {}
func (Release) transferCommand()            {}
func (Reject) transferCommand()             {}
func (MarkFunded) transferCommand()         {}
func (FailFunding) transferCommand()        {}
func (Expire) transferCommand()             {}
func (Cancel) transferCommand()             {}
func (SubmitPayout) transferCommand()       {}
func (RecordPayoutResult) transferCommand() {}
func (AbandonPayout) transferCommand()      {}
func (IssuePickupCode) transferCommand()    {}
func (LockPickup) transferCommand()         {}
func (PayPickup) transferCommand()          {}
func (ExpirePickup) transferCommand()       {}
func (Complete) transferCommand()           {}
func (RecordRefund) transferCommand()       {}
