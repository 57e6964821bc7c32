package mpesa

import (
	"fmt"
	"net/netip"

	"github.com/remitflow/remitflow/adapters/payout/internal/partnerkit"
)

// ConfigFromEnv reads the configuration from the REMITFLOW_MPESA_* variables
// listed in the package comment (getenv is usually os.Getenv). configured is
// false when REMITFLOW_MPESA_BASE_URL is unset. It returns an error for an
// unreadable certificate file or a malformed duration or CIDR; New checks the
// rest.
func ConfigFromEnv(getenv func(string) string) (cfg Config, configured bool, err error) {
	e := &partnerkit.Env{Get: getenv}
	cfg = Config{
		BaseURL:           e.String("REMITFLOW_MPESA_BASE_URL"),
		ConsumerKey:       e.String("REMITFLOW_MPESA_CONSUMER_KEY"),
		ConsumerSecret:    e.String("REMITFLOW_MPESA_CONSUMER_SECRET"),
		InitiatorName:     e.String("REMITFLOW_MPESA_INITIATOR_NAME"),
		InitiatorPassword: e.String("REMITFLOW_MPESA_INITIATOR_PASSWORD"),
		CertificatePEM:    e.File("REMITFLOW_MPESA_CERT_FILE"),
		ShortCode:         e.String("REMITFLOW_MPESA_SHORTCODE"),
		CommandID:         e.String("REMITFLOW_MPESA_COMMAND_ID"),
		CallbackURL:       e.String("REMITFLOW_MPESA_CALLBACK_URL"),
		CallbackSecret:    e.String("REMITFLOW_MPESA_CALLBACK_SECRET"),
		StatusWait:        e.Duration("REMITFLOW_MPESA_STATUS_WAIT", 0),
		Timeout:           e.Duration("REMITFLOW_MPESA_TIMEOUT", 0),
	}
	for _, c := range e.List("REMITFLOW_MPESA_CALLBACK_ALLOW") {
		p, perr := netip.ParsePrefix(c)
		if perr != nil {
			e.Fail(fmt.Errorf("REMITFLOW_MPESA_CALLBACK_ALLOW: %w", perr))
			continue
		}
		cfg.AllowedSources = append(cfg.AllowedSources, p)
	}
	if err := e.Err(); err != nil {
		return cfg, cfg.BaseURL != "", fmt.Errorf("mpesa: config: %w", err)
	}
	return cfg, cfg.BaseURL != "", nil
}
