package storeconfig_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/remitflow/remitflow/adapters/kafkarelay"
	"github.com/remitflow/remitflow/adapters/storeconfig"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/wallet"
)

// openClients opens n stores through storeconfig, each its own EventStoreDB
// client (own gRPC connection) on one protocol-level test server, as n
// `remitflow serve` replicas would.
func openClients(t *testing.T, n int) []eventstore.Store {
	t.Helper()
	srv := startESDB(t)
	cfg, err := storeconfig.FromEnv(env("REMITFLOW_STORE", "eventstoredb", "REMITFLOW_ESDB_URL", srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	var stores []eventstore.Store
	for range n {
		s, closeStore, err := storeconfig.Open(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { closeStore() })
		stores = append(stores, s)
	}
	return stores
}

// increment is a minimal command loop on a counter aggregate: read the
// stream, fold, append the next value with Exact(revision), and on a
// conflict start again.
func increment(ctx context.Context, s eventstore.Store, stream string) (conflicts int, err error) {
	for {
		count, rev, exists := 0, uint64(0), false
		for ev, err := range s.ReadStream(ctx, stream, eventstore.ReadStreamOptions{}) {
			if errors.Is(err, eventstore.ErrStreamNotFound) {
				break
			}
			if err != nil {
				return conflicts, err
			}
			var d struct{ Count int }
			if err := json.Unmarshal(ev.Data, &d); err != nil {
				return conflicts, err
			}
			count, rev, exists = d.Count, ev.Revision, true
		}
		expected := eventstore.NoStream()
		if exists {
			expected = eventstore.Exact(rev)
		}
		_, err := s.Append(ctx, stream, expected, counterEvent(count+1))
		if errors.Is(err, eventstore.ErrWrongExpectedRevision) {
			conflicts++
			continue
		}
		return conflicts, err
	}
}

// TestTwoClientsCounterLosesNoUpdate runs two command loops per client, on
// two clients, against one counter stream. Every value from 1 to the total
// must be in the stream exactly once, in order.
func TestTwoClientsCounterLosesNoUpdate(t *testing.T) {
	stores := openClients(t, 2)
	const loopsPerClient, increments = 2, 12
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		conflicts int
		errs      []error
	)
	for _, s := range stores {
		for range loopsPerClient {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range increments {
					n, err := increment(t.Context(), s, "counter-shared")
					mu.Lock()
					conflicts += n
					if err != nil {
						errs = append(errs, err)
					}
					mu.Unlock()
					if err != nil {
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	total := len(stores) * loopsPerClient * increments
	i := 0
	for ev, err := range stores[1].ReadStream(t.Context(), "counter-shared", eventstore.ReadStreamOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		var d struct{ Count int }
		json.Unmarshal(ev.Data, &d)
		i++
		if d.Count != i || ev.Revision != uint64(i-1) {
			t.Errorf("revision %d holds count %d, want revision %d with count %d", ev.Revision, d.Count, i-1, i)
		}
	}
	if i != total {
		t.Errorf("counter stream has %d events, want %d (an update was lost)", i, total)
	}
	t.Logf("%d increments from %d loops on %d clients, %d conflicts retried", total, len(stores)*loopsPerClient, len(stores), conflicts)
}

// TestTwoClientsWalletNeverOverdraws funds a wallet with 10.00 USD and lets
// four command loops, two on each of two clients, race to reserve 1.00 USD
// for 8 transfers each, through the real command loop and wallet aggregate.
// Exactly ten reservations may succeed; the balance never goes below zero.
func TestTwoClientsWalletNeverOverdraws(t *testing.T) {
	ctx := t.Context()
	stores := openClients(t, 2)
	clock := command.ClockFunc(func() time.Time { return time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC) })
	usd := func(v string) money.Amount { return money.MustParse(v, "USD") }
	const customer = "cus_race"
	fund := wallet.Fund{Meta: wallet.Meta{ID: "fund-1", Actor: "system:test"}, CustomerID: customer, FundingRef: "card-1", Amount: usd("10.00")}
	if _, err := command.Handle(ctx, stores[0], wallet.Aggregate, customer, wallet.Command(fund), command.CommandMeta{CommandID: fund.ID, Actor: fund.Actor, Clock: clock}); err != nil {
		t.Fatalf("fund: %v", err)
	}

	const loopsPerClient, perLoop = 2, 8
	attempts := len(stores) * loopsPerClient * perLoop
	var (
		wg                sync.WaitGroup
		mu                sync.Mutex
		reserved, refused int
		retried           int
		unexpected        []error
	)
	for li := range len(stores) * loopsPerClient {
		s := stores[li%len(stores)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perLoop {
				id := fmt.Sprintf("loop%d-transfer%d", li, i)
				cmd := wallet.Reserve{Meta: wallet.Meta{ID: "reserve-" + id, Actor: "system:test"}, CustomerID: customer, TransferID: id, Amount: usd("1.00")}
				for {
					_, err := command.Handle(ctx, s, wallet.Aggregate, customer, wallet.Command(cmd), command.CommandMeta{CommandID: cmd.ID, Actor: cmd.Actor, Clock: clock})
					mu.Lock()
					switch {
					case err == nil:
						reserved++
					case errors.Is(err, wallet.ErrInsufficientFunds):
						refused++
					case errors.Is(err, command.ErrConflict):
						// The stream kept changing; the same command ID
						// makes the retry safe.
						retried++
					default:
						unexpected = append(unexpected, err)
					}
					mu.Unlock()
					if !errors.Is(err, command.ErrConflict) {
						break
					}
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(unexpected...); err != nil {
		t.Fatal(err)
	}
	if reserved != 10 || refused != attempts-10 {
		t.Errorf("reserved %d, refused %d; want 10 and %d", reserved, refused, attempts-10)
	}
	for _, s := range stores {
		st, _, _, err := command.Load(ctx, s, wallet.Aggregate, customer)
		if err != nil {
			t.Fatal(err)
		}
		if avail := st.AvailableIn("USD"); !avail.Value.IsZero() {
			t.Errorf("available = %s, want 0.00", avail)
		}
		if res := st.ReservedIn("USD"); !res.Equal(usd("10.00")) {
			t.Errorf("reserved = %s, want 10.00", res)
		}
		if len(st.Reservations) != 10 {
			t.Errorf("%d reservations, want 10", len(st.Reservations))
		}
	}
	// Replaying the stream event by event, the balance never dips below zero.
	state := wallet.Initial()
	for ev, err := range stores[0].ReadStream(ctx, "wallet-"+customer, eventstore.ReadStreamOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		e, err := wallet.Aggregate.Decode(ev.Type, ev.Data)
		if err != nil {
			t.Fatal(err)
		}
		state = wallet.Aggregate.Evolve(state, e)
		if state.AvailableIn("USD").Value.IsNegative() {
			t.Fatalf("after revision %d available is %s", ev.Revision, state.AvailableIn("USD"))
		}
	}
	t.Logf("reserved %d, refused %d, %d conflict rounds retried", reserved, refused, retried)
}

// TestRelayOverEventStoreDB runs the whole scale-out path: two replicas
// append to one EventStoreDB (the protocol-level test server), the relay
// built from configuration publishes everything to a Kafka-protocol cluster,
// and a second relay under the same name is fenced off by the checkpoint's
// exact revisions.
func TestRelayOverEventStoreDB(t *testing.T) {
	ctx := t.Context()
	stores := openClients(t, 2)
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "remitflow.transfer.v1", "remitflow.wallet.v1"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()

	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				stream := fmt.Sprintf("transfer-%d", j%4)
				if j%2 == 1 {
					stream = fmt.Sprintf("wallet-cus_%d", i)
				}
				if _, err := s.Append(ctx, stream, eventstore.Any(), counterEvent(j)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	var head eventstore.Position
	for ev, err := range stores[0].ReadAll(ctx, eventstore.ReadAllOptions{Direction: eventstore.Backwards, After: eventstore.End, MaxCount: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		head = ev.Position
	}

	cfg := storeconfig.Default()
	cfg.Store = storeconfig.StoreEventStoreDB
	cfg.ESDBURL = "esdb://unused:2113"
	cfg.KafkaBrokers = cluster.ListenAddrs()
	quiet := storeconfig.WithLogger(slog.New(slog.DiscardHandler))
	relay, err := storeconfig.NewRelay(cfg, stores[0], quiet)
	if err != nil || relay == nil {
		t.Fatalf("NewRelay = %v, %v", relay, err)
	}
	defer relay.Close()
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- relay.Run(rctx) }()
	if err := relay.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}

	// A second relay with the same name, on the other replica: once both
	// have caught up, the next event is published by both, and whichever
	// saves the checkpoint second is fenced off by its exact revision.
	rival, err := storeconfig.NewRelay(cfg, stores[1], quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer rival.Close()
	rivalCtx, cancelRival := context.WithCancel(ctx)
	rivalDone := make(chan error, 1)
	go func() { rivalDone <- rival.Run(rivalCtx) }()
	if err := rival.WaitFor(ctx, relay.Stats().Position); err != nil {
		t.Fatal(err)
	}
	if _, err := stores[1].Append(ctx, "transfer-9", eventstore.Any(), counterEvent(99)); err != nil {
		t.Fatal(err)
	}
	var first, second error
	select {
	case first = <-done:
		cancelRival()
		second = <-rivalDone
	case first = <-rivalDone:
		cancel()
		second = <-done
	}
	if !errors.Is(first, kafkarelay.ErrCheckpointConflict) || !errors.Is(second, context.Canceled) {
		t.Errorf("two relays under one name ended with %v and %v; want ErrCheckpointConflict for one, the other still running", first, second)
	}
	cancel()
	cancelRival()

	cl, err := kgo.NewClient(kgo.SeedBrokers(cfg.KafkaBrokers...), kgo.ConsumeTopics("remitflow.transfer.v1", "remitflow.wallet.v1"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	seen := map[string]bool{}
	next := map[string]uint64{}
	for len(seen) < 40 {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("read %d of 40 events: %v", len(seen), err)
		}
		for _, rec := range fs.Records() {
			ev, err := kafkarelay.Decode(kafkaMessage(rec))
			if err != nil {
				t.Fatal(err)
			}
			if seen[ev.ID.String()] || ev.Position.Compare(head) > 0 {
				continue
			}
			seen[ev.ID.String()] = true
			if ev.Revision != next[ev.Stream] {
				t.Errorf("%s: revision %d first, want %d", ev.Stream, ev.Revision, next[ev.Stream])
			}
			next[ev.Stream] = ev.Revision + 1
		}
	}
}
