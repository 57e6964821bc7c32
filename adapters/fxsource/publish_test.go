package fxsource

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/remitflow/remitflow/adapters/eventstore/memory"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/money"
	fxrates "github.com/remitflow/remitflow/fx-rates"
	"github.com/shopspring/decimal"
)

func decimalOf(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func ecbSnapshots(t testing.TB) []fxrates.Snapshot {
	t.Helper()
	s, err := fxrates.ParseECB(bytes.NewReader(ecbHistory(t)), fxrates.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func oxrSnapshot(asOf time.Time, kes string) fxrates.Snapshot {
	return fxrates.Snapshot{Source: "oxr", Base: "USD", AsOf: asOf, Rates: map[money.Currency]fxrates.Price{
		"KES": {Mid: decimalOf(kes)}, "NGN": {Mid: decimalOf("362.5")},
	}}
}

func streamEvents(t testing.TB, store eventstore.Store, stream string) []eventstore.RecordedEvent {
	t.Helper()
	var out []eventstore.RecordedEvent
	for e, err := range store.ReadStream(t.Context(), stream, eventstore.ReadStreamOptions{}) {
		if errors.Is(err, eventstore.ErrStreamNotFound) {
			return nil
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func TestPublishIsIdempotent(t *testing.T) {
	ctx := t.Context()
	store := memory.New()
	snaps := ecbSnapshots(t)
	p := NewPublisher(store)

	res, err := p.Publish(ctx, snaps)
	if err != nil || res.Appended != 28 || res.Skipped != 0 {
		t.Fatalf("first Publish = %+v, %v; want 28 appended", res, err)
	}
	res, err = p.Publish(ctx, snaps)
	if err != nil || res.Appended != 0 || res.Skipped != 28 {
		t.Fatalf("second Publish = %+v, %v; want 28 skipped", res, err)
	}
	// Another process that knows nothing yet appends nothing either.
	res, err = NewPublisher(store).Publish(ctx, snaps)
	if err != nil || res.Appended != 0 || res.Skipped != 28 {
		t.Fatalf("fresh publisher = %+v, %v; want 28 skipped", res, err)
	}
	// A 90-day style overlap: the old days plus one new day appends one.
	next := fxrates.Snapshot{Source: "ecb", Base: "EUR", AsOf: fxrates.ECBPublicationTime(2020, 1, 29),
		Rates: map[money.Currency]fxrates.Price{"USD": {Mid: decimalOf("1.1")}}}
	res, err = NewPublisher(store).Publish(ctx, append(snaps[1:], next))
	if err != nil || res.Appended != 1 || res.Skipped != 27 {
		t.Fatalf("overlapping Publish = %+v, %v; want 1 appended", res, err)
	}

	events := streamEvents(t, store, "fxrates-ecb")
	if len(events) != 29 {
		t.Fatalf("stream has %d events, want 29", len(events))
	}
	for i, e := range events {
		want, err := EventID(append(snaps, next)[i])
		if err != nil {
			t.Fatal(err)
		}
		if e.Type != "fxrates.published.v1" || e.ID != want {
			t.Errorf("event %d = %s %s, want fxrates.published.v1 %s", i, e.Type, e.ID, want)
		}
		m, err := command.DecodeEventMetadata(e.Metadata)
		if err != nil || m.Actor != Actor || !m.OccurredAt.Equal(append(snaps, next)[i].AsOf) {
			t.Errorf("event %d metadata = %+v, %v", i, m, err)
		}
	}
	if err := command.Verify(ctx, store, "fxrates-ecb"); err != nil {
		t.Errorf("hash chain of fxrates-ecb: %v", err)
	}
}

func TestPublishInvalidSnapshotPublishesNothing(t *testing.T) {
	store := memory.New()
	bad := oxrSnapshot(time.Unix(1580223600, 0), "-1")
	_, err := NewPublisher(store).Publish(t.Context(), []fxrates.Snapshot{oxrSnapshot(time.Unix(1580220000, 0), "101"), bad})
	if !errors.Is(err, fxrates.ErrInvalidRate) {
		t.Fatalf("Publish(with a negative rate) = %v, want ErrInvalidRate", err)
	}
	if n := len(streamEvents(t, store, "fxrates-oxr")); n != 0 {
		t.Errorf("stream has %d events after a refused publish, want 0", n)
	}
}

func TestPublishConcurrentWriters(t *testing.T) {
	ctx := t.Context()
	store := memory.New()
	snaps := ecbSnapshots(t)
	a, b := NewPublisher(store), NewPublisher(store)
	// Both learn the (empty) stream first, then race.
	if _, err := a.Publish(ctx, snaps[:1]); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Publish(ctx, snaps[:1]); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		p := a
		if i%2 == 1 {
			p = b
		}
		wg.Go(func() {
			_, err := p.Publish(ctx, snaps[:10+i*2])
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent Publish: %v", err)
		}
	}
	// b appends a snapshot a has not seen; a must reload and still add its own.
	if _, err := b.Publish(ctx, []fxrates.Snapshot{oxrSnapshot(time.Unix(1580223600, 0), "101")}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Publish(ctx, snaps[:26]); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Publish(ctx, snaps); err != nil {
		t.Fatalf("Publish after another writer moved the stream: %v", err)
	}
	events := streamEvents(t, store, "fxrates-ecb")
	seen := map[string]bool{}
	for _, e := range events {
		if seen[e.ID.String()] {
			t.Errorf("event %s appended twice", e.ID)
		}
		seen[e.ID.String()] = true
	}
	if len(events) != 28 {
		t.Errorf("stream has %d events, want 28", len(events))
	}
	if err := command.Verify(ctx, store, "fxrates-ecb"); err != nil {
		t.Errorf("hash chain: %v", err)
	}
}

func TestReplayRebuildsTheBook(t *testing.T) {
	ctx := t.Context()
	store := memory.New()
	cfg := fxrates.BookConfig{MaxAge: map[string]time.Duration{"oxr": 2 * time.Hour}}
	live, _ := fxrates.NewRateBook(cfg)
	p := NewPublisher(store)
	ecb := ecbSnapshots(t)
	oxr := []fxrates.Snapshot{
		oxrSnapshot(time.Date(2020, 1, 28, 10, 0, 0, 0, time.UTC), "101.05"),
		oxrSnapshot(time.Date(2020, 1, 28, 11, 0, 0, 0, time.UTC), "101.15"),
	}
	for _, batch := range [][]fxrates.Snapshot{ecb[:20], oxr[:1], ecb[20:], oxr[1:]} {
		if _, err := p.Publish(ctx, batch); err != nil {
			t.Fatal(err)
		}
		if err := live.Add(batch...); err != nil {
			t.Fatal(err)
		}
	}
	// Unrelated streams and event types are ignored.
	other := eventstore.EventData{ID: [16]byte{1}, Type: "transfer.requested.v1", Data: []byte(`{}`)}
	if _, err := store.Append(ctx, "transfer-1", eventstore.NoStream(), other); err != nil {
		t.Fatal(err)
	}

	for _, sources := range [][]string{nil, {"ecb", "oxr", "missing"}} {
		book, _ := fxrates.NewRateBook(cfg)
		n, err := Replay(ctx, store, book, sources...)
		if err != nil || n != 30 {
			t.Fatalf("Replay(%v) = %d, %v; want 30 snapshots", sources, n, err)
		}
		for _, at := range []time.Time{
			time.Date(2020, 1, 28, 10, 30, 0, 0, time.UTC),
			time.Date(2020, 1, 28, 11, 30, 0, 0, time.UTC),
			time.Date(2020, 1, 28, 12, 30, 0, 0, time.UTC),
			time.Date(2020, 1, 10, 16, 0, 0, 0, time.UTC),
		} {
			for _, pair := range []fxrates.Pair{fxrates.MustPair("GBP", "KES"), fxrates.MustPair("USD", "JPY"), fxrates.MustPair("KES", "EUR")} {
				want, werr := live.AsOf(pair, at)
				got, gerr := book.AsOf(pair, at)
				if (werr == nil) != (gerr == nil) || !got.Mid.Equal(want.Mid) || got.Source != want.Source {
					t.Errorf("replayed AsOf(%s, %s) = %v, %v; live %v, %v", pair, at, got, gerr, want, werr)
				}
			}
		}
	}
	// A corrupted rate event fails the replay.
	bad := eventstore.EventData{ID: [16]byte{2}, Type: fxrates.EventTypePublished, Data: []byte(`{"source":"oxr","base":"USD","as_of":"2020-01-28T12:00:00Z","rates":{"KES":{"mid":"0"}}}`)}
	if _, err := store.Append(ctx, "fxrates-oxr", eventstore.Any(), bad); err != nil {
		t.Fatal(err)
	}
	book, _ := fxrates.NewRateBook(cfg)
	if _, err := Replay(ctx, store, book, "oxr"); !errors.Is(err, fxrates.ErrInvalidRate) {
		t.Errorf("Replay(corrupted) = %v, want ErrInvalidRate", err)
	}
}

func TestFileSource(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pinned.json")
	write := func(doc string, mod time.Time) {
		if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"as_of":"2026-11-01T00:00:00Z","rates":[{"pair":"USD/KES","mid":"129.5"}]}`, time.Unix(1000, 0))
	src, err := NewFileSource("pinned", path, fxrates.ParseStatic, fxrates.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	snaps, err := src.Fetch(t.Context())
	if err != nil || len(snaps) != 1 || snaps[0].Source != "pinned" || !snaps[0].Rates["KES"].Mid.Equal(decimalOf("129.5")) {
		t.Fatalf("Fetch = %+v, %v", snaps, err)
	}
	if _, err := src.Fetch(t.Context()); !errors.Is(err, fxrates.ErrNotModified) {
		t.Errorf("second Fetch = %v, want ErrNotModified", err)
	}
	write(`{"as_of":"2026-11-02T00:00:00Z","rates":[{"pair":"USD/KES","mid":"130.25"}]}`, time.Unix(2000, 0))
	snaps, err = src.Fetch(t.Context())
	if err != nil || !snaps[0].Rates["KES"].Mid.Equal(decimalOf("130.25")) {
		t.Errorf("Fetch after change = %+v, %v", snaps, err)
	}
	write(`{"as_of":"2026-11-03T00:00:00Z","rates":[{"pair":"USD/KES","mid":"0"}]}`, time.Unix(3000, 0))
	if _, err := src.Fetch(t.Context()); !errors.Is(err, fxrates.ErrInvalidRate) {
		t.Errorf("Fetch(zero rate) = %v, want ErrInvalidRate", err)
	}
	missing, _ := NewFileSource("pinned", filepath.Join(dir, "nope.json"), fxrates.ParseStatic, fxrates.ParseOptions{})
	if _, err := missing.Fetch(t.Context()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Fetch(missing file) = %v, want os.ErrNotExist", err)
	}
	if _, err := NewFileSource("Pinned", path, fxrates.ParseStatic, fxrates.ParseOptions{}); !errors.Is(err, fxrates.ErrInvalidConfig) {
		t.Errorf("NewFileSource(bad name) = %v", err)
	}
}

func TestFollow(t *testing.T) {
	store := memory.New()
	p := NewPublisher(store)
	snaps := ecbSnapshots(t)
	if _, err := p.Publish(t.Context(), snaps[:10]); err != nil {
		t.Fatal(err)
	}
	book, _ := fxrates.NewRateBook(fxrates.BookConfig{})
	positions := make(chan eventstore.Position, 64)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- Follow(ctx, store, book, eventstore.Start, func(pos eventstore.Position) { positions <- pos })
	}()
	for range 10 {
		<-positions
	}
	// Live: events another writer appends reach the book.
	if _, err := NewPublisher(store).Publish(t.Context(), snaps); err != nil {
		t.Fatal(err)
	}
	var last eventstore.Position
	for range 18 {
		last = <-positions
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Follow after cancel = %v, want context.Canceled", err)
	}
	if book.Len() != 28 || last.Commit != 28 {
		t.Errorf("followed book has %d snapshots, last position %s; want 28 at 28", book.Len(), last)
	}
	r, err := book.Latest(fxrates.MustPair("EUR", "USD"), time.Date(2020, 1, 28, 16, 0, 0, 0, time.UTC))
	if err != nil || !r.Mid.Equal(decimalOf("1.1005")) {
		t.Errorf("followed book EUR/USD = %v, %v", r, err)
	}
}
