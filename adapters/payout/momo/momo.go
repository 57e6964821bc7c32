// Package momo pays recipients' MTN Mobile Money wallets through the MoMo
// Open API Disbursement product, implementing payout.Port.
//
// Protocol:
//   - Token: POST /disbursement/token/ with HTTP Basic APIUser:APIKey and
//     Ocp-Apim-Subscription-Key; cached until TokenMargin before expires_in; a
//     401 refreshes it once.
//   - Before paying: GET /disbursement/v1_0/accountholder/msisdn/{msisdn}/active;
//     an inactive wallet is refused (StateFailed, ACCOUNTHOLDER_NOT_ACTIVE,
//     wrapped payout.ErrInvalidRequest) and nothing is sent.
//   - Submit: POST /disbursement/v1_0/transfer with X-Reference-Id (our
//     Reference when it is a UUID, otherwise a version-4-shaped UUID derived
//     from it by name hashing, so the same reference always maps to the same id),
//     X-Target-Environment, Ocp-Apim-Subscription-Key, X-Callback-Url (when a
//     CallbackURL is configured) and the body {amount (string), currency,
//     externalId (TransferID), payee{partyIdType MSISDN, partyId}, payerMessage,
//     payeeNote}. 202 is StatePending; 409 RESOURCE_ALREADY_EXIST means it was
//     already received, answered with Status (never a resend); 429/503 are
//     "not processed"; other 5xx and transport failures are StateUnknown with
//     payout.ErrUnavailable.
//   - Status: GET /disbursement/v1_0/transfer/{referenceId} → PENDING,
//     SUCCESSFUL or FAILED with reason (PAYEE_NOT_FOUND, NOT_ENOUGH_FUNDS, ...;
//     Retryable per reason in reasons); 404 is payout.ErrNotFound.
//
// Callbacks: MoMo PUTs (or POSTs) the transfer to X-Callback-Url when it is
// final. MoMo does not sign callbacks, so the URL we give carries the
// reference and an HMAC of it under CallbackSecret. A callback with a bad
// signature, an unknown reference, a malformed body or an amount/currency that
// differs from what we sent is rejected with 4xx, logged and counted; a good
// one is confirmed with a status GET before anything is applied, and a final
// outcome reaches the sink once.
//
// Configuration (Config field — proposed environment variable):
//
//	BaseURL            REMITFLOW_MOMO_BASE_URL             https://sandbox.momodeveloper.mtn.com (prod: https://proxy.momoapi.mtn.com)
//	APIUser            REMITFLOW_MOMO_API_USER             the API user UUID
//	APIKey             REMITFLOW_MOMO_API_KEY
//	SubscriptionKey    REMITFLOW_MOMO_SUBSCRIPTION_KEY     Disbursement product primary key
//	TargetEnvironment  REMITFLOW_MOMO_TARGET_ENVIRONMENT   sandbox, mtnuganda, mtnghana, ...
//	Currencies         REMITFLOW_MOMO_CURRENCIES           comma-separated; the sandbox takes only EUR
//	CallbackURL        REMITFLOW_MOMO_CALLBACK_URL         public base URL where Handler is mounted; empty: poll only
//	CallbackSecret     REMITFLOW_MOMO_CALLBACK_SECRET
//	SkipAccountCheck   REMITFLOW_MOMO_SKIP_ACCOUNT_CHECK   default false
//	Timeout            REMITFLOW_MOMO_TIMEOUT              HTTP client timeout, default 30s
package momo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/remitflow/remitflow/adapters/payout/internal/partnerkit"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
)

// Config configures an Adapter; see the package comment for environment names.
type Config struct {
	BaseURL           string
	APIUser           string
	APIKey            string
	SubscriptionKey   string
	TargetEnvironment string
	Currencies        []money.Currency
	// CallbackURL is the public URL at which Handler is reachable, without a
	// trailing slash; empty means no X-Callback-Url (status polling only).
	CallbackURL      string
	CallbackSecret   string
	SkipAccountCheck bool
	Timeout          time.Duration
	// TokenMargin is how long before expiry a token is refreshed (default 60s).
	TokenMargin time.Duration
	HTTPClient  *http.Client
	Now         func() time.Time
	Logger      *slog.Logger
}

