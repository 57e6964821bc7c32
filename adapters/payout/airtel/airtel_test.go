package airtel_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/remitflow/remitflow/adapters/payout/airtel"
	"github.com/remitflow/remitflow/adapters/payout/internal/partnerkit"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
)

func TestParseMarkets(t *testing.T) {
	got, err := airtel.ParseMarkets(" UG:UGX:256, ke:kes:254 ,")
	if err != nil {
		t.Fatalf("ParseMarkets error = %v", err)
	}
	want := []airtel.Market{{Country: "UG", Currency: "UGX", DialCode: "256"}, {Country: "KE", Currency: "KES", DialCode: "254"}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("ParseMarkets = %+v, want %+v", got, want)
	}
	for _, bad := range []string{"UG:UGX", "UGA:UGX:256", "UG:XXX:256", "UG:UGX:25a"} {
		if _, err := airtel.ParseMarkets(bad); err == nil {
			t.Errorf("ParseMarkets(%q) succeeded", bad)
		}
	}
}

// fakeAirtel answers tokens and lets the test script the disbursement answer.
type fakeAirtel struct {
	mu     sync.Mutex
	status int
	body   string
	bodies []map[string]any
	hdrs   []http.Header
}

func (f *fakeAirtel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/auth/oauth2/token" {
		_, _ = io.WriteString(w, `{"access_token":"tok","expires_in":"180","token_type":"bearer"}`)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var m map[string]any
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	_ = dec.Decode(&m)
	f.bodies = append(f.bodies, m)
	f.hdrs = append(f.hdrs, r.Header.Clone())
	w.WriteHeader(f.status)
	_, _ = io.WriteString(w, f.body)
}

