package fxsource

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/remitflow/remitflow/adapters/eventstore/memory"
	"github.com/remitflow/remitflow/domain/money"
	fxrates "github.com/remitflow/remitflow/fx-rates"
)

func TestRefresherRun(t *testing.T) {
	doc := ecbHistory(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Write(doc)
	}))
	defer srv.Close()
	store := memory.New()
	book, _ := fxrates.NewRateBook(fxrates.BookConfig{})
	results := make(chan RefreshResult, 16)
	r := &Refresher{
		Source:    newSource(t, srv.URL, nil),
		Publisher: NewPublisher(store),
		Book:      book,
		Interval:  time.Millisecond,
		OnRefresh: func(res RefreshResult) {
			select {
			case results <- res:
			default: // never block the loop once the test has what it needs
			}
		},
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()

	first := <-results
	if first.Err != nil || first.Fetched != 28 || first.Publish.Appended != 28 || first.NotModified {
		t.Errorf("first refresh = %+v, want 28 fetched and appended", first)
	}
	second := <-results
	if second.Err != nil || !second.NotModified || second.Publish.Appended != 0 {
		t.Errorf("second refresh = %+v, want not modified", second)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run after cancel = %v, want context.Canceled", err)
	}
	if book.Len() != 28 {
		t.Errorf("book has %d snapshots, want 28", book.Len())
	}
	if n := len(streamEvents(t, store, "fxrates-ecb")); n != 28 {
		t.Errorf("stream has %d events, want 28", n)
	}
}

// failingSource returns its snapshots, then fails.
type failingSource struct {
	snaps []fxrates.Snapshot
	err   error
	calls atomic.Int32
}

func (s *failingSource) Name() string { return "oxr" }
func (s *failingSource) Fetch(ctx context.Context) ([]fxrates.Snapshot, error) {
	s.calls.Add(1)
	return s.snaps, s.err
}

func TestRefreshOnceFeedsBookOnlyAfterPublishing(t *testing.T) {
	store := memory.New()
	book, _ := fxrates.NewRateBook(fxrates.BookConfig{})
	src := &failingSource{snaps: []fxrates.Snapshot{oxrSnapshot(time.Unix(1580223600, 0), "101")}}
	r := &Refresher{Source: src, Publisher: NewPublisher(store), Book: book, Interval: time.Hour}

	// The store is closed: nothing is published, so nothing reaches the book.
	store.Close()
	if _, err := r.RefreshOnce(t.Context()); err == nil {
		t.Fatal("RefreshOnce with a closed store succeeded")
	}
	if book.Len() != 0 {
		t.Errorf("book has %d snapshots after a failed publish, want 0", book.Len())
	}

	store2 := memory.New()
	r.Publisher = NewPublisher(store2)
	src.err = errors.New("feed down")
	if _, err := r.RefreshOnce(t.Context()); err == nil || book.Len() != 0 {
		t.Errorf("RefreshOnce(failing source) = %v, book %d", err, book.Len())
	}
	src.err = nil
	res, err := r.RefreshOnce(t.Context())
	if err != nil || res.Publish.Appended != 1 || book.Len() != 1 {
		t.Errorf("RefreshOnce = %+v, %v, book %d; want 1 appended and added", res, err, book.Len())
	}
	if rate, err := book.Latest(fxrates.Pair{Base: "USD", Quote: money.Currency("KES")}, time.Unix(1580223600, 0)); err != nil || !rate.Mid.Equal(decimalOf("101")) {
		t.Errorf("book rate = %v, %v", rate, err)
	}
	if err := (&Refresher{}).Run(t.Context()); !errors.Is(err, fxrates.ErrInvalidConfig) {
		t.Errorf("Run(empty refresher) = %v, want ErrInvalidConfig", err)
	}
}
