package partnersim

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"github.com/remitflow/remitflow/adapters/payout/internal/partnerkit"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
)

// M-Pesa Daraja B2C simulation.
//
// Outcome by the last four digits of PartyB (the recipient MSISDN):
//
//	0001  ResultCode 1     insufficient balance (failed, retryable)
//	0002  ResultCode 2     below the minimum transaction amount (failed, final)
//	0003  ResultCode 3     above the maximum transaction amount (failed, final)
//	0004  ResultCode 4     would exceed the daily transfer limit (failed, retryable)
//	0008  ResultCode 8     would exceed the recipient's maximum balance (failed, retryable)
//	2001  ResultCode 2001  initiator information invalid (failed, final)
//	2040  ResultCode 2040  recipient customer type not supported (failed, final)
//	0099  SFC_IC0003       receiver party invalid (failed, final)
//	0077  queue timeout: QueueTimeOutURL is called, the payment is made; only a
//	      transaction-status query reveals the success
//	0088  stays pending forever: no callback; status query says Pending
//	else  ResultCode 0 success (e.g. the sandbox number 254708374149)
//
// A SecurityCredential that does not decrypt to the configured initiator
// password (or a wrong InitiatorName) gives ResultCode 2001.
// Transaction-status queries answer asynchronously at their ResultURL; an
// unknown OriginalConversationID gives ResultCode R000002.

const mpesaTimeFormat = "20060102150405"

// eat is East Africa Time, the zone Daraja timestamps are in.
var eat = time.FixedZone("EAT", 3*60*60)

type mpesaOutcome struct {
	code, desc string
	state      payout.State
	timeout    bool
}

var mpesaOutcomes = map[string]mpesaOutcome{
	"0001": {"1", "The balance is insufficient for the transaction.", payout.StateFailed, false},
	"0002": {"2", "Declined due to limit rule: less than the minimum transaction amount.", payout.StateFailed, false},
	"0003": {"3", "Declined due to limit rule: greater than the maximum transaction amount.", payout.StateFailed, false},
	"0004": {"4", "Declined due to limit rule: would exceed daily transfer limit.", payout.StateFailed, false},
	"0008": {"8", "Declined due to limit rule: would exceed the maximum balance.", payout.StateFailed, false},
	"2001": {"2001", "The initiator information is invalid.", payout.StateFailed, false},
	"2040": {"2040", "Credit Party customer type (Unregistered or Registered Customer) can't be supported by the service.", payout.StateFailed, false},
	"0099": {"SFC_IC0003", "The operator does not exist.", payout.StateFailed, false},
	"0077": {"0", "The service request is processed successfully.", payout.StateSucceeded, true},
	"0088": {"", "", payout.StatePending, false},
}

var mpesaSuccess = mpesaOutcome{"0", "The service request is processed successfully.", payout.StateSucceeded, false}

func mpesaScenarios() []Scenario {
	return []Scenario{
		{Provider: payout.MPesa, Name: "success", MSISDN: "254708374149", State: payout.StateSucceeded, Code: "0"},
		{Provider: payout.MPesa, Name: "insufficient balance", MSISDN: "254700000001", State: payout.StateFailed, Code: "1", Retryable: true},
		{Provider: payout.MPesa, Name: "below minimum", MSISDN: "254700000002", State: payout.StateFailed, Code: "2"},
		{Provider: payout.MPesa, Name: "above maximum", MSISDN: "254700000003", State: payout.StateFailed, Code: "3"},
		{Provider: payout.MPesa, Name: "daily limit", MSISDN: "254700000004", State: payout.StateFailed, Code: "4", Retryable: true},
		{Provider: payout.MPesa, Name: "recipient max balance", MSISDN: "254700000008", State: payout.StateFailed, Code: "8", Retryable: true},
		{Provider: payout.MPesa, Name: "invalid initiator", MSISDN: "254700002001", State: payout.StateFailed, Code: "2001"},
		{Provider: payout.MPesa, Name: "unsupported customer type", MSISDN: "254700002040", State: payout.StateFailed, Code: "2040"},
		{Provider: payout.MPesa, Name: "receiver party invalid", MSISDN: "254700000099", State: payout.StateFailed, Code: "SFC_IC0003"},
		{Provider: payout.MPesa, Name: "queue timeout then paid", MSISDN: "254700000077", State: payout.StateSucceeded, Code: "0"},
		{Provider: payout.MPesa, Name: "stays pending", MSISDN: "254700000088", State: payout.StatePending},
		{Provider: payout.MPesa, Name: "not a Kenyan number", MSISDN: "256700000000", State: payout.StateFailed, Rejected: true},
	}
}

