package compliance

import (
	"fmt"
	"strings"
	"time"

	"github.com/remitflow/remitflow/domain/money"
)

// Hit is one sanctions-list entry that matched a screened name.
type Hit struct {
	// EntryID identifies the list entry (the OFAC ent_num as a string).
	EntryID string `json:"entry_id"`
	// EntryHash is a hash of what the list says about the entry; a
	// false-positive clearance holds only while it is unchanged.
	EntryHash string `json:"entry_hash"`
	// Name is the entry's primary name; MatchedName the name or alias that matched.
	Name        string   `json:"name"`
	MatchedName string   `json:"matched_name,omitempty"`
	Score       float64  `json:"score"`
	Reasons     []string `json:"reasons,omitempty"`
}

// Role says whom a screening was about.
type Role string

// Screening roles.
const (
	RoleSender    Role = "sender"
	RoleRecipient Role = "recipient"
)

// Decision is a reviewer's decision on a case.
type Decision string

// Decisions.
const (
	// Release lets the held transfer continue.
	Release Decision = "release"
	// Reject stops it (the transfer is then refunded).
	Reject Decision = "reject"
)

// Outcome summarises a screening.
type Outcome string

// Screening outcomes.
const (
	// OutcomeClear: no hit at or above the threshold.
	OutcomeClear Outcome = "clear"
	// OutcomeCleared: every hit at or above the threshold was cleared before
	// as a false positive for the entry's current content.
	OutcomeCleared Outcome = "cleared"
	// OutcomeHeld: at least one hit holds; a case was opened.
	OutcomeHeld Outcome = "held"
)

// Limits are a KYC tier's limits, in USD-equivalent. The shape is identical
// to customer.Limits, so compliance.Limits(customer.LimitsFor(tier)) converts.
type Limits struct {
	// Tier is the tier these limits belong to; it names the rules.
	Tier int
	// Single is the largest single transfer.
	Single money.Amount
	// Daily caps the sum of transfers in any rolling 24 hours.
	Daily money.Amount
	// Monthly caps the sum of transfers in any rolling 30 days.
	Monthly money.Amount
	// MaxCount24h caps the number of transfers in any rolling 24 hours.
	MaxCount24h int
}

// Rolling windows of the limit rules.
const (
	DayWindow   = 24 * time.Hour
	MonthWindow = 30 * 24 * time.Hour
)

// LimitsCurrency is the currency of every limit and recorded amount.
const LimitsCurrency money.Currency = "USD"

// RuleOutcome is the result of one limit rule.
type RuleOutcome struct {
	// Rule names the rule: "tier1.single_limit", "tier1.daily_limit",
	// "tier1.monthly_limit", "tier1.velocity_24h".
	Rule   string `json:"rule"`
	Passed bool   `json:"passed"`
	Detail string `json:"detail"`
}

// Rule name suffixes; the full name is "tier<N>." + suffix.
const (
	RuleSingle   = "single_limit"
	RuleDaily    = "daily_limit"
	RuleMonthly  = "monthly_limit"
	RuleVelocity = "velocity_24h"
)

// LimitError reports the rules a transfer failed. It matches
// ErrTierLimitExceeded when an amount rule failed and ErrVelocityExceeded
// when the count rule failed.
type LimitError struct {
	Outcomes []RuleOutcome
}

// Failed returns the failed outcomes.
func (e *LimitError) Failed() []RuleOutcome {
	var out []RuleOutcome
	for _, o := range e.Outcomes {
		if !o.Passed {
			out = append(out, o)
		}
	}
	return out
}

// Error lists the failed rules.
func (e *LimitError) Error() string {
	parts := make([]string, 0, len(e.Outcomes))
	for _, o := range e.Failed() {
		parts = append(parts, o.Rule+": "+o.Detail)
	}
	return fmt.Sprintf("compliance: transfer refused by %s", strings.Join(parts, "; "))
}

// Unwrap returns the sentinels the failures match.
func (e *LimitError) Unwrap() []error {
	var errs []error
	amount, count := false, false
	for _, o := range e.Failed() {
		if strings.HasSuffix(o.Rule, "."+RuleVelocity) {
			count = true
		} else {
			amount = true
		}
	}
	if amount {
		errs = append(errs, ErrTierLimitExceeded)
	}
	if count {
		errs = append(errs, ErrVelocityExceeded)
	}
	return errs
}
