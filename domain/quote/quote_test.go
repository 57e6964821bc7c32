package quote_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/command/commandtest"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/quote"
	"github.com/shopspring/decimal"
)

var (
	t0   = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	exp  = t0.Add(15 * time.Minute)
	meta = quote.Meta{ID: "cmd-1", Actor: "customer:cus_1"}
	pair = quote.Pair{Send: "USD", Receive: "KES"}
)

func usd(v string) money.Amount { return money.MustParse(v, "USD") }
func kes(v string) money.Amount { return money.MustParse(v, "KES") }
func dec(v string) decimal.Decimal {
	d, err := decimal.NewFromString(v)
	if err != nil {
		panic(err)
	}
	return d
}

// issue is a consistent fixed-send quote: (100 − 2.99) × 128.205 = 12437.167… KES.
func issue() quote.Issue {
	return quote.Issue{
		Meta: meta, QuoteID: "q_1", CustomerID: "cus_1", Pair: pair,
		MidRate: dec("129.50"), CustomerRate: dec("128.205"), MarginBps: 100,
		Fees: []quote.Fee{{Name: "fixed", Amount: usd("2.99")}},
		Send: usd("100"), Receive: kes("12437.16"), Mode: quote.FixedSend,
		ExpiresAt: exp, RateRef: "ecb-2026-11-01",
	}
}

func issued(c quote.Issue) quote.Issued {
	return quote.Issued{
		QuoteID: c.QuoteID, CustomerID: c.CustomerID, Pair: c.Pair, MidRate: c.MidRate,
		CustomerRate: c.CustomerRate, MarginBps: c.MarginBps, Fees: c.Fees, Send: c.Send,
		Receive: c.Receive, ReceiveUnit: c.ReceiveUnit, Mode: c.Mode, ExpiresAt: c.ExpiresAt, RateRef: c.RateRef, IssuedAt: t0,
	}
}

func show(t *testing.T, events []command.Event) string {
	t.Helper()
	return commandtest.Show(t, events...)
}

type scenario struct {
	name  string
	given []command.Event
	when  quote.Command
	now   time.Time
	then  []command.Event
	err   error
}

func run(t *testing.T, scenarios []scenario) {
	t.Helper()
	cases := make([]commandtest.Scenario[quote.Command], len(scenarios))
	for i, sc := range scenarios {
		cases[i] = commandtest.Scenario[quote.Command]{Name: sc.name, Given: sc.given, When: sc.when, Now: sc.now, Then: sc.then, Err: sc.err}
	}
	commandtest.Run(t, quote.Aggregate, t0, cases)
}

