// Package ledger is double-entry bookkeeping for events that move money.
//
// Every money-moving event carries Postings: signed balance changes to named
// accounts. Within one event the postings of each currency sum to exactly
// zero, so money is never created or destroyed, only moved; FX conversion
// moves the send currency into the fx:<CCY> position and the receive currency
// out of it. Positive amounts increase an account's balance.
//
// Account names:
//
//	customer:<id>:available   money a customer can spend
//	customer:<id>:reserved    money held for a transfer in flight
//	credit:<id>               credit drawn by a customer (negative while owed)
//	fx:<CCY>                  the platform's FX position in a currency
//	revenue:fees, revenue:fx  fee and FX-margin income
//	partner:<id>:payable      owed to a payout partner
//	agent:<id>:float          an agent's cash float
//	agent:<id>:commission     commission owed to an agent
//	expense:commission        commission cost
//	external:funding          money entering or leaving the platform
package ledger

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/remitflow/remitflow/domain/money"
	"github.com/shopspring/decimal"
)

// Errors returned by Validate.
var (
	// ErrUnbalanced means a currency's postings do not sum to zero.
	ErrUnbalanced = errors.New("ledger: postings do not balance")
	// ErrInvalidPosting means a posting has no account or an invalid amount.
	ErrInvalidPosting = errors.New("ledger: invalid posting")
)

// Account names a ledger account; see the package comment for the scheme.
type Account string

// Well-known platform accounts.
const (
	RevenueFees       Account = "revenue:fees"
	RevenueFX         Account = "revenue:fx"
	ExpenseCommission Account = "expense:commission"
	ExternalFunding   Account = "external:funding"
)

// CustomerAvailable is the spendable balance of a customer.
func CustomerAvailable(customerID string) Account {
	return Account("customer:" + customerID + ":available")
}

// CustomerReserved holds a customer's money reserved for transfers in flight.
func CustomerReserved(customerID string) Account {
	return Account("customer:" + customerID + ":reserved")
}

// Credit is a customer's drawn credit line (negative while owed).
func Credit(customerID string) Account { return Account("credit:" + customerID) }

// FX is the platform's FX position in a currency.
func FX(c money.Currency) Account { return Account("fx:" + string(c)) }

// PartnerPayable is what the platform owes a payout partner.
func PartnerPayable(partnerID string) Account { return Account("partner:" + partnerID + ":payable") }

// AgentFloat is an agent's cash float.
func AgentFloat(agentID string) Account { return Account("agent:" + agentID + ":float") }

// AgentCommission is commission owed to an agent.
func AgentCommission(agentID string) Account { return Account("agent:" + agentID + ":commission") }

// Posting is one signed balance change.
type Posting struct {
	Account Account      `json:"account"`
	Amount  money.Amount `json:"amount"`
}

// Postings are the balance changes of one event.
type Postings []Posting

// Validate checks that every posting names an account and a known currency,
// and that each currency sums to exactly zero. It returns errors wrapping
// ErrInvalidPosting or ErrUnbalanced.
func (ps Postings) Validate() error {
	if len(ps) == 0 {
		return fmt.Errorf("%w: no postings", ErrInvalidPosting)
	}
	sums := map[money.Currency]decimal.Decimal{}
	for i, p := range ps {
		if p.Account == "" || strings.ContainsAny(string(p.Account), " \t\n") {
			return fmt.Errorf("%w: posting %d has account %q", ErrInvalidPosting, i, p.Account)
		}
		if !p.Amount.Currency.Valid() {
			return fmt.Errorf("%w: posting %d to %s has currency %q", ErrInvalidPosting, i, p.Account, p.Amount.Currency)
		}
		sums[p.Amount.Currency] = sums[p.Amount.Currency].Add(p.Amount.Value)
	}
	for _, c := range sortedCurrencies(sums) {
		if !sums[c].IsZero() {
			return fmt.Errorf("%w: %s sums to %s", ErrUnbalanced, c, sums[c])
		}
	}
	return nil
}

// Reverse returns postings that undo ps.
func (ps Postings) Reverse() Postings {
	out := make(Postings, len(ps))
	for i, p := range ps {
		out[i] = Posting{Account: p.Account, Amount: p.Amount.Neg()}
	}
	return out
}

// Move is the two postings that move amount from one account to another.
func Move(from, to Account, amount money.Amount) Postings {
	return Postings{{Account: from, Amount: amount.Neg()}, {Account: to, Amount: amount}}
}

// Balances accumulates postings per account and currency.
type Balances map[Account]map[money.Currency]decimal.Decimal

// Apply adds postings to the balances.
func (b Balances) Apply(ps Postings) {
	for _, p := range ps {
		m := b[p.Account]
		if m == nil {
			m = map[money.Currency]decimal.Decimal{}
			b[p.Account] = m
		}
		m[p.Amount.Currency] = m[p.Amount.Currency].Add(p.Amount.Value)
	}
}

// Get returns an account's balance in a currency.
func (b Balances) Get(a Account, c money.Currency) money.Amount {
	return money.Amount{Value: b[a][c], Currency: c}
}

// Totals returns the sum over all accounts per currency; for balanced postings
// every total is zero.
func (b Balances) Totals() map[money.Currency]decimal.Decimal {
	out := map[money.Currency]decimal.Decimal{}
	for _, m := range b {
		for c, v := range m {
			out[c] = out[c].Add(v)
		}
	}
	return out
}

func sortedCurrencies(m map[money.Currency]decimal.Decimal) []money.Currency {
	out := make([]money.Currency, 0, len(m))
	for c := range m {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