type mpesaTxn struct {
	ref, conv, receipt, msisdn, occasion string
	amount                               money.Amount
	outcome                              mpesaOutcome
	at                                   time.Time
}

type darajaError struct {
	RequestID    string `json:"requestId"`
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
}

func (s *Server) darajaErr(w http.ResponseWriter, status int, code, msg string) {
	s.mu.Lock()
	id := s.newID("", 4)
	s.mu.Unlock()
	writeJSON(w, status, darajaError{RequestID: id, ErrorCode: code, ErrorMessage: msg})
}

func (s *Server) routesMPesa() {
	s.mux.HandleFunc("GET /oauth/v1/generate", s.mpesaToken)
	s.mux.HandleFunc("POST /mpesa/b2c/v3/paymentrequest", s.mpesaPayment)
	s.mux.HandleFunc("POST /mpesa/b2c/v1/paymentrequest", s.mpesaPayment)
	s.mux.HandleFunc("POST /mpesa/transactionstatus/v1/query", s.mpesaStatus)
}

func (s *Server) mpesaToken(w http.ResponseWriter, r *http.Request) {
	if down, _ := s.fault(payout.MPesa); down {
		s.darajaErr(w, http.StatusServiceUnavailable, "503.001.01", "Service Unavailable")
		return
	}
	if r.URL.Query().Get("grant_type") != "client_credentials" {
		s.darajaErr(w, http.StatusBadRequest, "400.008.02", "Invalid grant type passed")
		return
	}
	user, pass, ok := r.BasicAuth()
	if !ok || user != s.cfg.MPesa.ConsumerKey || pass != s.cfg.MPesa.ConsumerSecret {
		s.darajaErr(w, http.StatusBadRequest, "400.008.01", "Invalid Authentication passed")
		return
	}
	tok := s.issueToken(payout.MPesa)
	s.latency(r.Context())
	writeJSON(w, http.StatusOK, map[string]string{
		"access_token": tok,
		"expires_in":   strconv.FormatInt(int64(s.cfg.TokenTTL/time.Second), 10),
	})
}

