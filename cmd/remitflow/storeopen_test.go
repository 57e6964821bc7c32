package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/remitflow/remitflow/adapters/eventstore/embedded"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
	"github.com/remitflow/remitflow/domain/transfer"
	"github.com/remitflow/remitflow/domain/wallet"
	"github.com/shopspring/decimal"
)

// runCLI runs one command line with env as the environment and returns
// stdout, stderr and run's error.
func runCLI(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	err := run(t.Context(), args, lookup, &out, &errOut)
	return out.String(), errOut.String(), err
}

// t0 is the seeded history's first instant; every command runs one minute
// after the previous one.
var t0 = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

// stepClock returns the next minute on every call.
type stepClock struct{ n int }

func (c *stepClock) Now() time.Time {
	c.n++
	return t0.Add(time.Duration(c.n-1) * time.Minute)
}

// seeded describes the history seedStore writes.
type seeded struct {
	dir        string
	transferID string
	// events is the number of events in the log.
	events int
}

// seedStore writes a small history into a new embedded store in a temp dir
// through the command loop, closes it and returns the directory:
//
//	09:00 customer-cus_a registered       09:01 wallet-cus_a funded 500 USD
//	09:02 customer-cus_b registered       09:03 wallet-cus_b funded 70 USD
//	09:04 transfer-tr_1 requested by cus_a
//	09:05 transfer-tr_1 screened cleared  09:06 wallet-cus_a reserved 102.99
//	09:07 transfer-tr_1 funded
func seedStore(t *testing.T) seeded {
	t.Helper()
	dir := t.TempDir()
	store, err := embedded.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	seedHistory(t, store)
	return seeded{dir: dir, transferID: "tr_1", events: 8}
}

// seedHistory runs the commands of seedStore against store.
func seedHistory(t *testing.T, store eventstore.Store) {
	t.Helper()
	ctx := t.Context()
	clock := &stepClock{}
	n := 0
	meta := func(actor string) command.CommandMeta {
		n++
		return command.CommandMeta{CommandID: "cmd-" + string(rune('a'+n)), Actor: actor, CorrelationID: "corr-1", Clock: clock}
	}
	usd := func(v string) money.Amount { return money.MustParse(v, "USD") }
	register := func(id string) {
		m := meta("staff:admin")
		if _, err := command.Handle(ctx, store, customer.Aggregate, id, customer.Command(customer.Register{
			Meta: customer.Meta{ID: m.CommandID, Actor: m.Actor}, CustomerID: id, Country: "US", Phone: "+15550000001",
			Tier: customer.Tier1, PII: customer.EncryptedPII{KeyID: "k-" + id, Ciphertext: []byte("sealed")},
		}), m); err != nil {
			t.Fatalf("register %s: %v", id, err)
		}
	}
	fund := func(id, amount string) {
		m := meta("staff:admin")
		if _, err := command.Handle(ctx, store, wallet.Aggregate, id, wallet.Command(wallet.Fund{
			Meta: wallet.Meta{ID: m.CommandID, Actor: m.Actor}, CustomerID: id, FundingRef: "card-" + m.CommandID, Amount: usd(amount),
		}), m); err != nil {
			t.Fatalf("fund %s: %v", id, err)
		}
	}
	handleTransfer := func(actor string, c transfer.Command) {
		if _, err := command.Handle(ctx, store, transfer.Aggregate, "tr_1", c, meta(actor)); err != nil {
			t.Fatalf("transfer %T: %v", c, err)
		}
	}
	register("cus_a")
	fund("cus_a", "500.00")
	register("cus_b")
	fund("cus_b", "70.00")
	handleTransfer("customer:cus_a", transfer.Request{
		TransferID: "tr_1", SenderID: "cus_a", Purpose: "family support", Reference: "idem-1",
		Recipient: transfer.Recipient{Method: transfer.MobileWallet, Name: "Wanjiru Kamau", MSISDN: "+254708374149", Provider: payout.MPesa, Country: "KE"},
		Quote: transfer.QuoteTerms{
			QuoteID: "q_1", Send: usd("100.00"), Fee: usd("2.99"), Total: usd("102.99"),
			Receive: money.MustParse("12800.00", "KES"), MidRate: decimal.RequireFromString("129.25"),
			CustomerRate: decimal.RequireFromString("128"), ExpiresAt: t0.Add(time.Hour),
		},
	})
	handleTransfer("system:transfer-process", transfer.RecordScreening{Cleared: true, ListVersion: "v1"})
	m := meta("system:transfer-process")
	if _, err := command.Handle(ctx, store, wallet.Aggregate, "cus_a", wallet.Command(wallet.Reserve{
		Meta: wallet.Meta{ID: m.CommandID, Actor: m.Actor}, CustomerID: "cus_a", TransferID: "tr_1", Amount: usd("102.99"),
	}), m); err != nil {
		t.Fatalf("reserve: %v", err)
	}
	handleTransfer("system:transfer-process", transfer.MarkFunded{Amount: usd("102.99"), CreditDrawn: usd("0")})
}

