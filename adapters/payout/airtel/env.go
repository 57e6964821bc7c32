package airtel

import (
	"fmt"

	"github.com/remitflow/remitflow/adapters/payout/internal/partnerkit"
)

// ConfigFromEnv reads the configuration from the REMITFLOW_AIRTEL_* variables
// listed in the package comment (getenv is usually os.Getenv). configured is
// false when REMITFLOW_AIRTEL_BASE_URL is unset. It returns an error for
// malformed markets or durations; New checks the rest.
func ConfigFromEnv(getenv func(string) string) (cfg Config, configured bool, err error) {
	e := &partnerkit.Env{Get: getenv}
	cfg = Config{
		BaseURL:      e.String("REMITFLOW_AIRTEL_BASE_URL"),
		ClientID:     e.String("REMITFLOW_AIRTEL_CLIENT_ID"),
		ClientSecret: e.String("REMITFLOW_AIRTEL_CLIENT_SECRET"),
		EncryptedPIN: e.String("REMITFLOW_AIRTEL_PIN"),
		WalletType:   e.String("REMITFLOW_AIRTEL_WALLET_TYPE"),
		Timeout:      e.Duration("REMITFLOW_AIRTEL_TIMEOUT", 0),
	}
	markets, merr := ParseMarkets(e.String("REMITFLOW_AIRTEL_MARKETS"))
	if merr != nil {
		e.Fail(merr)
	}
	cfg.Markets = markets
	if err := e.Err(); err != nil {
		return cfg, cfg.BaseURL != "", fmt.Errorf("airtel: config: %w", err)
	}
	return cfg, cfg.BaseURL != "", nil
}
