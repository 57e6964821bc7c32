package ledger_test

import (
	"errors"
	"testing"

	"github.com/remitflow/remitflow/domain/ledger"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/shopspring/decimal"
)

func amt(v, c string) money.Amount { return money.MustParse(v, c) }

func p(account ledger.Account, v, c string) ledger.Posting {
	return ledger.Posting{Account: account, Amount: amt(v, c)}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		ps   ledger.Postings
		want error
	}{
		{"two legs", ledger.Postings{p("a", "-10", "USD"), p("b", "10", "USD")}, nil},
		{"many legs and currencies", ledger.Postings{
			p(ledger.CustomerReserved("c1"), "-100", "USD"),
			p(ledger.RevenueFees, "2.99", "USD"),
			p(ledger.FX("USD"), "97.01", "USD"),
			p(ledger.FX("KES"), "-12437.16", "KES"),
			p(ledger.PartnerPayable("mpesa"), "12437.16", "KES"),
		}, nil},
		{"micro-amounts balance exactly", ledger.Postings{p("a", "-0.000000000000000001", "USD"), p("b", "0.000000000000000001", "USD")}, nil},
		{"zero postings balance", ledger.Postings{p("a", "0", "USD")}, nil},
		{"empty", ledger.Postings{}, ledger.ErrInvalidPosting},
		{"nil", nil, ledger.ErrInvalidPosting},
		{"unbalanced", ledger.Postings{p("a", "-10", "USD"), p("b", "9.99", "USD")}, ledger.ErrUnbalanced},
		{"balanced overall but not per currency", ledger.Postings{p("a", "-10", "USD"), p("b", "10", "EUR")}, ledger.ErrUnbalanced},
		{"one currency balanced, the other not", ledger.Postings{
			p("a", "-10", "USD"), p("b", "10", "USD"), p("c", "-5", "KES"), p("d", "4", "KES"),
		}, ledger.ErrUnbalanced},
		{"single leg", ledger.Postings{p("a", "10", "USD")}, ledger.ErrUnbalanced},
		{"empty account", ledger.Postings{p("", "-10", "USD"), p("b", "10", "USD")}, ledger.ErrInvalidPosting},
		{"account with a space", ledger.Postings{p("a b", "-10", "USD"), p("b", "10", "USD")}, ledger.ErrInvalidPosting},
		{"account with a newline", ledger.Postings{p("a\n", "-10", "USD"), p("b", "10", "USD")}, ledger.ErrInvalidPosting},
		{"unknown currency", ledger.Postings{
			{Account: "a", Amount: money.Amount{Value: decimal.NewFromInt(-10), Currency: "XXX"}},
			{Account: "b", Amount: money.Amount{Value: decimal.NewFromInt(10), Currency: "XXX"}},
		}, ledger.ErrInvalidPosting},
		{"missing currency", ledger.Postings{{Account: "a", Amount: money.Amount{Value: decimal.Zero}}}, ledger.ErrInvalidPosting},
	}
	for _, tt := range tests {
		err := tt.ps.Validate()
		if tt.want == nil && err != nil {
			t.Errorf("%s: Validate(%v) = %v, want nil", tt.name, tt.ps, err)
		}
		if tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: Validate(%v) = %v, want %v", tt.name, tt.ps, err, tt.want)
		}
	}
}

func TestReverse(t *testing.T) {
	ps := ledger.Postings{
		p(ledger.CustomerAvailable("c1"), "-60", "USD"),
		p(ledger.CustomerReserved("c1"), "60", "USD"),
		p(ledger.FX("KES"), "-100", "KES"),
		p(ledger.PartnerPayable("mpesa"), "100", "KES"),
	}
	rev := ps.Reverse()
	if len(rev) != len(ps) {
		t.Fatalf("Reverse() has %d postings, want %d", len(rev), len(ps))
	}
	for i := range ps {
		if rev[i].Account != ps[i].Account || !rev[i].Amount.Equal(ps[i].Amount.Neg()) {
			t.Errorf("Reverse()[%d] = %v, want %v %s", i, rev[i], ps[i].Account, ps[i].Amount.Neg())
		}
	}
	if err := rev.Validate(); err != nil {
		t.Errorf("Reverse().Validate() = %v", err)
	}
	b := ledger.Balances{}
	b.Apply(ps)
	b.Apply(rev)
	for a, m := range b {
		for c, v := range m {
			if !v.IsZero() {
				t.Errorf("after postings and their reverse, %s = %s %s, want 0", a, v, c)
			}
		}
	}
	if got := ps.Reverse().Reverse(); got[0].Account != ps[0].Account || !got[0].Amount.Equal(ps[0].Amount) {
		t.Errorf("Reverse().Reverse()[0] = %v, want %v", got[0], ps[0])
	}
	if len(ledger.Postings(nil).Reverse()) != 0 {
		t.Errorf("Reverse of nil is not empty")
	}
	// Reverse must not modify the original.
	if !ps[0].Amount.Equal(amt("-60", "USD")) {
		t.Errorf("Reverse modified its receiver: %v", ps[0])
	}
}

