package transfer

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/payout"
)

// Decide returns the events a command causes in state s at time now, or a
// named error (errors.go). A command the state already reflects returns no
// events and no error.
func Decide(s State, c Command, now time.Time) ([]command.Event, error) {
	if _, ok := c.(Request); !ok && !s.Exists() {
		return nil, ErrTransferNotFound
	}
	now = now.UTC()
	switch c := c.(type) {
	case Request:
		return decideRequest(s, c, now)
	case RecordScreening:
		return decideScreening(s, c, now)
	case Release:
		return decideDecision(s, c.By, c.Reason, true, now)
	case Reject:
		return decideDecision(s, c.By, c.Reason, false, now)
	case MarkFunded:
		return decideFunded(s, c, now)
	case FailFunding:
		return decideFailFunding(s, c, now)
	case Expire:
		return decideExpire(s, now)
	case Cancel:
		return decideCancel(s, c, now)
	case SubmitPayout:
		return decideSubmit(s, c, now)
	case RecordPayoutResult:
		return decideResult(s, c.Result, now)
	case AbandonPayout:
		return decideAbandon(s, c, now)
	case IssuePickupCode:
		return decideIssueCode(s, c, now)
	case LockPickup:
		return decideLock(s, c, now)
	case PayPickup:
		return decidePayPickup(s, c, now)
	case ExpirePickup:
		return decideExpirePickup(s, now)
	case Complete:
		return decideComplete(s, now)
	case RecordRefund:
		return decideRefund(s, c, now)
	case nil:
		return nil, fmt.Errorf("%w: nil command", ErrInvalidCommand)
	}
	return nil, fmt.Errorf("%w: unknown command %T", ErrInvalidCommand, c)
}

func transition(s State, want string) error {
	return fmt.Errorf("%w: %s in status %s", ErrInvalidTransition, want, s.Status)
}

func normalRequest(c Request) Request {
	c.Quote.ExpiresAt = c.Quote.ExpiresAt.UTC()
	return c
}

// sameRequest compares a request with the transfer's. Sealed personal data
// is compared by key only: encrypting the same details again gives other
// bytes, so the service compares the details themselves.
func sameRequest(s State, c Request) bool {
	have := normalRequest(Request{TransferID: s.ID, SenderID: s.SenderID, Recipient: s.Recipient, Quote: s.Quote, Purpose: s.Purpose, Reference: s.Reference})
	c = normalRequest(c)
	have.Recipient.PII.Ciphertext, c.Recipient.PII.Ciphertext = nil, nil
	a, err1 := json.Marshal(have)
	b, err2 := json.Marshal(c)
	return err1 == nil && err2 == nil && string(a) == string(b)
}

