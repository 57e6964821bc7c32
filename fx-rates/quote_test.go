package fxrates

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/remitflow/remitflow/domain/money"
)

var pinnedAt = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func pinnedBook(t testing.TB) *RateBook {
	return newBook(t, BookConfig{Pivots: []money.Currency{"USD"}, MaxAge: map[string]time.Duration{"pinned": time.Hour}},
		snap("pinned", "USD", pinnedAt, map[string]string{
			"KES": "129.5", "JPY": "150.25", "KWD": "0.3072", "BHD": "0.376", "INR": "83.12", "PHP": "56.1", "GBP": "0.79",
		}))
}

const pricingJSON = `{"corridors":[
 {"send":"USD","receive":"KES","margin_bps":150,"fixed_fee":"2.99","fee_percent":"0.5","min_send":"10","max_send":"5000","quote_ttl":"15m"},
 {"send":"USD","receive":"JPY","margin_bps":"100","fixed_fee":"0","fee_percent":"1","min_send":"1","max_send":"10000","quote_ttl":"10m"},
 {"send":"JPY","receive":"PHP","margin_bps":"200","fixed_fee":"100","fee_percent":"0.25","min_send":"1000","max_send":"1000000","quote_ttl":"5m"},
 {"send":"USD","receive":"KWD","margin_bps":"75","fixed_fee":"1.50","fee_percent":"0","min_send":"50","max_send":"10000","quote_ttl":"30m"},
 {"send":"KWD","receive":"INR","margin_bps":"120","fixed_fee":"0.500","fee_percent":"0.125","min_send":"5","max_send":"3000","quote_ttl":"15m"},
 {"send":"BHD","receive":"USD","margin_bps":"50","fixed_fee":"0.250","fee_percent":"0.3","min_send":"10","max_send":"2000","quote_ttl":"15m"},
 {"send":"GBP","receive":"KES","margin_bps":"150","fixed_fee":"1.99","fee_percent":"0.5","min_send":"1","max_send":"4000","quote_ttl":"15m","receive_unit":"1"}
]}`

func newPricer(t testing.TB, book *RateBook) *Pricer {
	t.Helper()
	cfg, err := LoadPricingConfig(strings.NewReader(pricingJSON))
	if err != nil {
		t.Fatalf("LoadPricingConfig: %v", err)
	}
	p, err := NewPricer(book, cfg)
	if err != nil {
		t.Fatalf("NewPricer: %v", err)
	}
	return p
}

