package partnersim

import (
	"github.com/remitflow/remitflow/adapters/payout/internal/partnerkit"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
)

// MTN MoMo Disbursement simulation (the sandbox test numbers):
//
//	46733123450  FAILED  PAYEE_NOT_FOUND (final)
//	46733123451  FAILED  APPROVAL_REJECTED (rejected, final)
//	46733123452  FAILED  EXPIRED (timed out at the payee, retryable)
//	46733123453  stays PENDING
//	46733123454  SUCCESSFUL late: PENDING for MoMoConfig.LatePolls status
//	             GETs, then SUCCESSFUL (and the callback is sent then)
//	46733123455  FAILED  NOT_ENOUGH_FUNDS (retryable)
//	46733123459  account holder not active (GET .../active answers false)
//	anything else SUCCESSFUL
//
// Callbacks go to X-Callback-Url (PUT, the transfer's GET body) once the
// transfer is final.

type momoTxn struct {
	ref, external, msisdn, payerMessage, payeeNote, callbackURL string
	financialID                                                 string
	amount                                                      money.Amount
	amountText                                                  string
	status, reason                                              string
	polls, latePolls                                            int
}

func momoScenarios() []Scenario {
	return []Scenario{
		{Provider: payout.MoMo, Name: "success", MSISDN: "46733123499", State: payout.StateSucceeded, Code: "SUCCESSFUL"},
		{Provider: payout.MoMo, Name: "failed payee not found", MSISDN: "46733123450", State: payout.StateFailed, Code: "PAYEE_NOT_FOUND"},
		{Provider: payout.MoMo, Name: "rejected", MSISDN: "46733123451", State: payout.StateFailed, Code: "APPROVAL_REJECTED"},
		{Provider: payout.MoMo, Name: "timeout expired", MSISDN: "46733123452", State: payout.StateFailed, Code: "EXPIRED", Retryable: true},
		{Provider: payout.MoMo, Name: "stays pending", MSISDN: "46733123453", State: payout.StatePending},
		{Provider: payout.MoMo, Name: "late success", MSISDN: "46733123454", State: payout.StateSucceeded, Code: "SUCCESSFUL"},
		{Provider: payout.MoMo, Name: "not enough funds", MSISDN: "46733123455", State: payout.StateFailed, Code: "NOT_ENOUGH_FUNDS", Retryable: true},
		{Provider: payout.MoMo, Name: "inactive account holder", MSISDN: "46733123459", State: payout.StateFailed, Rejected: true},
	}
}

type momoError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type apimError struct {
	StatusCode int    `json:"statusCode"`
	Message    string `json:"message"`
}

func (s *Server) routesMoMo() {
	s.mux.HandleFunc("POST /disbursement/token/", s.momoToken)
	s.mux.HandleFunc("POST /disbursement/v1_0/transfer", s.momoTransfer)
	s.mux.HandleFunc("GET /disbursement/v1_0/transfer/{ref}", s.momoGet)
	s.mux.HandleFunc("GET /disbursement/v1_0/accountholder/{type}/{id}/active", s.momoActive)
}

// momoGate checks down state, subscription key and (when bearer) the token.
// It writes the error answer and returns false when the call must stop.
func (s *Server) momoGate(w http.ResponseWriter, r *http.Request, bearer bool) (early, ok bool) {
	down, early := s.fault(payout.MoMo)
	if down {
		writeJSON(w, http.StatusServiceUnavailable, momoError{"SERVICE_UNAVAILABLE", "Service unavailable, try again later."})
		return false, false
	}
	key := r.Header.Get("Ocp-Apim-Subscription-Key")
	if key == "" {
		writeJSON(w, http.StatusUnauthorized, apimError{401, "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API."})
		return false, false
	}
	if key != s.cfg.MoMo.SubscriptionKey {
		writeJSON(w, http.StatusUnauthorized, apimError{401, "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription."})
		return false, false
	}
	if bearer {
		if !s.validBearer(payout.MoMo, r) {
			writeJSON(w, http.StatusUnauthorized, apimError{401, "Access denied due to invalid or expired access token."})
			return false, false
		}
		if r.Header.Get("X-Target-Environment") != s.cfg.MoMo.TargetEnvironment {
			writeJSON(w, http.StatusForbidden, momoError{"NOT_ALLOWED_TARGET_ENVIRONMENT", "Access to target environment is forbidden."})
			return false, false
		}
	}
	return early, true
}

