package main

import (
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/remitflow/remitflow/adapters/fxsource"
	"github.com/remitflow/remitflow/adapters/httpapi"
	"github.com/remitflow/remitflow/adapters/kafkarelay"
	"github.com/remitflow/remitflow/adapters/pii"
	"github.com/remitflow/remitflow/adapters/sanctionslist"
	"github.com/remitflow/remitflow/adapters/screening"
	"github.com/remitflow/remitflow/adapters/storeconfig"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/process"
	"github.com/remitflow/remitflow/domain/sanctions"
	fxrates "github.com/remitflow/remitflow/fx-rates"
	"github.com/remitflow/remitflow/projections"
)

//go:embed demo/corridors.json
var demoCorridors []byte

//go:embed demo/rates.json
var demoRates []byte

// serveConfig is everything `remitflow serve` reads, from flags and
// REMITFLOW_* variables (flags win).
type serveConfig struct {
	// Addr is the listen address (REMITFLOW_HTTP_ADDR, --addr).
	Addr string
	// PublicURL is where partners reach this server's callbacks
	// (REMITFLOW_PUBLIC_URL); default http://<Addr>.
	PublicURL string
	// JWTKey signs and checks bearer tokens (REMITFLOW_JWT_KEY); the public
	// development key when unset.
	JWTKey string
	// Demo seeds demo customers, wallets and an agent (--demo, REMITFLOW_DEMO=1).
	Demo bool
	// PIIDir holds the per-customer keys (REMITFLOW_PII_DIR); default
	// <data dir>/pii-keys.
	PIIDir string
	// PickupSecret keys the pickup-code HMAC (REMITFLOW_PICKUP_SECRET);
	// default: a random secret kept in <data dir>/pickup-secret.
	PickupSecret string
	// PricingFile is the corridor pricing JSON (REMITFLOW_PRICING_FILE);
	// default: the embedded demo corridors.
	PricingFile string
	// RatesFile holds pinned rates (REMITFLOW_RATES_FILE, fxrates static
	// format); default: the embedded demo rates, pinned at startup.
	RatesFile string
	// ECBURL and OXRURL are live rate feeds (REMITFLOW_FX_ECB_URL,
	// REMITFLOW_FX_OXR_URL; the OXR URL includes its app_id), refreshed
	// every FXInterval (REMITFLOW_FX_INTERVAL, default 1h).
	ECBURL, OXRURL string
	FXInterval     time.Duration
	// OFACDir or OFACURL is where the OFAC SDN CSV files come from
	// (REMITFLOW_OFAC_DIR, REMITFLOW_OFAC_URL); default: the embedded snapshot.
	OFACDir, OFACURL string
	// ProcessEnabled runs the transfer process manager (and payout
	// reconciliation) here (REMITFLOW_PROCESS_ENABLED, default true). Run it
	// on one replica; the others serve the API.
	ProcessEnabled bool
	// ReconcileEvery is how often payouts without an outcome are queried
	// (REMITFLOW_RECONCILE_INTERVAL, default 30s).
	ReconcileEvery time.Duration
	// Store is the event store and Kafka configuration.
	Store storeconfig.Config
}

func loadServeConfig(env func(string) (string, bool)) (serveConfig, error) {
	store, err := storeconfig.FromEnv(env)
	if err != nil {
		return serveConfig{}, err
	}
	c := serveConfig{
		Addr:           envOr(env, "REMITFLOW_HTTP_ADDR", "127.0.0.1:8080"),
		PublicURL:      envOr(env, "REMITFLOW_PUBLIC_URL", ""),
		JWTKey:         envOr(env, "REMITFLOW_JWT_KEY", ""),
		Demo:           envOr(env, "REMITFLOW_DEMO", "") == "1",
		ProcessEnabled: envOr(env, "REMITFLOW_PROCESS_ENABLED", "true") != "false",
		PIIDir:         envOr(env, "REMITFLOW_PII_DIR", ""),
		PickupSecret:   envOr(env, "REMITFLOW_PICKUP_SECRET", ""),
		PricingFile:    envOr(env, "REMITFLOW_PRICING_FILE", ""),
		RatesFile:      envOr(env, "REMITFLOW_RATES_FILE", ""),
		ECBURL:         envOr(env, "REMITFLOW_FX_ECB_URL", ""),
		OXRURL:         envOr(env, "REMITFLOW_FX_OXR_URL", ""),
		OFACDir:        envOr(env, "REMITFLOW_OFAC_DIR", ""),
		OFACURL:        envOr(env, "REMITFLOW_OFAC_URL", ""),
		Store:          store,
	}
	for name, dst := range map[string]*time.Duration{"REMITFLOW_FX_INTERVAL": &c.FXInterval, "REMITFLOW_RECONCILE_INTERVAL": &c.ReconcileEvery} {
		if v := envOr(env, name, ""); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return serveConfig{}, fmt.Errorf("%s: %q is not a positive duration", name, v)
			}
			*dst = d
		}
	}
	if c.FXInterval == 0 {
		c.FXInterval = time.Hour
	}
	if c.ReconcileEvery == 0 {
		c.ReconcileEvery = 30 * time.Second
	}
	return c, nil
}

