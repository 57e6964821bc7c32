package partnersim

import (
	"encoding/json"
	"github.com/remitflow/remitflow/adapters/payout/internal/partnerkit"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
)

// Airtel Money disbursement v2 simulation. The outcome is chosen by the last
// three digits of payee.msisdn (sent without the country code):
//
//	003  DP00900001003 maximum transaction limit reached (failed, retryable)
//	004  DP00900001004 invalid amount (failed, final)
//	005  DP00900001005 transaction failed (failed, retryable)
//	007  DP00900001007 insufficient funds (failed, retryable)
//	009  DP00900001009 invalid initiatee (failed, final)
//	010  DP00900001010 user not allowed (failed, final)
//	012  DP00900001012 invalid mobile number (failed, final)
//	013  DP00900001013 refused (failed, final)
//	000  DP00900001000 ambiguous (TA) for AirtelConfig.PendingPolls enquiries, then success
//	006  DP00900001006 in process (TIP) for PendingPolls enquiries, then success
//	014  DP00900001014 timed out: the answer says so, but the payment was made
//	099  in process forever
//	else DP00900001001 success (TS)
//
// A duplicate transaction.id answers DP00900001017; an enquiry for an unknown
// id answers 404 with DP00900001015; a wrong PIN gives DP00900001005.

type airtelOutcome struct {
	code, message, status string
}

var airtelCodes = map[string]airtelOutcome{
	"003": {"DP00900001003", "Maximum transaction limit reached for the day.", "TF"},
	"004": {"DP00900001004", "Amount entered is out of range with respect to defined limits.", "TF"},
	"005": {"DP00900001005", "Transaction failed.", "TF"},
	"007": {"DP00900001007", "Not enough funds in account to complete the transaction.", "TF"},
	"009": {"DP00900001009", "Initiatee of the transaction is invalid.", "TF"},
	"010": {"DP00900001010", "Payer is not an allowed user.", "TF"},
	"012": {"DP00900001012", "Mobile number entered is incorrect.", "TF"},
	"013": {"DP00900001013", "The transaction was refused.", "TF"},
	"000": {"DP00900001000", "The transaction is still processing and is in ambiguous state. Please do the transaction enquiry to fetch the transaction status.", "TA"},
	"006": {"DP00900001006", "Transaction is in process.", "TIP"},
	"014": {"DP00900001014", "The transaction may be processed or failed due to time out. To know the exact status please do the transaction enquiry.", "TA"},
	"099": {"DP00900001006", "Transaction is in process.", "TIP"},
}

var airtelSuccess = airtelOutcome{"DP00900001001", "Transaction is successful.", "TS"}

func airtelScenarios() []Scenario {
	f := func(name, msisdn, code string, retry bool) Scenario {
		return Scenario{Provider: payout.Airtel, Name: name, MSISDN: msisdn, State: payout.StateFailed, Code: code, Retryable: retry}
	}
	return []Scenario{
		{Provider: payout.Airtel, Name: "success", MSISDN: "256751234567", State: payout.StateSucceeded, Code: "DP00900001001"},
		f("limit reached", "256751234003", "DP00900001003", true),
		f("invalid amount", "256751234004", "DP00900001004", false),
		f("failed", "256751234005", "DP00900001005", true),
		f("insufficient funds", "256751234007", "DP00900001007", true),
		f("invalid initiatee", "256751234009", "DP00900001009", false),
		f("user not allowed", "256751234010", "DP00900001010", false),
		f("invalid mobile number", "256751234012", "DP00900001012", false),
		f("refused", "256751234013", "DP00900001013", false),
		{Provider: payout.Airtel, Name: "ambiguous then success", MSISDN: "256751234000", State: payout.StateSucceeded, Code: "DP00900001001"},
		{Provider: payout.Airtel, Name: "in process then success", MSISDN: "256751234006", State: payout.StateSucceeded, Code: "DP00900001001"},
		{Provider: payout.Airtel, Name: "timed out but paid", MSISDN: "256751234014", State: payout.StateSucceeded, Code: "DP00900001001"},
		{Provider: payout.Airtel, Name: "in process forever", MSISDN: "256751234099", State: payout.StatePending},
		{Provider: payout.Airtel, Name: "wrong country", MSISDN: "254751234567", State: payout.StateFailed, Rejected: true},
	}
}