// Expected figures were computed independently with arbitrary-precision
// decimals under the documented rules.
func TestQuoteFigures(t *testing.T) {
	p := newPricer(t, pinnedBook(t))
	now := pinnedAt.Add(10 * time.Minute)
	tests := []struct {
		kind          QuoteKind
		send, receive string // the fixed side is "amount CCY", the other just "CCY"
		mid, customer string
		fixedFee      string
		pctFee        string
		totalFee      string
		sendAmt       string
		totalCharged  string
		receiveAmt    string
		margin        string
		ttl           time.Duration
		unit          string
	}{
		{FixedSend, "100.00 USD", "KES", "129.5", "127.5575", "2.99 USD", "0.50 USD", "3.49 USD", "100.00 USD", "103.49 USD", "12755.75 KES", "194.25 KES", 15 * time.Minute, "0.01"},
		{FixedReceive, "USD", "10000.00 KES", "129.5", "127.5575", "2.99 USD", "0.39 USD", "3.38 USD", "78.40 USD", "81.78 USD", "10000.00 KES", "152.80 KES", 15 * time.Minute, "0.01"},
		{FixedSend, "123.45 USD", "JPY", "150.25", "148.7475", "0.00 USD", "1.23 USD", "1.23 USD", "123.45 USD", "124.68 USD", "18362 JPY", "186 JPY", 10 * time.Minute, "1"},
		{FixedReceive, "USD", "20000 JPY", "150.25", "148.7475", "0.00 USD", "1.34 USD", "1.34 USD", "134.46 USD", "135.80 USD", "20000 JPY", "203 JPY", 10 * time.Minute, "1"},
		{FixedSend, "50000 JPY", "PHP", "0.373377703827", "0.36591014975", "100 JPY", "125 JPY", "225 JPY", "50000 JPY", "50225 JPY", "18295.50 PHP", "373.39 PHP", 5 * time.Minute, "0.01"},
		{FixedReceive, "JPY", "10000.00 PHP", "0.373377703827", "0.36591014975", "100 JPY", "68 JPY", "168 JPY", "27330 JPY", "27498 JPY", "10000.00 PHP", "204.41 PHP", 5 * time.Minute, "0.01"},
		{FixedSend, "1000.00 USD", "KWD", "0.3072", "0.304896", "1.50 USD", "0.00 USD", "1.50 USD", "1000.00 USD", "1001.50 USD", "304.896 KWD", "2.304 KWD", 30 * time.Minute, "0.001"},
		{FixedReceive, "USD", "100.000 KWD", "0.3072", "0.304896", "1.50 USD", "0.00 USD", "1.50 USD", "327.99 USD", "329.49 USD", "100.000 KWD", "0.759 KWD", 30 * time.Minute, "0.001"},
		{FixedSend, "250.125 KWD", "INR", "270.572916667", "267.326041666", "0.500 KWD", "0.313 KWD", "0.813 KWD", "250.125 KWD", "250.938 KWD", "66864.92 INR", "812.13 INR", 15 * time.Minute, "0.01"},
		{FixedReceive, "KWD", "50000.00 INR", "270.572916667", "267.326041666", "0.500 KWD", "0.234 KWD", "0.734 KWD", "187.038 KWD", "187.772 KWD", "50000.00 INR", "607.42 INR", 15 * time.Minute, "0.01"},
		{FixedSend, "100.000 BHD", "USD", "2.65957446809", "2.64627659574", "0.250 BHD", "0.300 BHD", "0.550 BHD", "100.000 BHD", "100.550 BHD", "264.62 USD", "1.34 USD", 15 * time.Minute, "0.01"},
		{FixedReceive, "BHD", "500.00 USD", "2.65957446809", "2.64627659574", "0.250 BHD", "0.567 BHD", "0.817 BHD", "188.945 BHD", "189.762 BHD", "500.00 USD", "2.51 USD", 15 * time.Minute, "0.01"},
		// GBP → KES pays whole shillings: 100 GBP × 161.465189873 = 16146.5189873 KES, rounded down to 16146.
		{FixedSend, "100.00 GBP", "KES", "163.924050633", "161.465189873", "1.99 GBP", "0.50 GBP", "2.49 GBP", "100.00 GBP", "102.49 GBP", "16146.00 KES", "246.41 KES", 15 * time.Minute, "1"},
		{FixedReceive, "GBP", "10000 KES", "163.924050633", "161.465189873", "1.99 GBP", "0.31 GBP", "2.30 GBP", "61.94 GBP", "64.24 GBP", "10000.00 KES", "153.46 KES", 15 * time.Minute, "1"},
	}
	for _, tt := range tests {
		var (
			q    Quote
			err  error
			call string
		)
		if tt.kind == FixedSend {
			v, c, _ := strings.Cut(tt.send, " ")
			call = "QuoteFixedSend(" + tt.send + " → " + tt.receive + ")"
			q, err = p.QuoteFixedSend(money.MustParse(v, c), money.Currency(tt.receive), now)
		} else {
			v, c, _ := strings.Cut(tt.receive, " ")
			call = "QuoteFixedReceive(" + tt.send + " → " + tt.receive + ")"
			q, err = p.QuoteFixedReceive(money.Currency(tt.send), money.MustParse(v, c), now)
		}
		if err != nil {
			t.Errorf("%s error: %v", call, err)
			continue
		}
		got := []string{
			string(q.Kind), q.MidRate.Mid.String(), q.CustomerRate.String(), q.Fees.Fixed.String(),
			q.Fees.PercentAmount.String(), q.Fees.Total.String(), q.Send.String(), q.TotalCharged.String(),
			q.Receive.String(), q.MarginAmount.String(), q.ExpiresAt.Sub(q.QuotedAt).String(), q.ReceiveUnit.String(),
		}
		want := []string{
			string(tt.kind), tt.mid, tt.customer, tt.fixedFee, tt.pctFee, tt.totalFee, tt.sendAmt, tt.totalCharged,
			tt.receiveAmt, tt.margin, tt.ttl.String(), tt.unit,
		}
		names := []string{"kind", "mid", "customer rate", "fixed fee", "percent fee", "total fee", "send", "total charged", "receive", "margin", "ttl", "receive unit"}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s %s = %s, want %s", call, names[i], got[i], want[i])
			}
		}
		if !q.QuotedAt.Equal(now) || !q.RateAsOf.Equal(pinnedAt) || q.MidRate.Source != "pinned" {
			t.Errorf("%s quoted at %s, rate as of %s from %s", call, q.QuotedAt, q.RateAsOf, q.MidRate.Source)
		}
		if q.Pair.String() != q.Send.Currency.String()+"/"+q.Receive.Currency.String() {
			t.Errorf("%s pair = %s", call, q.Pair)
		}
		if err := q.Check(); err != nil {
			t.Errorf("%s Check() = %v", call, err)
		}
	}
}

