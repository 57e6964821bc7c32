package compliance

import (
	"maps"
	"slices"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/money"
)

// CaseStatus is where a case stands.
type CaseStatus string

// Case statuses.
const (
	CaseOpen     CaseStatus = "open"
	CaseReleased CaseStatus = "released"
	CaseRejected CaseStatus = "rejected"
)

// Case is a held transfer or person under review.
type Case struct {
	ID string
	// ScreeningID is the screening that opened the case, "" for OpenCase.
	ScreeningID string
	TransferID  string
	Hits        []Hit
	Rules       []RuleOutcome
	// OpenReason is why an OpenCase case was opened.
	OpenReason string
	Status     CaseStatus
	OpenedAt   time.Time
	// DecidedBy, Reason and DecidedAt are set once decided.
	DecidedBy string
	Reason    string
	DecidedAt time.Time
}

// Clearance is a false-positive clearance of one list entry.
type Clearance struct {
	EntryID   string
	EntryHash string
	Staff     string
	Reason    string
	At        time.Time
}

// TransferRecord is a transfer counted against the limits.
type TransferRecord struct {
	TransferID string
	Amount     money.Amount
	At         time.Time
}

// State is the folded compliance record of one subject.
type State struct {
	SubjectID string
	// Screenings are the recorded screenings by screening ID.
	Screenings map[string]ScreeningRecorded
	Cases      map[string]Case
	// Clearances are by entry ID.
	Clearances map[string]Clearance
	// Transfers are every recorded transfer by ID; Window the ones within
	// MonthWindow of the latest, oldest first.
	Transfers map[string]TransferRecord
	Window    []TransferRecord
}

// Initial returns the state of a subject with no events.
func Initial() State { return State{} }

// Clone returns a deep copy of s. Evolve updates the maps of the state it
// is given in place, so a caller that keeps an earlier State while folding
// more events must keep a Clone.
func (s State) Clone() State {
	s.Screenings = maps.Clone(s.Screenings)
	s.Cases = maps.Clone(s.Cases)
	s.Clearances = maps.Clone(s.Clearances)
	s.Transfers = maps.Clone(s.Transfers)
	s.Window = append([]TransferRecord(nil), s.Window...)
	return s
}

// ensure allocates the maps of a zero State.
func (s State) ensure() State {
	if s.Screenings == nil {
		s.Screenings = map[string]ScreeningRecorded{}
	}
	if s.Cases == nil {
		s.Cases = map[string]Case{}
	}
	if s.Clearances == nil {
		s.Clearances = map[string]Clearance{}
	}
	if s.Transfers == nil {
		s.Transfers = map[string]TransferRecord{}
	}
	return s
}

// Evolve folds one compliance event into the state. It updates the maps of
// s in place, so folding a long stream stays linear; see Clone. Unknown
// events are ignored.
func Evolve(s State, e command.Event) State {
	s = s.ensure()
	switch e := e.(type) {
	case ScreeningRecorded:
		s.SubjectID = e.SubjectID
		s.Screenings[e.ScreeningID] = e
	case CaseOpened:
		s.SubjectID = e.SubjectID
		s.Cases[e.CaseID] = Case{
			ID: e.CaseID, ScreeningID: e.ScreeningID, TransferID: e.TransferID,
			Hits: e.Hits, Rules: e.Rules, OpenReason: e.Reason, Status: CaseOpen, OpenedAt: e.At,
		}
	case CaseDecided:
		c := s.Cases[e.CaseID]
		c.Status = CaseReleased
		if e.Decision == Reject {
			c.Status = CaseRejected
		}
		c.DecidedBy, c.Reason, c.DecidedAt = e.Staff, e.Reason, e.At
		s.Cases[e.CaseID] = c
	case FalsePositiveCleared:
		s.SubjectID = e.SubjectID
		s.Clearances[e.EntryID] = Clearance{EntryID: e.EntryID, EntryHash: e.EntryHash, Staff: e.Staff, Reason: e.Reason, At: e.At}
	case TransferRecorded:
		s.SubjectID = e.SubjectID
		r := TransferRecord{TransferID: e.TransferID, Amount: e.Amount, At: e.At}
		s.Transfers[e.TransferID] = r
		s.Window = append(s.Window, r)
		i := 0
		for i < len(s.Window) && !s.Window[i].At.After(e.At.Add(-MonthWindow)) {
			i++
		}
		s.Window = s.Window[i:]
	}
	return s
}

// IsCleared reports whether the subject was cleared as a false positive for
// the list entry with this content hash. A changed entry (other hash) is not
// cleared.
func IsCleared(s State, entryID, entryHash string) bool {
	c, ok := s.Clearances[entryID]
	return ok && entryHash != "" && c.EntryHash == entryHash
}

// OpenCases returns the IDs of the cases still open, sorted.
func (s State) OpenCases() []string {
	var ids []string
	for id, c := range s.Cases {
		if c.Status == CaseOpen {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}
