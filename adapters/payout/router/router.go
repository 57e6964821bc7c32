// Package router implements payout.Port over several partner adapters:
// it picks the partner for a payout (Request.Provider, or the configured
// country/currency routes), bounds every call with the partner's timeout,
// retries with exponential backoff and jitter only when the failure proves the
// partner did not act (connection refused, 429/503 "not processed", token
// fetch failures), and guards each partner with a circuit breaker. It also
// mounts every adapter's callback handler under one prefix
// (CallbackHandler) and reconciles payouts left without a final outcome
// (Reconciler).
//
// A payout whose outcome is unknown (timeout, HTTP 500, dropped connection
// after sending) is never resent here: the caller resolves it with Status.
package router

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/remitflow/remitflow/adapters/payout/internal/partnerkit"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
)

// ErrCircuitOpen is wrapped (with payout.ErrUnavailable) when a partner's
// circuit is open and nothing was sent.
var ErrCircuitOpen = errors.New("router: circuit open")

// IsNotSent reports whether err proves the partner did not act on the
// request, so submitting the same reference again is safe.
func IsNotSent(err error) bool { return partnerkit.IsNotSent(err) }

// RetryPolicy bounds the retries of requests known not to have been acted on.
type RetryPolicy struct {
	// Attempts is the total number of tries (default 3; 1 disables retries).
	Attempts int
	// BaseDelay is the first backoff (default 200ms); it doubles each time.
	BaseDelay time.Duration
	// MaxDelay caps the backoff (default 5s).
	MaxDelay time.Duration
}

// BreakerConfig configures a partner's circuit breaker.
type BreakerConfig struct {
	// FailureThreshold is the number of consecutive failures that opens the
	// circuit (default 5).
	FailureThreshold int
	// CoolDown is how long the circuit stays open before one probe is let
	// through (default 30s).
	CoolDown time.Duration
}

// Partner is one adapter with its call policy.
type Partner struct {
	Port payout.Port
	// Timeout bounds each Submit or Status call (default 30s).
	Timeout time.Duration
	Retry   RetryPolicy
	Breaker BreakerConfig
}

// Route sends payouts to a wallet country in a currency to a provider when
// the request names none. An empty Country or Currency matches any.
type Route struct {
	Country  string
	Currency money.Currency
	Provider payout.Provider
}

// Config configures a Router.
type Config struct {
	Partners map[payout.Provider]Partner
	// Routes are tried in order for requests without a Provider.
	Routes []Route
	// Now is the clock of the circuit breakers (default time.Now).
	Now func() time.Time
	// Sleep waits between retries (default: a timer that honours ctx).
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a number in [0,1) (default math/rand/v2).
	Jitter func() float64
	Logger *slog.Logger
}

// Router is a payout.Port over several partners. It is safe for concurrent use.
type Router struct {
	cfg      Config
	partners map[payout.Provider]*partnerState
	mu       sync.Mutex
	refs     map[string]payout.Provider
}

type partnerState struct {
	Partner
	breaker *Breaker
}

var _ payout.Port = (*Router)(nil)

var calls = prometheus.NewCounterVec(prometheus.CounterOpts{
	Namespace: "remitflow", Subsystem: "payout", Name: "partner_calls_total",
	Help: "Payout partner calls by partner, operation and outcome (ok, not_sent, unknown, invalid, not_found, circuit_open).",
}, []string{"partner", "op", "outcome"})

// Collectors returns the payout metrics (callbacks accepted/rejected/duplicate,
// partner calls) for registration with a Prometheus registry.
func Collectors() []prometheus.Collector {
	return []prometheus.Collector{calls, partnerkit.CallbacksAccepted, partnerkit.CallbacksRejected, partnerkit.CallbacksDuplicate}
}

