package fxrates

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/remitflow/remitflow/domain/money"
)

func snap(source, base string, asOf time.Time, rates map[string]string) Snapshot {
	s := Snapshot{Source: source, Base: money.Currency(base), AsOf: asOf, Rates: map[money.Currency]Price{}}
	for c, r := range rates {
		s.Rates[money.Currency(c)] = Price{Mid: dec(r)}
	}
	return s
}

func newBook(t testing.TB, cfg BookConfig, snaps ...Snapshot) *RateBook {
	t.Helper()
	b, err := NewRateBook(cfg)
	if err != nil {
		t.Fatalf("NewRateBook: %v", err)
	}
	if err := b.Add(snaps...); err != nil {
		t.Fatalf("Add: %v", err)
	}
	return b
}

var (
	jan28Close = time.Date(2020, 1, 28, 18, 0, 0, 0, time.UTC)
	oxrAsOf    = time.Date(2020, 1, 28, 17, 0, 0, 0, time.UTC)
)

func ecbBook(t testing.TB, extra ...Snapshot) *RateBook {
	return newBook(t, BookConfig{MaxAge: map[string]time.Duration{"oxr": 2 * time.Hour}}, append(DemoECB(), extra...)...)
}

func oxrKES() Snapshot {
	return snap("oxr", "USD", oxrAsOf, map[string]string{"KES": "101.05", "NGN": "362.5"})
}

func TestBookLookups(t *testing.T) {
	b := ecbBook(t, oxrKES())
	tests := []struct {
		pair    string
		at      time.Time
		mid     string
		source  string
		via     string
		derived bool
	}{
		{"EUR/USD", jan28Close, "1.1005", "ecb", "", false},
		{"USD/EUR", jan28Close, "0.908677873694", "ecb", "", true},
		{"USD/JPY", jan28Close, "109.059518401", "ecb", "EUR", true},
		{"JPY/USD", jan28Close, "0.00916930511581", "ecb", "EUR", true},
		{"GBP/USD", jan28Close, "1.30078129617", "ecb", "EUR", true},
		{"USD/KES", jan28Close, "101.05", "oxr", "", false},
		{"EUR/KES", jan28Close, "111.205525", "ecb+oxr", "USD", true},
		{"GBP/KES", jan28Close, "131.443949978", "ecb+oxr", "EUR,USD", true},
		// Before the 28th's publication at 15:00 UTC the 27th's rates apply.
		{"EUR/USD", time.Date(2020, 1, 28, 14, 59, 59, 0, time.UTC), "1.1025", "ecb", "", false},
		{"EUR/JPY", time.Date(2019, 12, 17, 15, 0, 0, 0, time.UTC), "122.31", "ecb", "", false},
	}
	for _, tt := range tests {
		r, err := b.AsOf(MustPair(tt.pair[:3], tt.pair[4:]), tt.at)
		if err != nil {
			t.Errorf("AsOf(%s, %s) error: %v", tt.pair, tt.at, err)
			continue
		}
		var via []string
		for _, c := range r.Via {
			via = append(via, string(c))
		}
		if !r.Mid.Equal(dec(tt.mid)) || r.Source != tt.source || strings.Join(via, ",") != tt.via || r.Derived != tt.derived {
			t.Errorf("AsOf(%s, %s) = %s via %v derived %v, want %s (%s) via %q derived %v",
				tt.pair, tt.at.Format(time.RFC3339), r, r.Via, r.Derived, tt.mid, tt.source, tt.via, tt.derived)
		}
		if r.Pair.String() != tt.pair {
			t.Errorf("AsOf(%s) pair = %s", tt.pair, r.Pair)
		}
	}
	// A cross rate is as old as its oldest leg.
	r, _ := b.Latest(MustPair("GBP", "KES"), jan28Close)
	if want := time.Date(2020, 1, 28, 15, 0, 0, 0, time.UTC); !r.AsOf.Equal(want) {
		t.Errorf("GBP/KES as-of = %s, want the ECB leg's %s", r.AsOf, want)
	}
}

