package projections

import (
	"fmt"
	"time"

	"github.com/remitflow/remitflow/domain/ledger"
	"github.com/remitflow/remitflow/domain/money"
)

// FXViews converts what the other read models hold into a chosen currency:
// an account's balances (Balances) and a corridor's totals (Corridors), at
// the latest rates or at the rates in force at an instant (Rates). It holds
// no state of its own and is safe for concurrent use.
type FXViews struct {
	balances  *Balances
	corridors *Corridors
	rates     *Rates
}

// NewFXViews returns the FX-converted views over the given read models.
func NewFXViews(b *Balances, c *Corridors, r *Rates) *FXViews {
	return &FXViews{balances: b, corridors: c, rates: r}
}

// Account returns an account's current balances converted into currency
// to at the latest rates. An account without postings is worth zero, as in
// Balances. It returns the errors of Rates.ConvertLatest.
func (v *FXViews) Account(a ledger.Account, to money.Currency) (Conversion, error) {
	c, err := v.rates.ConvertLatest(v.balances.Account(a), to)
	if err != nil {
		return Conversion{}, fmt.Errorf("account %s in %s: %w", a, to, err)
	}
	return c, nil
}

// AccountAsOf returns an account's balances as they stood at instant at,
// converted into currency to at the rates in force then. An account without
// postings by then is worth zero, as in Balances. It returns the errors of
// Rates.Convert.
func (v *FXViews) AccountAsOf(a ledger.Account, to money.Currency, at time.Time) (Conversion, error) {
	c, err := v.rates.Convert(v.balances.AccountAsOf(a, at), to, at)
	if err != nil {
		return Conversion{}, fmt.Errorf("account %s in %s as of %s: %w", a, to, at.UTC().Format(time.RFC3339), err)
	}
	return c, nil
}

// CorridorInCurrency is a corridor's totals converted into one currency.
// Each figure is rounded half-to-even to the currency's minor units;
// Revenue is Fees + FXMargin added exactly and rounded once, so it may
// differ by one minor unit from the sum of the rounded figures.
type CorridorInCurrency struct {
	Totals CorridorTotals `json:"totals"`
	// At is the instant whose rates were used.
	At            time.Time    `json:"at"`
	SendVolume    money.Amount `json:"send_volume"`
	ReceiveVolume money.Amount `json:"receive_volume"`
	Fees          money.Amount `json:"fees"`
	FXMargin      money.Amount `json:"fx_margin"`
	Revenue       money.Amount `json:"revenue"`
}

// Corridor returns a corridor's totals from the day of from to the day of
// to converted into currency cur at the rates in force at instant at. It
// returns the errors of Corridors.Totals and Rates.Convert.
func (v *FXViews) Corridor(c Corridor, from, to time.Time, cur money.Currency, at time.Time) (CorridorInCurrency, error) {
	t, err := v.corridors.Totals(c, from, to)
	if err != nil {
		return CorridorInCurrency{}, err
	}
	return v.ConvertCorridor(t, cur, at)
}

// CorridorLatest is Corridor at the latest rates.
func (v *FXViews) CorridorLatest(c Corridor, from, to time.Time, cur money.Currency) (CorridorInCurrency, error) {
	at, ok := v.rates.Latest()
	if !ok {
		return CorridorInCurrency{}, fmt.Errorf("corridor %s in %s: %w: no rates recorded yet", c, cur, ErrNoRate)
	}
	return v.Corridor(c, from, to, cur, at)
}

// ConvertCorridor converts corridor totals into currency cur at the rates in
// force at instant at. It returns the errors of Rates.Convert.
func (v *FXViews) ConvertCorridor(t CorridorTotals, cur money.Currency, at time.Time) (CorridorInCurrency, error) {
	out := CorridorInCurrency{Totals: t, At: at.UTC()}
	for _, f := range []struct {
		dst *money.Amount
		src []money.Amount
	}{
		{&out.SendVolume, []money.Amount{t.SendVolume}},
		{&out.ReceiveVolume, []money.Amount{t.ReceiveVolume}},
		{&out.Fees, []money.Amount{t.Fees}},
		{&out.FXMargin, []money.Amount{t.FXMargin}},
		{&out.Revenue, []money.Amount{t.Fees, t.FXMargin}},
	} {
		c, err := v.rates.Convert(f.src, cur, at)
		if err != nil {
			return CorridorInCurrency{}, fmt.Errorf("corridor %s in %s: %w", t.Corridor, cur, err)
		}
		*f.dst = c.Amount
	}
	return out, nil
}
