package compliance

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/remitflow/remitflow/domain/command"
)

// Aggregate describes compliance to the command loop. Stream: "compliance-<subjectID>".
var Aggregate = command.Aggregate[State, Command]{
	Category: "compliance",
	Initial:  Initial,
	Evolve:   Evolve,
	Decide:   Decide,
	Decode:   Decode,
}

// Decide returns the events cmd causes in state s at time now, or an error
// wrapping one of this package's sentinels (and no events). Recording the
// same screening or transfer again and clearing an already cleared pair
// return no events and no error; deciding a decided case is ErrCaseClosed.
func Decide(s State, cmd Command, now time.Time) ([]command.Event, error) {
	if cmd == nil {
		return nil, fmt.Errorf("%w: nil command", ErrInvalidCommand)
	}
	switch {
	case cmd.CommandID() == "":
		return nil, fmt.Errorf("%w: missing command ID", ErrInvalidCommand)
	case cmd.CommandActor() == "":
		return nil, fmt.Errorf("%w: missing actor", ErrInvalidCommand)
	case cmd.Subject() == "":
		return nil, fmt.Errorf("%w: missing subject ID", ErrInvalidCommand)
	case s.SubjectID != "" && cmd.Subject() != s.SubjectID:
		return nil, fmt.Errorf("%w: stream of %s, command for %s", ErrInvalidCommand, s.SubjectID, cmd.Subject())
	}
	switch c := cmd.(type) {
	case RecordScreening:
		return decideScreening(s, c, now)
	case OpenCase:
		return decideOpenCase(s, c, now)
	case DecideCase:
		return decideCase(s, c, now)
	case ClearFalsePositive:
		return decideClear(s, c, now)
	case RecordTransfer:
		return decideTransfer(s, c, now)
	default:
		return nil, fmt.Errorf("%w: unknown command %T", ErrInvalidCommand, cmd)
	}
}

func validScore(f float64) bool { return !math.IsNaN(f) && f >= 0 && f <= 1 }

func decideScreening(s State, c RecordScreening, now time.Time) ([]command.Event, error) {
	switch {
	case c.ScreeningID == "":
		return nil, fmt.Errorf("%w: missing screening ID", ErrInvalidCommand)
	case c.ListVersion == "":
		return nil, fmt.Errorf("%w: missing list version", ErrInvalidCommand)
	case c.Role != RoleSender && c.Role != RoleRecipient:
		return nil, fmt.Errorf("%w: role %q", ErrInvalidCommand, c.Role)
	case !validScore(c.Threshold) || c.Threshold == 0:
		return nil, fmt.Errorf("%w: threshold %v not in (0, 1]", ErrInvalidCommand, c.Threshold)
	case !validScore(c.BestScore):
		return nil, fmt.Errorf("%w: best score %v not in [0, 1]", ErrInvalidCommand, c.BestScore)
	}
	for i, h := range c.Hits {
		switch {
		case h.EntryID == "" || h.EntryHash == "":
			return nil, fmt.Errorf("%w: hit %d needs an entry ID and hash", ErrInvalidCommand, i)
		case !validScore(h.Score):
			return nil, fmt.Errorf("%w: hit %d score %v not in [0, 1]", ErrInvalidCommand, i, h.Score)
		case h.Score > c.BestScore:
			return nil, fmt.Errorf("%w: hit %d scores %v above the best score %v", ErrInvalidCommand, i, h.Score, c.BestScore)
		}
	}
	rec := ScreeningRecorded{
		SubjectID: c.SubjectID, ScreeningID: c.ScreeningID, TransferID: c.TransferID, Role: c.Role,
		ListVersion: c.ListVersion, Threshold: c.Threshold, BestScore: c.BestScore,
		Hits: append([]Hit{}, c.Hits...), Outcome: OutcomeClear, At: now,
	}
	var holding []Hit
	above := false
	for _, h := range c.Hits {
		if h.Score >= c.Threshold {
			above = true
			if !IsCleared(s, h.EntryID, h.EntryHash) {
				holding = append(holding, h)
			}
		}
	}
	if above {
		rec.Outcome = OutcomeCleared
	}
	if len(holding) > 0 {
		rec.Outcome, rec.CaseID = OutcomeHeld, c.ScreeningID
	}
	if prev, ok := s.Screenings[c.ScreeningID]; ok {
		if sameScreening(prev, rec) {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: %s", ErrDuplicateScreening, c.ScreeningID)
	}
	events := []command.Event{rec}
	if len(holding) > 0 {
		events = append(events, CaseOpened{
			SubjectID: c.SubjectID, CaseID: rec.CaseID, ScreeningID: c.ScreeningID,
			TransferID: c.TransferID, Hits: holding, At: now,
		})
	}
	return events, nil
}

// sameScreening compares what the matcher reported, not the time or the
// outcome (a clearance recorded since may change the outcome).
func sameScreening(a, b ScreeningRecorded) bool {
	norm := func(r ScreeningRecorded) string {
		r.At, r.Outcome, r.CaseID = time.Time{}, "", ""
		data, _ := json.Marshal(r)
		return string(data)
	}
	return norm(a) == norm(b)
}

func decideOpenCase(s State, c OpenCase, now time.Time) ([]command.Event, error) {
	switch {
	case c.CaseID == "":
		return nil, fmt.Errorf("%w: missing case ID", ErrInvalidCommand)
	case len(c.Hits) == 0 && len(c.Rules) == 0 && c.Reason == "":
		return nil, fmt.Errorf("%w: a case needs hits, rules or a reason", ErrReasonRequired)
	}
	e := CaseOpened{
		SubjectID: c.SubjectID, CaseID: c.CaseID, TransferID: c.TransferID,
		Hits: append([]Hit{}, c.Hits...), Rules: c.Rules, Reason: c.Reason, At: now,
	}
	if prev, ok := s.Cases[c.CaseID]; ok {
		again := CaseOpened{SubjectID: s.SubjectID, CaseID: prev.ID, ScreeningID: prev.ScreeningID, TransferID: prev.TransferID,
			Hits: prev.Hits, Rules: prev.Rules, Reason: prev.OpenReason, At: now}
		if prev.ScreeningID == "" && sameJSON(again, e) {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: %s", ErrCaseExists, c.CaseID)
	}
	return []command.Event{e}, nil
}

func sameJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

func decideCase(s State, c DecideCase, now time.Time) ([]command.Event, error) {
	switch {
	case c.CaseID == "":
		return nil, fmt.Errorf("%w: missing case ID", ErrInvalidCommand)
	case c.Decision != Release && c.Decision != Reject:
		return nil, fmt.Errorf("%w: decision %q", ErrInvalidCommand, c.Decision)
	case c.Staff == "":
		return nil, ErrStaffRequired
	case c.Reason == "":
		return nil, ErrReasonRequired
	case c.ClearHits && c.Decision != Release:
		return nil, fmt.Errorf("%w: only a release clears hits", ErrInvalidCommand)
	}
	cs, ok := s.Cases[c.CaseID]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrCaseNotFound, c.CaseID)
	}
	if cs.Status != CaseOpen {
		return nil, fmt.Errorf("%w: %s was %s by %s", ErrCaseClosed, c.CaseID, cs.Status, cs.DecidedBy)
	}
	events := []command.Event{CaseDecided{
		SubjectID: s.SubjectID, CaseID: c.CaseID, TransferID: cs.TransferID,
		Decision: c.Decision, Staff: c.Staff, Reason: c.Reason, At: now,
	}}
	if c.ClearHits {
		for _, h := range cs.Hits {
			if IsCleared(s, h.EntryID, h.EntryHash) {
				continue
			}
			events = append(events, FalsePositiveCleared{
				SubjectID: s.SubjectID, EntryID: h.EntryID, EntryHash: h.EntryHash, EntryName: h.Name,
				CaseID: c.CaseID, Staff: c.Staff, Reason: c.Reason, At: now,
			})
		}
	}
	return events, nil
}

