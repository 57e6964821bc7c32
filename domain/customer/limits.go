package customer

import (
	"fmt"

	"github.com/remitflow/remitflow/domain/money"
)

// Tier is a KYC tier: 0 (phone verified), 1 (ID document verified), 2
// (enhanced due diligence: proof of address and source of funds).
type Tier int

// KYC tiers.
const (
	Tier0 Tier = 0
	Tier1 Tier = 1
	Tier2 Tier = 2
)

// Valid reports whether t is a known tier.
func (t Tier) Valid() bool { return t >= Tier0 && t <= Tier2 }

// String formats as "tier1".
func (t Tier) String() string { return fmt.Sprintf("tier%d", int(t)) }

// LimitsCurrency is the currency every limit is expressed in: amounts in
// other currencies are converted to their USD equivalent at the quote's rate
// before they are compared.
const LimitsCurrency money.Currency = "USD"

// Limits are what a tier may send. Its shape is identical to
// compliance.Limits, so one converts to the other with a plain conversion.
type Limits struct {
	// Tier is the tier these limits belong to.
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

// tierLimits is the limits table; see LimitsTable.
var tierLimits = [...]Limits{
	{Tier: 0, Single: usd("100"), Daily: usd("200"), Monthly: usd("500"), MaxCount24h: 3},
	{Tier: 1, Single: usd("1000"), Daily: usd("2000"), Monthly: usd("5000"), MaxCount24h: 10},
	{Tier: 2, Single: usd("10000"), Daily: usd("20000"), Monthly: usd("60000"), MaxCount24h: 25},
}

func usd(v string) money.Amount { return money.MustParse(v, string(LimitsCurrency)) }

// LimitsTable returns the limits of every tier, in USD:
//
//	tier  single  24 hours  30 days  transfers per 24 hours
//	0        100       200      500   3
//	1      1,000     2,000    5,000  10
//	2     10,000    20,000   60,000  25
func LimitsTable() []Limits { return append([]Limits(nil), tierLimits[:]...) }

// LimitsFor returns a tier's limits; ok is false for an unknown tier.
func LimitsFor(t Tier) (l Limits, ok bool) {
	if !t.Valid() {
		return Limits{}, false
	}
	return tierLimits[t], true
}
