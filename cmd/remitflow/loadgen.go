package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"github.com/remitflow/remitflow/adapters/httpapi"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/spf13/cobra"
)

// loadgenConfig is what loadgen runs with.
type loadgenConfig struct {
	// Base is the API's base URL; every request goes to it and nowhere else.
	Base *url.URL
	// Duration is how long new transfers are started; transfers in flight
	// are then followed until they finish or TransferTimeout passes.
	Duration    time.Duration
	Concurrency int
	Customers   int
	// MaxTransfers stops starting transfers after that many (0: no bound
	// but Duration); MaxRequests bounds every request of the run.
	MaxTransfers int
	MaxRequests  int
	// TokenKey signs the bearer tokens loadgen mints.
	TokenKey string
	// SendCurrency, ReceiveCurrency and SendAmount shape every quote;
	// FundAmount (in SendCurrency) is credited to each customer's wallet.
	SendCurrency    string
	ReceiveCurrency string
	SendAmount      string
	FundAmount      string
	// PollInterval is the wait between two GETs of a transfer;
	// TransferTimeout bounds how long a transfer is followed.
	PollInterval    time.Duration
	TransferTimeout time.Duration
	// RequestTimeout bounds one HTTP request.
	RequestTimeout time.Duration
	// Run names the run; customer IDs and funding references carry it.
	Run string
}

// Endpoint names in the report.
const (
	epCustomers   = "POST /v1/customers"
	epFunds       = "POST /v1/customers/{id}/funds"
	epQuotes      = "POST /v1/quotes"
	epTransfers   = "POST /v1/transfers"
	epGetTransfer = "GET /v1/transfers/{id}"
)

// terminalStatuses are the public transfer statuses after which nothing
// more happens.
var terminalStatuses = []string{"completed", "failed", "refunded", "cancelled", "expired"}