func TestBookErrors(t *testing.T) {
	b := ecbBook(t, oxrKES(), snap("island", "NGN", oxrAsOf, map[string]string{"GHS": "0.015"}))
	tests := []struct {
		name string
		pair Pair
		at   time.Time
		want error
	}{
		{"before any rate", MustPair("EUR", "USD"), time.Date(2019, 12, 17, 14, 0, 0, 0, time.UTC), ErrNoRate},
		{"currency nobody quotes", MustPair("USD", "UGX"), jan28Close, ErrNoRate},
		{"no path", MustPair("USD", "GHS"), jan28Close, ErrNoPath},
		{"same currency", Pair{"USD", "USD"}, jan28Close, ErrInvalidPair},
		{"unknown currency", Pair{"USD", "XYZ"}, jan28Close, ErrInvalidPair},
	}
	for _, tt := range tests {
		_, err := b.AsOf(tt.pair, tt.at)
		if !errors.Is(err, tt.want) {
			t.Errorf("AsOf(%s) [%s] error = %v, want %v", tt.pair, tt.name, err, tt.want)
		}
	}
	_, err := b.AsOf(MustPair("USD", "GHS"), jan28Close)
	if !errors.Is(err, ErrNoRate) {
		t.Errorf("ErrNoPath error %v does not match ErrNoRate", err)
	}
	_, err = b.AsOf(MustPair("USD", "UGX"), jan28Close)
	if errors.Is(err, ErrNoPath) {
		t.Errorf("missing currency reported as no path: %v", err)
	}
}

func TestBookStaleness(t *testing.T) {
	b := ecbBook(t, oxrKES())
	at := oxrAsOf.Add(3 * time.Hour)
	_, err := b.Latest(MustPair("USD", "KES"), at)
	var stale *StaleRateError
	if !errors.Is(err, ErrStaleRate) || !errors.As(err, &stale) {
		t.Fatalf("Latest(USD/KES) 3h after a 2h-max-age rate: error = %v, want *StaleRateError", err)
	}
	if stale.Age() != 3*time.Hour || stale.MaxAge != 2*time.Hour || stale.Source != "oxr" {
		t.Errorf("StaleRateError = %+v, want age 3h, max 2h, source oxr", stale)
	}
	for _, part := range []string{"USD/KES", `"oxr"`, "3h0m0s old", "max age 2h0m0s"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("stale error %q does not mention %q", err, part)
		}
	}
	// Exactly at the maximum age the rate is still fresh.
	if _, err := b.Latest(MustPair("USD", "KES"), oxrAsOf.Add(2*time.Hour)); err != nil {
		t.Errorf("Latest at exactly max age: %v", err)
	}
	// ECB rates older than the default 96h are stale too, and cross rates
	// through a stale leg are refused.
	_, err = b.Latest(MustPair("USD", "JPY"), time.Date(2020, 2, 5, 0, 0, 0, 0, time.UTC))
	if !errors.As(err, &stale) || stale.Source != "ecb" {
		t.Errorf("Latest(USD/JPY) a week later: %v, want stale ecb", err)
	}
}

func TestBookSourcePreference(t *testing.T) {
	pinned := snap("pinned", "USD", oxrAsOf.Add(-time.Hour), map[string]string{"KES": "129.5"})
	b := newBook(t, BookConfig{
		Sources: []string{"pinned", "oxr"},
		MaxAge:  map[string]time.Duration{"pinned": 90 * time.Minute, "oxr": 2 * time.Hour},
	}, oxrKES(), pinned)
	r, err := b.Latest(MustPair("USD", "KES"), oxrAsOf)
	if err != nil || !r.Mid.Equal(dec("129.5")) || r.Source != "pinned" {
		t.Errorf("Latest(USD/KES) with pinned preferred = %v, %v; want 129.5 from pinned", r, err)
	}
	// Once the pinned rate is stale, the fresh feed takes over.
	r, err = b.Latest(MustPair("USD", "KES"), oxrAsOf.Add(45*time.Minute))
	if err != nil || !r.Mid.Equal(dec("101.05")) || r.Source != "oxr" {
		t.Errorf("Latest(USD/KES) with pinned stale = %v, %v; want 101.05 from oxr", r, err)
	}
	if got := b.Sources(); len(got) != 2 || got[0] != "pinned" || got[1] != "oxr" {
		t.Errorf("Sources() = %v, want [pinned oxr]", got)
	}
}

func TestBookBidAsk(t *testing.T) {
	s := Snapshot{Source: "pinned", Base: "USD", AsOf: oxrAsOf, Rates: map[money.Currency]Price{
		"KES": {Mid: dec("129.5"), Bid: dec("129.2"), Ask: dec("129.8")},
	}}
	b := newBook(t, BookConfig{}, s)
	r, err := b.Latest(MustPair("KES", "USD"), oxrAsOf)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Mid.Equal(dec("0.00772200772201")) || !r.Bid.Equal(dec("0.00770416024653")) || !r.Ask.Equal(dec("0.0077399380805")) {
		t.Errorf("KES/USD = mid %s bid %s ask %s, want 1/129.5, 1/129.8, 1/129.2 to 12 digits", r.Mid, r.Bid, r.Ask)
	}
	if !r.HasBidAsk() || r.Bid.GreaterThan(r.Mid) || r.Mid.GreaterThan(r.Ask) {
		t.Errorf("inverse bid/ask do not bracket mid: %s %s %s", r.Bid, r.Mid, r.Ask)
	}
}

