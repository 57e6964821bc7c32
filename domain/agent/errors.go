package agent

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
	// Code is a stable machine-readable name, e.g. "agent.inactive".
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

// Errors returned by Decide and CanPayOut.
var (
	// ErrInvalidCommand means a command is malformed: missing command ID,
	// actor, agent, partner, transfer or reference, a non-positive amount, an
	// unknown currency or country, a reason left out.
	ErrInvalidCommand = newError("agent.invalid_command", KindInvalid, "agent: invalid command")
	// ErrAgentExists means the agent ID was registered with other details.
	ErrAgentExists = newError("agent.exists", KindConflict, "agent: already registered")
	// ErrAgentNotFound means the agent was never registered.
	ErrAgentNotFound = newError("agent.not_found", KindNotFound, "agent: not found")
	// ErrAgentInactive means the agent is suspended and may not pay out.
	ErrAgentInactive = newError("agent.inactive", KindRefused, "agent: suspended")
	// ErrCurrency means an amount is not in the agent's currency.
	ErrCurrency = newError("agent.currency", KindInvalid, "agent: amount not in the agent's currency")
	// ErrPayoutLimit means a cash payout exceeds the agent's single or 24-hour cash limit.
	ErrPayoutLimit = newError("agent.payout_limit", KindRefused, "agent: cash payout limit exceeded")
	// ErrPayoutConflict means the transfer was paid before with another amount.
	ErrPayoutConflict = newError("agent.payout_conflict", KindConflict, "agent: transfer already paid with another amount")
	// ErrPayoutNotFound means commission was claimed for a transfer this agent did not pay.
	ErrPayoutNotFound = newError("agent.payout_not_found", KindNotFound, "agent: no cash payout for transfer")
	// ErrDuplicateReference means a top-up, commission or settlement reference
	// was reused with other content.
	ErrDuplicateReference = newError("agent.duplicate_reference", KindConflict, "agent: reference already used differently")
	// ErrInsufficientFloat means a settlement asks for more than the agent's float.
	ErrInsufficientFloat = newError("agent.insufficient_float", KindRefused, "agent: insufficient float")
	// ErrInsufficientCommission means a settlement asks for more commission than is owed.
	ErrInsufficientCommission = newError("agent.insufficient_commission", KindRefused, "agent: insufficient commission")
)
