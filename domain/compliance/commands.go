package compliance

import "github.com/remitflow/remitflow/domain/money"

// Meta identifies a command and who issued it. Every command embeds it.
type Meta struct {
	// ID is the command ID (the same as command.CommandMeta.CommandID).
	ID string
	// Actor names who asks: "staff:alice", "system:transfer-process".
	Actor string
}

// CommandID returns the command ID.
func (m Meta) CommandID() string { return m.ID }

// CommandActor returns the actor.
func (m Meta) CommandActor() string { return m.Actor }

// Command is a request to the compliance aggregate: RecordScreening,
// OpenCase, DecideCase, ClearFalsePositive or RecordTransfer.
type Command interface {
	CommandID() string
	CommandActor() string
	// Subject is the person whose stream the command addresses.
	Subject() string
	complianceCommand()
}

// RecordScreening records a sanctions screening of the subject.
type RecordScreening struct {
	Meta
	SubjectID   string
	ScreeningID string
	// TransferID is the transfer screened for; empty for a screening at
	// registration or a re-screening on a new list version.
	TransferID string
	Role       Role
	// ListVersion identifies the list screened against (its content hash).
	ListVersion string
	// Threshold is the score at or above which a hit holds, in (0, 1].
	Threshold float64
	// BestScore is the highest score of any name, hit or not, in [0, 1].
	BestScore float64
	Hits      []Hit
}

// OpenCase opens a case for review outside a screening: a transfer held
// for its limit rules, or referred by staff. Screening hits open their case
// through RecordScreening.
type OpenCase struct {
	Meta
	SubjectID  string
	CaseID     string
	TransferID string
	// Hits, Rules and Reason say why; at least one is required.
	Hits   []Hit
	Rules  []RuleOutcome
	Reason string
}

// DecideCase records a reviewer's decision on an open case.
type DecideCase struct {
	Meta
	SubjectID string
	CaseID    string
	Decision  Decision
	// Staff names the staff member who decided, e.g. "alice@remitflow.example".
	Staff  string
	Reason string
	// ClearHits, on a release, also clears every hit of the case as a false
	// positive for this subject.
	ClearHits bool
}

// ClearFalsePositive clears one (subject, list entry) pair.
type ClearFalsePositive struct {
	Meta
	SubjectID string
	EntryID   string
	EntryHash string
	EntryName string
	Staff     string
	Reason    string
}

// RecordTransfer checks a new transfer against the subject's tier limits
// and records it.
type RecordTransfer struct {
	Meta
	SubjectID  string
	TransferID string
	// Amount is the transfer's send amount in USD-equivalent.
	Amount money.Amount
	Limits Limits
}

// Subject implements Command.
func (c RecordScreening) Subject() string { return c.SubjectID }

// Subject implements Command.
func (c OpenCase) Subject() string { return c.SubjectID }

// Subject implements Command.
func (c DecideCase) Subject() string { return c.SubjectID }

// Subject implements Command.
func (c ClearFalsePositive) Subject() string { return c.SubjectID }

// Subject implements Command.
func (c RecordTransfer) Subject() string { return c.SubjectID }

func (RecordScreening) complianceCommand()    {}
func (OpenCase) complianceCommand()           {}
func (DecideCase) complianceCommand()         {}
func (ClearFalsePositive) complianceCommand() {}
func (RecordTransfer) complianceCommand()     {}