func TestMove(t *testing.T) {
	ps := ledger.Move(ledger.ExternalFunding, ledger.CustomerAvailable("c1"), amt("25.50", "GBP"))
	want := ledger.Postings{p(ledger.ExternalFunding, "-25.50", "GBP"), p("customer:c1:available", "25.50", "GBP")}
	if len(ps) != 2 {
		t.Fatalf("Move() = %v, want %v", ps, want)
	}
	for i := range want {
		if ps[i].Account != want[i].Account || !ps[i].Amount.Equal(want[i].Amount) {
			t.Errorf("Move()[%d] = %v, want %v", i, ps[i], want[i])
		}
	}
	if err := ps.Validate(); err != nil {
		t.Errorf("Move().Validate() = %v", err)
	}
}

func TestAccountNames(t *testing.T) {
	tests := []struct {
		got  ledger.Account
		want string
	}{
		{ledger.CustomerAvailable("c1"), "customer:c1:available"},
		{ledger.CustomerReserved("c1"), "customer:c1:reserved"},
		{ledger.Credit("c1"), "credit:c1"},
		{ledger.FX("KES"), "fx:KES"},
		{ledger.PartnerPayable("mpesa"), "partner:mpesa:payable"},
		{ledger.AgentFloat("ag1"), "agent:ag1:float"},
		{ledger.AgentCommission("ag1"), "agent:ag1:commission"},
		{ledger.RevenueFees, "revenue:fees"},
		{ledger.RevenueFX, "revenue:fx"},
		{ledger.ExpenseCommission, "expense:commission"},
		{ledger.ExternalFunding, "external:funding"},
	}
	for _, tt := range tests {
		if string(tt.got) != tt.want {
			t.Errorf("account = %q, want %q", tt.got, tt.want)
		}
	}
}

func TestBalances(t *testing.T) {
	b := ledger.Balances{}
	b.Apply(ledger.Move(ledger.ExternalFunding, ledger.CustomerAvailable("c1"), amt("100", "USD")))
	b.Apply(ledger.Move(ledger.CustomerAvailable("c1"), ledger.CustomerReserved("c1"), amt("60", "USD")))
	b.Apply(ledger.Move(ledger.FX("KES"), ledger.PartnerPayable("mpesa"), amt("7000", "KES")))
	b.Apply(ledger.Move(ledger.ExternalFunding, ledger.CustomerAvailable("c1"), amt("0.001", "USD")))
	tests := []struct {
		account ledger.Account
		ccy     money.Currency
		want    string
	}{
		{ledger.CustomerAvailable("c1"), "USD", "40.001"},
		{ledger.CustomerReserved("c1"), "USD", "60"},
		{ledger.ExternalFunding, "USD", "-100.001"},
		{ledger.FX("KES"), "KES", "-7000"},
		{ledger.PartnerPayable("mpesa"), "KES", "7000"},
		{ledger.CustomerAvailable("c1"), "KES", "0"},
		{"nobody", "USD", "0"},
	}
	for _, tt := range tests {
		got := b.Get(tt.account, tt.ccy)
		if !got.Equal(amt(tt.want, string(tt.ccy))) {
			t.Errorf("Get(%s, %s) = %s, want %s", tt.account, tt.ccy, got, tt.want)
		}
	}
	totals := b.Totals()
	if len(totals) != 2 {
		t.Errorf("Totals() = %v, want USD and KES", totals)
	}
	for c, v := range totals {
		if !v.IsZero() {
			t.Errorf("Totals()[%s] = %s, want 0", c, v)
		}
	}
	b.Apply(ledger.Postings{p("leak", "1", "EUR")})
	if got := b.Totals()["EUR"]; !got.Equal(decimal.NewFromInt(1)) {
		t.Errorf("Totals()[EUR] after an unbalanced posting = %s, want 1", got)
	}
}
