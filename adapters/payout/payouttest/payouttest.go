// Package payouttest is the conformance suite every payout adapter passes
// against partnersim over real HTTP: success, every documented failure code,
// timeouts, lost and duplicate callbacks, a partner down and back, HTTP 500
// with an unknown outcome, token expiry, and bad input. Each adapter's tests
// call Run with a Harness.
package payouttest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/remitflow/remitflow/adapters/payout/internal/partnerkit"
	"github.com/remitflow/remitflow/adapters/payout/momo"
	"github.com/remitflow/remitflow/adapters/payout/partnersim"
	"github.com/remitflow/remitflow/adapters/payout/simwire"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
)

// Adapter is what a harness builds: the port and, when the partner calls
// back, a factory for its callback handler.
type Adapter struct {
	Port payout.Port
	// Callbacks returns the handler for the partner's callbacks; nil when the
	// partner has none.
	Callbacks func(sink payout.ResultSink) http.Handler
}

// Harness describes one adapter to the suite.
type Harness struct {
	Provider payout.Provider
	// Country is the wallet country sent in requests.
	Country string
	// Amount is a payable amount in the partner's currency.
	Amount money.Amount
	// New builds the adapter for the simulator described by o. o.CallbackURL
	// is the base under which the suite serves Callbacks at "/"+Provider.
	New func(t *testing.T, sim *partnersim.Server, o simwire.Options) Adapter
}

var (
	keyOnce sync.Once
	key     *rsa.PrivateKey
	keyErr  error
)

// SharedKey returns one RSA key for all simulators in a test binary, so tests
// do not pay for key generation each time.
func SharedKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	keyOnce.Do(func() { key, keyErr = rsa.GenerateKey(rand.Reader, 2048) })
	if keyErr != nil {
		t.Fatalf("generating RSA key: %v", keyErr)
	}
	return key
}

// Sink records the results callbacks delivered.
type Sink struct {
	mu  sync.Mutex
	got map[string][]payout.Result
}

// NewSink returns an empty sink.
func NewSink() *Sink { return &Sink{got: map[string][]payout.Result{}} }

// Func is the payout.ResultSink that records into s.
func (s *Sink) Func(_ context.Context, r payout.Result) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got[r.Reference] = append(s.got[r.Reference], r)
	return nil
}

// Results returns the results delivered for ref.
func (s *Sink) Results(ref string) []payout.Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]payout.Result(nil), s.got[ref]...)
}

// Final returns the first final result delivered for ref.
func (s *Sink) Final(ref string) (payout.Result, bool) {
	for _, r := range s.Results(ref) {
		if r.State.Final() {
			return r, true
		}
	}
	return payout.Result{}, false
}

// Env is a simulator, an adapter wired to it and a callback server.
type Env struct {
	H    Harness
	Sim  *partnersim.Server
	Port payout.Port
	Sink *Sink
	// HasCallbacks is set when the adapter serves partner callbacks.
	HasCallbacks bool
}

// SimConfig returns the simulator configuration the suite starts from: no
// latency, no faults, a fixed seed, the shared key.
func SimConfig(t testing.TB) partnersim.Config {
	cfg := partnersim.DefaultConfig()
	cfg.MPesa.Key = SharedKey(t)
	cfg.Seed = 1
	return cfg
}

