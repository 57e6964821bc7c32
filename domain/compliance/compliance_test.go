package compliance_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/command/commandtest"
	"github.com/remitflow/remitflow/domain/compliance"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/money"
)

var (
	t0    = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	sys   = compliance.Meta{ID: "cmd-1", Actor: "system:transfer-process"}
	staff = compliance.Meta{ID: "cmd-2", Actor: "staff:alice"}
	hitA  = compliance.Hit{EntryID: "36", EntryHash: "h36", Name: "AEROCARIBBEAN AIRLINES", MatchedName: "AERO-CARIBBEAN", Score: 0.93, Reasons: []string{"token-set 0.93"}}
	hitB  = compliance.Hit{EntryID: "173", EntryHash: "h173", Name: "ANGLO-CARIBBEAN CO., LTD.", Score: 0.90}
	low   = compliance.Hit{EntryID: "306", EntryHash: "h306", Name: "BANCO NACIONAL DE CUBA", Score: 0.70}
)

func usd(v string) money.Amount { return money.MustParse(v, "USD") }

func tier1() compliance.Limits {
	l, _ := customer.LimitsFor(customer.Tier1)
	return compliance.Limits(l)
}

func show(t *testing.T, events []command.Event) string {
	t.Helper()
	return commandtest.Show(t, events...)
}

type scenario struct {
	name  string
	given []command.Event
	when  compliance.Command
	now   time.Time
	then  []command.Event
	err   error
}

func run(t *testing.T, scenarios []scenario) {
	t.Helper()
	cases := make([]commandtest.Scenario[compliance.Command], len(scenarios))
	for i, sc := range scenarios {
		cases[i] = commandtest.Scenario[compliance.Command]{Name: sc.name, Given: sc.given, When: sc.when, Now: sc.now, Then: sc.then, Err: sc.err}
	}
	commandtest.Run(t, compliance.Aggregate, t0, cases)
}

func screen(id string, best float64, hits ...compliance.Hit) compliance.RecordScreening {
	return compliance.RecordScreening{Meta: sys, SubjectID: "cus_1", ScreeningID: id, TransferID: "tr_1",
		Role: compliance.RoleSender, ListVersion: "v1", Threshold: 0.88, BestScore: best, Hits: hits}
}

func recorded(c compliance.RecordScreening, outcome compliance.Outcome, caseID string) compliance.ScreeningRecorded {
	return compliance.ScreeningRecorded{SubjectID: c.SubjectID, ScreeningID: c.ScreeningID, TransferID: c.TransferID,
		Role: c.Role, ListVersion: c.ListVersion, Threshold: c.Threshold, BestScore: c.BestScore,
		Hits: append([]compliance.Hit{}, c.Hits...), Outcome: outcome, CaseID: caseID, At: t0}
}

func cleared(h compliance.Hit, caseID string) compliance.FalsePositiveCleared {
	return compliance.FalsePositiveCleared{SubjectID: "cus_1", EntryID: h.EntryID, EntryHash: h.EntryHash, EntryName: h.Name,
		CaseID: caseID, Staff: "alice", Reason: "different date of birth", At: t0}
}

func opened(id string, hits ...compliance.Hit) compliance.CaseOpened {
	return compliance.CaseOpened{SubjectID: "cus_1", CaseID: id, ScreeningID: id, TransferID: "tr_1", Hits: hits, At: t0}
}

