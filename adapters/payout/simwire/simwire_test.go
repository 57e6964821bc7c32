package simwire_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/remitflow/remitflow/adapters/payout/partnersim"
	"github.com/remitflow/remitflow/adapters/payout/payouttest"
	"github.com/remitflow/remitflow/adapters/payout/simwire"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
)

// TestInProcessLikeServe mounts the simulator and the callbacks on one
// server, as `remitflow serve` does, and pays through each partner by route.
func TestInProcessLikeServe(t *testing.T) {
	sim, err := partnersim.New(payouttest.SimConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	var h atomic.Pointer[http.Handler]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*h.Load()).ServeHTTP(w, r) }))
	t.Cleanup(func() { sim.Close(); srv.Close() })
	var mu sync.Mutex
	got := map[string]payout.Result{}
	sink := func(_ context.Context, r payout.Result) error {
		mu.Lock()
		defer mu.Unlock()
		got[r.Reference] = r
		return nil
	}
	ip, err := simwire.NewInProcess(sim, simwire.Options{SimURL: srv.URL + "/partnersim", CallbackURL: srv.URL + "/payout/callbacks"},
		"/payout/callbacks", sink)
	if err != nil {
		t.Fatalf("NewInProcess: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/partnersim/", http.StripPrefix("/partnersim", sim))
	mux.Handle("/payout/callbacks/", ip.Callbacks)
	var hh http.Handler = mux
	h.Store(&hh)

	ctx := context.Background()
	reqs := []payout.Request{
		{Reference: "ke-1", TransferID: "t1", MSISDN: "254708374149", Country: "KE", Amount: money.MustParse("1000", "KES")},
		{Reference: "ug-1", TransferID: "t2", MSISDN: "256772123456", Country: "UG", Amount: money.MustParse("50000", "UGX")},
		{Reference: "zm-1", TransferID: "t3", MSISDN: "260971234567", Country: "ZM", Amount: money.MustParse("250.50", "ZMW")},
	}
	for _, r := range reqs {
		res, err := ip.Router.Submit(ctx, r)
		if err != nil || res.State == payout.StateFailed {
			t.Fatalf("Submit(%s) = %+v, %v", r.Reference, res, err)
		}
	}
	if res, err := ip.Router.Status(ctx, "zm-1"); err != nil || res.State != payout.StateSucceeded {
		t.Errorf("Airtel payout = %+v, %v; want succeeded", res, err)
	}
	for i := 0; i < 2000; i++ {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n == 2 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, ref := range []string{"ke-1", "ug-1"} {
		if got[ref].State != payout.StateSucceeded {
			t.Errorf("callback outcome for %s = %+v, want succeeded", ref, got[ref])
		}
	}
	if n := len(sim.Payments()); n != 3 {
		t.Errorf("simulator made %d payments, want 3", n)
	}
}

// TestRemoteSimulator wires the adapters to a simulator running as a
// separate server, as with REMITFLOW_PARTNERSIM_URL.
func TestRemoteSimulator(t *testing.T) {
	sim, err := partnersim.New(payouttest.SimConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	simSrv := httptest.NewServer(sim)
	var h atomic.Pointer[http.Handler]
	apiSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := h.Load(); p != nil {
			(*p).ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(func() { sim.Close(); simSrv.Close(); apiSrv.Close() })
	ctx := context.Background()
	if _, err := simwire.Dial(ctx, nil, apiSrv.URL+"/nothing-here"); err == nil {
		t.Error("Dial to something that is not partnersim succeeded")
	}
	remote, err := simwire.Dial(ctx, nil, simSrv.URL)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	done := make(chan payout.Result, 1)
	ip, err := simwire.NewInProcess(remote, simwire.Options{SimURL: simSrv.URL, CallbackURL: apiSrv.URL + "/cb"}, "/cb",
		func(_ context.Context, r payout.Result) error { done <- r; return nil })
	if err != nil {
		t.Fatal(err)
	}
	var hh http.Handler = ip.Callbacks
	h.Store(&hh)
	if _, err := ip.Router.Submit(ctx, payout.Request{Reference: "r-1", TransferID: "t-1", MSISDN: "254708374149", Country: "KE",
		Amount: money.MustParse("700", "KES")}); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	select {
	case r := <-done:
		if r.State != payout.StateSucceeded {
			t.Fatalf("outcome = %+v, want succeeded", r)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no callback outcome")
	}
}
