package projections_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/remitflow/remitflow/adapters/eventstore/memory"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/ledger"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/projections"
)

// moved is a test event that moves money between two accounts.
type moved struct {
	From, To ledger.Account
	Amount   money.Amount
}

func (moved) EventType() string { return "test.moved.v1" }
func (m moved) LedgerPostings() ledger.Postings {
	return ledger.Move(m.From, m.To, m.Amount)
}

type noted struct{ Text string }

func (noted) EventType() string { return "test.noted.v1" }

func decodeTest(t string, data []byte) (command.Event, error) {
	switch t {
	case "test.moved.v1":
		var m moved
		err := json.Unmarshal(data, &m)
		return m, err
	case "test.noted.v1":
		var n noted
		err := json.Unmarshal(data, &n)
		return n, err
	}
	return nil, fmt.Errorf("unknown event type %q", t)
}

func appendEvent(t *testing.T, s eventstore.Store, stream string, e command.Event, at time.Time) eventstore.AppendResult {
	t.Helper()
	data, _ := json.Marshal(e)
	meta, _ := json.Marshal(eventstore.Metadata{OccurredAt: at})
	res, err := s.Append(t.Context(), stream, eventstore.Any(), eventstore.EventData{ID: uuid.New(), Type: e.EventType(), Data: data, Metadata: meta})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestRunnerBalancesCatchUpFollowAndRebuild(t *testing.T) {
	store := memory.New()
	dec := projections.NewDecoder(map[string]projections.DecodeFunc{"test": decodeTest})
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	alice, bob := ledger.CustomerAvailable("alice"), ledger.CustomerAvailable("bob")

	// History written before the runner starts.
	appendEvent(t, store, "test-1", moved{ledger.ExternalFunding, alice, money.MustParse("100", "USD")}, t0)
	appendEvent(t, store, "other-1", noted{"not a test category"}, t0)
	appendEvent(t, store, "test-1", noted{"no postings"}, t0)

	bal := projections.NewBalances(dec)
	r := projections.NewRunner(store, bal)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()

	// Live events; Wait gives read-your-writes.
	var last eventstore.AppendResult
	for i := range 3 {
		last = appendEvent(t, store, "test-2", moved{alice, bob, money.MustParse("0.0001", "USD")}, t0.Add(time.Duration(i+1)*time.Hour))
	}
	last = appendEvent(t, store, "test-3", moved{ledger.ExternalFunding, bob, money.MustParse("5", "KES")}, t0.Add(4*time.Hour))
	wctx, wcancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer wcancel()
	if err := r.Wait(wctx, last.Position); err != nil {
		t.Fatal(err)
	}
	if !r.CaughtUp() {
		t.Error("CaughtUp() = false after waiting for a live event")
	}
	if got := bal.Balance(alice, "USD"); got.ValueString() != "99.9997" {
		t.Errorf("alice USD = %s, want 99.9997", got)
	}
	if got := bal.Balance(bob, "USD"); got.ValueString() != "0.0003" {
		t.Errorf("bob USD = %s, want 0.0003", got)
	}
	if got := bal.AccountAsOf(bob, t0.Add(90*time.Minute)); len(got) != 1 || got[0].ValueString() != "0.0001" {
		t.Errorf("bob as of 13:30 = %v, want [0.0001 USD]", got)
	}
	if got := bal.Account(bob); len(got) != 2 || got[0].Currency != "KES" || got[1].Currency != "USD" {
		t.Errorf("bob's accounts = %v, want KES and USD", got)
	}
	if u := bal.Unbalanced(); len(u) != 0 {
		t.Errorf("Unbalanced() = %v", u)
	}
	if got := len(bal.History(alice)); got != 4 {
		t.Errorf("alice history has %d changes, want 4", got)
	}
	if got := r.Applied(); got != 7 {
		t.Errorf("Applied() = %d, want 7", got)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run after cancel = %v, want context.Canceled", err)
	}

	// A rebuild from zero gives the same digest.
	again := projections.NewBalances(dec)
	r2 := projections.NewRunner(store, again)
	ctx2, cancel2 := context.WithCancel(t.Context())
	go func() { done <- r2.Run(ctx2) }()
	if err := r2.Wait(wctx, last.Position); err != nil {
		t.Fatal(err)
	}
	if again.Digest() != bal.Digest() {
		t.Errorf("rebuilt digest %s != %s", again.Digest(), bal.Digest())
	}
	cancel2()
	<-done
	// Wait on a stopped runner fails instead of blocking.
	if err := r2.Wait(wctx, eventstore.Position{Commit: 1 << 40}); !errors.Is(err, projections.ErrStopped) {
		t.Errorf("Wait after stop = %v, want ErrStopped", err)
	}
}

func TestRunnerStopsOnUndecodableEvent(t *testing.T) {
	store := memory.New()
	dec := projections.NewDecoder(map[string]projections.DecodeFunc{"test": decodeTest})
	if _, err := store.Append(t.Context(), "test-9", eventstore.Any(), eventstore.EventData{ID: uuid.New(), Type: "test.unknown.v1", Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	r := projections.NewRunner(store, projections.NewBalances(dec))
	err := r.Run(t.Context())
	if err == nil || !containsAll(err.Error(), "balances", "test.unknown.v1", "test-9") {
		t.Fatalf("Run = %v, want an error naming the projection, type and stream", err)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
