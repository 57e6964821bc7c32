package screening_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/remitflow/remitflow/adapters/screening"
	"github.com/remitflow/remitflow/domain/compliance"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/process"
	"github.com/remitflow/remitflow/domain/sanctions"
)

// A cleared (person, entry) pair is not held again until the list changes
// what it says about the entry.
func TestClearanceHoldsUntilTheEntryChanges(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, smallList(t, "DOB 01 Jan 1970.", "SDGT"))
	e.register(t, "cus_ck", "Chidi Emeka Okafor", "+2348031234567", "NG", customer.Tier1)

	held, err := e.screener.Screen(ctx, sender("cus_ck", "tr_1", "NG"))
	if err != nil {
		t.Fatal(err)
	}
	if len(held.Hits) != 1 || held.Hits[0].Entry != "1" {
		t.Fatalf("first screening = %+v, want a hit on entry 1", held)
	}
	if _, err := e.reviews.ClearFalsePositive(ctx, "alice", "cus_ck", "1", "different date of birth on the passport"); err != nil {
		t.Fatal(err)
	}
	// Clearing the same pair again writes nothing.
	if _, err := e.reviews.ClearFalsePositive(ctx, "bob", "cus_ck", "1", "second look"); err != nil {
		t.Fatal(err)
	}
	if n := count(e.events(t, "compliance-cus_ck"), compliance.TypeFalsePositiveCleared); n != 1 {
		t.Errorf("%d clearances recorded, want 1", n)
	}

	e.clock.Advance(time.Hour)
	again, err := e.screener.Screen(ctx, sender("cus_ck", "tr_2", "NG"))
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Hits) != 0 || again.CaseID != "" {
		t.Fatalf("screening after the clearance = %+v, want no hits", again)
	}
	rec := e.compliance(t, "cus_ck").Screenings[process.ScreeningID("tr_2", process.RoleSender)]
	if rec.Outcome != compliance.OutcomeCleared || len(rec.Hits) != 1 {
		t.Errorf("recorded screening = %+v, want outcome cleared with the hit kept", rec)
	}

	// A new list version that changes another entry leaves the clearance.
	install(t, e.lists, smallList(t, "DOB 01 Jan 1970.", "SDGT] [IRAN"))
	other, err := e.screener.Screen(ctx, sender("cus_ck", "tr_3", "NG"))
	if err != nil {
		t.Fatal(err)
	}
	if len(other.Hits) != 0 {
		t.Fatalf("screening after an unrelated list change = %+v, want no hits", other)
	}

	// A new list version that changes the entry holds again.
	changed := smallList(t, "DOB 01 Jan 1970; nationality Nigeria; Passport A1234567 (Nigeria).", "SDGT")
	install(t, e.lists, changed)
	after, err := e.screener.Screen(ctx, sender("cus_ck", "tr_4", "NG"))
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Hits) != 1 || after.Hits[0].Entry != "1" || after.CaseID != process.ScreeningID("tr_4", process.RoleSender) {
		t.Fatalf("screening after the entry changed = %+v, want entry 1 held with a case", after)
	}
	if after.ListVersion != changed.Version().ID {
		t.Errorf("ListVersion = %q, want the new list's %q", after.ListVersion, changed.Version().ID)
	}

	// Clearing against the changed entry clears it anew.
	if _, err := e.reviews.ClearFalsePositive(ctx, "alice", "cus_ck", "1", "still not the listed person"); err != nil {
		t.Fatal(err)
	}
	final, err := e.screener.Screen(ctx, sender("cus_ck", "tr_5", "NG"))
	if err != nil {
		t.Fatal(err)
	}
	if len(final.Hits) != 0 {
		t.Errorf("screening after the second clearance = %+v, want no hits", final)
	}
}

