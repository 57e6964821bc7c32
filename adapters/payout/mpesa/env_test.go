package mpesa_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/remitflow/remitflow/adapters/payout/mpesa"
	"github.com/remitflow/remitflow/adapters/payout/partnersim"
	"github.com/remitflow/remitflow/adapters/payout/payouttest"
)

func TestConfigFromEnv(t *testing.T) {
	sim, err := partnersim.New(payouttest.SimConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	cert := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(cert, sim.MPesaCertificatePEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"REMITFLOW_MPESA_BASE_URL": "https://sandbox.safaricom.co.ke", "REMITFLOW_MPESA_CONSUMER_KEY": "k",
		"REMITFLOW_MPESA_CONSUMER_SECRET": "s", "REMITFLOW_MPESA_INITIATOR_NAME": "testapi",
		"REMITFLOW_MPESA_INITIATOR_PASSWORD": "pw", "REMITFLOW_MPESA_CERT_FILE": cert, "REMITFLOW_MPESA_SHORTCODE": "600996",
		"REMITFLOW_MPESA_CALLBACK_URL": "https://api.example.com/payout/callbacks/mpesa", "REMITFLOW_MPESA_CALLBACK_SECRET": "x",
		"REMITFLOW_MPESA_CALLBACK_ALLOW": "196.201.214.0/24, 196.201.213.0/24", "REMITFLOW_MPESA_STATUS_WAIT": "3s",
	}
	cfg, ok, err := mpesa.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil || !ok {
		t.Fatalf("ConfigFromEnv = %v, %v", ok, err)
	}
	if cfg.StatusWait != 3*time.Second || len(cfg.AllowedSources) != 2 || cfg.ShortCode != "600996" {
		t.Errorf("cfg = %+v", cfg)
	}
	if _, err := mpesa.New(cfg); err != nil {
		t.Errorf("New(from env) error = %v", err)
	}
	for k, v := range map[string]string{"REMITFLOW_MPESA_CALLBACK_ALLOW": "not-a-cidr", "REMITFLOW_MPESA_STATUS_WAIT": "soon",
		"REMITFLOW_MPESA_CERT_FILE": filepath.Join(t.TempDir(), "missing.pem")} {
		bad := map[string]string{}
		for kk, vv := range env {
			bad[kk] = vv
		}
		bad[k] = v
		if _, _, err := mpesa.ConfigFromEnv(func(k string) string { return bad[k] }); err == nil {
			t.Errorf("ConfigFromEnv with %s=%q succeeded", k, v)
		}
	}
	if _, ok, err := mpesa.ConfigFromEnv(func(string) string { return "" }); ok || err != nil {
		t.Errorf("ConfigFromEnv(empty) = %v, %v; want not configured, no error", ok, err)
	}
}
