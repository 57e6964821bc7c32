package transfer

import (
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
)

// Event types of the transfer aggregate.
const (
	TypeRequested        = "transfer.requested.v1"
	TypeScreened         = "transfer.screened.v1"
	TypeReleased         = "transfer.released.v1"
	TypeRejected         = "transfer.rejected.v1"
	TypeFunded           = "transfer.funded.v1"
	TypeFundingFailed    = "transfer.funding_failed.v1"
	TypeExpired          = "transfer.expired.v1"
	TypeCancelled        = "transfer.cancelled.v1"
	TypePayoutSubmitted  = "transfer.payout_submitted.v1"
	TypePayoutPending    = "transfer.payout_pending.v1"
	TypePayoutFailed     = "transfer.payout_failed.v1"
	TypePaidOut          = "transfer.paid_out.v1"
	TypePickupCodeIssued = "transfer.pickup_code_issued.v1"
	TypePickupLocked     = "transfer.pickup_locked.v1"
	TypePickupExpired    = "transfer.pickup_expired.v1"
	TypePickupRejected   = "transfer.pickup_code_rejected.v1"
	TypeCompleted        = "transfer.completed.v1"
	TypeRefunded         = "transfer.refunded.v1"
)

// Requested records a new transfer with the accepted quote's terms.
type Requested struct {
	TransferID string     `json:"transfer_id"`
	SenderID   string     `json:"sender_id"`
	Recipient  Recipient  `json:"recipient"`
	Quote      QuoteTerms `json:"quote"`
	Purpose    string     `json:"purpose"`
	Reference  string     `json:"reference"`
	At         time.Time  `json:"at"`
}

// Screened records the screening outcome.
type Screened struct {
	TransferID  string    `json:"transfer_id"`
	Cleared     bool      `json:"cleared"`
	Hits        []Hit     `json:"hits,omitempty"`
	CaseID      string    `json:"case_id,omitempty"`
	ListVersion string    `json:"list_version,omitempty"`
	At          time.Time `json:"at"`
}

// Released records a compliance release of a held transfer.
type Released struct {
	TransferID string    `json:"transfer_id"`
	By         string    `json:"by"`
	Reason     string    `json:"reason"`
	At         time.Time `json:"at"`
}

// Rejected records a compliance rejection of a held transfer.
type Rejected struct {
	TransferID string    `json:"transfer_id"`
	By         string    `json:"by"`
	Reason     string    `json:"reason"`
	At         time.Time `json:"at"`
}

// Funded records the reserved total.
type Funded struct {
	TransferID  string       `json:"transfer_id"`
	Amount      money.Amount `json:"amount"`
	CreditDrawn money.Amount `json:"credit_drawn"`
	At          time.Time    `json:"at"`
}

// FundingFailed records that funds could not be reserved.
type FundingFailed struct {
	TransferID string    `json:"transfer_id"`
	Reason     string    `json:"reason"`
	At         time.Time `json:"at"`
}

// Expired records that the quote expired before funding.
type Expired struct {
	TransferID     string    `json:"transfer_id"`
	QuoteExpiredAt time.Time `json:"quote_expired_at"`
	At             time.Time `json:"at"`
}

// Cancelled records a cancellation; Funded says a refund must follow.
type Cancelled struct {
	TransferID string    `json:"transfer_id"`
	By         string    `json:"by"`
	Reason     string    `json:"reason,omitempty"`
	Funded     bool      `json:"funded"`
	At         time.Time `json:"at"`
}

// PayoutSubmitted records a payout attempt about to be sent.
type PayoutSubmitted struct {
	TransferID string          `json:"transfer_id"`
	Attempt    int             `json:"attempt"`
	Reference  string          `json:"reference"`
	Partner    string          `json:"partner"`
	Provider   payout.Provider `json:"provider"`
	Amount     money.Amount    `json:"amount"`
	At         time.Time       `json:"at"`
}

// PayoutPending records a non-final answer (pending or unknown).
type PayoutPending struct {
	TransferID       string       `json:"transfer_id"`
	Attempt          int          `json:"attempt"`
	Reference        string       `json:"reference"`
	State            payout.State `json:"state"`
	PartnerReference string       `json:"partner_reference,omitempty"`
	At               time.Time    `json:"at"`
}

