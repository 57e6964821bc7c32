package screening

import (
	"context"
	"fmt"
	"strconv"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/compliance"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/sanctions"
)

// Reviews records compliance staff decisions in subjects' compliance
// streams. It is safe for concurrent use.
type Reviews struct {
	store eventstore.Store
	clock command.Clock
	lists *sanctions.Holder
}

// NewReviews returns a Reviews. It returns ErrInvalidConfig without a
// store, clock or list holder.
func NewReviews(store eventstore.Store, clock command.Clock, lists *sanctions.Holder) (*Reviews, error) {
	if store == nil || clock == nil || lists == nil {
		return nil, fmt.Errorf("%w: reviews need a store, a clock and a list holder", ErrInvalidConfig)
	}
	return &Reviews{store: store, clock: clock, lists: lists}, nil
}

func staffActor(staff string) string { return "staff:" + staff }

// ClearFalsePositive records that staff cleared list entry entryID (the
// OFAC ent_num) as a false positive for the subject ("cus_…" or a
// process.RecipientSubject), with a reason. The clearance is for the
// entry's content in the list in force: the subject is not held for the
// entry again until the list changes what it says about it. Clearing the
// same pair again is a no-op. It returns the position of the subject's
// last event.
//
// Errors: ErrInvalidSubject (no subject), ErrUnknownEntry (entryID not in
// the list in force), sanctions.ErrNoList, compliance.ErrStaffRequired,
// compliance.ErrReasonRequired, the command loop's and the store's errors.
func (r *Reviews) ClearFalsePositive(ctx context.Context, staff, subjectID, entryID, reason string) (eventstore.Position, error) {
	if subjectID == "" {
		return eventstore.Position{}, fmt.Errorf("%w: a subject ID is required", ErrInvalidSubject)
	}
	sc := r.lists.Current()
	if sc == nil {
		return eventstore.Position{}, fmt.Errorf("screening: %w", sanctions.ErrNoList)
	}
	num, err := strconv.Atoi(entryID)
	if err != nil {
		return eventstore.Position{}, fmt.Errorf("%w: %q is not an entry number", ErrUnknownEntry, entryID)
	}
	list := sc.List()
	entry, ok := list.Entry(num)
	hash, hok := list.EntryHash(num)
	if !ok || !hok {
		return eventstore.Position{}, fmt.Errorf("%w: %d in list %s", ErrUnknownEntry, num, list.Version())
	}
	cmdID := command.DeriveID("compliance.clear", subjectID, entryID, hash, staff, reason)
	res, err := command.Handle(ctx, r.store, compliance.Aggregate, subjectID, compliance.Command(compliance.ClearFalsePositive{
		Meta: compliance.Meta{ID: cmdID, Actor: staffActor(staff)}, SubjectID: subjectID, EntryID: strconv.Itoa(num),
		EntryHash: hash, EntryName: entry.Name, Staff: staff, Reason: reason,
	}), command.CommandMeta{CommandID: cmdID, CorrelationID: subjectID, Actor: staffActor(staff), Clock: r.clock})
	if err != nil {
		return eventstore.Position{}, fmt.Errorf("screening: clear entry %s for %s: %w", entryID, subjectID, err)
	}
	return res.Position, nil
}

// DecideCase records staff's decision (compliance.Release or
// compliance.Reject) on the subject's case with a reason; a release with
// clearHits also clears every hit of the case as a false positive for the
// entry content the case recorded. It returns the position of the
// subject's last event. Deciding does not move the transfer: the transfer
// Service's ReleaseTransfer and RejectTransfer do, and decide the
// transfer's screening cases on the way.
//
// Errors: ErrInvalidSubject (no subject), compliance.ErrCaseNotFound,
// compliance.ErrCaseClosed (already decided), compliance.ErrStaffRequired,
// compliance.ErrReasonRequired, compliance.ErrInvalidCommand (an unknown
// decision, or clearing on a rejection), the command loop's and the
// store's errors.
func (r *Reviews) DecideCase(ctx context.Context, staff, subjectID, caseID string, decision compliance.Decision, reason string, clearHits bool) (eventstore.Position, error) {
	if subjectID == "" {
		return eventstore.Position{}, fmt.Errorf("%w: a subject ID is required", ErrInvalidSubject)
	}
	cmdID := command.DeriveID("compliance.decide", subjectID, caseID, string(decision), staff, reason, strconv.FormatBool(clearHits))
	res, err := command.Handle(ctx, r.store, compliance.Aggregate, subjectID, compliance.Command(compliance.DecideCase{
		Meta: compliance.Meta{ID: cmdID, Actor: staffActor(staff)}, SubjectID: subjectID, CaseID: caseID,
		Decision: decision, Staff: staff, Reason: reason, ClearHits: clearHits,
	}), command.CommandMeta{CommandID: cmdID, CorrelationID: caseID, Actor: staffActor(staff), Clock: r.clock})
	if err != nil {
		return eventstore.Position{}, fmt.Errorf("screening: decide case %s of %s: %w", caseID, subjectID, err)
	}
	return res.Position, nil
}
