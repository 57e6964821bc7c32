package screening_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/remitflow/remitflow/adapters/sanctionslist"
	"github.com/remitflow/remitflow/adapters/screening"
	"github.com/remitflow/remitflow/domain/compliance"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/process"
	"github.com/remitflow/remitflow/domain/sanctions"
)

// nwosu is an sdn.csv row that the v2 list adds.
const nwosu = "4,\"NWOSU, Amara Ngozi\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"nationality Nigeria.\"\r\n"

// rescreenWorld has, against the small list:
//   - cus_held: held 40 days ago (open case), no recent transfer;
//   - cus_old: a clean transfer 40 days ago;
//   - cus_a: a recent transfer tr_a in flight to recipient "Amara Nwosu";
//   - cus_gone: a recent transfer, personal data since erased.
func rescreenWorld(t *testing.T) (*env, *screening.Limits) {
	t.Helper()
	ctx := context.Background()
	e := newEnv(t, smallList(t, "DOB 01 Jan 1970.", "SDGT"))
	limits, err := screening.NewLimits(e.store, e.clock, nil)
	if err != nil {
		t.Fatal(err)
	}
	activity := func(customerID, transferID, recipientName string) {
		t.Helper()
		tr := transferState(transferID, customerID, recipientName, money.MustParse("25.00", "USD"), e.clock.Now())
		e.request(t, tr)
		if hits, err := limits.Check(ctx, "limits-"+transferID, tr); err != nil || len(hits) != 0 {
			t.Fatalf("limits of %s: %+v, %v", transferID, hits, err)
		}
		if _, err := e.screener.Screen(ctx, sender(customerID, transferID, "NG")); err != nil {
			t.Fatal(err)
		}
		if _, err := e.screener.Screen(ctx, recipient(recipientName, "NG", transferID)); err != nil {
			t.Fatal(err)
		}
	}
	e.register(t, "cus_held", "Chidi Emeka Okafor", "+2348031234567", "NG", customer.Tier1)
	e.register(t, "cus_old", "Ifeoma Chukwu", "+2348031234568", "NG", customer.Tier1)
	e.register(t, "cus_a", "Amara Ngozi Nwosu", "+2348031234569", "NG", customer.Tier1)
	e.register(t, "cus_gone", "Emeka Obi", "+2348031234570", "NG", customer.Tier1)
	activity("cus_held", "tr_h", "Bola Adeyemi")
	activity("cus_old", "tr_o", "Tunde Bakare")
	e.clock.Advance(40 * 24 * time.Hour)
	activity("cus_a", "tr_a", "Amara Nwosu")
	activity("cus_gone", "tr_g", "Kemi Ade")
	if err := e.vault.Forget("cus_gone"); err != nil {
		t.Fatal(err)
	}
	if c := e.compliance(t, "cus_held").OpenCases(); len(c) != 1 {
		t.Fatalf("cus_held open cases %v, want one", c)
	}
	return e, limits
}

