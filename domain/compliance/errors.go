package compliance

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
	// Code is a stable machine-readable name, e.g. "compliance.case_closed".
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
	// actor, subject, screening, case, transfer or entry ID, a score or
	// threshold outside [0, 1], an unknown decision, limits or an amount not
	// in USD.
	ErrInvalidCommand = newError("compliance.invalid_command", KindInvalid, "compliance: invalid command")
	// ErrStaffRequired means a decision or clearance names no staff member.
	ErrStaffRequired = newError("compliance.staff_required", KindInvalid, "compliance: a named staff member is required")
	// ErrReasonRequired means a decision or clearance gives no reason.
	ErrReasonRequired = newError("compliance.reason_required", KindInvalid, "compliance: a reason is required")
	// ErrDuplicateScreening means a screening ID was recorded with other content.
	ErrDuplicateScreening = newError("compliance.duplicate_screening", KindConflict, "compliance: screening already recorded differently")
	// ErrDuplicateTransfer means a transfer was recorded with another amount.
	ErrDuplicateTransfer = newError("compliance.duplicate_transfer", KindConflict, "compliance: transfer already recorded differently")
	// ErrCaseExists means a case ID was opened before with other content.
	ErrCaseExists = newError("compliance.case_exists", KindConflict, "compliance: case already opened")
	// ErrCaseNotFound means no case has the ID.
	ErrCaseNotFound = newError("compliance.case_not_found", KindNotFound, "compliance: case not found")
	// ErrCaseClosed means the case was already decided.
	ErrCaseClosed = newError("compliance.case_closed", KindConflict, "compliance: case already decided")
	// ErrTierLimitExceeded means a transfer breaks a tier's single, 24-hour or
	// 30-day amount limit. The error is a *LimitError listing the rule outcomes.
	ErrTierLimitExceeded = newError("compliance.tier_limit_exceeded", KindRefused, "compliance: tier limit exceeded")
	// ErrVelocityExceeded means a transfer breaks a tier's count of transfers
	// per 24 hours. The error is a *LimitError listing the rule outcomes.
	ErrVelocityExceeded = newError("compliance.velocity_exceeded", KindRefused, "compliance: too many transfers in 24 hours")
)
