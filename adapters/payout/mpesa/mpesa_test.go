package mpesa_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/remitflow/remitflow/adapters/payout/internal/partnerkit"
	"github.com/remitflow/remitflow/adapters/payout/mpesa"
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

// setup starts a simulator and an adapter whose callback URL points nowhere
// useful, so the tests post callbacks to the handler themselves.
func setup(t *testing.T, mutate func(*mpesa.Config)) (*mpesa.Adapter, *partnersim.Server) {
	t.Helper()
	sim, err := partnersim.New(payouttest.SimConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { sim.Close(); srv.Close() })
	cfg := simwire.MPesaConfig(sim, simwire.Options{SimURL: srv.URL, CallbackURL: "http://127.0.0.1:1/cb", CallbackSecret: "s3cret",
		StatusWait: 50 * time.Millisecond})
	if mutate != nil {
		mutate(&cfg)
	}
	a, err := mpesa.New(cfg)
	if err != nil {
		t.Fatalf("mpesa.New: %v", err)
	}
	return a, sim
}

func request(ref, msisdn, amount string) payout.Request {
	return payout.Request{Reference: ref, TransferID: "tr-" + ref, Provider: payout.MPesa, MSISDN: msisdn,
		Amount: money.MustParse(amount, "KES"), Country: "KE"}
}

func post(h http.Handler, path, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.RemoteAddr = "196.201.214.200:4431"
	h.ServeHTTP(rec, req)
	return rec
}

const successBody = `{"Result":{"ResultType":0,"ResultCode":0,"ResultDesc":"The service request is processed successfully.",
"OriginatorConversationID":"REF","ConversationID":"AG_1","TransactionID":"NLJ41HAY6Q",
"ResultParameters":{"ResultParameter":[{"Key":"TransactionAmount","Value":AMOUNT},{"Key":"TransactionReceipt","Value":"NLJ41HAY6Q"},
{"Key":"TransactionCompletedDateTime","Value":"21.11.2026 11:45:50"}]}}}`

func success(ref, amount string) string {
	return strings.NewReplacer("REF", ref, "AMOUNT", amount).Replace(successBody)
}

func rejected(reason string) float64 {
	return partnerkit.Rejected("mpesa", reason)
}

