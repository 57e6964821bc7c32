package screening_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/remitflow/remitflow/adapters/pii"
	"github.com/remitflow/remitflow/adapters/screening"
	"github.com/remitflow/remitflow/domain/compliance"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/process"
	"github.com/remitflow/remitflow/domain/sanctions"
	"github.com/remitflow/remitflow/domain/transfer"
)

func sender(customerID, transferID, country string) process.Subject {
	return process.Subject{Role: process.RoleSender, SubjectID: customerID, TransferID: transferID, CustomerID: customerID, Country: country}
}

func recipient(name, country, transferID string) process.Subject {
	r := transfer.Recipient{Method: transfer.CashPickup, Name: name, Country: country}
	return process.Subject{Role: process.RoleRecipient, SubjectID: process.RecipientSubject(r), TransferID: transferID, Name: name, Country: country}
}

func TestScreenRealSDNSender(t *testing.T) {
	ctx := context.Background()
	list := ofac(t)
	e := newEnv(t, list)
	e.register(t, "cus_mm", "Nicolas Maduro Moros", "+584121234567", "VE", customer.Tier1)

	res, err := e.screener.Screen(ctx, sender("cus_mm", "tr_1", "VE"))
	if err != nil {
		t.Fatal(err)
	}
	if res.ListVersion != list.Version().ID {
		t.Errorf("ListVersion = %q, want %q", res.ListVersion, list.Version().ID)
	}
	var found *transfer.Hit
	for i, h := range res.Hits {
		if h.Entry == "22790" {
			found = &res.Hits[i]
		}
	}
	if found == nil {
		t.Fatalf("Screen(Nicolas Maduro Moros) hits = %+v, want entry 22790", res.Hits)
	}
	if found.Rule != screening.RuleOFAC || found.Subject != process.RoleSender || found.Score < sanctions.DefaultThreshold ||
		!strings.Contains(found.Detail, "MADURO MOROS, Nicolas") {
		t.Errorf("hit = %+v", *found)
	}
	wantCase := process.ScreeningID("tr_1", process.RoleSender)
	if res.CaseID != wantCase {
		t.Errorf("CaseID = %q, want %q", res.CaseID, wantCase)
	}
	st := e.compliance(t, "cus_mm")
	rec := st.Screenings[wantCase]
	if rec.Outcome != compliance.OutcomeHeld || rec.ListVersion != list.Version().ID || rec.Role != compliance.RoleSender || rec.TransferID != "tr_1" {
		t.Errorf("recorded screening = %+v", rec)
	}
	if c := st.Cases[wantCase]; c.Status != compliance.CaseOpen || c.TransferID != "tr_1" {
		t.Errorf("case = %+v, want open for tr_1", c)
	}
	// The sender's name stays out of the logs, and the explanation on the
	// transfer quotes the list, not the sender's words.
	if strings.Contains(strings.ToLower(e.logs.String()), "maduro") {
		t.Errorf("logs mention the name: %s", e.logs)
	}
	if !strings.Contains(found.Detail, "token-set") || strings.Contains(found.Detail, "maduro") {
		t.Errorf("sender hit detail %q", found.Detail)
	}

	// Screening the same subject of the same transfer again records nothing.
	again, err := e.screener.Screen(ctx, sender("cus_mm", "tr_1", "VE"))
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Hits) != len(res.Hits) || again.CaseID != res.CaseID {
		t.Errorf("second Screen = %+v, want %+v", again, res)
	}
	if n := count(e.events(t, "compliance-cus_mm"), compliance.TypeScreeningRecorded); n != 1 {
		t.Errorf("%d screenings recorded, want 1", n)
	}
}

