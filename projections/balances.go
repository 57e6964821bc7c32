package projections

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/ledger"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/shopspring/decimal"
)

// Balances is the read model of every ledger account's balance per currency,
// built from the postings of money-moving events. It keeps each account's
// history so balances can be read as of any instant.
type Balances struct {
	decoder *Decoder

	mu       sync.RWMutex
	current  ledger.Balances
	history  map[ledger.Account][]BalanceChange
	totals   map[money.Currency]decimal.Decimal
	postings uint64
}

// BalanceChange is one posting to an account, as the history records it.
type BalanceChange struct {
	Position eventstore.Position
	At       time.Time
	Stream   string
	Type     string
	Amount   money.Amount
}

// NewBalances returns an empty balances read model.
func NewBalances(d *Decoder) *Balances {
	return &Balances{
		decoder: d,
		current: ledger.Balances{},
		history: map[ledger.Account][]BalanceChange{},
		totals:  map[money.Currency]decimal.Decimal{},
	}
}

// Name implements Projection.
func (b *Balances) Name() string { return "balances" }

// Apply folds the postings of a money-moving event. Postings that do not
// balance are an error: the log must never hold them.
func (b *Balances) Apply(ev eventstore.RecordedEvent) error {
	e, err := b.decoder.Decode(ev)
	if err != nil || e == nil {
		return err
	}
	mm, ok := e.(command.MoneyMover)
	if !ok {
		return nil
	}
	ps := mm.LedgerPostings()
	if len(ps) == 0 {
		return nil
	}
	if err := ps.Validate(); err != nil {
		return fmt.Errorf("balances: %w", err)
	}
	at := OccurredAt(ev)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.current.Apply(ps)
	for _, p := range ps {
		b.history[p.Account] = append(b.history[p.Account], BalanceChange{
			Position: ev.Position, At: at, Stream: ev.Stream, Type: ev.Type, Amount: p.Amount,
		})
		b.totals[p.Amount.Currency] = b.totals[p.Amount.Currency].Add(p.Amount.Value)
		b.postings++
	}
	return nil
}

// Balance returns an account's current balance in a currency.
func (b *Balances) Balance(a ledger.Account, c money.Currency) money.Amount {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.current.Get(a, c)
}

// Account returns an account's current balances in every currency it holds.
func (b *Balances) Account(a ledger.Account) []money.Amount {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return amounts(b.current[a])
}

// AccountAsOf returns an account's balances as they stood at instant t
// (events that occurred at or before t).
func (b *Balances) AccountAsOf(a ledger.Account, t time.Time) []money.Amount {
	b.mu.RLock()
	defer b.mu.RUnlock()
	sums := map[money.Currency]decimal.Decimal{}
	for _, ch := range b.history[a] {
		if ch.At.After(t) {
			continue
		}
		sums[ch.Amount.Currency] = sums[ch.Amount.Currency].Add(ch.Amount.Value)
	}
	return amounts(sums)
}

// History returns the postings to an account, oldest first.
func (b *Balances) History(a ledger.Account) []BalanceChange {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return append([]BalanceChange(nil), b.history[a]...)
}

// Accounts returns the accounts whose names start with prefix, sorted.
func (b *Balances) Accounts(prefix string) []ledger.Account {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []ledger.Account
	for a := range b.current {
		if strings.HasPrefix(string(a), prefix) {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Unbalanced returns the currencies whose postings, over all accounts, do not
// sum to zero. It is empty unless the log is corrupt.
func (b *Balances) Unbalanced() []money.Amount {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []money.Amount
	for _, a := range amounts(b.totals) {
		if !a.IsZero() {
			out = append(out, a)
		}
	}
	return out
}

// Digest implements Projection: SHA-256 over "account currency value" lines
// in sorted order, with values in canonical form.
func (b *Balances) Digest() string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	accounts := make([]string, 0, len(b.current))
	for a := range b.current {
		accounts = append(accounts, string(a))
	}
	sort.Strings(accounts)
	h := sha256.New()
	for _, a := range accounts {
		for _, amt := range amounts(b.current[ledger.Account(a)]) {
			fmt.Fprintf(h, "%s %s %s\n", a, amt.Currency, amt.ValueString())
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func amounts(m map[money.Currency]decimal.Decimal) []money.Amount {
	out := make([]money.Amount, 0, len(m))
	for c, v := range m {
		out = append(out, money.Amount{Value: v, Currency: c})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
	return out
}
