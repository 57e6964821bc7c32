package payouttest_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/remitflow/remitflow/adapters/payout/partnersim"
	"github.com/remitflow/remitflow/adapters/payout/payouttest"
	"github.com/remitflow/remitflow/adapters/payout/router"
	"github.com/remitflow/remitflow/adapters/payout/simwire"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
)

type world struct {
	sim    *partnersim.Server
	router *router.Router
	sink   *payouttest.Sink
}

func newWorld(t *testing.T, cfg partnersim.Config, breaker router.BreakerConfig) *world {
	t.Helper()
	sim, err := partnersim.New(cfg)
	if err != nil {
		t.Fatalf("partnersim.New: %v", err)
	}
	simSrv := httptest.NewServer(sim)
	sink := payouttest.NewSink()
	var w world
	cbMux := &lazyHandler{}
	cbSrv := httptest.NewServer(cbMux)
	t.Cleanup(func() { sim.Close(); cbSrv.Close(); simSrv.Close() })
	ads, err := simwire.New(sim, simwire.Options{SimURL: simSrv.URL, CallbackURL: cbSrv.URL + "/cb", StatusWait: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("simwire.New: %v", err)
	}
	policy := router.RetryPolicy{Attempts: 3, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}
	rt, err := router.New(router.Config{Partners: map[payout.Provider]router.Partner{
		payout.MPesa:  {Port: ads.MPesa, Timeout: 10 * time.Second, Retry: policy, Breaker: breaker},
		payout.MoMo:   {Port: ads.MoMo, Timeout: 10 * time.Second, Retry: policy, Breaker: breaker},
		payout.Airtel: {Port: ads.Airtel, Timeout: 10 * time.Second, Retry: policy, Breaker: breaker},
	}})
	if err != nil {
		t.Fatalf("router.New: %v", err)
	}
	cbMux.set(router.CallbackHandler("/cb", sink.Func, map[payout.Provider]router.CallbackSource{
		payout.MPesa: ads.MPesa, payout.MoMo: ads.MoMo,
	}))
	w = world{sim: sim, router: rt, sink: sink}
	return &w
}

var amounts = map[payout.Provider]money.Amount{
	payout.MPesa:  money.MustParse("2500", "KES"),
	payout.MoMo:   money.MustParse("40.25", "EUR"),
	payout.Airtel: money.MustParse("120000", "UGX"),
}

var countries = map[payout.Provider]string{payout.MPesa: "KE", payout.MoMo: "UG", payout.Airtel: "UG"}

// drive takes a payout to a final outcome like the transfer process: submit,
// resolve unknown outcomes with Status, resubmit the same reference only when
// the partner proves it never got it (ErrNotFound or not sent).
func (w *world) drive(ctx context.Context, req payout.Request) (payout.Result, error) {
	res, err := w.router.Submit(ctx, req)
	for round := 0; round < 3000; round++ {
		if errors.Is(err, payout.ErrInvalidRequest) {
			return res, err
		}
		if err == nil && res.State.Final() {
			return res, nil
		}
		if r, ok := w.sink.Final(req.Reference); ok {
			return r, nil
		}
		if router.IsNotSent(err) {
			time.Sleep(time.Millisecond)
			res, err = w.router.Submit(ctx, req)
			continue
		}
		res, err = w.router.Status(ctx, req.Reference)
		if errors.Is(err, payout.ErrNotFound) {
			res, err = w.router.Submit(ctx, req)
			continue
		}
		if err != nil || !res.State.Final() {
			time.Sleep(time.Millisecond)
		}
	}
	return res, fmt.Errorf("payout %s (%s) never became final: last %+v, %v", req.Reference, req.MSISDN, res, err)
}

// TestPropertyEveryPayoutEndsFinalAndNobodyIsPaidTwice runs 2,000 payouts over
// the three partners through the router with injected 500s (before and after
// processing), dropped and duplicated callbacks and dropped status results,
// and checks that every payout ends final with the outcome its number
// dictates, that every success was paid exactly once and every failure never,
// and that no callback outcome reached the sink twice.
func TestPropertyEveryPayoutEndsFinalAndNobodyIsPaidTwice(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 300
	}
	cfg := payouttest.SimConfig(t)
	cfg.Seed = 20261121
	cfg.Faults = partnersim.Faults{ErrorRate: 0.05, ProcessedErrorRate: 0.05, DropCallbackRate: 0.2,
		DropQueryResultRate: 0.1, DuplicateCallbackRate: 0.2}
	w := newWorld(t, cfg, router.BreakerConfig{FailureThreshold: 50, CoolDown: 5 * time.Millisecond})

	var plan []partnersim.Scenario
	for _, p := range []payout.Provider{payout.MPesa, payout.MoMo, payout.Airtel} {
		for _, sc := range partnersim.Scenarios(p) {
			if sc.State.Final() && !sc.Rejected {
				plan = append(plan, sc)
			}
		}
	}
	rng := rand.New(rand.NewPCG(7, 11))
	type job struct {
		req payout.Request
		sc  partnersim.Scenario
	}
	jobs := make([]job, n)
	for i := range jobs {
		sc := plan[rng.IntN(len(plan))]
		ref := fmt.Sprintf("prop-%05d", i)
		jobs[i] = job{sc: sc, req: payout.Request{Reference: ref, TransferID: "tr-" + ref, Provider: sc.Provider,
			MSISDN: sc.MSISDN, Amount: amounts[sc.Provider], Country: countries[sc.Provider]}}
	}
	results := make([]payout.Result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i], errs[i] = w.drive(context.Background(), jobs[i].req)
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()

	paid := map[string]int{}
	for _, p := range w.sim.Payments() {
		paid[p.External]++
	}
	succeeded := 0
	for i, j := range jobs {
		if errs[i] != nil {
			t.Errorf("%s: %v", j.req.Reference, errs[i])
			continue
		}
		r := results[i]
		if r.State != j.sc.State {
			t.Errorf("%s to %s (%s) ended %s (%s), want %s", j.req.Reference, j.sc.MSISDN, j.sc.Name, r.State, r.Code, j.sc.State)
		}
		want := 0
		if r.State == payout.StateSucceeded {
			want, succeeded = 1, succeeded+1
		}
		if got := paid[j.req.TransferID]; got != want {
			t.Errorf("%s (%s) %s: paid %d times, want %d", j.req.Reference, j.sc.Name, r.State, got, want)
		}
		if got := len(w.sink.Results(j.req.Reference)); got > 1 {
			t.Errorf("%s: sink received %d outcomes, want at most 1", j.req.Reference, got)
		}
	}
	if total := len(w.sim.Payments()); total != succeeded {
		t.Errorf("partners made %d payments for %d successful payouts", total, succeeded)
	}
	t.Logf("%d payouts, %d succeeded, %d payments", n, succeeded, len(w.sim.Payments()))
}

