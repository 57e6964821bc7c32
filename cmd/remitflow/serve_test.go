package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/remitflow/remitflow/adapters/httpapi"
	"github.com/remitflow/remitflow/adapters/storeconfig"
	"github.com/remitflow/remitflow/domain/eventstore"
)

// testApp is the real serve wiring on a loopback port with a temporary data
// directory, the in-process partner simulator and the demo data.
type testApp struct {
	t      *testing.T
	url    string
	router routers.Router
	store  eventstore.Store
}

func startApp(t *testing.T) *testApp {
	t.Helper()
	return startAppWith(t, nil)
}

// startAppWith starts the app with the test defaults changed by configure.
func startAppWith(t *testing.T, configure func(*serveConfig)) *testApp {
	t.Helper()
	dir := t.TempDir()
	store := storeconfig.Default()
	store.DataDir = dir
	cfg := serveConfig{Addr: "127.0.0.1:0", Demo: true, ProcessEnabled: true, FXInterval: time.Hour, ReconcileEvery: 200 * time.Millisecond, Store: store}
	if configure != nil {
		configure(&cfg)
	}
	ctx, cancel := context.WithCancel(t.Context())
	a, err := newApp(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(httpapi.OpenAPIDocument)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: a.url}}
	r, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	app := &testApp{t: t, url: a.url, router: r, store: a.store}
	// Ready once read models caught up and the demo data is in (on a replica
	// without the demo seed, once another replica's seed has reached it).
	deadline := time.Now().Add(30 * time.Second)
	for {
		var w struct {
			Available []struct{ Value string } `json:"available"`
		}
		res := app.do(app.token("admin", "ops"), "GET", "/v1/customers/cus_demo_amina/balances", nil, nil, &w)
		if res.StatusCode == 200 && len(w.Available) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("app not ready: balances status %d", res.StatusCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return app
}

func (a *testApp) token(role, subject string) string {
	tok, err := httpapi.IssueToken([]byte(DevJWTKey), subject, httpapi.Role(role), time.Now(), time.Hour)
	if err != nil {
		a.t.Fatal(err)
	}
	return tok
}

// do sends a request, checks the request and the response against the
// OpenAPI document, decodes the body into out and returns the response.
func (a *testApp) do(token, method, path string, headers map[string]string, body any, out any) *http.Response {
	a.t.Helper()
	var raw []byte
	if body != nil {
		if s, ok := body.(string); ok {
			raw = []byte(s)
		} else {
			raw, _ = json.Marshal(body)
		}
	}
	req, _ := http.NewRequestWithContext(a.t.Context(), method, a.url+path, bytes.NewReader(raw))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	route, params, err := a.router.FindRoute(req)
	if err != nil {
		a.t.Fatalf("%s %s is not in openapi.json: %v", method, path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	resBody, _ := io.ReadAll(res.Body)
	if res.StatusCode < 400 {
		req.Body = io.NopCloser(bytes.NewReader(raw))
		if err := openapi3filter.ValidateRequest(a.t.Context(), in); err != nil {
			a.t.Errorf("%s %s request does not match openapi.json: %v", method, path, err)
		}
	}
	if err := openapi3filter.ValidateResponse(a.t.Context(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: res.StatusCode, Header: res.Header, Body: io.NopCloser(bytes.NewReader(resBody)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}); err != nil {
		a.t.Errorf("%s %s response %d does not match openapi.json: %v\n%s", method, path, res.StatusCode, err, resBody)
	}
	if res.StatusCode >= 400 && !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
		a.t.Errorf("%s %s: error %d has content type %q, want application/problem+json", method, path, res.StatusCode, res.Header.Get("Content-Type"))
	}
	if out != nil {
		if err := json.Unmarshal(resBody, out); err != nil {
			a.t.Fatalf("%s %s: decode %s: %v", method, path, resBody, err)
		}
	}
	return res
}

type problem struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

type quoteOut struct {
	ID      string `json:"id"`
	Receive struct{ Value, Currency string }
	Send    struct{ Value, Currency string }
}

type transferOut struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	CaseID  string `json:"case_id"`
	Amounts struct {
		Receive struct{ Value, Currency string } `json:"receive"`
	} `json:"amounts"`
	Refund *struct{ Value, Currency string } `json:"refund"`
}

func (a *testApp) quote(tok, send, receive, amount string) quoteOut {
	a.t.Helper()
	var q quoteOut
	if res := a.do(tok, "POST", "/v1/quotes", nil, map[string]string{"send_currency": send, "receive_currency": receive, "send_amount": amount}, &q); res.StatusCode != 201 {
		a.t.Fatalf("quote %s→%s status %d", send, receive, res.StatusCode)
	}
	return q
}

func (a *testApp) send(tok, key string, body map[string]any) (transferOut, *http.Response) {
	a.t.Helper()
	var raw json.RawMessage
	res := a.do(tok, "POST", "/v1/transfers", map[string]string{"Idempotency-Key": key}, body, &raw)
	var out transferOut
	if res.StatusCode < 300 {
		if err := json.Unmarshal(raw, &out); err != nil {
			a.t.Fatal(err)
		}
	}
	return out, res
}

// waitStatus polls a transfer until it reaches want.
func (a *testApp) waitStatus(tok, id, want string) transferOut {
	a.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last transferOut
	for time.Now().Before(deadline) {
		a.do(tok, "GET", "/v1/transfers/"+id, nil, nil, &last)
		if last.Status == want {
			return last
		}
		time.Sleep(50 * time.Millisecond)
	}
	a.t.Fatalf("transfer %s is %q, want %q", id, last.Status, want)
	return last
}

func TestServeEndToEnd(t *testing.T) {
	app := startApp(t)
	amina := app.token("customer", "cus_demo_amina")
	juan := app.token("customer", "cus_demo_juan")
	staff := app.token("compliance", "alice")
	agentTok := app.token("agent", "agent_demo_manila")

	t.Run("mobile wallet transfer completes through MTN MoMo", func(t *testing.T) {
		q := app.quote(amina, "USD", "UGX", "50")
		if q.Receive.Currency != "UGX" || q.Send.Value == "50.00" {
			t.Fatalf("quote = %+v: want UGX receive and fees on top of 50 USD", q)
		}
		body := map[string]any{"quote_id": q.ID, "purpose": "family support",
			"recipient": map[string]string{"method": "mobile_wallet", "name": "Okello Peter", "msisdn": "+256772123456", "provider": "mtn_momo", "country": "UG"}}
		tr, res := app.send(amina, "ug-1", body)
		if res.StatusCode != 201 {
			t.Fatalf("send status %d", res.StatusCode)
		}
		// Read your writes: a list read after the request's position has it.
		var list struct{ Items []transferOut }
		app.do(amina, "GET", "/v1/transfers?limit=100&after="+res.Header.Get("X-Event-Position"), nil, nil, &list)
		listed := false
		for _, it := range list.Items {
			listed = listed || it.ID == tr.ID
		}
		if !listed || res.Header.Get("X-Event-Position") == "" {
			t.Errorf("GET /v1/transfers?after=%s lacks %s", res.Header.Get("X-Event-Position"), tr.ID)
		}
		var bad problem
		if res := app.do(amina, "GET", "/v1/transfers?after=soon", nil, nil, &bad); res.StatusCode != 400 || bad.Code != "invalid_position" {
			t.Errorf("after=soon = %d %+v, want 400 invalid_position", res.StatusCode, bad)
		}
		done := app.waitStatus(amina, tr.ID, "completed")
		if done.Amounts.Receive.Value != q.Receive.Value {
			t.Errorf("completed receive %s, quoted %s", done.Amounts.Receive.Value, q.Receive.Value)
		}
		// The same key and body give the same transfer again.
		again, res := app.send(amina, "ug-1", body)
		if res.StatusCode != 201 || again.ID != tr.ID || res.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("repeat = %d %s replayed=%q, want 201 %s replayed", res.StatusCode, again.ID, res.Header.Get("Idempotent-Replayed"), tr.ID)
		}
		// The same key with another body is refused.
		other := map[string]any{"quote_id": q.ID, "purpose": "rent", "recipient": body["recipient"]}
		var p problem
		if res := app.do(amina, "POST", "/v1/transfers", map[string]string{"Idempotency-Key": "ug-1"}, other, &p); res.StatusCode != 422 || p.Code != "idempotency_key_reused" {
			t.Errorf("reused key = %d %+v, want 422 idempotency_key_reused", res.StatusCode, p)
		}
		// Another customer cannot see it.
		if res := app.do(juan, "GET", "/v1/transfers/"+tr.ID, nil, nil, &p); res.StatusCode != 404 {
			t.Errorf("other customer's GET = %d, want 404", res.StatusCode)
		}
		var tl struct {
			Events []struct{ Type, Actor string } `json:"events"`
		}
		app.do(amina, "GET", "/v1/transfers/"+tr.ID+"/timeline", nil, nil, &tl)
		if len(tl.Events) < 5 || tl.Events[0].Actor != "customer:cus_demo_amina" {
			t.Errorf("timeline = %+v, want the request by the customer and the process steps", tl.Events)
		}
	})

	t.Run("partner failures: a failed payout is refunded exactly, a pending one stays processing", func(t *testing.T) {
		// MTN MoMo's sandbox numbers: 46733123450 fails (PAYEE_NOT_FOUND),
		// 46733123453 stays PENDING.
		var before struct {
			Available []struct{ Value, Currency string }
		}
		app.do(amina, "GET", "/v1/customers/cus_demo_amina/wallet", nil, nil, &before)
		q := app.quote(amina, "USD", "UGX", "30")
		failed, res := app.send(amina, "momo-fail", map[string]any{"quote_id": q.ID, "purpose": "gift",
			"recipient": map[string]string{"method": "mobile_wallet", "name": "Mugisha Brian", "msisdn": "+46733123450", "provider": "mtn_momo", "country": "UG"}})
		if res.StatusCode != 201 {
			t.Fatalf("send status %d", res.StatusCode)
		}
		refunded := app.waitStatus(amina, failed.ID, "refunded")
		if refunded.Refund == nil || refunded.Refund.Value != q.Send.Value {
			t.Errorf("refund = %+v, want the whole %s charged", refunded.Refund, q.Send.Value)
		}
		var after struct {
			Available []struct{ Value, Currency string }
		}
		app.do(amina, "GET", "/v1/customers/cus_demo_amina/wallet", nil, nil, &after)
		if fmt.Sprint(after.Available) != fmt.Sprint(before.Available) {
			t.Errorf("wallet after the refunded transfer = %v, before %v", after.Available, before.Available)
		}
		q2 := app.quote(amina, "USD", "UGX", "30")
		pending, _ := app.send(amina, "momo-pending", map[string]any{"quote_id": q2.ID, "purpose": "gift",
			"recipient": map[string]string{"method": "mobile_wallet", "name": "Mugisha Brian", "msisdn": "+46733123453", "provider": "mtn_momo", "country": "UG"}})
		app.waitStatus(amina, pending.ID, "processing")
		time.Sleep(time.Second) // several reconcile rounds (every 200 ms here) ask the partner
		var still transferOut
		app.do(amina, "GET", "/v1/transfers/"+pending.ID, nil, nil, &still)
		if still.Status != "processing" {
			t.Errorf("a payout the partner keeps pending is %q, want processing", still.Status)
		}
	})

	t.Run("sanctioned recipient is held, then released by compliance", func(t *testing.T) {
		q := app.quote(juan, "GBP", "KES", "40")
		tr, res := app.send(juan, "held-1", map[string]any{"quote_id": q.ID, "purpose": "gift",
			"recipient": map[string]string{"method": "mobile_wallet", "name": "Hasan Nasrallah", "msisdn": "+254708374149", "provider": "mpesa", "country": "KE"}})
		if res.StatusCode != 201 {
			t.Fatalf("send status %d", res.StatusCode)
		}
		app.waitStatus(juan, tr.ID, "held")
		var held struct {
			Items []struct {
				TransferID string `json:"transfer_id"`
			} `json:"items"`
		}
		app.do(staff, "GET", "/v1/compliance/held", nil, nil, &held)
		found := false
		for _, h := range held.Items {
			found = found || h.TransferID == tr.ID
		}
		if !found {
			t.Errorf("held queue %+v lacks %s", held.Items, tr.ID)
		}
		var p problem
		if res := app.do(staff, "POST", "/v1/compliance/transfers/"+tr.ID+"/release", nil, map[string]string{}, &p); res.StatusCode != 400 || p.Code != "reason_required" {
			t.Errorf("release without reason = %d %+v", res.StatusCode, p)
		}
		if res := app.do(juan, "POST", "/v1/compliance/transfers/"+tr.ID+"/release", nil, map[string]string{"reason": "me"}, &p); res.StatusCode != 403 {
			t.Errorf("customer releasing = %d, want 403", res.StatusCode)
		}
		var released transferOut
		if res := app.do(staff, "POST", "/v1/compliance/transfers/"+tr.ID+"/release", nil,
			map[string]string{"reason": "different person: date of birth 1991, Nairobi resident"}, &released); res.StatusCode != 200 {
			t.Fatalf("release status %d", res.StatusCode)
		}
		// The KES corridor quotes whole shillings, which M-Pesa pays.
		paid := app.waitStatus(juan, tr.ID, "completed")
		if !strings.HasSuffix(paid.Amounts.Receive.Value, ".00") {
			t.Errorf("KES receive %s is not whole shillings", paid.Amounts.Receive.Value)
		}
		app.do(staff, "GET", "/v1/compliance/held", nil, nil, &held)
		for _, h := range held.Items {
			if h.TransferID == tr.ID {
				t.Errorf("released transfer %s is still in the held queue", tr.ID)
			}
		}
		var hist struct {
			Chain  struct{ Intact bool } `json:"chain"`
			Events []struct{ Type, Actor string }
		}
		app.do(staff, "GET", "/v1/compliance/streams/transfer-"+tr.ID, nil, nil, &hist)
		actors := fmt.Sprint(hist.Events)
		if !hist.Chain.Intact || !strings.Contains(actors, "staff:alice") {
			t.Errorf("history chain=%v events=%s: want an intact chain with alice's decision", hist.Chain.Intact, actors)
		}
	})

	t.Run("fixed-receive quotes deliver exactly what was asked", func(t *testing.T) {
		var q struct {
			Mode    string
			Receive struct{ Value, Currency string }
			Send    struct{ Value, Currency string }
		}
		if res := app.do(amina, "POST", "/v1/quotes", nil, map[string]string{"send_currency": "USD", "receive_currency": "KES", "receive_amount": "10000"}, &q); res.StatusCode != 201 {
			t.Fatalf("fixed-receive quote status %d", res.StatusCode)
		}
		if q.Mode != "fixed_receive" || q.Receive.Value != "10000.00" || q.Send.Currency != "USD" {
			t.Errorf("fixed-receive quote = %+v", q)
		}
		var p problem
		if res := app.do(amina, "POST", "/v1/quotes", nil, map[string]string{"send_currency": "USD", "receive_currency": "KES", "receive_amount": "10000.50"}, &p); res.StatusCode != 400 {
			t.Errorf("half a shilling = %d %+v, want 400 (M-Pesa pays whole shillings)", res.StatusCode, p)
		}
		if res := app.do(amina, "POST", "/v1/quotes", nil, map[string]string{"send_currency": "USD", "receive_currency": "KES", "send_amount": "10", "receive_amount": "1000"}, &p); res.StatusCode != 400 {
			t.Errorf("both amounts = %d, want 400", res.StatusCode)
		}
	})

	t.Run("cancel before payout; not after", func(t *testing.T) {
		q := app.quote(juan, "GBP", "KES", "25")
		held, res := app.send(juan, "cancel-1", map[string]any{"quote_id": q.ID, "purpose": "gift",
			"recipient": map[string]string{"method": "mobile_wallet", "name": "Hasan Nasrallah", "msisdn": "+254708374149", "provider": "mpesa", "country": "KE"}})
		if res.StatusCode != 201 {
			t.Fatalf("send status %d", res.StatusCode)
		}
		app.waitStatus(juan, held.ID, "held")
		var p problem
		if res := app.do(amina, "POST", "/v1/transfers/"+held.ID+"/cancel", nil, map[string]string{"reason": "not mine"}, &p); res.StatusCode != 404 {
			t.Errorf("another customer's cancel = %d, want 404", res.StatusCode)
		}
		var cancelled transferOut
		if res := app.do(juan, "POST", "/v1/transfers/"+held.ID+"/cancel", nil, map[string]string{"reason": "changed my mind"}, &cancelled); res.StatusCode != 200 || cancelled.Status != "cancelled" {
			t.Errorf("cancel = %d %q, want 200 cancelled", res.StatusCode, cancelled.Status)
		}
		// A completed transfer cannot be cancelled.
		q2 := app.quote(juan, "GBP", "KES", "25")
		paid, _ := app.send(juan, "cancel-2", map[string]any{"quote_id": q2.ID, "purpose": "gift",
			"recipient": map[string]string{"method": "mobile_wallet", "name": "Wanjiru Kamau", "msisdn": "+254708374149", "provider": "mpesa", "country": "KE"}})
		app.waitStatus(juan, paid.ID, "completed")
		if res := app.do(juan, "POST", "/v1/transfers/"+paid.ID+"/cancel", nil, map[string]string{"reason": "too late"}, &p); res.StatusCode != 409 {
			t.Errorf("cancel after payout = %d %+v, want 409", res.StatusCode, p)
		}
	})

	t.Run("cash pickup paid by an agent after an identity check", func(t *testing.T) {
		q := app.quote(juan, "EUR", "PHP", "120")
		tr, _ := app.send(juan, "pickup-1", map[string]any{"quote_id": q.ID, "purpose": "tuition",
			"recipient": map[string]string{"method": "cash_pickup", "name": "Maria Santos", "country": "PH"}})
		app.waitStatus(juan, tr.ID, "processing")
		var code struct{ Code string }
		deadline := time.Now().Add(10 * time.Second)
		for code.Code == "" && time.Now().Before(deadline) {
			if res := app.do(juan, "GET", "/v1/transfers/"+tr.ID+"/pickup-code", nil, nil, nil); res.StatusCode == 200 {
				app.do(juan, "GET", "/v1/transfers/"+tr.ID+"/pickup-code", nil, nil, &code)
			}
			time.Sleep(50 * time.Millisecond)
		}
		var p problem
		if res := app.do(agentTok, "POST", "/v1/pickups/"+tr.ID+"/lookup", nil, map[string]string{"code": "0000000000"}, &p); res.StatusCode != 422 {
			t.Errorf("wrong code lookup = %d %+v, want 422", res.StatusCode, p)
		}
		if res := app.do(agentTok, "POST", "/v1/pickups/"+tr.ID+"/lookup", nil, map[string]string{"code": code.Code}, nil); res.StatusCode != 200 {
			t.Fatalf("lookup status %d", res.StatusCode)
		}
		if res := app.do(agentTok, "POST", "/v1/pickups/"+tr.ID+"/pay", nil, map[string]string{"code": code.Code}, &p); res.StatusCode != 400 || p.Code != "identity_required" {
			t.Errorf("pay without ID = %d %+v", res.StatusCode, p)
		}
		if res := app.do(agentTok, "POST", "/v1/pickups/"+tr.ID+"/pay", nil, map[string]string{"code": code.Code, "id_type": "passport", "id_number": "P7654321"}, nil); res.StatusCode != 200 {
			t.Fatalf("pay status %d", res.StatusCode)
		}
		app.waitStatus(juan, tr.ID, "completed")
		var ag struct {
			Payouts int `json:"payouts"`
		}
		app.do(agentTok, "GET", "/v1/agents/agent_demo_manila", nil, nil, &ag)
		if ag.Payouts < 1 {
			t.Errorf("agent payouts = %d", ag.Payouts)
		}
	})

	t.Run("bad input is refused with problem details and changes nothing", func(t *testing.T) {
		var p problem
		cases := []struct {
			tok, method, path string
			body              any
			status            int
			code              string
		}{
			{"", "GET", "/v1/corridors", nil, 401, "unauthorized"},
			{"not-a-token", "GET", "/v1/corridors", nil, 401, "invalid_token"},
			{amina, "POST", "/v1/customers", map[string]any{"name": "X", "phone": "+12025550100", "country": "US"}, 403, "forbidden"},
			{amina, "POST", "/v1/quotes", `{"send_currency":"USD",`, 400, "invalid_json"},
			{amina, "POST", "/v1/quotes", map[string]string{"send_currency": "USD", "receive_currency": "KES", "send_amount": "12", "bogus": "x"}, 400, "invalid_json"},
			{amina, "POST", "/v1/quotes", map[string]string{"send_currency": "XYZ", "receive_currency": "KES", "send_amount": "12"}, 400, "unknown_currency"},
			{amina, "POST", "/v1/quotes", map[string]string{"send_currency": "USD", "receive_currency": "KES", "send_amount": "1e3"}, 400, "invalid_amount"},
			{amina, "POST", "/v1/quotes", map[string]string{"send_currency": "USD", "receive_currency": "KES", "send_amount": "NaN"}, 400, "invalid_amount"},
			{amina, "POST", "/v1/quotes", map[string]string{"send_currency": "USD", "receive_currency": "JPY", "send_amount": "10"}, 422, "corridor_not_supported"},
			{amina, "POST", "/v1/quotes", map[string]string{"send_currency": "USD", "receive_currency": "KES", "send_amount": "999999"}, 422, "amount_out_of_range"},
			{amina, "POST", "/v1/quotes", map[string]string{"send_currency": "USD", "receive_currency": "KES"}, 400, "invalid_quote_request"},
			{amina, "GET", "/v1/transfers/does-not-exist", nil, 404, "transfer.not_found"},
			{amina, "GET", "/v1/customers/cus_demo_juan", nil, 404, "not_found"},
			{staff, "GET", "/v1/compliance/streams/$all", nil, 400, "invalid_stream"},
			{app.token("customer", "cus_nobody"), "POST", "/v1/quotes", map[string]string{"send_currency": "USD", "receive_currency": "KES", "send_amount": "12"}, 404, "not_found"},
			{staff, "GET", "/v1/customers/cus_nobody/balances", nil, 404, "not_found"},
			{staff, "GET", "/v1/compliance/export", nil, 400, "scope_required"},
			{staff, "GET", "/v1/compliance/customers/cus_demo_amina/history?as_of=yesterday", nil, 400, "invalid_time"},
		}
		for _, c := range cases {
			p = problem{}
			res := app.do(c.tok, c.method, c.path, nil, c.body, &p)
			if res.StatusCode != c.status || p.Code != c.code {
				t.Errorf("%s %s = %d %q (%s), want %d %q", c.method, c.path, res.StatusCode, p.Code, p.Detail, c.status, c.code)
			}
		}
		// A transfer without an idempotency key is refused.
		q := app.quote(amina, "USD", "KES", "20")
		if res := app.do(amina, "POST", "/v1/transfers", nil, map[string]any{"quote_id": q.ID, "purpose": "x",
			"recipient": map[string]string{"method": "mobile_wallet", "name": "A B", "msisdn": "+254708374149", "provider": "mpesa", "country": "KE"}}, &p); res.StatusCode != 400 || p.Code != "idempotency_key_required" {
			t.Errorf("transfer without key = %d %+v", res.StatusCode, p)
		}
		// A quote is the customer's own.
		if res := app.do(juan, "POST", "/v1/transfers", map[string]string{"Idempotency-Key": "steal"}, map[string]any{"quote_id": q.ID, "purpose": "x",
			"recipient": map[string]string{"method": "mobile_wallet", "name": "A B", "msisdn": "+254708374149", "provider": "mpesa", "country": "KE"}}, &p); res.StatusCode < 400 {
			t.Errorf("using another customer's quote = %d", res.StatusCode)
		}
	})

	t.Run("registration screens the customer; tier limits refuse at the door", func(t *testing.T) {
		admin := app.token("admin", "ops")
		var c struct {
			ID        string
			Screening *struct {
				ListVersion string `json:"list_version"`
				Hits        int
				CaseID      string `json:"case_id"`
			}
		}
		if res := app.do(admin, "POST", "/v1/customers", nil, map[string]any{"customer_id": "cus_flagged", "name": "Hasan Nasrallah",
			"phone": "+12025550188", "country": "US", "tier": 0}, &c); res.StatusCode != 201 {
			t.Fatalf("register status %d", res.StatusCode)
		}
		if c.Screening == nil || c.Screening.Hits == 0 || c.Screening.CaseID == "" || c.Screening.ListVersion == "" {
			t.Errorf("registration screening = %+v, want a hit with a case", c.Screening)
		}
		var clean struct {
			Screening *struct{ Hits int }
		}
		app.do(admin, "POST", "/v1/customers", nil, map[string]any{"customer_id": "cus_clean", "name": "Grace Wanjiku",
			"phone": "+12025550199", "country": "US", "tier": 0}, &clean)
		if clean.Screening == nil || clean.Screening.Hits != 0 {
			t.Errorf("clean registration screening = %+v, want no hits", clean.Screening)
		}
		var p problem
		if res := app.do(admin, "POST", "/v1/customers", nil, map[string]any{"customer_id": "cus_bad", "name": "X Y",
			"phone": "0712", "country": "US"}, &p); res.StatusCode != 422 {
			t.Errorf("bad phone = %d %+v, want 422", res.StatusCode, p)
		}
		// Amina is tier 1: at most 1,000 USD in one transfer.
		q := app.quote(amina, "USD", "KES", "1500")
		recipient := map[string]string{"method": "mobile_wallet", "name": "Wanjiru Kamau", "msisdn": "+254708374149", "provider": "mpesa", "country": "KE"}
		if res := app.do(amina, "POST", "/v1/transfers", map[string]string{"Idempotency-Key": "too-big"},
			map[string]any{"quote_id": q.ID, "purpose": "car", "recipient": recipient}, &p); res.StatusCode != 422 || !strings.Contains(p.Code, "limit") {
			t.Errorf("over-limit transfer = %d %+v, want 422 with a limit code", res.StatusCode, p)
		}
		var list struct{ Items []transferOut }
		app.do(amina, "GET", "/v1/transfers?limit=100", nil, nil, &list)
		for _, it := range list.Items {
			if it.Amounts.Receive.Value == q.Receive.Value {
				t.Errorf("refused transfer was recorded: %+v", it)
			}
		}
	})

	t.Run("send now, pay later; block, tier and erasure", func(t *testing.T) {
		admin := app.token("admin", "ops")
		id := "cus_credit"
		if res := app.do(admin, "POST", "/v1/customers", nil, map[string]any{"customer_id": id, "name": "Fatuma Hassan Ali",
			"phone": "+12025550177", "country": "US", "tier": 1}, nil); res.StatusCode != 201 {
			t.Fatalf("register status %d", res.StatusCode)
		}
		app.do(admin, "POST", "/v1/customers/"+id+"/funds", nil, map[string]any{"amount": map[string]string{"value": "20", "currency": "USD"}, "funding_ref": "card-1"}, nil)
		type walletOut struct {
			Available    []struct{ Value, Currency string }
			CreditLimit  *struct{ Value string } `json:"credit_limit"`
			CreditDrawn  *struct{ Value string } `json:"credit_drawn"`
			Installments []struct {
				Outstanding struct{ Value string }
			}
		}
		var w walletOut
		if res := app.do(admin, "POST", "/v1/customers/"+id+"/credit-line", nil, map[string]any{"limit": map[string]string{"value": "200", "currency": "USD"}}, &w); res.StatusCode != 200 || w.CreditLimit == nil {
			t.Fatalf("credit line = %d %+v", res.StatusCode, w)
		}
		tok := app.token("customer", id)
		q := app.quote(tok, "USD", "UGX", "100")
		creditBody := map[string]any{"quote_id": q.ID, "purpose": "school fees",
			"recipient": map[string]string{"method": "mobile_wallet", "name": "Nakato Sarah", "msisdn": "+256772000111", "provider": "mtn_momo", "country": "UG"}}
		tr, res := app.send(tok, "credit-1", creditBody)
		if res.StatusCode != 201 {
			t.Fatalf("send status %d", res.StatusCode)
		}
		app.waitStatus(tok, tr.ID, "completed")
		app.do(tok, "GET", "/v1/customers/"+id+"/wallet", nil, nil, &w)
		if w.CreditDrawn == nil || w.CreditDrawn.Value == "0.00" || w.CreditDrawn.Value == "" {
			t.Fatalf("credit drawn = %+v, want the shortfall drawn from credit", w.CreditDrawn)
		}
		drawn := w.CreditDrawn.Value
		due := []string{time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339), time.Now().Add(60 * 24 * time.Hour).UTC().Format(time.RFC3339)}
		if res := app.do(admin, "POST", "/v1/customers/"+id+"/credit/plan", nil, map[string]any{"due_dates": due}, &w); res.StatusCode != 200 || len(w.Installments) != 2 {
			t.Errorf("plan = %d, %d installments", res.StatusCode, len(w.Installments))
		}
		var p problem
		if res := app.do(admin, "POST", "/v1/customers/"+id+"/credit/repay", nil, map[string]any{"amount": map[string]string{"value": "10", "currency": "USD"}, "source": "bank"}, &p); res.StatusCode != 400 {
			t.Errorf("repay from unknown source = %d", res.StatusCode)
		}
		if res := app.do(admin, "POST", "/v1/customers/"+id+"/credit/repay", nil, map[string]any{"amount": map[string]string{"value": "10", "currency": "USD"}, "source": "external", "funding_ref": "bank-77"}, &w); res.StatusCode != 200 || w.CreditDrawn.Value == drawn {
			t.Errorf("repay = %d, drawn %s (was %s)", res.StatusCode, w.CreditDrawn.Value, drawn)
		}
		// Blocked customers cannot send; unblocked they can.
		staffTok := app.token("compliance", "bob")
		if res := app.do(staffTok, "POST", "/v1/customers/"+id+"/block", nil, map[string]string{}, &p); res.StatusCode != 400 {
			t.Errorf("block without reason = %d", res.StatusCode)
		}
		app.do(staffTok, "POST", "/v1/customers/"+id+"/block", nil, map[string]string{"reason": "suspected account takeover"}, nil)
		q2 := app.quote(tok, "USD", "UGX", "5")
		body := map[string]any{"quote_id": q2.ID, "purpose": "x",
			"recipient": map[string]string{"method": "mobile_wallet", "name": "Nakato Sarah", "msisdn": "+256772000111", "provider": "mtn_momo", "country": "UG"}}
		if _, res := app.send(tok, "blocked-1", body); res.StatusCode != 422 {
			t.Errorf("blocked customer's transfer = %d, want 422", res.StatusCode)
		}
		app.do(staffTok, "POST", "/v1/customers/"+id+"/unblock", nil, map[string]string{"reason": "customer verified by phone"}, nil)
		unblocked, res := app.send(tok, "unblocked-1", body)
		if res.StatusCode != 201 {
			t.Fatalf("unblocked customer's transfer = %d, want 201", res.StatusCode)
		}
		app.waitStatus(tok, unblocked.ID, "completed")
		var cust struct {
			Tier      int
			Name      string
			Forgotten bool
		}
		if res := app.do(staffTok, "POST", "/v1/customers/"+id+"/tier", nil, map[string]any{"tier": 7, "reason": "x"}, &p); res.StatusCode != 422 {
			t.Errorf("tier 7 = %d, want 422", res.StatusCode)
		}
		app.do(staffTok, "POST", "/v1/customers/"+id+"/tier", nil, map[string]any{"tier": 2, "reason": "enhanced due diligence passed"}, &cust)
		if cust.Tier != 2 || cust.Name != "Fatuma Hassan Ali" {
			t.Errorf("after tier change: %+v", cust)
		}
		// Erasure waits until no transfer is in flight.
		q3 := app.quote(tok, "USD", "UGX", "5")
		held, _ := app.send(tok, "held-credit", map[string]any{"quote_id": q3.ID, "purpose": "x",
			"recipient": map[string]string{"method": "mobile_wallet", "name": "Hasan Nasrallah", "msisdn": "+256772000111", "provider": "mtn_momo", "country": "UG"}})
		app.waitStatus(tok, held.ID, "held")
		if res := app.do(admin, "POST", "/v1/customers/"+id+"/erase", nil, nil, &p); res.StatusCode != 409 || p.Code != "transfers_in_flight" {
			t.Errorf("erasure with a held transfer = %d %+v, want 409 transfers_in_flight", res.StatusCode, p)
		}
		app.do(staffTok, "POST", "/v1/compliance/transfers/"+held.ID+"/reject", nil, map[string]string{"reason": "confirmed match"}, nil)
		// Erasure forgets the person; the history and its hash chains stay intact.
		cust.Name, cust.Forgotten = "", false
		app.do(admin, "POST", "/v1/customers/"+id+"/erase", nil, nil, &cust)
		if !cust.Forgotten || cust.Name != "" {
			t.Errorf("after erasure: %+v", cust)
		}
		// The stored first response to an idempotency key was sealed with the
		// customer's key: it is gone too.
		if _, res := app.send(tok, "credit-1", creditBody); res.StatusCode != 410 {
			t.Errorf("replay after erasure = %d, want 410", res.StatusCode)
		}
		var v struct{ Intact bool }
		app.do(staffTok, "GET", "/v1/compliance/verify?stream=customer-"+id, nil, nil, &v)
		if !v.Intact {
			t.Error("erasure broke the customer's hash chain")
		}
	})

	t.Run("compliance verifies, replays and exports history", func(t *testing.T) {
		var v struct {
			Intact  bool
			Streams int
			Events  int
		}
		app.do(staff, "GET", "/v1/compliance/verify", nil, nil, &v)
		if !v.Intact || v.Streams < 5 || v.Events < 20 {
			t.Errorf("verify = %+v", v)
		}
		var h struct {
			Events   []json.RawMessage `json:"events"`
			Customer struct{ Country string }
		}
		app.do(staff, "GET", "/v1/compliance/customers/cus_demo_amina/history", nil, nil, &h)
		if len(h.Events) < 3 || h.Customer.Country != "US" {
			t.Errorf("history: %d events, customer %+v", len(h.Events), h.Customer)
		}
		var p problem
		if res := app.do(staff, "GET", "/v1/compliance/customers/cus_demo_amina/history?as_of=2001-01-01T00:00:00Z", nil, nil, &p); res.StatusCode != 404 {
			t.Errorf("history before registration = %d, want 404", res.StatusCode)
		}
		req, _ := http.NewRequestWithContext(t.Context(), "GET", app.url+"/v1/compliance/export?customer_id=cus_demo_amina", nil)
		req.Header.Set("Authorization", "Bearer "+staff)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		var first struct{ Stream, Hash string }
		if res.StatusCode != 200 || len(lines) < 3 || json.Unmarshal([]byte(lines[0]), &first) != nil || first.Hash == "" {
			t.Errorf("export = %d, %d lines, first %+v", res.StatusCode, len(lines), first)
		}
		var bal struct {
			In *struct {
				Amount struct{ Currency string }
			} `json:"in"`
		}
		app.do(amina, "GET", "/v1/customers/cus_demo_amina/balances?in=EUR", nil, nil, &bal)
		if bal.In == nil || bal.In.Amount.Currency != "EUR" {
			t.Errorf("balances in EUR = %+v", bal.In)
		}
	})

	t.Run("no personal data in clear anywhere in the event log", func(t *testing.T) {
		pii := []string{"Okello Peter", "256772123456", "Maria Santos", "Wanjiru Kamau", "Nakato Sarah", "256772000111",
			"Fatuma Hassan Ali", "12025550177", "Grace Wanjiku", "Amina Njeri", "Juan dela Cruz", "P7654321"}
		n := 0
		for ev, err := range app.store.ReadAll(t.Context(), eventstore.ReadAllOptions{}) {
			if err != nil {
				t.Fatal(err)
			}
			n++
			for _, b := range [][]byte{ev.Data, ev.Metadata} {
				for _, s := range pii {
					if bytes.Contains(b, []byte(s)) {
						t.Errorf("%s@%d (%s) holds %q in clear", ev.Stream, ev.Revision, ev.Type, s)
					}
				}
			}
		}
		if n < 50 {
			t.Errorf("scanned only %d events", n)
		}
	})

	t.Run("ops endpoints", func(t *testing.T) {
		if res := app.do("", "GET", "/healthz", nil, nil, nil); res.StatusCode != 200 {
			t.Errorf("healthz = %d", res.StatusCode)
		}
		if res := app.do("", "GET", "/readyz", nil, nil, nil); res.StatusCode != 200 {
			t.Errorf("readyz = %d", res.StatusCode)
		}
		req, _ := http.NewRequestWithContext(t.Context(), "GET", app.url+"/metrics", nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !bytes.Contains(b, []byte(`remitflow_http_requests_total{method="POST",route="/v1/quotes",status="201"}`)) {
			t.Errorf("metrics lack the quote counter:\n%.2000s", b)
		}
	})
}

func TestLoadServeConfig(t *testing.T) {
	env := func(kv map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := kv[k]; return v, ok }
	}
	c, err := loadServeConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || !c.ProcessEnabled || c.Demo || c.FXInterval != time.Hour || c.ReconcileEvery != 30*time.Second || c.Store.Store != "embedded" {
		t.Errorf("defaults = %+v", c)
	}
	c, err = loadServeConfig(env(map[string]string{"REMITFLOW_HTTP_ADDR": ":9000", "REMITFLOW_PROCESS_ENABLED": "false",
		"REMITFLOW_DEMO": "1", "REMITFLOW_FX_INTERVAL": "15m", "REMITFLOW_RECONCILE_INTERVAL": "5s"}))
	if err != nil || c.Addr != ":9000" || c.ProcessEnabled || !c.Demo || c.FXInterval != 15*time.Minute || c.ReconcileEvery != 5*time.Second {
		t.Errorf("from env = %+v, %v", c, err)
	}
	for _, bad := range []map[string]string{
		{"REMITFLOW_FX_INTERVAL": "hourly"},
		{"REMITFLOW_RECONCILE_INTERVAL": "-5s"},
		{"REMITFLOW_STORE": "postgres"},
		{"REMITFLOW_STORE": "eventstoredb"},
	} {
		if _, err := loadServeConfig(env(bad)); err == nil {
			t.Errorf("loadServeConfig(%v) succeeded", bad)
		}
	}
	var out bytes.Buffer
	if err := run(t.Context(), []string{"serve", "--addr", "256.0.0.1:1", "--data-dir", t.TempDir()}, env(nil), &out, &out); err == nil || !strings.Contains(err.Error(), "listen") {
		t.Errorf("serve on a bad address = %v, want a listen error", err)
	}
}