type airtelTxn struct {
	id, reference, msisdn, moneyID, refID string
	amount                                money.Amount
	outcome                               airtelOutcome
	polls, pendingPolls                   int
	forever                               bool
}

type airtelStatus struct {
	Code         string `json:"code"`
	Message      string `json:"message"`
	ResultCode   string `json:"result_code"`
	ResponseCode string `json:"response_code,omitempty"`
	Success      bool   `json:"success"`
}

func airtelErr(w http.ResponseWriter, status int, resultCode, responseCode, msg string) {
	writeJSON(w, status, map[string]any{"status": airtelStatus{
		Code: strconv.Itoa(status), Message: msg, ResultCode: resultCode, ResponseCode: responseCode, Success: false,
	}})
}

func (s *Server) routesAirtel() {
	s.mux.HandleFunc("POST /auth/oauth2/token", s.airtelToken)
	s.mux.HandleFunc("POST /standard/v2/disbursements/", s.airtelDisburse)
	s.mux.HandleFunc("GET /standard/v2/disbursements/{id}", s.airtelEnquiry)
}

func (s *Server) airtelToken(w http.ResponseWriter, r *http.Request) {
	if down, _ := s.fault(payout.Airtel); down {
		airtelErr(w, http.StatusServiceUnavailable, "ESB000045", "", "Service Unavailable")
		return
	}
	var body struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
		GrantType    string `json:"grant_type"`
	}
	if err := decodeStrict(r, &body); err != nil || body.GrantType != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "grant_type must be client_credentials"})
		return
	}
	if body.ClientID != s.cfg.Airtel.ClientID || body.ClientSecret != s.cfg.Airtel.ClientSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "Invalid client authentication"})
		return
	}
	tok := s.issueToken(payout.Airtel)
	s.latency(r.Context())
	writeJSON(w, http.StatusOK, map[string]string{
		"access_token": tok, "expires_in": strconv.FormatInt(int64(s.cfg.TokenTTL/time.Second), 10), "token_type": "bearer",
	})
}

// airtelGate checks down state, token and the country/currency headers.
func (s *Server) airtelGate(w http.ResponseWriter, r *http.Request) (early, ok bool) {
	down, early := s.fault(payout.Airtel)
	if down {
		airtelErr(w, http.StatusServiceUnavailable, "ESB000045", "", "Service Unavailable")
		return false, false
	}
	if !s.validBearer(payout.Airtel, r) {
		airtelErr(w, http.StatusUnauthorized, "ESB000041", "", "Unauthorized: invalid or expired access token")
		return false, false
	}
	if c := r.Header.Get("X-Country"); len(c) != 2 || strings.ToUpper(c) != c {
		airtelErr(w, http.StatusBadRequest, "ESB000008", "", "X-Country header is missing or invalid")
		return false, false
	}
	if _, err := money.ParseCurrency(r.Header.Get("X-Currency")); err != nil || r.Header.Get("X-Currency") == "" {
		airtelErr(w, http.StatusBadRequest, "ESB000008", "", "X-Currency header is missing or invalid")
		return false, false
	}
	return early, true
}

func airtelBody(t *airtelTxn, o airtelOutcome) map[string]any {
	return map[string]any{
		"data": map[string]any{"transaction": map[string]any{
			"reference_id": t.refID, "airtel_money_id": t.moneyID, "id": t.id, "status": o.status, "message": o.message,
		}},
		"status": airtelStatus{Code: "200", Message: "SUCCESS", ResultCode: "ESB000010", ResponseCode: o.code, Success: true},
	}
}

