package partnersim_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/remitflow/remitflow/adapters/payout/partnersim"
	"github.com/remitflow/remitflow/domain/payout"
)

var (
	keyOnce sync.Once
	key     *rsa.PrivateKey
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func start(t *testing.T, mutate func(*partnersim.Config)) (*partnersim.Server, string, *fakeClock) {
	t.Helper()
	keyOnce.Do(func() {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	clk := &fakeClock{t: time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)}
	cfg := partnersim.DefaultConfig()
	cfg.MPesa.Key = key
	cfg.Now = clk.Now
	if mutate != nil {
		mutate(&cfg)
	}
	sim, err := partnersim.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { sim.Close(); srv.Close() })
	return sim, srv.URL, clk
}

type call struct {
	method, path string
	header       map[string]string
	body         string
	user, pass   string
}

func do(t *testing.T, base string, c call) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	if c.user != "" {
		req.SetBasicAuth(c.user, c.pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s %s: body %q is not a JSON object: %v", c.method, c.path, raw, err)
		}
	}
	return resp.StatusCode, m
}

func momoToken(t *testing.T, sim *partnersim.Server, base string) string {
	t.Helper()
	c := sim.Config().MoMo
	code, body := do(t, base, call{method: "POST", path: "/disbursement/token/", user: c.APIUser, pass: c.APIKey,
		header: map[string]string{"Ocp-Apim-Subscription-Key": c.SubscriptionKey}})
	if code != 200 || body["access_token"] == "" {
		t.Fatalf("MoMo token = %d %v", code, body)
	}
	return body["access_token"].(string)
}

func TestMoMoHeadersAndErrorShapes(t *testing.T) {
	sim, base, clk := start(t, func(c *partnersim.Config) { c.TokenTTL = time.Minute; c.MoMo.LatePolls = 2 })
	c := sim.Config().MoMo
	code, body := do(t, base, call{method: "POST", path: "/disbursement/token/", user: c.APIUser, pass: c.APIKey})
	if code != 401 || body["statusCode"] != float64(401) {
		t.Errorf("token without subscription key = %d %v, want 401 {statusCode,message}", code, body)
	}
	code, body = do(t, base, call{method: "POST", path: "/disbursement/token/", user: c.APIUser, pass: "wrong",
		header: map[string]string{"Ocp-Apim-Subscription-Key": c.SubscriptionKey}})
	if code != 401 || body["error"] != "login_failed" {
		t.Errorf("token with a bad API key = %d %v, want 401 login_failed", code, body)
	}
	tok := momoToken(t, sim, base)
	hdr := func(ref, env string) map[string]string {
		return map[string]string{"Authorization": "Bearer " + tok, "X-Reference-Id": ref, "X-Target-Environment": env,
			"Ocp-Apim-Subscription-Key": c.SubscriptionKey, "Content-Type": "application/json"}
	}
	const ref = "5c1e6f2a-3b7d-4c8e-9f01-23456789abcd"
	transfer := `{"amount":"10.00","currency":"EUR","externalId":"t1","payee":{"partyIdType":"MSISDN","partyId":"46733123454"},"payerMessage":"m","payeeNote":"n"}`
	tests := []struct {
		name string
		c    call
		code int
		want string
	}{
		{"wrong environment", call{method: "POST", path: "/disbursement/v1_0/transfer", header: hdr(ref, "mtnuganda"), body: transfer}, 403, "NOT_ALLOWED_TARGET_ENVIRONMENT"},
		{"reference not a UUID", call{method: "POST", path: "/disbursement/v1_0/transfer", header: hdr("ref-1", "sandbox"), body: transfer}, 400, "INVALID_REFERENCE_ID"},
		{"bad currency", call{method: "POST", path: "/disbursement/v1_0/transfer", header: hdr(ref, "sandbox"), body: strings.Replace(transfer, "EUR", "KES", 1)}, 400, "INVALID_CURRENCY"},
		{"amount not a number", call{method: "POST", path: "/disbursement/v1_0/transfer", header: hdr(ref, "sandbox"), body: strings.Replace(transfer, `"10.00"`, `"ten"`, 1)}, 400, "INVALID_AMOUNT"},
		{"accepted", call{method: "POST", path: "/disbursement/v1_0/transfer", header: hdr(ref, "sandbox"), body: transfer}, 202, ""},
		{"duplicate", call{method: "POST", path: "/disbursement/v1_0/transfer", header: hdr(ref, "sandbox"), body: transfer}, 409, "RESOURCE_ALREADY_EXIST"},
		{"unknown transfer", call{method: "GET", path: "/disbursement/v1_0/transfer/0c1e6f2a-3b7d-4c8e-9f01-23456789abcd", header: hdr("", "sandbox")}, 404, "RESOURCE_NOT_FOUND"},
	}
	for _, tt := range tests {
		code, body := do(t, base, tt.c)
		if code != tt.code || (tt.want != "" && body["code"] != tt.want) {
			t.Errorf("%s: %d %v, want %d %s", tt.name, code, body, tt.code, tt.want)
		}
	}
	// 46733123454 succeeds only after LatePolls polls; it is paid once.
	var states []string
	for i := 0; i < 4; i++ {
		_, body := do(t, base, call{method: "GET", path: "/disbursement/v1_0/transfer/" + ref, header: hdr("", "sandbox")})
		states = append(states, body["status"].(string))
	}
	if strings.Join(states, ",") != "PENDING,PENDING,SUCCESSFUL,SUCCESSFUL" {
		t.Errorf("late success polls = %v", states)
	}
	if n := len(sim.PaymentsFor(payout.MoMo, ref)); n != 1 {
		t.Errorf("late success paid %d times, want 1", n)
	}
	// Tokens expire on the simulator's clock.
	clk.Advance(61 * time.Second)
	code, _ = do(t, base, call{method: "GET", path: "/disbursement/v1_0/transfer/" + ref, header: hdr("", "sandbox")})
	if code != 401 {
		t.Errorf("GET with an expired token = %d, want 401", code)
	}
	code, body = do(t, base, call{method: "GET", path: "/disbursement/v1_0/accountholder/msisdn/46733123459/active",
		header: map[string]string{"Authorization": "Bearer " + momoToken(t, sim, base), "X-Target-Environment": "sandbox", "Ocp-Apim-Subscription-Key": c.SubscriptionKey}})
	if code != 200 || body["result"] != false {
		t.Errorf("inactive account holder = %d %v, want result false", code, body)
	}
}

