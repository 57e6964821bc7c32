package fxrates_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/remitflow/remitflow/domain/money"
	fxrates "github.com/remitflow/remitflow/fx-rates"
)

func Example() {
	// Rates: the ECB history embedded in the package, plus an
	// Open-Exchange-Rates style feed for KES.
	book, _ := fxrates.NewRateBook(fxrates.BookConfig{
		MaxAge: map[string]time.Duration{"oxr": 2 * time.Hour},
	})
	oxr, _ := fxrates.ParseOXR(strings.NewReader(
		`{"base":"USD","timestamp":1580230800,"rates":{"KES":101.05}}`), fxrates.ParseOptions{})
	_ = book.Add(fxrates.DemoECB()...)
	_ = book.Add(oxr...)

	cfg, _ := fxrates.LoadPricingConfig(strings.NewReader(`{"corridors":[
	  {"send":"GBP","receive":"KES","margin_bps":"120","fixed_fee":"1.99","fee_percent":"0.5",
	   "min_send":"5","max_send":"2000","quote_ttl":"15m"}]}`))
	pricer, _ := fxrates.NewPricer(book, cfg)

	now := time.Date(2020, 1, 28, 18, 0, 0, 0, time.UTC)
	q, err := pricer.QuoteFixedSend(money.MustParse("200", "GBP"), "KES", now)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("mid:", q.MidRate.Mid, "via", q.MidRate.Via, "from", q.MidRate.Source)
	fmt.Println("customer rate:", q.CustomerRate)
	fmt.Println("fees:", q.Fees.Fixed, "+", q.Fees.PercentAmount, "=", q.Fees.Total)
	fmt.Println("charged:", q.TotalCharged, "receives:", q.Receive, "margin:", q.MarginAmount)
	fmt.Println("expires:", q.ExpiresAt.Format(time.RFC3339))

	_, err = pricer.QuoteFixedSend(money.MustParse("200", "GBP"), "KES", now.Add(3*time.Hour))
	fmt.Println(err)
	// Output:
	// mid: 131.443949978 via [EUR USD] from ecb+oxr
	// customer rate: 129.866622578
	// fees: 1.99 GBP + 1.00 GBP = 2.99 GBP
	// charged: 202.99 GBP receives: 25973.32 KES margin: 315.47 KES
	// expires: 2020-01-28T18:15:00Z
	// quote GBP/KES: fxrates: stale rate: GBP/KES from "oxr" as of 2020-01-28T17:00:00Z is 4h0m0s old at 2020-01-28T21:00:00Z (max age 2h0m0s)
}
