package screening_test

import (
	"context"
	"errors"
	"testing"

	"github.com/remitflow/remitflow/adapters/screening"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/compliance"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
	"github.com/remitflow/remitflow/domain/process"
	"github.com/remitflow/remitflow/domain/transfer"
)

// noPayouts is a payout port the screening step never reaches.
type noPayouts struct{}

func (noPayouts) Submit(context.Context, payout.Request) (payout.Result, error) {
	return payout.Result{}, errors.New("no payouts in this test")
}

func (noPayouts) Status(context.Context, string) (payout.Result, error) {
	return payout.Result{}, payout.ErrNotFound
}

// screenStep runs the process manager's screening step on a requested
// transfer.
func screenStep(t *testing.T, e *env, m *process.Manager, tr transfer.State) transfer.State {
	t.Helper()
	ctx := context.Background()
	e.request(t, tr)
	for ev, err := range e.store.ReadStream(ctx, "transfer-"+tr.ID, eventstore.ReadStreamOptions{MaxCount: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		if err := m.HandleEvent(ctx, ev); err != nil {
			t.Fatalf("screening step of %s: %v", tr.ID, err)
		}
	}
	s, _, _, err := command.Load(ctx, e.store, transfer.Aggregate, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The adapters wired into the process manager hold a transfer for a real
// SDN name and for a tier limit, each with a compliance case.
func TestProcessManagerScreeningStep(t *testing.T) {
	e := newEnv(t, ofac(t))
	e.register(t, "cus_0", "Wanjiru Kamau", "+254712345678", "KE", customer.Tier0)
	limits, _ := screening.NewLimits(e.store, e.clock, nil)
	cases, _ := screening.NewCases(e.store, e.clock)
	codes, _ := screening.NewCodeGenerator(screening.CodeConfig{Secret: secret, Notifier: &outbox{}})
	m, err := process.New(process.Deps{Store: e.store, Clock: e.clock, Payouts: noPayouts{}, Screener: e.screener,
		Codes: codes, Limits: limits, Cases: cases}, process.Config{})
	if err != nil {
		t.Fatal(err)
	}

	s := screenStep(t, e, m, transferState("tr_sdn", "cus_0", "Nicolas Maduro Moros", money.MustParse("20.00", "USD"), t0))
	if s.Status != transfer.StatusHeld || s.CaseID != process.ScreeningID("tr_sdn", process.RoleRecipient) {
		t.Fatalf("transfer to an SDN name: status %s case %q hits %+v", s.Status, s.CaseID, s.Hits)
	}
	if len(s.Hits) == 0 || s.Hits[0].Rule != screening.RuleOFAC || s.Hits[0].Subject != process.RoleRecipient || s.Hits[0].Entry != "22790" {
		t.Errorf("hits %+v, want entry 22790 on the recipient", s.Hits)
	}
	if s.ListVersion != ofac(t).Version().ID {
		t.Errorf("transfer list version %q", s.ListVersion)
	}

	s = screenStep(t, e, m, transferState("tr_big", "cus_0", "Achieng Otieno", money.MustParse("150.00", "USD"), t0))
	if s.Status != transfer.StatusHeld || s.CaseID != screening.CaseID("tr_big") || len(s.Hits) != 1 || s.Hits[0].Rule != "tier0.single_limit" {
		t.Fatalf("transfer above the tier limit: status %s case %q hits %+v", s.Status, s.CaseID, s.Hits)
	}
	if c := e.compliance(t, "cus_0").Cases[s.CaseID]; c.Status != compliance.CaseOpen || c.TransferID != "tr_big" {
		t.Errorf("limit case %+v", c)
	}
}