func TestQuoteErrors(t *testing.T) {
	p := newPricer(t, pinnedBook(t))
	now := pinnedAt.Add(time.Minute)
	usd := func(v string) money.Amount { return money.MustParse(v, "USD") }
	tests := []struct {
		name string
		call func() error
		want error
		msg  string
	}{
		{"not configured", func() error { _, err := p.QuoteFixedSend(usd("100"), "NGN", now); return err }, ErrCorridorNotConfigured, "USD → NGN"},
		{"reverse not configured", func() error { _, err := p.QuoteFixedReceive("KES", usd("100"), now); return err }, ErrCorridorNotConfigured, "KES → USD"},
		{"below min", func() error { _, err := p.QuoteFixedSend(usd("9.99"), "KES", now); return err }, ErrAmountOutOfRange, "between 10.00 USD and 5000.00 USD"},
		{"above max", func() error { _, err := p.QuoteFixedSend(usd("5000.01"), "KES", now); return err }, ErrAmountOutOfRange, "5000.01 USD"},
		{"fixed receive above max", func() error {
			_, err := p.QuoteFixedReceive("USD", money.MustParse("1000000", "KES"), now)
			return err
		}, ErrAmountOutOfRange, "between 10.00 USD and 5000.00 USD"},
		{"fixed receive below min", func() error {
			_, err := p.QuoteFixedReceive("USD", money.MustParse("1", "KES"), now)
			return err
		}, ErrAmountOutOfRange, "0.01 USD"},
		{"enormous amount", func() error { _, err := p.QuoteFixedSend(usd("100000000000000000000"), "KES", now); return err }, ErrAmountOutOfRange, ""},
		{"zero", func() error { _, err := p.QuoteFixedSend(usd("0"), "KES", now); return err }, ErrInvalidRequest, "not positive"},
		{"negative", func() error { _, err := p.QuoteFixedSend(usd("-100"), "KES", now); return err }, ErrInvalidRequest, "not positive"},
		{"fraction of a cent", func() error { _, err := p.QuoteFixedSend(usd("100.001"), "KES", now); return err }, money.ErrPrecision, ""},
		{"fraction of a yen", func() error {
			_, err := p.QuoteFixedReceive("USD", money.MustParse("100.5", "JPY"), now)
			return err
		}, ErrInvalidRequest, ""},
		{"fixed receive not a multiple of the receive unit", func() error {
			_, err := p.QuoteFixedReceive("GBP", money.MustParse("10000.50", "KES"), now)
			return err
		}, ErrInvalidRequest, "10000.50 KES is not a multiple of the receive unit 1 KES"},
		{"fixed receive of one cent on a whole-shilling corridor", func() error {
			_, err := p.QuoteFixedReceive("GBP", money.MustParse("0.01", "KES"), now)
			return err
		}, ErrInvalidRequest, "receive unit 1 KES"},
		{"stale", func() error { _, err := p.QuoteFixedSend(usd("100"), "KES", pinnedAt.Add(61*time.Minute)); return err }, ErrStaleRate, "1h1m0s old"},
		{"before any rate", func() error { _, err := p.QuoteFixedSend(usd("100"), "KES", pinnedAt.Add(-time.Second)); return err }, ErrNoRate, ""},
	}
	for _, tt := range tests {
		err := tt.call()
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: error = %v, want %v", tt.name, err, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: error %q does not mention %q", tt.name, err, tt.msg)
		}
	}
	var oor *AmountOutOfRangeError
	_, err := p.QuoteFixedSend(usd("5"), "KES", now)
	if !errors.As(err, &oor) || oor.Min.String() != "10.00 USD" || oor.Max.String() != "5000.00 USD" {
		t.Errorf("out-of-range error = %v, want *AmountOutOfRangeError 10.00..5000.00 USD", err)
	}
}