func TestCallbacksRejectBadInput(t *testing.T) {
	a, _ := setup(t, func(c *mpesa.Config) { c.AllowedSources = []netip.Prefix{netip.MustParsePrefix("196.201.214.0/24")} })
	rec := &recorder{}
	h := a.Handler(rec.sink)
	ctx := context.Background()
	// A payout that stays pending at the simulator, so only our crafted callbacks arrive.
	req := request("cb-1", "254700000088", "1500")
	if r, err := a.Submit(ctx, req); err != nil || r.State != payout.StatePending {
		t.Fatalf("Submit = %+v, %v; want pending", r, err)
	}
	tests := []struct {
		name, path, body, reason string
		code                     int
	}{
		{"bad secret", "/result?token=nope", success("cb-1", "1500"), "bad_secret", 403},
		{"no secret", "/result", success("cb-1", "1500"), "bad_secret", 403},
		{"malformed JSON", "/result?token=s3cret", `{"Result":`, "malformed", 400},
		{"no Result", "/result?token=s3cret", `{"Other":{}}`, "malformed", 400},
		{"unknown reference", "/result?token=s3cret", success("never-sent", "1500"), "unknown_reference", 404},
		{"amount mismatch", "/result?token=s3cret", success("cb-1", "15000"), "amount_mismatch", 422},
		{"success without amount", "/result?token=s3cret", strings.Replace(success("cb-1", "1500"), `{"Key":"TransactionAmount","Value":1500},`, "", 1), "malformed", 400},
		{"unknown status query", "/status/result?token=s3cret", `{"Result":{"ResultCode":0,"OriginatorConversationID":"q-unknown"}}`, "unknown_reference", 404},
	}
	for _, tt := range tests {
		before := rejected(tt.reason)
		got := post(h, tt.path, tt.body)
		if got.Code != tt.code {
			t.Errorf("%s: HTTP %d %s, want %d", tt.name, got.Code, got.Body, tt.code)
		}
		if after := rejected(tt.reason); after != before+1 {
			t.Errorf("%s: rejected{%s} went %v → %v, want +1", tt.name, tt.reason, before, after)
		}
	}
	// Source outside the allowed ranges.
	r := httptest.NewRequest(http.MethodPost, "/result?token=s3cret", strings.NewReader(success("cb-1", "1500")))
	r.RemoteAddr = "203.0.113.9:5555"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusForbidden {
		t.Errorf("callback from 203.0.113.9 = %d, want 403", w.Code)
	}
	if w := post(h, "/result?token=s3cret", ""); w.Code != http.StatusBadRequest {
		t.Errorf("empty body = %d, want 400", w.Code)
	}
	if got := rec.results(); len(got) != 0 {
		t.Fatalf("rejected callbacks reached the sink: %+v", got)
	}
	if res, _ := a.Status(ctx, "cb-1"); res.State.Final() {
		t.Fatalf("rejected callbacks changed the payout: %+v", res)
	}

	// A good callback is applied once; a repeat is acknowledged and ignored;
	// a contradicting one is refused.
	if w := post(h, "/result?token=s3cret", success("cb-1", "1500.00")); w.Code != http.StatusOK {
		t.Fatalf("good callback = %d %s", w.Code, w.Body)
	}
	if w := post(h, "/result?token=s3cret", success("cb-1", "1500")); w.Code != http.StatusOK {
		t.Fatalf("duplicate callback = %d %s", w.Code, w.Body)
	}
	fail := `{"Result":{"ResultType":0,"ResultCode":1,"ResultDesc":"The balance is insufficient for the transaction.","OriginatorConversationID":"cb-1","ConversationID":"AG_1","TransactionID":"X"}}`
	if w := post(h, "/result?token=s3cret", fail); w.Code != http.StatusConflict {
		t.Fatalf("contradicting callback = %d %s, want 409", w.Code, w.Body)
	}
	got := rec.results()
	if len(got) != 1 || got[0].State != payout.StateSucceeded || got[0].PartnerReference != "NLJ41HAY6Q" ||
		got[0].Amount == nil || !got[0].Amount.Equal(money.MustParse("1500", "KES")) {
		t.Fatalf("sink = %+v, want one success with receipt NLJ41HAY6Q and 1500 KES", got)
	}
	if want := time.Date(2026, 11, 21, 8, 45, 50, 0, time.UTC); !got[0].At.Equal(want) {
		t.Errorf("At = %s, want %s (EAT converted)", got[0].At, want)
	}
	if res, err := a.Status(ctx, "cb-1"); err != nil || res.State != payout.StateSucceeded {
		t.Errorf("Status after callback = %+v, %v; want succeeded without a query", res, err)
	}
	if w := httptest.NewRecorder(); true {
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/result?token=s3cret", nil))
		if w.Code != http.StatusMethodNotAllowed {
			t.Errorf("GET callback = %d, want 405", w.Code)
		}
	}
}

func TestSingleResultParameterObject(t *testing.T) {
	a, _ := setup(t, nil)
	rec := &recorder{}
	h := a.Handler(rec.sink)
	if _, err := a.Submit(context.Background(), request("one-param", "254700000088", "20")); err != nil {
		t.Fatal(err)
	}
	body := `{"Result":{"ResultType":0,"ResultCode":"0","ResultDesc":"ok","OriginatorConversationID":"one-param","TransactionID":"ABC",
"ResultParameters":{"ResultParameter":{"Key":"TransactionAmount","Value":"20"}}}}`
	if w := post(h, "/result?token=s3cret", body); w.Code != http.StatusOK {
		t.Fatalf("callback with one parameter object = %d %s", w.Code, w.Body)
	}
	if got := rec.results(); len(got) != 1 || got[0].PartnerReference != "ABC" {
		t.Fatalf("sink = %+v", got)
	}
}