func TestBookAddIsAtomicAndReplaces(t *testing.T) {
	b := newBook(t, BookConfig{}, snap("oxr", "USD", oxrAsOf, map[string]string{"KES": "101"}))
	bad := snap("oxr", "USD", oxrAsOf.Add(time.Hour), map[string]string{"KES": "-1"})
	good := snap("oxr", "USD", oxrAsOf.Add(time.Hour), map[string]string{"KES": "102"})
	if err := b.Add(good, bad); !errors.Is(err, ErrInvalidRate) {
		t.Fatalf("Add(good, bad) error = %v, want ErrInvalidRate", err)
	}
	if b.Len() != 1 {
		t.Errorf("after a failed Add, Len() = %d, want 1", b.Len())
	}
	if err := b.Add(snap("oxr", "USD", oxrAsOf, map[string]string{"KES": "101.5"})); err != nil {
		t.Fatal(err)
	}
	r, _ := b.Latest(MustPair("USD", "KES"), oxrAsOf)
	if b.Len() != 1 || !r.Mid.Equal(dec("101.5")) {
		t.Errorf("re-added snapshot at the same as-of: Len %d, rate %s; want 1, 101.5", b.Len(), r.Mid)
	}
}

// TestBookReplay shows that rates looked up live equal the rates looked up
// later as of the same instants, after the book has learnt everything since.
func TestBookReplay(t *testing.T) {
	all := DemoECB()
	live := newBook(t, BookConfig{})
	pairs := []Pair{MustPair("EUR", "USD"), MustPair("USD", "JPY"), MustPair("GBP", "PHP"), MustPair("ZAR", "EUR")}
	type obs struct {
		at   time.Time
		pair Pair
		rate Rate
	}
	var seen []obs
	for _, s := range all {
		if err := live.Add(s); err != nil {
			t.Fatal(err)
		}
		for _, at := range []time.Time{s.AsOf, s.AsOf.Add(5 * time.Hour)} {
			for _, p := range pairs {
				r, err := live.Latest(p, at)
				if err != nil {
					t.Fatalf("Latest(%s, %s): %v", p, at, err)
				}
				seen = append(seen, obs{at, p, r})
			}
		}
	}
	later := newBook(t, BookConfig{}, all...)
	for _, o := range seen {
		r, err := later.AsOf(o.pair, o.at)
		if err != nil || !r.Mid.Equal(o.rate.Mid) || !r.AsOf.Equal(o.rate.AsOf) || r.Source != o.rate.Source {
			t.Errorf("AsOf(%s, %s) = %v, %v; live it was %v", o.pair, o.at, r, err, o.rate)
		}
	}
}

func TestConvert(t *testing.T) {
	b := ecbBook(t, oxrKES())
	tests := []struct {
		amount string
		from   string
		to     money.Currency
		want   string
	}{
		{"100", "USD", "EUR", "90.87 EUR"},
		{"1000", "USD", "JPY", "109060 JPY"},
		{"0.001", "USD", "KES", "0.10 KES"},
		{"250.00", "EUR", "EUR", "250.00 EUR"},
		{"1000", "GBP", "KES", "131443.95 KES"},
	}
	for _, tt := range tests {
		got, _, err := b.ConvertLatest(money.MustParse(tt.amount, tt.from), tt.to, jan28Close)
		if err != nil || got.String() != tt.want {
			t.Errorf("ConvertLatest(%s %s → %s) = %v, %v; want %s", tt.amount, tt.from, tt.to, got, err, tt.want)
		}
	}
	// History: on the 17th of December EUR/USD was 1.1162.
	got, r, err := b.Convert(money.MustParse("100", "EUR"), "USD", time.Date(2019, 12, 17, 16, 0, 0, 0, time.UTC))
	if err != nil || got.String() != "111.62 USD" || !r.Mid.Equal(dec("1.1162")) {
		t.Errorf("Convert(100 EUR → USD, 2019-12-17) = %v at %v, %v; want 111.62 USD", got, r, err)
	}
	if _, _, err := b.Convert(money.MustParse("1", "USD"), "XYZ", jan28Close); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("Convert to XYZ error = %v, want ErrInvalidRequest", err)
	}
	if _, _, err := b.Convert(money.MustParse("1", "USD"), "UGX", jan28Close); !errors.Is(err, ErrNoRate) {
		t.Errorf("Convert to UGX error = %v, want ErrNoRate", err)
	}
}