func TestQuoteNoPath(t *testing.T) {
	b := newBook(t, BookConfig{Pivots: []money.Currency{"EUR"}},
		snap("pinned", "USD", pinnedAt, map[string]string{"KES": "129.5"}),
		snap("pinned", "GBP", pinnedAt, map[string]string{"NGN": "1890"}))
	cfg := PricingConfig{Corridors: []CorridorConfig{{Send: "GBP", Receive: "KES", MinSend: dec("1"), MaxSend: dec("10"), QuoteTTL: Duration(time.Minute)}}}
	p, err := NewPricer(b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.QuoteFixedSend(money.MustParse("5", "GBP"), "KES", pinnedAt); !errors.Is(err, ErrNoPath) {
		t.Errorf("QuoteFixedSend(GBP → KES) with no path: %v, want ErrNoPath", err)
	}
}

func TestQuoteTooSmallToDeliver(t *testing.T) {
	b := newBook(t, BookConfig{}, snap("pinned", "IDR", pinnedAt, map[string]string{"KWD": "0.0000196"}))
	cfg := PricingConfig{Corridors: []CorridorConfig{{Send: "IDR", Receive: "KWD", MinSend: dec("0.01"), MaxSend: dec("100000000"), QuoteTTL: Duration(time.Minute)}}}
	p, err := NewPricer(b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.QuoteFixedSend(money.MustParse("10", "IDR"), "KWD", pinnedAt); !errors.Is(err, ErrAmountOutOfRange) {
		t.Errorf("QuoteFixedSend(10 IDR → KWD) = %v, want ErrAmountOutOfRange (less than 0.001 KWD)", err)
	}
	q, err := p.QuoteFixedSend(money.MustParse("1000000", "IDR"), "KWD", pinnedAt)
	if err != nil || q.Receive.String() != "19.600 KWD" {
		t.Errorf("QuoteFixedSend(1000000 IDR → KWD) = %v, %v; want 19.600 KWD", q.Receive, err)
	}
}

func TestQuoteFollowsBookChanges(t *testing.T) {
	b := pinnedBook(t)
	p := newPricer(t, b)
	q1, err := p.QuoteFixedSend(money.MustParse("100", "USD"), "KES", pinnedAt.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	next := pinnedAt.Add(30 * time.Minute)
	if err := b.Add(snap("pinned", "USD", next, map[string]string{"KES": "130"})); err != nil {
		t.Fatal(err)
	}
	// Before the new snapshot takes effect the old rate still applies.
	q2, _ := p.QuoteFixedSend(money.MustParse("100", "USD"), "KES", next.Add(-time.Second))
	q3, _ := p.QuoteFixedSend(money.MustParse("100", "USD"), "KES", next)
	if !q1.MidRate.Mid.Equal(dec("129.5")) || !q2.MidRate.Mid.Equal(dec("129.5")) || !q3.MidRate.Mid.Equal(dec("130")) {
		t.Errorf("mid rates = %s, %s, %s; want 129.5, 129.5, 130", q1.MidRate.Mid, q2.MidRate.Mid, q3.MidRate.Mid)
	}
	// Going back in time after the cache moved on still gives history.
	q4, _ := p.QuoteFixedSend(money.MustParse("100", "USD"), "KES", pinnedAt.Add(time.Minute))
	if !q4.MidRate.Mid.Equal(dec("129.5")) {
		t.Errorf("quote back in time priced at %s, want 129.5", q4.MidRate.Mid)
	}
	if !q1.Expired(q1.ExpiresAt) || q1.Expired(q1.ExpiresAt.Add(-time.Nanosecond)) {
		t.Errorf("Expired boundary wrong for %s", q1.ExpiresAt)
	}
}

func TestQuoteJSON(t *testing.T) {
	p := newPricer(t, pinnedBook(t))
	q, err := p.QuoteFixedSend(money.MustParse("100", "USD"), "KES", pinnedAt)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(q)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{`"kind":"fixed_send"`, `"pair":"USD/KES"`, `"customer_rate":"127.5575"`,
		`"receive":{"value":"12755.75","currency":"KES"}`, `"receive_unit":"0.01"`, `"total_charged":{"value":"103.49","currency":"USD"}`} {
		if !strings.Contains(string(b), part) {
			t.Errorf("quote JSON %s lacks %s", b, part)
		}
	}
	var back Quote
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("unmarshal quote: %v", err)
	}
	if !back.Receive.Equal(q.Receive) || !back.CustomerRate.Equal(q.CustomerRate) || !back.ExpiresAt.Equal(q.ExpiresAt) ||
		!back.ReceiveUnit.Equal(q.ReceiveUnit) {
		t.Errorf("quote JSON round trip lost figures: %+v", back)
	}
	// A quote encoded before quotes carried their receive unit still checks
	// out, at one minor unit.
	old := strings.Replace(string(b), `"receive_unit":"0.01",`, "", 1)
	var legacy Quote
	if err := json.Unmarshal([]byte(old), &legacy); err != nil {
		t.Fatalf("unmarshal quote without receive unit: %v", err)
	}
	if !legacy.ReceiveUnit.IsZero() || legacy.Check() != nil {
		t.Errorf("quote without receive unit: unit %s, Check() = %v", legacy.ReceiveUnit, legacy.Check())
	}
}

// TestQuoteReceiveUnit prices corridors whose payout partner pays only whole
// units: the receive amount never promises what the partner cannot pay.
func TestQuoteReceiveUnit(t *testing.T) {
	book := newBook(t, BookConfig{}, snap("pinned", "USD", pinnedAt, map[string]string{"KES": "129.25", "UGX": "3702.5"}))
	cfg, err := LoadPricingConfig(strings.NewReader(`{"corridors":[
 {"send":"USD","receive":"KES","margin_bps":"150","fixed_fee":"2.99","fee_percent":"0.5","min_send":"0.01","max_send":"5000","quote_ttl":"15m","receive_unit":"1"},
 {"send":"USD","receive":"UGX","margin_bps":"175","fixed_fee":"2.99","fee_percent":"0.5","min_send":"0.01","max_send":"5000","quote_ttl":"15m","receive_unit":"500"}]}`))
	if err != nil {
		t.Fatalf("LoadPricingConfig: %v", err)
	}
	if got := cfg.Corridors[0].ReceiveUnit.String(); got != "1" {
		t.Fatalf("USD/KES receive unit = %s, want 1", got)
	}
	p, err := NewPricer(book, cfg)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		kind      QuoteKind
		to        money.Currency
		amount    money.Amount
		send, rcv string
		margin    string
	}{
		// 100 × 127.31125 = 12731.125 KES: M-Pesa pays whole shillings, so 12731.
		{"100 USD to M-Pesa", FixedSend, "KES", money.MustParse("100", "USD"), "100.00 USD", "12731.00 KES", "194.00 KES"},
		// 0.79 × 127.31125 = 100.5758875 KES.
		{"cents dropped", FixedSend, "KES", money.MustParse("0.79", "USD"), "0.79 USD", "100.00 KES", "2.11 KES"},
		{"whole shillings fixed receive", FixedReceive, "KES", money.MustParse("5000", "KES"), "39.28 USD", "5000.00 KES", "76.94 KES"},
		// 250 × 3637.70625 = 909426.5625 UGX, rounded down to a multiple of 500.
		{"UGX in steps of 500", FixedSend, "UGX", money.MustParse("250", "USD"), "250.00 USD", "909000 UGX", "16625 UGX"},
		{"UGX fixed receive in steps of 500", FixedReceive, "UGX", money.MustParse("100000", "UGX"), "27.49 USD", "100000 UGX", "1782 UGX"},
	}
	for _, tt := range tests {
		q, err := p.Quote(QuoteRequest{Kind: tt.kind, Send: "USD", Receive: tt.to, Amount: tt.amount}, pinnedAt)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if q.Send.String() != tt.send || q.Receive.String() != tt.rcv || q.MarginAmount.String() != tt.margin {
			t.Errorf("%s: send %s, receive %s, margin %s; want %s, %s, %s", tt.name, q.Send, q.Receive, q.MarginAmount, tt.send, tt.rcv, tt.margin)
		}
		if err := q.Check(); err != nil {
			t.Errorf("%s: Check() = %v", tt.name, err)
		}
	}

	// 0.13 × 3637.70625 = 472.9 UGX: less than one unit of 500 cannot be paid at all.
	if _, err := p.QuoteFixedSend(money.MustParse("0.13", "USD"), "UGX", pinnedAt); !errors.Is(err, ErrAmountOutOfRange) ||
		!strings.Contains(err.Error(), "less than the receive unit 500 UGX") {
		t.Errorf("QuoteFixedSend(0.13 USD → UGX) = %v, want ErrAmountOutOfRange naming the receive unit", err)
	}
	if q, err := p.QuoteFixedSend(money.MustParse("0.14", "USD"), "UGX", pinnedAt); err != nil || q.Receive.String() != "500 UGX" {
		t.Errorf("QuoteFixedSend(0.14 USD → UGX) = %v, %v; want 500 UGX", q.Receive, err)
	}
	for _, amt := range []money.Amount{money.MustParse("12731.12", "KES"), money.MustParse("0.50", "KES"), money.MustParse("100250", "UGX")} {
		_, err := p.QuoteFixedReceive("USD", amt, pinnedAt)
		if !errors.Is(err, ErrInvalidRequest) || !strings.Contains(err.Error(), "not a multiple of the receive unit") {
			t.Errorf("QuoteFixedReceive(%s) = %v, want ErrInvalidRequest naming the receive unit", amt, err)
		}
	}

	q, err := p.QuoteFixedSend(money.MustParse("100", "USD"), "KES", pinnedAt)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(q)
	if !strings.Contains(string(b), `"receive_unit":"1"`) {
		t.Errorf("quote JSON %s lacks the receive unit", b)
	}
	// Check refuses a fixed-send quote that promises the unpayable cents.
	bad := q
	bad.Receive = money.MustParse("12731.12", "KES")
	if err := bad.Check(); !errors.Is(err, ErrInvalidQuote) || !strings.Contains(err.Error(), "multiple of the receive unit 1 KES") {
		t.Errorf("Check(12731.12 KES at unit 1) = %v, want ErrInvalidQuote", err)
	}
}

func TestPricingConfigValidation(t *testing.T) {
	ok := CorridorConfig{Send: "USD", Receive: "KES", MarginBps: dec("150"), FixedFee: dec("2.99"), FeePercent: dec("0.5"),
		MinSend: dec("10"), MaxSend: dec("5000"), QuoteTTL: Duration(15 * time.Minute)}
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate(valid) = %v", err)
	}
	tests := []struct {
		name string
		mod  func(*CorridorConfig)
	}{
		{"same currency", func(c *CorridorConfig) { c.Receive = "USD" }},
		{"unknown currency", func(c *CorridorConfig) { c.Receive = "XYZ" }},
		{"negative margin", func(c *CorridorConfig) { c.MarginBps = dec("-1") }},
		{"margin 100%", func(c *CorridorConfig) { c.MarginBps = dec("10000") }},
		{"margin too precise", func(c *CorridorConfig) { c.MarginBps = dec("1.00001") }},
		{"negative fee", func(c *CorridorConfig) { c.FixedFee = dec("-1") }},
		{"fee fraction of a cent", func(c *CorridorConfig) { c.FixedFee = dec("2.999") }},
		{"negative percent", func(c *CorridorConfig) { c.FeePercent = dec("-0.5") }},
		{"percent 100", func(c *CorridorConfig) { c.FeePercent = dec("100") }},
		{"percent too precise", func(c *CorridorConfig) { c.FeePercent = dec("0.0000001") }},
		{"zero min", func(c *CorridorConfig) { c.MinSend = dec("0") }},
		{"max below min", func(c *CorridorConfig) { c.MaxSend = dec("5") }},
		{"max too large", func(c *CorridorConfig) { c.MaxSend = dec("1e15") }},
		{"min fraction of a cent", func(c *CorridorConfig) { c.MinSend = dec("10.005") }},
		{"zero ttl", func(c *CorridorConfig) { c.QuoteTTL = 0 }},
		{"ttl too long", func(c *CorridorConfig) { c.QuoteTTL = Duration(25 * time.Hour) }},
		{"negative receive unit", func(c *CorridorConfig) { c.ReceiveUnit = dec("-1") }},
		{"receive unit below a cent", func(c *CorridorConfig) { c.ReceiveUnit = dec("0.005") }},
		{"receive unit not whole cents", func(c *CorridorConfig) { c.ReceiveUnit = dec("1.005") }},
		{"receive unit too large", func(c *CorridorConfig) { c.ReceiveUnit = dec("1e15") }},
		{"fractional receive unit for a currency without minor units", func(c *CorridorConfig) { c.Receive, c.ReceiveUnit = "JPY", dec("0.5") }},
	}
	for _, tt := range tests {
		c := ok
		tt.mod(&c)
		if err := c.Validate(); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("Validate(%s) = %v, want ErrInvalidConfig", tt.name, err)
		}
	}
	for _, u := range []string{"0", "0.01", "0.05", "1", "1.00", "50", "100000000000000"} {
		c := ok
		c.ReceiveUnit = dec(u)
		if err := c.Validate(); err != nil {
			t.Errorf("Validate(receive unit %s) = %v", u, err)
		}
	}
	if u := ok.Unit(); u.String() != "0.01" {
		t.Errorf("default Unit() = %s, want 0.01", u)
	}
	if err := (PricingConfig{Corridors: []CorridorConfig{ok, ok}}).Validate(); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("duplicate corridor: %v", err)
	}
	if err := (PricingConfig{}).Validate(); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("no corridors: %v", err)
	}
	badJSON := []string{
		`{"corridors":[{"send":"USD","receive":"KES","min_send":"1","max_send":"2","quote_ttl":"1m","spread":5}]}`,
		`{"corridors":[{"send":"USD","receive":"KES","min_send":"1","max_send":"2","quote_ttl":"soon"}]}`,
		`{"corridors":[{"send":"USD","receive":"KES","min_send":"one","max_send":"2","quote_ttl":"1m"}]}`,
		`{"corridors":[{"send":"USD","receive":"KES","min_send":"1","max_send":"2","quote_ttl":"1m","receive_unit":"whole"}]}`,
		`{"corridors":[{"send":"USD","receive":"KES","min_send":"1","max_send":"2","quote_ttl":"1m","receive_unit":"0.001"}]}`,
		`{"corridors":[{"send":"USD","receive":"KES","min_send":"1","max_send":"2","quote_ttl":"1m","receive_unit":"-1"}]}`,
		`{"corridors":[]} {}`,
		`[`,
	}
	for _, s := range badJSON {
		if _, err := LoadPricingConfig(strings.NewReader(s)); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("LoadPricingConfig(%s) = %v, want ErrInvalidConfig", s, err)
		}
	}
	if _, err := NewPricer(nil, PricingConfig{Corridors: []CorridorConfig{ok}}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("NewPricer(nil book) = %v", err)
	}
}

