package router

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/remitflow/remitflow/adapters/payout/internal/partnerkit"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
)

type fakePort struct {
	mu       sync.Mutex
	submits  int
	statuses int
	submit   func(ctx context.Context, req payout.Request) (payout.Result, error)
	status   func(ctx context.Context, ref string) (payout.Result, error)
}

var _ payout.Port = (*fakePort)(nil)

func (f *fakePort) Submit(ctx context.Context, req payout.Request) (payout.Result, error) {
	f.mu.Lock()
	f.submits++
	f.mu.Unlock()
	if f.submit == nil {
		return payout.Result{Reference: req.Reference, State: payout.StatePending}, nil
	}
	return f.submit(ctx, req)
}

func (f *fakePort) Status(ctx context.Context, ref string) (payout.Result, error) {
	f.mu.Lock()
	f.statuses++
	f.mu.Unlock()
	if f.status == nil {
		return payout.Result{Reference: ref, State: payout.StateSucceeded}, nil
	}
	return f.status(ctx, ref)
}

func (f *fakePort) counts() (int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.submits, f.statuses
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type sleeper struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (s *sleeper) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delays = append(s.delays, d)
	return ctx.Err()
}

func newRouter(t *testing.T, partners map[payout.Provider]Partner, routes []Route) (*Router, *clock, *sleeper) {
	t.Helper()
	c := &clock{t: time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)}
	s := &sleeper{}
	r, err := New(Config{Partners: partners, Routes: routes, Now: c.Now, Sleep: s.Sleep, Jitter: func() float64 { return 0.5 }})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r, c, s
}

func req(ref string, p payout.Provider, country, amount, ccy string) payout.Request {
	return payout.Request{Reference: ref, TransferID: "t-" + ref, Provider: p, MSISDN: "254708374149",
		Amount: money.MustParse(amount, ccy), Country: country}
}

func TestNewRefusesBadConfig(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("New(no partners) succeeded")
	}
	if _, err := New(Config{Partners: map[payout.Provider]Partner{payout.MPesa: {}}}); err == nil {
		t.Error("New(partner without port) succeeded")
	}
	_, err := New(Config{Partners: map[payout.Provider]Partner{payout.MPesa: {Port: &fakePort{}}},
		Routes: []Route{{Country: "UG", Provider: payout.Airtel}}})
	if err == nil {
		t.Error("New(route to unconfigured provider) succeeded")
	}
}

func TestRouting(t *testing.T) {
	mp, ai, mo := &fakePort{}, &fakePort{}, &fakePort{}
	r, _, _ := newRouter(t, map[payout.Provider]Partner{payout.MPesa: {Port: mp}, payout.Airtel: {Port: ai}, payout.MoMo: {Port: mo}},
		[]Route{{Country: "KE", Currency: "KES", Provider: payout.MPesa}, {Country: "UG", Provider: payout.Airtel}})
	ctx := context.Background()
	tests := []struct {
		req  payout.Request
		want *fakePort
	}{
		{req("a", "", "KE", "100", "KES"), mp},
		{req("b", "", "ug", "100", "UGX"), ai},
		{req("c", payout.MoMo, "UG", "100", "UGX"), mo},
	}
	for _, tt := range tests {
		before, _ := tt.want.counts()
		if _, err := r.Submit(ctx, tt.req); err != nil {
			t.Fatalf("Submit(%s) error = %v", tt.req.Reference, err)
		}
		if after, _ := tt.want.counts(); after != before+1 {
			t.Errorf("Submit(%s %s %s) did not reach the expected partner", tt.req.Country, tt.req.Amount.Currency, tt.req.Provider)
		}
	}
	for _, bad := range []payout.Request{req("d", "", "GH", "1", "GHS"), req("e", payout.Provider("wave"), "SN", "1", "XOF")} {
		if _, err := r.Submit(ctx, bad); !errors.Is(err, payout.ErrUnsupported) {
			t.Errorf("Submit(%s %s) error = %v, want ErrUnsupported", bad.Country, bad.Provider, err)
		}
	}
	// Status goes to the partner the reference was submitted to.
	if _, err := r.Status(ctx, "b"); err != nil {
		t.Fatalf("Status(b) error = %v", err)
	}
	if _, st := ai.counts(); st != 1 {
		t.Errorf("Status(b) asked Airtel %d times, want 1", st)
	}
	if _, st := mp.counts(); st != 0 {
		t.Errorf("Status(b) asked M-Pesa %d times, want 0", st)
	}
}

