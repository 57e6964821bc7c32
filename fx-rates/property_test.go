package fxrates

import (
	"errors"
	"testing"
	"time"

	"github.com/remitflow/remitflow/domain/money"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// corridorCurrencies covers 0, 2 and 3 minor units on both sides.
var corridorCurrencies = []money.Currency{"USD", "JPY", "KWD", "BHD", "KES", "UGX", "IDR", "EUR"}

type propSetup struct {
	pricer *Pricer
	c      *corridor
	send   money.Currency
	recv   money.Currency
	// unit is the corridor's receive unit and unitMinor the same in
	// receive minor units.
	unit      decimal.Decimal
	unitMinor int64
}

func drawSetup(t *rapid.T) propSetup {
	send := rapid.SampledFrom(corridorCurrencies).Draw(t, "send")
	recv := rapid.SampledFrom(corridorCurrencies).Filter(func(c money.Currency) bool { return c != send }).Draw(t, "receive")
	mid := decimal.New(rapid.Int64Range(1, 1e12).Draw(t, "midCoef"), -int32(rapid.IntRange(0, 16).Draw(t, "midScale")))
	if checkRate(mid) != nil {
		t.Skip("rate outside the accepted range")
	}
	sm, rm := send.MinorUnits(), recv.MinorUnits()
	// Half the corridors pay any minor unit; the others pay only multiples
	// of a coarser unit (whole shillings, hundreds of shillings, …).
	unitMinor := rapid.SampledFrom([]int64{1, 1, 1, 1, 5, 10, 100, 1000}).Draw(t, "unitMinor")
	if rapid.IntRange(0, 7).Draw(t, "oddUnit") == 0 {
		unitMinor = rapid.Int64Range(1, 1_000_000).Draw(t, "unitMinorAny")
	}
	var unit decimal.Decimal // zero: the default, one minor unit
	if unitMinor != 1 || rapid.Bool().Draw(t, "explicitUnit") {
		unit = decimal.New(unitMinor, -rm)
	}
	cfg := CorridorConfig{
		Send: send, Receive: recv,
		MarginBps:   decimal.New(rapid.Int64Range(0, 9999_0000).Draw(t, "bps4"), -4),
		FixedFee:    decimal.New(rapid.Int64Range(0, 100000).Draw(t, "fixedMinor"), -sm),
		FeePercent:  decimal.New(rapid.Int64Range(0, 99_999999).Draw(t, "pct6"), -6),
		MinSend:     decimal.New(1, -sm),
		MaxSend:     decimal.New(999_999_999_999, 0),
		QuoteTTL:    Duration(time.Minute),
		ReceiveUnit: unit,
	}
	book, err := NewRateBook(BookConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := book.Add(Snapshot{Source: "prop", Base: send, AsOf: pinnedAt, Rates: map[money.Currency]Price{recv: {Mid: mid}}}); err != nil {
		t.Fatal(err)
	}
	p, err := NewPricer(book, PricingConfig{Corridors: []CorridorConfig{cfg}})
	if err != nil {
		t.Fatalf("NewPricer(%+v): %v", cfg, err)
	}
	c, _ := p.corridor(send, recv)
	return propSetup{pricer: p, c: c, send: send, recv: recv, unit: decimal.New(unitMinor, -rm), unitMinor: unitMinor}
}

// Counts of quotes the integer fast path priced, to check it is exercised.
var fastPathQuotes, totalQuotes int

// checkQuote asserts the invariants every quote satisfies and that the
// integer fast path agrees with exact decimal arithmetic.
func checkQuote(t *rapid.T, s propSetup, q Quote) {
	if err := q.Check(); err != nil {
		t.Fatalf("Check(priced quote) = %v", err)
	}
	cr := q.CustomerRate
	exact := q.Send.Value.Mul(cr)
	if q.Receive.Value.GreaterThan(exact) {
		t.Fatalf("receive %s > send %s × customer rate %s = %s", q.Receive, q.Send, cr, exact)
	}
	if !q.ReceiveUnit.Equal(s.unit) {
		t.Fatalf("quote receive unit %s, corridor's %s", q.ReceiveUnit, s.unit)
	}
	if !q.Receive.Value.Mod(s.unit).IsZero() {
		t.Fatalf("receive %s is not a multiple of the receive unit %s", q.Receive, s.unit)
	}
	// What the recipient loses to rounding is less than one receive unit,
	// plus what rounding the send amount up to a minor unit accounts for.
	slack := s.unit.Add(cr.Mul(decimal.New(1, -s.send.MinorUnits())))
	if !exact.Sub(q.Receive.Value).LessThan(slack) {
		t.Fatalf("send %s × customer rate %s = %s is %s or more above receive %s", q.Send, cr, exact, slack, q.Receive)
	}
	if !q.Receive.IsMinorPrecision() || !q.Send.IsMinorPrecision() || !q.Fees.Total.IsMinorPrecision() || !q.MarginAmount.IsMinorPrecision() {
		t.Fatalf("quote figures not in minor units: %+v", q)
	}
	if cr.GreaterThan(q.MidRate.Mid) {
		t.Fatalf("customer rate %s above mid %s", cr, q.MidRate.Mid)
	}
	if tot, _ := q.Send.Add(q.Fees.Total); !tot.Equal(q.TotalCharged) {
		t.Fatalf("total charged %s != send %s + fees %s", q.TotalCharged, q.Send, q.Fees.Total)
	}
	if fee, _ := q.Fees.Fixed.Add(q.Fees.PercentAmount); !fee.Equal(q.Fees.Total) {
		t.Fatalf("fee total %s != %s + %s", q.Fees.Total, q.Fees.Fixed, q.Fees.PercentAmount)
	}
	if q.MarginAmount.IsNegative() {
		t.Fatalf("negative margin %s", q.MarginAmount)
	}
	pr, err := s.pricer.rate(s.c, pinnedAt)
	if err != nil {
		t.Fatal(err)
	}
	var f, fast figures
	sendMinor, _, _ := minorUnits(q.Send.Value, s.send.MinorUnits())
	recvMinor, _, _ := minorUnits(q.Receive.Value, s.recv.MinorUnits())
	if (q.Kind == FixedSend && s.c.fastFixedSend(pr, sendMinor, &fast)) ||
		(q.Kind == FixedReceive && s.c.fastFixedReceive(pr, recvMinor, &fast)) {
		fastPathQuotes++
	}
	totalQuotes++
	if q.Kind == FixedSend {
		s.c.exactFixedSend(pr, q.Send.Value, &f)
	} else {
		s.c.exactFixedReceive(pr, q.Receive.Value, &f)
	}
	if !f.send.Equal(q.Send.Value) || !f.receive.Equal(q.Receive.Value) || !f.pctFee.Equal(q.Fees.PercentAmount.Value) || !f.margin.Equal(q.MarginAmount.Value) {
		t.Fatalf("fast path %s/%s/%s/%s != exact %s/%s/%s/%s",
			q.Send.Value, q.Receive.Value, q.Fees.PercentAmount.Value, q.MarginAmount.Value, f.send, f.receive, f.pctFee, f.margin)
	}
}

func TestPropertyFixedSend(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := drawSetup(t)
		sm := s.send.MinorUnits()
		for range 20 {
			send := money.FromMinor(rapid.Int64Range(1, 999_999_999_999).Draw(t, "sendMinor"), s.send)
			q, err := s.pricer.QuoteFixedSend(send, s.recv, pinnedAt)
			if errors.Is(err, ErrAmountOutOfRange) {
				// Only when not even one receive unit can be delivered.
				pr, _ := s.pricer.rate(s.c, pinnedAt)
				if !send.Value.Mul(pr.customer).LessThan(s.unit) {
					t.Fatalf("QuoteFixedSend(%s) out of range but delivers at least %s: %v", send, s.unit, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("QuoteFixedSend(%s → %s): %v", send, s.recv, err)
			}
			if !q.Send.Equal(send) {
				t.Fatalf("fixed-send quote changed the send amount: %s → %s", send, q.Send)
			}
			// Rounded down, but by less than one receive unit.
			next := q.Receive.Value.Add(s.unit)
			if !next.GreaterThan(q.Send.Value.Mul(q.CustomerRate)) {
				t.Fatalf("receive %s is a receive unit %s or more below send × rate", q.Receive, s.unit)
			}
			_ = sm
			checkQuote(t, s, q)
		}
	})
}

func TestPropertyFixedReceive(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := drawSetup(t)
		sm := s.send.MinorUnits()
		for range 20 {
			units := rapid.Int64Range(1, max(1, 999_999_999_999/s.unitMinor)).Draw(t, "receiveUnits")
			want := money.FromMinor(units*s.unitMinor, s.recv)
			if s.unitMinor > 1 {
				// A receive amount between two units cannot be paid.
				off := money.FromMinor(units*s.unitMinor+rapid.Int64Range(1, s.unitMinor-1).Draw(t, "offMinor"), s.recv)
				if _, err := s.pricer.QuoteFixedReceive(s.send, off, pinnedAt); !errors.Is(err, ErrInvalidRequest) {
					t.Fatalf("QuoteFixedReceive(%s) with receive unit %s = %v, want ErrInvalidRequest", off, s.unit, err)
				}
			}
			q, err := s.pricer.QuoteFixedReceive(s.send, want, pinnedAt)
			var oor *AmountOutOfRangeError
			if errors.As(err, &oor) {
				if !oor.Amount.Value.GreaterThan(s.c.maxSend.Value) {
					t.Fatalf("QuoteFixedReceive(%s) out of range at send %s", want, oor.Amount)
				}
				continue
			}
			if err != nil {
				t.Fatalf("QuoteFixedReceive(%s → %s): %v", s.send, want, err)
			}
			if !q.Receive.Equal(want) {
				t.Fatalf("fixed-receive quote delivers %s, asked %s", q.Receive, want)
			}
			// The send amount is the smallest that covers the receive amount.
			less := q.Send.Value.Sub(decimal.New(1, -sm))
			if !less.Mul(q.CustomerRate).LessThan(want.Value) {
				t.Fatalf("send %s is not minimal: %s also covers %s", q.Send, less, want)
			}
			checkQuote(t, s, q)
		}
	})
}