func decideRequest(s State, c Request, now time.Time) ([]command.Event, error) {
	if s.Exists() {
		if sameRequest(s, c) {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: transfer %s", ErrDuplicateRequest, s.ID)
	}
	switch {
	case c.TransferID == "":
		return nil, fmt.Errorf("%w: missing transfer ID", ErrInvalidCommand)
	case c.SenderID == "":
		return nil, fmt.Errorf("%w: missing sender", ErrInvalidCommand)
	case c.Reference == "":
		return nil, fmt.Errorf("%w: missing idempotency reference", ErrInvalidCommand)
	case c.Purpose == "":
		return nil, fmt.Errorf("%w: missing purpose", ErrInvalidCommand)
	}
	if err := c.Recipient.Validate(); err != nil {
		return nil, err
	}
	if err := c.Quote.Validate(); err != nil {
		return nil, err
	}
	if err := CheckCorridor(c.Recipient, c.Quote.Receive); err != nil {
		return nil, err
	}
	if !now.Before(c.Quote.ExpiresAt) {
		return nil, fmt.Errorf("%w: quote %s expired at %s", ErrQuoteExpired, c.Quote.QuoteID, c.Quote.ExpiresAt.UTC().Format(time.RFC3339))
	}
	c = normalRequest(c)
	return []command.Event{Requested{
		TransferID: c.TransferID, SenderID: c.SenderID, Recipient: c.Recipient.Sealed(), Quote: c.Quote,
		Purpose: c.Purpose, Reference: c.Reference, At: now,
	}}, nil
}

func decideScreening(s State, c RecordScreening, now time.Time) ([]command.Event, error) {
	if s.Status != StatusRequested {
		if !s.ScreenedAt.IsZero() {
			return nil, nil // already screened
		}
		return nil, transition(s, "screening")
	}
	if !c.Cleared && len(c.Hits) == 0 {
		return nil, fmt.Errorf("%w: a hold needs at least one hit", ErrInvalidCommand)
	}
	return []command.Event{Screened{TransferID: s.ID, Cleared: c.Cleared, Hits: c.Hits, CaseID: c.CaseID, ListVersion: c.ListVersion, At: now}}, nil
}

func decideDecision(s State, by, reason string, release bool, now time.Time) ([]command.Event, error) {
	if by == "" || reason == "" {
		return nil, fmt.Errorf("%w: a compliance decision needs a staff member and a reason", ErrInvalidCommand)
	}
	switch {
	case s.Status == StatusHeld && release:
		return []command.Event{Released{TransferID: s.ID, By: by, Reason: reason, At: now}}, nil
	case s.Status == StatusHeld:
		return []command.Event{Rejected{TransferID: s.ID, By: by, Reason: reason, At: now}}, nil
	case release && s.DecisionBy == by && s.DecisionReason == reason && s.Status != StatusRejected:
		return nil, nil
	case !release && s.Status == StatusRejected && s.DecisionBy == by && s.DecisionReason == reason:
		return nil, nil
	}
	return nil, transition(s, "compliance decision")
}

func decideFunded(s State, c MarkFunded, now time.Time) ([]command.Event, error) {
	if s.Funded {
		if s.FundedAmount.Equal(c.Amount) {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: funded with %s, not %s", ErrInvalidTransition, s.FundedAmount, c.Amount)
	}
	if s.Status != StatusCleared {
		return nil, transition(s, "funding")
	}
	if !c.Amount.Equal(s.Quote.Total) {
		return nil, fmt.Errorf("%w: funded amount %s is not the quote's total %s", ErrInvalidCommand, c.Amount, s.Quote.Total)
	}
	drawn := c.CreditDrawn
	if drawn.Currency == "" {
		drawn.Currency = c.Amount.Currency
	}
	if drawn.Currency != c.Amount.Currency || drawn.IsNegative() || drawn.Value.GreaterThan(c.Amount.Value) {
		return nil, fmt.Errorf("%w: credit drawn %s", ErrInvalidCommand, drawn)
	}
	return []command.Event{Funded{TransferID: s.ID, Amount: c.Amount, CreditDrawn: drawn, At: now}}, nil
}

func decideFailFunding(s State, c FailFunding, now time.Time) ([]command.Event, error) {
	if s.Status == StatusFundingFailed {
		return nil, nil
	}
	if s.Status != StatusCleared {
		return nil, transition(s, "funding failure")
	}
	if c.Reason == "" {
		return nil, fmt.Errorf("%w: missing reason", ErrInvalidCommand)
	}
	return []command.Event{FundingFailed{TransferID: s.ID, Reason: c.Reason, At: now}}, nil
}

func decideExpire(s State, now time.Time) ([]command.Event, error) {
	switch s.Status {
	case StatusExpired:
		return nil, nil
	case StatusRequested, StatusCleared, StatusHeld:
	default:
		return nil, transition(s, "expiry")
	}
	if now.Before(s.Quote.ExpiresAt) {
		return nil, fmt.Errorf("%w: quote %s expires at %s", ErrQuoteNotExpired, s.Quote.QuoteID, s.Quote.ExpiresAt.Format(time.RFC3339))
	}
	return []command.Event{Expired{TransferID: s.ID, QuoteExpiredAt: s.Quote.ExpiresAt, At: now}}, nil
}

func decideCancel(s State, c Cancel, now time.Time) ([]command.Event, error) {
	if c.By == "" {
		return nil, fmt.Errorf("%w: missing who cancels", ErrInvalidCommand)
	}
	switch s.Status {
	case StatusCancelled:
		return nil, nil
	case StatusRequested, StatusCleared, StatusHeld, StatusFunded:
		return []command.Event{Cancelled{TransferID: s.ID, By: c.By, Reason: c.Reason, Funded: s.Funded, At: now}}, nil
	}
	return nil, fmt.Errorf("%w: transfer %s is %s", ErrCancelNotAllowed, s.ID, s.Status)
}

func decideSubmit(s State, c SubmitPayout, now time.Time) ([]command.Event, error) {
	if s.Recipient.Method != MobileWallet {
		return nil, fmt.Errorf("%w: %s transfer has no mobile payout", ErrWrongPayoutMethod, s.Recipient.Method)
	}
	if c.Reference == "" || c.Partner == "" || c.Attempt < 1 {
		return nil, fmt.Errorf("%w: a payout attempt needs a number, a reference and a partner", ErrInvalidCommand)
	}
	for _, a := range s.Attempts {
		if a.Number == c.Attempt {
			if a.Reference == c.Reference {
				return nil, nil
			}
			return nil, fmt.Errorf("%w: attempt %d already has reference %s", ErrInvalidTransition, a.Number, a.Reference)
		}
		if a.Reference == c.Reference {
			return nil, fmt.Errorf("%w: reference %s already used by attempt %d", ErrInvalidCommand, c.Reference, a.Number)
		}
	}
	switch s.Status {
	case StatusFunded:
		if c.Attempt != 1 {
			return nil, fmt.Errorf("%w: first attempt must be 1, not %d", ErrInvalidCommand, c.Attempt)
		}
	case StatusPayoutRetry:
		if c.Attempt != len(s.Attempts)+1 {
			return nil, fmt.Errorf("%w: next attempt is %d, not %d", ErrInvalidCommand, len(s.Attempts)+1, c.Attempt)
		}
	case StatusPaidOut, StatusCompleted:
		return nil, fmt.Errorf("%w: transfer %s", ErrAlreadyPaid, s.ID)
	default:
		return nil, transition(s, "payout submission")
	}
	return []command.Event{PayoutSubmitted{
		TransferID: s.ID, Attempt: c.Attempt, Reference: c.Reference, Partner: c.Partner,
		Provider: s.Recipient.Provider, Amount: s.Quote.Receive, At: now,
	}}, nil
}

func decideResult(s State, r payout.Result, now time.Time) ([]command.Event, error) {
	var att *Attempt
	for i := range s.Attempts {
		if s.Attempts[i].Reference == r.Reference {
			att = &s.Attempts[i]
		}
	}
	if att == nil {
		return nil, fmt.Errorf("%w: %q for transfer %s", ErrUnknownPayoutReference, r.Reference, s.ID)
	}
	current := att.Number == len(s.Attempts)
	switch r.State {
	case payout.StateSucceeded:
		if s.Paid != nil {
			if s.Paid.Reference == r.Reference {
				return nil, nil
			}
			return nil, fmt.Errorf("%w: transfer %s was paid by %s; %s also reports success", ErrAlreadyPaid, s.ID, s.Paid.Reference, r.Reference)
		}
		if att.State == payout.StateFailed || s.Refunded {
			return nil, fmt.Errorf("%w: attempt %d was recorded as failed", ErrInvalidTransition, att.Number)
		}
		if r.Amount != nil && !r.Amount.Equal(s.Quote.Receive) {
			return nil, fmt.Errorf("%w: partner paid %s, quote says %s", ErrPayoutAmountMismatch, r.Amount, s.Quote.Receive)
		}
		return []command.Event{PaidOut{
			TransferID: s.ID, Method: MobileWallet, Attempt: att.Number, Reference: r.Reference,
			PartnerReference: r.PartnerReference, Amount: s.Quote.Receive, At: now,
		}}, nil
	case payout.StateFailed:
		switch {
		case att.State == payout.StateFailed:
			return nil, nil
		case att.State == payout.StateSucceeded:
			return nil, fmt.Errorf("%w: attempt %d already succeeded", ErrAlreadyPaid, att.Number)
		case current && s.Paid == nil && s.Status != StatusPayoutSubmitted:
			return nil, transition(s, "payout failure")
		}
		// A stale attempt's failure, or one after payment, is recorded
		// without changing the transfer's status (see Evolve).
		return []command.Event{PayoutFailed{TransferID: s.ID, Attempt: att.Number, Reference: r.Reference, Code: r.Code, Reason: r.Reason, Retryable: r.Retryable, At: now}}, nil
	case payout.StatePending, payout.StateUnknown:
		if att.State == r.State || att.State.Final() {
			return nil, nil
		}
		return []command.Event{PayoutPending{TransferID: s.ID, Attempt: att.Number, Reference: r.Reference, State: r.State, PartnerReference: r.PartnerReference, At: now}}, nil
	}
	return nil, fmt.Errorf("%w: payout state %q", ErrInvalidCommand, r.State)
}

func decideAbandon(s State, c AbandonPayout, now time.Time) ([]command.Event, error) {
	if s.Status == StatusPayoutFailed {
		return nil, nil
	}
	if s.Status != StatusPayoutRetry {
		return nil, transition(s, "abandoning the payout")
	}
	if c.Reason == "" {
		return nil, fmt.Errorf("%w: missing reason", ErrInvalidCommand)
	}
	a, _ := s.CurrentAttempt()
	return []command.Event{PayoutFailed{TransferID: s.ID, Attempt: a.Number, Reference: a.Reference, Code: "attempts_exhausted", Reason: c.Reason, Retryable: false, At: now}}, nil
}

func decideIssueCode(s State, c IssuePickupCode, now time.Time) ([]command.Event, error) {
	if s.Recipient.Method != CashPickup {
		return nil, fmt.Errorf("%w: %s transfer has no pickup code", ErrWrongPayoutMethod, s.Recipient.Method)
	}
	if len(c.Code) < 8 {
		return nil, fmt.Errorf("%w: a pickup code needs at least 8 characters", ErrInvalidCommand)
	}
	hash := HashPickupCode(s.ID, c.Code)
	if s.Pickup != nil {
		if s.Pickup.CodeHash == hash {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: pickup code already issued", ErrInvalidTransition)
	}
	if s.Status != StatusFunded {
		return nil, transition(s, "pickup code")
	}
	if !c.ExpiresAt.After(now) {
		return nil, fmt.Errorf("%w: pickup expiry must be in the future", ErrInvalidCommand)
	}
	return []command.Event{PickupCodeIssued{TransferID: s.ID, CodeHash: hash, ExpiresAt: c.ExpiresAt.UTC(), At: now}}, nil
}

// errWrongCode is checkPickup's signal that the code did not match; the
// attempt is then recorded rather than refused.
var errWrongCode = ErrInvalidPickupCode

// rejectCode records a wrong pickup code.
func rejectCode(s State, agentID string, now time.Time) []command.Event {
	return []command.Event{PickupCodeRejected{TransferID: s.ID, AgentID: agentID, Failures: s.Pickup.Failures + 1, At: now}}
}

// checkPickup verifies the code and that the pickup is collectable.
func checkPickup(s State, agentID, code string, now time.Time) error {
	if s.Recipient.Method != CashPickup {
		return fmt.Errorf("%w: %s transfer is not a cash pickup", ErrWrongPayoutMethod, s.Recipient.Method)
	}
	if agentID == "" {
		return fmt.Errorf("%w: missing agent", ErrInvalidCommand)
	}
	if s.Paid != nil {
		return fmt.Errorf("%w: transfer %s", ErrAlreadyPaid, s.ID)
	}
	if s.Pickup == nil || s.Status != StatusPickupReady {
		if s.Status == StatusPickupExpired {
			return fmt.Errorf("%w: transfer %s", ErrPickupExpired, s.ID)
		}
		return transition(s, "cash pickup")
	}
	if s.Pickup.Failures >= MaxPickupCodeFailures {
		return fmt.Errorf("%w: %d wrong codes", ErrPickupBlocked, s.Pickup.Failures)
	}
	if HashPickupCode(s.ID, code) != s.Pickup.CodeHash {
		return errWrongCode
	}
	if !now.Before(s.Pickup.ExpiresAt) {
		return fmt.Errorf("%w: at %s", ErrPickupExpired, s.Pickup.ExpiresAt.Format(time.RFC3339))
	}
	return nil
}

func decideLock(s State, c LockPickup, now time.Time) ([]command.Event, error) {
	if err := checkPickup(s, c.AgentID, c.Code, now); err == errWrongCode {
		return rejectCode(s, c.AgentID, now), nil
	} else if err != nil {
		return nil, err
	}
	p := s.Pickup
	if p.LockedBy != "" && p.LockedBy != c.AgentID && now.Before(p.LockedUntil) {
		return nil, fmt.Errorf("%w: until %s", ErrPickupLocked, p.LockedUntil.Format(time.RFC3339))
	}
	return []command.Event{PickupLocked{TransferID: s.ID, AgentID: c.AgentID, Until: now.Add(LockDuration), At: now}}, nil
}

func decidePayPickup(s State, c PayPickup, now time.Time) ([]command.Event, error) {
	if s.Paid != nil && s.Paid.AgentID == c.AgentID && s.Paid.IDNumberHash == HashIDNumber(s.ID, c.IDType, c.IDNumber) &&
		s.Pickup != nil && s.Pickup.CodeHash == HashPickupCode(s.ID, c.Code) {
		return nil, nil // the same payment, recorded already
	}
	if err := checkPickup(s, c.AgentID, c.Code, now); err == errWrongCode {
		return rejectCode(s, c.AgentID, now), nil
	} else if err != nil {
		return nil, err
	}
	if c.IDType == "" || c.IDNumber == "" {
		return nil, fmt.Errorf("%w: the recipient's identity document is required", ErrInvalidCommand)
	}
	p := s.Pickup
	if p.LockedBy != c.AgentID || !now.Before(p.LockedUntil) {
		return nil, ErrPickupNotLocked
	}
	return []command.Event{PaidOut{
		TransferID: s.ID, Method: CashPickup, AgentID: c.AgentID, IDType: c.IDType,
		IDNumberHash: HashIDNumber(s.ID, c.IDType, c.IDNumber), Amount: s.Quote.Receive, At: now,
	}}, nil
}

func decideExpirePickup(s State, now time.Time) ([]command.Event, error) {
	if s.Status == StatusPickupExpired {
		return nil, nil
	}
	if s.Status != StatusPickupReady || s.Pickup == nil {
		return nil, transition(s, "pickup expiry")
	}
	if now.Before(s.Pickup.ExpiresAt) || (s.Pickup.LockedBy != "" && now.Before(s.Pickup.LockedUntil)) {
		return nil, fmt.Errorf("%w: expires at %s", ErrPickupNotExpired, s.Pickup.ExpiresAt.Format(time.RFC3339))
	}
	return []command.Event{PickupExpired{TransferID: s.ID, At: now}}, nil
}

func decideComplete(s State, now time.Time) ([]command.Event, error) {
	switch s.Status {
	case StatusCompleted:
		return nil, nil
	case StatusPaidOut:
		return []command.Event{Completed{TransferID: s.ID, Receive: s.Paid.Amount, At: now}}, nil
	}
	return nil, transition(s, "completion")
}

func decideRefund(s State, c RecordRefund, now time.Time) ([]command.Event, error) {
	if s.Refunded {
		if s.RefundAmount.Equal(c.Amount) {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: refunded %s, not %s", ErrInvalidTransition, s.RefundAmount, c.Amount)
	}
	if !s.NeedsRefund() {
		return nil, transition(s, "refund")
	}
	if !c.Amount.Equal(s.FundedAmount) {
		return nil, fmt.Errorf("%w: refund %s is not the funded %s", ErrInvalidCommand, c.Amount, s.FundedAmount)
	}
	return []command.Event{Refunded{TransferID: s.ID, Amount: c.Amount, At: now}}, nil
}
