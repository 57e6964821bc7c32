package compliance

import "github.com/remitflow/remitflow/domain/domainerr"

// Errors returned by Decide.
// Each is a *domainerr.Error, wrapped with detail where returned: test
// with errors.Is.
var (
	// ErrInvalidCommand means a command is malformed: missing command ID,
	// actor, subject, screening, case, transfer or entry ID, a score or
	// threshold outside [0, 1], an unknown decision, limits or an amount not
	// in USD.
	ErrInvalidCommand = domainerr.New("compliance.invalid_command", domainerr.Invalid, "compliance: invalid command")
	// ErrStaffRequired means a decision or clearance names no staff member.
	ErrStaffRequired = domainerr.New("compliance.staff_required", domainerr.Invalid, "compliance: a named staff member is required")
	// ErrReasonRequired means a decision or clearance gives no reason.
	ErrReasonRequired = domainerr.New("compliance.reason_required", domainerr.Invalid, "compliance: a reason is required")
	// ErrDuplicateScreening means a screening ID was recorded with other content.
	ErrDuplicateScreening = domainerr.New("compliance.duplicate_screening", domainerr.Conflict, "compliance: screening already recorded differently")
	// ErrDuplicateTransfer means a transfer was recorded with another amount.
	ErrDuplicateTransfer = domainerr.New("compliance.duplicate_transfer", domainerr.Conflict, "compliance: transfer already recorded differently")
	// ErrCaseExists means a case ID was opened before with other content.
	ErrCaseExists = domainerr.New("compliance.case_exists", domainerr.Conflict, "compliance: case already opened")
	// ErrCaseNotFound means no case has the ID.
	ErrCaseNotFound = domainerr.New("compliance.case_not_found", domainerr.NotFound, "compliance: case not found")
	// ErrCaseClosed means the case was already decided.
	ErrCaseClosed = domainerr.New("compliance.case_closed", domainerr.Conflict, "compliance: case already decided")
	// ErrTierLimitExceeded means a transfer breaks a tier's single, 24-hour or
	// 30-day amount limit. The error is a *LimitError listing the rule outcomes.
	ErrTierLimitExceeded = domainerr.New("compliance.tier_limit_exceeded", domainerr.Refused, "compliance: tier limit exceeded")
	// ErrVelocityExceeded means a transfer breaks a tier's count of transfers
	// per 24 hours. The error is a *LimitError listing the rule outcomes.
	ErrVelocityExceeded = domainerr.New("compliance.velocity_exceeded", domainerr.Refused, "compliance: too many transfers in 24 hours")
)
