package router

import (
	"fmt"
	"strings"
	"time"

	"github.com/remitflow/remitflow/adapters/payout/internal/partnerkit"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
)

// ConfigFromEnv builds a router configuration for ports from these variables
// (getenv is usually os.Getenv); unset ones keep New's defaults:
//
//	REMITFLOW_PAYOUT_ROUTES               COUNTRY:CURRENCY:PROVIDER,... e.g. KE:KES:mpesa,UG:UGX:mtn_momo,ZM:ZMW:airtel
//	REMITFLOW_PAYOUT_TIMEOUT              per-call timeout for every partner (30s)
//	REMITFLOW_PAYOUT_<PROVIDER>_TIMEOUT   per-partner override, e.g. REMITFLOW_PAYOUT_MTN_MOMO_TIMEOUT
//	REMITFLOW_PAYOUT_RETRY_ATTEMPTS       tries of not-sent requests (3)
//	REMITFLOW_PAYOUT_RETRY_BASE_DELAY     first backoff (200ms)
//	REMITFLOW_PAYOUT_RETRY_MAX_DELAY      backoff cap (5s)
//	REMITFLOW_PAYOUT_BREAKER_THRESHOLD    consecutive failures that open a circuit (5)
//	REMITFLOW_PAYOUT_BREAKER_COOLDOWN     open time before a probe (30s)
//
// It returns an error for a malformed value or a route to a provider without
// a port.
func ConfigFromEnv(getenv func(string) string, ports map[payout.Provider]payout.Port) (Config, error) {
	e := &partnerkit.Env{Get: getenv}
	timeout := e.Duration("REMITFLOW_PAYOUT_TIMEOUT", 0)
	retry := RetryPolicy{
		Attempts:  e.Int("REMITFLOW_PAYOUT_RETRY_ATTEMPTS", 0),
		BaseDelay: e.Duration("REMITFLOW_PAYOUT_RETRY_BASE_DELAY", 0),
		MaxDelay:  e.Duration("REMITFLOW_PAYOUT_RETRY_MAX_DELAY", 0),
	}
	breaker := BreakerConfig{
		FailureThreshold: e.Int("REMITFLOW_PAYOUT_BREAKER_THRESHOLD", 0),
		CoolDown:         e.Duration("REMITFLOW_PAYOUT_BREAKER_COOLDOWN", 0),
	}
	cfg := Config{Partners: map[payout.Provider]Partner{}}
	for p, port := range ports {
		t := e.Duration("REMITFLOW_PAYOUT_"+strings.ToUpper(string(p))+"_TIMEOUT", timeout)
		cfg.Partners[p] = Partner{Port: port, Timeout: t, Retry: retry, Breaker: breaker}
	}
	for _, r := range e.List("REMITFLOW_PAYOUT_ROUTES") {
		f := strings.Split(r, ":")
		if len(f) != 3 {
			e.Fail(fmt.Errorf("REMITFLOW_PAYOUT_ROUTES: %q is not COUNTRY:CURRENCY:PROVIDER", r))
			continue
		}
		var cur money.Currency
		if f[1] != "" && f[1] != "*" {
			c, err := money.ParseCurrency(f[1])
			if err != nil {
				e.Fail(fmt.Errorf("REMITFLOW_PAYOUT_ROUTES: %w", err))
				continue
			}
			cur = c
		}
		country := strings.ToUpper(f[0])
		if country == "*" {
			country = ""
		}
		p := payout.Provider(f[2])
		if _, ok := ports[p]; !ok {
			e.Fail(fmt.Errorf("REMITFLOW_PAYOUT_ROUTES: %q routes to %q, which is not configured", r, p))
			continue
		}
		cfg.Routes = append(cfg.Routes, Route{Country: country, Currency: cur, Provider: p})
	}
	if err := e.Err(); err != nil {
		return Config{}, fmt.Errorf("router: config: %w", err)
	}
	return cfg, nil
}

// ReconcilerFromEnv returns a Reconciler over q and store with
// REMITFLOW_PAYOUT_RECONCILE_DEADLINE (10m) and REMITFLOW_PAYOUT_RECONCILE_BATCH
// (500), and the run interval REMITFLOW_PAYOUT_RECONCILE_INTERVAL (1m). It
// returns an error for a malformed value.
func ReconcilerFromEnv(getenv func(string) string, q StatusQuerier, store Store) (*Reconciler, time.Duration, error) {
	e := &partnerkit.Env{Get: getenv}
	rc := &Reconciler{Querier: q, Store: store,
		Deadline: e.Duration("REMITFLOW_PAYOUT_RECONCILE_DEADLINE", 10*time.Minute),
		Batch:    e.Int("REMITFLOW_PAYOUT_RECONCILE_BATCH", 500)}
	every := e.Duration("REMITFLOW_PAYOUT_RECONCILE_INTERVAL", time.Minute)
	if every <= 0 {
		e.Fail(fmt.Errorf("REMITFLOW_PAYOUT_RECONCILE_INTERVAL: must be positive"))
	}
	if err := e.Err(); err != nil {
		return nil, 0, fmt.Errorf("reconcile: config: %w", err)
	}
	return rc, every, nil
}
