package process_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/remitflow/remitflow/adapters/eventstore/memory"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/compliance"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/process"
	"github.com/remitflow/remitflow/domain/transfer"
)

var matcher = process.MatcherFunc(func(ctx context.Context, s process.Subject) (process.Match, error) {
	m := process.Match{ListVersion: "sdn-2026-11-20", Threshold: 0.88, BestScore: 0.2}
	if s.Name == "Sanctioned Person" {
		m.BestScore = 0.95
		m.Hits = []compliance.Hit{{EntryID: "1234", EntryHash: "h1", Name: "SANCTIONED, Person", MatchedName: "Sanctioned Person", Score: 0.95}}
	}
	return m, nil
})

func complianceEnv(t *testing.T) (*env, *process.Compliance, *process.Manager) {
	e := newEnv(t, memory.New())
	comp, err := process.NewCompliance(e.store, e.clock, matcher, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.svc, err = process.NewService(e.store, e.clock, comp, process.WithVault(vault)); err != nil {
		t.Fatal(err)
	}
	m, err := process.New(process.Deps{Store: e.store, Clock: e.clock, Payouts: newPartner(nil), Screener: comp, Codes: codes, Vault: vault}, process.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return e, comp, m
}

func TestComplianceHoldAndRelease(t *testing.T) {
	ctx := context.Background()
	e, _, m := complianceEnv(t)
	e.customer("cus_1", "500.00", "")
	v, err := e.request("cus_1", 100, mobile("Sanctioned Person"), "k1")
	if err != nil {
		t.Fatal(err)
	}
	catchUp(t, m)
	s := wantStatus(t, e, v.ID, transfer.StatusHeld)
	caseID := process.ScreeningID(v.ID, process.RoleRecipient)
	if s.CaseID != caseID || len(s.Hits) != 1 || s.Hits[0].Entry != "1234" {
		t.Fatalf("held with case %q hits %+v, want case %s", s.CaseID, s.Hits, caseID)
	}
	subject := process.RecipientSubject(mobile("Sanctioned Person"))
	cs, _, _, err := command.Load(ctx, e.store, compliance.Aggregate, subject)
	if err != nil || cs.Cases[caseID].Status != compliance.CaseOpen {
		t.Fatalf("compliance case %+v, %v", cs.Cases[caseID], err)
	}
	sender, _, _, _ := command.Load(ctx, e.store, compliance.Aggregate, "cus_1")
	if rec := sender.Screenings[process.ScreeningID(v.ID, process.RoleSender)]; rec.Outcome != compliance.OutcomeClear || rec.ListVersion != "sdn-2026-11-20" {
		t.Errorf("sender screening %+v, want a recorded clear result", rec)
	}
	if _, err := e.svc.ReleaseTransfer(ctx, "alice", v.ID, ""); !errors.Is(err, transfer.ErrInvalidCommand) {
		t.Errorf("release without reason: %v", err)
	}
	if _, err := e.svc.ReleaseTransfer(ctx, "alice", v.ID, "different date of birth"); err != nil {
		t.Fatal(err)
	}
	cs, _, _, _ = command.Load(ctx, e.store, compliance.Aggregate, subject)
	if c := cs.Cases[caseID]; c.Status != compliance.CaseReleased || c.DecidedBy != "alice" {
		t.Errorf("case after release: %+v", c)
	}
	catchUp(t, m)
	wantStatus(t, e, v.ID, transfer.StatusCompleted)
}

func TestComplianceLimits(t *testing.T) {
	e, _, _ := complianceEnv(t)
	e.customerTier("cus_0", customer.Tier0, "1000.00", "")
	if _, err := e.request("cus_0", 150, mobile("John Kamau"), "big"); !errors.Is(err, compliance.ErrTierLimitExceeded) {
		t.Fatalf("above the single limit: %v, want ErrTierLimitExceeded", err)
	}
	for ev, err := range e.base.ReadAll(context.Background(), eventstore.ReadAllOptions{Filter: eventstore.StreamPrefix("transfer-")}) {
		if err == nil {
			t.Fatalf("a refused request wrote %s", ev.Type)
		}
	}
	for i, key := range []string{"a", "b", "c"} {
		if _, err := e.request("cus_0", 20, mobile("John Kamau"), key); err != nil {
			t.Fatalf("transfer %d: %v", i, err)
		}
	}
	_, err := e.request("cus_0", 20, mobile("John Kamau"), "d")
	var le *compliance.LimitError
	if !errors.Is(err, compliance.ErrVelocityExceeded) || !errors.As(err, &le) {
		t.Fatalf("fourth transfer in 24 hours: %v, want ErrVelocityExceeded", err)
	}
	// A retry of an admitted request is not counted again.
	if _, err := e.request("cus_0", 20, mobile("John Kamau"), "a"); !errors.Is(err, transfer.ErrDuplicateRequest) {
		t.Errorf("same key, other quote: %v", err)
	}
}

// TestUnscreenableNameHolds: a name the matcher cannot screen holds the
// transfer with a RuleUnscreenable hit instead of failing the step (which
// would retry it for ever), and other matcher errors still fail.
func TestUnscreenableNameHolds(t *testing.T) {
	e := newEnv(t, memory.New())
	unscreenable := process.MatcherFunc(func(ctx context.Context, s process.Subject) (process.Match, error) {
		return process.Match{}, fmt.Errorf("matcher: %w: nothing left of %q", process.ErrUnscreenable, s.Name)
	})
	comp, err := process.NewCompliance(e.store, e.clock, unscreenable, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := comp.Screen(context.Background(), process.Subject{Role: process.RoleRecipient, SubjectID: "rcp_1", TransferID: "tr_1", Name: "!!! ---"})
	if err != nil || len(res.Hits) != 1 || res.Hits[0].Rule != process.RuleUnscreenable || res.Hits[0].Subject != process.RoleRecipient {
		t.Fatalf("Screen(unscreenable) = %+v, %v; want one %s hit", res, err, process.RuleUnscreenable)
	}
	broken := process.MatcherFunc(func(context.Context, process.Subject) (process.Match, error) {
		return process.Match{}, errors.New("no list loaded")
	})
	comp, _ = process.NewCompliance(e.store, e.clock, broken, nil)
	if _, err := comp.Screen(context.Background(), process.Subject{Role: process.RoleRecipient, SubjectID: "rcp_1", TransferID: "tr_2", Name: "A B"}); err == nil {
		t.Error("Screen with a broken matcher succeeded")
	}
}
