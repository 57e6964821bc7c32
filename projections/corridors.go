package projections

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/ledger"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/transfer"
	"github.com/remitflow/remitflow/domain/wallet"
)

// Corridor is a send currency → receive currency route.
type Corridor struct {
	Send    money.Currency `json:"send"`
	Receive money.Currency `json:"receive"`
}

// String formats as "USD-KES".
func (c Corridor) String() string { return string(c.Send) + "-" + string(c.Receive) }

// ParseCorridor parses "USD-KES" (or "USD/KES"). It returns an error
// wrapping ErrInvalidArgument for anything else.
func ParseCorridor(s string) (Corridor, error) {
	send, recv, ok := strings.Cut(strings.ReplaceAll(s, "/", "-"), "-")
	c := Corridor{Send: money.Currency(send), Receive: money.Currency(recv)}
	if !ok || !c.Send.Valid() || !c.Receive.Valid() {
		return Corridor{}, fmt.Errorf("%w: corridor %q is not two currency codes like USD-KES", ErrInvalidArgument, s)
	}
	return c, nil
}

// CorridorDay is a corridor's activity on one UTC day. Requests count on
// the day they were made, revenue on the day the transfer was settled,
// completions and refunds on the day they happened.
type CorridorDay struct {
	Corridor Corridor `json:"corridor"`
	// Day is the day's start, 00:00 UTC.
	Day time.Time `json:"day"`
	// Transfers counts the transfers requested.
	Transfers int `json:"transfers"`
	// SendVolume sums their quoted send amounts (the part converted, fees
	// excluded) and ReceiveVolume their quoted receive amounts.
	SendVolume    money.Amount `json:"send_volume"`
	ReceiveVolume money.Amount `json:"receive_volume"`
	// Fees (send currency) and FXMargin (receive currency) are the revenue
	// booked by the settlements: postings to revenue:fees and revenue:fx.
	// FXMargin may carry more precision than the currency's minor units.
	Fees     money.Amount `json:"fees"`
	FXMargin money.Amount `json:"fx_margin"`
	// Completed and Refunded count the transfers that completed or were
	// refunded that day.
	Completed int `json:"completed"`
	Refunded  int `json:"refunded"`
}

// CorridorTotals sums a corridor's days in [From, To].
type CorridorTotals struct {
	Corridor Corridor `json:"corridor"`
	// From and To are the first and last day, 00:00 UTC.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Days counts the days with activity.
	Days          int          `json:"days"`
	Transfers     int          `json:"transfers"`
	SendVolume    money.Amount `json:"send_volume"`
	ReceiveVolume money.Amount `json:"receive_volume"`
	Fees          money.Amount `json:"fees"`
	FXMargin      money.Amount `json:"fx_margin"`
	Completed     int          `json:"completed"`
	Refunded      int          `json:"refunded"`
}

type corridorDayKey struct {
	corridor Corridor
	day      string // 2006-01-02
}

// Corridors is the read model of volume, fees and FX margin per corridor and
// UTC day, from transfer requests, wallet settlements and transfer
// completions and refunds. It is safe for concurrent readers.
type Corridors struct {
	decoder *Decoder
	memo    *decodeMemo

	mu        sync.RWMutex
	days      map[corridorDayKey]*CorridorDay
	corridors map[Corridor]bool
	transfers map[string]Corridor // transfer ID → its corridor
}

// NewCorridors returns an empty corridors read model; d must decode the
// "transfer" and "wallet" categories.
func NewCorridors(d *Decoder) *Corridors {
	return &Corridors{
		decoder:   d,
		days:      map[corridorDayKey]*CorridorDay{},
		corridors: map[Corridor]bool{},
		transfers: map[string]Corridor{},
	}
}

// Name implements Projection.
func (c *Corridors) Name() string { return "corridors" }

func dayOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// day returns the bucket of a corridor and instant; callers hold the lock.
func (c *Corridors) day(cor Corridor, at time.Time) *CorridorDay {
	d := dayOf(at)
	k := corridorDayKey{cor, d.Format(time.DateOnly)}
	b := c.days[k]
	if b == nil {
		b = zeroDay(cor, d)
		c.days[k] = b
	}
	return b
}

func zeroDay(cor Corridor, d time.Time) *CorridorDay {
	return &CorridorDay{
		Corridor: cor, Day: d,
		SendVolume: money.Zero(cor.Send), ReceiveVolume: money.Zero(cor.Receive),
		Fees: money.Zero(cor.Send), FXMargin: money.Zero(cor.Receive),
	}
}