func TestMPesaErrorsAndDuplicates(t *testing.T) {
	sim, base, _ := start(t, nil)
	c := sim.Config().MPesa
	code, body := do(t, base, call{method: "GET", path: "/oauth/v1/generate?grant_type=password", user: c.ConsumerKey, pass: c.ConsumerSecret})
	if code != 400 || body["errorCode"] != "400.008.02" {
		t.Errorf("bad grant type = %d %v", code, body)
	}
	code, body = do(t, base, call{method: "GET", path: "/oauth/v1/generate?grant_type=client_credentials", user: c.ConsumerKey, pass: c.ConsumerSecret})
	if code != 200 || body["expires_in"] != "3600" {
		t.Fatalf("token = %d %v, want expires_in \"3600\"", code, body)
	}
	auth := map[string]string{"Authorization": "Bearer " + body["access_token"].(string), "Content-Type": "application/json"}
	payment := func(ref, amount string) string {
		return `{"OriginatorConversationID":"` + ref + `","InitiatorName":"testapi","SecurityCredential":"x","CommandID":"BusinessPayment",` +
			`"Amount":` + amount + `,"PartyA":600996,"PartyB":254700000088,"Remarks":"r","QueueTimeOutURL":"https://example.com/t",` +
			`"ResultURL":"https://example.com/r","Occassion":"o"}`
	}
	tests := []struct {
		name  string
		c     call
		code  int
		error string
	}{
		{"no token", call{method: "POST", path: "/mpesa/b2c/v3/paymentrequest", body: payment("a", "10")}, 401, "404.001.03"},
		{"fractional amount", call{method: "POST", path: "/mpesa/b2c/v3/paymentrequest", header: auth, body: payment("a", "10.5")}, 400, "400.002.02"},
		{"malformed", call{method: "POST", path: "/mpesa/b2c/v3/paymentrequest", header: auth, body: "{"}, 400, "400.002.02"},
		{"accepted", call{method: "POST", path: "/mpesa/b2c/v3/paymentrequest", header: auth, body: payment("a", "10")}, 200, ""},
		{"duplicate", call{method: "POST", path: "/mpesa/b2c/v3/paymentrequest", header: auth, body: payment("a", "10")}, 500, "500.002.1001"},
	}
	for _, tt := range tests {
		code, body := do(t, base, tt.c)
		if code != tt.code || (tt.error != "" && body["errorCode"] != tt.error) {
			t.Errorf("%s: %d %v, want %d %s", tt.name, code, body, tt.code, tt.error)
		}
		if tt.code == 200 && body["ResponseCode"] != "0" {
			t.Errorf("%s: ResponseCode = %v, want \"0\"", tt.name, body["ResponseCode"])
		}
	}
	sim.SetDown(payout.MPesa, true)
	if code, _ := do(t, base, call{method: "POST", path: "/mpesa/b2c/v3/paymentrequest", header: auth, body: payment("b", "10")}); code != 503 {
		t.Errorf("payment while down = %d, want 503", code)
	}
}

