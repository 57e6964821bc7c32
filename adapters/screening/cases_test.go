package screening_test

import (
	"context"
	"errors"
	"testing"

	"github.com/remitflow/remitflow/adapters/screening"
	"github.com/remitflow/remitflow/domain/compliance"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/process"
	"github.com/remitflow/remitflow/domain/transfer"
)

func TestCasesOpenForLimitHits(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, smallList(t, "DOB 01 Jan 1970.", "SDGT"))
	e.register(t, "cus_1", "Amara Nwosu", "+254712345678", "KE", customer.Tier0)
	cases, err := screening.NewCases(e.store, e.clock)
	if err != nil {
		t.Fatal(err)
	}
	tr := transferState("tr_1", "cus_1", "Ngozi Eze", money.MustParse("150.00", "USD"), t0)
	hits := []transfer.Hit{{Rule: "tier0.single_limit", Subject: process.RoleSender, Detail: "150.00 USD against a limit of 100.00 USD"}}
	id, err := cases.Open(ctx, "cmd-case", tr, hits)
	if err != nil {
		t.Fatal(err)
	}
	if id != screening.CaseID("tr_1") {
		t.Errorf("case ID = %q, want %q", id, screening.CaseID("tr_1"))
	}
	c := e.compliance(t, "cus_1").Cases[id]
	if c.Status != compliance.CaseOpen || c.TransferID != "tr_1" || len(c.Rules) != 1 || c.Rules[0].Rule != "tier0.single_limit" || c.Rules[0].Passed {
		t.Fatalf("case = %+v", c)
	}
	// Opening again, even with other hits, returns the same case.
	for _, h := range [][]transfer.Hit{hits, append(hits, transfer.Hit{Rule: screening.RuleUnscreenable, Subject: process.RoleRecipient, Detail: "x"})} {
		again, err := cases.Open(ctx, "cmd-case-2", tr, h)
		if err != nil || again != id {
			t.Errorf("Open again = %q, %v; want %q", again, err, id)
		}
	}
	if n := count(e.events(t, "compliance-cus_1"), compliance.TypeCaseOpened); n != 1 {
		t.Errorf("%d cases opened, want 1", n)
	}

	// The transfer Service's case decider decides it with the transfer.
	comp, err := process.NewCompliance(e.store, e.clock, e.screener, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := comp.DecideCases(ctx, tr, false, "alice", "structuring"); err != nil {
		t.Fatal(err)
	}
	if c := e.compliance(t, "cus_1").Cases[id]; c.Status != compliance.CaseRejected || c.DecidedBy != "alice" {
		t.Errorf("case after the transfer was rejected = %+v", c)
	}
}

func TestCasesOpenAfterAScreeningCase(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, smallList(t, "DOB 01 Jan 1970.", "SDGT"))
	e.register(t, "cus_ck", "Chidi Emeka Okafor", "+2348031234567", "NG", customer.Tier1)
	res, err := e.screener.Screen(ctx, sender("cus_ck", "tr_1", "NG"))
	if err != nil || res.CaseID == "" {
		t.Fatalf("Screen = %+v, %v; want a case", res, err)
	}
	cases, _ := screening.NewCases(e.store, e.clock)
	tr := transferState("tr_1", "cus_ck", "Ngozi Eze", money.MustParse("10.00", "USD"), t0)
	id, err := cases.Open(ctx, "cmd-case", tr, res.Hits)
	if err != nil || id != res.CaseID {
		t.Errorf("Open = %q, %v; want the screening's case %q", id, err, res.CaseID)
	}
}

func TestCasesBadInput(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	cases, _ := screening.NewCases(e.store, e.clock)
	tr := transferState("tr_1", "cus_1", "Ngozi Eze", money.MustParse("10.00", "USD"), t0)
	if _, err := cases.Open(ctx, "cmd", tr, nil); !errors.Is(err, compliance.ErrReasonRequired) {
		t.Errorf("Open without hits = %v, want compliance.ErrReasonRequired", err)
	}
	noSender := tr
	noSender.SenderID = ""
	if _, err := cases.Open(ctx, "cmd", noSender, []transfer.Hit{{Rule: "r"}}); !errors.Is(err, screening.ErrInvalidSubject) {
		t.Errorf("Open without sender = %v, want ErrInvalidSubject", err)
	}
	if _, err := cases.Open(ctx, "", tr, []transfer.Hit{{Rule: "r"}}); err == nil {
		t.Error("Open without a command ID succeeded")
	}
	if _, err := screening.NewCases(nil, nil); !errors.Is(err, screening.ErrInvalidConfig) {
		t.Errorf("NewCases(nil, nil) = %v", err)
	}
}
