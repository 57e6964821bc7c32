// Package mpesa pays recipients' M-Pesa wallets through Safaricom's Daraja
// B2C API (v3 payment request), implementing payout.Port.
//
// Protocol:
//   - Token: GET /oauth/v1/generate?grant_type=client_credentials with HTTP
//     Basic ConsumerKey:ConsumerSecret; cached until TokenMargin before
//     expires_in; a 401 (or errorCode 404.001.03/404.001.04) refreshes it once.
//   - Submit: POST /mpesa/b2c/v3/paymentrequest with OriginatorConversationID =
//     Request.Reference, InitiatorName, SecurityCredential (the initiator
//     password RSA-encrypted, PKCS#1 v1.5, with Safaricom's certificate, base64),
//     CommandID BusinessPayment, whole-shilling Amount (anything else is
//     refused with payout.ErrInvalidRequest), PartyA = ShortCode, PartyB = the
//     MSISDN, Remarks, QueueTimeOutURL, ResultURL, Occassion = TransferID.
//     ResponseCode "0" means accepted only: StatePending. 500.002.1001
//     (duplicate OriginatorConversationID) is answered with Status, never a
//     resend. 429/503 and spike-arrest codes are "not processed" (marked
//     NotSent for the router's retry); other 5xx and transport failures are
//     StateUnknown with payout.ErrUnavailable.
//   - Outcome: Safaricom POSTs Result to ResultURL (ResultCode 0 success with
//     TransactionReceipt/TransactionAmount/...; 1 insufficient balance, 2/3/4/8
//     limit rules, 2001 invalid initiator, 2040 unsupported customer type,
//     SFC_IC0003 invalid receiver, ...; see resultCodes for Retryable per code).
//     A QueueTimeOutURL call makes the outcome unknown and triggers a
//     transaction-status query.
//   - Status: POST /mpesa/transactionstatus/v1/query (by OriginalConversationID)
//     whose answer also arrives asynchronously. Status returns a final outcome
//     already known from a callback at once; otherwise it sends the query and
//     waits up to StatusWait for its result (or any callback) and returns the
//     latest known state — StatePending/StateUnknown when nothing arrived, or
//     payout.ErrNotFound when Safaricom says the reference is unknown.
//
// Callbacks: Daraja does not sign callbacks, so the URLs we hand out carry a
// secret token (?token=CallbackSecret), and the source address may be limited
// to Safaricom's ranges (AllowedSources). Callbacks with a bad token or
// source, a malformed body, an unknown OriginatorConversationID, an amount
// that differs from what we sent, or an outcome contradicting a final one are
// rejected with 4xx, logged and counted (remitflow_payout_callbacks_rejected_total)
// and never reach the sink; repeated callbacks are acknowledged and ignored.
//
// Configuration (Config field — proposed environment variable):
//
//	BaseURL            REMITFLOW_MPESA_BASE_URL          https://sandbox.safaricom.co.ke (prod: https://api.safaricom.co.ke)
//	ConsumerKey        REMITFLOW_MPESA_CONSUMER_KEY
//	ConsumerSecret     REMITFLOW_MPESA_CONSUMER_SECRET
//	InitiatorName      REMITFLOW_MPESA_INITIATOR_NAME    sandbox: testapi
//	InitiatorPassword  REMITFLOW_MPESA_INITIATOR_PASSWORD
//	CertificatePEM     REMITFLOW_MPESA_CERT_FILE         path to SandboxCertificate.cer / ProductionCertificate.cer (PEM)
//	ShortCode          REMITFLOW_MPESA_SHORTCODE         sandbox: 600996 (PartyA)
//	CommandID          REMITFLOW_MPESA_COMMAND_ID        default BusinessPayment
//	CallbackURL        REMITFLOW_MPESA_CALLBACK_URL      public base URL where Handler is mounted
//	CallbackSecret     REMITFLOW_MPESA_CALLBACK_SECRET
//	AllowedSources     REMITFLOW_MPESA_CALLBACK_ALLOW    comma-separated CIDRs; empty allows any
//	StatusWait         REMITFLOW_MPESA_STATUS_WAIT       default 10s
//	Timeout            REMITFLOW_MPESA_TIMEOUT           HTTP client timeout, default 30s
package mpesa

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/remitflow/remitflow/adapters/payout/internal/partnerkit"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
)

