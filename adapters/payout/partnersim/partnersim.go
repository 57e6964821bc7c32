// Package partnersim simulates the three mobile-money partners Remitflow pays
// through — Safaricom M-Pesa Daraja B2C, MTN MoMo Disbursement and Airtel
// Money disbursement v2 — on one http.Handler, speaking each partner's real
// paths, headers, bodies and error shapes, so every failure path of the payout
// adapters can be tested and demoed without a sandbox account.
//
// What it simulates:
//   - OAuth tokens that expire after Config.TokenTTL (on the simulator's clock)
//     and are checked on every call; ExpireTokens revokes them all at once.
//   - Required headers and credentials, answered with the partner's own error
//     bodies (Daraja {requestId,errorCode,errorMessage}, MoMo {code,message},
//     Airtel {status:{code,message,result_code,response_code,success}}).
//   - Idempotency by reference: a second request with the same reference gets
//     the partner's duplicate answer (Daraja 500.002.1001, MoMo 409
//     RESOURCE_ALREADY_EXIST, Airtel DP00900001017) and is never paid again.
//   - Outcomes chosen by the recipient's number (see Scenarios and the files
//     mpesa.go, momo.go, airtel.go for the exact rules).
//   - Asynchronous callbacks (M-Pesa ResultURL/QueueTimeOutURL, MoMo
//     X-Callback-Url) after Config.CallbackDelay, with injectable drops and
//     duplicates.
//   - Faults: latency, 500s before processing, 500s after processing (the
//     unknown outcome), a partner being down (503, not processed).
//   - A ledger of every payment made, per partner, reference and external id,
//     so tests can prove nobody was paid twice.
//
// New returns a *Server that is an http.Handler; Close stops pending
// callbacks. ListenAndServe runs it standalone (cmd/partnersim). Besides the
// partner APIs it serves GET /sim/ledger (payments made), GET
// /sim/mpesa/certificate (the PEM certificate to encrypt the M-Pesa initiator
// password with) and GET /healthz.
package partnersim

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
)

// Faults are the injected failure rates, each between 0 and 1.
type Faults struct {
	// ErrorRate: share of partner API calls answered 500 without being processed.
	ErrorRate float64
	// ProcessedErrorRate: share of payment requests that are processed and then
	// answered 500 anyway (an unknown outcome for the caller).
	ProcessedErrorRate float64
	// DropCallbackRate: share of outcome callbacks (M-Pesa ResultURL and
	// QueueTimeOutURL, MoMo X-Callback-Url) never sent.
	DropCallbackRate float64
	// DropQueryResultRate: share of M-Pesa transaction-status results never sent.
	DropQueryResultRate float64
	// DuplicateCallbackRate: share of callbacks sent twice.
	DuplicateCallbackRate float64
}

// MPesaConfig holds the Daraja credentials the simulator accepts.
type MPesaConfig struct {
	ConsumerKey       string
	ConsumerSecret    string
	InitiatorName     string
	InitiatorPassword string
	// ShortCode is the B2C shortcode (PartyA) payouts must come from.
	ShortCode string
	// Key decrypts SecurityCredential; generated when nil.
	Key *rsa.PrivateKey
}

// MoMoConfig holds the MTN MoMo credentials the simulator accepts.
type MoMoConfig struct {
	APIUser           string
	APIKey            string
	SubscriptionKey   string
	TargetEnvironment string
	// Currencies accepted on transfers.
	Currencies []money.Currency
	// LatePolls is how many status GETs 46733123454 stays PENDING for.
	LatePolls int
}

// AirtelConfig holds the Airtel credentials the simulator accepts.
type AirtelConfig struct {
	ClientID     string
	ClientSecret string
	// PIN is the encrypted PIN value disbursements must carry.
	PIN string
	// PendingPolls is how many enquiries ambiguous numbers stay in progress for.
	PendingPolls int
}

