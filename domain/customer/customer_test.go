package customer_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/command/commandtest"
	"github.com/remitflow/remitflow/domain/customer"
)

var (
	t0    = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	meta  = customer.Meta{ID: "cmd-1", Actor: "customer:cus_1"}
	staff = customer.Meta{ID: "cmd-2", Actor: "staff:alice"}
	pii   = customer.EncryptedPII{KeyID: "k1", Ciphertext: []byte{1, 2, 3, 4}}
)

func register() customer.Register {
	return customer.Register{Meta: meta, CustomerID: "cus_1", Country: "GB", Phone: "+447700900123", Tier: customer.Tier1, PII: pii}
}

var registered = customer.Registered{CustomerID: "cus_1", Country: "GB", Tier: customer.Tier1, PII: pii, At: t0}

func show(t *testing.T, events []command.Event) string {
	t.Helper()
	return commandtest.Show(t, events...)
}

type scenario struct {
	name  string
	given []command.Event
	when  customer.Command
	then  []command.Event
	err   error
}

func run(t *testing.T, scenarios []scenario) {
	t.Helper()
	cases := make([]commandtest.Scenario[customer.Command], len(scenarios))
	for i, sc := range scenarios {
		cases[i] = commandtest.Scenario[customer.Command]{Name: sc.name, Given: sc.given, When: sc.when, Then: sc.then, Err: sc.err}
	}
	commandtest.Run(t, customer.Aggregate, t0, cases)
}

func TestRegister(t *testing.T) {
	with := func(f func(*customer.Register)) customer.Register {
		c := register()
		f(&c)
		return c
	}
	run(t, []scenario{
		{name: "registers", when: register(), then: []command.Event{registered}},
		{name: "same details again is a no-op", given: []command.Event{registered},
			when: with(func(c *customer.Register) { c.PII.Ciphertext = []byte{9, 9} })},
		{name: "other details", given: []command.Event{registered},
			when: with(func(c *customer.Register) { c.Country = "KE" }), err: customer.ErrAlreadyRegistered},
		{name: "lower-case country", when: with(func(c *customer.Register) { c.Country = "gb" }), err: customer.ErrInvalidCountry},
		{name: "unassigned country", when: with(func(c *customer.Register) { c.Country = "XX" }), err: customer.ErrInvalidCountry},
		{name: "alpha-3 country", when: with(func(c *customer.Register) { c.Country = "GBR" }), err: customer.ErrInvalidCountry},
		{name: "phone without +", when: with(func(c *customer.Register) { c.Phone = "447700900123" }), err: customer.ErrInvalidPhone},
		{name: "phone too short", when: with(func(c *customer.Register) { c.Phone = "+44770" }), err: customer.ErrInvalidPhone},
		{name: "phone too long", when: with(func(c *customer.Register) { c.Phone = "+4477009001234567" }), err: customer.ErrInvalidPhone},
		{name: "phone with spaces", when: with(func(c *customer.Register) { c.Phone = "+44 7700 900123" }), err: customer.ErrInvalidPhone},
		{name: "phone with leading zero", when: with(func(c *customer.Register) { c.Phone = "+07700900123" }), err: customer.ErrInvalidPhone},
		{name: "tier 3", when: with(func(c *customer.Register) { c.Tier = 3 }), err: customer.ErrInvalidTier},
		{name: "negative tier", when: with(func(c *customer.Register) { c.Tier = -1 }), err: customer.ErrInvalidTier},
		{name: "no PII key", when: with(func(c *customer.Register) { c.PII.KeyID = "" }), err: customer.ErrInvalidCommand},
		{name: "no PII ciphertext", when: with(func(c *customer.Register) { c.PII.Ciphertext = nil }), err: customer.ErrInvalidCommand},
		{name: "no customer ID", when: with(func(c *customer.Register) { c.CustomerID = "" }), err: customer.ErrInvalidCommand},
		{name: "no command ID", when: with(func(c *customer.Register) { c.Meta.ID = "" }), err: customer.ErrInvalidCommand},
		{name: "no actor", when: with(func(c *customer.Register) { c.Meta.Actor = "" }), err: customer.ErrInvalidCommand},
	})
}

