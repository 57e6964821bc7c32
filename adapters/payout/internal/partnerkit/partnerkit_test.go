package partnerkit

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
)

func TestTokenCache(t *testing.T) {
	var fetches atomic.Int32
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c := NewTokenCache(func(ctx context.Context) (string, time.Duration, error) {
		n := fetches.Add(1)
		return "tok" + string(rune('0'+n)), time.Hour, nil
	}, clock, time.Minute)
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if tok, err := c.Token(ctx); err != nil || tok != "tok1" {
				t.Errorf("Token = %q, %v; want tok1", tok, err)
			}
		}()
	}
	wg.Wait()
	if fetches.Load() != 1 {
		t.Fatalf("20 concurrent callers fetched %d tokens, want 1", fetches.Load())
	}
	c.Invalidate("some-older-token")
	if tok, _ := c.Token(ctx); tok != "tok1" {
		t.Errorf("Invalidate(other) dropped the current token")
	}
	mu.Lock()
	now = now.Add(59*time.Minute + time.Second)
	mu.Unlock()
	if tok, _ := c.Token(ctx); tok != "tok2" {
		t.Errorf("token inside the refresh margin = %q, want a fresh tok2", tok)
	}
	c.Invalidate("tok2")
	if tok, _ := c.Token(ctx); tok != "tok3" || c.Fetches() != 3 {
		t.Errorf("after Invalidate(current) token = %q (fetches %d), want tok3 (3)", tok, c.Fetches())
	}
	failing := NewTokenCache(func(ctx context.Context) (string, time.Duration, error) {
		return "", 0, payout.ErrUnavailable
	}, nil, 0)
	if _, err := failing.Token(ctx); !IsNotSent(err) || !errors.Is(err, payout.ErrUnavailable) {
		t.Errorf("failed fetch error = %v, want not-sent ErrUnavailable", err)
	}
}

func TestDoClassifiesTransportFailures(t *testing.T) {
	client := &http.Client{Timeout: 5 * time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/pay", nil)
	if _, err := Do(client, req); !IsNotSent(err) || !errors.Is(err, payout.ErrUnavailable) {
		t.Errorf("connection refused: %v, want not-sent ErrUnavailable", err)
	}

	hangup := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer hangup.Close()
	req, _ = http.NewRequest(http.MethodPost, hangup.URL+"/pay", nil)
	if _, err := Do(client, req); IsNotSent(err) || !errors.Is(err, payout.ErrUnavailable) {
		t.Errorf("connection dropped after sending: %v, want ErrUnavailable with an unknown outcome", err)
	}

	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer slow.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, slow.URL+"/pay", nil)
	if _, err := Do(client, req); IsNotSent(err) || !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, payout.ErrUnavailable) {
		t.Errorf("timeout: %v, want DeadlineExceeded and ErrUnavailable, not marked not-sent", err)
	}
}

func TestRecords(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := NewRecordsWithClock(func() time.Time { return now })
	if err := s.Sent("a", "254700000000", money.MustParse("10", "KES")); err != nil {
		t.Fatal(err)
	}
	if err := s.Sent("a", "254700000000", money.MustParse("10.00", "KES")); err != nil {
		t.Errorf("Sent(same payout again) error = %v", err)
	}
	if err := s.Sent("a", "254700000000", money.MustParse("11", "KES")); !errors.Is(err, ErrReferenceReused) {
		t.Errorf("Sent(other amount) error = %v, want ErrReferenceReused", err)
	}
	if err := s.Sent("a", "254700000009", money.MustParse("10", "KES")); !errors.Is(err, ErrReferenceReused) {
		t.Errorf("Sent(other MSISDN) error = %v, want ErrReferenceReused", err)
	}
	changed := s.Changed("a")
	if ok, err := s.Update(payout.Result{Reference: "a", State: payout.StatePending}); !ok || err != nil {
		t.Fatalf("Update(pending) = %v, %v", ok, err)
	}
	select {
	case <-changed:
	default:
		t.Fatal("waiters not woken by an update")
	}
	if ok, err := s.Update(payout.Result{Reference: "a", State: payout.StateSucceeded}); !ok || err != nil {
		t.Fatalf("Update(succeeded) = %v, %v", ok, err)
	}
	if ok, err := s.Update(payout.Result{Reference: "a", State: payout.StatePending}); ok || err != nil {
		t.Errorf("pending after final = %v, %v; want ignored", ok, err)
	}
	if ok, err := s.Update(payout.Result{Reference: "a", State: payout.StateSucceeded}); ok || err != nil {
		t.Errorf("same final again = %v, %v; want ignored", ok, err)
	}
	if _, err := s.Update(payout.Result{Reference: "a", State: payout.StateFailed}); !errors.Is(err, ErrConflict) {
		t.Errorf("contradicting final error = %v, want ErrConflict", err)
	}
	rec, _ := s.Get("a")
	calls := 0
	sink := func(ctx context.Context, r payout.Result) error {
		calls++
		if calls == 1 {
			return errors.New("store down")
		}
		return nil
	}
	if _, err := Deliver(context.Background(), s, sink, rec.Result); err == nil {
		t.Fatal("Deliver hid the sink's error")
	}
	for i := 0; i < 3; i++ {
		_, _ = Deliver(context.Background(), s, sink, rec.Result)
	}
	if calls != 2 {
		t.Errorf("sink called %d times, want 2 (one failure, then exactly one delivery)", calls)
	}
	s.MarkNotFound("b")
	if r, _ := s.Get("b"); !r.NotFound {
		t.Error("MarkNotFound not recorded")
	}
	now = now.Add(Retention + time.Minute)
	_ = s.Sent("c", "254700000001", money.MustParse("10", "KES"))
	s.Prune()
	if _, ok := s.Get("a"); ok {
		t.Error("delivered final payout kept past retention")
	}
	if _, ok := s.Get("c"); !ok {
		t.Error("payout in flight pruned")
	}
}

func TestSign(t *testing.T) {
	a, b := Sign("k", "ref-1"), Sign("k", "ref-2")
	if a == b || !Equal(a, Sign("k", "ref-1")) || Equal(a, Sign("other", "ref-1")) || len(a) != 64 {
		t.Errorf("Sign gives %q and %q", a, b)
	}
}
