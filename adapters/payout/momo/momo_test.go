package momo_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/remitflow/remitflow/adapters/payout/internal/partnerkit"
	"github.com/remitflow/remitflow/adapters/payout/momo"
	"github.com/remitflow/remitflow/adapters/payout/partnersim"
	"github.com/remitflow/remitflow/adapters/payout/payouttest"
	"github.com/remitflow/remitflow/adapters/payout/simwire"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
)

type recorder struct {
	mu  sync.Mutex
	got []payout.Result
}

func (r *recorder) sink(_ context.Context, res payout.Result) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, res)
	return nil
}

func (r *recorder) results() []payout.Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]payout.Result(nil), r.got...)
}

func setup(t *testing.T) (*momo.Adapter, *partnersim.Server) {
	t.Helper()
	sim, err := partnersim.New(payouttest.SimConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { sim.Close(); srv.Close() })
	a, err := momo.New(simwire.MoMoConfig(sim, simwire.Options{SimURL: srv.URL, CallbackURL: "http://127.0.0.1:1/cb", CallbackSecret: "s3cret"}))
	if err != nil {
		t.Fatal(err)
	}
	return a, sim
}

func request(ref, msisdn, amount string) payout.Request {
	return payout.Request{Reference: ref, TransferID: "tr-" + ref, Provider: payout.MoMo, MSISDN: msisdn,
		Amount: money.MustParse(amount, "EUR"), Country: "UG"}
}

func callback(h http.Handler, method, ref, sig, body string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, "/callback?ref="+url.QueryEscape(ref)+"&sig="+sig, strings.NewReader(body)))
	return w
}

func body(amount, msisdn, status string) string {
	return `{"amount":"` + amount + `","currency":"EUR","externalId":"x","payee":{"partyIdType":"MSISDN","partyId":"` + msisdn +
		`"},"payerMessage":"","payeeNote":"","status":"` + status + `","financialTransactionId":"123"}`
}

func TestCallbacksAreCheckedAndConfirmed(t *testing.T) {
	a, _ := setup(t)
	rec := &recorder{}
	h := a.Handler(rec.sink)
	ctx := context.Background()
	pending := request("cb-pending", "46733123453", "12.00")
	paid := request("cb-paid", "46733123499", "12.00")
	for _, r := range []payout.Request{pending, paid} {
		if _, err := a.Submit(ctx, r); err != nil {
			t.Fatalf("Submit(%s): %v", r.Reference, err)
		}
	}
	sig := func(ref string) string { return partnerkit.Sign("s3cret", ref) }
	tests := []struct {
		name, method, ref, sig, body, reason string
		code                                 int
	}{
		{"bad signature", "PUT", paid.Reference, sig("other"), body("12.00", paid.MSISDN, "SUCCESSFUL"), "bad_secret", 403},
		{"no signature", "PUT", paid.Reference, "", body("12.00", paid.MSISDN, "SUCCESSFUL"), "bad_secret", 403},
		{"unknown reference", "PUT", "never-sent", sig("never-sent"), body("12.00", paid.MSISDN, "SUCCESSFUL"), "unknown_reference", 404},
		{"malformed", "PUT", paid.Reference, sig(paid.Reference), `{"amount":`, "malformed", 400},
		{"no status", "PUT", paid.Reference, sig(paid.Reference), `{"amount":"12.00","currency":"EUR"}`, "malformed", 400},
		{"amount mismatch", "PUT", paid.Reference, sig(paid.Reference), body("1200.00", paid.MSISDN, "SUCCESSFUL"), "amount_mismatch", 422},
		{"payee mismatch", "PUT", paid.Reference, sig(paid.Reference), body("12.00", "46733000000", "SUCCESSFUL"), "payee_mismatch", 422},
		{"wrong method", "GET", paid.Reference, sig(paid.Reference), "", "method_not_allowed", 405},
	}
	for _, tt := range tests {
		before := partnerkit.Rejected("mtn_momo", tt.reason)
		w := callback(h, tt.method, tt.ref, tt.sig, tt.body)
		if w.Code != tt.code {
			t.Errorf("%s: HTTP %d %s, want %d", tt.name, w.Code, w.Body, tt.code)
		}
		if after := partnerkit.Rejected("mtn_momo", tt.reason); after != before+1 {
			t.Errorf("%s: rejected{%s} %v → %v, want +1", tt.name, tt.reason, before, after)
		}
	}
	if got := rec.results(); len(got) != 0 {
		t.Fatalf("rejected callbacks reached the sink: %+v", got)
	}
	// A forged success for a transfer MoMo still reports PENDING is not applied.
	if w := callback(h, "PUT", pending.Reference, sig(pending.Reference), body("12.00", pending.MSISDN, "SUCCESSFUL")); w.Code != http.StatusOK {
		t.Fatalf("callback for pending transfer = %d %s", w.Code, w.Body)
	}
	if got := rec.results(); len(got) != 0 {
		t.Fatalf("unconfirmed success reached the sink: %+v", got)
	}
	// A genuine one is confirmed, applied once, and repeats are ignored.
	for i := 0; i < 2; i++ {
		if w := callback(h, "POST", paid.Reference, sig(paid.Reference), body("12", paid.MSISDN, "SUCCESSFUL")); w.Code != http.StatusOK {
			t.Fatalf("callback #%d = %d %s", i+1, w.Code, w.Body)
		}
	}
	got := rec.results()
	if len(got) != 1 || got[0].State != payout.StateSucceeded || got[0].Reference != paid.Reference {
		t.Fatalf("sink = %+v, want one success for %s", got, paid.Reference)
	}
}