func TestTierAndBlocking(t *testing.T) {
	blocked := customer.Blocked{CustomerID: "cus_1", Reason: "fraud report", By: "staff:alice", At: t0}
	run(t, []scenario{
		{name: "changes tier", given: []command.Event{registered},
			when: customer.ChangeTier{Meta: staff, CustomerID: "cus_1", Tier: customer.Tier2, Reason: "EDD passed"},
			then: []command.Event{customer.TierChanged{CustomerID: "cus_1", From: 1, To: 2, Reason: "EDD passed", By: "staff:alice", At: t0}}},
		{name: "same tier is a no-op", given: []command.Event{registered},
			when: customer.ChangeTier{Meta: staff, CustomerID: "cus_1", Tier: customer.Tier1, Reason: "again"}},
		{name: "unknown tier", given: []command.Event{registered},
			when: customer.ChangeTier{Meta: staff, CustomerID: "cus_1", Tier: 7, Reason: "x"}, err: customer.ErrInvalidTier},
		{name: "tier change without reason", given: []command.Event{registered},
			when: customer.ChangeTier{Meta: staff, CustomerID: "cus_1", Tier: customer.Tier2}, err: customer.ErrInvalidCommand},
		{name: "tier change of unknown customer",
			when: customer.ChangeTier{Meta: staff, CustomerID: "cus_1", Tier: customer.Tier2, Reason: "x"}, err: customer.ErrCustomerNotFound},
		{name: "blocks", given: []command.Event{registered},
			when: customer.Block{Meta: staff, CustomerID: "cus_1", Reason: "fraud report"}, then: []command.Event{blocked}},
		{name: "blocking a blocked customer is a no-op", given: []command.Event{registered, blocked},
			when: customer.Block{Meta: staff, CustomerID: "cus_1", Reason: "again"}},
		{name: "block without reason", given: []command.Event{registered},
			when: customer.Block{Meta: staff, CustomerID: "cus_1"}, err: customer.ErrInvalidCommand},
		{name: "block unknown customer",
			when: customer.Block{Meta: staff, CustomerID: "cus_1", Reason: "x"}, err: customer.ErrCustomerNotFound},
		{name: "unblocks", given: []command.Event{registered, blocked},
			when: customer.Unblock{Meta: staff, CustomerID: "cus_1", Reason: "cleared"},
			then: []command.Event{customer.Unblocked{CustomerID: "cus_1", Reason: "cleared", By: "staff:alice", At: t0}}},
		{name: "unblocking an unblocked customer is a no-op", given: []command.Event{registered},
			when: customer.Unblock{Meta: staff, CustomerID: "cus_1", Reason: "cleared"}},
		{name: "unblock without reason", given: []command.Event{registered, blocked},
			when: customer.Unblock{Meta: staff, CustomerID: "cus_1"}, err: customer.ErrInvalidCommand},
		{name: "command for another customer", given: []command.Event{registered},
			when: customer.Block{Meta: staff, CustomerID: "cus_2", Reason: "x"}, err: customer.ErrInvalidCommand},
		{name: "updates PII", given: []command.Event{registered},
			when: customer.UpdatePII{Meta: meta, CustomerID: "cus_1", Phone: "+254708374149", PII: customer.EncryptedPII{KeyID: "k1", Ciphertext: []byte{5}}},
			then: []command.Event{customer.PIIUpdated{CustomerID: "cus_1", PII: customer.EncryptedPII{KeyID: "k1", Ciphertext: []byte{5}}, At: t0}}},
		{name: "same PII is a no-op", given: []command.Event{registered},
			when: customer.UpdatePII{Meta: meta, CustomerID: "cus_1", PII: pii}},
		{name: "PII update with a bad phone", given: []command.Event{registered},
			when: customer.UpdatePII{Meta: meta, CustomerID: "cus_1", Phone: "0708374149", PII: pii}, err: customer.ErrInvalidPhone},
	})
}