func TestAirtelHeadersAndCodes(t *testing.T) {
	sim, base, _ := start(t, nil)
	c := sim.Config().Airtel
	code, body := do(t, base, call{method: "POST", path: "/auth/oauth2/token", body: `{"client_id":"x","client_secret":"y","grant_type":"client_credentials"}`})
	if code != 401 || body["error"] != "invalid_client" {
		t.Errorf("bad client = %d %v", code, body)
	}
	code, body = do(t, base, call{method: "POST", path: "/auth/oauth2/token",
		body: `{"client_id":"` + c.ClientID + `","client_secret":"` + c.ClientSecret + `","grant_type":"client_credentials"}`})
	if code != 200 || body["expires_in"] == nil {
		t.Fatalf("token = %d %v", code, body)
	}
	tok := body["access_token"].(string)
	hdr := map[string]string{"Authorization": "Bearer " + tok, "X-Country": "UG", "X-Currency": "UGX", "Content-Type": "application/json"}
	disb := `{"payee":{"msisdn":"751234007","wallet_type":"NORMAL"},"reference":"tr-1","pin":"` + c.PIN + `","transaction":{"amount":1000,"id":"A1","type":"B2C"}}`
	code, body = do(t, base, call{method: "POST", path: "/standard/v2/disbursements/", header: map[string]string{"Authorization": "Bearer " + tok}, body: disb})
	if code != 400 {
		t.Errorf("missing X-Country = %d %v, want 400", code, body)
	}
	rc := func(m map[string]any) any { return m["status"].(map[string]any)["response_code"] }
	code, body = do(t, base, call{method: "POST", path: "/standard/v2/disbursements/", header: hdr, body: disb})
	if code != 200 || rc(body) != "DP00900001007" {
		t.Errorf("insufficient funds number = %d %v", code, body)
	}
	code, body = do(t, base, call{method: "POST", path: "/standard/v2/disbursements/", header: hdr, body: disb})
	if code != 200 || rc(body) != "DP00900001017" {
		t.Errorf("duplicate id = %d %v, want DP00900001017", code, body)
	}
	code, body = do(t, base, call{method: "GET", path: "/standard/v2/disbursements/NOPE?transactionType=B2C", header: hdr})
	if code != 404 || rc(body) != "DP00900001015" {
		t.Errorf("unknown enquiry = %d %v, want 404 DP00900001015", code, body)
	}
	code, body = do(t, base, call{method: "GET", path: "/standard/v2/disbursements/A1?transactionType=B2C", header: hdr})
	data := body["data"].(map[string]any)["transaction"].(map[string]any)
	if code != 200 || data["status"] != "TF" || rc(body) != "DP00900001007" {
		t.Errorf("enquiry = %d %v, want TF DP00900001007", code, body)
	}
	if n := len(sim.Payments()); n != 0 {
		t.Errorf("failed disbursement made %d payments", n)
	}
}

func TestLedgerEndpoint(t *testing.T) {
	_, base, _ := start(t, nil)
	resp, err := http.Get(base + "/sim/ledger")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got []partnersim.Payment
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != 200 || len(got) != 0 {
		t.Errorf("GET /sim/ledger = %d %v %v, want an empty list", resp.StatusCode, got, err)
	}
}

func TestScenariosStartWithSuccess(t *testing.T) {
	for _, p := range []payout.Provider{payout.MPesa, payout.MoMo, payout.Airtel} {
		sc := partnersim.Scenarios(p)
		if len(sc) < 5 || sc[0].State != payout.StateSucceeded {
			t.Errorf("Scenarios(%s) = %d entries starting with %+v", p, len(sc), sc[0])
		}
		seen := map[string]bool{}
		for _, s := range sc {
			if seen[s.MSISDN] {
				t.Errorf("Scenarios(%s) repeats %s", p, s.MSISDN)
			}
			seen[s.MSISDN] = true
		}
	}
}
