package compliance

import (
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/money"
)

// Event types of the compliance aggregate.
const (
	TypeScreeningRecorded    = "compliance.screening_recorded.v1"
	TypeCaseOpened           = "compliance.case_opened.v1"
	TypeCaseDecided          = "compliance.case_decided.v1"
	TypeFalsePositiveCleared = "compliance.false_positive_cleared.v1"
	TypeTransferRecorded     = "compliance.transfer_recorded.v1"
)

// ScreeningRecorded records a screening result.
type ScreeningRecorded struct {
	SubjectID   string    `json:"subject_id"`
	ScreeningID string    `json:"screening_id"`
	TransferID  string    `json:"transfer_id,omitempty"`
	Role        Role      `json:"role"`
	ListVersion string    `json:"list_version"`
	Threshold   float64   `json:"threshold"`
	BestScore   float64   `json:"best_score"`
	Hits        []Hit     `json:"hits"`
	Outcome     Outcome   `json:"outcome"`
	CaseID      string    `json:"case_id,omitempty"`
	At          time.Time `json:"at"`
}

// CaseOpened records a case opened on screening hits that hold (ScreeningID
// set) or by OpenCase (Rules and Reason say why).
type CaseOpened struct {
	SubjectID   string        `json:"subject_id"`
	CaseID      string        `json:"case_id"`
	ScreeningID string        `json:"screening_id,omitempty"`
	TransferID  string        `json:"transfer_id,omitempty"`
	Hits        []Hit         `json:"hits"`
	Rules       []RuleOutcome `json:"rules,omitempty"`
	Reason      string        `json:"reason,omitempty"`
	At          time.Time     `json:"at"`
}

// CaseDecided records a reviewer's decision.
type CaseDecided struct {
	SubjectID  string    `json:"subject_id"`
	CaseID     string    `json:"case_id"`
	TransferID string    `json:"transfer_id,omitempty"`
	Decision   Decision  `json:"decision"`
	Staff      string    `json:"staff"`
	Reason     string    `json:"reason"`
	At         time.Time `json:"at"`
}

// FalsePositiveCleared records that a list entry is not this subject, for
// the entry's content at EntryHash.
type FalsePositiveCleared struct {
	SubjectID string    `json:"subject_id"`
	EntryID   string    `json:"entry_id"`
	EntryHash string    `json:"entry_hash"`
	EntryName string    `json:"entry_name,omitempty"`
	CaseID    string    `json:"case_id,omitempty"`
	Staff     string    `json:"staff"`
	Reason    string    `json:"reason"`
	At        time.Time `json:"at"`
}

// TransferRecorded records a transfer counted against the subject's limits.
type TransferRecorded struct {
	SubjectID  string        `json:"subject_id"`
	TransferID string        `json:"transfer_id"`
	Amount     money.Amount  `json:"amount"`
	Tier       int           `json:"tier"`
	Outcomes   []RuleOutcome `json:"outcomes"`
	At         time.Time     `json:"at"`
}

// EventType implements command.Event.
func (ScreeningRecorded) EventType() string { return TypeScreeningRecorded }

// EventType implements command.Event.
func (CaseOpened) EventType() string { return TypeCaseOpened }

// EventType implements command.Event.
func (CaseDecided) EventType() string { return TypeCaseDecided }

// EventType implements command.Event.
func (FalsePositiveCleared) EventType() string { return TypeFalsePositiveCleared }

// EventType implements command.Event.
func (TransferRecorded) EventType() string { return TypeTransferRecorded }

// Decode turns a stored compliance event back into its typed value.
func Decode(eventType string, data []byte) (command.Event, error) {
	return decodeEvent(eventType, data)
}

// decodeEvent decodes the compliance event types.
var decodeEvent = command.NewDecoder("compliance",
	ScreeningRecorded{}, CaseOpened{}, CaseDecided{}, FalsePositiveCleared{},
	TransferRecorded{},
)