// Apply folds transfer requests, completions and refunds, and wallet
// settlements of known transfers.
func (c *Corridors) Apply(ev eventstore.RecordedEvent) error {
	cat := eventstore.Category(ev.Stream)
	if cat != transfer.Aggregate.Category && cat != wallet.Aggregate.Category {
		return nil
	}
	e, m, err := c.memo.lookup(c.decoder, ev)
	if err != nil {
		return fmt.Errorf("corridors: %w", err)
	}
	at := m.at
	c.mu.Lock()
	defer c.mu.Unlock()
	switch e := e.(type) {
	case transfer.Requested:
		cor := Corridor{Send: e.Quote.Send.Currency, Receive: e.Quote.Receive.Currency}
		c.transfers[e.TransferID] = cor
		c.corridors[cor] = true
		b := c.day(cor, at)
		b.Transfers++
		b.SendVolume.Value = b.SendVolume.Value.Add(e.Quote.Send.Value)
		b.ReceiveVolume.Value = b.ReceiveVolume.Value.Add(e.Quote.Receive.Value)
	case transfer.Completed:
		if cor, ok := c.transfers[e.TransferID]; ok {
			c.day(cor, at).Completed++
		}
	case transfer.Refunded:
		if cor, ok := c.transfers[e.TransferID]; ok {
			c.day(cor, at).Refunded++
		}
	case wallet.Settled:
		cor, ok := c.transfers[e.TransferID]
		if !ok {
			return nil
		}
		b := c.day(cor, at)
		for _, p := range e.Postings {
			switch {
			case p.Account == ledger.RevenueFees && p.Amount.Currency == cor.Send:
				b.Fees.Value = b.Fees.Value.Add(p.Amount.Value)
			case p.Account == ledger.RevenueFX && p.Amount.Currency == cor.Receive:
				b.FXMargin.Value = b.FXMargin.Value.Add(p.Amount.Value)
			}
		}
	}
	return nil
}

// Corridors returns every corridor with a transfer, in code order.
func (c *Corridors) Corridors() []Corridor {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]Corridor, 0, len(c.corridors))
	for cor := range c.corridors {
		out = append(out, cor)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// Days returns a corridor's days with activity from the day of from to the
// day of to, both included, oldest first. It returns an error wrapping
// ErrNotFound for a corridor without transfers and ErrInvalidArgument when
// to is before from.
func (c *Corridors) Days(cor Corridor, from, to time.Time) ([]CorridorDay, error) {
	first, last := dayOf(from), dayOf(to)
	if last.Before(first) {
		return nil, fmt.Errorf("%w: range ends %s before it starts %s", ErrInvalidArgument, last.Format(time.DateOnly), first.Format(time.DateOnly))
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.corridors[cor] {
		return nil, fmt.Errorf("%w: corridor %s", ErrNotFound, cor)
	}
	out := []CorridorDay{}
	for k, b := range c.days {
		if k.corridor == cor && !b.Day.Before(first) && !b.Day.After(last) {
			out = append(out, *b)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Day.Before(out[j].Day) })
	return out, nil
}

// Day returns a corridor's activity on the UTC day of at (all zero on a day
// without any). It returns an error wrapping ErrNotFound for a corridor
// without transfers.
func (c *Corridors) Day(cor Corridor, at time.Time) (CorridorDay, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.corridors[cor] {
		return CorridorDay{}, fmt.Errorf("%w: corridor %s", ErrNotFound, cor)
	}
	d := dayOf(at)
	if b := c.days[corridorDayKey{cor, d.Format(time.DateOnly)}]; b != nil {
		return *b, nil
	}
	return *zeroDay(cor, d), nil
}

// Totals sums a corridor's days from the day of from to the day of to. It
// returns the errors of Days.
func (c *Corridors) Totals(cor Corridor, from, to time.Time) (CorridorTotals, error) {
	days, err := c.Days(cor, from, to)
	if err != nil {
		return CorridorTotals{}, err
	}
	z := zeroDay(cor, time.Time{})
	t := CorridorTotals{
		Corridor: cor, From: dayOf(from), To: dayOf(to), Days: len(days),
		SendVolume: z.SendVolume, ReceiveVolume: z.ReceiveVolume, Fees: z.Fees, FXMargin: z.FXMargin,
	}
	for _, d := range days {
		t.Transfers += d.Transfers
		t.Completed += d.Completed
		t.Refunded += d.Refunded
		t.SendVolume.Value = t.SendVolume.Value.Add(d.SendVolume.Value)
		t.ReceiveVolume.Value = t.ReceiveVolume.Value.Add(d.ReceiveVolume.Value)
		t.Fees.Value = t.Fees.Value.Add(d.Fees.Value)
		t.FXMargin.Value = t.FXMargin.Value.Add(d.FXMargin.Value)
	}
	return t, nil
}

// Digest implements Projection: SHA-256 over every corridor day in
// corridor and day order, and the corridor of every transfer.
func (c *Corridors) Digest() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	keys := make([]corridorDayKey, 0, len(c.days))
	for k := range c.days {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if a, b := keys[i].corridor.String(), keys[j].corridor.String(); a != b {
			return a < b
		}
		return keys[i].day < keys[j].day
	})
	h := sha256.New()
	for _, k := range keys {
		writeCanonical(h, "day", *c.days[k])
	}
	for _, id := range sortedKeys(c.transfers) {
		fmt.Fprintf(h, "transfer %s %s\n", id, c.transfers[id])
	}
	return hex.EncodeToString(h.Sum(nil))
}
