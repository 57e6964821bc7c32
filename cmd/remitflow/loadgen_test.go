package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/remitflow/remitflow/adapters/httpapi"
)

// fakeAPI answers the endpoints loadgen drives, checking every request's
// shape, token and headers; problems are collected for the test to report.
type fakeAPI struct {
	t        *testing.T
	key      []byte
	redirect string

	mu        sync.Mutex
	problems  []string
	customers map[string]bool
	funded    map[string]bool
	quotes    map[string]string // quote ID → customer
	transfers map[string]*fakeTransfer
	idemKeys  map[string]bool
	nQuotes   int
}

type fakeTransfer struct {
	owner string
	polls int
	n     int
}

func newFakeAPI(t *testing.T, key string) *fakeAPI {
	return &fakeAPI{t: t, key: []byte(key), customers: map[string]bool{}, funded: map[string]bool{},
		quotes: map[string]string{}, transfers: map[string]*fakeTransfer{}, idemKeys: map[string]bool{}}
}

func (f *fakeAPI) problem(format string, args ...any) {
	f.problems = append(f.problems, fmt.Sprintf(format, args...))
}

// auth returns the token's subject and role, or writes a 401.
func (f *fakeAPI) auth(w http.ResponseWriter, r *http.Request) (string, httpapi.Role, bool) {
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	var claims httpapi.Claims
	if ok {
		_, err := jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer(httpapi.Issuer), jwt.WithExpirationRequired()).
			ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) { return f.key, nil })
		ok = err == nil
	}
	if !ok {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"code":"invalid_token","detail":"invalid token"}`))
		return "", "", false
	}
	return claims.Subject, claims.Role, true
}

func (f *fakeAPI) decode(r *http.Request, v any) {
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		f.problem("%s %s: Content-Type %q", r.Method, r.URL.Path, ct)
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		f.problem("%s %s: body: %v", r.Method, r.URL.Path, err)
	}
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sub, role, ok := f.auth(w, r)
	if !ok {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	path := r.URL.Path
	switch {
	case r.Method == http.MethodPost && path == "/v1/customers":
		var req struct {
			CustomerID string `json:"customer_id"`
			Name       string `json:"name"`
			Phone      string `json:"phone"`
			Country    string `json:"country"`
			Tier       int    `json:"tier"`
		}
		f.decode(r, &req)
		if role != httpapi.RoleAdmin || req.CustomerID == "" || req.Name == "" || !strings.HasPrefix(req.Phone, "+") || req.Country != "US" || req.Tier != 2 {
			f.problem("register: role %s, body %+v", role, req)
		}
		f.customers[req.CustomerID] = true
		reply(w, http.StatusCreated, map[string]any{"id": req.CustomerID})
	case r.Method == http.MethodPost && strings.HasPrefix(path, "/v1/customers/") && strings.HasSuffix(path, "/funds"):
		id := strings.TrimSuffix(strings.TrimPrefix(path, "/v1/customers/"), "/funds")
		var req struct {
			Amount struct {
				Value    string `json:"value"`
				Currency string `json:"currency"`
			} `json:"amount"`
			FundingRef string `json:"funding_ref"`
		}
		f.decode(r, &req)
		if role != httpapi.RoleAdmin || !f.customers[id] || req.Amount.Value != "1000.00" || req.Amount.Currency != "USD" || req.FundingRef == "" {
			f.problem("fund %s: role %s, body %+v", id, role, req)
		}
		f.funded[id] = true
		reply(w, http.StatusOK, map[string]any{"customer_id": id})
	case r.Method == http.MethodPost && path == "/v1/quotes":
		var req struct {
			SendCurrency    string `json:"send_currency"`
			ReceiveCurrency string `json:"receive_currency"`
			SendAmount      string `json:"send_amount"`
		}
		f.decode(r, &req)
		if role != httpapi.RoleCustomer || !f.funded[sub] || req != (struct {
			SendCurrency    string `json:"send_currency"`
			ReceiveCurrency string `json:"receive_currency"`
			SendAmount      string `json:"send_amount"`
		}{"USD", "KES", "25.00"}) {
			f.problem("quote: role %s subject %s (funded %v), body %+v", role, sub, f.funded[sub], req)
		}
		f.nQuotes++
		id := fmt.Sprintf("q_%d", f.nQuotes)
		f.quotes[id] = sub
		reply(w, http.StatusCreated, map[string]any{"id": id, "customer_id": sub})
	case r.Method == http.MethodPost && path == "/v1/transfers":
		key := r.Header.Get(httpapi.IdempotencyHeader)
		if key == "" || f.idemKeys[key] {
			f.problem("transfer: Idempotency-Key %q missing or reused", key)
		}
		f.idemKeys[key] = true
		var req struct {
			QuoteID   string            `json:"quote_id"`
			Recipient map[string]string `json:"recipient"`
			Purpose   string            `json:"purpose"`
		}
		f.decode(r, &req)
		rc := req.Recipient
		if role != httpapi.RoleCustomer || f.quotes[req.QuoteID] != sub || req.Purpose == "" || rc["method"] != "mobile_wallet" ||
			rc["name"] == "" || rc["msisdn"] != "+254708374149" || rc["provider"] != "mpesa" || rc["country"] != "KE" || len(rc) != 5 {
			f.problem("transfer: role %s subject %s, body %+v", role, sub, req)
		}
		n := len(f.transfers) + 1
		if n == 3 {
			// One transfer is refused, as a limit would.
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusUnprocessableEntity)
			w.Write([]byte(`{"code":"compliance.velocity_exceeded","detail":"too many transfers"}`))
			f.transfers[fmt.Sprintf("refused-%d", n)] = &fakeTransfer{}
			return
		}
		id := fmt.Sprintf("t_%d", n)
		f.transfers[id] = &fakeTransfer{owner: sub, n: n}
		reply(w, http.StatusCreated, map[string]any{"id": id, "status": "pending"})
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/v1/transfers/"):
		id := strings.TrimPrefix(path, "/v1/transfers/")
		tr := f.transfers[id]
		if tr == nil || tr.owner != sub || role != httpapi.RoleCustomer {
			f.problem("get %s: subject %s", path, sub)
			reply(w, http.StatusNotFound, map[string]any{"code": "not_found"})
			return
		}
		tr.polls++
		status := "processing"
		switch {
		case tr.n == 2 && tr.polls == 1:
			http.Redirect(w, r, f.redirect, http.StatusFound)
			return
		case tr.polls >= 2 && tr.n%5 == 0:
			status = "failed"
		case tr.polls >= 2:
			status = "completed"
		}
		reply(w, http.StatusOK, map[string]any{"id": id, "status": status})
	default:
		f.problem("unexpected %s %s", r.Method, path)
		reply(w, http.StatusNotFound, map[string]any{"code": "not_found"})
	}
}

func TestLoadgenAgainstFakeAPI(t *testing.T) {
	const key = "test-signing-key"
	var stray atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { stray.Add(1) }))
	defer other.Close()
	api := newFakeAPI(t, key)
	api.redirect = other.URL
	srv := httptest.NewServer(api)
	defer srv.Close()

	out, errOut, err := runCLI(t, map[string]string{"REMITFLOW_JWT_KEY": key}, "loadgen", "--url", srv.URL,
		"--customers", "3", "--concurrency", "4", "--max-transfers", "20", "--poll-interval", "1ms", "--format", "json")
	if err != nil {
		t.Fatalf("loadgen: %v\nstderr: %s", err, errOut)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	for _, p := range api.problems {
		t.Error(p)
	}
	if n := stray.Load(); n != 0 {
		t.Errorf("loadgen followed a redirect to another server %d times", n)
	}
	var rep loadgenReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report %q: %v", out, err)
	}
	tr := rep.Transfers
	// 20 transfers: t_3 refused; t_5, t_10, t_15, t_20 failed; the rest completed.
	if tr.Started != 20 || tr.Refused != 1 || tr.Completed != 15 || tr.Final["failed"] != 4 || tr.TimedOut != 0 || tr.Unfinished != 0 {
		t.Errorf("transfers = %+v, want 20 started, 1 refused, 15 completed, 4 failed", tr)
	}
	if rep.Stopped != "--max-transfers reached" || rep.Customers != 3 || rep.Concurrency != 4 {
		t.Errorf("report = %+v", rep)
	}
	counts := map[string]int{}
	for _, e := range rep.Endpoints {
		counts[e.Endpoint] = e.Count
		if e.P50 > e.P95 || e.P95 > e.P99 || e.P99 > e.Max {
			t.Errorf("%s: percentiles out of order: %+v", e.Endpoint, e)
		}
	}
	if counts[epCustomers] != 3 || counts[epFunds] != 3 || counts[epQuotes] != 20 || counts[epTransfers] != 20 || counts[epGetTransfer] != 2*19 {
		t.Errorf("requests per endpoint = %v", counts)
	}
	if rep.Errors[epTransfers+" 422"] != 1 || rep.Errors[epGetTransfer+" 302"] != 1 {
		t.Errorf("errors = %v, want one 422 transfer and one 302 poll", rep.Errors)
	}
	if len(api.customers) != 3 || len(api.funded) != 3 {
		t.Errorf("%d customers registered, %d funded; want 3", len(api.customers), len(api.funded))
	}
}

func TestLoadgenTextReportAndRequestBound(t *testing.T) {
	api := newFakeAPI(t, DevJWTKey)
	srv := httptest.NewServer(api)
	defer srv.Close()
	// Two customers take two requests each; the budget leaves room for one
	// quote → transfer → poll → poll cycle.
	out, _, err := runCLI(t, nil, "loadgen", "--url", srv.URL+"/", "--customers", "2", "--concurrency", "1",
		"--max-requests", "8", "--poll-interval", "1ms")
	if err != nil {
		t.Fatalf("loadgen: %v", err)
	}
	for _, want := range []string{"stopped: --max-requests reached", "1 started", "1 completed", "POST /v1/quotes", "p99 ms"} {
		if !strings.Contains(out, want) {
			t.Errorf("report\n%s\nwant it to contain %q", out, want)
		}
	}
}

func TestLoadgenBadInput(t *testing.T) {
	api := newFakeAPI(t, "server-key")
	srv := httptest.NewServer(api)
	defer srv.Close()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--url", "ftp://127.0.0.1:21"}, "want http://host:port"},
		{[]string{"--url", "127.0.0.1:8080"}, "--url"},
		{[]string{"--url", "http://127.0.0.1:1/?x=1"}, "want http://host:port"},
		{[]string{"--concurrency", "0"}, "--concurrency 0"},
		{[]string{"--customers", "-1"}, "--customers -1"},
		{[]string{"--duration", "0s"}, "--duration 0s"},
		{[]string{"--duration", "soon"}, "invalid argument"},
		{[]string{"--amount", "ten"}, `--amount "ten"`},
		{[]string{"--amount", "-5"}, "must be positive"},
		{[]string{"--receive-currency", "XXQ"}, "--receive-currency"},
		{[]string{"--format", "yaml"}, `--format "yaml"`},
		{[]string{"--bogus"}, "unknown flag: --bogus"},
		// The server refuses tokens signed with another key: setup fails.
		{[]string{"--url", srv.URL, "--token-key", "wrong-key"}, "is --token-key the server's REMITFLOW_JWT_KEY?"},
	}
	for _, tt := range tests {
		_, _, err := runCLI(t, nil, append([]string{"loadgen"}, tt.args...)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("loadgen %q = %v, want an error containing %q", tt.args, err, tt.want)
		}
	}
}

func TestLoadgenStopsOnCancel(t *testing.T) {
	api := newFakeAPI(t, DevJWTKey)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var transfers atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/transfers" && transfers.Add(1) == 5 {
			cancel()
		}
		api.ServeHTTP(w, r)
	}))
	defer srv.Close()
	var out, errOut bytes.Buffer
	// Without the cancel this would run for an hour.
	err := run(ctx, []string{"loadgen", "--url", srv.URL, "--customers", "2", "--concurrency", "2", "--duration", "1h", "--poll-interval", "1ms", "--format", "json"},
		func(string) (string, bool) { return "", false }, &out, &errOut)
	var rep loadgenReport
	if jerr := json.Unmarshal(out.Bytes(), &rep); jerr != nil {
		t.Fatalf("report %q: %v (run: %v)", out.String(), jerr, err)
	}
	if rep.Stopped != "interrupted" || rep.Transfers.Started < 5 || rep.Transfers.Started > 6 {
		t.Errorf("after a cancel: stopped %q with %d transfers started (run: %v)", rep.Stopped, rep.Transfers.Started, err)
	}
}
