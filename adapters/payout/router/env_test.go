package router

import (
	"testing"
	"time"

	"github.com/remitflow/remitflow/domain/payout"
)

func TestConfigFromEnv(t *testing.T) {
	ports := map[payout.Provider]payout.Port{payout.MPesa: &fakePort{}, payout.MoMo: &fakePort{}}
	env := map[string]string{
		"REMITFLOW_PAYOUT_ROUTES":            "KE:KES:mpesa, ug:UGX:mtn_momo, *:*:mtn_momo",
		"REMITFLOW_PAYOUT_TIMEOUT":           "12s",
		"REMITFLOW_PAYOUT_MTN_MOMO_TIMEOUT":  "40s",
		"REMITFLOW_PAYOUT_RETRY_ATTEMPTS":    "4",
		"REMITFLOW_PAYOUT_BREAKER_COOLDOWN":  "1m",
		"REMITFLOW_PAYOUT_BREAKER_THRESHOLD": "7",
	}
	cfg, err := ConfigFromEnv(func(k string) string { return env[k] }, ports)
	if err != nil {
		t.Fatalf("ConfigFromEnv error = %v", err)
	}
	if got := cfg.Partners[payout.MPesa]; got.Timeout != 12*time.Second || got.Retry.Attempts != 4 || got.Breaker.FailureThreshold != 7 || got.Breaker.CoolDown != time.Minute {
		t.Errorf("M-Pesa policy = %+v", got)
	}
	if got := cfg.Partners[payout.MoMo].Timeout; got != 40*time.Second {
		t.Errorf("MoMo timeout = %s, want 40s", got)
	}
	if len(cfg.Routes) != 3 || cfg.Routes[1] != (Route{Country: "UG", Currency: "UGX", Provider: payout.MoMo}) || cfg.Routes[2] != (Route{Provider: payout.MoMo}) {
		t.Errorf("routes = %+v", cfg.Routes)
	}
	if _, err := New(cfg); err != nil {
		t.Errorf("New(from env) error = %v", err)
	}
	for k, v := range map[string]string{"REMITFLOW_PAYOUT_ROUTES": "KE:KES:airtel", "REMITFLOW_PAYOUT_TIMEOUT": "x",
		"REMITFLOW_PAYOUT_RETRY_ATTEMPTS": "-2"} {
		bad := map[string]string{k: v}
		if _, err := ConfigFromEnv(func(k string) string { return bad[k] }, ports); err == nil {
			t.Errorf("ConfigFromEnv with %s=%q succeeded", k, v)
		}
	}
	rc, every, err := ReconcilerFromEnv(func(k string) string {
		return map[string]string{"REMITFLOW_PAYOUT_RECONCILE_DEADLINE": "20m"}[k]
	}, querier{}, &fakeStore{})
	if err != nil || rc.Deadline != 20*time.Minute || every != time.Minute {
		t.Errorf("ReconcilerFromEnv = %+v, %s, %v", rc, every, err)
	}
	if _, _, err := ReconcilerFromEnv(func(k string) string { return map[string]string{"REMITFLOW_PAYOUT_RECONCILE_INTERVAL": "0s"}[k] }, querier{}, &fakeStore{}); err == nil {
		t.Error("ReconcilerFromEnv with a zero interval succeeded")
	}
}