func TestDecideCaseClearingHits(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, smallList(t, "DOB 01 Jan 1970.", "SDGT"))
	subj := recipient("Okafor Chidi Emeka", "NG", "tr_1")
	held, err := e.screener.Screen(ctx, subj)
	if err != nil {
		t.Fatal(err)
	}
	if held.CaseID == "" {
		t.Fatalf("screening = %+v, want a case", held)
	}
	if _, err := e.reviews.DecideCase(ctx, "alice", subj.SubjectID, held.CaseID, compliance.Reject, "x", true); !errors.Is(err, compliance.ErrInvalidCommand) {
		t.Errorf("reject clearing hits: %v, want compliance.ErrInvalidCommand", err)
	}
	if _, err := e.reviews.DecideCase(ctx, "alice", subj.SubjectID, held.CaseID, compliance.Release, "", true); !errors.Is(err, compliance.ErrReasonRequired) {
		t.Errorf("release without reason: %v, want compliance.ErrReasonRequired", err)
	}
	if _, err := e.reviews.DecideCase(ctx, "alice", subj.SubjectID, held.CaseID, compliance.Release, "a namesake; different father's name", true); err != nil {
		t.Fatal(err)
	}
	// The same decision again is harmless; another one is refused.
	if _, err := e.reviews.DecideCase(ctx, "alice", subj.SubjectID, held.CaseID, compliance.Release, "a namesake; different father's name", true); err != nil {
		t.Errorf("repeated decision: %v", err)
	}
	if _, err := e.reviews.DecideCase(ctx, "bob", subj.SubjectID, held.CaseID, compliance.Reject, "second look", false); !errors.Is(err, compliance.ErrCaseClosed) {
		t.Errorf("second decision: %v, want compliance.ErrCaseClosed", err)
	}
	st := e.compliance(t, subj.SubjectID)
	if c := st.Cases[held.CaseID]; c.Status != compliance.CaseReleased || c.DecidedBy != "alice" {
		t.Errorf("case = %+v, want released by alice", c)
	}
	next := subj
	next.TransferID = "tr_2"
	res, err := e.screener.Screen(ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 0 {
		t.Errorf("screening after a release clearing the hits = %+v, want no hits", res)
	}
}

func TestReviewsBadInput(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, smallList(t, "DOB 01 Jan 1970.", "SDGT"))
	tests := []struct {
		name                     string
		staff, subject, entry, r string
		want                     error
	}{
		{"entry not in the list", "alice", "cus_1", "999", "x", screening.ErrUnknownEntry},
		{"entry not a number", "alice", "cus_1", "one", "x", screening.ErrUnknownEntry},
		{"no staff", "", "cus_1", "1", "x", compliance.ErrStaffRequired},
		{"no reason", "alice", "cus_1", "1", "", compliance.ErrReasonRequired},
		{"no subject", "alice", "", "1", "x", screening.ErrInvalidSubject},
	}
	for _, tt := range tests {
		if _, err := e.reviews.ClearFalsePositive(ctx, tt.staff, tt.subject, tt.entry, tt.r); !errors.Is(err, tt.want) {
			t.Errorf("%s: ClearFalsePositive(%q, %q, %q, %q) = %v, want %v", tt.name, tt.staff, tt.subject, tt.entry, tt.r, err, tt.want)
		}
	}
	if _, err := e.reviews.DecideCase(ctx, "alice", "cus_1", "case-x", compliance.Release, "ok", false); !errors.Is(err, compliance.ErrCaseNotFound) {
		t.Errorf("DecideCase(unknown case) = %v, want compliance.ErrCaseNotFound", err)
	}
	if got := e.events(t, "compliance-cus_1"); len(got) != 0 {
		t.Errorf("refused reviews wrote %v", got)
	}
	if _, err := newEnv(t, nil).reviews.ClearFalsePositive(ctx, "alice", "cus_1", "1", "x"); !errors.Is(err, sanctions.ErrNoList) {
		t.Errorf("clearing without a list: %v", err)
	}
}
