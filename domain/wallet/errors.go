package wallet

import "github.com/remitflow/remitflow/domain/domainerr"

// Errors returned by Decide.
// Each is a *domainerr.Error, wrapped with detail where returned: test
// with errors.Is.
var (
	// ErrInvalidCommand means a command is malformed: missing command ID,
	// actor or transfer ID, a non-positive amount, an unknown currency.
	ErrInvalidCommand = domainerr.New("wallet.invalid_command", domainerr.Invalid, "wallet: invalid command")
	// ErrWalletMismatch means the command names another customer than the wallet's.
	ErrWalletMismatch = domainerr.New("wallet.customer_mismatch", domainerr.Invalid, "wallet: command is for another customer's wallet")
	// ErrDuplicateFunding means a funding reference was reused with another amount.
	ErrDuplicateFunding = domainerr.New("wallet.duplicate_funding", domainerr.Conflict, "wallet: funding reference already used for another amount")
	// ErrInsufficientFunds means available plus credit headroom does not cover the amount.
	ErrInsufficientFunds = domainerr.New("wallet.insufficient_funds", domainerr.Refused, "wallet: insufficient funds")
	// ErrCreditFrozen means credit cannot be drawn while an installment is overdue.
	ErrCreditFrozen = domainerr.New("wallet.credit_frozen", domainerr.Refused, "wallet: credit line frozen by an overdue installment")
	// ErrReservationNotFound means no reservation exists for the transfer.
	ErrReservationNotFound = domainerr.New("wallet.reservation_not_found", domainerr.NotFound, "wallet: no reservation for transfer")
	// ErrReservationConflict means a transfer was reserved before with other content.
	ErrReservationConflict = domainerr.New("wallet.reservation_conflict", domainerr.Conflict, "wallet: transfer already has a different reservation")
	// ErrReservationClosed means the reservation was already released or settled differently.
	ErrReservationClosed = domainerr.New("wallet.reservation_closed", domainerr.Conflict, "wallet: reservation already closed")
	// ErrInvalidSettlement means settlement postings do not balance or do not
	// debit exactly the reserved amount.
	ErrInvalidSettlement = domainerr.New("wallet.invalid_settlement", domainerr.Invalid, "wallet: invalid settlement postings")
	// ErrNoCreditLine means the wallet has no approved credit line.
	ErrNoCreditLine = domainerr.New("wallet.no_credit_line", domainerr.Refused, "wallet: no credit line")
	// ErrCreditCurrency means a credit operation used another currency than the line's.
	ErrCreditCurrency = domainerr.New("wallet.credit_currency", domainerr.Invalid, "wallet: credit line is in another currency")
	// ErrCreditLimitBelowDrawn means a new limit would be below the drawn amount.
	ErrCreditLimitBelowDrawn = domainerr.New("wallet.credit_limit_below_drawn", domainerr.Refused, "wallet: credit limit below drawn amount")
	// ErrOverRepayment means a repayment exceeds what is drawn.
	ErrOverRepayment = domainerr.New("wallet.over_repayment", domainerr.Refused, "wallet: repayment exceeds drawn credit")
	// ErrNothingDrawn means an installment plan was asked for with nothing drawn.
	ErrNothingDrawn = domainerr.New("wallet.nothing_drawn", domainerr.Refused, "wallet: no credit drawn")
	// ErrPlanExists means an installment plan is still open.
	ErrPlanExists = domainerr.New("wallet.plan_exists", domainerr.Conflict, "wallet: an installment plan is open")
)
