package embedded_test

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/remitflow/remitflow/adapters/eventstore/embedded"
	"github.com/remitflow/remitflow/domain/eventstore"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if readLog.dir != "" {
		_ = readLog.store.Close()
		_ = os.RemoveAll(readLog.dir)
	}
	os.Exit(code)
}

var benchData = []byte(`{"transfer_id":"tr_8f3c2a","amount":{"value":"125.50","currency":"USD"},"corridor":"USD-KES","customer":"cus_123"}`)

func benchEvent() eventstore.EventData {
	return eventstore.EventData{ID: uuid.New(), Type: "transfer.requested.v1", Data: benchData}
}

// BenchmarkAppendConcurrent measures durable appends of one event each from
// 256 concurrent writers, each on its own stream with Exact revisions.
func BenchmarkAppendConcurrent(b *testing.B) {
	s, err := embedded.Open(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const writers = 256
	var left atomic.Int64
	left.Store(int64(b.N))
	ctx := b.Context()
	b.ResetTimer()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			stream := fmt.Sprintf("bench-%d", w)
			exp := eventstore.NoStream()
			for left.Add(-1) >= 0 {
				res, err := s.Append(ctx, stream, exp, benchEvent())
				if err != nil {
					b.Error(err)
					return
				}
				exp = eventstore.Exact(res.NextExpectedRevision)
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkAppendSerial measures one writer appending one event at a time:
// every append waits for its own fsync.
func BenchmarkAppendSerial(b *testing.B) {
	s, err := embedded.Open(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := b.Context()
	exp := eventstore.NoStream()
	b.ResetTimer()
	for range b.N {
		res, err := s.Append(ctx, "bench-1", exp, benchEvent())
		if err != nil {
			b.Fatal(err)
		}
		exp = eventstore.Exact(res.NextExpectedRevision)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// readLog is a store with readLogEvents small events, built once for the
// read benchmarks.
var readLog struct {
	once  sync.Once
	dir   string
	store *embedded.Store
	err   error
}

const readLogEvents = 200_000

func benchLog(b *testing.B) *embedded.Store {
	readLog.once.Do(func() {
		readLog.dir, readLog.err = os.MkdirTemp("", "embedded-bench-")
		if readLog.err != nil {
			return
		}
		readLog.store, readLog.err = embedded.Open(readLog.dir, nil)
		if readLog.err != nil {
			return
		}
		readLog.err = fill(b, readLog.store, readLogEvents, benchData)
	})
	if readLog.err != nil {
		b.Fatal(readLog.err)
	}
	return readLog.store
}

// fill appends n events in appends of up to 1000 events over 100 streams.
func fill(tb testing.TB, s *embedded.Store, n int, data []byte) error {
	const per = 1000
	for i := 0; i < n; i += per {
		k := min(per, n-i)
		events := make([]eventstore.EventData, k)
		for j := range events {
			events[j] = eventstore.EventData{ID: uuid.New(), Type: "transfer.requested.v1", Data: data}
		}
		if _, err := s.Append(tb.Context(), fmt.Sprintf("fill-%d", (i/per)%100), eventstore.Any(), events...); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkReadAll measures reading the global log forwards.
func BenchmarkReadAll(b *testing.B) {
	s := benchLog(b)
	ctx := b.Context()
	b.ReportAllocs()
	b.ResetTimer()
	read := 0
	for read < b.N {
		for _, err := range s.ReadAll(ctx, eventstore.ReadAllOptions{MaxCount: uint64(b.N - read)}) {
			if err != nil {
				b.Fatal(err)
			}
			read++
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkSubscribeCatchUp measures a catch-up subscription reading history.
func BenchmarkSubscribeCatchUp(b *testing.B) {
	s := benchLog(b)
	ctx := b.Context()
	b.ReportAllocs()
	b.ResetTimer()
	read := 0
	for read < b.N {
		sub, err := s.SubscribeAll(ctx, eventstore.SubscribeOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for n := 0; n < readLogEvents && read < b.N; n++ {
			if _, err := sub.Next(ctx); err != nil {
				b.Fatal(err)
			}
			read++
		}
		_ = sub.Close()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkReadStream measures reading one stream of 2,000 events whose
// events are spread over the log (as an aggregate is loaded).
func BenchmarkReadStream(b *testing.B) {
	s := benchLog(b)
	ctx := b.Context()
	b.ReportAllocs()
	b.ResetTimer()
	read := 0
	for read < b.N {
		for _, err := range s.ReadStream(ctx, "fill-3", eventstore.ReadStreamOptions{MaxCount: uint64(b.N - read)}) {
			if err != nil {
				b.Fatal(err)
			}
			read++
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkReadAllFiltered measures a stream-prefix filter that selects 1% of
// the log.
func BenchmarkReadAllFiltered(b *testing.B) {
	s := benchLog(b)
	ctx := b.Context()
	b.ResetTimer()
	scanned := 0
	for scanned < b.N {
		for _, err := range s.ReadAll(ctx, eventstore.ReadAllOptions{Filter: eventstore.StreamPrefix("fill-7-", "fill-42")}) {
			if err != nil {
				b.Fatal(err)
			}
		}
		scanned += readLogEvents
	}
	b.ReportMetric(float64(scanned)/b.Elapsed().Seconds(), "scanned-events/s")
}

// TestReadAllMemoryIsFlat reads a log of 64 MiB with ReadAll and with a
// catch-up subscription, keeping nothing, and checks that the Go heap grows
// by far less than the log: reads stream. (The
// growth measured is a constant ~10-15 MiB of read chunks, Pebble iterators
// and garbage not yet collected, the same for logs of 24 or 96 MiB.)
func TestReadAllMemoryIsFlat(t *testing.T) {
	if os.Getenv(envChildMode) != "" {
		t.Skip("child process")
	}
	const events, size = 16_000, 4 << 10
	s, err := embedded.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	data := []byte(`"` + strings.Repeat("m", size-2) + `"`)
	if err := fill(t, s, events, data); err != nil {
		t.Fatal(err)
	}
	logBytes := uint64(events * size)

	// measure returns how far the heap grew over its baseline while read
	// consumed the whole log.
	measure := func(name string, read func(sample func(e eventstore.RecordedEvent))) uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		base, peak := ms.HeapInuse, ms.HeapInuse
		n := 0
		var total uint64
		read(func(e eventstore.RecordedEvent) {
			total += uint64(len(e.Data))
			if n++; n%500 == 0 {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
		})
		if n != events || total != logBytes {
			t.Fatalf("%s read %d events, %d bytes; want %d, %d", name, n, total, events, logBytes)
		}
		t.Logf("%s of %d MiB: heap in use grew by at most %.1f MiB", name, logBytes>>20, float64(peak-base)/(1<<20))
		return peak - base
	}
	readAll := measure("ReadAll", func(sample func(eventstore.RecordedEvent)) {
		for e, err := range s.ReadAll(t.Context(), eventstore.ReadAllOptions{}) {
			if err != nil {
				t.Fatal(err)
			}
			sample(e)
		}
	})
	catchUp := measure("SubscribeAll", func(sample func(eventstore.RecordedEvent)) {
		sub, err := s.SubscribeAll(t.Context(), eventstore.SubscribeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		for range events {
			e, err := sub.Next(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			sample(e)
		}
	})
	const bound = 24 << 20
	for name, growth := range map[string]uint64{"ReadAll": readAll, "SubscribeAll": catchUp} {
		if growth > bound {
			t.Errorf("heap grew by %d bytes while %s read a %d-byte log: reads do not stream", growth, name, logBytes)
		}
	}
}