// NewEnv starts a simulator with cfg, a callback server, and the harness's
// adapter. Everything stops when the test ends.
func NewEnv(t *testing.T, h Harness, cfg partnersim.Config) *Env {
	t.Helper()
	sim, err := partnersim.New(cfg)
	if err != nil {
		t.Fatalf("partnersim.New: %v", err)
	}
	simSrv := httptest.NewServer(sim)
	var cb atomic.Pointer[http.Handler]
	cbSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := cb.Load(); h != nil {
			(*h).ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(func() {
		sim.Close()
		cbSrv.Close()
		simSrv.Close()
	})
	o := simwire.Options{SimURL: simSrv.URL, CallbackURL: cbSrv.URL, StatusWait: 3 * time.Second, Timeout: 5 * time.Second}
	ad := h.New(t, sim, o)
	sink := NewSink()
	if ad.Callbacks != nil {
		mux := http.NewServeMux()
		prefix := "/" + string(h.Provider)
		mux.Handle(prefix+"/", http.StripPrefix(prefix, ad.Callbacks(sink.Func)))
		var hh http.Handler = mux
		cb.Store(&hh)
	}
	return &Env{H: h, Sim: sim, Port: ad.Port, Sink: sink, HasCallbacks: ad.Callbacks != nil}
}

// Request returns a fresh request paying msisdn the harness's amount.
func (e *Env) Request(msisdn string) payout.Request {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	ref := "po-" + hex.EncodeToString(b)
	return payout.Request{
		Reference: ref, TransferID: "tr-" + ref, Provider: e.H.Provider, MSISDN: msisdn,
		Amount: e.H.Amount, Country: e.H.Country, Remarks: "Family support",
	}
}

// Paid returns how many payments the simulator made for the request's transfer.
func (e *Env) Paid(req payout.Request) int {
	n := 0
	for _, p := range e.Sim.Payments() {
		if p.Provider == e.H.Provider && p.External == req.TransferID {
			n++
		}
	}
	return n
}

// Resolve drives a payout to a final outcome the way the transfer process
// does: a callback, else Status; ErrNotFound proves the partner never got
// it, so the same request is submitted again. It fails the test after
// maxRounds rounds without a final outcome.
func (e *Env) Resolve(t testing.TB, req payout.Request) payout.Result {
	t.Helper()
	ctx := context.Background()
	const maxRounds = 400
	for i := 0; i < maxRounds; i++ {
		if r, ok := e.Sink.Final(req.Reference); ok {
			return r
		}
		r, err := e.Port.Status(ctx, req.Reference)
		switch {
		case err == nil && r.State.Final():
			return r
		case errors.Is(err, payout.ErrNotFound):
			if r, err := e.Port.Submit(ctx, req); err == nil && r.State.Final() {
				return r
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("payout %s to %s never became final", req.Reference, req.MSISDN)
	return payout.Result{}
}

func success(t *testing.T, p payout.Provider) partnersim.Scenario {
	for _, s := range partnersim.Scenarios(p) {
		if s.State == payout.StateSucceeded && s.Name == "success" {
			return s
		}
	}
	t.Fatalf("partnersim has no success scenario for %s", p)
	return partnersim.Scenario{}
}

func checkPaidOnce(t *testing.T, e *Env, req payout.Request, res payout.Result) {
	t.Helper()
	want := 0
	if res.State == payout.StateSucceeded {
		want = 1
	}
	if got := e.Paid(req); got != want {
		t.Errorf("%s: partner paid transfer %s %d times, want %d (result %+v)", e.H.Provider, req.TransferID, got, want, res)
	}
}

func noFailure(t *testing.T, what string, r payout.Result) {
	t.Helper()
	if r.State == payout.StateFailed {
		t.Fatalf("%s = %+v: an unproven outcome must not be reported failed", what, r)
	}
}

// Run runs the conformance suite for one adapter.
func Run(t *testing.T, h Harness) {
	ctx := context.Background()
	t.Run("Success", func(t *testing.T) {
		e := NewEnv(t, h, SimConfig(t))
		req := e.Request(success(t, h.Provider).MSISDN)
		r, err := e.Port.Submit(ctx, req)
		if err != nil {
			t.Fatalf("Submit(%s) error = %v", req.Reference, err)
		}
		noFailure(t, "Submit", r)
		if r.Reference != req.Reference {
			t.Errorf("Submit reference = %q, want %q", r.Reference, req.Reference)
		}
		res := e.Resolve(t, req)
		if res.State != payout.StateSucceeded {
			t.Fatalf("outcome = %+v, want succeeded", res)
		}
		if res.Amount != nil && !res.Amount.Equal(req.Amount) {
			t.Errorf("reported amount = %s, want %s", res.Amount, req.Amount)
		}
		checkPaidOnce(t, e, req, res)
	})

	t.Run("Scenarios", func(t *testing.T) {
		e := NewEnv(t, h, SimConfig(t))
		for _, sc := range partnersim.Scenarios(h.Provider) {
			t.Run(sc.Name, func(t *testing.T) {
				req := e.Request(sc.MSISDN)
				r, err := e.Port.Submit(ctx, req)
				if sc.Rejected {
					if !errors.Is(err, payout.ErrInvalidRequest) {
						t.Fatalf("Submit(%s) = %+v, %v; want ErrInvalidRequest", sc.MSISDN, r, err)
					}
					if n := e.Paid(req); n != 0 {
						t.Fatalf("refused request paid %d times", n)
					}
					return
				}
				if err != nil {
					t.Fatalf("Submit(%s) error = %v", sc.MSISDN, err)
				}
				if !sc.State.Final() {
					for i := 0; i < 3; i++ {
						r, err = e.Port.Status(ctx, req.Reference)
						if err != nil || r.State.Final() {
							t.Fatalf("Status(%s) = %+v, %v; want a non-final state", sc.MSISDN, r, err)
						}
					}
					checkPaidOnce(t, e, req, r)
					return
				}
				res := e.Resolve(t, req)
				if res.State != sc.State {
					t.Fatalf("outcome for %s = %+v, want %s", sc.MSISDN, res, sc.State)
				}
				if res.Code != sc.Code && sc.State == payout.StateFailed {
					t.Errorf("code for %s = %q, want %q", sc.MSISDN, res.Code, sc.Code)
				}
				if res.State == payout.StateFailed && res.Retryable != sc.Retryable {
					t.Errorf("retryable for %s (%s) = %v, want %v", sc.MSISDN, res.Code, res.Retryable, sc.Retryable)
				}
				checkPaidOnce(t, e, req, res)
			})
		}
	})

	t.Run("ResubmitIsIdempotent", func(t *testing.T) {
		e := NewEnv(t, h, SimConfig(t))
		req := e.Request(success(t, h.Provider).MSISDN)
		for i := 0; i < 2; i++ {
			r, err := e.Port.Submit(ctx, req)
			if err != nil {
				t.Fatalf("Submit #%d error = %v", i+1, err)
			}
			noFailure(t, "Submit", r)
		}
		res := e.Resolve(t, req)
		r, err := e.Port.Submit(ctx, req)
		if err != nil || r.State != res.State {
			t.Fatalf("Submit after final = %+v, %v; want %s", r, err, res.State)
		}
		checkPaidOnce(t, e, req, res)
	})

	t.Run("ReferenceReusedForAnotherPayout", func(t *testing.T) {
		e := NewEnv(t, h, SimConfig(t))
		req := e.Request(success(t, h.Provider).MSISDN)
		if _, err := e.Port.Submit(ctx, req); err != nil {
			t.Fatalf("Submit error = %v", err)
		}
		other := req
		other.Amount.Value = other.Amount.Value.Add(other.Amount.Value)
		if r, err := e.Port.Submit(ctx, other); !errors.Is(err, payout.ErrInvalidRequest) {
			t.Fatalf("Submit(same reference, double amount) = %+v, %v; want ErrInvalidRequest", r, err)
		}
		res := e.Resolve(t, req)
		if res.State != payout.StateSucceeded || (res.Amount != nil && !res.Amount.Equal(req.Amount)) {
			t.Fatalf("outcome = %+v, want the first payout's success", res)
		}
		checkPaidOnce(t, e, req, res)
	})

	t.Run("LostCallbackResolvedByStatus", func(t *testing.T) {
		cfg := SimConfig(t)
		cfg.Faults.DropCallbackRate = 1
		e := NewEnv(t, h, cfg)
		req := e.Request(success(t, h.Provider).MSISDN)
		if _, err := e.Port.Submit(ctx, req); err != nil {
			t.Fatalf("Submit error = %v", err)
		}
		res := e.Resolve(t, req)
		if res.State != payout.StateSucceeded {
			t.Fatalf("outcome = %+v, want succeeded", res)
		}
		if n := len(e.Sink.Results(req.Reference)); n > 1 {
			t.Errorf("sink got %d results, want at most one (from a status-query result)", n)
		}
		checkPaidOnce(t, e, req, res)
	})

	t.Run("DuplicateCallbackIgnored", func(t *testing.T) {
		cfg := SimConfig(t)
		cfg.Faults.DuplicateCallbackRate = 1
		e := NewEnv(t, h, cfg)
		if !e.HasCallbacks {
			t.Skip("partner sends no callbacks")
		}
		req := e.Request(success(t, h.Provider).MSISDN)
		if _, err := e.Port.Submit(ctx, req); err != nil {
			t.Fatalf("Submit error = %v", err)
		}
		if !waitFor(func() bool { return e.Sim.CallbacksSent(partnerRef(h.Provider, req.Reference)) >= 2 }) {
			t.Fatal("simulator did not send the duplicate callback")
		}
		got := e.Sink.Results(req.Reference)
		if len(got) != 1 || got[0].State != payout.StateSucceeded {
			t.Fatalf("sink results = %+v, want exactly one success", got)
		}
		checkPaidOnce(t, e, req, got[0])
	})

	t.Run("TimeoutThenStatus", func(t *testing.T) {
		cfg := SimConfig(t)
		cfg.Latency = 300 * time.Millisecond
		e := NewEnv(t, h, cfg)
		req := e.Request(success(t, h.Provider).MSISDN)
		// Fetch a token first so the timeout hits the payment request itself.
		tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, _ = e.Port.Status(tctx, "warm-up-"+req.Reference)
		cancel()
		tctx, cancel = context.WithTimeout(ctx, 50*time.Millisecond)
		r, err := e.Port.Submit(tctx, req)
		cancel()
		if err == nil && r.State == payout.StateSucceeded {
			t.Fatalf("Submit with a 50ms deadline against 300ms latency = %+v, want an unknown outcome", r)
		}
		noFailure(t, "Submit after timeout", r)
		e.Sim.SetLatency(0)
		res := e.Resolve(t, req)
		if res.State != payout.StateSucceeded {
			t.Fatalf("outcome = %+v, want succeeded", res)
		}
		checkPaidOnce(t, e, req, res)
	})

	t.Run("PartnerDownThenBack", func(t *testing.T) {
		e := NewEnv(t, h, SimConfig(t))
		e.Sim.SetDown(h.Provider, true)
		req := e.Request(success(t, h.Provider).MSISDN)
		r, err := e.Port.Submit(ctx, req)
		if !errors.Is(err, payout.ErrUnavailable) || !partnerkit.IsNotSent(err) {
			t.Fatalf("Submit while down = %+v, %v; want ErrUnavailable marked not sent", r, err)
		}
		noFailure(t, "Submit while down", r)
		if _, err := e.Port.Status(ctx, req.Reference); !errors.Is(err, payout.ErrUnavailable) {
			t.Fatalf("Status while down error = %v, want ErrUnavailable", err)
		}
		if n := e.Paid(req); n != 0 {
			t.Fatalf("paid %d times while down", n)
		}
		e.Sim.SetDown(h.Provider, false)
		if _, err := e.Port.Submit(ctx, req); err != nil {
			t.Fatalf("Submit after recovery error = %v", err)
		}
		res := e.Resolve(t, req)
		if res.State != payout.StateSucceeded {
			t.Fatalf("outcome = %+v, want succeeded", res)
		}
		checkPaidOnce(t, e, req, res)
	})

	t.Run("ServerErrorAfterProcessing", func(t *testing.T) {
		cfg := SimConfig(t)
		cfg.Faults.ProcessedErrorRate = 1
		e := NewEnv(t, h, cfg)
		req := e.Request(success(t, h.Provider).MSISDN)
		r, err := e.Port.Submit(ctx, req)
		if !errors.Is(err, payout.ErrUnavailable) || partnerkit.IsNotSent(err) {
			t.Fatalf("Submit answered 500 = %+v, %v; want ErrUnavailable with an unknown outcome", r, err)
		}
		if r.State != payout.StateUnknown {
			t.Fatalf("Submit answered 500: state %s, want unknown", r.State)
		}
		e.Sim.SetFaults(partnersim.Faults{})
		res := e.Resolve(t, req)
		if res.State != payout.StateSucceeded {
			t.Fatalf("outcome = %+v, want succeeded (the partner processed it)", res)
		}
		if _, err := e.Port.Submit(ctx, req); err != nil {
			t.Fatalf("Submit again error = %v", err)
		}
		checkPaidOnce(t, e, req, res)
	})

	t.Run("ServerErrorBeforeProcessing", func(t *testing.T) {
		cfg := SimConfig(t)
		e := NewEnv(t, h, cfg)
		req := e.Request(success(t, h.Provider).MSISDN)
		_, _ = e.Port.Status(ctx, "warm-up-"+req.Reference)
		e.Sim.SetFaults(partnersim.Faults{ErrorRate: 1})
		r, err := e.Port.Submit(ctx, req)
		if !errors.Is(err, payout.ErrUnavailable) {
			t.Fatalf("Submit answered 500 = %+v, %v; want ErrUnavailable", r, err)
		}
		noFailure(t, "Submit answered 500", r)
		e.Sim.SetFaults(partnersim.Faults{})
		if r, err := e.statusSettled(ctx, req.Reference); !errors.Is(err, payout.ErrNotFound) {
			t.Fatalf("Status after unprocessed 500 = %+v, %v; want ErrNotFound", r, err)
		}
		res := e.Resolve(t, req)
		if res.State != payout.StateSucceeded {
			t.Fatalf("outcome = %+v, want succeeded", res)
		}
		checkPaidOnce(t, e, req, res)
	})

	t.Run("TokenExpiryMidRun", func(t *testing.T) {
		e := NewEnv(t, h, SimConfig(t))
		for i := 0; i < 2; i++ {
			req := e.Request(success(t, h.Provider).MSISDN)
			if _, err := e.Port.Submit(ctx, req); err != nil {
				t.Fatalf("Submit #%d error = %v", i+1, err)
			}
			res := e.Resolve(t, req)
			if res.State != payout.StateSucceeded {
				t.Fatalf("outcome #%d = %+v, want succeeded", i+1, res)
			}
			checkPaidOnce(t, e, req, res)
			e.Sim.ExpireTokens()
		}
		if n := e.Sim.TokensIssued(h.Provider); n < 2 {
			t.Errorf("tokens issued = %d, want a refresh after expiry", n)
		}
	})

	t.Run("InvalidRequests", func(t *testing.T) {
		e := NewEnv(t, h, SimConfig(t))
		good := e.Request(success(t, h.Provider).MSISDN)
		cases := map[string]func(r *payout.Request){
			"empty reference":   func(r *payout.Request) { r.Reference = "" },
			"zero amount":       func(r *payout.Request) { r.Amount = money.Zero(r.Amount.Currency) },
			"negative amount":   func(r *payout.Request) { r.Amount = r.Amount.Neg() },
			"sub-minor amount":  func(r *payout.Request) { r.Amount.Value = r.Amount.Value.Add(money.MustParse("0.001", "USD").Value) },
			"other currency":    func(r *payout.Request) { r.Amount = money.MustParse("10.00", "USD") },
			"malformed MSISDN":  func(r *payout.Request) { r.MSISDN = "+25x70837" },
			"other provider":    func(r *payout.Request) { r.Provider = otherProvider(h.Provider) },
			"reference too big": func(r *payout.Request) { r.Reference = string(make([]byte, 200)) },
		}
		for name, mutate := range cases {
			req := good
			req.Reference = good.Reference + "-" + hex.EncodeToString([]byte(name))[:8]
			mutate(&req)
			r, err := e.Port.Submit(ctx, req)
			if !errors.Is(err, payout.ErrInvalidRequest) {
				t.Errorf("Submit(%s) = %+v, %v; want ErrInvalidRequest", name, r, err)
			}
		}
		if n := len(e.Sim.Payments()); n != 0 {
			t.Errorf("invalid requests produced %d payments", n)
		}
		if _, err := e.Port.Status(ctx, ""); !errors.Is(err, payout.ErrInvalidRequest) {
			t.Errorf("Status(\"\") error = %v, want ErrInvalidRequest", err)
		}
	})

	t.Run("StatusOfUnknownReference", func(t *testing.T) {
		e := NewEnv(t, h, SimConfig(t))
		r, err := e.statusSettled(ctx, "never-sent-"+e.Request("0").Reference)
		if !errors.Is(err, payout.ErrNotFound) {
			t.Fatalf("Status(never sent) = %+v, %v; want ErrNotFound", r, err)
		}
	})
}

// statusSettled calls Status until it answers something other than an
// unresolved state without error (an asynchronous status answer may be slow
// on a loaded machine), at most 20 times.
func (e *Env) statusSettled(ctx context.Context, ref string) (payout.Result, error) {
	var r payout.Result
	var err error
	for i := 0; i < 20; i++ {
		r, err = e.Port.Status(ctx, ref)
		if err != nil || r.State.Final() {
			return r, err
		}
	}
	return r, err
}

func otherProvider(p payout.Provider) payout.Provider {
	if p == payout.MPesa {
		return payout.Airtel
	}
	return payout.MPesa
}

// partnerRef is the reference the simulator files a payout under.
func partnerRef(p payout.Provider, ref string) string {
	if p == payout.MoMo {
		return momo.ReferenceID(ref)
	}
	return ref
}

func waitFor(cond func() bool) bool {
	for i := 0; i < 5000; i++ {
		if cond() {
			return true
		}
		time.Sleep(2 * time.Millisecond)
	}
	return cond()
}
