package compliance_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/remitflow/remitflow/domain/compliance"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// Whatever transfers are requested, and when, the recorded ones never break
// the tier's rules in any window ending at a recorded transfer, and a refusal
// always names a rule that really fails.
func TestLimitProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		limits := tier1()
		s := compliance.Initial()
		now := t0
		var recorded []compliance.TransferRecorded
		steps := rapid.IntRange(1, 120).Draw(t, "steps")
		for n := range steps {
			now = now.Add(time.Duration(rapid.IntRange(0, 36*60).Draw(t, "minutes")) * time.Minute)
			amount := money.FromMinor(rapid.Int64Range(1, 120_000).Draw(t, "cents"), "USD")
			cmd := compliance.RecordTransfer{Meta: compliance.Meta{ID: fmt.Sprintf("c%d", n), Actor: "system:test"},
				SubjectID: "cus_1", TransferID: fmt.Sprintf("tr_%d", n), Amount: amount, Limits: limits}
			events, err := compliance.Decide(s, cmd, now)
			if err != nil {
				var le *compliance.LimitError
				if !errors.As(err, &le) || len(events) != 0 || len(le.Failed()) == 0 {
					t.Fatalf("Decide(%+v) = %d events, %v", cmd, len(events), err)
				}
				continue
			}
			for _, e := range events {
				s = compliance.Evolve(s, e)
				recorded = append(recorded, e.(compliance.TransferRecorded))
			}
		}
		for _, r := range recorded {
			day, month, count := decimal.Zero, decimal.Zero, 0
			for _, q := range recorded {
				if q.At.After(r.At) {
					continue
				}
				if q.At.After(r.At.Add(-compliance.MonthWindow)) {
					month = month.Add(q.Amount.Value)
				}
				if q.At.After(r.At.Add(-compliance.DayWindow)) {
					day = day.Add(q.Amount.Value)
					count++
				}
			}
			if r.Amount.Value.GreaterThan(limits.Single.Value) || day.GreaterThan(limits.Daily.Value) ||
				month.GreaterThan(limits.Monthly.Value) || count > limits.MaxCount24h {
				t.Fatalf("at %s: single %s, 24 h %s (%d transfers), 30 days %s break %+v", r.At, r.Amount, day, count, month, limits)
			}
		}
	})
}
