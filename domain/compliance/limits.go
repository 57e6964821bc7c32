package compliance

import (
	"fmt"
	"time"

	"github.com/remitflow/remitflow/domain/money"
	"github.com/shopspring/decimal"
)

// ValidateLimits checks that every limit is in USD and positive; errors wrap
// ErrInvalidCommand.
func ValidateLimits(l Limits) error {
	for _, a := range []struct {
		name string
		v    money.Amount
	}{{RuleSingle, l.Single}, {RuleDaily, l.Daily}, {RuleMonthly, l.Monthly}} {
		if a.v.Currency != LimitsCurrency || !a.v.IsPositive() {
			return fmt.Errorf("%w: %s must be a positive USD amount, got %q %s", ErrInvalidCommand, a.name, a.v.Currency, a.v.Value)
		}
	}
	if l.MaxCount24h <= 0 {
		return fmt.Errorf("%w: %s must be positive, got %d", ErrInvalidCommand, RuleVelocity, l.MaxCount24h)
	}
	return nil
}

// EvaluateLimits runs the tier's rules for a new transfer of amount (USD) at
// now over the transfers recorded in s, and returns one outcome per rule, in
// the order single, daily, monthly, velocity. It is pure: the same state,
// limits, amount and time give the same outcomes. Transfers recorded at or
// before now − window fall out of a rolling window.
func EvaluateLimits(s State, l Limits, amount money.Amount, now time.Time) []RuleOutcome {
	day, month := decimal.Zero, decimal.Zero
	count := 0
	for _, r := range s.Window {
		if r.At.After(now) {
			continue
		}
		if r.At.After(now.Add(-MonthWindow)) {
			month = month.Add(r.Amount.Value)
		}
		if r.At.After(now.Add(-DayWindow)) {
			day = day.Add(r.Amount.Value)
			count++
		}
	}
	name := func(rule string) string { return fmt.Sprintf("tier%d.%s", l.Tier, rule) }
	usd := func(d decimal.Decimal) string { return money.Amount{Value: d, Currency: LimitsCurrency}.String() }
	newDay, newMonth := day.Add(amount.Value), month.Add(amount.Value)
	return []RuleOutcome{
		{Rule: name(RuleSingle), Passed: !amount.Value.GreaterThan(l.Single.Value),
			Detail: fmt.Sprintf("%s against a limit of %s", amount, l.Single)},
		{Rule: name(RuleDaily), Passed: !newDay.GreaterThan(l.Daily.Value),
			Detail: fmt.Sprintf("%s in 24 hours with this transfer, limit %s", usd(newDay), l.Daily)},
		{Rule: name(RuleMonthly), Passed: !newMonth.GreaterThan(l.Monthly.Value),
			Detail: fmt.Sprintf("%s in 30 days with this transfer, limit %s", usd(newMonth), l.Monthly)},
		{Rule: name(RuleVelocity), Passed: count+1 <= l.MaxCount24h,
			Detail: fmt.Sprintf("%d transfers in 24 hours with this one, limit %d", count+1, l.MaxCount24h)},
	}
}