func (s *Server) airtelDisburse(w http.ResponseWriter, r *http.Request) {
	early, ok := s.airtelGate(w, r)
	if !ok {
		return
	}
	var body struct {
		Payee struct {
			MSISDN     string `json:"msisdn"`
			WalletType string `json:"wallet_type"`
		} `json:"payee"`
		Reference   string `json:"reference"`
		PIN         string `json:"pin"`
		Transaction struct {
			Amount json.Number `json:"amount"`
			ID     string      `json:"id"`
			Type   string      `json:"type"`
		} `json:"transaction"`
	}
	if err := decodeStrict(r, &body); err != nil {
		airtelErr(w, http.StatusBadRequest, "ESB000008", "", "Field validation failed: body is not valid JSON")
		return
	}
	amt, err := money.Parse(body.Transaction.Amount.String(), r.Header.Get("X-Currency"))
	switch {
	case body.Transaction.ID == "" || body.Transaction.Type != "B2C":
		airtelErr(w, http.StatusBadRequest, "ESB000008", "", "Field validation failed: transaction.id and transaction.type B2C are required")
		return
	case err != nil || !amt.IsPositive() || !amt.IsMinorPrecision():
		airtelErr(w, http.StatusBadRequest, "ESB000008", "DP00900001004", "Field validation failed: transaction.amount")
		return
	case !partnerkit.Digits(body.Payee.MSISDN) || len(body.Payee.MSISDN) < 7 || len(body.Payee.MSISDN) > 10:
		airtelErr(w, http.StatusBadRequest, "ESB000008", "DP00900001012", "Field validation failed: payee.msisdn")
		return
	}
	if early {
		airtelErr(w, http.StatusInternalServerError, "ESB000001", "", "Something went wrong")
		return
	}
	s.mu.Lock()
	if _, dup := s.airtel[body.Transaction.ID]; dup {
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"status": airtelStatus{
			Code: "200", Message: "Duplicate Transaction Id. To know the status of the actual transaction, please do transaction enquiry.",
			ResultCode: "ESB000014", ResponseCode: "DP00900001017", Success: false,
		}})
		return
	}
	m := body.Payee.MSISDN
	outcome := airtelSuccess
	if o, ok := airtelCodes[m[len(m)-3:]]; ok {
		outcome = o
	}
	if body.PIN != s.cfg.Airtel.PIN {
		outcome = airtelOutcome{"DP00900001005", "Transaction failed: incorrect PIN.", "TF"}
	}
	t := &airtelTxn{
		id: body.Transaction.ID, reference: body.Reference, msisdn: m, amount: amt, outcome: outcome,
		refID: s.newID("", 4), moneyID: "product-partner-" + s.newID("", 3),
	}
	switch m[len(m)-3:] {
	case "000", "006":
		if outcome.code != "DP00900001005" {
			t.pendingPolls = s.cfg.Airtel.PendingPolls
		}
	case "099":
		t.forever = outcome.code != "DP00900001005"
	}
	answer := outcome
	if outcome.code == "DP00900001014" {
		t.outcome = airtelSuccess
	}
	if t.outcome.status == "TS" {
		s.pay(payout.Airtel, t.id, t.reference, m, amt)
	}
	if t.outcome.status == "TA" || t.outcome.status == "TIP" {
		if t.pendingPolls == 0 && !t.forever {
			t.outcome = airtelSuccess
			s.pay(payout.Airtel, t.id, t.reference, m, amt)
		}
	}
	s.airtel[t.id] = t
	resp := airtelBody(t, answer)
	s.mu.Unlock()
	late := s.lateFault()
	s.latency(r.Context())
	if late {
		airtelErr(w, http.StatusInternalServerError, "ESB000001", "", "Something went wrong")
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) airtelEnquiry(w http.ResponseWriter, r *http.Request) {
	early, ok := s.airtelGate(w, r)
	if !ok {
		return
	}
	if r.URL.Query().Get("transactionType") != "B2C" {
		airtelErr(w, http.StatusBadRequest, "ESB000008", "", "Field validation failed: transactionType")
		return
	}
	if early {
		airtelErr(w, http.StatusInternalServerError, "ESB000001", "", "Something went wrong")
		return
	}
	s.mu.Lock()
	t, found := s.airtel[r.PathValue("id")]
	if !found {
		s.mu.Unlock()
		s.latency(r.Context())
		airtelErr(w, http.StatusNotFound, "ESB000010", "DP00900001015", "The transaction was not found.")
		return
	}
	if t.pendingPolls > 0 {
		t.polls++
		if t.polls > t.pendingPolls {
			t.pendingPolls = 0
			t.outcome = airtelSuccess
			s.pay(payout.Airtel, t.id, t.reference, t.msisdn, t.amount)
		}
	}
	resp := airtelBody(t, t.outcome)
	s.mu.Unlock()
	s.latency(r.Context())
	writeJSON(w, http.StatusOK, resp)
}