func TestScreenCleanRecipientIsRecorded(t *testing.T) {
	ctx := context.Background()
	list := ofac(t)
	e := newEnv(t, list)
	subj := recipient("Wanjiku Achieng Otieno", "KE", "tr_2")
	res, err := e.screener.Screen(ctx, subj)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 0 || res.CaseID != "" {
		t.Fatalf("Screen(clean name) = %+v, want no hits", res)
	}
	if res.BestScore >= sanctions.DefaultThreshold {
		t.Errorf("BestScore = %v, want below the threshold", res.BestScore)
	}
	rec := e.compliance(t, subj.SubjectID).Screenings[process.ScreeningID("tr_2", process.RoleRecipient)]
	if rec.Outcome != compliance.OutcomeClear || rec.ListVersion != list.Version().ID || rec.BestScore != res.BestScore || rec.Threshold != sanctions.DefaultThreshold {
		t.Errorf("recorded screening = %+v, want clear against %s with best score %v", rec, list.Version().ID, res.BestScore)
	}
}

func TestScreenBadInput(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, smallList(t, "DOB 01 Jan 1970.", "SDGT"))
	e.register(t, "cus_gone", "Chidi Emeka Okafor", "+2348031234567", "NG", customer.Tier1)
	if err := e.vault.Forget("cus_gone"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		subj process.Subject
		want error
	}{
		{"forgotten customer", sender("cus_gone", "tr_1", "NG"), screening.ErrSubjectForgotten},
		{"forgotten customer is pii.ErrForgotten", sender("cus_gone", "tr_1", "NG"), pii.ErrForgotten},
		{"unregistered customer", sender("cus_nobody", "tr_1", "NG"), screening.ErrUnknownCustomer},
		{"sender without customer ID", process.Subject{Role: process.RoleSender, SubjectID: "cus_x", TransferID: "tr_1"}, screening.ErrInvalidSubject},
		{"no subject ID", process.Subject{Role: process.RoleRecipient, TransferID: "tr_1", Name: "A B"}, screening.ErrInvalidSubject},
		{"no transfer ID", process.Subject{Role: process.RoleRecipient, SubjectID: "rcp_1", Name: "A B"}, screening.ErrInvalidSubject},
		{"unknown role", process.Subject{Role: "bystander", SubjectID: "rcp_1", TransferID: "tr_1", Name: "A B"}, screening.ErrInvalidSubject},
	}
	for _, tt := range tests {
		_, err := e.screener.Screen(ctx, tt.subj)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: Screen(%+v) error = %v, want %v", tt.name, tt.subj, err, tt.want)
		}
	}
	if got := e.events(t, "compliance-cus_gone"); len(got) != 0 {
		t.Errorf("a failed screening wrote %v", got)
	}

	empty := newEnv(t, nil)
	if _, err := empty.screener.Screen(ctx, recipient("Chidi Okafor", "NG", "tr_1")); !errors.Is(err, sanctions.ErrNoList) {
		t.Errorf("Screen before a list is loaded: %v, want sanctions.ErrNoList", err)
	}
	if _, err := screening.NewScreener(screening.Config{Store: e.store}); !errors.Is(err, screening.ErrInvalidConfig) {
		t.Errorf("NewScreener without dependencies: %v", err)
	}
}

func TestUnscreenableNameHolds(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, smallList(t, "DOB 01 Jan 1970.", "SDGT"))
	for _, name := range []string{"!!! ---", strings.Repeat("Okafor ", 100)} {
		subj := recipient(name, "NG", "tr_u")
		res, err := e.screener.Screen(ctx, subj)
		if err != nil {
			t.Fatalf("Screen(%.20q) error %v", name, err)
		}
		if len(res.Hits) != 1 || res.Hits[0].Rule != screening.RuleUnscreenable || res.Hits[0].Subject != process.RoleRecipient {
			t.Errorf("Screen(%.20q) = %+v, want one %s hit", name, res, screening.RuleUnscreenable)
		}
		_, err = e.screener.Match(ctx, subj)
		if (!errors.Is(err, sanctions.ErrEmptyName) && !errors.Is(err, sanctions.ErrNameTooLong)) || !errors.Is(err, process.ErrUnscreenable) {
			t.Errorf("Match(%.20q) error %v, want an unscreenable-name error wrapping process.ErrUnscreenable", name, err)
		}
		// The domain's screening step over this matcher holds it the same way.
		comp, err := process.NewCompliance(e.store, e.clock, e.screener, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res, err := comp.Screen(ctx, subj); err != nil || len(res.Hits) != 1 || res.Hits[0].Rule != screening.RuleUnscreenable {
			t.Errorf("process.Compliance.Screen(%.20q) = %+v, %v; want one %s hit", name, res, err, screening.RuleUnscreenable)
		}
	}
}