func TestScreening(t *testing.T) {
	changed := hitA
	changed.EntryHash = "h36-v2"
	run(t, []scenario{
		{name: "below the threshold is recorded clear", when: screen("s1", 0.70, low),
			then: []command.Event{recorded(screen("s1", 0.70, low), compliance.OutcomeClear, "")}},
		{name: "no candidates", when: screen("s1", 0),
			then: []command.Event{recorded(screen("s1", 0), compliance.OutcomeClear, "")}},
		{name: "a hit opens a case", when: screen("s1", 0.93, hitA, low),
			then: []command.Event{recorded(screen("s1", 0.93, hitA, low), compliance.OutcomeHeld, "s1"), opened("s1", hitA)}},
		{name: "a cleared pair does not hold again", given: []command.Event{cleared(hitA, "")},
			when: screen("s2", 0.93, hitA),
			then: []command.Event{recorded(screen("s2", 0.93, hitA), compliance.OutcomeCleared, "")}},
		{name: "a changed entry holds again", given: []command.Event{cleared(hitA, "")},
			when: screen("s2", 0.93, changed),
			then: []command.Event{recorded(screen("s2", 0.93, changed), compliance.OutcomeHeld, "s2"), opened("s2", changed)}},
		{name: "only uncleared hits go to the case", given: []command.Event{cleared(hitA, "")},
			when: screen("s2", 0.93, hitA, hitB),
			then: []command.Event{recorded(screen("s2", 0.93, hitA, hitB), compliance.OutcomeHeld, "s2"), opened("s2", hitB)}},
		{name: "same screening again is a no-op",
			given: []command.Event{recorded(screen("s1", 0.93, hitA), compliance.OutcomeHeld, "s1"), opened("s1", hitA)},
			when:  screen("s1", 0.93, hitA)},
		{name: "same screening ID other result",
			given: []command.Event{recorded(screen("s1", 0.93, hitA), compliance.OutcomeHeld, "s1"), opened("s1", hitA)},
			when:  screen("s1", 0.70, low), err: compliance.ErrDuplicateScreening},
		{name: "no screening ID", when: screen("", 0.7), err: compliance.ErrInvalidCommand},
		{name: "no list version", when: func() compliance.Command { c := screen("s1", 0.7); c.ListVersion = ""; return c }(), err: compliance.ErrInvalidCommand},
		{name: "bad role", when: func() compliance.Command { c := screen("s1", 0.7); c.Role = "bystander"; return c }(), err: compliance.ErrInvalidCommand},
		{name: "zero threshold", when: func() compliance.Command { c := screen("s1", 0.7); c.Threshold = 0; return c }(), err: compliance.ErrInvalidCommand},
		{name: "best score above 1", when: screen("s1", 1.2), err: compliance.ErrInvalidCommand},
		{name: "hit above the best score", when: screen("s1", 0.5, hitA), err: compliance.ErrInvalidCommand},
		{name: "hit without entry hash", when: screen("s1", 0.95, compliance.Hit{EntryID: "1", Score: 0.95}), err: compliance.ErrInvalidCommand},
		{name: "no subject", when: func() compliance.Command { c := screen("s1", 0.7); c.SubjectID = ""; return c }(), err: compliance.ErrInvalidCommand},
		{name: "another subject's stream", given: []command.Event{cleared(hitA, "")},
			when: func() compliance.Command { c := screen("s1", 0.7); c.SubjectID = "cus_2"; return c }(), err: compliance.ErrInvalidCommand},
		{name: "no command ID", when: func() compliance.Command { c := screen("s1", 0.7); c.Meta.ID = ""; return c }(), err: compliance.ErrInvalidCommand},
	})
}

func TestCaseDecision(t *testing.T) {
	held := []command.Event{recorded(screen("s1", 0.93, hitA, hitB), compliance.OutcomeHeld, "s1"), opened("s1", hitA, hitB)}
	decide := func(d compliance.Decision, staffName, reason string) compliance.DecideCase {
		return compliance.DecideCase{Meta: staff, SubjectID: "cus_1", CaseID: "s1", Decision: d, Staff: staffName, Reason: reason}
	}
	decided := func(d compliance.Decision) compliance.CaseDecided {
		return compliance.CaseDecided{SubjectID: "cus_1", CaseID: "s1", TransferID: "tr_1", Decision: d,
			Staff: "alice", Reason: "different date of birth", At: t0}
	}
	releaseAndClear := decide(compliance.Release, "alice", "different date of birth")
	releaseAndClear.ClearHits = true
	rejectAndClear := decide(compliance.Reject, "alice", "x")
	rejectAndClear.ClearHits = true
	run(t, []scenario{
		{name: "releases", given: held, when: decide(compliance.Release, "alice", "different date of birth"),
			then: []command.Event{decided(compliance.Release)}},
		{name: "rejects", given: held, when: decide(compliance.Reject, "alice", "different date of birth"),
			then: []command.Event{decided(compliance.Reject)}},
		{name: "release clearing the hits", given: held, when: releaseAndClear,
			then: []command.Event{decided(compliance.Release), cleared(hitA, "s1"), cleared(hitB, "s1")}},
		{name: "reject cannot clear", given: held, when: rejectAndClear, err: compliance.ErrInvalidCommand},
		{name: "no staff", given: held, when: decide(compliance.Release, "", "ok"), err: compliance.ErrStaffRequired},
		{name: "no reason", given: held, when: decide(compliance.Release, "alice", ""), err: compliance.ErrReasonRequired},
		{name: "unknown decision", given: held, when: decide("escalate", "alice", "x"), err: compliance.ErrInvalidCommand},
		{name: "unknown case", when: decide(compliance.Release, "alice", "x"), err: compliance.ErrCaseNotFound},
		{name: "decided case", given: append(held, decided(compliance.Release)),
			when: decide(compliance.Release, "alice", "different date of birth"), err: compliance.ErrCaseClosed},
		{name: "decided case, other decision", given: append(held, decided(compliance.Reject)),
			when: decide(compliance.Release, "bob", "second look"), err: compliance.ErrCaseClosed},
	})
}