func (s *Server) momoToken(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.momoGate(w, r, false); !ok {
		return
	}
	user, pass, ok := r.BasicAuth()
	if !ok || user != s.cfg.MoMo.APIUser || pass != s.cfg.MoMo.APIKey {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "login_failed"})
		return
	}
	tok := s.issueToken(payout.MoMo)
	s.latency(r.Context())
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok, "token_type": "access_token", "expires_in": int64(s.cfg.TokenTTL / time.Second),
	})
}

type momoParty struct {
	PartyIDType string `json:"partyIdType"`
	PartyID     string `json:"partyId"`
}

type momoTransferBody struct {
	Amount       string    `json:"amount"`
	Currency     string    `json:"currency"`
	ExternalID   string    `json:"externalId"`
	Payee        momoParty `json:"payee"`
	PayerMessage string    `json:"payerMessage"`
	PayeeNote    string    `json:"payeeNote"`
}

func (s *Server) momoCurrencyOK(c money.Currency) bool {
	for _, x := range s.cfg.MoMo.Currencies {
		if x == c {
			return true
		}
	}
	return false
}

func (s *Server) momoTransfer(w http.ResponseWriter, r *http.Request) {
	early, ok := s.momoGate(w, r, true)
	if !ok {
		return
	}
	refHdr := r.Header.Get("X-Reference-Id")
	id, err := uuid.Parse(refHdr)
	if err != nil || refHdr != id.String() {
		writeJSON(w, http.StatusBadRequest, momoError{"INVALID_REFERENCE_ID", "X-Reference-Id must be a UUID version 4 in canonical form."})
		return
	}
	cb := r.Header.Get("X-Callback-Url")
	if cb != "" {
		if u, err := url.Parse(cb); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			writeJSON(w, http.StatusBadRequest, momoError{"INVALID_CALLBACK_URL_HOST", "Callback URL with different host than configured."})
			return
		}
	}
	var body momoTransferBody
	if err := decodeStrict(r, &body); err != nil {
		writeJSON(w, http.StatusBadRequest, momoError{"BAD_REQUEST", "Request body is not valid JSON."})
		return
	}
	amt, err := money.Parse(body.Amount, body.Currency)
	switch {
	case err != nil && strings.Contains(err.Error(), "currency"), err == nil && !s.momoCurrencyOK(amt.Currency):
		writeJSON(w, http.StatusBadRequest, momoError{"INVALID_CURRENCY", "Currency not supported."})
		return
	case err != nil || !amt.IsPositive() || !amt.IsMinorPrecision():
		writeJSON(w, http.StatusBadRequest, momoError{"INVALID_AMOUNT", "Amount is not valid."})
		return
	case body.Payee.PartyIDType != "MSISDN" || !partnerkit.Digits(body.Payee.PartyID):
		writeJSON(w, http.StatusBadRequest, momoError{"PAYEE_NOT_FOUND", "Payee does not exist."})
		return
	}
	if early {
		writeJSON(w, http.StatusInternalServerError, momoError{"INTERNAL_PROCESSING_ERROR", "An internal error occurred while processing."})
		return
	}
	s.mu.Lock()
	if _, dup := s.momo[refHdr]; dup {
		s.mu.Unlock()
		writeJSON(w, http.StatusConflict, momoError{"RESOURCE_ALREADY_EXIST", "Duplicated reference id. Creation for resource failed."})
		return
	}
	t := &momoTxn{
		ref: refHdr, external: body.ExternalID, msisdn: body.Payee.PartyID, payerMessage: body.PayerMessage,
		payeeNote: body.PayeeNote, callbackURL: cb, amount: amt, amountText: body.Amount, status: "SUCCESSFUL",
	}
	switch body.Payee.PartyID {
	case "46733123450":
		t.status, t.reason = "FAILED", "PAYEE_NOT_FOUND"
	case "46733123451":
		t.status, t.reason = "FAILED", "APPROVAL_REJECTED"
	case "46733123452":
		t.status, t.reason = "FAILED", "EXPIRED"
	case "46733123453":
		t.status = "PENDING"
	case "46733123454":
		t.status, t.latePolls = "PENDING", s.cfg.MoMo.LatePolls
	case "46733123455":
		t.status, t.reason = "FAILED", "NOT_ENOUGH_FUNDS"
	}
	if t.status == "PENDING" && t.latePolls == 0 && body.Payee.PartyID == "46733123454" {
		t.status = "SUCCESSFUL"
	}
	if t.status == "SUCCESSFUL" {
		t.financialID = strconv.Itoa(100000000 + s.seq)
		s.seq++
		s.pay(payout.MoMo, t.ref, t.external, t.msisdn, amt)
	}
	s.momo[refHdr] = t
	view := s.momoView(t)
	s.mu.Unlock()
	if cb != "" && t.status != "PENDING" {
		s.callback(r.Context(), http.MethodPut, cb, refHdr, false, view)
	}
	late := s.lateFault()
	s.latency(r.Context())
	if late {
		writeJSON(w, http.StatusInternalServerError, momoError{"INTERNAL_PROCESSING_ERROR", "An internal error occurred while processing."})
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// momoView is the transfer's GET body; caller holds s.mu.
func (s *Server) momoView(t *momoTxn) map[string]any {
	v := map[string]any{
		"amount": t.amountText, "currency": string(t.amount.Currency), "externalId": t.external,
		"payee":        momoParty{"MSISDN", t.msisdn},
		"payerMessage": t.payerMessage, "payeeNote": t.payeeNote, "status": t.status,
	}
	if t.financialID != "" {
		v["financialTransactionId"] = t.financialID
	}
	if t.reason != "" {
		v["reason"] = t.reason
	}
	return v
}

func (s *Server) momoGet(w http.ResponseWriter, r *http.Request) {
	early, ok := s.momoGate(w, r, true)
	if !ok {
		return
	}
	if early {
		writeJSON(w, http.StatusInternalServerError, momoError{"INTERNAL_PROCESSING_ERROR", "An internal error occurred while processing."})
		return
	}
	ref := r.PathValue("ref")
	s.mu.Lock()
	t, found := s.momo[ref]
	if !found {
		s.mu.Unlock()
		s.latency(r.Context())
		writeJSON(w, http.StatusNotFound, momoError{"RESOURCE_NOT_FOUND", "Requested resource was not found."})
		return
	}
	flipped := false
	if t.latePolls > 0 {
		t.polls++
		if t.polls > t.latePolls {
			t.latePolls, t.status, flipped = 0, "SUCCESSFUL", true
			t.financialID = strconv.Itoa(100000000 + s.seq)
			s.seq++
			s.pay(payout.MoMo, t.ref, t.external, t.msisdn, t.amount)
		}
	}
	view := s.momoView(t)
	cb := t.callbackURL
	s.mu.Unlock()
	if flipped && cb != "" {
		s.callback(r.Context(), http.MethodPut, cb, ref, false, view)
	}
	s.latency(r.Context())
	writeJSON(w, http.StatusOK, view)
}

func (s *Server) momoActive(w http.ResponseWriter, r *http.Request) {
	early, ok := s.momoGate(w, r, true)
	if !ok {
		return
	}
	if early {
		writeJSON(w, http.StatusInternalServerError, momoError{"INTERNAL_PROCESSING_ERROR", "An internal error occurred while processing."})
		return
	}
	typ, id := strings.ToLower(r.PathValue("type")), r.PathValue("id")
	if typ != "msisdn" || !partnerkit.Digits(id) {
		writeJSON(w, http.StatusBadRequest, momoError{"INVALID_ACCOUNT_HOLDER", "Account holder identifier is not valid."})
		return
	}
	s.latency(r.Context())
	writeJSON(w, http.StatusOK, map[string]bool{"result": id != "46733123459"})
}