func TestNonLatinNameIsScreened(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, smallList(t, "DOB 03 Mar 1971.", "SDGT"))
	// Cyrillic spelling of an entry's name.
	res, err := e.screener.Screen(ctx, recipient("Дмитрий Сергеевич Волков", "RU", "tr_cy"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) == 0 || res.Hits[0].Entry != "3" {
		t.Fatalf("Screen(Cyrillic name) = %+v, want entry 3", res)
	}
	// A recipient's hit carries the matcher's full explanation.
	if d := res.Hits[0].Detail; !strings.Contains(d, `"VOLKOV, Dmitri Sergeyevich"`) || !strings.Contains(d, "(") {
		t.Errorf("recipient hit detail %q", d)
	}
}

func TestMatchForProcessCompliance(t *testing.T) {
	ctx := context.Background()
	list := smallList(t, "DOB 01 Jan 1970.", "SDGT")
	e := newEnv(t, list)
	e.register(t, "cus_ok", "Chidi Emeka Okafor", "+2348031234567", "NG", customer.Tier1)
	m, err := e.screener.Match(ctx, sender("cus_ok", "tr_m", "NG"))
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := list.EntryHash(1)
	if m.ListVersion != list.Version().ID || m.Threshold != sanctions.DefaultThreshold || len(m.Hits) == 0 ||
		m.Hits[0].EntryID != "1" || m.Hits[0].EntryHash != hash || m.Hits[0].Score > m.BestScore {
		t.Errorf("Match = %+v", m)
	}
	if got := e.events(t, "compliance-cus_ok"); len(got) != 0 {
		t.Errorf("Match wrote %v", got)
	}
}

func TestScreenCustomerAtRegistration(t *testing.T) {
	ctx := context.Background()
	list := smallList(t, "DOB 01 Jan 1970.", "SDGT")
	e := newEnv(t, list)
	e.register(t, "cus_ck", "Okafor, Chidi Emeka", "+2348031234567", "NG", customer.Tier1)
	e.register(t, "cus_ok", "Wanjiru Kamau", "+254712345678", "KE", customer.Tier1)
	res, err := e.screener.ScreenCustomer(ctx, "cus_ck")
	if err != nil {
		t.Fatal(err)
	}
	id := screening.RegistrationScreeningID("cus_ck", list.Version().ID)
	if len(res.Hits) != 1 || res.Hits[0].Entry != "1" || res.CaseID != id {
		t.Fatalf("ScreenCustomer = %+v, want entry 1 with case %s", res, id)
	}
	if rec := e.compliance(t, "cus_ck").Screenings[id]; rec.TransferID != "" || rec.Outcome != compliance.OutcomeHeld {
		t.Errorf("recorded %+v", rec)
	}
	if _, err := e.screener.ScreenCustomer(ctx, "cus_ck"); err != nil {
		t.Fatal(err)
	}
	if n := count(e.events(t, "compliance-cus_ck"), compliance.TypeScreeningRecorded); n != 1 {
		t.Errorf("%d screenings recorded for one list version, want 1", n)
	}
	clean, err := e.screener.ScreenCustomer(ctx, "cus_ok")
	if err != nil || len(clean.Hits) != 0 || clean.ListVersion != list.Version().ID {
		t.Errorf("ScreenCustomer(clean) = %+v, %v", clean, err)
	}
	for _, id := range []string{"", "cus_nobody"} {
		if _, err := e.screener.ScreenCustomer(ctx, id); !errors.Is(err, screening.ErrInvalidSubject) && !errors.Is(err, screening.ErrUnknownCustomer) {
			t.Errorf("ScreenCustomer(%q) = %v", id, err)
		}
	}
}