func TestClearFalsePositive(t *testing.T) {
	clear := func(h compliance.Hit, staffName, reason string) compliance.ClearFalsePositive {
		return compliance.ClearFalsePositive{Meta: staff, SubjectID: "cus_1", EntryID: h.EntryID, EntryHash: h.EntryHash,
			EntryName: h.Name, Staff: staffName, Reason: reason}
	}
	changed := hitA
	changed.EntryHash = "h36-v2"
	run(t, []scenario{
		{name: "clears", when: clear(hitA, "alice", "different date of birth"), then: []command.Event{cleared(hitA, "")}},
		{name: "clearing again is a no-op", given: []command.Event{cleared(hitA, "")}, when: clear(hitA, "alice", "again")},
		{name: "a changed entry is cleared anew", given: []command.Event{cleared(hitA, "")},
			when: clear(changed, "alice", "different date of birth"), then: []command.Event{cleared(changed, "")}},
		{name: "no staff", when: clear(hitA, "", "x"), err: compliance.ErrStaffRequired},
		{name: "no reason", when: clear(hitA, "alice", ""), err: compliance.ErrReasonRequired},
		{name: "no entry hash", when: clear(compliance.Hit{EntryID: "36"}, "alice", "x"), err: compliance.ErrInvalidCommand},
	})
}

func TestIsCleared(t *testing.T) {
	s := compliance.Evolve(compliance.Initial(), cleared(hitA, ""))
	tests := []struct {
		id, hash string
		want     bool
	}{
		{"36", "h36", true},
		{"36", "h36-v2", false},
		{"36", "", false},
		{"173", "h173", false},
	}
	for _, tt := range tests {
		if got := compliance.IsCleared(s, tt.id, tt.hash); got != tt.want {
			t.Errorf("IsCleared(%q, %q) = %v, want %v", tt.id, tt.hash, got, tt.want)
		}
	}
}

func recordedTransfer(id string, amount money.Amount, at time.Time) compliance.TransferRecorded {
	return compliance.TransferRecorded{SubjectID: "cus_1", TransferID: id, Amount: amount, Tier: 1, At: at}
}