func TestCanSend(t *testing.T) {
	s := customer.Evolve(customer.Initial(), registered)
	blocked := customer.Evolve(s, customer.Blocked{CustomerID: "cus_1", Reason: "x", At: t0})
	tests := []struct {
		name  string
		state customer.State
		want  error
	}{
		{"unknown", customer.Initial(), customer.ErrCustomerNotFound},
		{"registered", s, nil},
		{"blocked", blocked, customer.ErrCustomerBlocked},
		{"unblocked", customer.Evolve(blocked, customer.Unblocked{CustomerID: "cus_1", Reason: "ok", At: t0}), nil},
	}
	for _, tt := range tests {
		if got := customer.CanSend(tt.state); !errors.Is(got, tt.want) || (got == nil) != (tt.want == nil) {
			t.Errorf("CanSend(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestLimits(t *testing.T) {
	table := customer.LimitsTable()
	if len(table) != 3 {
		t.Fatalf("LimitsTable() has %d tiers, want 3", len(table))
	}
	for i, l := range table {
		got, ok := customer.LimitsFor(customer.Tier(i))
		if !ok || got.Tier != i {
			t.Errorf("LimitsFor(%d) = %+v, %v", i, got, ok)
		}
		for _, a := range []struct {
			name string
			cur  string
		}{{"single", string(l.Single.Currency)}, {"daily", string(l.Daily.Currency)}, {"monthly", string(l.Monthly.Currency)}} {
			if a.cur != "USD" {
				t.Errorf("tier %d %s limit in %s, want USD", i, a.name, a.cur)
			}
		}
		if l.Single.Value.GreaterThan(l.Daily.Value) || l.Daily.Value.GreaterThan(l.Monthly.Value) || l.MaxCount24h <= 0 {
			t.Errorf("tier %d limits out of order: %+v", i, l)
		}
		if i > 0 && !l.Single.Value.GreaterThan(table[i-1].Single.Value) {
			t.Errorf("tier %d single limit %s not above tier %d's", i, l.Single, i-1)
		}
	}
	if _, ok := customer.LimitsFor(3); ok {
		t.Errorf("LimitsFor(3) ok")
	}
	s := customer.Evolve(customer.Initial(), registered)
	if got := s.Limits(); got.Tier != 1 {
		t.Errorf("State.Limits() tier = %d, want 1", got.Tier)
	}
}

// The phone number must not reach events or the command's JSON (which the
// command loop hashes into event metadata).
func TestPhoneNeverSerialised(t *testing.T) {
	c := register()
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "7700900123") {
		t.Errorf("command JSON contains the phone number: %s", data)
	}
	events, err := customer.Decide(customer.Initial(), c, t0)
	if err != nil {
		t.Fatal(err)
	}
	if s := show(t, events); strings.Contains(s, "7700900123") {
		t.Errorf("events contain the phone number: %s", s)
	}
}

func TestValidatePhone(t *testing.T) {
	for _, p := range []string{"+254708374149", "+46733123450", "+1202555012", "+123456789012345"} {
		if err := customer.ValidatePhone(p); err != nil {
			t.Errorf("ValidatePhone(%q) = %v, want nil", p, err)
		}
	}
	for _, p := range []string{"", "+", "+1234567890123456", "+25470837414a", "254708374149", "++254708374149"} {
		if err := customer.ValidatePhone(p); !errors.Is(err, customer.ErrInvalidPhone) {
			t.Errorf("ValidatePhone(%q) = %v, want ErrInvalidPhone", p, err)
		}
	}
}