func TestQuoteRequest(t *testing.T) {
	p := newPricer(t, pinnedBook(t))
	q, err := p.Quote(QuoteRequest{Kind: FixedReceive, Send: "USD", Receive: "KES", Amount: money.MustParse("10000", "KES")}, pinnedAt)
	if err != nil || q.Send.String() != "78.40 USD" || q.Kind != FixedReceive {
		t.Errorf("Quote(fixed receive) = %v, %v", q.Send, err)
	}
	q, err = p.Quote(QuoteRequest{Kind: FixedSend, Send: "USD", Receive: "KES", Amount: money.MustParse("100", "USD")}, pinnedAt)
	if err != nil || q.Receive.String() != "12755.75 KES" {
		t.Errorf("Quote(fixed send) = %v, %v", q.Receive, err)
	}
	bad := []QuoteRequest{
		{Kind: "fixed_fee", Send: "USD", Receive: "KES", Amount: money.MustParse("100", "USD")},
		{Kind: FixedSend, Send: "USD", Receive: "KES", Amount: money.MustParse("100", "KES")},
		{Kind: FixedReceive, Send: "USD", Receive: "KES", Amount: money.MustParse("100", "USD")},
	}
	for _, req := range bad {
		if _, err := p.Quote(req, pinnedAt); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("Quote(%+v) = %v, want ErrInvalidRequest", req, err)
		}
	}
}