// PayoutFailed records a failed attempt; Retryable says a new attempt is safe.
type PayoutFailed struct {
	TransferID string    `json:"transfer_id"`
	Attempt    int       `json:"attempt"`
	Reference  string    `json:"reference"`
	Code       string    `json:"code,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	Retryable  bool      `json:"retryable"`
	At         time.Time `json:"at"`
}

// PaidOut records that the recipient was paid, by a partner or an agent.
type PaidOut struct {
	TransferID       string       `json:"transfer_id"`
	Method           Method       `json:"method"`
	Attempt          int          `json:"attempt,omitempty"`
	Reference        string       `json:"reference,omitempty"`
	PartnerReference string       `json:"partner_reference,omitempty"`
	AgentID          string       `json:"agent_id,omitempty"`
	IDType           string       `json:"id_type,omitempty"`
	IDNumberHash     string       `json:"id_number_hash,omitempty"`
	Amount           money.Amount `json:"amount"`
	At               time.Time    `json:"at"`
}

// PickupCodeIssued records a collectable cash pickup; only the code's hash.
type PickupCodeIssued struct {
	TransferID string    `json:"transfer_id"`
	CodeHash   string    `json:"code_hash"`
	ExpiresAt  time.Time `json:"expires_at"`
	At         time.Time `json:"at"`
}

// PickupLocked records an agent's lock on a pickup.
type PickupLocked struct {
	TransferID string    `json:"transfer_id"`
	AgentID    string    `json:"agent_id"`
	Until      time.Time `json:"until"`
	At         time.Time `json:"at"`
}

// PickupCodeRejected records a wrong pickup code entered by an agent;
// Failures counts them so far.
type PickupCodeRejected struct {
	TransferID string    `json:"transfer_id"`
	AgentID    string    `json:"agent_id"`
	Failures   int       `json:"failures"`
	At         time.Time `json:"at"`
}

// PickupExpired records an uncollected pickup.
type PickupExpired struct {
	TransferID string    `json:"transfer_id"`
	At         time.Time `json:"at"`
}

// Completed records a paid-out and settled transfer.
type Completed struct {
	TransferID string       `json:"transfer_id"`
	Receive    money.Amount `json:"receive"`
	At         time.Time    `json:"at"`
}

// Refunded records the reserved total returned to the sender.
type Refunded struct {
	TransferID string       `json:"transfer_id"`
	Amount     money.Amount `json:"amount"`
	At         time.Time    `json:"at"`
}

// EventType implements command.Event.
func (Requested) EventType() string { return TypeRequested }

// EventType implements command.Event.
func (Screened) EventType() string { return TypeScreened }

// EventType implements command.Event.
func (Released) EventType() string { return TypeReleased }

// EventType implements command.Event.
func (Rejected) EventType() string { return TypeRejected }

// EventType implements command.Event.
func (Funded) EventType() string { return TypeFunded }

// EventType implements command.Event.
func (FundingFailed) EventType() string { return TypeFundingFailed }

// EventType implements command.Event.
func (Expired) EventType() string { return TypeExpired }

// EventType implements command.Event.
func (Cancelled) EventType() string { return TypeCancelled }

// EventType implements command.Event.
func (PayoutSubmitted) EventType() string { return TypePayoutSubmitted }

// EventType implements command.Event.
func (PayoutPending) EventType() string { return TypePayoutPending }

// EventType implements command.Event.
func (PayoutFailed) EventType() string { return TypePayoutFailed }

// EventType implements command.Event.
func (PaidOut) EventType() string { return TypePaidOut }

// EventType implements command.Event.
func (PickupCodeIssued) EventType() string { return TypePickupCodeIssued }

// EventType implements command.Event.
func (PickupLocked) EventType() string { return TypePickupLocked }

// EventType implements command.Event.
func (PickupExpired) EventType() string { return TypePickupExpired }

// EventType implements command.Event.
func (PickupCodeRejected) EventType() string { return TypePickupRejected }

// EventType implements command.Event.
func (Completed) EventType() string { return TypeCompleted }

// EventType implements command.Event.
func (Refunded) EventType() string { return TypeRefunded }

// Decode turns a stored transfer event back into its typed value. It returns
// an error for an unknown type or malformed data.
func Decode(eventType string, data []byte) (command.Event, error) {
	return decodeEvent(eventType, data)
}

// decodeEvent decodes the transfer event types.
var decodeEvent = command.NewDecoder("transfer",
	Requested{}, Screened{}, Released{}, Rejected{}, Funded{}, FundingFailed{},
	Expired{}, Cancelled{}, PayoutSubmitted{}, PayoutPending{}, PayoutFailed{},
	PaidOut{}, PickupCodeIssued{}, PickupLocked{}, PickupExpired{},
	PickupCodeRejected{}, Completed{}, Refunded{},
)