func decideClear(s State, c ClearFalsePositive, now time.Time) ([]command.Event, error) {
	switch {
	case c.EntryID == "" || c.EntryHash == "":
		return nil, fmt.Errorf("%w: a clearance needs an entry ID and hash", ErrInvalidCommand)
	case c.Staff == "":
		return nil, ErrStaffRequired
	case c.Reason == "":
		return nil, ErrReasonRequired
	}
	if IsCleared(s, c.EntryID, c.EntryHash) {
		return nil, nil
	}
	return []command.Event{FalsePositiveCleared{
		SubjectID: c.SubjectID, EntryID: c.EntryID, EntryHash: c.EntryHash, EntryName: c.EntryName,
		Staff: c.Staff, Reason: c.Reason, At: now,
	}}, nil
}

func decideTransfer(s State, c RecordTransfer, now time.Time) ([]command.Event, error) {
	switch {
	case c.TransferID == "":
		return nil, fmt.Errorf("%w: missing transfer ID", ErrInvalidCommand)
	case c.Amount.Currency != LimitsCurrency || !c.Amount.IsPositive():
		return nil, fmt.Errorf("%w: amount must be a positive USD-equivalent, got %q %s", ErrInvalidCommand, c.Amount.Currency, c.Amount.Value)
	}
	if err := ValidateLimits(c.Limits); err != nil {
		return nil, err
	}
	if prev, ok := s.Transfers[c.TransferID]; ok {
		if prev.Amount.Equal(c.Amount) {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: %s recorded at %s", ErrDuplicateTransfer, c.TransferID, prev.Amount)
	}
	outcomes := EvaluateLimits(s, c.Limits, c.Amount, now)
	for _, o := range outcomes {
		if !o.Passed {
			return nil, &LimitError{Outcomes: outcomes}
		}
	}
	return []command.Event{TransferRecorded{
		SubjectID: c.SubjectID, TransferID: c.TransferID, Amount: c.Amount, Tier: c.Limits.Tier, Outcomes: outcomes, At: now,
	}}, nil
}
