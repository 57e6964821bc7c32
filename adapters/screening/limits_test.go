package screening_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/remitflow/remitflow/adapters/screening"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/compliance"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/process"
	"github.com/remitflow/remitflow/domain/transfer"
	fxrates "github.com/remitflow/remitflow/fx-rates"
	"github.com/shopspring/decimal"
)

// rateBook quotes KES per USD: 129.50 from t0 − 1h, 100 from t0 + 1h.
func rateBook(t *testing.T) *fxrates.RateBook {
	t.Helper()
	b, err := fxrates.NewRateBook(fxrates.BookConfig{DefaultMaxAge: 48 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	snap := func(at time.Time, mid string) fxrates.Snapshot {
		return fxrates.Snapshot{Source: "test", Base: "USD", AsOf: at,
			Rates: map[money.Currency]fxrates.Price{"KES": {Mid: decimal.RequireFromString(mid)}}}
	}
	if err := b.Add(snap(t0.Add(-time.Hour), "129.50"), snap(t0.Add(time.Hour), "100")); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLimitsConvertAtTheRequestTime(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	e.register(t, "cus_1", "Amara Nwosu", "+254712345678", "KE", customer.Tier1)
	e.clock.Advance(2 * time.Hour) // checked after the rate moved to 100
	l, err := screening.NewLimits(e.store, e.clock, rateBook(t))
	if err != nil {
		t.Fatal(err)
	}
	tr := transferState("tr_kes", "cus_1", "Ngozi Eze", money.MustParse("6475", "KES"), t0)
	hits, err := l.Check(ctx, "cmd-1", tr)
	if err != nil || len(hits) != 0 {
		t.Fatalf("Check = %+v, %v; want within limits", hits, err)
	}
	rec, ok := e.compliance(t, "cus_1").Transfers["tr_kes"]
	if !ok || !rec.Amount.Equal(money.MustParse("50.00", "USD")) {
		t.Errorf("recorded %+v (found %v), want 50.00 USD at the request-time rate", rec, ok)
	}
	// The same check again, or under another command ID, records nothing more.
	for _, id := range []string{"cmd-1", "cmd-2"} {
		if hits, err := l.Check(ctx, id, tr); err != nil || len(hits) != 0 {
			t.Errorf("Check(%s) again = %+v, %v", id, hits, err)
		}
	}
	if n := count(e.events(t, "compliance-cus_1"), compliance.TypeTransferRecorded); n != 1 {
		t.Errorf("%d transfers recorded, want 1", n)
	}
}

func TestLimitsRefusalsBecomeHits(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	e.register(t, "cus_0", "Amara Nwosu", "+254712345678", "KE", customer.Tier0)
	l, err := screening.NewLimits(e.store, e.clock, nil)
	if err != nil {
		t.Fatal(err)
	}
	big := transferState("tr_big", "cus_0", "Ngozi Eze", money.MustParse("150.00", "USD"), t0)
	hits, err := l.Check(ctx, "cmd-big", big)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].Rule != "tier0.single_limit" || hits[0].Subject != process.RoleSender || hits[0].Detail == "" {
		t.Fatalf("Check(150 USD, tier 0) = %+v, want one tier0.single_limit hit", hits)
	}
	if _, ok := e.compliance(t, "cus_0").Transfers["tr_big"]; ok {
		t.Error("a refused transfer was recorded")
	}
	for i := range 3 {
		tr := transferState(fmt.Sprintf("tr_%d", i), "cus_0", "Ngozi Eze", money.MustParse("10.00", "USD"), t0)
		if hits, err := l.Check(ctx, command.DeriveID("limits", tr.ID), tr); err != nil || len(hits) != 0 {
			t.Fatalf("transfer %d: %+v, %v", i, hits, err)
		}
	}
	fourth := transferState("tr_4", "cus_0", "Ngozi Eze", money.MustParse("10.00", "USD"), t0)
	hits, err = l.Check(ctx, "cmd-4", fourth)
	if err != nil || len(hits) != 1 || hits[0].Rule != "tier0.velocity_24h" {
		t.Errorf("fourth transfer in 24 hours = %+v, %v; want a tier0.velocity_24h hit", hits, err)
	}
}

func TestLimitsBadInput(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	e.register(t, "cus_1", "Amara Nwosu", "+254712345678", "KE", customer.Tier1)
	withRates, _ := screening.NewLimits(e.store, e.clock, rateBook(t))
	noRates, _ := screening.NewLimits(e.store, e.clock, nil)
	tests := []struct {
		name string
		l    *screening.Limits
		tr   func() transfer.State
		want error
	}{
		{"no rate for the currency", withRates, func() transfer.State {
			return transferState("tr_eur", "cus_1", "N E", money.MustParse("10.00", "EUR"), t0)
		}, process.ErrNoUSDRate},
		{"no rate before the first snapshot", withRates, func() transfer.State {
			return transferState("tr_old", "cus_1", "N E", money.MustParse("100", "KES"), t0.Add(-72*time.Hour))
		}, process.ErrNoUSDRate},
		{"no rate book", noRates, func() transfer.State {
			return transferState("tr_kes", "cus_1", "N E", money.MustParse("100", "KES"), t0)
		}, process.ErrNoUSDRate},
		{"unknown customer", noRates, func() transfer.State {
			return transferState("tr_x", "cus_nobody", "N E", money.MustParse("10.00", "USD"), t0)
		}, screening.ErrUnknownCustomer},
		{"no transfer ID", noRates, func() transfer.State {
			return transferState("", "cus_1", "N E", money.MustParse("10.00", "USD"), t0)
		}, screening.ErrInvalidSubject},
		{"zero amount", noRates, func() transfer.State {
			return transferState("tr_0", "cus_1", "N E", money.MustParse("0", "USD"), t0)
		}, compliance.ErrInvalidCommand},
	}
	for _, tt := range tests {
		tr := tt.tr()
		if hits, err := tt.l.Check(ctx, "cmd-"+tr.ID, tr); !errors.Is(err, tt.want) || hits != nil {
			t.Errorf("%s: Check = %+v, %v; want %v", tt.name, hits, err, tt.want)
		}
	}
	if n := count(e.events(t, "compliance-cus_1"), compliance.TypeTransferRecorded); n != 0 {
		t.Errorf("refused checks recorded %d transfers", n)
	}
	if _, err := screening.NewLimits(nil, e.clock, nil); !errors.Is(err, screening.ErrInvalidConfig) {
		t.Errorf("NewLimits(nil store) = %v", err)
	}
}

func TestToUSDForTheGate(t *testing.T) {
	c := &clock{now: t0}
	conv := screening.ToUSD(rateBook(t), c)
	got, err := conv(context.Background(), money.MustParse("1295", "KES"))
	if err != nil || !got.Equal(money.MustParse("10.00", "USD")) {
		t.Errorf("ToUSD(1295 KES) at t0 = %v, %v; want 10.00 USD", got, err)
	}
	c.Advance(2 * time.Hour)
	if got, err := conv(context.Background(), money.MustParse("1000", "KES")); err != nil || !got.Equal(money.MustParse("10.00", "USD")) {
		t.Errorf("ToUSD(1000 KES) at t0+2h = %v, %v; want 10.00 USD", got, err)
	}
	if _, err := conv(context.Background(), money.MustParse("1", "EUR")); !errors.Is(err, process.ErrNoUSDRate) {
		t.Errorf("ToUSD(EUR) = %v, want process.ErrNoUSDRate", err)
	}
}
