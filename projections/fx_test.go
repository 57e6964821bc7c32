package projections_test

import (
	"errors"
	"testing"
	"time"

	"github.com/remitflow/remitflow/adapters/fxsource"
	"github.com/remitflow/remitflow/domain/ledger"
	"github.com/remitflow/remitflow/domain/money"
	fxrates "github.com/remitflow/remitflow/fx-rates"
	"github.com/remitflow/remitflow/projections"
	"github.com/shopspring/decimal"
)

func checkFX(t *testing.T, e *env, rm *projections.ReadModels) {
	rates := rm.Rates
	latest, ok := rates.Latest()
	if !ok || !latest.Equal(day0.Add(24*time.Hour)) {
		t.Fatalf("Latest() = %s, %v; want the newer snapshot's as-of", latest, ok)
	}

	// The book answers as a book rebuilt by fxsource.Replay does.
	replayed := must(fxrates.NewRateBook(fxrates.BookConfig{}))(t)
	if n := must(fxsource.Replay(t.Context(), e.base, replayed))(t); n != 2 {
		t.Fatalf("Replay added %d snapshots, want 2", n)
	}
	for _, at := range []time.Time{day0, latest} {
		want := must(replayed.AsOf(fxrates.MustPair("KES", "USD"), at))(t)
		got := must(rates.Rate(fxrates.MustPair("KES", "USD"), at))(t)
		if !got.Mid.Equal(want.Mid) || !got.AsOf.Equal(want.AsOf) || !got.Derived {
			t.Errorf("Rate(KES/USD, %s) = %s, replayed book says %s", at, got, want)
		}
	}

	// revenue:fees (11.96 USD) in EUR at the latest rate, EUR/USD 1.05.
	c := must(rm.FX.Account(ledger.RevenueFees, "EUR"))(t)
	inv := must(replayed.AsOf(fxrates.MustPair("USD", "EUR"), latest))(t).Mid
	if want := dec("11.96").Mul(inv).RoundBank(2); c.Amount.String() != "11.39 EUR" || !c.Amount.Value.Equal(want) || !c.At.Equal(latest) {
		t.Errorf("Account(revenue:fees, EUR) = %s at %s, want 11.39 EUR at %s", c.Amount, c.At, latest)
	}
	if len(c.Parts) != 1 || c.Parts[0].From.String() != "11.96 USD" || !c.Parts[0].Value.Equal(c.Exact) {
		t.Errorf("Account(revenue:fees, EUR) parts = %+v", c.Parts)
	}
	// As of day 1, 12:00: one fee of 2.99 USD, at the rate in force then
	// (EUR/USD 1.10): 2.99 / 1.10 = 2.7181… → 2.72.
	c = must(rm.FX.AccountAsOf(ledger.RevenueFees, "EUR", day0.Add(3*time.Hour)))(t)
	if c.Amount.String() != "2.72 EUR" || !c.Parts[0].Rate.AsOf.Equal(day0.Add(-24*time.Hour)) {
		t.Errorf("AccountAsOf(revenue:fees, EUR, day 1 12:00) = %s with rate %s, want 2.72 EUR at the day-0 rate", c.Amount, c.Parts[0].Rate)
	}
	// An account in its own currency converts at the identity rate.
	c = must(rm.FX.Account(ledger.RevenueFees, "USD"))(t)
	if c.Amount.String() != "11.96 USD" || c.Parts[0].Rate.Source != "identity" {
		t.Errorf("Account(revenue:fees, USD) = %+v", c)
	}

	// A corridor's totals in EUR: each figure rounded, revenue rounded once.
	usdkes := projections.Corridor{Send: "USD", Receive: "KES"}
	cc := must(rm.FX.CorridorLatest(usdkes, day0, latest, "EUR"))(t)
	fx := rm.Balances.Balance(ledger.RevenueFX, "KES")
	kesEUR := must(replayed.AsOf(fxrates.MustPair("KES", "EUR"), latest))(t).Mid
	exactRevenue := dec("11.96").Mul(inv).Add(fx.Value.Mul(kesEUR))
	if cc.Fees.String() != "11.39 EUR" || !cc.FXMargin.Value.Equal(fx.Value.Mul(kesEUR).RoundBank(2)) ||
		!cc.Revenue.Value.Equal(exactRevenue.RoundBank(2)) || cc.Revenue.Currency != "EUR" || cc.Totals.Transfers != 7 {
		t.Errorf("CorridorLatest(USD-KES, EUR) = %+v, want revenue %s", cc, exactRevenue.RoundBank(2))
	}
	old := must(rm.FX.Corridor(usdkes, day0, latest, "EUR", day0))(t)
	if old.Fees.Equal(cc.Fees) || !old.At.Equal(day0) {
		t.Errorf("Corridor as of day 1 = %s, the same as at the latest rate", old.Fees)
	}

	// No rate path, no rate yet, unknown currencies, unknown corridor.
	for name, err := range map[string]error{
		"JPY is never quoted":     second(rm.FX.Account(ledger.RevenueFees, "JPY")),
		"before any rate":         second(rates.Convert([]money.Amount{money.MustParse("1", "USD")}, "EUR", day0.Add(-48*time.Hour))),
		"corridor into JPY":       second(rm.FX.CorridorLatest(usdkes, day0, latest, "JPY")),
		"stale after the max age": second(rates.Convert([]money.Amount{money.MustParse("1", "USD")}, "EUR", latest.Add(200*time.Hour))),
	} {
		if !errors.Is(err, projections.ErrNoRate) || !errors.Is(err, fxrates.ErrNoRate) && !errors.Is(err, fxrates.ErrStaleRate) {
			t.Errorf("%s: error = %v, want ErrNoRate wrapping the fxrates error", name, err)
		}
	}
	// An account without postings (yet) is worth zero, and needs no rate.
	if c, err := rm.FX.Account("customer:nobody:available", "EUR"); err != nil || c.Amount.String() != "0.00 EUR" || len(c.Parts) != 0 {
		t.Errorf("Account(without postings) = %+v, %v; want 0.00 EUR", c, err)
	}
	if c, err := rm.FX.AccountAsOf(ledger.RevenueFees, "EUR", day0.Add(-72*time.Hour)); err != nil || !c.Amount.IsZero() {
		t.Errorf("AccountAsOf(before the first fee and any rate) = %+v, %v; want zero", c, err)
	}
	if _, err := rates.Convert(nil, "XXX", latest); !errors.Is(err, projections.ErrInvalidArgument) {
		t.Errorf("Convert(to XXX) error = %v, want ErrInvalidArgument", err)
	}
	if _, err := rm.FX.CorridorLatest(projections.Corridor{Send: "GBP", Receive: "NGN"}, day0, latest, "EUR"); !errors.Is(err, projections.ErrNotFound) {
		t.Errorf("CorridorLatest(unknown corridor) error = %v, want ErrNotFound", err)
	}
}

