package wallet

import (
	"fmt"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/shopspring/decimal"
)

func decideApproveCreditLine(s State, c ApproveCreditLine, now time.Time) ([]command.Event, error) {
	if !c.Limit.Currency.Valid() {
		return nil, fmt.Errorf("%w: limit has unknown currency %q", ErrInvalidCommand, c.Limit.Currency)
	}
	if c.Limit.IsNegative() {
		return nil, fmt.Errorf("%w: limit must not be negative, got %s", ErrInvalidCommand, c.Limit)
	}
	if s.Credit.Approved() {
		if s.Credit.Limit.Currency != c.Limit.Currency {
			return nil, fmt.Errorf("%w: line is in %s, limit given in %s", ErrCreditCurrency, s.Credit.Limit.Currency, c.Limit.Currency)
		}
		if s.Credit.Limit.Equal(c.Limit) {
			return nil, nil
		}
		if c.Limit.Value.LessThan(s.Credit.Drawn) {
			return nil, fmt.Errorf("%w: limit %s, drawn %s", ErrCreditLimitBelowDrawn, c.Limit, s.Credit.Drawn)
		}
	}
	return []command.Event{CreditLineApproved{CustomerID: c.CustomerID, Limit: c.Limit, At: now}}, nil
}

func decideRepayCredit(s State, c RepayCredit, now time.Time) ([]command.Event, error) {
	if err := checkPositive("repayment", c.Amount); err != nil {
		return nil, err
	}
	switch c.Source {
	case SourceAvailable:
	case SourceExternal:
		if c.FundingRef == "" {
			return nil, fmt.Errorf("%w: external repayment needs a funding reference", ErrInvalidCommand)
		}
		if prev, ok := s.Fundings[c.FundingRef]; ok {
			if prev.Equal(c.Amount) {
				return nil, nil
			}
			return nil, fmt.Errorf("%w: %s was %s, now %s", ErrDuplicateFunding, c.FundingRef, prev, c.Amount)
		}
	default:
		return nil, fmt.Errorf("%w: repayment source %q", ErrInvalidCommand, c.Source)
	}
	if !s.Credit.Approved() {
		return nil, ErrNoCreditLine
	}
	if c.Amount.Currency != s.Credit.Limit.Currency {
		return nil, fmt.Errorf("%w: line is in %s, repayment in %s", ErrCreditCurrency, s.Credit.Limit.Currency, c.Amount.Currency)
	}
	if c.Amount.Value.GreaterThan(s.Credit.Drawn) {
		return nil, fmt.Errorf("%w: repay %s, drawn %s", ErrOverRepayment, c.Amount, s.Credit.Drawn)
	}
	if c.Source == SourceAvailable && s.AvailableIn(c.Amount.Currency).Value.LessThan(c.Amount.Value) {
		return nil, fmt.Errorf("%w: available %s, repay %s", ErrInsufficientFunds, s.AvailableIn(c.Amount.Currency), c.Amount)
	}
	return []command.Event{CreditRepaid{
		CustomerID: c.CustomerID, Amount: c.Amount, Source: c.Source, FundingRef: c.FundingRef, At: now,
	}}, nil
}

func decideCreateInstallmentPlan(s State, c CreateInstallmentPlan, now time.Time) ([]command.Event, error) {
	n := len(c.DueDates)
	if n == 0 {
		return nil, fmt.Errorf("%w: an installment plan needs at least one due date", ErrInvalidCommand)
	}
	for i, d := range c.DueDates {
		if !d.After(now) {
			return nil, fmt.Errorf("%w: due date %d (%s) is not after now", ErrInvalidCommand, i+1, d.Format(time.RFC3339))
		}
		if i > 0 && !d.After(c.DueDates[i-1]) {
			return nil, fmt.Errorf("%w: due dates must be strictly increasing", ErrInvalidCommand)
		}
	}
	if !s.Credit.Approved() {
		return nil, ErrNoCreditLine
	}
	if !s.Credit.Drawn.IsPositive() {
		return nil, ErrNothingDrawn
	}
	if s.Credit.PlanOpen() {
		return nil, ErrPlanExists
	}
	ccy := s.Credit.Limit.Currency
	total := money.Amount{Value: s.Credit.Drawn, Currency: ccy}
	part := money.Amount{Value: total.Value.Div(decimal.NewFromInt(int64(n))), Currency: ccy}.RoundDown()
	if n > 1 && !part.IsPositive() {
		return nil, fmt.Errorf("%w: %s cannot be split into %d parts", ErrInvalidCommand, total, n)
	}
	ins := make([]Installment, n)
	left := total.Value
	for i, d := range c.DueDates {
		amt := part.Value
		if i == n-1 {
			amt = left
		}
		left = left.Sub(amt)
		ins[i] = Installment{Number: i + 1, Due: d, Amount: money.Amount{Value: amt, Currency: ccy}}
	}
	return []command.Event{InstallmentPlanCreated{CustomerID: c.CustomerID, Installments: ins, At: now}}, nil
}

func decideMarkOverdue(s State, c MarkOverdue, now time.Time) ([]command.Event, error) {
	var events []command.Event
	for _, p := range s.Credit.Plan {
		if p.Overdue || !p.Outstanding().IsPositive() || !now.After(p.Due) {
			continue
		}
		events = append(events, InstallmentOverdue{
			CustomerID: c.CustomerID, Number: p.Number, Due: p.Due, Outstanding: p.Outstanding(), At: now,
		})
	}
	return events, nil
}