func TestRecordTransfer(t *testing.T) {
	record := func(id string, amount money.Amount) compliance.RecordTransfer {
		return compliance.RecordTransfer{Meta: sys, SubjectID: "cus_1", TransferID: id, Amount: amount, Limits: tier1()}
	}
	ok := func(id string, amount money.Amount, prior []command.Event) compliance.TransferRecorded {
		s := compliance.Initial()
		for _, e := range prior {
			s = compliance.Evolve(s, e)
		}
		e := recordedTransfer(id, amount, t0)
		e.Outcomes = compliance.EvaluateLimits(s, tier1(), amount, t0)
		return e
	}
	day := []command.Event{
		recordedTransfer("tr_a", usd("900"), t0.Add(-23*time.Hour)),
		recordedTransfer("tr_b", usd("900"), t0.Add(-time.Hour)),
	}
	old := []command.Event{
		recordedTransfer("tr_a", usd("1000"), t0.Add(-29*24*time.Hour)),
		recordedTransfer("tr_b", usd("1000"), t0.Add(-20*24*time.Hour)),
		recordedTransfer("tr_c", usd("1000"), t0.Add(-10*24*time.Hour)),
		recordedTransfer("tr_d", usd("1000"), t0.Add(-2*24*time.Hour)),
	}
	var many []command.Event
	for i := range 10 {
		many = append(many, recordedTransfer(fmt.Sprintf("tr_%d", i), usd("1"), t0.Add(-time.Duration(i+1)*time.Minute)))
	}
	withLimits := func(f func(*compliance.Limits)) compliance.RecordTransfer {
		c := record("tr_1", usd("10"))
		f(&c.Limits)
		return c
	}
	run(t, []scenario{
		{name: "within every limit", when: record("tr_1", usd("1000")), then: []command.Event{ok("tr_1", usd("1000"), nil)}},
		{name: "above the single limit", when: record("tr_1", usd("1000.01")), err: compliance.ErrTierLimitExceeded},
		{name: "24-hour limit reached exactly", given: day, when: record("tr_1", usd("200")), then: []command.Event{ok("tr_1", usd("200"), day)}},
		{name: "above the 24-hour limit", given: day, when: record("tr_1", usd("200.01")), err: compliance.ErrTierLimitExceeded},
		{name: "the 24-hour window slides", given: day, when: record("tr_1", usd("1000")), now: t0.Add(time.Hour),
			then: []command.Event{func() command.Event {
				s := compliance.Initial()
				for _, e := range day {
					s = compliance.Evolve(s, e)
				}
				e := recordedTransfer("tr_1", usd("1000"), t0.Add(time.Hour))
				e.Outcomes = compliance.EvaluateLimits(s, tier1(), usd("1000"), t0.Add(time.Hour))
				return e
			}()}},
		{name: "30-day limit reached exactly", given: old, when: record("tr_1", usd("1000")), then: []command.Event{ok("tr_1", usd("1000"), old)}},
		{name: "above the 30-day limit", given: old, when: record("tr_1", usd("1000.01")), err: compliance.ErrTierLimitExceeded},
		{name: "velocity", given: many, when: record("tr_x", usd("1")), err: compliance.ErrVelocityExceeded},
		{name: "same transfer again is a no-op", given: []command.Event{recordedTransfer("tr_1", usd("10"), t0)}, when: record("tr_1", usd("10"))},
		{name: "same transfer other amount", given: []command.Event{recordedTransfer("tr_1", usd("10"), t0)},
			when: record("tr_1", usd("11")), err: compliance.ErrDuplicateTransfer},
		{name: "amount not in USD", when: record("tr_1", money.MustParse("10", "EUR")), err: compliance.ErrInvalidCommand},
		{name: "zero amount", when: record("tr_1", usd("0")), err: compliance.ErrInvalidCommand},
		{name: "no transfer ID", when: record("", usd("1")), err: compliance.ErrInvalidCommand},
		{name: "limits missing", when: withLimits(func(l *compliance.Limits) { *l = compliance.Limits{} }), err: compliance.ErrInvalidCommand},
		{name: "limits not in USD", when: withLimits(func(l *compliance.Limits) { l.Daily = money.MustParse("2000", "EUR") }), err: compliance.ErrInvalidCommand},
		{name: "no velocity limit", when: withLimits(func(l *compliance.Limits) { l.MaxCount24h = 0 }), err: compliance.ErrInvalidCommand},
	})
}

func TestLimitErrorNamesRules(t *testing.T) {
	s := compliance.Initial()
	for i := range 10 {
		s = compliance.Evolve(s, recordedTransfer(fmt.Sprintf("tr_%d", i), usd("150"), t0.Add(-time.Duration(i+1)*time.Minute)))
	}
	_, err := compliance.Decide(s, compliance.RecordTransfer{Meta: sys, SubjectID: "cus_1", TransferID: "tr_x", Amount: usd("1500"), Limits: tier1()}, t0)
	var le *compliance.LimitError
	if !errors.As(err, &le) {
		t.Fatalf("Decide = %v, want a *LimitError", err)
	}
	var failed []string
	for _, o := range le.Failed() {
		failed = append(failed, o.Rule)
	}
	want := "tier1.single_limit tier1.daily_limit tier1.velocity_24h"
	if got := strings.Join(failed, " "); got != want {
		t.Errorf("failed rules = %q, want %q (outcomes %+v)", got, want, le.Outcomes)
	}
	if !errors.Is(err, compliance.ErrTierLimitExceeded) || !errors.Is(err, compliance.ErrVelocityExceeded) {
		t.Errorf("error %v does not match both sentinels", err)
	}
	var k interface{ ErrorKind() string }
	if !errors.As(err, &k) || k.ErrorKind() != "refused" {
		t.Errorf("error kind = %v, want refused", k)
	}
	if !strings.Contains(err.Error(), "tier1.velocity_24h") {
		t.Errorf("error %q does not name the rule", err)
	}
}