// TestPartnerDownOpensBreakerThenRecovers takes M-Pesa down behind the router:
// submits fail without anything being paid, the circuit opens and refuses
// without calling the partner, and once the partner is back a probe closes it
// and the payout completes exactly once.
func TestPartnerDownOpensBreakerThenRecovers(t *testing.T) {
	w := newWorld(t, payouttest.SimConfig(t), router.BreakerConfig{FailureThreshold: 3, CoolDown: 200 * time.Millisecond})
	ctx := context.Background()
	w.sim.SetDown(payout.MPesa, true)
	req := payout.Request{Reference: "down-1", TransferID: "tr-down-1", Provider: payout.MPesa, MSISDN: "254708374149",
		Amount: amounts[payout.MPesa], Country: "KE"}
	_, err := w.router.Submit(ctx, req)
	if !router.IsNotSent(err) || !errors.Is(err, payout.ErrUnavailable) {
		t.Fatalf("Submit while down error = %v, want not-sent ErrUnavailable", err)
	}
	b := w.router.Breaker(payout.MPesa)
	if b.State() != router.Open {
		t.Fatalf("breaker after retries against a down partner = %s, want open", b.State())
	}
	if _, err := w.router.Submit(ctx, req); !errors.Is(err, router.ErrCircuitOpen) {
		t.Fatalf("Submit with open circuit error = %v, want ErrCircuitOpen", err)
	}
	w.sim.SetDown(payout.MPesa, false)
	res, err := w.drive(ctx, req)
	if err != nil || res.State != payout.StateSucceeded {
		t.Fatalf("payout after recovery = %+v, %v; want succeeded", res, err)
	}
	if b.State() != router.Closed {
		t.Errorf("breaker after recovery = %s, want closed", b.State())
	}
	if n := len(w.sim.PaymentsFor(payout.MPesa, req.Reference)); n != 1 {
		t.Errorf("paid %d times, want 1", n)
	}
}