func TestStatusOfUnknownReferenceAsksEveryPartner(t *testing.T) {
	notFound := func(ctx context.Context, ref string) (payout.Result, error) {
		return payout.Result{}, payout.ErrNotFound
	}
	a, b := &fakePort{status: notFound}, &fakePort{status: notFound}
	r, _, _ := newRouter(t, map[payout.Provider]Partner{payout.MPesa: {Port: a}, payout.MoMo: {Port: b}}, nil)
	if _, err := r.Status(context.Background(), "x"); !errors.Is(err, payout.ErrNotFound) {
		t.Fatalf("Status(x) error = %v, want ErrNotFound", err)
	}
	b.status = nil
	res, err := r.Status(context.Background(), "y")
	if err != nil || res.State != payout.StateSucceeded {
		t.Fatalf("Status(y) = %+v, %v; want succeeded from MoMo", res, err)
	}
}

func TestRetriesOnlyWhatWasNotSent(t *testing.T) {
	ctx := context.Background()
	notSent := partnerkit.NotSent(fmt.Errorf("%w: connection refused", payout.ErrUnavailable))
	t.Run("not sent is retried with backoff", func(t *testing.T) {
		calls := 0
		p := &fakePort{submit: func(ctx context.Context, rq payout.Request) (payout.Result, error) {
			calls++
			if calls < 3 {
				return payout.Result{State: payout.StateUnknown}, notSent
			}
			return payout.Result{Reference: rq.Reference, State: payout.StatePending}, nil
		}}
		r, _, s := newRouter(t, map[payout.Provider]Partner{payout.MPesa: {Port: p,
			Retry: RetryPolicy{Attempts: 4, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}}}, nil)
		res, err := r.Submit(ctx, req("r1", payout.MPesa, "KE", "10", "KES"))
		if err != nil || res.State != payout.StatePending {
			t.Fatalf("Submit = %+v, %v; want pending after retries", res, err)
		}
		want := []time.Duration{75 * time.Millisecond, 150 * time.Millisecond}
		if fmt.Sprint(s.delays) != fmt.Sprint(want) {
			t.Errorf("backoff delays = %v, want %v", s.delays, want)
		}
	})
	t.Run("unknown outcome is never resent", func(t *testing.T) {
		p := &fakePort{submit: func(ctx context.Context, rq payout.Request) (payout.Result, error) {
			return payout.Result{Reference: rq.Reference, State: payout.StateUnknown}, fmt.Errorf("%w: HTTP 500", payout.ErrUnavailable)
		}}
		r, _, _ := newRouter(t, map[payout.Provider]Partner{payout.MPesa: {Port: p}}, nil)
		res, err := r.Submit(ctx, req("r2", payout.MPesa, "KE", "10", "KES"))
		if !errors.Is(err, payout.ErrUnavailable) || res.State != payout.StateUnknown {
			t.Fatalf("Submit = %+v, %v; want unknown with ErrUnavailable", res, err)
		}
		if n, _ := p.counts(); n != 1 {
			t.Errorf("partner got %d submits, want exactly 1", n)
		}
	})
	t.Run("retries are bounded", func(t *testing.T) {
		p := &fakePort{submit: func(ctx context.Context, rq payout.Request) (payout.Result, error) {
			return payout.Result{State: payout.StateUnknown}, notSent
		}}
		r, _, _ := newRouter(t, map[payout.Provider]Partner{payout.MPesa: {Port: p, Retry: RetryPolicy{Attempts: 3},
			Breaker: BreakerConfig{FailureThreshold: 100}}}, nil)
		_, err := r.Submit(ctx, req("r3", payout.MPesa, "KE", "10", "KES"))
		if !IsNotSent(err) || !errors.Is(err, payout.ErrUnavailable) {
			t.Fatalf("Submit error = %v, want not-sent ErrUnavailable", err)
		}
		if n, _ := p.counts(); n != 3 {
			t.Errorf("partner got %d submits, want 3", n)
		}
	})
	t.Run("invalid requests are not retried", func(t *testing.T) {
		p := &fakePort{submit: func(ctx context.Context, rq payout.Request) (payout.Result, error) {
			return payout.Result{}, payout.ErrInvalidRequest
		}}
		r, _, _ := newRouter(t, map[payout.Provider]Partner{payout.MPesa: {Port: p}}, nil)
		if _, err := r.Submit(ctx, req("r4", payout.MPesa, "KE", "10", "KES")); !errors.Is(err, payout.ErrInvalidRequest) {
			t.Fatalf("Submit error = %v, want ErrInvalidRequest", err)
		}
		if n, _ := p.counts(); n != 1 {
			t.Errorf("partner got %d submits, want 1", n)
		}
	})
}