// appendForged appends to stream an event whose metadata claims a hash its
// content does not have, as someone editing the log behind the command loop
// would.
func appendForged(t *testing.T, dir, stream string) {
	t.Helper()
	store, err := embedded.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	appendForgedTo(t, store, stream)
}

// appendForgedTo is appendForged on an open store.
func appendForgedTo(t *testing.T, store eventstore.Store, stream string) {
	t.Helper()
	var last eventstore.RecordedEvent
	for ev, err := range store.ReadStream(t.Context(), stream, eventstore.ReadStreamOptions{Direction: eventstore.Backwards, From: eventstore.EndRevision, MaxCount: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		last = ev
	}
	prev, err := command.DecodeEventMetadata(last.Metadata)
	if err != nil {
		t.Fatal(err)
	}
	forged := eventstore.EventData{ID: command.EventID(stream, "forged", 0), Type: wallet.TypeFunded,
		Data: []byte(`{"customer_id":"cus_a","funding_ref":"forged","amount":{"value":"1000000.00","currency":"USD"}}`)}
	m := command.EventMetadata{Metadata: eventstore.Metadata{Actor: "staff:admin", OccurredAt: t0.Add(time.Hour)}, CommandID: "forged"}
	if _, err := command.Seal(stream, last.Revision+1, prev.Hash, &forged, m); err != nil {
		t.Fatal(err)
	}
	// Change the content after sealing: the hash no longer matches.
	forged.Data = []byte(`{"customer_id":"cus_a","funding_ref":"forged","amount":{"value":"9000000.00","currency":"USD"}}`)
	if _, err := store.Append(context.WithoutCancel(t.Context()), stream, eventstore.Exact(last.Revision), forged); err != nil {
		t.Fatal(err)
	}
}

func TestOpenStoreRefusals(t *testing.T) {
	missing := t.TempDir() + "/nope"
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"missing data dir", nil, []string{"verify", "--data-dir", missing}, "does not exist"},
		{"missing data dir from env", map[string]string{"REMITFLOW_DATA_DIR": missing}, []string{"rebuild"}, "does not exist"},
		{"memory store", map[string]string{"REMITFLOW_STORE": "memory"}, []string{"verify"}, "memory keeps no events"},
		{"unknown store", map[string]string{"REMITFLOW_STORE": "floppy"}, []string{"export", "--all"}, "unknown store kind"},
		{"data dir with EventStoreDB", map[string]string{"REMITFLOW_STORE": "eventstoredb", "REMITFLOW_ESDB_URL": "esdb://127.0.0.1:1?tls=false"},
			[]string{"replay", "--customer", "cus_a", "--data-dir", "/tmp"}, "--data-dir applies to the embedded store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runCLI(t, tt.env, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run(%q) = %v, want an error containing %q", tt.args, err, tt.want)
			}
		})
	}
}

func TestOpenStoreLocked(t *testing.T) {
	s := seedStore(t)
	store, err := embedded.Open(s.dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	_, _, err = runCLI(t, nil, "verify", "--data-dir", s.dir)
	if err == nil || !strings.Contains(err.Error(), "remitflow serve") {
		t.Errorf("verify on a locked data dir = %v, want an error pointing at a running server", err)
	}
}