// Config configures a Server. Zero fields take the defaults of DefaultConfig.
type Config struct {
	// Now is the simulator's clock (token expiry, timestamps).
	Now func() time.Time
	// TokenTTL is how long issued access tokens stay valid.
	TokenTTL time.Duration
	// Latency is added before every API answer (after processing).
	Latency time.Duration
	// CallbackDelay is waited before each callback is sent.
	CallbackDelay time.Duration
	// Faults are the injected failure rates.
	Faults Faults
	// Seed seeds the fault RNG, so runs are reproducible.
	Seed uint64
	// HTTPClient sends callbacks.
	HTTPClient *http.Client
	// Logger receives one line per callback and fault.
	Logger *slog.Logger

	MPesa  MPesaConfig
	MoMo   MoMoConfig
	Airtel AirtelConfig
}

// DefaultConfig returns the sandbox-like credentials the simulator accepts by
// default; adapters in tests and in `remitflow serve` use the same values.
func DefaultConfig() Config {
	return Config{
		TokenTTL: time.Hour,
		MPesa: MPesaConfig{
			ConsumerKey: "sim-consumer-key", ConsumerSecret: "sim-consumer-secret",
			InitiatorName: "testapi", InitiatorPassword: "Safaricom999!*!", ShortCode: "600996",
		},
		MoMo: MoMoConfig{
			APIUser: "8c5a4a0e-8e0a-4d6a-9a55-4f1c5b1b4f77", APIKey: "sim-momo-api-key",
			SubscriptionKey: "sim-momo-subscription-key", TargetEnvironment: "sandbox",
			Currencies: []money.Currency{"EUR", "UGX", "GHS", "ZMW", "RWF", "XAF", "XOF"},
			LatePolls:  2,
		},
		Airtel: AirtelConfig{
			ClientID: "sim-airtel-client", ClientSecret: "sim-airtel-secret",
			PIN: "KYJExln8rZwb14G1K5UE5YF/lD7KheNUM171MUEG3/f/QD8nmNKRsa44UZkh6A4cR8+fVuTvXz6ZRh2YEOTLxdQ==", PendingPolls: 2,
		},
	}
}

func (c *Config) defaults() {
	d := DefaultConfig()
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.TokenTTL <= 0 {
		c.TokenTTL = d.TokenTTL
	}
	if c.HTTPClient == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 64
		c.HTTPClient = &http.Client{Timeout: 10 * time.Second, Transport: tr}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.MPesa.ConsumerKey == "" {
		key := c.MPesa.Key
		c.MPesa = d.MPesa
		c.MPesa.Key = key
	}
	if c.MoMo.APIUser == "" {
		c.MoMo = d.MoMo
	}
	if len(c.MoMo.Currencies) == 0 {
		c.MoMo.Currencies = d.MoMo.Currencies
	}
	if c.Airtel.ClientID == "" {
		c.Airtel = d.Airtel
	}
}

// Payment is one payment the simulated partner made.
type Payment struct {
	Provider payout.Provider
	// Reference is the caller's reference (OriginatorConversationID,
	// X-Reference-Id, transaction.id).
	Reference string
	// External is the caller's business reference (Occassion, externalId,
	// reference) — Remitflow sends the transfer ID.
	External string
	MSISDN   string
	Amount   money.Amount
	At       time.Time
}

type token struct {
	provider payout.Provider
	expires  time.Time
}

// Server is the simulator. It is safe for concurrent use.
type Server struct {
	cfg     Config
	certPEM []byte
	mux     *http.ServeMux

	mu        sync.Mutex
	rng       *mrand.Rand
	faults    Faults
	down      map[payout.Provider]bool
	tokens    map[string]token
	issued    map[payout.Provider]int
	ledger    []Payment
	callbacks map[string]int
	seq       int
	mpesa     map[string]*mpesaTxn
	mpesaRcpt map[string]string
	momo      map[string]*momoTxn
	airtel    map[string]*airtelTxn

	wg     sync.WaitGroup
	stop   chan struct{}
	closed bool
}