func TestRatesConvertRoundsHalfEvenOnceAndNamesMissingPaths(t *testing.T) {
	e := newEnv(t)
	rm := newAll(t)
	if _, err := rm.Rates.ConvertLatest([]money.Amount{money.MustParse("1", "USD")}, "EUR"); !errors.Is(err, projections.ErrNoRate) {
		t.Errorf("ConvertLatest with no rates: %v, want ErrNoRate", err)
	}
	at := day0
	e.publishRates(
		ecb(at, map[money.Currency]string{"USD": "2", "GBP": "0.5"}),
		// NGN is quoted only against GHS: nothing connects it to EUR or USD.
		fxrates.Snapshot{Source: "local", Base: "GHS", AsOf: at, Rates: map[money.Currency]fxrates.Price{"NGN": {Mid: dec("130")}}},
	)
	r := startRunner(t, e.base, rm)
	waitFor(t, r, e.head())

	cases := []struct {
		in    []money.Amount
		to    money.Currency
		want  string
		exact string
	}{
		// Exactly half a cent rounds to even, both ways.
		{[]money.Amount{money.MustParse("2.345", "EUR")}, "EUR", "2.34 EUR", "2.345"},
		{[]money.Amount{money.MustParse("2.355", "EUR")}, "EUR", "2.36 EUR", "2.355"},
		// Sub-cent amounts keep their precision until the output; 0.03 USD
		// is 0.015 EUR, half a cent, rounded to the even 0.02.
		{[]money.Amount{money.MustParse("0.0025", "USD"), money.MustParse("0.0025", "USD")}, "EUR", "0.00 EUR", "0.0025"},
		{[]money.Amount{money.MustParse("0.03", "USD")}, "EUR", "0.02 EUR", "0.015"},
		// Several currencies add up exactly before the one rounding:
		// 0.005 EUR + 0.01 USD (0.005 EUR) = 0.01 EUR, where rounding each
		// part first would give 0.00 + 0.00.
		{[]money.Amount{money.MustParse("0.005", "EUR"), money.MustParse("0.01", "USD")}, "EUR", "0.01 EUR", "0.01"},
		// A cross rate through the EUR pivot: 1 GBP = 2 EUR = 4 USD.
		{[]money.Amount{money.MustParse("1", "GBP")}, "USD", "4.00 USD", "4"},
		{nil, "KES", "0.00 KES", "0"},
	}
	for _, c := range cases {
		got, err := rm.Rates.Convert(c.in, c.to, at)
		if err != nil || got.Amount.String() != c.want || !got.Exact.Equal(dec(c.exact)) {
			t.Errorf("Convert(%v, %s) = %s (exact %s), %v; want %s (exact %s)", c.in, c.to, got.Amount, got.Exact, err, c.want, c.exact)
		}
	}
	_, err := rm.Rates.Convert([]money.Amount{money.MustParse("100", "NGN")}, "USD", at)
	if !errors.Is(err, projections.ErrNoRate) || !errors.Is(err, fxrates.ErrNoPath) {
		t.Errorf("Convert(NGN to USD) error = %v, want ErrNoRate and fxrates.ErrNoPath", err)
	}
	if _, err := rm.Rates.Convert([]money.Amount{{Value: decimal.New(1, 0), Currency: "ZZZ"}}, "USD", at); !errors.Is(err, projections.ErrInvalidArgument) {
		t.Errorf("Convert(unknown currency) error = %v, want ErrInvalidArgument", err)
	}
	if _, err := rm.Rates.Rate(fxrates.Pair{Base: "USD", Quote: "USD"}, at); !errors.Is(err, fxrates.ErrInvalidPair) {
		t.Errorf("Rate(USD/USD) error = %v, want ErrInvalidPair", err)
	}
}