// Adapter is the MTN MoMo Disbursement payout.Port.
type Adapter struct {
	cfg    Config
	client *http.Client
	tokens *partnerkit.TokenCache
	recs   *partnerkit.Records
	log    *slog.Logger
}

var _ payout.Port = (*Adapter)(nil)

// New checks cfg and builds the adapter. It returns an error for a missing
// required field.
func New(cfg Config) (*Adapter, error) {
	for name, v := range map[string]string{
		"BaseURL": cfg.BaseURL, "APIUser": cfg.APIUser, "APIKey": cfg.APIKey,
		"SubscriptionKey": cfg.SubscriptionKey, "TargetEnvironment": cfg.TargetEnvironment,
	} {
		if v == "" {
			return nil, fmt.Errorf("momo: config: %s is required", name)
		}
	}
	if cfg.CallbackURL != "" && cfg.CallbackSecret == "" {
		return nil, fmt.Errorf("momo: config: CallbackSecret is required with CallbackURL")
	}
	if len(cfg.Currencies) == 0 {
		return nil, fmt.Errorf("momo: config: Currencies is required")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.TokenMargin <= 0 {
		cfg.TokenMargin = time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = partnerkit.Discard()
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	cfg.CallbackURL = strings.TrimRight(cfg.CallbackURL, "/")
	client := cfg.HTTPClient
	if client == nil {
		client = partnerkit.NewHTTPClient(cfg.Timeout)
	}
	a := &Adapter{cfg: cfg, client: client, recs: partnerkit.NewRecordsWithClock(cfg.Now), log: cfg.Logger.With(slog.String("partner", string(payout.MoMo)))}
	a.tokens = partnerkit.NewTokenCache(a.fetchToken, cfg.Now, cfg.TokenMargin)
	return a, nil
}

// TokenFetches returns how many access tokens the adapter fetched.
func (a *Adapter) TokenFetches() int { return a.tokens.Fetches() }

var refNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://remitflow.dev/payout/momo/reference"))

// ReferenceID returns the X-Reference-Id used for a reference: the reference
// itself when it is a UUID in canonical form, else a UUID derived from it by
// SHA-256 name hashing with the version-4 and variant bits set (MoMo asks
// for version-4 UUIDs), so one reference always maps to one id.
func ReferenceID(ref string) string {
	if id, err := uuid.Parse(ref); err == nil && len(ref) == 36 {
		return id.String()
	}
	return uuid.NewHash(sha256.New(), refNamespace, []byte(ref), 4).String()
}

type momoError struct {
	Code       string `json:"code"`
	Message    string `json:"message"`
	StatusCode int    `json:"statusCode"`
}

func (a *Adapter) fetchToken(ctx context.Context) (string, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.BaseURL+"/disbursement/token/", nil)
	if err != nil {
		return "", 0, fmt.Errorf("momo token: %w", err)
	}
	req.SetBasicAuth(a.cfg.APIUser, a.cfg.APIKey)
	req.Header.Set("Ocp-Apim-Subscription-Key", a.cfg.SubscriptionKey)
	resp, err := partnerkit.Do(a.client, req)
	if err != nil {
		return "", 0, fmt.Errorf("momo token: %w", err)
	}
	var body struct {
		AccessToken string      `json:"access_token"`
		ExpiresIn   json.Number `json:"expires_in"`
	}
	if resp.Status != http.StatusOK || json.Unmarshal(resp.Body, &body) != nil || body.AccessToken == "" {
		return "", 0, fmt.Errorf("momo token: %w: HTTP %d %s", payout.ErrUnavailable, resp.Status, partnerkit.Truncate(string(resp.Body), 200))
	}
	secs, err := body.ExpiresIn.Int64()
	if err != nil || secs <= 0 {
		secs = 3600
	}
	return body.AccessToken, time.Duration(secs) * time.Second, nil
}

// call sends one API request with token and headers; a 401 refreshes the
// token once.
func (a *Adapter) call(ctx context.Context, method, path string, body []byte, hdr map[string]string) (partnerkit.Response, error) {
	for attempt := 0; ; attempt++ {
		tok, err := a.tokens.Token(ctx)
		if err != nil {
			return partnerkit.Response{}, err
		}
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, a.cfg.BaseURL+path, rd)
		if err != nil {
			return partnerkit.Response{}, fmt.Errorf("building %s: %w", path, err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("X-Target-Environment", a.cfg.TargetEnvironment)
		req.Header.Set("Ocp-Apim-Subscription-Key", a.cfg.SubscriptionKey)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
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

func (a *Adapter) validate(req payout.Request) error {
	ok := false
	for _, c := range a.cfg.Currencies {
		ok = ok || c == req.Amount.Currency
	}
	switch {
	case req.Reference == "" || len(req.Reference) > 128:
		return fmt.Errorf("%w: reference must have 1 to 128 characters", payout.ErrInvalidRequest)
	case req.Provider != "" && req.Provider != payout.MoMo:
		return fmt.Errorf("%w: provider %q is not MTN MoMo", payout.ErrInvalidRequest, req.Provider)
	case !ok:
		return fmt.Errorf("%w: currency %q not enabled for MTN MoMo", payout.ErrInvalidRequest, req.Amount.Currency)
	case !req.Amount.IsPositive() || !req.Amount.IsMinorPrecision():
		return fmt.Errorf("%w: amount %s is not a positive amount in minor units", payout.ErrInvalidRequest, req.Amount)
	case len(req.MSISDN) < 8 || len(req.MSISDN) > 15 || !partnerkit.Digits(req.MSISDN):
		return fmt.Errorf("%w: MSISDN %q is not an international number without '+'", payout.ErrInvalidRequest, req.MSISDN)
	}
	return nil
}

func (a *Adapter) accountActive(ctx context.Context, msisdn string) (bool, error) {
	resp, err := a.call(ctx, http.MethodGet, "/disbursement/v1_0/accountholder/msisdn/"+url.PathEscape(msisdn)+"/active", nil, nil)
	if err != nil {
		return false, err
	}
	switch {
	case resp.Status == http.StatusOK:
		var body struct {
			Result bool `json:"result"`
		}
		if err := json.Unmarshal(resp.Body, &body); err != nil {
			return false, fmt.Errorf("%w: account holder answer: %v", payout.ErrUnavailable, err)
		}
		return body.Result, nil
	case resp.Status == http.StatusNotFound, resp.Status == http.StatusBadRequest:
		return false, nil
	default:
		return false, fmt.Errorf("%w: account holder check: HTTP %d %s", payout.ErrUnavailable, resp.Status, partnerkit.Truncate(string(resp.Body), 200))
	}
}

type party struct {
	PartyIDType string `json:"partyIdType"`
	PartyID     string `json:"partyId"`
}

type transfer struct {
	Amount                 string          `json:"amount"`
	Currency               string          `json:"currency"`
	FinancialTransactionID string          `json:"financialTransactionId,omitempty"`
	ExternalID             string          `json:"externalId"`
	Payee                  party           `json:"payee"`
	PayerMessage           string          `json:"payerMessage"`
	PayeeNote              string          `json:"payeeNote"`
	Status                 string          `json:"status,omitempty"`
	Reason                 json.RawMessage `json:"reason,omitempty"`
}

func (t transfer) reason() string {
	if len(t.Reason) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(t.Reason, &s) == nil {
		return s
	}
	var obj struct {
		Code string `json:"code"`
	}
	if json.Unmarshal(t.Reason, &obj) == nil {
		return obj.Code
	}
	return string(t.Reason)
}

func (a *Adapter) callbackURL(ref string) string {
	return a.cfg.CallbackURL + "/callback?ref=" + url.QueryEscape(ref) + "&sig=" + partnerkit.Sign(a.cfg.CallbackSecret, ref)
}

// Submit checks the account holder and sends a transfer. It returns
// StatePending on 202, the known state for a reference already final or
// already received (409), payout.ErrInvalidRequest (nothing sent) for an
// invalid request or an inactive wallet, and payout.ErrUnavailable with
// StateUnknown when the outcome is unknown (marked NotSent when nothing was
// processed, including a failed account-holder check).
func (a *Adapter) Submit(ctx context.Context, req payout.Request) (payout.Result, error) {
	if err := a.validate(req); err != nil {
		return payout.Result{}, fmt.Errorf("momo submit: %w", err)
	}
	ref := req.Reference
	if err := a.recs.Check(ref, req.MSISDN, req.Amount); err != nil {
		return payout.Result{}, fmt.Errorf("momo submit: %w: %w", payout.ErrInvalidRequest, err)
	}
	unknown := payout.Result{Reference: ref, State: payout.StateUnknown}
	rec, known := a.recs.Get(ref)
	if known && rec.Result.State.Final() {
		return rec.Result, nil
	}
	if !a.cfg.SkipAccountCheck && (!known || rec.Amount == nil) {
		active, err := a.accountActive(ctx, req.MSISDN)
		if err != nil {
			return unknown, fmt.Errorf("momo submit %s: account holder check: %w", ref, partnerkit.NotSent(err))
		}
		if !active {
			return payout.Result{Reference: ref, State: payout.StateFailed, Code: "ACCOUNTHOLDER_NOT_ACTIVE",
					Reason: "recipient wallet is not active"},
				fmt.Errorf("momo submit %s: %w: account holder %s not active", ref, payout.ErrInvalidRequest, req.MSISDN)
		}
	}
	if err := a.recs.Sent(ref, req.MSISDN, req.Amount); err != nil {
		return payout.Result{}, fmt.Errorf("momo submit: %w: %w", payout.ErrInvalidRequest, err)
	}
	note := req.Remarks
	if note == "" {
		note = "Remittance payout"
	}
	body, err := json.Marshal(transfer{
		Amount: req.Amount.ValueString(), Currency: string(req.Amount.Currency), ExternalID: req.TransferID,
		Payee: party{"MSISDN", req.MSISDN}, PayerMessage: partnerkit.Truncate(note, 160), PayeeNote: partnerkit.Truncate(note, 160),
	})
	if err != nil {
		return payout.Result{}, fmt.Errorf("momo submit %s: encoding: %w", ref, err)
	}
	hdr := map[string]string{"X-Reference-Id": ReferenceID(ref)}
	if a.cfg.CallbackURL != "" {
		hdr["X-Callback-Url"] = a.callbackURL(ref)
	}
	resp, err := a.call(ctx, http.MethodPost, "/disbursement/v1_0/transfer", body, hdr)
	if err != nil {
		return unknown, fmt.Errorf("momo submit %s: %w", ref, err)
	}
	var me momoError
	_ = json.Unmarshal(resp.Body, &me)
	switch {
	case resp.Status == http.StatusAccepted:
		res := payout.Result{Reference: ref, State: payout.StatePending, PartnerReference: ReferenceID(ref)}
		_, _ = a.recs.Update(res)
		if rec, _ := a.recs.Get(ref); rec.Result.State.Final() {
			return rec.Result, nil
		}
		return res, nil
	case resp.Status == http.StatusConflict && me.Code == "RESOURCE_ALREADY_EXIST":
		a.log.InfoContext(ctx, "momo: reference already exists, querying status", slog.String("reference", ref))
		return a.Status(ctx, ref)
	case resp.Status == http.StatusTooManyRequests || resp.Status == http.StatusServiceUnavailable:
		return unknown, fmt.Errorf("momo submit %s: %w", ref, partnerkit.NotSent(
			fmt.Errorf("%w: HTTP %d %s (not processed)", payout.ErrUnavailable, resp.Status, me.Code)))
	case resp.Status >= 400 && resp.Status < 500:
		return payout.Result{}, fmt.Errorf("momo submit %s: %w: HTTP %d %s %s", ref, payout.ErrInvalidRequest, resp.Status, me.Code, me.Message)
	default:
		return unknown, fmt.Errorf("momo submit %s: %w: HTTP %d %s", ref, payout.ErrUnavailable, resp.Status, me.Code)
	}
}

// reasons maps FAILED reasons to whether a new attempt may succeed.
var reasons = map[string]bool{
	"NOT_ENOUGH_FUNDS":               true,
	"PAYER_LIMIT_REACHED":            true,
	"EXPIRED":                        true,
	"INTERNAL_PROCESSING_ERROR":      true,
	"SERVICE_UNAVAILABLE":            true,
	"COULD_NOT_PERFORM_TRANSACTION":  true,
	"TRANSACTION_CANCELED":           true,
	"PAYEE_NOT_FOUND":                false,
	"PAYER_NOT_FOUND":                false,
	"NOT_ALLOWED":                    false,
	"NOT_ALLOWED_TARGET_ENVIRONMENT": false,
	"INVALID_CALLBACK_URL_HOST":      false,
	"INVALID_CURRENCY":               false,
	"PAYEE_NOT_ALLOWED_TO_RECEIVE":   false,
	"PAYMENT_NOT_APPROVED":           false,
	"APPROVAL_REJECTED":              false,
}

// mapTransfer turns a transfer view into a Result.
func (a *Adapter) mapTransfer(ref string, t transfer) payout.Result {
	switch strings.ToUpper(t.Status) {
	case "SUCCESSFUL":
		res := payout.Result{Reference: ref, State: payout.StateSucceeded, PartnerReference: t.FinancialTransactionID,
			Code: "SUCCESSFUL", At: a.cfg.Now()}
		if amt, err := money.Parse(t.Amount, t.Currency); err == nil {
			res.Amount = &amt
		}
		return res
	case "FAILED", "REJECTED", "TIMEOUT":
		code := t.reason()
		if code == "" {
			code = strings.ToUpper(t.Status)
		}
		return payout.Result{Reference: ref, State: payout.StateFailed, Code: code, Reason: strings.ToUpper(t.Status),
			Retryable: reasons[code], PartnerReference: t.FinancialTransactionID, At: a.cfg.Now()}
	default:
		return payout.Result{Reference: ref, State: payout.StatePending, Code: strings.ToUpper(t.Status)}
	}
}

// Status GETs the transfer. It returns payout.ErrNotFound when MoMo does not
// know the reference, payout.ErrUnavailable when MoMo could not answer, and
// payout.ErrInvalidRequest for an empty reference.
func (a *Adapter) Status(ctx context.Context, ref string) (payout.Result, error) {
	if ref == "" {
		return payout.Result{}, fmt.Errorf("momo status: %w: empty reference", payout.ErrInvalidRequest)
	}
	unknown := payout.Result{Reference: ref, State: payout.StateUnknown}
	resp, err := a.call(ctx, http.MethodGet, "/disbursement/v1_0/transfer/"+ReferenceID(ref), nil, nil)
	if err != nil {
		return unknown, fmt.Errorf("momo status %s: %w", ref, err)
	}
	switch {
	case resp.Status == http.StatusOK:
	case resp.Status == http.StatusNotFound:
		a.recs.MarkNotFound(ref)
		return unknown, fmt.Errorf("momo status %s: %w", ref, payout.ErrNotFound)
	default:
		return unknown, fmt.Errorf("momo status %s: %w: HTTP %d %s", ref, payout.ErrUnavailable, resp.Status, partnerkit.Truncate(string(resp.Body), 200))
	}
	var t transfer
	if err := json.Unmarshal(resp.Body, &t); err != nil {
		return unknown, fmt.Errorf("momo status %s: %w: malformed answer: %v", ref, payout.ErrUnavailable, err)
	}
	res := a.mapTransfer(ref, t)
	if rec, ok := a.recs.Get(ref); ok && rec.Amount != nil && res.Amount != nil && !res.Amount.Equal(*rec.Amount) {
		a.log.ErrorContext(ctx, "momo: partner reports a different amount", slog.String("reference", ref),
			slog.String("sent", rec.Amount.String()), slog.String("reported", res.Amount.String()))
	}
	if _, err := a.recs.Update(res); err != nil {
		a.log.ErrorContext(ctx, "momo: status contradicts recorded outcome", slog.String("reference", ref), slog.Any("err", err))
	}
	return res, nil
}