func TestIssue(t *testing.T) {
	with := func(f func(*quote.Issue)) quote.Issue {
		c := issue()
		f(&c)
		return c
	}
	fixedReceive := with(func(c *quote.Issue) {
		c.Mode, c.Receive, c.Send = quote.FixedReceive, kes("10000"), usd("81.00")
	})
	// M-Pesa pays whole shillings: 12437.167… KES is promised as 12437.
	wholeShillings := with(func(c *quote.Issue) { c.ReceiveUnit, c.Receive = dec("1"), kes("12437") })
	wholeShillingsReceive := with(func(c *quote.Issue) {
		c.Mode, c.Receive, c.Send, c.ReceiveUnit = quote.FixedReceive, kes("10000"), usd("81.00"), dec("1")
	})
	// In steps of 10 KES the shortfall of 7.167 KES is rounding, not a
	// pricing error.
	tens := with(func(c *quote.Issue) { c.ReceiveUnit, c.Receive = dec("10"), kes("12430") })
	run(t, []scenario{
		{name: "fixed send", when: issue(), then: []command.Event{issued(issue())}},
		{name: "fixed receive", when: fixedReceive, then: []command.Event{issued(fixedReceive)}},
		{name: "no fees", when: with(func(c *quote.Issue) { c.Fees = nil; c.Receive = kes("12820.50") }),
			then: []command.Event{issued(with(func(c *quote.Issue) { c.Fees = nil; c.Receive = kes("12820.50") }))}},
		{name: "same quote again is a no-op", given: []command.Event{issued(issue())}, when: issue(), now: t0.Add(time.Minute)},
		{name: "same ID other content", given: []command.Event{issued(issue())},
			when: with(func(c *quote.Issue) { c.ExpiresAt = exp.Add(time.Minute) }), err: quote.ErrQuoteExists},
		{name: "missing quote ID", when: with(func(c *quote.Issue) { c.QuoteID = "" }), err: quote.ErrInvalidCommand},
		{name: "missing customer", when: with(func(c *quote.Issue) { c.CustomerID = "" }), err: quote.ErrInvalidCommand},
		{name: "missing command ID", when: with(func(c *quote.Issue) { c.Meta.ID = "" }), err: quote.ErrInvalidCommand},
		{name: "missing actor", when: with(func(c *quote.Issue) { c.Meta.Actor = "" }), err: quote.ErrInvalidCommand},
		{name: "unknown currency", when: with(func(c *quote.Issue) { c.Pair.Receive = "XXX" }), err: quote.ErrInvalidQuote},
		{name: "send amount in the wrong currency", when: with(func(c *quote.Issue) { c.Send = money.MustParse("100", "EUR") }), err: quote.ErrInvalidQuote},
		{name: "receive amount in the wrong currency", when: with(func(c *quote.Issue) { c.Receive = usd("12437.16") }), err: quote.ErrInvalidQuote},
		{name: "zero send", when: with(func(c *quote.Issue) { c.Send = usd("0") }), err: quote.ErrInvalidQuote},
		{name: "negative receive", when: with(func(c *quote.Issue) { c.Receive = kes("-1") }), err: quote.ErrInvalidQuote},
		{name: "zero mid rate", when: with(func(c *quote.Issue) { c.MidRate = decimal.Zero }), err: quote.ErrInvalidQuote},
		{name: "customer rate better than mid", when: with(func(c *quote.Issue) { c.CustomerRate = dec("130") }), err: quote.ErrInvalidQuote},
		{name: "margin does not match rates", when: with(func(c *quote.Issue) { c.MarginBps = 50 }), err: quote.ErrInvalidQuote},
		{name: "negative margin", when: with(func(c *quote.Issue) { c.MarginBps = -1 }), err: quote.ErrInvalidQuote},
		{name: "unknown mode", when: with(func(c *quote.Issue) { c.Mode = "fixed_both" }), err: quote.ErrInvalidQuote},
		{name: "expiry at issue", when: with(func(c *quote.Issue) { c.ExpiresAt = t0 }), err: quote.ErrInvalidQuote},
		{name: "expiry too far", when: with(func(c *quote.Issue) { c.ExpiresAt = t0.Add(quote.MaxValidity + time.Second) }), err: quote.ErrInvalidQuote},
		{name: "fee in receive currency", when: with(func(c *quote.Issue) { c.Fees[0].Amount = kes("2.99") }), err: quote.ErrInvalidQuote},
		{name: "negative fee", when: with(func(c *quote.Issue) { c.Fees[0].Amount = usd("-2.99") }), err: quote.ErrInvalidQuote},
		{name: "unnamed fee", when: with(func(c *quote.Issue) { c.Fees[0].Name = "" }), err: quote.ErrInvalidQuote},
		{name: "fees eat the send amount", when: with(func(c *quote.Issue) { c.Fees[0].Amount = usd("100") }), err: quote.ErrInvalidQuote},
		{name: "receive too high", when: with(func(c *quote.Issue) { c.Receive = kes("12438.50") }), err: quote.ErrInvalidQuote},
		{name: "receive too low", when: with(func(c *quote.Issue) { c.Receive = kes("12435.80") }), err: quote.ErrInvalidQuote},
		{name: "whole shillings", when: wholeShillings, then: []command.Event{issued(wholeShillings)}},
		{name: "whole shillings fixed receive", when: wholeShillingsReceive, then: []command.Event{issued(wholeShillingsReceive)}},
		{name: "receive unit of 10 KES", when: tens, then: []command.Event{issued(tens)}},
		{name: "one minor unit stated explicitly", when: with(func(c *quote.Issue) { c.ReceiveUnit = dec("0.01") }),
			then: []command.Event{issued(with(func(c *quote.Issue) { c.ReceiveUnit = dec("0.01") }))}},
		{name: "same whole-shilling quote again is a no-op", given: []command.Event{issued(wholeShillings)}, when: wholeShillings},
		{name: "same ID other receive unit", given: []command.Event{issued(issue())},
			when: with(func(c *quote.Issue) { c.ReceiveUnit = dec("0.01") }), err: quote.ErrQuoteExists},
		{name: "shortfall of 7.17 KES without a receive unit", when: with(func(c *quote.Issue) { c.Receive = kes("12430") }), err: quote.ErrInvalidQuote},
		{name: "shortfall beyond one receive unit", when: with(func(c *quote.Issue) { c.ReceiveUnit, c.Receive = dec("1"), kes("12434") }), err: quote.ErrInvalidQuote},
		{name: "receive above expected by more than a minor unit", when: with(func(c *quote.Issue) { c.ReceiveUnit, c.Receive = dec("10"), kes("12440") }), err: quote.ErrInvalidQuote},
		{name: "receive not a multiple of the receive unit", when: with(func(c *quote.Issue) { c.ReceiveUnit = dec("1") }), err: quote.ErrInvalidQuote},
		{name: "negative receive unit", when: with(func(c *quote.Issue) { c.ReceiveUnit, c.Receive = dec("-1"), kes("12437") }), err: quote.ErrInvalidQuote},
		{name: "receive unit below a minor unit", when: with(func(c *quote.Issue) { c.ReceiveUnit = dec("0.005") }), err: quote.ErrInvalidQuote},
		{name: "receive unit not whole minor units", when: with(func(c *quote.Issue) { c.ReceiveUnit, c.Receive = dec("1.005"), kes("12437") }), err: quote.ErrInvalidQuote},
	})
}