func TestInactiveAccountHolderSendsNothing(t *testing.T) {
	a, _ := setup(t)
	ctx := context.Background()
	req := request("inactive", "46733123459", "5.00")
	r, err := a.Submit(ctx, req)
	if !errors.Is(err, payout.ErrInvalidRequest) || r.State != payout.StateFailed || r.Code != "ACCOUNTHOLDER_NOT_ACTIVE" {
		t.Fatalf("Submit = %+v, %v; want failed ACCOUNTHOLDER_NOT_ACTIVE with ErrInvalidRequest", r, err)
	}
	if _, err := a.Status(ctx, req.Reference); !errors.Is(err, payout.ErrNotFound) {
		t.Fatalf("Status after refusal error = %v, want ErrNotFound (nothing was sent)", err)
	}
}

func TestReferenceID(t *testing.T) {
	const u = "5c1e6f2a-3b7d-4c8e-9f01-23456789abcd"
	if got := momo.ReferenceID(u); got != u {
		t.Errorf("ReferenceID(%q) = %q, want it unchanged", u, got)
	}
	if got := momo.ReferenceID(strings.ToUpper(u)); got != u {
		t.Errorf("ReferenceID(upper) = %q, want canonical %q", got, u)
	}
	a, b := momo.ReferenceID("po-1"), momo.ReferenceID("po-2")
	if a == b || a != momo.ReferenceID("po-1") {
		t.Errorf("derived ids not deterministic and distinct: %s %s", a, b)
	}
	if id, err := uuid.Parse(a); err != nil || id.Version() != 4 || id.Variant() != uuid.RFC4122 {
		t.Errorf("derived id %q is not an RFC 4122 version-4 UUID: %v", a, err)
	}
	if got := momo.ReferenceID("{" + u + "}"); got == u {
		t.Errorf("non-canonical UUID form %q reused as is", "{"+u+"}")
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	_, sim := setup(t)
	good := simwire.MoMoConfig(sim, simwire.Options{SimURL: "http://sim", CallbackURL: "http://cb"})
	for name, mutate := range map[string]func(*momo.Config){
		"no base URL":         func(c *momo.Config) { c.BaseURL = "" },
		"no subscription key": func(c *momo.Config) { c.SubscriptionKey = "" },
		"no environment":      func(c *momo.Config) { c.TargetEnvironment = "" },
		"no currencies":       func(c *momo.Config) { c.Currencies = nil },
		"callback no secret":  func(c *momo.Config) { c.CallbackSecret = "" },
	} {
		cfg := good
		mutate(&cfg)
		if _, err := momo.New(cfg); err == nil {
			t.Errorf("New(%s) succeeded", name)
		}
	}
}
