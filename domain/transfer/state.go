package transfer

import (
	"slices"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
)

// State is a transfer folded from its events. The zero State is a transfer
// that does not exist.
type State struct {
	ID          string
	Status      Status
	SenderID    string
	Recipient   Recipient
	Quote       QuoteTerms
	Purpose     string
	Reference   string
	RequestedAt time.Time
	UpdatedAt   time.Time

	// Screening outcome; ScreenedAt is zero until screened.
	ScreenedAt  time.Time
	Hits        []Hit
	CaseID      string
	ListVersion string
	// DecisionBy and DecisionReason record a compliance decision or a
	// cancellation.
	DecisionBy     string
	DecisionReason string

	// Funded is true once the total was reserved; FundedAmount and
	// CreditDrawn say how much and how much of it was credit.
	Funded       bool
	FundedAmount money.Amount
	CreditDrawn  money.Amount
	// FailureReason explains funding_failed and payout_failed.
	FailureReason string

	// Attempts are the payout attempts, oldest first.
	Attempts []Attempt
	// Pickup is set once a pickup code was issued.
	Pickup *Pickup
	// Paid is set once the recipient was paid.
	Paid *PaidOut

	// Refunded is true once the reserved total went back to the sender.
	Refunded     bool
	RefundAmount money.Amount
}

// Exists reports whether the transfer was requested.
func (s State) Exists() bool { return s.Status != StatusNone }

// CurrentAttempt returns the latest payout attempt.
func (s State) CurrentAttempt() (Attempt, bool) {
	if len(s.Attempts) == 0 {
		return Attempt{}, false
	}
	return s.Attempts[len(s.Attempts)-1], true
}

// NeedsRefund reports whether the sender's reserved total must be returned:
// the transfer was funded, will not be paid, and was not refunded yet.
func (s State) NeedsRefund() bool {
	if !s.Funded || s.Refunded || s.Paid != nil {
		return false
	}
	switch s.Status {
	case StatusPayoutFailed, StatusPickupExpired, StatusCancelled:
		return true
	}
	return false
}

// Final reports whether nothing more will happen to the transfer.
func (s State) Final() bool {
	switch s.Status {
	case StatusCompleted, StatusRefunded, StatusRejected, StatusFundingFailed, StatusExpired:
		return true
	case StatusCancelled:
		return !s.NeedsRefund()
	}
	return false
}

// Evolve folds one event into the state.
func Evolve(s State, e command.Event) State {
	switch e := e.(type) {
	case Requested:
		s = State{
			ID: e.TransferID, Status: StatusRequested, SenderID: e.SenderID, Recipient: e.Recipient,
			Quote: e.Quote, Purpose: e.Purpose, Reference: e.Reference, RequestedAt: e.At, UpdatedAt: e.At,
		}
		return s
	case Screened:
		s.Hits, s.CaseID, s.ListVersion, s.ScreenedAt = e.Hits, e.CaseID, e.ListVersion, e.At
		s.Status = StatusHeld
		if e.Cleared {
			s.Status = StatusCleared
		}
		s.UpdatedAt = e.At
	case Released:
		s.Status, s.DecisionBy, s.DecisionReason, s.UpdatedAt = StatusCleared, e.By, e.Reason, e.At
	case Rejected:
		s.Status, s.DecisionBy, s.DecisionReason, s.UpdatedAt = StatusRejected, e.By, e.Reason, e.At
	case Funded:
		s.Status, s.Funded, s.FundedAmount, s.CreditDrawn, s.UpdatedAt = StatusFunded, true, e.Amount, e.CreditDrawn, e.At
	case FundingFailed:
		s.Status, s.FailureReason, s.UpdatedAt = StatusFundingFailed, e.Reason, e.At
	case Expired:
		s.Status, s.UpdatedAt = StatusExpired, e.At
	case Cancelled:
		s.Status, s.DecisionBy, s.DecisionReason, s.UpdatedAt = StatusCancelled, e.By, e.Reason, e.At
	case PayoutSubmitted:
		s.Attempts = append(slices.Clip(s.Attempts), Attempt{
			Number: e.Attempt, Reference: e.Reference, Partner: e.Partner, State: "", SubmittedAt: e.At,
		})
		s.Status, s.UpdatedAt = StatusPayoutSubmitted, e.At
	case PayoutPending:
		s.Attempts = updateAttempt(s.Attempts, e.Reference, func(a *Attempt) {
			a.State = e.State
			if e.PartnerReference != "" {
				a.PartnerReference = e.PartnerReference
			}
		})
		s.UpdatedAt = e.At
	case PayoutFailed:
		s.Attempts = updateAttempt(s.Attempts, e.Reference, func(a *Attempt) {
			a.State, a.Code, a.Reason, a.Retryable = payout.StateFailed, e.Code, e.Reason, e.Retryable
		})
		if s.Paid == nil && isCurrent(s.Attempts, e.Reference) {
			s.Status = StatusPayoutFailed
			if e.Retryable {
				s.Status = StatusPayoutRetry
			}
			s.FailureReason = e.Reason
		}
		s.UpdatedAt = e.At
	case PaidOut:
		paid := e
		s.Paid = &paid
		if e.Reference != "" {
			s.Attempts = updateAttempt(s.Attempts, e.Reference, func(a *Attempt) {
				a.State, a.PartnerReference = payout.StateSucceeded, e.PartnerReference
			})
		}
		s.Status, s.UpdatedAt = StatusPaidOut, e.At
	case PickupCodeIssued:
		s.Pickup = &Pickup{CodeHash: e.CodeHash, ExpiresAt: e.ExpiresAt}
		s.Status, s.UpdatedAt = StatusPickupReady, e.At
	case PickupLocked:
		p := *s.Pickup
		p.LockedBy, p.LockedUntil = e.AgentID, e.Until
		s.Pickup = &p
		s.UpdatedAt = e.At
	case PickupCodeRejected:
		p := *s.Pickup
		p.Failures = e.Failures
		s.Pickup = &p
		s.UpdatedAt = e.At
	case PickupExpired:
		s.Status, s.UpdatedAt = StatusPickupExpired, e.At
	case Completed:
		s.Status, s.UpdatedAt = StatusCompleted, e.At
	case Refunded:
		s.Refunded, s.RefundAmount, s.UpdatedAt = true, e.Amount, e.At
		if s.Status != StatusCancelled {
			s.Status = StatusRefunded
		}
	}
	return s
}

func updateAttempt(as []Attempt, ref string, f func(*Attempt)) []Attempt {
	i := slices.IndexFunc(as, func(a Attempt) bool { return a.Reference == ref })
	if i < 0 {
		return as
	}
	as = slices.Clone(as)
	f(&as[i])
	return as
}

func isCurrent(as []Attempt, ref string) bool {
	return len(as) > 0 && as[len(as)-1].Reference == ref
}

// Aggregate describes the transfer to the command loop. Stream:
// "transfer-<transferID>".
var Aggregate = command.Aggregate[State, Command]{
	Category: "transfer",
	Initial:  func() State { return State{} },
	Evolve:   Evolve,
	Decide:   Decide,
	Decode:   Decode,
}