// Config configures an Adapter; see the package comment for environment names.
type Config struct {
	BaseURL           string
	ConsumerKey       string
	ConsumerSecret    string
	InitiatorName     string
	InitiatorPassword string
	// CertificatePEM is Safaricom's public certificate (PEM).
	CertificatePEM []byte
	ShortCode      string
	CommandID      string
	// CallbackURL is the public URL at which Handler is reachable, without a
	// trailing slash (e.g. https://api.example.com/payout/callbacks/mpesa).
	CallbackURL    string
	CallbackSecret string
	AllowedSources []netip.Prefix
	StatusWait     time.Duration
	Timeout        time.Duration
	// TokenMargin is how long before expiry a token is refreshed (default 60s).
	TokenMargin time.Duration
	HTTPClient  *http.Client
	Now         func() time.Time
	Logger      *slog.Logger
}

// Adapter is the M-Pesa B2C payout.Port.
type Adapter struct {
	cfg        Config
	client     *http.Client
	credential string
	tokens     *partnerkit.TokenCache
	recs       *partnerkit.Records
	log        *slog.Logger

	mu      sync.Mutex
	queries map[string]pendingQuery // by the query's OriginatorConversationID
	seq     int
}

var _ payout.Port = (*Adapter)(nil)

// New checks cfg and builds the adapter. It encrypts the initiator password
// with the certificate once. It returns an error for a missing field or a
// certificate that is not an RSA certificate.
func New(cfg Config) (*Adapter, error) {
	for name, v := range map[string]string{
		"BaseURL": cfg.BaseURL, "ConsumerKey": cfg.ConsumerKey, "ConsumerSecret": cfg.ConsumerSecret,
		"InitiatorName": cfg.InitiatorName, "InitiatorPassword": cfg.InitiatorPassword,
		"ShortCode": cfg.ShortCode, "CallbackURL": cfg.CallbackURL, "CallbackSecret": cfg.CallbackSecret,
	} {
		if v == "" {
			return nil, fmt.Errorf("mpesa: config: %s is required", name)
		}
	}
	if _, err := url.Parse(cfg.CallbackURL); err != nil {
		return nil, fmt.Errorf("mpesa: config: CallbackURL: %w", err)
	}
	cred, err := encryptCredential(cfg.CertificatePEM, cfg.InitiatorPassword)
	if err != nil {
		return nil, fmt.Errorf("mpesa: config: %w", err)
	}
	if cfg.CommandID == "" {
		cfg.CommandID = "BusinessPayment"
	}
	if cfg.StatusWait <= 0 {
		cfg.StatusWait = 10 * time.Second
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
	a := &Adapter{cfg: cfg, client: client, credential: cred, recs: partnerkit.NewRecordsWithClock(cfg.Now),
		log: cfg.Logger.With(slog.String("partner", string(payout.MPesa))), queries: map[string]pendingQuery{}}
	a.tokens = partnerkit.NewTokenCache(a.fetchToken, cfg.Now, cfg.TokenMargin)
	return a, nil
}

func encryptCredential(certPEM []byte, password string) (string, error) {
	block, _ := pem.Decode(certPEM)
	if block == nil {
		return "", errors.New("CertificatePEM: no PEM block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return "", fmt.Errorf("CertificatePEM: %w", err)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return "", errors.New("CertificatePEM: not an RSA certificate")
	}
	enc, err := rsa.EncryptPKCS1v15(rand.Reader, pub, []byte(password))
	if err != nil {
		return "", fmt.Errorf("encrypting initiator password: %w", err)
	}
	return base64.StdEncoding.EncodeToString(enc), nil
}

// TokenFetches returns how many OAuth tokens the adapter fetched.
func (a *Adapter) TokenFetches() int { return a.tokens.Fetches() }

type darajaError struct {
	RequestID    string `json:"requestId"`
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
}

func (a *Adapter) fetchToken(ctx context.Context) (string, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.cfg.BaseURL+"/oauth/v1/generate?grant_type=client_credentials", nil)
	if err != nil {
		return "", 0, fmt.Errorf("mpesa token: %w", err)
	}
	req.SetBasicAuth(a.cfg.ConsumerKey, a.cfg.ConsumerSecret)
	resp, err := partnerkit.Do(a.client, req)
	if err != nil {
		return "", 0, fmt.Errorf("mpesa token: %w", err)
	}
	var body struct {
		AccessToken string      `json:"access_token"`
		ExpiresIn   json.Number `json:"expires_in"`
	}
	if resp.Status != http.StatusOK || json.Unmarshal(resp.Body, &body) != nil || body.AccessToken == "" {
		var de darajaError
		_ = json.Unmarshal(resp.Body, &de)
		return "", 0, fmt.Errorf("mpesa token: %w: HTTP %d %s %s", payout.ErrUnavailable, resp.Status, de.ErrorCode, de.ErrorMessage)
	}
	secs, err := body.ExpiresIn.Int64()
	if err != nil || secs <= 0 {
		secs = 3599
	}
	return body.AccessToken, time.Duration(secs) * time.Second, nil
}

func tokenRejected(resp partnerkit.Response) bool {
	if resp.Status == http.StatusUnauthorized {
		return true
	}
	var de darajaError
	_ = json.Unmarshal(resp.Body, &de)
	return de.ErrorCode == "404.001.03" || de.ErrorCode == "404.001.04"
}

// post sends body with a bearer token; a rejected token is refreshed once.
func (a *Adapter) post(ctx context.Context, path string, body any) (partnerkit.Response, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return partnerkit.Response{}, fmt.Errorf("encoding %s: %w", path, err)
	}
	for attempt := 0; ; attempt++ {
		tok, err := a.tokens.Token(ctx)
		if err != nil {
			return partnerkit.Response{}, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.BaseURL+path, bytes.NewReader(raw))
		if err != nil {
			return partnerkit.Response{}, fmt.Errorf("building %s: %w", path, err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := partnerkit.Do(a.client, req)
		if err != nil {
			return partnerkit.Response{}, err
		}
		if tokenRejected(resp) {
			a.tokens.Invalidate(tok)
			if attempt == 0 {
				continue
			}
			return resp, partnerkit.NotSent(fmt.Errorf("%w: access token rejected twice", payout.ErrUnavailable))
		}
		return resp, nil
	}
}

type b2cRequest struct {
	OriginatorConversationID string      `json:"OriginatorConversationID"`
	InitiatorName            string      `json:"InitiatorName"`
	SecurityCredential       string      `json:"SecurityCredential"`
	CommandID                string      `json:"CommandID"`
	Amount                   json.Number `json:"Amount"`
	PartyA                   json.Number `json:"PartyA"`
	PartyB                   json.Number `json:"PartyB"`
	Remarks                  string      `json:"Remarks"`
	QueueTimeOutURL          string      `json:"QueueTimeOutURL"`
	ResultURL                string      `json:"ResultURL"`
	Occassion                string      `json:"Occassion"`
}

type syncResponse struct {
	ConversationID           string `json:"ConversationID"`
	OriginatorConversationID string `json:"OriginatorConversationID"`
	ResponseCode             string `json:"ResponseCode"`
	ResponseDescription      string `json:"ResponseDescription"`
}

func (a *Adapter) callbackURL(route string) string {
	return a.cfg.CallbackURL + route + "?token=" + url.QueryEscape(a.cfg.CallbackSecret)
}

func validate(req payout.Request) error {
	switch {
	case req.Reference == "" || len(req.Reference) > 100:
		return fmt.Errorf("%w: reference must have 1 to 100 characters", payout.ErrInvalidRequest)
	case req.Provider != "" && req.Provider != payout.MPesa:
		return fmt.Errorf("%w: provider %q is not M-Pesa", payout.ErrInvalidRequest, req.Provider)
	case req.Amount.Currency != "KES":
		return fmt.Errorf("%w: M-Pesa B2C pays KES, not %q", payout.ErrInvalidRequest, req.Amount.Currency)
	case !req.Amount.IsPositive() || !req.Amount.Value.IsInteger():
		return fmt.Errorf("%w: amount %s is not a positive whole number of shillings", payout.ErrInvalidRequest, req.Amount)
	case len(req.MSISDN) != 12 || !strings.HasPrefix(req.MSISDN, "254") || !partnerkit.Digits(req.MSISDN):
		return fmt.Errorf("%w: MSISDN %q is not a Kenyan number 254XXXXXXXXX", payout.ErrInvalidRequest, req.MSISDN)
	}
	return nil
}

// Submit sends a B2C payment request. It returns StatePending when Safaricom
// accepted it, the known state for a reference already final or reported
// duplicate, payout.ErrInvalidRequest (nothing sent) for a request M-Pesa
// cannot pay or that Safaricom refuses with 400, and payout.ErrUnavailable with
// StateUnknown when the outcome is unknown (marked NotSent when it is known
// that nothing was processed).
func (a *Adapter) Submit(ctx context.Context, req payout.Request) (payout.Result, error) {
	if err := validate(req); err != nil {
		return payout.Result{}, fmt.Errorf("mpesa submit: %w", err)
	}
	ref := req.Reference
	if err := a.recs.Check(ref, req.MSISDN, req.Amount); err != nil {
		return payout.Result{}, fmt.Errorf("mpesa submit: %w: %w", payout.ErrInvalidRequest, err)
	}
	if rec, ok := a.recs.Get(ref); ok && rec.Result.State.Final() {
		return rec.Result, nil
	}
	if err := a.recs.Sent(ref, req.MSISDN, req.Amount); err != nil {
		return payout.Result{}, fmt.Errorf("mpesa submit: %w: %w", payout.ErrInvalidRequest, err)
	}
	remarks := req.Remarks
	if len(remarks) < 2 {
		remarks = "Remittance payout"
	}
	body := b2cRequest{
		OriginatorConversationID: ref, InitiatorName: a.cfg.InitiatorName, SecurityCredential: a.credential,
		CommandID: a.cfg.CommandID, Amount: json.Number(req.Amount.Value.String()),
		PartyA: json.Number(a.cfg.ShortCode), PartyB: json.Number(req.MSISDN), Remarks: partnerkit.Truncate(remarks, 100),
		QueueTimeOutURL: a.callbackURL("/timeout"), ResultURL: a.callbackURL("/result"), Occassion: partnerkit.Truncate(req.TransferID, 100),
	}
	unknown := payout.Result{Reference: ref, State: payout.StateUnknown}
	resp, err := a.post(ctx, "/mpesa/b2c/v3/paymentrequest", body)
	if err != nil {
		return unknown, fmt.Errorf("mpesa submit %s: %w", ref, err)
	}
	var ok syncResponse
	var de darajaError
	_ = json.Unmarshal(resp.Body, &ok)
	_ = json.Unmarshal(resp.Body, &de)
	switch {
	case resp.Status == http.StatusOK && ok.ResponseCode == "0":
		res := payout.Result{Reference: ref, State: payout.StatePending, PartnerReference: ok.ConversationID,
			Code: ok.ResponseCode, Reason: ok.ResponseDescription}
		if _, err := a.recs.Update(res); err != nil {
			a.log.WarnContext(ctx, "mpesa: accepted after final outcome", slog.String("reference", ref), slog.Any("err", err))
		}
		if rec, _ := a.recs.Get(ref); rec.Result.State.Final() {
			return rec.Result, nil
		}
		return res, nil
	case de.ErrorCode == "500.002.1001":
		a.log.InfoContext(ctx, "mpesa: duplicate OriginatorConversationID, querying status", slog.String("reference", ref))
		return a.Status(ctx, ref)
	case resp.Status == http.StatusTooManyRequests || resp.Status == http.StatusServiceUnavailable ||
		de.ErrorCode == "500.003.02" || de.ErrorCode == "500.003.03":
		return unknown, fmt.Errorf("mpesa submit %s: %w", ref, partnerkit.NotSent(
			fmt.Errorf("%w: HTTP %d %s %s (not processed)", payout.ErrUnavailable, resp.Status, de.ErrorCode, de.ErrorMessage)))
	case resp.Status >= 400 && resp.Status < 500:
		return payout.Result{}, fmt.Errorf("mpesa submit %s: %w: HTTP %d %s %s", ref, payout.ErrInvalidRequest, resp.Status, de.ErrorCode, de.ErrorMessage)
	default:
		return unknown, fmt.Errorf("mpesa submit %s: %w: HTTP %d %s %s", ref, payout.ErrUnavailable, resp.Status, de.ErrorCode, de.ErrorMessage)
	}
}

// queryRetention is how long an unanswered status query is remembered.
const queryRetention = time.Hour

type pendingQuery struct {
	ref string
	at  time.Time
}

type statusQuery struct {
	Initiator                string      `json:"Initiator"`
	SecurityCredential       string      `json:"SecurityCredential"`
	CommandID                string      `json:"CommandID"`
	TransactionID            string      `json:"TransactionID"`
	OriginatorConversationID string      `json:"OriginatorConversationID"`
	OriginalConversationID   string      `json:"OriginalConversationID"`
	PartyA                   json.Number `json:"PartyA"`
	IdentifierType           string      `json:"IdentifierType"`
	ResultURL                string      `json:"ResultURL"`
	QueueTimeOutURL          string      `json:"QueueTimeOutURL"`
	Remarks                  string      `json:"Remarks"`
	Occasion                 string      `json:"Occasion"`
}

// query sends a transaction-status query for ref; its result arrives at the
// status callback.
func (a *Adapter) query(ctx context.Context, ref string) error {
	a.mu.Lock()
	a.seq++
	qid := fmt.Sprintf("%s-q%d", partnerkit.Truncate(ref, 80), a.seq)
	now := a.cfg.Now()
	if a.seq%256 == 0 {
		for id, q := range a.queries {
			if now.Sub(q.at) > queryRetention {
				delete(a.queries, id)
			}
		}
	}
	a.queries[qid] = pendingQuery{ref: ref, at: now}
	a.mu.Unlock()
	receipt := ""
	if rec, ok := a.recs.Get(ref); ok && rec.Result.State.Final() {
		receipt = rec.Result.PartnerReference
	}
	resp, err := a.post(ctx, "/mpesa/transactionstatus/v1/query", statusQuery{
		Initiator: a.cfg.InitiatorName, SecurityCredential: a.credential, CommandID: "TransactionStatusQuery",
		TransactionID: receipt, OriginatorConversationID: qid, OriginalConversationID: ref,
		PartyA: json.Number(a.cfg.ShortCode), IdentifierType: "4",
		ResultURL: a.callbackURL("/status/result"), QueueTimeOutURL: a.callbackURL("/status/timeout"),
		Remarks: "Payout status", Occasion: "",
	})
	if err != nil {
		return fmt.Errorf("mpesa status query %s: %w", ref, err)
	}
	var ok syncResponse
	var de darajaError
	_ = json.Unmarshal(resp.Body, &ok)
	_ = json.Unmarshal(resp.Body, &de)
	if resp.Status == http.StatusOK && ok.ResponseCode == "0" {
		return nil
	}
	if resp.Status >= 400 && resp.Status < 500 && resp.Status != http.StatusTooManyRequests {
		return fmt.Errorf("mpesa status query %s: %w: HTTP %d %s %s", ref, payout.ErrInvalidRequest, resp.Status, de.ErrorCode, de.ErrorMessage)
	}
	return fmt.Errorf("mpesa status query %s: %w: HTTP %d %s %s", ref, payout.ErrUnavailable, resp.Status, de.ErrorCode, de.ErrorMessage)
}

// Status returns where the payout stands. A final outcome already received is
// returned without a call. Otherwise it sends a transaction-status query and
// waits up to StatusWait for its asynchronous result; it then returns the
// latest known result (StatePending/StateUnknown if nothing arrived),
// payout.ErrNotFound when Safaricom does not know the reference,
// payout.ErrUnavailable when the query could not be sent, or the context's error.
func (a *Adapter) Status(ctx context.Context, ref string) (payout.Result, error) {
	if ref == "" {
		return payout.Result{}, fmt.Errorf("mpesa status: %w: empty reference", payout.ErrInvalidRequest)
	}
	if rec, ok := a.recs.Get(ref); ok && rec.Result.State.Final() {
		return rec.Result, nil
	}
	changed := a.recs.Changed(ref)
	if err := a.query(ctx, ref); err != nil {
		rec, _ := a.recs.Get(ref)
		return rec.Result, err
	}
	timer := time.NewTimer(a.cfg.StatusWait)
	defer timer.Stop()
	select {
	case <-changed:
	case <-timer.C:
	case <-ctx.Done():
		rec, _ := a.recs.Get(ref)
		return rec.Result, fmt.Errorf("mpesa status %s: %w", ref, ctx.Err())
	}
	rec, _ := a.recs.Get(ref)
	if rec.NotFound {
		return payout.Result{Reference: ref, State: payout.StateUnknown}, fmt.Errorf("mpesa status %s: %w", ref, payout.ErrNotFound)
	}
	return rec.Result, nil
}

type codeInfo struct {
	retryable bool
	reason    string
}

// resultCodes maps B2C ResultCode values to whether a new attempt may succeed.
// Every non-zero ResultCode in a B2C result means the payment was not made.
var resultCodes = map[string]codeInfo{
	"1":          {true, "insufficient balance in the B2C account"},
	"2":          {false, "less than the minimum transaction amount"},
	"3":          {false, "greater than the maximum transaction amount"},
	"4":          {true, "would exceed the daily transfer limit"},
	"5":          {true, "would exceed the minimum balance"},
	"6":          {false, "unresolved primary party"},
	"7":          {false, "unresolved receiver party"},
	"8":          {true, "would exceed the recipient's maximum balance"},
	"11":         {false, "debit party in an invalid state"},
	"12":         {false, "credit party in an invalid state"},
	"17":         {true, "rule limited"},
	"20":         {false, "unresolved initiator"},
	"21":         {false, "initiator not allowed"},
	"26":         {true, "traffic blocking condition in place"},
	"2001":       {false, "initiator information invalid"},
	"2006":       {false, "account status does not allow the transaction"},
	"2028":       {false, "not permitted according to product assignment"},
	"2040":       {false, "recipient customer type not supported"},
	"8006":       {false, "security credential locked"},
	"SFC_IC0003": {false, "receiver party invalid"},
}

// failure returns the Result for a non-zero ResultCode.
func failure(ref, code, desc string) payout.Result {
	info, ok := resultCodes[code]
	reason := desc
	if reason == "" && ok {
		reason = info.reason
	}
	return payout.Result{Reference: ref, State: payout.StateFailed, Code: code, Reason: reason, Retryable: ok && info.retryable}
}

func parseKES(raw json.RawMessage) (*money.Amount, error) {
	s := strings.Trim(string(raw), `"`)
	if s == "" {
		return nil, nil
	}
	a, err := money.Parse(s, "KES")
	if err != nil {
		return nil, err
	}
	return &a, nil
}

var eat = time.FixedZone("EAT", 3*60*60)