type mpesaB2CRequest struct {
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

func validCallbackURL(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != ""
}

func (s *Server) mpesaCredentialOK(name, cred string) bool {
	if name != s.cfg.MPesa.InitiatorName {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(cred)
	if err != nil {
		return false
	}
	plain, err := rsa.DecryptPKCS1v15(nil, s.cfg.MPesa.Key, raw)
	return err == nil && string(plain) == s.cfg.MPesa.InitiatorPassword
}

func (s *Server) mpesaPayment(w http.ResponseWriter, r *http.Request) {
	down, early := s.fault(payout.MPesa)
	if down {
		s.darajaErr(w, http.StatusServiceUnavailable, "503.001.01", "Service Unavailable")
		return
	}
	if !s.validBearer(payout.MPesa, r) {
		s.darajaErr(w, http.StatusUnauthorized, "404.001.03", "Invalid Access Token")
		return
	}
	var req mpesaB2CRequest
	if err := decodeStrict(r, &req); err != nil {
		s.darajaErr(w, http.StatusBadRequest, "400.002.02", "Bad Request - Invalid JSON")
		return
	}
	amount, err := money.Parse(req.Amount.String(), "KES")
	switch {
	case req.OriginatorConversationID == "":
		s.darajaErr(w, http.StatusBadRequest, "400.002.02", "Bad Request - Invalid OriginatorConversationID")
		return
	case req.CommandID != "BusinessPayment" && req.CommandID != "SalaryPayment" && req.CommandID != "PromotionPayment":
		s.darajaErr(w, http.StatusBadRequest, "400.002.02", "Bad Request - Invalid CommandID")
		return
	case err != nil || !amount.Value.IsInteger() || !amount.IsPositive():
		s.darajaErr(w, http.StatusBadRequest, "400.002.02", "Bad Request - Invalid Amount")
		return
	case !partnerkit.Digits(req.PartyA.String()):
		s.darajaErr(w, http.StatusBadRequest, "400.002.02", "Bad Request - Invalid PartyA")
		return
	case !partnerkit.Digits(req.PartyB.String()) || len(req.PartyB.String()) != 12 || !strings.HasPrefix(req.PartyB.String(), "254"):
		s.darajaErr(w, http.StatusBadRequest, "400.002.02", "Bad Request - Invalid PartyB")
		return
	case !validCallbackURL(req.ResultURL):
		s.darajaErr(w, http.StatusBadRequest, "400.002.02", "Bad Request - Invalid ResultURL")
		return
	case !validCallbackURL(req.QueueTimeOutURL):
		s.darajaErr(w, http.StatusBadRequest, "400.002.02", "Bad Request - Invalid QueueTimeOutURL")
		return
	}
	if early {
		s.darajaErr(w, http.StatusInternalServerError, "500.001.1001", "Server Error")
		return
	}
	msisdn := req.PartyB.String()
	outcome := mpesaSuccess
	if o, ok := mpesaOutcomes[msisdn[len(msisdn)-4:]]; ok {
		outcome = o
	}
	if !s.mpesaCredentialOK(req.InitiatorName, req.SecurityCredential) {
		outcome = mpesaOutcomes["2001"]
	}
	s.mu.Lock()
	if _, dup := s.mpesa[req.OriginatorConversationID]; dup {
		s.mu.Unlock()
		s.darajaErr(w, http.StatusInternalServerError, "500.002.1001", "Duplicate OriginatorConversationID")
		return
	}
	t := &mpesaTxn{
		ref: req.OriginatorConversationID, conv: "AG_" + s.cfg.Now().UTC().Format("20060102") + "_" + s.newID("", 6),
		msisdn: msisdn, occasion: req.Occassion, amount: amount, outcome: outcome, at: s.cfg.Now(),
	}
	if outcome.state != payout.StatePending {
		t.receipt = strings.ToUpper(s.newID("S", 2))[:10]
		s.mpesaRcpt[t.receipt] = t.ref
	}
	s.mpesa[t.ref] = t
	if outcome.state == payout.StateSucceeded {
		s.pay(payout.MPesa, t.ref, t.occasion, msisdn, amount)
	}
	s.mu.Unlock()

	switch {
	case outcome.timeout:
		s.callback(r.Context(), http.MethodPost, req.QueueTimeOutURL, t.ref, false, map[string]any{"Result": map[string]any{
			"ResultType": 1, "ResultCode": 1, "ResultDesc": "The service request has timed out in the queue.",
			"OriginatorConversationID": t.ref, "ConversationID": t.conv, "TransactionID": t.receipt,
		}})
	case outcome.state != payout.StatePending:
		s.callback(r.Context(), http.MethodPost, req.ResultURL, t.ref, false, s.mpesaResultBody(t))
	}
	late := s.lateFault()
	s.latency(r.Context())
	if late {
		s.darajaErr(w, http.StatusInternalServerError, "500.001.1001", "Server Error")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{
		"ConversationID":           t.conv,
		"OriginatorConversationID": t.ref,
		"ResponseCode":             "0",
		"ResponseDescription":      "Accept the service request successfully.",
	})
}

type kv struct {
	Key   string `json:"Key"`
	Value any    `json:"Value"`
}

func resultCode(code string) any {
	if partnerkit.Digits(code) {
		return json.RawMessage(code)
	}
	return code
}

func (s *Server) mpesaResultBody(t *mpesaTxn) map[string]any {
	res := map[string]any{
		"ResultType": 0, "ResultCode": resultCode(t.outcome.code), "ResultDesc": t.outcome.desc,
		"OriginatorConversationID": t.ref, "ConversationID": t.conv, "TransactionID": t.receipt,
		"ReferenceData": map[string]any{"ReferenceItem": kv{"QueueTimeoutURL", "https://internalsandbox.safaricom.co.ke/mpesa/b2cresults/v1/submit"}},
	}
	if t.outcome.state == payout.StateSucceeded {
		res["ResultParameters"] = map[string]any{"ResultParameter": []kv{
			{"TransactionAmount", json.RawMessage(t.amount.Value.String())},
			{"TransactionReceipt", t.receipt},
			{"B2CRecipientIsRegisteredCustomer", "Y"},
			{"B2CChargesPaidAccountAvailableFunds", json.RawMessage("-4510.00")},
			{"ReceiverPartyPublicName", t.msisdn + " - Jane Doe"},
			{"TransactionCompletedDateTime", t.at.In(eat).Format("02.01.2006 15:04:05")},
			{"B2CUtilityAccountAvailableFunds", json.RawMessage("10116.00")},
			{"B2CWorkingAccountAvailableFunds", json.RawMessage("900000.00")},
		}}
	}
	return map[string]any{"Result": res}
}

type mpesaStatusRequest struct {
	Initiator                string      `json:"Initiator"`
	SecurityCredential       string      `json:"SecurityCredential"`
	CommandID                string      `json:"CommandID"`
	TransactionID            string      `json:"TransactionID"`
	OriginatorConversationID string      `json:"OriginatorConversationID"`
	OriginalConversationID   string      `json:"OriginalConversationID"`
	PartyA                   json.Number `json:"PartyA"`
	IdentifierType           json.Number `json:"IdentifierType"`
	ResultURL                string      `json:"ResultURL"`
	QueueTimeOutURL          string      `json:"QueueTimeOutURL"`
	Remarks                  string      `json:"Remarks"`
	Occasion                 string      `json:"Occasion"`
}

func (s *Server) mpesaStatus(w http.ResponseWriter, r *http.Request) {
	down, early := s.fault(payout.MPesa)
	if down {
		s.darajaErr(w, http.StatusServiceUnavailable, "503.001.01", "Service Unavailable")
		return
	}
	if !s.validBearer(payout.MPesa, r) {
		s.darajaErr(w, http.StatusUnauthorized, "404.001.03", "Invalid Access Token")
		return
	}
	var req mpesaStatusRequest
	if err := decodeStrict(r, &req); err != nil {
		s.darajaErr(w, http.StatusBadRequest, "400.002.02", "Bad Request - Invalid JSON")
		return
	}
	switch {
	case req.CommandID != "TransactionStatusQuery":
		s.darajaErr(w, http.StatusBadRequest, "400.002.02", "Bad Request - Invalid CommandID")
		return
	case req.TransactionID == "" && req.OriginalConversationID == "":
		s.darajaErr(w, http.StatusBadRequest, "400.002.02", "Bad Request - Invalid TransactionID")
		return
	case !validCallbackURL(req.ResultURL) || !validCallbackURL(req.QueueTimeOutURL):
		s.darajaErr(w, http.StatusBadRequest, "400.002.02", "Bad Request - Invalid ResultURL")
		return
	case !s.mpesaCredentialOK(req.Initiator, req.SecurityCredential):
		s.darajaErr(w, http.StatusBadRequest, "400.002.02", "Bad Request - Invalid Initiator")
		return
	}
	if early {
		s.darajaErr(w, http.StatusInternalServerError, "500.001.1001", "Server Error")
		return
	}
	s.mu.Lock()
	ref := req.OriginalConversationID
	if ref == "" {
		ref = s.mpesaRcpt[req.TransactionID]
	}
	t, found := s.mpesa[ref]
	var snapshot mpesaTxn
	if found {
		snapshot = *t
	}
	qid := req.OriginatorConversationID
	if qid == "" {
		qid = s.newID("Q", 4)
	}
	conv := "AG_" + s.cfg.Now().UTC().Format("20060102") + "_" + s.newID("", 6)
	s.mu.Unlock()

	res := map[string]any{
		"ResultType": 0, "OriginatorConversationID": qid, "ConversationID": conv,
	}
	switch {
	case !found:
		res["ResultCode"], res["ResultDesc"] = "R000002", "The OriginatorConversationID is invalid."
	default:
		status := "Completed"
		code, desc := json.RawMessage("0"), "The service request has been accepted successfully."
		var rc any = code
		switch snapshot.outcome.state {
		case payout.StateFailed:
			status, rc, desc = "Failed", resultCode(snapshot.outcome.code), snapshot.outcome.desc
		case payout.StatePending:
			status = "Pending"
		}
		res["ResultCode"], res["ResultDesc"], res["TransactionID"] = rc, desc, snapshot.receipt
		res["ResultParameters"] = map[string]any{"ResultParameter": []kv{
			{"ReceiptNo", snapshot.receipt},
			{"Conversation ID", snapshot.conv},
			{"FinalisedTime", json.RawMessage(snapshot.at.In(eat).Format(mpesaTimeFormat))},
			{"Amount", json.RawMessage(snapshot.amount.Value.String())},
			{"TransactionStatus", status},
			{"ReasonType", "Business Payment to Customer via API"},
			{"TransactionReason", ""},
			{"DebitPartyCharges", ""},
			{"DebitAccountType", "Utility Account"},
			{"InitiatedTime", json.RawMessage(snapshot.at.In(eat).Format(mpesaTimeFormat))},
			{"Originator Conversation ID", snapshot.ref},
			{"CreditPartyName", snapshot.msisdn + " - Jane Doe"},
			{"DebitPartyName", s.cfg.MPesa.ShortCode + " - Remitflow"},
		}}
	}
	s.callback(r.Context(), http.MethodPost, req.ResultURL, ref, true, map[string]any{"Result": res})
	s.latency(r.Context())
	writeJSON(w, http.StatusOK, map[string]string{
		"OriginatorConversationID": qid,
		"ConversationID":           conv,
		"ResponseCode":             "0",
		"ResponseDescription":      "Accept the service request successfully.",
	})
}