func TestSubmitRefusesWhatMPesaCannotPay(t *testing.T) {
	a, sim := setup(t, nil)
	for name, req := range map[string]payout.Request{
		"cents":          request("c1", "254708374149", "1500.50"),
		"USD":            {Reference: "c2", MSISDN: "254708374149", Amount: money.MustParse("10", "USD")},
		"Ugandan number": request("c3", "256708374149", "100"),
		"short number":   request("c4", "25470837414", "100"),
	} {
		if _, err := a.Submit(context.Background(), req); !errors.Is(err, payout.ErrInvalidRequest) {
			t.Errorf("Submit(%s) error = %v, want ErrInvalidRequest", name, err)
		}
	}
	if n := len(sim.Payments()); n != 0 {
		t.Errorf("refused requests produced %d payments", n)
	}
}

func TestWrongInitiatorPasswordFailsWith2001(t *testing.T) {
	env := payouttest.NewEnv(t, payouttest.Harness{Provider: payout.MPesa, Country: "KE", Amount: money.MustParse("100", "KES"),
		New: func(t *testing.T, s *partnersim.Server, o simwire.Options) payouttest.Adapter {
			cfg := simwire.MPesaConfig(s, o)
			cfg.InitiatorPassword = "not-the-password"
			a, err := mpesa.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			return payouttest.Adapter{Port: a, Callbacks: func(sink payout.ResultSink) http.Handler { return a.Handler(sink) }}
		}}, payouttest.SimConfig(t))
	req := env.Request("254708374149")
	if _, err := env.Port.Submit(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	res := env.Resolve(t, req)
	if res.State != payout.StateFailed || res.Code != "2001" || res.Retryable {
		t.Fatalf("outcome = %+v, want failed 2001 not retryable", res)
	}
	if env.Paid(req) != 0 {
		t.Fatal("paid with a wrong security credential")
	}
}

func TestTokenCachedAndRefreshedEarly(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	a, sim := setup(t, func(c *mpesa.Config) { c.Now = clock; c.TokenMargin = time.Minute })
	ctx := context.Background()
	for i, ref := range []string{"t1", "t2", "t3"} {
		if _, err := a.Submit(ctx, request(ref, "254700000088", "100")); err != nil {
			t.Fatalf("Submit #%d: %v", i, err)
		}
	}
	if n := a.TokenFetches(); n != 1 {
		t.Fatalf("token fetched %d times for 3 payouts, want 1", n)
	}
	mu.Lock()
	now = now.Add(time.Hour - time.Minute) // within the refresh margin of a 1h token
	mu.Unlock()
	if _, err := a.Submit(ctx, request("t4", "254700000088", "100")); err != nil {
		t.Fatal(err)
	}
	if n := a.TokenFetches(); n != 2 {
		t.Fatalf("token fetched %d times after reaching the margin, want 2", n)
	}
	sim.ExpireTokens()
	if _, err := a.Submit(ctx, request("t5", "254700000088", "100")); err != nil {
		t.Fatalf("Submit after the partner revoked the token: %v", err)
	}
	if n := a.TokenFetches(); n != 3 {
		t.Fatalf("token fetched %d times after a 401, want 3 (refreshed once)", n)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	_, sim := setup(t, nil)
	good := simwire.MPesaConfig(sim, simwire.Options{SimURL: "http://sim", CallbackURL: "http://cb"})
	for name, mutate := range map[string]func(*mpesa.Config){
		"no base URL":        func(c *mpesa.Config) { c.BaseURL = "" },
		"no consumer key":    func(c *mpesa.Config) { c.ConsumerKey = "" },
		"no callback secret": func(c *mpesa.Config) { c.CallbackSecret = "" },
		"no certificate":     func(c *mpesa.Config) { c.CertificatePEM = nil },
		"garbage certificate": func(c *mpesa.Config) {
			c.CertificatePEM = []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
		},
		"no shortcode": func(c *mpesa.Config) { c.ShortCode = "" },
	} {
		cfg := good
		mutate(&cfg)
		if _, err := mpesa.New(cfg); err == nil {
			t.Errorf("New(%s) succeeded", name)
		}
	}
}