// Events recorded before quotes carried a receive unit decode with a zero
// unit, which means one minor unit, and still validate; an Issued without a
// unit encodes exactly as it did before.
func TestIssuedWithoutReceiveUnit(t *testing.T) {
	old := `{"quote_id":"q_1","customer_id":"cus_1","pair":{"send":"USD","receive":"KES"},"mid_rate":"129.5",` +
		`"customer_rate":"128.205","margin_bps":100,"fees":[{"name":"fixed","amount":{"value":"2.99","currency":"USD"}}],` +
		`"send":{"value":"100.00","currency":"USD"},"receive":{"value":"12437.16","currency":"KES"},"mode":"fixed_send",` +
		`"expires_at":"2026-11-01T09:15:00Z","rate_ref":"ecb-2026-11-01","issued_at":"2026-11-01T09:00:00Z"}`
	e, err := quote.Decode(quote.TypeIssued, []byte(old))
	if err != nil {
		t.Fatalf("Decode(old issued) = %v", err)
	}
	q := e.(quote.Issued)
	if !q.ReceiveUnit.IsZero() || q.Unit().String() != "0.01" {
		t.Errorf("old event receive unit %s, effective %s; want zero, 0.01", q.ReceiveUnit, q.Unit())
	}
	if err := quote.Validate(q); err != nil {
		t.Errorf("Validate(old event) = %v", err)
	}
	data, err := json.Marshal(q)
	if err != nil || string(data) != old {
		t.Errorf("old event re-encodes as %s (%v), want %s", data, err, old)
	}
	q.ReceiveUnit = dec("1")
	q.Receive = kes("12437")
	data, _ = json.Marshal(q)
	if !strings.Contains(string(data), `"receive_unit":"1"`) {
		t.Errorf("issued with a receive unit encodes as %s", data)
	}
	if err := quote.Validate(q); err != nil {
		t.Errorf("Validate(whole-shilling event) = %v", err)
	}
}

func TestAccept(t *testing.T) {
	given := []command.Event{issued(issue())}
	accepted := quote.Accepted{QuoteID: "q_1", CustomerID: "cus_1", TransferID: "tr_1", At: t0}
	accept := func(tr, cus string) quote.Accept {
		return quote.Accept{Meta: meta, QuoteID: "q_1", CustomerID: cus, TransferID: tr}
	}
	run(t, []scenario{
		{name: "accepts", given: given, when: accept("tr_1", "cus_1"), then: []command.Event{accepted}},
		{name: "just before expiry", given: given, when: accept("tr_1", "cus_1"), now: exp.Add(-time.Nanosecond),
			then: []command.Event{quote.Accepted{QuoteID: "q_1", CustomerID: "cus_1", TransferID: "tr_1", At: exp.Add(-time.Nanosecond)}}},
		{name: "at expiry", given: given, when: accept("tr_1", "cus_1"), now: exp, err: quote.ErrQuoteExpired},
		{name: "same transfer again is a no-op", given: append(given, accepted), when: accept("tr_1", "cus_1")},
		{name: "same transfer again after expiry is a no-op", given: append(given, accepted), when: accept("tr_1", "cus_1"), now: exp.Add(time.Hour)},
		{name: "another transfer", given: append(given, accepted), when: accept("tr_2", "cus_1"), err: quote.ErrQuoteUsed},
		{name: "another customer", given: given, when: accept("tr_1", "cus_2"), err: quote.ErrQuoteCustomerMismatch},
		{name: "never issued", when: accept("tr_1", "cus_1"), err: quote.ErrQuoteNotFound},
		{name: "missing transfer", given: given, when: accept("", "cus_1"), err: quote.ErrInvalidCommand},
		{name: "missing customer", given: given, when: accept("tr_1", ""), err: quote.ErrInvalidCommand},
		{name: "another quote's stream", given: given,
			when: quote.Accept{Meta: meta, QuoteID: "q_2", CustomerID: "cus_1", TransferID: "tr_1"}, err: quote.ErrInvalidCommand},
	})
}

func TestCheckUsable(t *testing.T) {
	s := quote.Evolve(quote.Initial(), issued(issue()))
	tests := []struct {
		state quote.State
		now   time.Time
		want  error
	}{
		{quote.Initial(), t0, quote.ErrQuoteNotFound},
		{s, t0, nil},
		{s, exp.Add(-time.Second), nil},
		{s, exp, quote.ErrQuoteExpired},
		{quote.Evolve(s, quote.Accepted{QuoteID: "q_1", TransferID: "tr_1", At: t0}), exp.Add(time.Second), quote.ErrQuoteExpired},
	}
	for _, tt := range tests {
		if got := quote.CheckUsable(tt.state, tt.now); !errors.Is(got, tt.want) || (tt.want == nil) != (got == nil) {
			t.Errorf("CheckUsable(issued=%v, %s) = %v, want %v", tt.state.Issued, tt.now.Format(time.RFC3339), got, tt.want)
		}
	}
}

func TestTotalFee(t *testing.T) {
	e := issued(issue())
	e.Fees = append(e.Fees, quote.Fee{Name: "percentage", Amount: usd("1.005")})
	if got := e.TotalFee(); !got.Equal(usd("3.995")) {
		t.Fatalf("TotalFee() = %s, want 3.995 USD", got)
	}
}