func TestPropertyFastPathExercised(t *testing.T) {
	fastPathQuotes, totalQuotes = 0, 0
	TestPropertyFixedSend(t)
	TestPropertyFixedReceive(t)
	if totalQuotes == 0 || fastPathQuotes*10 < totalQuotes*8 {
		t.Errorf("fast path priced %d of %d quotes, want at least 80%%", fastPathQuotes, totalQuotes)
	}
	t.Logf("fast path priced %d of %d quotes", fastPathQuotes, totalQuotes)
}

func TestFastMathEdges(t *testing.T) {
	if _, _, _, ok := mulScale(1<<63, 1<<63, 0); ok {
		t.Error("mulScale overflow not detected")
	}
	if q, r, d, ok := mulScale(7, 3, 1); !ok || q != 2 || r != 1 || d != 10 {
		t.Errorf("mulScale(7, 3, 1) = %d %d %d %v", q, r, d, ok)
	}
	if q, _, _, ok := mulScale(7, 3, -2); !ok || q != 2100 {
		t.Errorf("mulScale(7, 3, -2) = %d %v", q, ok)
	}
	for _, tt := range []struct{ q, r, d, want uint64 }{{2, 5, 10, 2}, {3, 5, 10, 4}, {2, 6, 10, 3}, {2, 4, 10, 2}} {
		if got := roundHalfEven(tt.q, tt.r, tt.d); got != tt.want {
			t.Errorf("roundHalfEven(%d + %d/%d) = %d, want %d", tt.q, tt.r, tt.d, got, tt.want)
		}
	}
	if v, ok := ceilDivScaled(10, 3, 0); !ok || v != 4 {
		t.Errorf("ceilDivScaled(10, 3, 0) = %d %v", v, ok)
	}
	if v, ok := ceilDivScaled(10, 5, -1); !ok || v != 1 {
		t.Errorf("ceilDivScaled(10, 5, -1) = %d %v", v, ok)
	}
	tests := []struct {
		in            string
		places        int32
		v             int64
		exact, fitted bool
	}{
		{"12.50", 2, 1250, true, true},
		{"12.500", 2, 1250, true, true},
		{"12.505", 2, 0, false, true},
		{"1000", 0, 1000, true, true},
		{"1E3", 2, 100000, true, true},
		{"100000000000000000000", 2, 0, true, false},
		{"100000000000000000000.001", 2, 0, false, false},
	}
	for _, tt := range tests {
		v, exact, ok := minorUnits(dec(tt.in), tt.places)
		if v != tt.v || exact != tt.exact || ok != tt.fitted {
			t.Errorf("minorUnits(%s, %d) = %d %v %v, want %d %v %v", tt.in, tt.places, v, exact, ok, tt.v, tt.exact, tt.fitted)
		}
	}
}