func newServeCmd(env func(string) (string, bool)) *cobra.Command {
	var addr, dataDir string
	var demo bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the API, read models, transfer process and (with no partners configured) the partner simulator",
		Long: `Run the platform. With no configuration it uses the embedded event store in
./data, the embedded OFAC list, demo corridors with pinned rates, and an
in-process partner simulator for M-Pesa, MTN MoMo and Airtel Money.
--demo also registers demo customers with funded wallets and a cash-pickup
agent (idempotent: safe on every start).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadServeConfig(env)
			if err != nil {
				return err
			}
			if addr != "" {
				cfg.Addr = addr
			}
			if dataDir != "" {
				cfg.Store.DataDir = dataDir
			}
			cfg.Demo = cfg.Demo || demo
			log := slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelInfo}))
			a, err := newApp(cmd.Context(), cfg, log)
			if err != nil {
				return err
			}
			return a.run(cmd.Context())
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "listen address (default REMITFLOW_HTTP_ADDR or 127.0.0.1:8080)")
	cmd.Flags().StringVar(&dataDir, "data-dir", "", "embedded store directory (default REMITFLOW_DATA_DIR or ./data)")
	cmd.Flags().BoolVar(&demo, "demo", false, "seed demo customers, wallets and an agent")
	return cmd
}

// app is a running platform: what serve starts, and what tests start on a
// loopback port with a temporary data directory.
type app struct {
	cfg   serveConfig
	log   *slog.Logger
	clock command.Clock

	ln         net.Listener
	url        string
	store      *command.CachingStore
	closeStore func() error
	vault      *pii.Vault
	reads      *projections.ReadModels
	runner     *projections.Runner
	pricer     *fxrates.Pricer
	publisher  *fxsource.Publisher
	refreshers []*fxsource.Refresher
	holder     *sanctions.Holder
	loader     *sanctionslist.Loader
	pay        *payouts
	manager    *process.Manager
	service    *process.Service
	api        *httpapi.Server
	relay      *kafkarelay.Relay
}

// newApp builds every component; nothing runs until run. It returns
// configuration and startup errors (bad files, store that cannot open,
// address in use).
func newApp(ctx context.Context, cfg serveConfig, log *slog.Logger) (_ *app, err error) {
	a := &app{cfg: cfg, log: log, clock: command.ClockFunc(func() time.Time { return time.Now().UTC() })}
	defer func() {
		if err != nil {
			a.close() // a stays set even when the named result is nil
		}
	}()
	if cfg.JWTKey == "" {
		cfg.JWTKey = DevJWTKey
		log.Warn("REMITFLOW_JWT_KEY is not set: using the public development key; never do this in production")
	}
	if a.ln, err = net.Listen("tcp", cfg.Addr); err != nil {
		return nil, fmt.Errorf("listen %s: %w", cfg.Addr, err)
	}
	a.url = "http://" + a.ln.Addr().String()
	if cfg.PublicURL == "" {
		cfg.PublicURL = a.url
	}
	a.cfg = cfg

	// The event store, with the command loop's stream cache shared by the
	// process manager and the service.
	raw, closeStore, err := storeconfig.Open(ctx, cfg.Store, storeconfig.WithLogger(log))
	if err != nil {
		return nil, err
	}
	a.closeStore = closeStore
	a.store = command.NewCachingStore(raw, 0)

	dataDir := cfg.Store.DataDir
	if dataDir == "" {
		dataDir = "data"
	}
	if cfg.PIIDir == "" {
		cfg.PIIDir = filepath.Join(dataDir, "pii-keys")
	}
	if a.vault, err = pii.Open(cfg.PIIDir); err != nil {
		return nil, err
	}

	// Read models; the rate book inside them prices quotes, so quotes use
	// exactly the rates recorded in the log.
	if a.reads, err = projections.NewAll(readModelsConfig()); err != nil {
		return nil, err
	}
	a.runner = projections.NewRunner(a.store, a.reads.Projections()...)
	pricing := demoCorridors
	if cfg.PricingFile != "" {
		if pricing, err = os.ReadFile(cfg.PricingFile); err != nil {
			return nil, fmt.Errorf("REMITFLOW_PRICING_FILE: %w", err)
		}
	}
	pc, err := fxrates.LoadPricingConfig(bytes.NewReader(pricing))
	if err != nil {
		return nil, err
	}
	if a.pricer, err = fxrates.NewPricer(a.reads.Rates.Book(), pc); err != nil {
		return nil, err
	}
	a.publisher = fxsource.NewPublisher(a.store)
	for _, src := range []struct {
		name, url string
		parse     fxrates.ParseFunc
	}{{"ecb", cfg.ECBURL, fxrates.ParseECB}, {"oxr", cfg.OXRURL, fxrates.ParseOXR}} {
		if src.url == "" {
			continue
		}
		s, err := fxsource.NewHTTPSource(fxsource.HTTPConfig{Name: src.name, URL: src.url, Parse: src.parse,
			Options: fxrates.ParseOptions{IgnoreUnknown: true}})
		if err != nil {
			return nil, err
		}
		a.refreshers = append(a.refreshers, &fxsource.Refresher{Source: s, Publisher: a.publisher, Interval: cfg.FXInterval, Logger: log})
	}

	// Sanctions lists, screening, limits, cases and pickup codes.
	a.holder = &sanctions.Holder{}
	var listSource sanctionslist.Source = &sanctionslist.EmbeddedSource{}
	switch {
	case cfg.OFACDir != "":
		listSource = &sanctionslist.DirSource{Dir: cfg.OFACDir}
	case cfg.OFACURL != "":
		listSource = &sanctionslist.HTTPSource{BaseURL: cfg.OFACURL}
	}
	screener, err := screening.NewScreener(screening.Config{Store: a.store, Clock: a.clock, Lists: a.holder, Vault: a.vault, Logger: log})
	if err != nil {
		return nil, err
	}
	rescreen, err := screening.NewRescreener(screener, screening.RescreenOptions{})
	if err != nil {
		return nil, err
	}
	if a.loader, err = sanctionslist.New(sanctionslist.Config{
		Source: listSource, Store: a.store, Holder: a.holder, Clock: a.clock, MinEntries: 1000,
		ArchiveDir: filepath.Join(dataDir, "ofac-archive"), Logger: log,
		OnNewVersion: rescreen.OnNewVersion,
	}); err != nil {
		return nil, err
	}
	limits, err := screening.NewLimits(a.store, a.clock, a.reads.Rates.Book())
	if err != nil {
		return nil, err
	}
	cases, err := screening.NewCases(a.store, a.clock)
	if err != nil {
		return nil, err
	}
	secret, err := pickupSecret(cfg.PickupSecret, dataDir)
	if err != nil {
		return nil, err
	}
	codes, err := screening.NewCodeGenerator(screening.CodeConfig{Secret: secret, Notifier: screening.LogNotifier{Logger: log},
		Store: a.store, Vault: a.vault, Logger: log})
	if err != nil {
		return nil, err
	}
	reviews, err := screening.NewReviews(a.store, a.clock, a.holder)
	if err != nil {
		return nil, err
	}

	// Payouts, the transfer process and the service the API calls.
	if a.pay, err = buildPayouts(ctx, func(k string) string { v, _ := os.LookupEnv(k); return v }, cfg.PublicURL, log); err != nil {
		return nil, err
	}
	if a.manager, err = process.New(process.Deps{
		Store: a.store, Clock: a.clock, Payouts: a.pay.Router, Screener: screener, Codes: codes, Limits: limits, Cases: cases,
		Vault: processVault{a.vault},
	}, process.Config{
		Backoff: func(n int) time.Duration { return 5 * time.Second << min(n-1, 6) },
		OnSkip: func(id, step string, err error) {
			log.Info("transfer step ended by a business rule", "transfer", id, "step", step, "err", err)
		},
	}); err != nil {
		return nil, err
	}
	a.pay.SetSink(a.manager.HandlePayoutResult)
	// The gate refuses requests over the sender's tier limits with a named
	// error (nothing written) and decides a held transfer's compliance cases
	// when staff release or reject it.
	gate, err := process.NewCompliance(a.store, a.clock, screener, screening.ToUSD(a.reads.Rates.Book(), a.clock))
	if err != nil {
		return nil, err
	}
	// Recipients' names and numbers are sealed with the sender's key, so
	// erasing the sender forgets them too.
	if a.service, err = process.NewService(a.store, a.clock, gate, process.WithVault(processVault{a.vault})); err != nil {
		return nil, err
	}
	if a.api, err = httpapi.New(httpapi.Deps{
		Store: a.store, Clock: a.clock, Service: a.service, Pricer: a.pricer, Rates: a.reads.Rates.Book(),
		Vault: a.vault, Runner: a.runner, Reads: a.reads, JWTKey: []byte(cfg.JWTKey), Callbacks: a.pay.Callbacks,
		PickupCodes: codes, Reviews: reviews, ScreenCustomer: screener.ScreenCustomer, Logger: log,
	}); err != nil {
		return nil, err
	}
	if a.relay, err = storeconfig.NewRelay(cfg.Store, raw, storeconfig.WithLogger(log)); err != nil {
		return nil, err
	}
	return a, nil
}

// pickupSecret returns the configured secret, or one kept in the data
// directory (created on first start with 0600 permissions).
func pickupSecret(configured, dataDir string) ([]byte, error) {
	if configured != "" {
		if len(configured) < screening.MinSecretBytes {
			return nil, fmt.Errorf("REMITFLOW_PICKUP_SECRET must be at least %d bytes", screening.MinSecretBytes)
		}
		return []byte(configured), nil
	}
	path := filepath.Join(dataDir, "pickup-secret")
	if b, err := os.ReadFile(path); err == nil && len(b) >= screening.MinSecretBytes {
		return b, nil
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("pickup secret: %w", err)
	}
	b := make([]byte, 48)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("pickup secret: %w", err)
	}
	return b, nil
}

// publishRates records the pinned rates (stamped now unless the file has its
// own as_of) and the embedded ECB history, so quotes and FX views replay with
// the rates that were true then. Publishing the same rates again appends
// nothing.
func (a *app) publishRates(ctx context.Context) error {
	raw := demoRates
	if a.cfg.RatesFile != "" {
		b, err := os.ReadFile(a.cfg.RatesFile)
		if err != nil {
			return fmt.Errorf("REMITFLOW_RATES_FILE: %w", err)
		}
		raw = b
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("pinned rates: %w", err)
	}
	if _, ok := doc["as_of"]; !ok {
		doc["as_of"] = a.clock.Now().Truncate(time.Minute).Format(time.RFC3339)
	}
	stamped, _ := json.Marshal(doc)
	pinned, err := fxrates.ParseStatic(bytes.NewReader(stamped), fxrates.ParseOptions{Source: "pinned"})
	if err != nil {
		return fmt.Errorf("pinned rates: %w", err)
	}
	if _, err := a.publisher.Publish(ctx, append(fxrates.DemoECB(), pinned...)); err != nil {
		return err
	}
	return nil
}

// run starts everything and blocks until ctx ends or a component fails;
// then it stops the rest and closes the store.
func (a *app) run(ctx context.Context) error {
	defer a.close()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	goRun := func(name string, f func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(ctx); err != nil && ctx.Err() == nil {
				a.log.Error("component stopped", "component", name, "err", err)
				cancel(fmt.Errorf("%s: %w", name, err))
			}
		}()
	}
	if err := a.publishRates(ctx); err != nil {
		return err
	}
	if _, err := a.loader.Refresh(ctx); err != nil {
		return fmt.Errorf("sanctions list: %w", err)
	}
	goRun("projections", a.runner.Run)
	goRun("sanctions-list", a.loader.Run)
	if a.cfg.ProcessEnabled {
		goRun("transfer-process", func(ctx context.Context) error {
			return supervise(ctx, a.log, "transfer-process", time.Second, 30*time.Second, a.manager.Run)
		})
		goRun("reconcile", a.reconcileLoop)
	}
	for _, r := range a.refreshers {
		goRun("fx-"+r.Source.Name(), r.Run)
	}
	if a.relay != nil {
		goRun("kafka-relay", func(ctx context.Context) error {
			return supervise(ctx, a.log, "kafka-relay", time.Second, 30*time.Second, a.relay.Run)
		})
		defer a.relay.Close()
	}
	srv := &http.Server{Handler: a.api.Handler(), ReadHeaderTimeout: 10 * time.Second}
	goRun("http", func(ctx context.Context) error {
		err := srv.Serve(a.ln)
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	})
	if a.cfg.Demo {
		goRun("demo-seed", a.seedDemo)
	}
	a.log.Info("remitflow serving", "url", a.url, "store", a.cfg.Store.Store, "partner_simulator", a.pay.SimURL, "demo", a.cfg.Demo)
	<-ctx.Done()
	shutdown, stop := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer stop()
	_ = srv.Shutdown(shutdown)
	wg.Wait()
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return nil
}

// reconcileLoop asks partners about payouts without an outcome past their
// deadline, every ReconcileEvery.
func (a *app) reconcileLoop(ctx context.Context) error {
	t := time.NewTicker(a.cfg.ReconcileEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if rep, err := a.manager.Reconcile(ctx); err != nil {
				a.log.Warn("reconcile", "err", err)
			} else if rep.Queried > 0 {
				a.log.Info("reconciled payouts", "report", rep)
			}
		}
	}
}

func (a *app) close() {
	if a.pay != nil {
		a.pay.Close()
	}
	if a.ln != nil {
		_ = a.ln.Close()
	}
	if a.closeStore != nil {
		if err := a.closeStore(); err != nil && !strings.Contains(err.Error(), "closed") {
			a.log.Warn("closing the event store", "err", err)
		}
		a.closeStore = nil
	}
}