// New builds a router. It returns an error when no partner is configured, a
// partner has no port, or a route names an unconfigured provider.
func New(cfg Config) (*Router, error) {
	if len(cfg.Partners) == 0 {
		return nil, errors.New("router: config: no partners")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.Jitter == nil {
		cfg.Jitter = rand.Float64
	}
	if cfg.Logger == nil {
		cfg.Logger = partnerkit.Discard()
	}
	r := &Router{cfg: cfg, partners: map[payout.Provider]*partnerState{}, refs: map[string]payout.Provider{}}
	for p, pt := range cfg.Partners {
		if pt.Port == nil {
			return nil, fmt.Errorf("router: config: partner %s has no port", p)
		}
		if pt.Timeout <= 0 {
			pt.Timeout = 30 * time.Second
		}
		if pt.Retry.Attempts <= 0 {
			pt.Retry.Attempts = 3
		}
		if pt.Retry.BaseDelay <= 0 {
			pt.Retry.BaseDelay = 200 * time.Millisecond
		}
		if pt.Retry.MaxDelay <= 0 {
			pt.Retry.MaxDelay = 5 * time.Second
		}
		r.partners[p] = &partnerState{Partner: pt, breaker: NewBreaker(pt.Breaker, cfg.Now)}
	}
	for _, rt := range cfg.Routes {
		if _, ok := r.partners[rt.Provider]; !ok {
			return nil, fmt.Errorf("router: config: route %s/%s names unconfigured provider %q", rt.Country, rt.Currency, rt.Provider)
		}
	}
	return r, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Breaker returns a partner's circuit breaker, or nil.
func (r *Router) Breaker(p payout.Provider) *Breaker {
	if ps, ok := r.partners[p]; ok {
		return ps.breaker
	}
	return nil
}

// Provider returns the partner a request goes to. It returns
// payout.ErrUnsupported when none is configured for it.
func (r *Router) Provider(req payout.Request) (payout.Provider, error) {
	if req.Provider != "" {
		if _, ok := r.partners[req.Provider]; !ok {
			return "", fmt.Errorf("router: %w: provider %q not configured", payout.ErrUnsupported, req.Provider)
		}
		return req.Provider, nil
	}
	for _, rt := range r.cfg.Routes {
		if (rt.Country == "" || strings.EqualFold(rt.Country, req.Country)) && (rt.Currency == "" || rt.Currency == req.Amount.Currency) {
			return rt.Provider, nil
		}
	}
	return "", fmt.Errorf("router: %w: %s %s", payout.ErrUnsupported, req.Country, req.Amount.Currency)
}

func (r *Router) backoff(p RetryPolicy, attempt int) time.Duration {
	d := p.BaseDelay << (attempt - 1)
	if d > p.MaxDelay || d <= 0 {
		d = p.MaxDelay
	}
	half := d / 2
	return half + time.Duration(r.cfg.Jitter()*float64(half))
}

// failure reports whether err counts against the partner's circuit.
func failure(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	return errors.Is(err, payout.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded)
}

func outcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrCircuitOpen):
		return "circuit_open"
	case errors.Is(err, payout.ErrInvalidRequest):
		return "invalid"
	case errors.Is(err, payout.ErrNotFound):
		return "not_found"
	case partnerkit.IsNotSent(err):
		return "not_sent"
	default:
		return "unknown"
	}
}