func newAdapter(t *testing.T, f *fakeAirtel) *airtel.Adapter {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	a, err := airtel.New(airtel.Config{BaseURL: srv.URL, ClientID: "c", ClientSecret: "s", EncryptedPIN: "PIN==",
		Markets: []airtel.Market{{Country: "UG", Currency: "UGX", DialCode: "256"}, {Country: "ZM", Currency: "ZMW", DialCode: "260"}}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestSubmitSendsTheV2Body(t *testing.T) {
	f := &fakeAirtel{status: 200, body: `{"data":{"transaction":{"reference_id":"1","airtel_money_id":"AM1","id":"r1","status":"TS"}},
"status":{"response_code":"DP00900001001","code":"200","success":true,"result_code":"ESB000010","message":"SUCCESS"}}`}
	a := newAdapter(t, f)
	req := payout.Request{Reference: "r1", TransferID: "tr-0001", MSISDN: "260971234567", Country: "ZM", Amount: money.MustParse("1234.50", "ZMW")}
	res, err := a.Submit(context.Background(), req)
	if err != nil || res.State != payout.StateSucceeded || res.PartnerReference != "AM1" {
		t.Fatalf("Submit = %+v, %v; want succeeded with AM1", res, err)
	}
	b, h := f.bodies[0], f.hdrs[0]
	payee := b["payee"].(map[string]any)
	tx := b["transaction"].(map[string]any)
	if payee["msisdn"] != "971234567" || payee["wallet_type"] != "NORMAL" || b["pin"] != "PIN==" || b["reference"] != "tr-0001" ||
		tx["amount"] != json.Number("1234.5") || tx["id"] != "r1" || tx["type"] != "B2C" {
		t.Errorf("body = %v", b)
	}
	if h.Get("X-Country") != "ZM" || h.Get("X-Currency") != "ZMW" || h.Get("Authorization") != "Bearer tok" {
		t.Errorf("headers = %v", h)
	}
}

func TestSubmitAnswers(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		body        string
		state       payout.State
		err         error
		notSent     bool
		retryable   bool
		wantSubmits int
	}{
		{"ambiguous", 200, `{"status":{"response_code":"DP00900001000","success":false}}`, payout.StatePending, nil, false, false, 1},
		{"timed out", 200, `{"data":{"transaction":{"status":"TA"}},"status":{"response_code":"DP00900001014"}}`, payout.StatePending, nil, false, false, 1},
		{"insufficient funds", 200, `{"data":{"transaction":{"status":"TF"}},"status":{"response_code":"DP00900001007"}}`, payout.StateFailed, nil, false, true, 1},
		{"refused", 200, `{"data":{"transaction":{"status":"TF"}},"status":{"response_code":"DP00900001013"}}`, payout.StateFailed, nil, false, false, 1},
		{"undecidable", 200, `{"status":{"response_code":"DP99999","success":false}}`, payout.StateUnknown, payout.ErrUnavailable, false, false, 1},
		{"server error", 500, `{"status":{"code":"500"}}`, payout.StateUnknown, payout.ErrUnavailable, false, false, 1},
		{"throttled", 429, `{}`, payout.StateUnknown, payout.ErrUnavailable, true, false, 1},
		{"bad request", 400, `{"status":{"response_code":"DP00900001012","message":"Invalid mobile number"}}`, "", payout.ErrInvalidRequest, false, false, 1},
		{"not json", 200, `<html>`, payout.StateUnknown, payout.ErrUnavailable, false, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeAirtel{status: tt.status, body: tt.body}
			a := newAdapter(t, f)
			res, err := a.Submit(context.Background(), payout.Request{Reference: "r", MSISDN: "256751234567", Country: "UG",
				Amount: money.MustParse("1000", "UGX")})
			if tt.err == nil && err != nil || tt.err != nil && !errors.Is(err, tt.err) {
				t.Fatalf("Submit error = %v, want %v", err, tt.err)
			}
			if res.State != tt.state || res.Retryable != tt.retryable {
				t.Errorf("Submit = %+v, want state %q retryable %v", res, tt.state, tt.retryable)
			}
			if partnerkit.IsNotSent(err) != tt.notSent {
				t.Errorf("not sent = %v, want %v (%v)", partnerkit.IsNotSent(err), tt.notSent, err)
			}
			if len(f.bodies) != tt.wantSubmits {
				t.Errorf("partner got %d requests, want %d", len(f.bodies), tt.wantSubmits)
			}
		})
	}
}

func TestSubmitRefusesOutsideMarkets(t *testing.T) {
	f := &fakeAirtel{status: 200}
	a := newAdapter(t, f)
	for name, req := range map[string]payout.Request{
		"unknown country":   {Reference: "a", MSISDN: "254751234567", Country: "KE", Amount: money.MustParse("10", "KES")},
		"currency mismatch": {Reference: "b", MSISDN: "256751234567", Country: "UG", Amount: money.MustParse("10", "ZMW")},
		"national too long": {Reference: "c", MSISDN: "25675123456789", Country: "UG", Amount: money.MustParse("10", "UGX")},
		"fraction of UGX":   {Reference: "d", MSISDN: "256751234567", Country: "UG", Amount: money.MustParse("10.5", "UGX")},
	} {
		if _, err := a.Submit(context.Background(), req); !errors.Is(err, payout.ErrInvalidRequest) {
			t.Errorf("Submit(%s) error = %v, want ErrInvalidRequest", name, err)
		}
	}
	if len(f.bodies) != 0 {
		t.Errorf("refused requests reached the partner %d times", len(f.bodies))
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	good := airtel.Config{BaseURL: "http://x", ClientID: "c", ClientSecret: "s", EncryptedPIN: "p",
		Markets: []airtel.Market{{Country: "UG", Currency: "UGX", DialCode: "256"}}}
	for name, mutate := range map[string]func(*airtel.Config){
		"no base URL": func(c *airtel.Config) { c.BaseURL = "" },
		"no secret":   func(c *airtel.Config) { c.ClientSecret = "" },
		"no PIN":      func(c *airtel.Config) { c.EncryptedPIN = "" },
		"no markets":  func(c *airtel.Config) { c.Markets = nil },
	} {
		cfg := good
		mutate(&cfg)
		if _, err := airtel.New(cfg); err == nil || !strings.HasPrefix(err.Error(), "airtel: config") {
			t.Errorf("New(%s) error = %v, want a config error", name, err)
		}
	}
}

func TestLongReferenceIsCutOnCharacterBoundary(t *testing.T) {
	f := &fakeAirtel{status: 200, body: `{"status":{"response_code":"DP00900001006"}}`}
	a := newAdapter(t, f)
	transfer := strings.Repeat("é", 40) // 80 bytes
	if _, err := a.Submit(context.Background(), payout.Request{Reference: "r", TransferID: transfer, MSISDN: "256751234567",
		Country: "UG", Amount: money.MustParse("1000", "UGX")}); err != nil {
		t.Fatal(err)
	}
	ref := f.bodies[0]["reference"].(string)
	if len(ref) > 64 || !utf8.ValidString(ref) || !strings.HasPrefix(transfer, ref) {
		t.Errorf("reference = %q (%d bytes), want a valid prefix of at most 64 bytes", ref, len(ref))
	}
}