func TestQuoteCheck(t *testing.T) {
	p := newPricer(t, pinnedBook(t))
	good, err := p.QuoteFixedSend(money.MustParse("100", "USD"), "KES", pinnedAt)
	if err != nil {
		t.Fatal(err)
	}
	if err := good.Check(); err != nil {
		t.Fatalf("Check(priced quote) = %v", err)
	}
	whole := good
	whole.ReceiveUnit, whole.Receive = dec("1"), money.MustParse("12755", "KES")
	if err := whole.Check(); err != nil {
		t.Errorf("Check(whole-shilling quote) = %v", err)
	}
	tests := []struct {
		name string
		mod  func(*Quote)
	}{
		{"unknown kind", func(q *Quote) { q.Kind = "best_effort" }},
		{"receive raised by a cent", func(q *Quote) { q.Receive = money.MustParse("12755.76", "KES") }},
		{"receive lowered by a cent", func(q *Quote) { q.Receive = money.MustParse("12755.74", "KES") }},
		{"customer rate above mid", func(q *Quote) { q.CustomerRate = dec("130") }},
		{"fees do not add up", func(q *Quote) { q.Fees.Total = money.MustParse("3.00", "USD") }},
		{"total does not add up", func(q *Quote) { q.TotalCharged = money.MustParse("103.00", "USD") }},
		{"receive in the wrong currency", func(q *Quote) { q.Receive = money.MustParse("12755.75", "UGX") }},
		{"negative receive unit", func(q *Quote) { q.ReceiveUnit = dec("-1") }},
		{"receive unit below a cent", func(q *Quote) { q.ReceiveUnit = dec("0.001") }},
		{"receive not a multiple of the receive unit", func(q *Quote) { q.ReceiveUnit = dec("1") }},
		{"receive rounded down one unit too far", func(q *Quote) {
			q.ReceiveUnit, q.Receive, q.MarginAmount = dec("1"), money.MustParse("12754", "KES"), money.MustParse("196", "KES")
		}},
		{"fraction of a cent", func(q *Quote) { q.Send = money.MustParse("100.001", "USD") }},
		{"zero send", func(q *Quote) { q.Send = money.MustParse("0", "USD") }},
		{"expired at birth", func(q *Quote) { q.ExpiresAt = q.QuotedAt }},
	}
	for _, tt := range tests {
		q := good
		tt.mod(&q)
		if err := q.Check(); !errors.Is(err, ErrInvalidQuote) {
			t.Errorf("Check(%s) = %v, want ErrInvalidQuote", tt.name, err)
		}
	}
}