func newLoadgenCmd(env func(string) (string, bool)) *cobra.Command {
	var (
		cfg    loadgenConfig
		rawURL string
		format string
	)
	cmd := &cobra.Command{
		Use:   "loadgen",
		Short: "Drive load against a running server and report throughput and latency",
		Long: `Loadgen drives a running Remitflow API at --url (and only there; redirects
are not followed). It registers --customers customers as admin (tier 2, US),
funds their wallets, then runs --concurrency workers that each loop: request a
quote, create a transfer with a fresh Idempotency-Key, and poll the transfer
until it reaches a final status (completed, failed, refunded, cancelled,
expired) or --transfer-timeout passes. New transfers start for --duration
(or until --max-transfers); every request counts against --max-requests.

A tier-2 customer may send 25 transfers per 24 hours, so each customer is
used at most that often: raise --customers for longer runs.

Bearer tokens are minted locally (admin for setup, one customer token per
customer) with --token-key, else REMITFLOW_JWT_KEY, else the development key;
the key must be the server's.

The report gives requests/s, transfers/s, outcome counts and latency
percentiles (p50, p95, p99) per endpoint. Loadgen exits non-zero when setup
fails or no transfer completed.`,
		Example: `  remitflow loadgen --url http://127.0.0.1:8080 --duration 30s --concurrency 16 --customers 50
  remitflow loadgen --max-transfers 200 --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "text" && format != "json" {
				return fmt.Errorf("--format %q: want text or json", format)
			}
			u, err := parseLoadgenURL(rawURL)
			if err != nil {
				return err
			}
			cfg.Base = u
			if cfg.TokenKey == "" {
				cfg.TokenKey = envOr(env, "REMITFLOW_JWT_KEY", DevJWTKey)
			}
			if err := cfg.validate(); err != nil {
				return err
			}
			if cfg.Run == "" {
				cfg.Run = newRunID()
			}
			rep, err := runLoadgen(cmd.Context(), cfg, nil, cmd.ErrOrStderr())
			if rep != nil {
				if format == "json" {
					enc := json.NewEncoder(cmd.OutOrStdout())
					enc.SetIndent("", "  ")
					if jerr := enc.Encode(rep); jerr != nil && err == nil {
						err = jerr
					}
				} else {
					rep.writeText(cmd.OutOrStdout())
				}
			}
			if err != nil {
				return err
			}
			if rep.Transfers.Completed == 0 {
				return errors.New("loadgen: no transfer completed")
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&rawURL, "url", "http://127.0.0.1:8080", "base URL of the API to drive")
	f.DurationVar(&cfg.Duration, "duration", 30*time.Second, "how long to start new transfers")
	f.IntVar(&cfg.Concurrency, "concurrency", 16, "concurrent workers")
	f.IntVar(&cfg.Customers, "customers", 50, "customers to register and fund")
	f.IntVar(&cfg.MaxTransfers, "max-transfers", 0, "stop after starting this many transfers (0: no bound but --duration)")
	f.IntVar(&cfg.MaxRequests, "max-requests", 200000, "bound on all requests of the run")
	f.StringVar(&cfg.TokenKey, "token-key", "", "JWT signing key (default: REMITFLOW_JWT_KEY, else the development key)")
	f.StringVar(&cfg.SendCurrency, "send-currency", "USD", "quote send currency")
	f.StringVar(&cfg.ReceiveCurrency, "receive-currency", "KES", "quote receive currency")
	f.StringVar(&cfg.SendAmount, "amount", "25.00", "send amount of each quote")
	f.StringVar(&cfg.FundAmount, "fund", "1000.00", "amount credited to each customer's wallet")
	f.DurationVar(&cfg.PollInterval, "poll-interval", 250*time.Millisecond, "wait between two polls of a transfer")
	f.DurationVar(&cfg.TransferTimeout, "transfer-timeout", 60*time.Second, "stop following a transfer after this long")
	f.DurationVar(&cfg.RequestTimeout, "request-timeout", 30*time.Second, "bound on one HTTP request")
	f.StringVar(&cfg.Run, "run", "", "run name in customer IDs (default: random)")
	f.StringVar(&format, "format", "text", "report: text or json")
	return cmd
}

// parseLoadgenURL checks --url: http or https, with a host, no query.
func parseLoadgenURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("--url %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("--url %q: want http://host:port or https://host:port (optionally with a path)", raw)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, nil
}

// validate checks the numbers and amounts.
func (c loadgenConfig) validate() error {
	switch {
	case c.Duration <= 0:
		return fmt.Errorf("--duration %s: must be positive", c.Duration)
	case c.Concurrency < 1 || c.Concurrency > 1024:
		return fmt.Errorf("--concurrency %d: want 1 to 1024", c.Concurrency)
	case c.Customers < 1 || c.Customers > 100000:
		return fmt.Errorf("--customers %d: want 1 to 100000", c.Customers)
	case c.MaxTransfers < 0:
		return fmt.Errorf("--max-transfers %d: must not be negative", c.MaxTransfers)
	case c.MaxRequests < 1:
		return fmt.Errorf("--max-requests %d: must be positive", c.MaxRequests)
	case c.PollInterval <= 0 || c.TransferTimeout <= 0 || c.RequestTimeout <= 0:
		return errors.New("--poll-interval, --transfer-timeout and --request-timeout must be positive")
	case c.TokenKey == "":
		return errors.New("--token-key is empty")
	}
	for flag, v := range map[string]string{"--amount": c.SendAmount, "--fund": c.FundAmount} {
		a, err := money.Parse(v, c.SendCurrency)
		if err != nil {
			return fmt.Errorf("%s %q in %s: %w", flag, v, c.SendCurrency, err)
		}
		if !a.IsPositive() {
			return fmt.Errorf("%s %q: must be positive", flag, v)
		}
	}
	if _, err := money.Parse("1", c.ReceiveCurrency); err != nil {
		return fmt.Errorf("--receive-currency %q: %w", c.ReceiveCurrency, err)
	}
	return nil
}

// newRunID returns a short random run name.
func newRunID() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// loadgenReport is what loadgen prints.
type loadgenReport struct {
	URL         string `json:"url"`
	Run         string `json:"run"`
	Concurrency int    `json:"concurrency"`
	Customers   int    `json:"customers"`
	// SetupSeconds is the time to register and fund the customers.
	SetupSeconds float64 `json:"setup_seconds"`
	// Seconds is the load phase, from the first quote to the last poll.
	Seconds float64 `json:"seconds"`
	// WindowSeconds ends at the last transfer started or finished; the
	// rates are over it, so waiting for transfers that time out does not
	// dilute them.
	WindowSeconds  float64 `json:"window_seconds"`
	Requests       int64   `json:"requests"`
	RequestsPerSec float64 `json:"requests_per_second"`
	Transfers      struct {
		Started int64 `json:"started"`
		// Refused counts transfer requests the API refused (4xx).
		Refused          int64            `json:"refused"`
		Completed        int64            `json:"completed"`
		Final            map[string]int64 `json:"final"`
		TimedOut         int64            `json:"timed_out"`
		Unfinished       int64            `json:"unfinished"`
		PerSec           float64          `json:"started_per_second"`
		CompletedPerSec  float64          `json:"completed_per_second"`
		TimedOutByStatus map[string]int64 `json:"timed_out_by_status,omitempty"`
		// TimedOutIDs are the first few transfers that timed out.
		TimedOutIDs []string `json:"timed_out_ids,omitempty"`
	} `json:"transfers"`
	Endpoints []endpointStats `json:"endpoints"`
	// Errors counts failed requests by endpoint and status ("POST
	// /v1/quotes 422", "GET … transport").
	Errors map[string]int64 `json:"errors,omitempty"`
	// Stopped says why the run stopped starting transfers.
	Stopped string `json:"stopped"`
}

// endpointStats are one endpoint's latencies in milliseconds.
type endpointStats struct {
	Endpoint string  `json:"endpoint"`
	Count    int     `json:"count"`
	P50      float64 `json:"p50_ms"`
	P95      float64 `json:"p95_ms"`
	P99      float64 `json:"p99_ms"`
	Max      float64 `json:"max_ms"`
}

// loadgen is one run.
type loadgen struct {
	cfg    loadgenConfig
	client *http.Client
	admin  string
	users  []lgCustomer

	requests  atomic.Int64
	started   atomic.Int64
	slots     atomic.Int64
	next      atomic.Int64
	mu        sync.Mutex
	latencies map[string][]sample
	errs      map[string]int64
	final     map[string]int64
	timedOut  map[string]int64
	refused   int64
	unfinish  int64
	stopWhy   string
	timedIDs  []string
	// start is when the load phase began; windowEnd (nanoseconds after
	// start) is the last time a transfer started or finished.
	start     time.Time
	windowEnd atomic.Int64
}

// sample is one request: its latency and when it ended, after the start of
// the load phase.
type sample struct {
	latency, end time.Duration
}

// maxTimedOutIDs bounds the timed-out transfer IDs reported.
const maxTimedOutIDs = 10

// stop records why the run stopped starting transfers; the first reason wins.
func (lg *loadgen) stop(reason string) {
	lg.mu.Lock()
	if lg.stopWhy == "" {
		lg.stopWhy = reason
	}
	lg.mu.Unlock()
}

// activity moves the end of the measurement window to now.
func (lg *loadgen) activity() {
	now := int64(time.Since(lg.start))
	for {
		old := lg.windowEnd.Load()
		if now <= old || lg.windowEnd.CompareAndSwap(old, now) {
			return
		}
	}
}

// lgCustomer is one loadgen customer.
type lgCustomer struct {
	id, token, recipient string
	// sent counts transfers started for the customer.
	sent atomic.Int64
}

// errRequestBudget means --max-requests was reached.
var errRequestBudget = errors.New("loadgen: request budget spent")

// recipientNames name the recipients; each customer sends to one of them.
var recipientNames = []string{
	"Wanjiru Kamau", "Otieno Odhiambo", "Achieng Owino", "Mwangi Njoroge",
	"Akinyi Atieno", "Kiprono Chebet", "Njeri Wambui", "Mutua Musyoka",
}

// runLoadgen registers and funds customers, runs the workers and returns
// the report. client may be nil (a default client is built).
func runLoadgen(ctx context.Context, cfg loadgenConfig, client *http.Client, stderr io.Writer) (*loadgenReport, error) {
	if client == nil {
		client = &http.Client{Transport: &http.Transport{
			Proxy:               nil,
			MaxIdleConns:        cfg.Concurrency * 2,
			MaxIdleConnsPerHost: cfg.Concurrency * 2,
			IdleConnTimeout:     90 * time.Second,
		}}
	}
	// Never follow a redirect: only the given URL is driven.
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.Timeout = cfg.RequestTimeout
	lg := &loadgen{cfg: cfg, client: &c, latencies: map[string][]sample{}, errs: map[string]int64{},
		final: map[string]int64{}, timedOut: map[string]int64{}}
	now := time.Now()
	ttl := cfg.Duration + cfg.TransferTimeout + 10*time.Minute
	var err error
	if lg.admin, err = httpapi.IssueToken([]byte(cfg.TokenKey), "loadgen", httpapi.RoleAdmin, now, ttl); err != nil {
		return nil, fmt.Errorf("loadgen: %w", err)
	}
	lg.users = make([]lgCustomer, cfg.Customers)
	for i := range lg.users {
		u := &lg.users[i]
		u.id = fmt.Sprintf("cus_lg%s_%04d", cfg.Run, i)
		u.recipient = recipientNames[i%len(recipientNames)]
		if u.token, err = httpapi.IssueToken([]byte(cfg.TokenKey), u.id, httpapi.RoleCustomer, now, ttl); err != nil {
			return nil, fmt.Errorf("loadgen: %w", err)
		}
	}

	fmt.Fprintf(stderr, "loadgen: setting up %d customers at %s\n", cfg.Customers, cfg.Base)
	setupStart := time.Now()
	lg.start = setupStart
	if err := lg.setup(ctx); err != nil {
		return nil, err
	}
	setup := time.Since(setupStart)
	fmt.Fprintf(stderr, "loadgen: %d customers ready in %s; running %d workers for %s\n", cfg.Customers, setup.Round(time.Millisecond), cfg.Concurrency, cfg.Duration)

	startCtx, stopStarting := context.WithTimeout(ctx, cfg.Duration)
	defer stopStarting()
	lg.start = time.Now()
	var wg sync.WaitGroup
	for range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lg.worker(ctx, startCtx)
		}()
	}
	wg.Wait()
	elapsed := time.Since(lg.start)
	if ctx.Err() != nil {
		lg.stop("interrupted")
	}
	lg.stop("duration elapsed")
	rep := lg.report(setup, elapsed)
	return rep, nil
}

// setup registers and funds every customer, cfg.Concurrency at a time. It
// stops at the first failure.
func (lg *loadgen) setup(ctx context.Context) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, lg.cfg.Concurrency)
	var wg sync.WaitGroup
	for i := range lg.users {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := lg.setupOne(ctx, i); err != nil {
				cancel(err)
			}
		}()
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return fmt.Errorf("loadgen: setup: %w", err)
	}
	return nil
}

func (lg *loadgen) setupOne(ctx context.Context, i int) error {
	u := &lg.users[i]
	reg := map[string]any{
		"customer_id": u.id,
		"name":        fmt.Sprintf("Load Test %s %d", lg.cfg.Run, i),
		"phone":       fmt.Sprintf("+1555%07d", i),
		"country":     "US",
		"tier":        int(customer.Tier2),
	}
	if _, err := lg.do(ctx, epCustomers, http.MethodPost, "/v1/customers", lg.admin, "", reg, nil); err != nil {
		return err
	}
	fund := map[string]any{
		"amount":      map[string]string{"value": lg.cfg.FundAmount, "currency": lg.cfg.SendCurrency},
		"funding_ref": "loadgen-" + lg.cfg.Run + "-" + u.id,
	}
	_, err := lg.do(ctx, epFunds, http.MethodPost, "/v1/customers/"+url.PathEscape(u.id)+"/funds", lg.admin, "", fund, nil)
	return err
}

// maxPerCustomer is how many transfers one tier-2 customer may start in 24
// hours.
func maxPerCustomer() int64 {
	l, _ := customer.LimitsFor(customer.Tier2)
	return int64(l.MaxCount24h)
}

// pick returns the next customer with transfers left, or nil when every
// customer used its allowance.
func (lg *loadgen) pick() *lgCustomer {
	limit := maxPerCustomer()
	for range len(lg.users) {
		u := &lg.users[int(lg.next.Add(1)-1)%len(lg.users)]
		if u.sent.Add(1) <= limit {
			return u
		}
	}
	return nil
}

// worker starts transfers until startCtx ends or a bound is reached, and
// follows each to a final status.
func (lg *loadgen) worker(ctx, startCtx context.Context) {
	for startCtx.Err() == nil {
		if limit := int64(lg.cfg.MaxTransfers); limit > 0 && lg.slots.Add(1) > limit {
			lg.stop("--max-transfers reached")
			return
		}
		u := lg.pick()
		if u == nil {
			lg.stop(fmt.Sprintf("every customer reached %d transfers (raise --customers)", maxPerCustomer()))
			return
		}
		err := lg.transfer(ctx, startCtx, u)
		if errors.Is(err, errRequestBudget) {
			lg.stop("--max-requests reached")
			return
		}
		if err != nil && ctx.Err() == nil {
			// Back off briefly after a failure so a refusing server is not
			// hammered in a tight loop.
			sleepCtx(startCtx, 50*time.Millisecond)
		}
	}
}

// transfer runs one quote → transfer → poll cycle.
func (lg *loadgen) transfer(ctx, startCtx context.Context, u *lgCustomer) error {
	var q struct {
		ID string `json:"id"`
	}
	quoteReq := map[string]string{"send_currency": lg.cfg.SendCurrency, "receive_currency": lg.cfg.ReceiveCurrency, "send_amount": lg.cfg.SendAmount}
	if _, err := lg.do(startCtx, epQuotes, http.MethodPost, "/v1/quotes", u.token, "", quoteReq, &q); err != nil {
		return err
	}
	if q.ID == "" {
		lg.countError(epQuotes + " no id")
		return errors.New("quote without id")
	}
	lg.started.Add(1)
	lg.activity()
	var t struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	body := map[string]any{
		"quote_id": q.ID,
		"recipient": map[string]string{
			"method": "mobile_wallet", "name": u.recipient, "msisdn": "+254708374149", "provider": "mpesa", "country": "KE",
		},
		"purpose": "family support",
	}
	status, err := lg.do(ctx, epTransfers, http.MethodPost, "/v1/transfers", u.token, uuid.NewString(), body, &t)
	if err != nil {
		if status >= 400 && status < 500 {
			lg.mu.Lock()
			lg.refused++
			lg.mu.Unlock()
		}
		return err
	}
	if t.ID == "" {
		lg.countError(epTransfers + " no id")
		return errors.New("transfer without id")
	}
	deadline := time.Now().Add(lg.cfg.TransferTimeout)
	for !slices.Contains(terminalStatuses, t.Status) {
		if time.Now().After(deadline) {
			lg.mu.Lock()
			lg.timedOut[t.Status]++
			if len(lg.timedIDs) < maxTimedOutIDs {
				lg.timedIDs = append(lg.timedIDs, t.ID)
			}
			lg.mu.Unlock()
			return nil
		}
		if !sleepCtx(ctx, lg.cfg.PollInterval) {
			lg.unfinished()
			return ctx.Err()
		}
		var polled struct {
			Status string `json:"status"`
		}
		if _, err := lg.do(ctx, epGetTransfer, http.MethodGet, "/v1/transfers/"+url.PathEscape(t.ID), u.token, "", nil, &polled); err != nil {
			if errors.Is(err, errRequestBudget) || ctx.Err() != nil {
				lg.unfinished()
				return err
			}
			continue
		}
		t.Status = polled.Status
	}
	lg.activity()
	lg.mu.Lock()
	lg.final[t.Status]++
	lg.mu.Unlock()
	return nil
}

func (lg *loadgen) unfinished() {
	lg.mu.Lock()
	lg.unfinish++
	lg.mu.Unlock()
}

// sleepCtx waits d or until ctx ends; it reports whether d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// do sends one JSON request to the base URL with a bearer token (and an
// Idempotency-Key when idemKey is set), records its latency under endpoint,
// and decodes a 2xx JSON response into out. It returns the status code and
// an error for a transport failure or a non-2xx status.
func (lg *loadgen) do(ctx context.Context, endpoint, method, path, token, idemKey string, body, out any) (int, error) {
	if lg.requests.Add(1) > int64(lg.cfg.MaxRequests) {
		return 0, errRequestBudget
	}
	u := *lg.cfg.Base
	u.Path = lg.cfg.Base.Path + path
	u.RawPath = ""
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if idemKey != "" {
		req.Header.Set(httpapi.IdempotencyHeader, idemKey)
	}
	start := time.Now()
	resp, err := lg.client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			lg.countError(endpoint + " transport")
		}
		return 0, fmt.Errorf("%s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	lat := time.Since(start)
	lg.mu.Lock()
	lg.latencies[endpoint] = append(lg.latencies[endpoint], sample{latency: lat, end: time.Since(lg.start)})
	lg.mu.Unlock()
	if err != nil {
		lg.countError(endpoint + " transport")
		return resp.StatusCode, fmt.Errorf("%s: read response: %w", endpoint, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		lg.countError(fmt.Sprintf("%s %d", endpoint, resp.StatusCode))
		var prob struct {
			Code   string `json:"code"`
			Detail string `json:"detail"`
		}
		_ = json.Unmarshal(data, &prob)
		detail := strings.TrimSpace(prob.Code + ": " + prob.Detail)
		if prob.Code == "" && prob.Detail == "" {
			detail = strings.TrimSpace(string(data))
			if len(detail) > 200 {
				detail = detail[:200]
			}
		}
		if resp.StatusCode == http.StatusUnauthorized {
			detail += " (is --token-key the server's REMITFLOW_JWT_KEY?)"
		}
		return resp.StatusCode, fmt.Errorf("%s: HTTP %d: %s", endpoint, resp.StatusCode, detail)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			lg.countError(endpoint + " bad json")
			return resp.StatusCode, fmt.Errorf("%s: decode response: %w", endpoint, err)
		}
	}
	return resp.StatusCode, nil
}

func (lg *loadgen) countError(key string) {
	lg.mu.Lock()
	lg.errs[key]++
	lg.mu.Unlock()
}

// report summarises the run.
func (lg *loadgen) report(setup, elapsed time.Duration) *loadgenReport {
	lg.mu.Lock()
	defer lg.mu.Unlock()
	window := time.Duration(lg.windowEnd.Load())
	if window <= 0 {
		window = elapsed
	}
	r := &loadgenReport{
		URL: lg.cfg.Base.String(), Run: lg.cfg.Run, Concurrency: lg.cfg.Concurrency, Customers: lg.cfg.Customers,
		SetupSeconds: setup.Seconds(), Seconds: elapsed.Seconds(), WindowSeconds: window.Seconds(), Errors: lg.errs,
		Stopped: lg.stopWhy,
	}
	r.Requests = min(lg.requests.Load(), int64(lg.cfg.MaxRequests))
	var inWindow uint64
	for _, ep := range []string{epCustomers, epFunds, epQuotes, epTransfers, epGetTransfer} {
		samples := lg.latencies[ep]
		if len(samples) == 0 {
			continue
		}
		lats := make([]time.Duration, len(samples))
		for i, s := range samples {
			lats[i] = s.latency
			if ep != epCustomers && ep != epFunds && s.end <= window {
				inWindow++
			}
		}
		slices.Sort(lats)
		r.Endpoints = append(r.Endpoints, endpointStats{
			Endpoint: ep, Count: len(lats),
			P50: ms(percentile(lats, 50)), P95: ms(percentile(lats, 95)), P99: ms(percentile(lats, 99)), Max: ms(lats[len(lats)-1]),
		})
	}
	r.RequestsPerSec = rate(inWindow, window)
	t := &r.Transfers
	t.Started = lg.started.Load()
	t.Refused = lg.refused
	t.Final = lg.final
	t.Completed = lg.final["completed"]
	t.TimedOutByStatus = lg.timedOut
	t.TimedOutIDs = lg.timedIDs
	for _, n := range lg.timedOut {
		t.TimedOut += n
	}
	t.Unfinished = lg.unfinish
	t.PerSec = rate(uint64(t.Started), window)
	t.CompletedPerSec = rate(uint64(t.Completed), window)
	return r
}

// percentile returns the nearest-rank p-th percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (p*len(sorted)+99)/100 - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// writeText prints the report.
func (r *loadgenReport) writeText(w io.Writer) {
	t := r.Transfers
	fmt.Fprintf(w, "loadgen %s (run %s): %d workers, %d customers; setup %.2fs; load %.2fs, measured over %.2fs (stopped: %s)\n",
		r.URL, r.Run, r.Concurrency, r.Customers, r.SetupSeconds, r.Seconds, r.WindowSeconds, r.Stopped)
	fmt.Fprintf(w, "requests:  %d in the load phase, %.1f/s (all requests incl. setup: %d)\n", r.loadRequests(), r.RequestsPerSec, r.Requests)
	fmt.Fprintf(w, "transfers: %d started (%.1f/s), %d completed (%.1f/s), %d failed, %d refunded, %d cancelled, %d expired, %d refused, %d timed out, %d unfinished\n",
		t.Started, t.PerSec, t.Completed, t.CompletedPerSec, t.Final["failed"], t.Final["refunded"], t.Final["cancelled"], t.Final["expired"],
		t.Refused, t.TimedOut, t.Unfinished)
	if len(t.TimedOutByStatus) > 0 {
		fmt.Fprintf(w, "timed out while: %s (e.g. %s)\n", formatCounts(t.TimedOutByStatus), strings.Join(t.TimedOutIDs, ", "))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "endpoint\tcount\tp50 ms\tp95 ms\tp99 ms\tmax ms\t")
	for _, e := range r.Endpoints {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t\n", e.Endpoint, e.Count, e.P50, e.P95, e.P99, e.Max)
	}
	tw.Flush()
	if len(r.Errors) > 0 {
		fmt.Fprintf(w, "errors: %s\n", formatCounts(r.Errors))
	}
}

func (r *loadgenReport) loadRequests() int {
	n := 0
	for _, e := range r.Endpoints {
		if e.Endpoint != epCustomers && e.Endpoint != epFunds {
			n += e.Count
		}
	}
	return n
}

// formatCounts renders counts as "a=1, b=2" in key order.
func formatCounts(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