// TestPropertyCacheMatchesBook prices at random instants, in random order,
// while snapshots are added, and checks every quote against an uncached
// lookup in the book: the pricer's rate cache never serves a rate the book
// would not give at that instant, including across staleness boundaries and
// source preference changes.
func TestPropertyCacheMatchesBook(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		book, err := NewRateBook(BookConfig{
			Sources: []string{"pinned", "feed"},
			MaxAge:  map[string]time.Duration{"pinned": 30 * time.Minute, "feed": 3 * time.Hour},
		})
		if err != nil {
			t.Fatal(err)
		}
		cfg := CorridorConfig{Send: "USD", Receive: "KES", MarginBps: dec("100"), FeePercent: dec("1"),
			MinSend: dec("1"), MaxSend: dec("10000"), QuoteTTL: Duration(time.Minute)}
		p, err := NewPricer(book, PricingConfig{Corridors: []CorridorConfig{cfg}})
		if err != nil {
			t.Fatal(err)
		}
		send := money.MustParse("100", "USD")
		for step := range rapid.IntRange(1, 40).Draw(t, "steps") {
			if rapid.IntRange(0, 3).Draw(t, "add") == 0 {
				src := rapid.SampledFrom([]string{"pinned", "feed"}).Draw(t, "source")
				at := pinnedAt.Add(time.Duration(rapid.IntRange(0, 600).Draw(t, "addMinute")) * time.Minute)
				mid := decimal.New(int64(12000+rapid.IntRange(0, 1000).Draw(t, "mid")), -2)
				s := Snapshot{Source: src, Base: "USD", AsOf: at, Rates: map[money.Currency]Price{"KES": {Mid: mid}}}
				if rapid.Bool().Draw(t, "inverse") {
					s = Snapshot{Source: src, Base: "KES", AsOf: at, Rates: map[money.Currency]Price{"USD": {Mid: ratio(one, mid, 12)}}}
				}
				if err := book.Add(s); err != nil {
					t.Fatal(err)
				}
				continue
			}
			now := pinnedAt.Add(time.Duration(rapid.IntRange(-10, 700).Draw(t, "quoteMinute")) * time.Minute)
			q, qerr := p.QuoteFixedSend(send, "KES", now)
			want, werr := book.AsOf(MustPair("USD", "KES"), now)
			if (qerr == nil) != (werr == nil) {
				t.Fatalf("step %d at %s: quote error %v, book error %v", step, now, qerr, werr)
			}
			if werr != nil {
				for _, target := range []error{ErrStaleRate, ErrNoPath, ErrNoRate} {
					if errors.Is(werr, target) != errors.Is(qerr, target) {
						t.Fatalf("step %d at %s: quote error %v, book error %v", step, now, qerr, werr)
					}
				}
				continue
			}
			if !q.MidRate.Mid.Equal(want.Mid) || q.MidRate.Source != want.Source || !q.RateAsOf.Equal(want.AsOf) {
				t.Fatalf("step %d at %s: quote priced from %v, book says %v", step, now, q.MidRate, want)
			}
		}
	})
}