// New builds a simulator. It generates an RSA key for M-Pesa when the config
// has none. It returns an error only when the key cannot be generated.
func New(cfg Config) (*Server, error) {
	cfg.defaults()
	if cfg.MPesa.Key == nil {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, fmt.Errorf("partnersim: generating M-Pesa key: %w", err)
		}
		cfg.MPesa.Key = k
	}
	certPEM, err := selfSigned(cfg.MPesa.Key, cfg.Now())
	if err != nil {
		return nil, fmt.Errorf("partnersim: M-Pesa certificate: %w", err)
	}
	s := &Server{
		cfg: cfg, certPEM: certPEM, mux: http.NewServeMux(),
		rng:    mrand.New(mrand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		faults: cfg.Faults, down: map[payout.Provider]bool{}, tokens: map[string]token{},
		issued: map[payout.Provider]int{}, callbacks: map[string]int{},
		mpesa: map[string]*mpesaTxn{}, mpesaRcpt: map[string]string{},
		momo: map[string]*momoTxn{}, airtel: map[string]*airtelTxn{},
		stop: make(chan struct{}),
	}
	s.routesMPesa()
	s.routesMoMo()
	s.routesAirtel()
	s.mux.HandleFunc("GET /sim/ledger", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Payments())
	})
	s.mux.HandleFunc("GET /sim/mpesa/certificate", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, _ = w.Write(s.certPEM)
	})
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	return s, nil
}

func selfSigned(key *rsa.PrivateKey, now time.Time) ([]byte, error) {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "partnersim M-Pesa", Organization: []string{"Remitflow partnersim"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageKeyEncipherment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// MPesaCertificatePEM returns the PEM certificate adapters encrypt the
// initiator password with.
func (s *Server) MPesaCertificatePEM() []byte { return bytes.Clone(s.certPEM) }

// Config returns the effective configuration (credentials included).
func (s *Server) Config() Config { return s.cfg }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// SetFaults replaces the injected failure rates.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// SetLatency replaces the answer latency.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.Latency = d
}

// SetDown makes a partner answer 503 (not processed) to everything, or
// brings it back.
func (s *Server) SetDown(p payout.Provider, down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down[p] = down
}

// ExpireTokens revokes every token issued so far.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// TokensIssued returns how many tokens the partner issued.
func (s *Server) TokensIssued(p payout.Provider) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued[p]
}

// Payments returns a copy of the ledger, oldest first.
func (s *Server) Payments() []Payment {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Payment(nil), s.ledger...)
}

// PaymentsFor returns the payments made for a reference.
func (s *Server) PaymentsFor(p payout.Provider, reference string) []Payment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Payment
	for _, pm := range s.ledger {
		if pm.Provider == p && pm.Reference == reference {
			out = append(out, pm)
		}
	}
	return out
}

// CallbacksSent returns how many callbacks were delivered (any answer) for a
// reference.
func (s *Server) CallbacksSent(reference string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callbacks[reference]
}

// Close stops callbacks not yet sent and waits for those in flight.
func (s *Server) Close() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.stop)
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// ListenAndServe serves the simulator on addr until ctx ends, then shuts down
// gracefully and stops callbacks. It returns the listener's error, if any.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("partnersim: listen: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx ends (see ListenAndServe).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		s.Close()
		return fmt.Errorf("partnersim: serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdown)
	s.Close()
	if err != nil {
		return fmt.Errorf("partnersim: shutdown: %w", err)
	}
	return nil
}

// --- shared helpers ---

func (s *Server) roll(p float64) bool {
	if p <= 0 {
		return false
	}
	return s.rng.Float64() < p
}

// fault draws the pre-processing faults for one call: down, or a 500 before
// processing. Caller holds no lock.
func (s *Server) fault(p payout.Provider) (down, early bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.down[p], s.roll(s.faults.ErrorRate)
}

