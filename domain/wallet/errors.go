package wallet

// Kind classifies a domain error so the HTTP edge can map it without knowing
// every error: "invalid" (malformed command), "not_found", "conflict" (clashes
// with what already happened) and "refused" (a business rule says no).
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
	// Code is a stable machine-readable name, e.g. "wallet.insufficient_funds".
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

// Errors returned by Decide.
var (
	// ErrInvalidCommand means a command is malformed: missing command ID,
	// actor or transfer ID, a non-positive amount, an unknown currency.
	ErrInvalidCommand = newError("wallet.invalid_command", KindInvalid, "wallet: invalid command")
	// ErrWalletMismatch means the command names another customer than the wallet's.
	ErrWalletMismatch = newError("wallet.customer_mismatch", KindInvalid, "wallet: command is for another customer's wallet")
	// ErrDuplicateFunding means a funding reference was reused with another amount.
	ErrDuplicateFunding = newError("wallet.duplicate_funding", KindConflict, "wallet: funding reference already used for another amount")
	// ErrInsufficientFunds means available plus credit headroom does not cover the amount.
	ErrInsufficientFunds = newError("wallet.insufficient_funds", KindRefused, "wallet: insufficient funds")
	// ErrCreditFrozen means credit cannot be drawn while an installment is overdue.
	ErrCreditFrozen = newError("wallet.credit_frozen", KindRefused, "wallet: credit line frozen by an overdue installment")
	// ErrReservationNotFound means no reservation exists for the transfer.
	ErrReservationNotFound = newError("wallet.reservation_not_found", KindNotFound, "wallet: no reservation for transfer")
	// ErrReservationConflict means a transfer was reserved before with other content.
	ErrReservationConflict = newError("wallet.reservation_conflict", KindConflict, "wallet: transfer already has a different reservation")
	// ErrReservationClosed means the reservation was already released or settled differently.
	ErrReservationClosed = newError("wallet.reservation_closed", KindConflict, "wallet: reservation already closed")
	// ErrInvalidSettlement means settlement postings do not balance or do not
	// debit exactly the reserved amount.
	ErrInvalidSettlement = newError("wallet.invalid_settlement", KindInvalid, "wallet: invalid settlement postings")
	// ErrNoCreditLine means the wallet has no approved credit line.
	ErrNoCreditLine = newError("wallet.no_credit_line", KindRefused, "wallet: no credit line")
	// ErrCreditCurrency means a credit operation used another currency than the line's.
	ErrCreditCurrency = newError("wallet.credit_currency", KindInvalid, "wallet: credit line is in another currency")
	// ErrCreditLimitBelowDrawn means a new limit would be below the drawn amount.
	ErrCreditLimitBelowDrawn = newError("wallet.credit_limit_below_drawn", KindRefused, "wallet: credit limit below drawn amount")
	// ErrOverRepayment means a repayment exceeds what is drawn.
	ErrOverRepayment = newError("wallet.over_repayment", KindRefused, "wallet: repayment exceeds drawn credit")
	// ErrNothingDrawn means an installment plan was asked for with nothing drawn.
	ErrNothingDrawn = newError("wallet.nothing_drawn", KindRefused, "wallet: no credit drawn")
	// ErrPlanExists means an installment plan is still open.
	ErrPlanExists = newError("wallet.plan_exists", KindConflict, "wallet: an installment plan is open")
)
