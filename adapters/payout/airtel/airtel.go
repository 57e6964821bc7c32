// Package airtel pays recipients' Airtel Money wallets through the Airtel
// Africa Open API disbursement v2, implementing payout.Port.
//
// Protocol:
//   - Token: POST /auth/oauth2/token with the JSON body {client_id,
//     client_secret, grant_type: client_credentials}; cached until TokenMargin
//     before expires_in (a string or a number); a 401 refreshes it once.
//   - Submit: POST /standard/v2/disbursements/ with X-Country and X-Currency of
//     the wallet's market and {payee{msisdn (without the country code),
//     wallet_type}, reference (the TransferID), pin (the PIN already encrypted
//     with Airtel's public key, taken from configuration), transaction{amount,
//     id (our Reference), type B2C}}.
//   - Enquiry: GET /standard/v2/disbursements/{id}?transactionType=B2C.
//   - Both answers are decided on status.response_code and
//     data.transaction.status (TS success, TF failed, TA ambiguous, TIP in
//     progress): DP00900001001 success; DP00900001000 (ambiguous),
//     DP00900001006 (in process) and DP00900001014 (timed out — Airtel says it
//     may have been processed) are pending and resolved by enquiry;
//     DP00900001011/DP00900001017 (duplicate transaction id) are answered with
//     an enquiry, never a resend; DP00900001015 (not found) is payout.ErrNotFound;
//     DP00900001003/004/005/007/009/010/012/013/016 are final failures, with
//     Retryable per code (see codes). 429/503 are "not processed"; other 5xx and
//     transport failures are StateUnknown with payout.ErrUnavailable.
//
// Airtel's v2 disbursement has no per-request callback URL; outcomes are
// learnt from the answer and by enquiry, so this adapter has no Handler.
//
// Configuration (Config field — proposed environment variable):
//
//	BaseURL       REMITFLOW_AIRTEL_BASE_URL        https://openapiuat.airtel.africa (prod: https://openapi.airtel.africa)
//	ClientID      REMITFLOW_AIRTEL_CLIENT_ID
//	ClientSecret  REMITFLOW_AIRTEL_CLIENT_SECRET
//	EncryptedPIN  REMITFLOW_AIRTEL_PIN             disbursement PIN, RSA-encrypted and base64 as Airtel requires
//	Markets       REMITFLOW_AIRTEL_MARKETS         e.g. "UG:UGX:256,KE:KES:254,ZM:ZMW:260"
//	WalletType    REMITFLOW_AIRTEL_WALLET_TYPE     default NORMAL
//	Timeout       REMITFLOW_AIRTEL_TIMEOUT         HTTP client timeout, default 30s
package airtel

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/remitflow/remitflow/adapters/payout/internal/partnerkit"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
)

// Market is one country Airtel pays in.
type Market struct {
	// Country is the ISO 3166-1 alpha-2 code sent as X-Country.
	Country string
	// Currency is sent as X-Currency; requests in other currencies are refused.
	Currency money.Currency
	// DialCode is the country calling code stripped from the MSISDN ("256").
	DialCode string
}

// ParseMarkets parses "UG:UGX:256,KE:KES:254". It returns an error for a
// malformed entry or an unknown currency.
func ParseMarkets(s string) ([]Market, error) {
	var out []Market
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		f := strings.Split(part, ":")
		if len(f) != 3 || len(f[0]) != 2 || !partnerkit.Digits(f[2]) {
			return nil, fmt.Errorf("airtel: market %q is not COUNTRY:CURRENCY:DIALCODE", part)
		}
		c, err := money.ParseCurrency(f[1])
		if err != nil {
			return nil, fmt.Errorf("airtel: market %q: %w", part, err)
		}
		out = append(out, Market{Country: strings.ToUpper(f[0]), Currency: c, DialCode: f[2]})
	}
	return out, nil
}

// Config configures an Adapter; see the package comment for environment names.
type Config struct {
	BaseURL      string
	ClientID     string
	ClientSecret string
	EncryptedPIN string
	Markets      []Market
	WalletType   string
	Timeout      time.Duration
	// TokenMargin is how long before expiry a token is refreshed (default 30s;
	// Airtel tokens can live only 180s).
	TokenMargin time.Duration
	HTTPClient  *http.Client
	Now         func() time.Time
	Logger      *slog.Logger
}

// Adapter is the Airtel Money disbursement payout.Port.
type Adapter struct {
	cfg    Config
	client *http.Client
	tokens *partnerkit.TokenCache
	recs   *partnerkit.Records
	log    *slog.Logger
}

var _ payout.Port = (*Adapter)(nil)

