package transfer

import "github.com/remitflow/remitflow/domain/domainerr"

// Errors returned by Decide and by the transfer services.
// Each is a *domainerr.Error, wrapped with detail where returned: test
// with errors.Is.
var (
	// ErrInvalidCommand means a command is malformed: missing IDs, actor,
	// reference or reason, bad amounts, inconsistent quote terms.
	ErrInvalidCommand = domainerr.New("transfer.invalid_command", domainerr.Invalid, "transfer: invalid command")
	// ErrInvalidRecipient means the recipient or its payout method is malformed.
	ErrInvalidRecipient = domainerr.New("transfer.invalid_recipient", domainerr.Invalid, "transfer: invalid recipient")
	// ErrUnsupportedCorridor means the recipient's country, payout currency
	// and provider do not form a corridor the platform pays out in.
	ErrUnsupportedCorridor = domainerr.New("transfer.unsupported_corridor", domainerr.Refused, "transfer: unsupported corridor")
	// ErrTransferNotFound means no transfer has that ID.
	ErrTransferNotFound = domainerr.New("transfer.not_found", domainerr.NotFound, "transfer: not found")
	// ErrDuplicateRequest means the transfer ID (or idempotency reference) was
	// already used for a different request.
	ErrDuplicateRequest = domainerr.New("transfer.duplicate_request", domainerr.Conflict, "transfer: duplicate request with different content")
	// ErrQuoteExpired means the quote's expiry has passed.
	ErrQuoteExpired = domainerr.New("transfer.quote_expired", domainerr.Refused, "transfer: quote expired")
	// ErrQuoteNotExpired means Expire was asked before the quote's expiry.
	ErrQuoteNotExpired = domainerr.New("transfer.quote_not_expired", domainerr.Conflict, "transfer: quote has not expired")
	// ErrCancelNotAllowed means the transfer can no longer be cancelled: a
	// payout was submitted or a pickup code issued, or it is closed.
	ErrCancelNotAllowed = domainerr.New("transfer.cancel_not_allowed", domainerr.Conflict, "transfer: cancel not allowed after payout submission")
	// ErrInvalidTransition means the command does not apply in the
	// transfer's current status.
	ErrInvalidTransition = domainerr.New("transfer.invalid_transition", domainerr.Conflict, "transfer: not allowed in the current status")
	// ErrAlreadyPaid means the transfer was already paid out.
	ErrAlreadyPaid = domainerr.New("transfer.already_paid", domainerr.Conflict, "transfer: already paid out")
	// ErrUnknownPayoutReference means a payout result names no attempt of
	// this transfer.
	ErrUnknownPayoutReference = domainerr.New("transfer.unknown_payout_reference", domainerr.NotFound, "transfer: unknown payout reference")
	// ErrPayoutAmountMismatch means a partner reported paying an amount other
	// than the quote's receive amount.
	ErrPayoutAmountMismatch = domainerr.New("transfer.payout_amount_mismatch", domainerr.Refused, "transfer: payout amount does not match the quote")
	// ErrWrongPayoutMethod means a mobile payout step was asked of a cash
	// pickup transfer, or the reverse.
	ErrWrongPayoutMethod = domainerr.New("transfer.wrong_payout_method", domainerr.Conflict, "transfer: wrong payout method")
	// ErrInvalidPickupCode means the pickup code does not match.
	ErrInvalidPickupCode = domainerr.New("transfer.invalid_pickup_code", domainerr.Refused, "transfer: invalid pickup code")
	// ErrPickupBlocked means too many wrong codes were entered for the
	// pickup; it can no longer be collected and is refunded at its expiry.
	ErrPickupBlocked = domainerr.New("transfer.pickup_blocked", domainerr.Refused, "transfer: pickup blocked after too many wrong codes")
	// ErrPickupLocked means another agent holds the pickup lock.
	ErrPickupLocked = domainerr.New("transfer.pickup_locked", domainerr.Conflict, "transfer: pickup locked by another agent")
	// ErrPickupNotLocked means the agent paying does not hold a current lock.
	ErrPickupNotLocked = domainerr.New("transfer.pickup_not_locked", domainerr.Conflict, "transfer: pickup not locked by this agent")
	// ErrPickupExpired means the pickup's collection period has ended.
	ErrPickupExpired = domainerr.New("transfer.pickup_expired", domainerr.Refused, "transfer: pickup expired")
	// ErrPickupNotExpired means ExpirePickup was asked before the expiry or
	// while an agent holds the lock.
	ErrPickupNotExpired = domainerr.New("transfer.pickup_not_expired", domainerr.Conflict, "transfer: pickup has not expired")
)