// TestPropertyCacheMatchesBookCross is TestPropertyCacheMatchesBook for
// cross rates through one or two pivots fed by three sources.
func TestPropertyCacheMatchesBookCross(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		book, err := NewRateBook(BookConfig{
			Sources: []string{"pinned", "ecb", "feed"},
			MaxAge:  map[string]time.Duration{"pinned": 20 * time.Minute, "ecb": 4 * time.Hour, "feed": time.Hour},
		})
		if err != nil {
			t.Fatal(err)
		}
		var corridors []CorridorConfig
		for _, c := range []money.Currency{"USD", "GBP", "EUR"} {
			corridors = append(corridors, CorridorConfig{Send: c, Receive: "KES", MarginBps: dec("75"),
				MinSend: dec("1"), MaxSend: dec("10000"), QuoteTTL: Duration(time.Minute)})
		}
		p, err := NewPricer(book, PricingConfig{Corridors: corridors})
		if err != nil {
			t.Fatal(err)
		}
		rate := func(label string) decimal.Decimal {
			return decimal.New(int64(rapid.IntRange(1000, 200000).Draw(t, label)), -3)
		}
		for step := range rapid.IntRange(1, 50).Draw(t, "steps") {
			if rapid.IntRange(0, 2).Draw(t, "add") == 0 {
				at := pinnedAt.Add(time.Duration(rapid.IntRange(0, 480).Draw(t, "addMinute")) * time.Minute)
				var s Snapshot
				switch rapid.IntRange(0, 2).Draw(t, "source") {
				case 0:
					s = Snapshot{Source: "pinned", Base: "GBP", AsOf: at, Rates: map[money.Currency]Price{"KES": {Mid: rate("gbpkes")}}}
				case 1:
					s = Snapshot{Source: "ecb", Base: "EUR", AsOf: at, Rates: map[money.Currency]Price{"USD": {Mid: rate("eurusd")}, "GBP": {Mid: rate("eurgbp")}}}
				default:
					s = Snapshot{Source: "feed", Base: "USD", AsOf: at, Rates: map[money.Currency]Price{"KES": {Mid: rate("usdkes")}}}
				}
				if err := book.Add(s); err != nil {
					t.Fatal(err)
				}
				continue
			}
			c := rapid.SampledFrom(corridors).Draw(t, "corridor")
			now := pinnedAt.Add(time.Duration(rapid.IntRange(-10, 600).Draw(t, "quoteMinute")) * time.Minute)
			q, qerr := p.QuoteFixedSend(money.MustParse("100", string(c.Send)), "KES", now)
			want, werr := book.AsOf(c.Pair(), now)
			if (qerr == nil) != (werr == nil) {
				t.Fatalf("step %d %s at %s: quote error %v, book error %v", step, c.Pair(), now, qerr, werr)
			}
			if werr != nil {
				for _, target := range []error{ErrStaleRate, ErrNoPath, ErrNoRate} {
					if errors.Is(werr, target) != errors.Is(qerr, target) {
						t.Fatalf("step %d %s at %s: quote error %v, book error %v", step, c.Pair(), now, qerr, werr)
					}
				}
				continue
			}
			if !q.MidRate.Mid.Equal(want.Mid) || q.MidRate.Source != want.Source || !q.RateAsOf.Equal(want.AsOf) {
				t.Fatalf("step %d %s at %s: quote priced from %v via %v, book says %v via %v", step, c.Pair(), now, q.MidRate, q.MidRate.Via, want, want.Via)
			}
		}
	})
}
