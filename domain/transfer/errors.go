package transfer

// Kind classifies a domain error so the HTTP edge can map it without knowing
// every error: "invalid" (malformed command, 422), "not_found" (404),
// "conflict" (clashes with what already happened, 409) and "refused" (a
// business rule says no, 422).
type Kind string

// Error kinds.
const (
	KindInvalid  Kind = "invalid"
	KindNotFound Kind = "not_found"
	KindConflict Kind = "conflict"
	KindRefused  Kind = "refused"
)

// Error is a named domain error. Decide wraps these sentinels with detail;
// test with errors.Is, or errors.As an interface{ ErrorKind() string } to map
// by kind.
type Error struct {
	// Code is a stable machine-readable name, e.g. "transfer.quote_expired".
	Code string
	// Kind classifies the error.
	Kind Kind
	msg  string
}

// Error returns the message.
func (e *Error) Error() string { return e.msg }

// ErrorCode returns the stable code.
func (e *Error) ErrorCode() string { return e.Code }

// ErrorKind returns the kind as a string.
func (e *Error) ErrorKind() string { return string(e.Kind) }

func newError(code string, kind Kind, msg string) *Error {
	return &Error{Code: code, Kind: kind, msg: msg}
}

// Errors returned by Decide and by the transfer services.
var (
	// ErrInvalidCommand means a command is malformed: missing IDs, actor,
	// reference or reason, bad amounts, inconsistent quote terms.
	ErrInvalidCommand = newError("transfer.invalid_command", KindInvalid, "transfer: invalid command")
	// ErrInvalidRecipient means the recipient or its payout method is malformed.
	ErrInvalidRecipient = newError("transfer.invalid_recipient", KindInvalid, "transfer: invalid recipient")
	// ErrUnsupportedCorridor means the recipient's country, payout currency
	// and provider do not form a corridor the platform pays out in.
	ErrUnsupportedCorridor = newError("transfer.unsupported_corridor", KindRefused, "transfer: unsupported corridor")
	// ErrTransferNotFound means no transfer has that ID.
	ErrTransferNotFound = newError("transfer.not_found", KindNotFound, "transfer: not found")
	// ErrDuplicateRequest means the transfer ID (or idempotency reference) was
	// already used for a different request.
	ErrDuplicateRequest = newError("transfer.duplicate_request", KindConflict, "transfer: duplicate request with different content")
	// ErrQuoteExpired means the quote's expiry has passed.
	ErrQuoteExpired = newError("transfer.quote_expired", KindRefused, "transfer: quote expired")
	// ErrQuoteNotExpired means Expire was asked before the quote's expiry.
	ErrQuoteNotExpired = newError("transfer.quote_not_expired", KindConflict, "transfer: quote has not expired")
	// ErrCancelNotAllowed means the transfer can no longer be cancelled: a
	// payout was submitted or a pickup code issued, or it is closed.
	ErrCancelNotAllowed = newError("transfer.cancel_not_allowed", KindConflict, "transfer: cancel not allowed after payout submission")
	// ErrInvalidTransition means the command does not apply in the
	// transfer's current status.
	ErrInvalidTransition = newError("transfer.invalid_transition", KindConflict, "transfer: not allowed in the current status")
	// ErrAlreadyPaid means the transfer was already paid out.
	ErrAlreadyPaid = newError("transfer.already_paid", KindConflict, "transfer: already paid out")
	// ErrUnknownPayoutReference means a payout result names no attempt of
	// this transfer.
	ErrUnknownPayoutReference = newError("transfer.unknown_payout_reference", KindNotFound, "transfer: unknown payout reference")
	// ErrPayoutAmountMismatch means a partner reported paying an amount other
	// than the quote's receive amount.
	ErrPayoutAmountMismatch = newError("transfer.payout_amount_mismatch", KindRefused, "transfer: payout amount does not match the quote")
	// ErrWrongPayoutMethod means a mobile payout step was asked of a cash
	// pickup transfer, or the reverse.
	ErrWrongPayoutMethod = newError("transfer.wrong_payout_method", KindConflict, "transfer: wrong payout method")
	// ErrInvalidPickupCode means the pickup code does not match.
	ErrInvalidPickupCode = newError("transfer.invalid_pickup_code", KindRefused, "transfer: invalid pickup code")
	// ErrPickupBlocked means too many wrong codes were entered for the
	// pickup; it can no longer be collected and is refunded at its expiry.
	ErrPickupBlocked = newError("transfer.pickup_blocked", KindRefused, "transfer: pickup blocked after too many wrong codes")
	// ErrPickupLocked means another agent holds the pickup lock.
	ErrPickupLocked = newError("transfer.pickup_locked", KindConflict, "transfer: pickup locked by another agent")
	// ErrPickupNotLocked means the agent paying does not hold a current lock.
	ErrPickupNotLocked = newError("transfer.pickup_not_locked", KindConflict, "transfer: pickup not locked by this agent")
	// ErrPickupExpired means the pickup's collection period has ended.
	ErrPickupExpired = newError("transfer.pickup_expired", KindRefused, "transfer: pickup expired")
	// ErrPickupNotExpired means ExpirePickup was asked before the expiry or
	// while an agent holds the lock.
	ErrPickupNotExpired = newError("transfer.pickup_not_expired", KindConflict, "transfer: pickup has not expired")
)
