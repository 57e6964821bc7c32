// Package simwire configures the three payout adapters to talk to a
// partnersim.Server, with the simulator's own credentials and certificate.
// `remitflow serve` uses it when no partner URLs are configured, and the
// conformance suite uses it in tests.
package simwire

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/remitflow/remitflow/adapters/payout/airtel"
	"github.com/remitflow/remitflow/adapters/payout/momo"
	"github.com/remitflow/remitflow/adapters/payout/mpesa"
	"github.com/remitflow/remitflow/adapters/payout/partnersim"
	"github.com/remitflow/remitflow/adapters/payout/router"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
)

// Options says where the simulator and our callback endpoints are.
type Options struct {
	// SimURL is the simulator's base URL (e.g. http://127.0.0.1:8089).
	SimURL string
	// CallbackURL is the public base under which the callback handlers are
	// mounted per provider (router.CallbackHandler's prefix), e.g.
	// http://127.0.0.1:8080/payout/callbacks; each adapter gets
	// CallbackURL + "/" + provider.
	CallbackURL string
	// CallbackSecret secures the callback URLs; default "partnersim-callback-secret".
	CallbackSecret string
	// StatusWait bounds M-Pesa's wait for a status-query result (default 2s).
	StatusWait time.Duration
	// Timeout is each adapter's HTTP timeout (default 10s).
	Timeout    time.Duration
	HTTPClient *http.Client
	Logger     *slog.Logger
}

func (o Options) defaults() Options {
	if o.CallbackSecret == "" {
		o.CallbackSecret = "partnersim-callback-secret"
	}
	if o.StatusWait <= 0 {
		o.StatusWait = 2 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	o.SimURL = strings.TrimRight(o.SimURL, "/")
	o.CallbackURL = strings.TrimRight(o.CallbackURL, "/")
	return o
}

// Simulator is what the adapters need to know about a simulator: its
// credentials and M-Pesa certificate. *partnersim.Server (in-process) and
// *Remote (a separate cmd/partnersim) implement it.
type Simulator interface {
	Config() partnersim.Config
	MPesaCertificatePEM() []byte
}

// Remote is a cmd/partnersim reached over HTTP, using the default credentials.
type Remote struct {
	cert []byte
}

// Dial fetches the certificate of the simulator at simURL
// (GET /sim/mpesa/certificate). It returns an error when the simulator
// cannot be reached or answers something else than a PEM certificate.
func Dial(ctx context.Context, client *http.Client, simURL string) (*Remote, error) {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(simURL, "/")+"/sim/mpesa/certificate", nil)
	if err != nil {
		return nil, fmt.Errorf("simwire: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("simwire: reaching partnersim: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("simwire: reading certificate: %w", err)
	}
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("BEGIN CERTIFICATE")) {
		return nil, fmt.Errorf("simwire: partnersim certificate: HTTP %d", resp.StatusCode)
	}
	return &Remote{cert: body}, nil
}

// Config returns the default credentials cmd/partnersim accepts.
func (r *Remote) Config() partnersim.Config { return partnersim.DefaultConfig() }

// MPesaCertificatePEM returns the fetched certificate.
func (r *Remote) MPesaCertificatePEM() []byte { return bytes.Clone(r.cert) }

// MPesaConfig returns an M-Pesa configuration for the simulator.
func MPesaConfig(sim Simulator, o Options) mpesa.Config {
	o = o.defaults()
	c := sim.Config().MPesa
	return mpesa.Config{
		BaseURL: o.SimURL, ConsumerKey: c.ConsumerKey, ConsumerSecret: c.ConsumerSecret,
		InitiatorName: c.InitiatorName, InitiatorPassword: c.InitiatorPassword,
		CertificatePEM: sim.MPesaCertificatePEM(), ShortCode: c.ShortCode,
		CallbackURL: o.CallbackURL + "/" + string(payout.MPesa), CallbackSecret: o.CallbackSecret,
		StatusWait: o.StatusWait, Timeout: o.Timeout, HTTPClient: o.HTTPClient, Logger: o.Logger,
	}
}