func TestNewRateBookConfig(t *testing.T) {
	bad := []BookConfig{
		{Pivots: []money.Currency{"EUR", "EUR"}},
		{Pivots: []money.Currency{"XYZ"}},
		{Pivots: []money.Currency{"EUR", "USD", "GBP", "CHF", "JPY"}},
		{Sources: []string{"ecb", "ecb"}},
		{Sources: []string{"Bad Name"}},
		{MaxAge: map[string]time.Duration{"ecb": 0}},
		{MaxAge: map[string]time.Duration{"ecb": -time.Hour}},
		{DefaultMaxAge: -time.Hour},
	}
	for _, cfg := range bad {
		if _, err := NewRateBook(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("NewRateBook(%+v) error = %v, want ErrInvalidConfig", cfg, err)
		}
	}
	b, err := NewRateBook(BookConfig{})
	if err != nil || b.MaxAge("anything") != DefaultMaxAge {
		t.Errorf("NewRateBook(zero) = %v; MaxAge %s, want %s", err, b.MaxAge("anything"), DefaultMaxAge)
	}
}

func TestRatio(t *testing.T) {
	tests := []struct {
		num, den string
		digits   int
		want     string
	}{
		{"1", "3", 12, "0.333333333333"},
		{"2", "3", 12, "0.666666666667"},
		{"1", "7", 12, "0.142857142857"},
		{"1", "8", 2, "0.12"},    // tie, 2 is even
		{"3", "8", 2, "0.38"},    // tie, 7 is odd
		{"5", "8", 2, "0.62"},    // tie
		{"10", "1", 12, "10"},    // exact
		{"9.9996", "1", 4, "10"}, // carries into a new digit
		{"9.996", "1", 3, "10"},
		{"9.96", "1", 3, "9.96"},
		{"999999999999.5", "1", 12, "1000000000000"},
		{"120.02", "1.1005", 12, "109.059518401"},
		{"1", "15008.07", 12, "0.0000666308192859"},
	}
	for _, tt := range tests {
		got := ratio(dec(tt.num), dec(tt.den), tt.digits)
		if !got.Equal(dec(tt.want)) {
			t.Errorf("ratio(%s, %s, %d) = %s, want %s", tt.num, tt.den, tt.digits, got, tt.want)
		}
	}
	if got := roundSig(dec("107.423625624985"), 12, true); !got.Equal(dec("107.423625624")) {
		t.Errorf("roundSig down = %s", got)
	}
	if got := roundSig(dec("1.5"), 12, true); !got.Equal(dec("1.5")) {
		t.Errorf("roundSig(short) = %s", got)
	}
}

func TestPair(t *testing.T) {
	for _, s := range []string{"EUR/USD", "eur-usd", "EURUSD", " eur/usd "} {
		p, err := ParsePair(s)
		if err != nil || p != (Pair{"EUR", "USD"}) {
			t.Errorf("ParsePair(%q) = %v, %v", s, p, err)
		}
	}
	for _, s := range []string{"", "EUR", "EUR/EUR", "EUR/XYZ", "EUR//USD", "EURO/USD"} {
		if _, err := ParsePair(s); !errors.Is(err, ErrInvalidPair) {
			t.Errorf("ParsePair(%q) error = %v, want ErrInvalidPair", s, err)
		}
	}
	b, err := MustPair("GBP", "KES").MarshalText()
	if err != nil || string(b) != "GBP/KES" {
		t.Errorf("MarshalText = %s, %v", b, err)
	}
	if inv := MustPair("GBP", "KES").Inverse(); inv != (Pair{"KES", "GBP"}) {
		t.Errorf("Inverse = %v", inv)
	}
}

func TestBookConfigJSON(t *testing.T) {
	var cfg BookConfig
	err := json.Unmarshal([]byte(`{"pivots":["USD","EUR"],"sources":["pinned","oxr"],"max_age":{"oxr":"2h","pinned":"720h"},"default_max_age":"26h"}`), &cfg)
	if err != nil {
		t.Fatalf("unmarshal BookConfig: %v", err)
	}
	b, err := NewRateBook(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if b.MaxAge("oxr") != 2*time.Hour || b.MaxAge("pinned") != 720*time.Hour || b.MaxAge("ecb") != 26*time.Hour || cfg.Pivots[0] != "USD" {
		t.Errorf("decoded config = %+v", cfg)
	}
	out, err := json.Marshal(cfg)
	if err != nil || string(out) != `{"pivots":["USD","EUR"],"sources":["pinned","oxr"],"max_age":{"oxr":"2h0m0s","pinned":"720h0m0s"},"default_max_age":"26h0m0s"}` {
		t.Errorf("marshal BookConfig = %s, %v", out, err)
	}
	for _, bad := range []string{`{"pivots":["XYZ"]}`, `{"max_age":{"oxr":"soon"}}`, `{"max_age":{"oxr":7200}}`, `{"pivot":["EUR"]}`} {
		var c BookConfig
		if err := json.Unmarshal([]byte(bad), &c); err == nil {
			t.Errorf("unmarshal BookConfig(%s) succeeded", bad)
		}
	}
}