func TestTimeoutPerPartner(t *testing.T) {
	p := &fakePort{submit: func(ctx context.Context, rq payout.Request) (payout.Result, error) {
		<-ctx.Done()
		return payout.Result{Reference: rq.Reference, State: payout.StateUnknown}, fmt.Errorf("%w: %w", payout.ErrUnavailable, ctx.Err())
	}}
	r, _, _ := newRouter(t, map[payout.Provider]Partner{payout.MoMo: {Port: p, Timeout: 5 * time.Millisecond}}, nil)
	res, err := r.Submit(context.Background(), req("t1", payout.MoMo, "UG", "10", "EUR"))
	if !errors.Is(err, context.DeadlineExceeded) || res.State != payout.StateUnknown {
		t.Fatalf("Submit = %+v, %v; want unknown after the partner timeout", res, err)
	}
	if n, _ := p.counts(); n != 1 {
		t.Errorf("a timed-out submit was sent %d times, want 1", n)
	}
}

func TestCircuitBreaker(t *testing.T) {
	ctx := context.Background()
	down := true
	p := &fakePort{submit: func(ctx context.Context, rq payout.Request) (payout.Result, error) {
		if down {
			return payout.Result{State: payout.StateUnknown}, fmt.Errorf("%w: HTTP 502", payout.ErrUnavailable)
		}
		return payout.Result{Reference: rq.Reference, State: payout.StatePending}, nil
	}}
	r, c, _ := newRouter(t, map[payout.Provider]Partner{payout.Airtel: {Port: p,
		Breaker: BreakerConfig{FailureThreshold: 3, CoolDown: time.Minute}}}, nil)
	b := r.Breaker(payout.Airtel)
	for i := 0; i < 3; i++ {
		_, _ = r.Submit(ctx, req(fmt.Sprint("c", i), payout.Airtel, "UG", "10", "UGX"))
	}
	if b.State() != Open {
		t.Fatalf("breaker after 3 failures = %s, want open", b.State())
	}
	_, err := r.Submit(ctx, req("c3", payout.Airtel, "UG", "10", "UGX"))
	if !errors.Is(err, ErrCircuitOpen) || !errors.Is(err, payout.ErrUnavailable) || !IsNotSent(err) {
		t.Fatalf("Submit while open error = %v, want ErrCircuitOpen, ErrUnavailable, not sent", err)
	}
	if n, _ := p.counts(); n != 3 {
		t.Fatalf("partner got %d submits, want 3 (nothing sent while open)", n)
	}
	// After the cool-down one probe goes through; it fails and reopens.
	c.Advance(time.Minute)
	_, _ = r.Submit(ctx, req("c4", payout.Airtel, "UG", "10", "UGX"))
	if b.State() != Open {
		t.Fatalf("breaker after failed probe = %s, want open", b.State())
	}
	// Partner back: the next probe closes the circuit.
	down = false
	c.Advance(time.Minute)
	if _, err := r.Submit(ctx, req("c5", payout.Airtel, "UG", "10", "UGX")); err != nil {
		t.Fatalf("probe Submit error = %v", err)
	}
	if b.State() != Closed {
		t.Fatalf("breaker after successful probe = %s, want closed", b.State())
	}
	if b.Opens() != 2 {
		t.Errorf("breaker opened %d times, want 2", b.Opens())
	}
}

func TestBreakerHalfOpenAllowsOneProbe(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	b := NewBreaker(BreakerConfig{FailureThreshold: 1, CoolDown: time.Second}, c.Now)
	if err := b.Allow(); err != nil {
		t.Fatal(err)
	}
	b.Record(true)
	c.Advance(time.Second)
	if err := b.Allow(); err != nil {
		t.Fatalf("first probe refused: %v", err)
	}
	if err := b.Allow(); !errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("second concurrent probe error = %v, want ErrCircuitOpen", err)
	}
	b.Cancel()
	if err := b.Allow(); err != nil {
		t.Fatalf("probe after cancel refused: %v", err)
	}
	b.Record(false)
	if b.State() != Closed {
		t.Fatalf("state = %s, want closed", b.State())
	}
}

type source struct{ name string }

func (s source) Handler(sink payout.ResultSink) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = sink(r.Context(), payout.Result{Reference: s.name + r.URL.Path, State: payout.StateSucceeded})
		_, _ = io.WriteString(w, s.name+" "+r.URL.Path)
	})
}