// MoMoConfig returns an MTN MoMo configuration for the simulator.
func MoMoConfig(sim Simulator, o Options) momo.Config {
	o = o.defaults()
	c := sim.Config().MoMo
	return momo.Config{
		BaseURL: o.SimURL, APIUser: c.APIUser, APIKey: c.APIKey, SubscriptionKey: c.SubscriptionKey,
		TargetEnvironment: c.TargetEnvironment, Currencies: append([]money.Currency(nil), c.Currencies...),
		CallbackURL: o.CallbackURL + "/" + string(payout.MoMo), CallbackSecret: o.CallbackSecret,
		Timeout: o.Timeout, HTTPClient: o.HTTPClient, Logger: o.Logger,
	}
}

// AirtelConfig returns an Airtel configuration for the simulator, with the
// Uganda, Kenya, Zambia and Tanzania markets.
func AirtelConfig(sim Simulator, o Options) airtel.Config {
	o = o.defaults()
	c := sim.Config().Airtel
	return airtel.Config{
		BaseURL: o.SimURL, ClientID: c.ClientID, ClientSecret: c.ClientSecret, EncryptedPIN: c.PIN,
		Markets: []airtel.Market{
			{Country: "UG", Currency: "UGX", DialCode: "256"},
			{Country: "KE", Currency: "KES", DialCode: "254"},
			{Country: "ZM", Currency: "ZMW", DialCode: "260"},
			{Country: "TZ", Currency: "TZS", DialCode: "255"},
		},
		Timeout: o.Timeout, HTTPClient: o.HTTPClient, Logger: o.Logger,
	}
}

// Adapters are the three adapters wired to one simulator.
type Adapters struct {
	MPesa  *mpesa.Adapter
	MoMo   *momo.Adapter
	Airtel *airtel.Adapter
}

// New builds the three adapters for sim. It returns the first constructor error.
func New(sim Simulator, o Options) (Adapters, error) {
	mp, err := mpesa.New(MPesaConfig(sim, o))
	if err != nil {
		return Adapters{}, err
	}
	mo, err := momo.New(MoMoConfig(sim, o))
	if err != nil {
		return Adapters{}, err
	}
	ai, err := airtel.New(AirtelConfig(sim, o))
	if err != nil {
		return Adapters{}, err
	}
	return Adapters{MPesa: mp, MoMo: mo, Airtel: ai}, nil
}

// DefaultRoutes send payouts without a Provider by wallet country and currency.
var DefaultRoutes = []router.Route{
	{Country: "KE", Currency: "KES", Provider: payout.MPesa},
	{Country: "UG", Currency: "UGX", Provider: payout.MoMo},
	{Country: "GH", Currency: "GHS", Provider: payout.MoMo},
	{Country: "RW", Currency: "RWF", Provider: payout.MoMo},
	{Country: "ZM", Currency: "ZMW", Provider: payout.Airtel},
	{Country: "TZ", Currency: "TZS", Provider: payout.Airtel},
}

// InProcess is a simulator with the three adapters, the router and the
// callback handler wired to it: what `remitflow serve` runs when no partner
// URLs are configured.
type InProcess struct {
	Sim      Simulator
	Adapters Adapters
	// Router is the payout.Port the transfer process uses.
	Router *router.Router
	// Callbacks serves every partner callback under the prefix given to
	// NewInProcess; mount it on the HTTP server at that prefix.
	Callbacks http.Handler
}

// NewInProcess wires everything to sim. o.SimURL is where sim is served (for
// example the API server's own URL + "/partnersim", with the simulator
// mounted there through http.StripPrefix, or REMITFLOW_PARTNERSIM_URL with a
// Remote from Dial), o.CallbackURL the public URL of callbackPrefix on the
// API server. Final outcomes pushed by callbacks go to
// sink. It returns a constructor error.
func NewInProcess(sim Simulator, o Options, callbackPrefix string, sink payout.ResultSink) (*InProcess, error) {
	ads, err := New(sim, o)
	if err != nil {
		return nil, err
	}
	rt, err := router.New(router.Config{
		Partners: map[payout.Provider]router.Partner{
			payout.MPesa:  {Port: ads.MPesa},
			payout.MoMo:   {Port: ads.MoMo},
			payout.Airtel: {Port: ads.Airtel},
		},
		Routes: DefaultRoutes,
		Logger: o.Logger,
	})
	if err != nil {
		return nil, err
	}
	cb := router.CallbackHandler(callbackPrefix, sink, map[payout.Provider]router.CallbackSource{
		payout.MPesa: ads.MPesa, payout.MoMo: ads.MoMo,
	})
	return &InProcess{Sim: sim, Adapters: ads, Router: rt, Callbacks: cb}, nil
}