func TestRescreenHeldAndRecent(t *testing.T) {
	ctx := context.Background()
	e, _ := rescreenWorld(t)
	r, err := screening.NewRescreener(e.screener, screening.RescreenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	v2 := install(t, e.lists, parseFiles(t, smallFiles("DOB 01 Jan 1970.", "SDGT", nwosu)))
	version := v2.List().Version().ID

	rep, err := r.Rescreen(ctx, v2)
	if err != nil {
		t.Fatal(err)
	}
	amara := recipient("Amara Nwosu", "NG", "tr_a").SubjectID
	if rep.ListVersion != version {
		t.Errorf("ListVersion = %q, want %q", rep.ListVersion, version)
	}
	// cus_a, cus_held, and the recipients of tr_a and tr_g.
	if rep.Screened != 4 {
		t.Errorf("Screened = %d, want 4 (report %+v)", rep.Screened, rep)
	}
	if len(rep.Skipped) != 1 || rep.Skipped[0].SubjectID != "cus_gone" {
		t.Errorf("Skipped = %+v, want cus_gone", rep.Skipped)
	}
	findings := map[string]screening.Finding{}
	for _, f := range rep.Findings {
		findings[f.SubjectID] = f
	}
	if len(findings) != 3 {
		t.Fatalf("findings for %v, want cus_a, cus_held and %s", slices.Collect(mapsKeys(findings)), amara)
	}
	for _, id := range []string{"cus_a", amara} {
		f := findings[id]
		if len(f.Hits) != 1 || f.Hits[0].Entry != "4" || f.Hits[0].Rule != screening.RuleOFAC || !slices.Equal(f.InFlight, []string{"tr_a"}) ||
			f.CaseID != screening.RescreeningID(id, version) {
			t.Errorf("finding for %s = %+v, want entry 4 with tr_a in flight", id, f)
		}
	}
	if f := findings["cus_held"]; len(f.Hits) != 1 || f.Hits[0].Entry != "1" || len(f.InFlight) != 0 {
		t.Errorf("finding for cus_held = %+v, want entry 1, nothing in flight", f)
	}
	if f := findings[amara]; f.Role != process.RoleRecipient {
		t.Errorf("recipient finding role %q", f.Role)
	}
	st := e.compliance(t, "cus_a")
	rec := st.Screenings[screening.RescreeningID("cus_a", version)]
	if rec.TransferID != "" || rec.Outcome != compliance.OutcomeHeld || rec.ListVersion != version {
		t.Errorf("re-screening recorded %+v", rec)
	}
	if _, ok := st.Screenings[screening.RescreeningID("cus_old", version)]; ok {
		t.Error("cus_old was re-screened")
	}
	if got := e.events(t, "compliance-cus_old"); count(got, compliance.TypeScreeningRecorded) != 1 {
		t.Errorf("cus_old events %v", got)
	}
	// The transfer itself is left alone.
	if types := e.events(t, "transfer-tr_a"); len(types) != 1 {
		t.Errorf("transfer tr_a events %v, want only its request", types)
	}

	// Running again for the same version records nothing new.
	before := len(e.events(t, "compliance-cus_a"))
	again, err := r.Rescreen(ctx, v2)
	if err != nil {
		t.Fatal(err)
	}
	if again.Screened != rep.Screened || len(again.Findings) != len(rep.Findings) || len(e.events(t, "compliance-cus_a")) != before {
		t.Errorf("second run %+v changed the record", again)
	}

	// A clearance sticks for the re-screened pair too.
	if _, err := e.reviews.ClearFalsePositive(ctx, "alice", "cus_a", "4", "different person: date of birth"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	res, err := e.screener.Screen(ctx, sender("cus_a", "tr_a2", "NG"))
	if err != nil || len(res.Hits) != 0 {
		t.Errorf("screening after the clearance = %+v, %v; want no hits", res, err)
	}
}

func mapsKeys(m map[string]screening.Finding) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestRescreenOnNewListVersion(t *testing.T) {
	ctx := context.Background()
	e, _ := rescreenWorld(t)
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	scr, err := screening.NewScreener(screening.Config{Store: e.store, Clock: e.clock, Lists: e.lists, Vault: e.vault, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	r, err := screening.NewRescreener(scr, screening.RescreenOptions{Recent: 7 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for i, name := range sanctionslist.FileNames {
		if err := os.WriteFile(filepath.Join(dir, name), smallFiles("DOB 01 Jan 1970.", "SDGT", nwosu)[i], 0o600); err != nil {
			t.Fatal(err)
		}
	}
	src := &sanctionslist.DirSource{Dir: dir}
	loader, err := sanctionslist.New(sanctionslist.Config{Source: src, Store: e.store, Holder: e.lists, Clock: e.clock,
		OnNewVersion: r.OnNewVersion, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	out, err := loader.Refresh(ctx)
	if err != nil || !out.Installed {
		t.Fatalf("Refresh = %+v, %v", out, err)
	}
	log := logs.String()
	if !strings.Contains(log, "re-screening: new sanctions hit") || !strings.Contains(log, `"subject":"cus_a"`) ||
		!strings.Contains(log, `"transfers_in_flight":"tr_a"`) || !strings.Contains(log, "re-screening done") {
		t.Errorf("logs lack the finding for cus_a:\n%s", log)
	}
	for _, name := range []string{"Nwosu", "NWOSU", "Okafor"} {
		if strings.Contains(log, name) {
			t.Errorf("logs name %q:\n%s", name, log)
		}
	}
	if _, ok := e.compliance(t, "cus_a").Screenings[screening.RescreeningID("cus_a", out.Version.ID)]; !ok {
		t.Error("the hook did not record the re-screening")
	}
}

func TestRescreenBadInput(t *testing.T) {
	e := newEnv(t, nil)
	if _, err := screening.NewRescreener(nil, screening.RescreenOptions{}); !errors.Is(err, screening.ErrInvalidConfig) {
		t.Errorf("NewRescreener(nil) = %v", err)
	}
	if _, err := screening.NewRescreener(e.screener, screening.RescreenOptions{Recent: -time.Hour}); !errors.Is(err, screening.ErrInvalidConfig) {
		t.Errorf("NewRescreener(negative window) = %v", err)
	}
	r, _ := screening.NewRescreener(e.screener, screening.RescreenOptions{})
	if _, err := r.Rescreen(context.Background(), nil); !errors.Is(err, screening.ErrInvalidConfig) {
		t.Errorf("Rescreen(nil) = %v", err)
	}
	// Nobody to re-screen.
	sc, _ := sanctions.NewScreener(smallList(t, "x", "SDGT"), sanctions.Options{})
	rep, err := r.Rescreen(context.Background(), sc)
	if err != nil || rep.Screened != 0 || len(rep.Findings) != 0 {
		t.Errorf("Rescreen of an empty store = %+v, %v", rep, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.Rescreen(ctx, sc); !errors.Is(err, context.Canceled) {
		t.Errorf("Rescreen(cancelled) = %v, want context.Canceled", err)
	}
}