// New checks cfg and builds the adapter. It returns an error for a missing
// required field or no market.
func New(cfg Config) (*Adapter, error) {
	for name, v := range map[string]string{
		"BaseURL": cfg.BaseURL, "ClientID": cfg.ClientID, "ClientSecret": cfg.ClientSecret, "EncryptedPIN": cfg.EncryptedPIN,
	} {
		if v == "" {
			return nil, fmt.Errorf("airtel: config: %s is required", name)
		}
	}
	if len(cfg.Markets) == 0 {
		return nil, fmt.Errorf("airtel: config: Markets is required")
	}
	if cfg.WalletType == "" {
		cfg.WalletType = "NORMAL"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.TokenMargin <= 0 {
		cfg.TokenMargin = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = partnerkit.Discard()
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	client := cfg.HTTPClient
	if client == nil {
		client = partnerkit.NewHTTPClient(cfg.Timeout)
	}
	a := &Adapter{cfg: cfg, client: client, recs: partnerkit.NewRecordsWithClock(cfg.Now), log: cfg.Logger.With(slog.String("partner", string(payout.Airtel)))}
	a.tokens = partnerkit.NewTokenCache(a.fetchToken, cfg.Now, cfg.TokenMargin)
	return a, nil
}

// TokenFetches returns how many access tokens the adapter fetched.
func (a *Adapter) TokenFetches() int { return a.tokens.Fetches() }

func (a *Adapter) fetchToken(ctx context.Context) (string, time.Duration, error) {
	raw, _ := json.Marshal(map[string]string{
		"client_id": a.cfg.ClientID, "client_secret": a.cfg.ClientSecret, "grant_type": "client_credentials",
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.BaseURL+"/auth/oauth2/token", bytes.NewReader(raw))
	if err != nil {
		return "", 0, fmt.Errorf("airtel token: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "*/*")
	resp, err := partnerkit.Do(a.client, req)
	if err != nil {
		return "", 0, fmt.Errorf("airtel token: %w", err)
	}
	var body struct {
		AccessToken string      `json:"access_token"`
		ExpiresIn   json.Number `json:"expires_in"`
	}
	if resp.Status != http.StatusOK || json.Unmarshal(resp.Body, &body) != nil || body.AccessToken == "" {
		return "", 0, fmt.Errorf("airtel token: %w: HTTP %d %s", payout.ErrUnavailable, resp.Status, partnerkit.Truncate(string(resp.Body), 200))
	}
	secs, err := body.ExpiresIn.Int64()
	if err != nil || secs <= 0 {
		secs = 180
	}
	return body.AccessToken, time.Duration(secs) * time.Second, nil
}

func (a *Adapter) call(ctx context.Context, m Market, method, path string, body any) (partnerkit.Response, error) {
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return partnerkit.Response{}, fmt.Errorf("encoding %s: %w", path, err)
		}
	}
	for attempt := 0; ; attempt++ {
		tok, err := a.tokens.Token(ctx)
		if err != nil {
			return partnerkit.Response{}, err
		}
		req, err := http.NewRequestWithContext(ctx, method, a.cfg.BaseURL+path, bytes.NewReader(raw))
		if err != nil {
			return partnerkit.Response{}, fmt.Errorf("building %s: %w", path, err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", "*/*")
		req.Header.Set("X-Country", m.Country)
		req.Header.Set("X-Currency", string(m.Currency))
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := partnerkit.Do(a.client, req)
		if err != nil {
			return partnerkit.Response{}, err
		}
		if resp.Status == http.StatusUnauthorized {
			a.tokens.Invalidate(tok)
			if attempt == 0 {
				continue
			}
			return resp, partnerkit.NotSent(fmt.Errorf("%w: access token rejected twice", payout.ErrUnavailable))
		}
		return resp, nil
	}
}

func (a *Adapter) market(country, msisdn string) (Market, bool) {
	for _, m := range a.cfg.Markets {
		if (country == "" || strings.EqualFold(country, m.Country)) && strings.HasPrefix(msisdn, m.DialCode) {
			return m, true
		}
	}
	return Market{}, false
}

type answer struct {
	Data *struct {
		Transaction struct {
			ID            string `json:"id"`
			Status        string `json:"status"`
			Message       string `json:"message"`
			AirtelMoneyID string `json:"airtel_money_id"`
			ReferenceID   string `json:"reference_id"`
		} `json:"transaction"`
	} `json:"data"`
	Status struct {
		Code         string `json:"code"`
		Message      string `json:"message"`
		ResultCode   string `json:"result_code"`
		ResponseCode string `json:"response_code"`
		Success      bool   `json:"success"`
	} `json:"status"`
}

func (an answer) txStatus() string {
	if an.Data == nil {
		return ""
	}
	return strings.ToUpper(an.Data.Transaction.Status)
}

func (an answer) moneyID() string {
	if an.Data == nil {
		return ""
	}
	return an.Data.Transaction.AirtelMoneyID
}

// Response codes of the disbursement API.
const (
	codeAmbiguous = "DP00900001000"
	codeSuccess   = "DP00900001001"
	codeInProcess = "DP00900001006"
	codeDuplicate = "DP00900001011"
	codeTimedOut  = "DP00900001014"
	codeNotFound  = "DP00900001015"
	codeDupID     = "DP00900001017"
)

// codes maps final failure response codes to whether a new attempt may succeed.
var codes = map[string]bool{
	"DP00900001003": true,  // maximum transaction limit reached for the day
	"DP00900001004": false, // amount out of range
	"DP00900001005": true,  // transaction failed
	"DP00900001007": true,  // insufficient funds in the disbursement wallet
	"DP00900001009": false, // invalid initiatee
	"DP00900001010": false, // payer not an allowed user
	"DP00900001012": false, // invalid mobile number
	"DP00900001013": false, // refused
	"DP00900001016": false, // x-signature and payload mismatch
}

// decide turns an answer into a Result; ok=false means the answer does not
// decide anything (the caller treats it as unknown).
func (a *Adapter) decide(ref string, an answer) (payout.Result, bool) {
	rc := an.Status.ResponseCode
	msg := an.Status.Message
	if an.Data != nil && an.Data.Transaction.Message != "" {
		msg = an.Data.Transaction.Message
	}
	base := payout.Result{Reference: ref, PartnerReference: an.moneyID(), Code: rc, Reason: msg}
	switch {
	case rc == codeSuccess && (an.txStatus() == "" || an.txStatus() == "TS"):
		base.State, base.At = payout.StateSucceeded, a.cfg.Now()
		return base, true
	case rc == codeAmbiguous || rc == codeInProcess || rc == codeTimedOut || an.txStatus() == "TA" || an.txStatus() == "TIP":
		base.State = payout.StatePending
		return base, true
	}
	if retry, ok := codes[rc]; ok {
		base.State, base.Retryable, base.At = payout.StateFailed, retry, a.cfg.Now()
		return base, true
	}
	if an.txStatus() == "TF" {
		base.State, base.At = payout.StateFailed, a.cfg.Now()
		return base, true
	}
	if an.txStatus() == "TS" {
		base.State, base.At = payout.StateSucceeded, a.cfg.Now()
		return base, true
	}
	return base, false
}

// Submit sends a disbursement. It returns the state the answer proves
// (succeeded, failed or pending), the enquiry's answer for a duplicate id,
// payout.ErrInvalidRequest (nothing sent) for a request Airtel cannot pay, and
// payout.ErrUnavailable with StateUnknown when the outcome is unknown (marked
// NotSent when nothing was processed).
func (a *Adapter) Submit(ctx context.Context, req payout.Request) (payout.Result, error) {
	if req.Reference == "" || len(req.Reference) > 64 {
		return payout.Result{}, fmt.Errorf("airtel submit: %w: reference must have 1 to 64 characters", payout.ErrInvalidRequest)
	}
	if req.Provider != "" && req.Provider != payout.Airtel {
		return payout.Result{}, fmt.Errorf("airtel submit: %w: provider %q is not Airtel", payout.ErrInvalidRequest, req.Provider)
	}
	m, ok := a.market(req.Country, req.MSISDN)
	switch {
	case !partnerkit.Digits(req.MSISDN) || !ok:
		return payout.Result{}, fmt.Errorf("airtel submit: %w: no Airtel market for %s %q", payout.ErrInvalidRequest, req.Country, req.MSISDN)
	case req.Amount.Currency != m.Currency:
		return payout.Result{}, fmt.Errorf("airtel submit: %w: %s pays %s, not %s", payout.ErrInvalidRequest, m.Country, m.Currency, req.Amount.Currency)
	case !req.Amount.IsPositive() || !req.Amount.IsMinorPrecision():
		return payout.Result{}, fmt.Errorf("airtel submit: %w: amount %s is not positive in minor units", payout.ErrInvalidRequest, req.Amount)
	}
	local := strings.TrimPrefix(req.MSISDN, m.DialCode)
	if len(local) < 7 || len(local) > 10 {
		return payout.Result{}, fmt.Errorf("airtel submit: %w: MSISDN %q has no valid national number", payout.ErrInvalidRequest, req.MSISDN)
	}
	ref := req.Reference
	if err := a.recs.Check(ref, req.MSISDN, req.Amount); err != nil {
		return payout.Result{}, fmt.Errorf("airtel submit: %w: %w", payout.ErrInvalidRequest, err)
	}
	if rec, ok := a.recs.Get(ref); ok && rec.Result.State.Final() {
		return rec.Result, nil
	}
	if err := a.recs.Sent(ref, req.MSISDN, req.Amount); err != nil {
		return payout.Result{}, fmt.Errorf("airtel submit: %w: %w", payout.ErrInvalidRequest, err)
	}
	reference := req.TransferID
	if len(reference) < 4 {
		reference = "Remitflow payout"
	}
	body := map[string]any{
		"payee":     map[string]string{"msisdn": local, "wallet_type": a.cfg.WalletType},
		"reference": partnerkit.Truncate(reference, 64),
		"pin":       a.cfg.EncryptedPIN,
		"transaction": map[string]any{
			"amount": json.Number(req.Amount.Value.String()), "id": ref, "type": "B2C",
		},
	}
	unknown := payout.Result{Reference: ref, State: payout.StateUnknown}
	resp, err := a.call(ctx, m, http.MethodPost, "/standard/v2/disbursements/", body)
	if err != nil {
		return unknown, fmt.Errorf("airtel submit %s: %w", ref, err)
	}
	var an answer
	_ = json.Unmarshal(resp.Body, &an)
	rc := an.Status.ResponseCode
	switch {
	case resp.Status == http.StatusTooManyRequests || resp.Status == http.StatusServiceUnavailable:
		return unknown, fmt.Errorf("airtel submit %s: %w", ref, partnerkit.NotSent(
			fmt.Errorf("%w: HTTP %d %s (not processed)", payout.ErrUnavailable, resp.Status, an.Status.ResultCode)))
	case resp.Status >= 500:
		return unknown, fmt.Errorf("airtel submit %s: %w: HTTP %d %s", ref, payout.ErrUnavailable, resp.Status, an.Status.Message)
	case rc == codeDuplicate || rc == codeDupID:
		a.log.InfoContext(ctx, "airtel: duplicate transaction id, enquiring", slog.String("reference", ref))
		return a.Status(ctx, ref)
	case resp.Status >= 400:
		return payout.Result{}, fmt.Errorf("airtel submit %s: %w: HTTP %d %s %s", ref, payout.ErrInvalidRequest, resp.Status, rc, an.Status.Message)
	}
	res, decided := a.decide(ref, an)
	if !decided {
		return unknown, fmt.Errorf("airtel submit %s: %w: undecidable answer %s %s", ref, payout.ErrUnavailable, rc, an.Status.Message)
	}
	if _, err := a.recs.Update(res); err != nil {
		a.log.ErrorContext(ctx, "airtel: answer contradicts recorded outcome", slog.String("reference", ref), slog.Any("err", err))
	}
	return res, nil
}

// Status enquires about a disbursement. It returns payout.ErrNotFound when
// Airtel does not know the id, payout.ErrUnavailable when Airtel could not
// answer, and payout.ErrInvalidRequest for an empty reference.
func (a *Adapter) Status(ctx context.Context, ref string) (payout.Result, error) {
	if ref == "" {
		return payout.Result{}, fmt.Errorf("airtel status: %w: empty reference", payout.ErrInvalidRequest)
	}
	m := a.cfg.Markets[0]
	if rec, ok := a.recs.Get(ref); ok {
		if mk, ok := a.market("", rec.MSISDN); ok {
			m = mk
		}
	}
	unknown := payout.Result{Reference: ref, State: payout.StateUnknown}
	resp, err := a.call(ctx, m, http.MethodGet, "/standard/v2/disbursements/"+url.PathEscape(ref)+"?transactionType=B2C", nil)
	if err != nil {
		return unknown, fmt.Errorf("airtel status %s: %w", ref, err)
	}
	var an answer
	_ = json.Unmarshal(resp.Body, &an)
	if resp.Status == http.StatusNotFound || an.Status.ResponseCode == codeNotFound {
		a.recs.MarkNotFound(ref)
		return unknown, fmt.Errorf("airtel status %s: %w", ref, payout.ErrNotFound)
	}
	if resp.Status != http.StatusOK {
		return unknown, fmt.Errorf("airtel status %s: %w: HTTP %d %s", ref, payout.ErrUnavailable, resp.Status, an.Status.Message)
	}
	res, decided := a.decide(ref, an)
	if !decided {
		return unknown, fmt.Errorf("airtel status %s: %w: undecidable answer %s %s", ref, payout.ErrUnavailable, an.Status.ResponseCode, an.Status.Message)
	}
	if _, err := a.recs.Update(res); err != nil {
		a.log.ErrorContext(ctx, "airtel: enquiry contradicts recorded outcome", slog.String("reference", ref), slog.Any("err", err))
	}
	return res, nil
}