func TestCallbackHandlerMountsEachSource(t *testing.T) {
	var got []string
	sink := func(ctx context.Context, r payout.Result) error { got = append(got, r.Reference); return nil }
	h := CallbackHandler("/payout/callbacks/", sink, map[payout.Provider]CallbackSource{
		payout.MPesa: source{"mpesa"}, payout.MoMo: source{"momo"}, payout.Airtel: nil,
	})
	for path, want := range map[string]string{
		"/payout/callbacks/mpesa/result":      "mpesa /result",
		"/payout/callbacks/mtn_momo/callback": "momo /callback",
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, nil))
		if rec.Code != http.StatusOK || rec.Body.String() != want {
			t.Errorf("POST %s = %d %q, want 200 %q", path, rec.Code, rec.Body.String(), want)
		}
	}
	for _, path := range []string{"/payout/callbacks/airtel/x", "/payout/callbacks/wave/x", "/other"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("POST %s = %d, want 404", path, rec.Code)
		}
	}
	if len(got) != 2 {
		t.Errorf("sink got %v, want 2 results", got)
	}
}

type fakeStore struct {
	list     []Outstanding
	listErr  error
	recorded []payout.Result
	since    time.Time
}

func (s *fakeStore) Outstanding(ctx context.Context, olderThan time.Time, limit int) ([]Outstanding, error) {
	s.since = olderThan
	if len(s.list) > limit {
		return s.list[:limit], s.listErr
	}
	return s.list, s.listErr
}

func (s *fakeStore) RecordResult(ctx context.Context, r payout.Result) error {
	if r.Reference == "record-fails" {
		return errors.New("store down")
	}
	s.recorded = append(s.recorded, r)
	return nil
}

type querier map[string]func() (payout.Result, error)

func (q querier) StatusOf(ctx context.Context, p payout.Provider, ref string) (payout.Result, error) {
	return q[ref]()
}

func TestReconcilerRecordsFinalOutcomes(t *testing.T) {
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	st := &fakeStore{list: []Outstanding{
		{Reference: "paid", Provider: payout.MPesa}, {Reference: "failed", Provider: payout.MoMo},
		{Reference: "pending", Provider: payout.Airtel}, {Reference: "lost", Provider: payout.MoMo},
		{Reference: "down", Provider: payout.MPesa}, {Reference: "record-fails", Provider: payout.MPesa},
	}}
	q := querier{
		"paid": func() (payout.Result, error) { return payout.Result{State: payout.StateSucceeded, Code: "0"}, nil },
		"failed": func() (payout.Result, error) {
			return payout.Result{State: payout.StateFailed, Code: "PAYEE_NOT_FOUND"}, nil
		},
		"pending":      func() (payout.Result, error) { return payout.Result{State: payout.StatePending}, nil },
		"lost":         func() (payout.Result, error) { return payout.Result{}, payout.ErrNotFound },
		"down":         func() (payout.Result, error) { return payout.Result{}, payout.ErrUnavailable },
		"record-fails": func() (payout.Result, error) { return payout.Result{State: payout.StateSucceeded}, nil },
	}
	rc := &Reconciler{Querier: q, Store: st, Deadline: 15 * time.Minute, Now: func() time.Time { return now }}
	rep, err := rc.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("RunOnce error = %v", err)
	}
	want := Report{Checked: 6, Resolved: 2, NotFound: 1, Open: 1, Errors: 2}
	if rep != want {
		t.Errorf("report = %+v, want %+v", rep, want)
	}
	if !st.since.Equal(now.Add(-15 * time.Minute)) {
		t.Errorf("listed payouts older than %s, want %s", st.since, now.Add(-15*time.Minute))
	}
	got := map[string]payout.Result{}
	for _, r := range st.recorded {
		got[r.Reference] = r
	}
	if len(got) != 3 || got["paid"].State != payout.StateSucceeded || got["failed"].State != payout.StateFailed ||
		got["lost"].State != payout.StateFailed || !got["lost"].Retryable || got["lost"].Code != "NOT_FOUND" {
		t.Errorf("recorded = %+v", st.recorded)
	}
	if _, ok := got["pending"]; ok {
		t.Error("a pending payout was recorded as an outcome")
	}
	st.listErr = errors.New("db down")
	if _, err := rc.RunOnce(context.Background()); err == nil {
		t.Error("RunOnce with a failing store returned no error")
	}
}
