package momo_test

import (
	"testing"

	"github.com/remitflow/remitflow/adapters/payout/momo"
)

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{
		"REMITFLOW_MOMO_BASE_URL": "https://sandbox.momodeveloper.mtn.com", "REMITFLOW_MOMO_API_USER": "u",
		"REMITFLOW_MOMO_API_KEY": "k", "REMITFLOW_MOMO_SUBSCRIPTION_KEY": "s", "REMITFLOW_MOMO_TARGET_ENVIRONMENT": "sandbox",
		"REMITFLOW_MOMO_CURRENCIES": "EUR, UGX", "REMITFLOW_MOMO_SKIP_ACCOUNT_CHECK": "true",
	}
	cfg, ok, err := momo.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil || !ok || len(cfg.Currencies) != 2 || !cfg.SkipAccountCheck {
		t.Fatalf("ConfigFromEnv = %+v, %v, %v", cfg, ok, err)
	}
	if _, err := momo.New(cfg); err != nil {
		t.Errorf("New(from env) error = %v", err)
	}
	for k, v := range map[string]string{"REMITFLOW_MOMO_CURRENCIES": "EUR,XYZ", "REMITFLOW_MOMO_SKIP_ACCOUNT_CHECK": "maybe", "REMITFLOW_MOMO_TIMEOUT": "-1s"} {
		bad := map[string]string{}
		for kk, vv := range env {
			bad[kk] = vv
		}
		bad[k] = v
		if _, _, err := momo.ConfigFromEnv(func(k string) string { return bad[k] }); err == nil {
			t.Errorf("ConfigFromEnv with %s=%q succeeded", k, v)
		}
	}
}