func (s *Server) lateFault() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.roll(s.faults.ProcessedErrorRate)
}

func (s *Server) latency(ctx context.Context) {
	s.mu.Lock()
	d := s.cfg.Latency
	s.mu.Unlock()
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func (s *Server) newID(prefix string, n int) string {
	s.seq++
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s%06d%s", prefix, s.seq, hex.EncodeToString(b))
}

func (s *Server) issueToken(p payout.Provider) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	t := hex.EncodeToString(b)
	s.tokens[t] = token{provider: p, expires: s.cfg.Now().Add(s.cfg.TokenTTL)}
	s.issued[p]++
	return t
}

func (s *Server) validBearer(p payout.Provider, r *http.Request) bool {
	const prefix = "Bearer "
	h := r.Header.Get("Authorization")
	if len(h) <= len(prefix) || h[:len(prefix)] != prefix {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[h[len(prefix):]]
	return ok && t.provider == p && s.cfg.Now().Before(t.expires)
}

// pay appends to the ledger; caller holds s.mu.
func (s *Server) pay(p payout.Provider, ref, external, msisdn string, amt money.Amount) {
	s.ledger = append(s.ledger, Payment{Provider: p, Reference: ref, External: external, MSISDN: msisdn, Amount: amt, At: s.cfg.Now()})
}

// callback sends body to url after the configured delay, subject to the drop
// and duplicate faults. Caller holds no lock.
func (s *Server) callback(ctx context.Context, method, url, reference string, query bool, body any) {
	raw, err := json.Marshal(body)
	if err != nil {
		s.cfg.Logger.Error("partnersim: callback body", slog.Any("err", err))
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	dropRate := s.faults.DropCallbackRate
	if query {
		dropRate = s.faults.DropQueryResultRate
	}
	drop := s.roll(dropRate)
	times := 1
	if s.roll(s.faults.DuplicateCallbackRate) {
		times = 2
	}
	delay := s.cfg.CallbackDelay
	s.wg.Add(1)
	s.mu.Unlock()
	if drop {
		s.cfg.Logger.Info("partnersim: callback dropped", slog.String("reference", reference), slog.String("url", url))
		s.wg.Done()
		return
	}
	ctx = context.WithoutCancel(ctx)
	go func() {
		defer s.wg.Done()
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-s.stop:
				t.Stop()
				return
			}
		}
		for i := 0; i < times; i++ {
			select {
			case <-s.stop:
				return
			default:
			}
			status, err := s.post(ctx, method, url, raw)
			s.mu.Lock()
			s.callbacks[reference]++
			s.mu.Unlock()
			s.cfg.Logger.Info("partnersim: callback sent", slog.String("reference", reference),
				slog.String("url", url), slog.Int("status", status), slog.Any("err", err))
		}
	}()
}

func (s *Server) post(ctx context.Context, method, url string, raw []byte) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(raw))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func decodeStrict(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after JSON body")
	}
	return nil
}

// Scenario is one documented outcome the simulator produces for a number.
type Scenario struct {
	Provider payout.Provider
	// Name describes the scenario.
	Name   string
	MSISDN string
	// State is the final state the payout reaches; StatePending when it never
	// resolves.
	State payout.State
	// Code is the partner's result code / reason for it.
	Code string
	// Retryable is what an adapter should report for a failure.
	Retryable bool
	// Rejected means the adapter refuses before sending (ErrInvalidRequest).
	Rejected bool
}

// Scenarios returns the number-driven outcomes of one partner, in a stable
// order: the first entry is always a plain success.
func Scenarios(p payout.Provider) []Scenario {
	var out []Scenario
	switch p {
	case payout.MPesa:
		out = mpesaScenarios()
	case payout.MoMo:
		out = momoScenarios()
	case payout.Airtel:
		out = airtelScenarios()
	}
	return out
}
