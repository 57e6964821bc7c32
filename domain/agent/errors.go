package agent

import "github.com/remitflow/remitflow/domain/domainerr"

// Errors returned by Decide and CanPayOut.
// Each is a *domainerr.Error, wrapped with detail where returned: test
// with errors.Is.
var (
	// ErrInvalidCommand means a command is malformed: missing command ID,
	// actor, agent, partner, transfer or reference, a non-positive amount, an
	// unknown currency or country, a reason left out.
	ErrInvalidCommand = domainerr.New("agent.invalid_command", domainerr.Invalid, "agent: invalid command")
	// ErrAgentExists means the agent ID was registered with other details.
	ErrAgentExists = domainerr.New("agent.exists", domainerr.Conflict, "agent: already registered")
	// ErrAgentNotFound means the agent was never registered.
	ErrAgentNotFound = domainerr.New("agent.not_found", domainerr.NotFound, "agent: not found")
	// ErrAgentInactive means the agent is suspended and may not pay out.
	ErrAgentInactive = domainerr.New("agent.inactive", domainerr.Refused, "agent: suspended")
	// ErrCurrency means an amount is not in the agent's currency.
	ErrCurrency = domainerr.New("agent.currency", domainerr.Invalid, "agent: amount not in the agent's currency")
	// ErrPayoutLimit means a cash payout exceeds the agent's single or 24-hour cash limit.
	ErrPayoutLimit = domainerr.New("agent.payout_limit", domainerr.Refused, "agent: cash payout limit exceeded")
	// ErrPayoutConflict means the transfer was paid before with another amount.
	ErrPayoutConflict = domainerr.New("agent.payout_conflict", domainerr.Conflict, "agent: transfer already paid with another amount")
	// ErrPayoutNotFound means commission was claimed for a transfer this agent did not pay.
	ErrPayoutNotFound = domainerr.New("agent.payout_not_found", domainerr.NotFound, "agent: no cash payout for transfer")
	// ErrDuplicateReference means a top-up, commission or settlement reference
	// was reused with other content.
	ErrDuplicateReference = domainerr.New("agent.duplicate_reference", domainerr.Conflict, "agent: reference already used differently")
	// ErrInsufficientFloat means a settlement asks for more than the agent's float.
	ErrInsufficientFloat = domainerr.New("agent.insufficient_float", domainerr.Refused, "agent: insufficient float")
	// ErrInsufficientCommission means a settlement asks for more commission than is owed.
	ErrInsufficientCommission = domainerr.New("agent.insufficient_commission", domainerr.Refused, "agent: insufficient commission")
)