// do runs op under the partner's breaker, timeout and retry policy; op is
// retried only when its error proves nothing was acted on (or, with
// retryUnknown, whenever the partner was unavailable — safe for queries).
func (r *Router) do(ctx context.Context, p payout.Provider, ps *partnerState, opName string, retryUnknown bool,
	op func(ctx context.Context) (payout.Result, error)) (payout.Result, error) {
	for attempt := 1; ; attempt++ {
		if err := ps.breaker.Allow(); err != nil {
			calls.WithLabelValues(string(p), opName, "circuit_open").Inc()
			return payout.Result{State: payout.StateUnknown},
				partnerkit.NotSent(fmt.Errorf("router: %s %s: %w: %w", opName, p, payout.ErrUnavailable, err))
		}
		cctx, cancel := context.WithTimeout(ctx, ps.Timeout)
		res, err := op(cctx)
		cancel()
		if ctx.Err() != nil {
			ps.breaker.Cancel()
		} else {
			ps.breaker.Record(failure(ctx, err))
		}
		calls.WithLabelValues(string(p), opName, outcome(err)).Inc()
		retry := err != nil && (partnerkit.IsNotSent(err) || (retryUnknown && errors.Is(err, payout.ErrUnavailable)))
		if !retry || attempt >= ps.Retry.Attempts || ctx.Err() != nil {
			if err != nil {
				return res, fmt.Errorf("router: %s %s: %w", opName, p, err)
			}
			return res, nil
		}
		d := r.backoff(ps.Retry, attempt)
		r.cfg.Logger.InfoContext(ctx, "payout: retrying", slog.String("partner", string(p)), slog.String("op", opName),
			slog.Int("attempt", attempt), slog.Duration("backoff", d), slog.Any("err", err))
		if serr := r.cfg.Sleep(ctx, d); serr != nil {
			return res, fmt.Errorf("router: %s %s: %w", opName, p, err)
		}
	}
}

// Submit routes and sends a payout. Besides the adapter's answers it
// returns payout.ErrUnsupported when no partner serves the request, and
// payout.ErrUnavailable wrapping ErrCircuitOpen (marked not sent) when the
// partner's circuit is open.
func (r *Router) Submit(ctx context.Context, req payout.Request) (payout.Result, error) {
	p, err := r.Provider(req)
	if err != nil {
		return payout.Result{}, err
	}
	req.Provider = p
	r.mu.Lock()
	r.refs[req.Reference] = p
	r.mu.Unlock()
	ps := r.partners[p]
	res, err := r.do(ctx, p, ps, "submit", false, func(ctx context.Context) (payout.Result, error) { return ps.Port.Submit(ctx, req) })
	if res.Reference == "" {
		res.Reference = req.Reference
	}
	return res, err
}

// Status asks the partner the reference was submitted to (remembered by
// this router) where it stands; for a reference this process did not submit
// it asks each partner and returns the first that knows it. It returns
// payout.ErrNotFound when none does; see StatusOf for the other errors.
func (r *Router) Status(ctx context.Context, reference string) (payout.Result, error) {
	r.mu.Lock()
	p, ok := r.refs[reference]
	r.mu.Unlock()
	if ok {
		return r.StatusOf(ctx, p, reference)
	}
	var firstErr error
	for p := range r.partners {
		res, err := r.StatusOf(ctx, p, reference)
		if err == nil {
			r.mu.Lock()
			r.refs[reference] = p
			r.mu.Unlock()
			return res, nil
		}
		if !errors.Is(err, payout.ErrNotFound) && firstErr == nil {
			firstErr = err
		}
	}
	if firstErr != nil {
		return payout.Result{Reference: reference, State: payout.StateUnknown}, firstErr
	}
	return payout.Result{Reference: reference, State: payout.StateUnknown}, fmt.Errorf("router: status %s: %w", reference, payout.ErrNotFound)
}

// StatusOf asks provider where a payout stands, under the partner's breaker,
// timeout and retries. It returns payout.ErrUnsupported for an unconfigured
// provider, payout.ErrUnavailable (possibly wrapping ErrCircuitOpen) when the
// partner could not answer, and the adapter's other errors.
func (r *Router) StatusOf(ctx context.Context, provider payout.Provider, reference string) (payout.Result, error) {
	ps, ok := r.partners[provider]
	if !ok {
		return payout.Result{}, fmt.Errorf("router: %w: provider %q not configured", payout.ErrUnsupported, provider)
	}
	res, err := r.do(ctx, provider, ps, "status", true, func(ctx context.Context) (payout.Result, error) { return ps.Port.Status(ctx, reference) })
	if res.Reference == "" {
		res.Reference = reference
	}
	return res, err
}
