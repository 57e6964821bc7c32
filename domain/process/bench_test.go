package process_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/remitflow/remitflow/adapters/eventstore/embedded"
	"github.com/remitflow/remitflow/adapters/eventstore/memory"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/process"
	"github.com/remitflow/remitflow/domain/transfer"
)

// BenchmarkTransferLifecycle measures full in-process transfer lifecycles
// per second: RequestTransfer (quote accepted, transfer requested) through
// screening, wallet reservation, payout submission to a fake partner that
// pays at once, settlement and completion, all through the event store with
// the process manager running live. Quotes are issued before the timer
// starts (concurrently). Besides transfers/s it reports cpu-µs/op, the
// process's CPU time (user and system, every goroutine including the
// store's) per lifecycle, which a shared machine disturbs less than the wall
// clock, and the allocations per lifecycle. Run with -benchtime=20000x for a
// steady figure.
func BenchmarkTransferLifecycle(b *testing.B) {
	b.Run("embedded", func(b *testing.B) {
		s, err := embedded.Open(b.TempDir(), nil)
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		benchLifecycles(b, s)
	})
	b.Run("memory", func(b *testing.B) { benchLifecycles(b, memory.New()) })
}

func benchLifecycles(b *testing.B, base eventstore.Store) {
	b.ReportAllocs()
	const customers, clients = 256, 128
	e := newEnv(b, base)
	for i := range customers {
		e.customer(fmt.Sprint("cus_", i), "100000000.00", "")
	}
	quotes := make([]string, b.N)
	var wg sync.WaitGroup
	var next atomic.Int64
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < b.N; i = int(next.Add(1)) - 1 {
				quotes[i] = fmt.Sprint("q_", i)
				if _, err := e.issueQuote(context.Background(), quotes[i], fmt.Sprint("cus_", i%customers), 100); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if b.Failed() {
		return
	}
	m := e.manager(newPartner(nil), process.Config{Workers: 256, CheckpointEvery: 4096})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sub, err := base.SubscribeAll(ctx, eventstore.SubscribeOptions{Filter: eventstore.EventTypePrefix(transfer.TypeCompleted)})
	if err != nil {
		b.Fatal(err)
	}
	defer sub.Close()
	runDone := make(chan error, 1)
	go func() { runDone <- m.Run(ctx) }()

	b.ResetTimer()
	cpu0, cpuOK := processCPU()
	next.Store(0)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < b.N; i = int(next.Add(1)) - 1 {
				c := fmt.Sprint("cus_", i%customers)
				if _, err := e.svc.RequestTransfer(ctx, process.TransferRequest{
					SenderID: c, QuoteID: quotes[i], Recipient: mobile("John Kamau"), Purpose: "family support", IdempotencyKey: fmt.Sprint("k", i),
				}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	for range b.N {
		if _, err := sub.Next(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if cpu1, ok := processCPU(); ok && cpuOK {
		b.ReportMetric(float64((cpu1-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "transfers/s")
	cancel()
	<-runDone
}