func TestEvaluateLimitsOutcomes(t *testing.T) {
	got := compliance.EvaluateLimits(compliance.Initial(), tier1(), usd("10"), t0)
	want := []string{"tier1.single_limit", "tier1.daily_limit", "tier1.monthly_limit", "tier1.velocity_24h"}
	if len(got) != len(want) {
		t.Fatalf("EvaluateLimits = %+v", got)
	}
	for i, o := range got {
		if o.Rule != want[i] || !o.Passed || o.Detail == "" {
			t.Errorf("outcome %d = %+v, want %s passed with detail", i, o, want[i])
		}
	}
}

func TestOpenCases(t *testing.T) {
	s := compliance.Initial()
	for _, e := range []command.Event{opened("s2", hitA), opened("s1", hitB),
		compliance.CaseDecided{SubjectID: "cus_1", CaseID: "s2", Decision: compliance.Reject, Staff: "a", Reason: "r", At: t0}} {
		s = compliance.Evolve(s, e)
	}
	if got := strings.Join(s.OpenCases(), ","); got != "s1" {
		t.Errorf("OpenCases() = %q, want s1", got)
	}
	if s.Cases["s2"].Status != compliance.CaseRejected || s.Cases["s2"].DecidedBy != "a" {
		t.Errorf("case s2 = %+v", s.Cases["s2"])
	}
}

func TestOpenCase(t *testing.T) {
	rules := []compliance.RuleOutcome{{Rule: "tier1.daily_limit", Passed: false, Detail: "2100.00 USD in 24 hours"}}
	open := func(id string, r []compliance.RuleOutcome, reason string) compliance.OpenCase {
		return compliance.OpenCase{Meta: sys, SubjectID: "cus_1", CaseID: id, TransferID: "tr_1", Rules: r, Reason: reason}
	}
	opened := compliance.CaseOpened{SubjectID: "cus_1", CaseID: "k1", TransferID: "tr_1", Hits: []compliance.Hit{}, Rules: rules, Reason: "over the daily limit", At: t0}
	screened := []command.Event{recorded(screen("s1", 0.93, hitA), compliance.OutcomeHeld, "s1"), compliance.CaseOpened{SubjectID: "cus_1", CaseID: "s1", ScreeningID: "s1", TransferID: "tr_1", Hits: []compliance.Hit{hitA}, At: t0}}
	run(t, []scenario{
		{name: "opens a case for rules", when: open("k1", rules, "over the daily limit"), then: []command.Event{opened}},
		{name: "same case again is a no-op", given: []command.Event{opened}, when: open("k1", rules, "over the daily limit")},
		{name: "case ID reused", given: []command.Event{opened}, when: open("k1", nil, "staff referral"), err: compliance.ErrCaseExists},
		{name: "case ID of a screening", given: screened, when: open("s1", nil, "staff referral"), err: compliance.ErrCaseExists},
		{name: "no reason at all", when: open("k1", nil, ""), err: compliance.ErrReasonRequired},
		{name: "no case ID", when: open("", rules, "x"), err: compliance.ErrInvalidCommand},
		{name: "an opened case can be decided", given: []command.Event{opened},
			when: compliance.DecideCase{Meta: staff, SubjectID: "cus_1", CaseID: "k1", Decision: compliance.Release, Staff: "alice", Reason: "salary"},
			then: []command.Event{compliance.CaseDecided{SubjectID: "cus_1", CaseID: "k1", TransferID: "tr_1", Decision: compliance.Release, Staff: "alice", Reason: "salary", At: t0}}},
	})
}
