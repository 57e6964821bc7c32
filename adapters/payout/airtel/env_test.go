package airtel_test

import (
	"testing"

	"github.com/remitflow/remitflow/adapters/payout/airtel"
)

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{
		"REMITFLOW_AIRTEL_BASE_URL": "https://openapiuat.airtel.africa", "REMITFLOW_AIRTEL_CLIENT_ID": "c",
		"REMITFLOW_AIRTEL_CLIENT_SECRET": "s", "REMITFLOW_AIRTEL_PIN": "p", "REMITFLOW_AIRTEL_MARKETS": "UG:UGX:256,ZM:ZMW:260",
	}
	cfg, ok, err := airtel.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil || !ok || len(cfg.Markets) != 2 {
		t.Fatalf("ConfigFromEnv = %+v, %v, %v", cfg, ok, err)
	}
	if _, err := airtel.New(cfg); err != nil {
		t.Errorf("New(from env) error = %v", err)
	}
	env["REMITFLOW_AIRTEL_MARKETS"] = "Uganda"
	if _, _, err := airtel.ConfigFromEnv(func(k string) string { return env[k] }); err == nil {
		t.Error("ConfigFromEnv with malformed markets succeeded")
	}
}
