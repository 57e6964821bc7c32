package momo

import (
	"fmt"

	"github.com/remitflow/remitflow/adapters/payout/internal/partnerkit"
	"github.com/remitflow/remitflow/domain/money"
)

// ConfigFromEnv reads the configuration from the REMITFLOW_MOMO_* variables
// listed in the package comment (getenv is usually os.Getenv). configured is
// false when REMITFLOW_MOMO_BASE_URL is unset. It returns an error for an
// unknown currency or a malformed duration or boolean; New checks the rest.
func ConfigFromEnv(getenv func(string) string) (cfg Config, configured bool, err error) {
	e := &partnerkit.Env{Get: getenv}
	cfg = Config{
		BaseURL:           e.String("REMITFLOW_MOMO_BASE_URL"),
		APIUser:           e.String("REMITFLOW_MOMO_API_USER"),
		APIKey:            e.String("REMITFLOW_MOMO_API_KEY"),
		SubscriptionKey:   e.String("REMITFLOW_MOMO_SUBSCRIPTION_KEY"),
		TargetEnvironment: e.String("REMITFLOW_MOMO_TARGET_ENVIRONMENT"),
		CallbackURL:       e.String("REMITFLOW_MOMO_CALLBACK_URL"),
		CallbackSecret:    e.String("REMITFLOW_MOMO_CALLBACK_SECRET"),
		SkipAccountCheck:  e.Bool("REMITFLOW_MOMO_SKIP_ACCOUNT_CHECK"),
		Timeout:           e.Duration("REMITFLOW_MOMO_TIMEOUT", 0),
	}
	for _, c := range e.List("REMITFLOW_MOMO_CURRENCIES") {
		cur, cerr := money.ParseCurrency(c)
		if cerr != nil {
			e.Fail(fmt.Errorf("REMITFLOW_MOMO_CURRENCIES: %w", cerr))
			continue
		}
		cfg.Currencies = append(cfg.Currencies, cur)
	}
	if err := e.Err(); err != nil {
		return cfg, cfg.BaseURL != "", fmt.Errorf("momo: config: %w", err)
	}
	return cfg, cfg.BaseURL != "", nil
}
