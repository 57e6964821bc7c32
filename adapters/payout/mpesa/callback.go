package mpesa

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/remitflow/remitflow/adapters/payout/internal/partnerkit"
	"github.com/remitflow/remitflow/domain/payout"
)

const partner = string(payout.MPesa)

type param struct {
	Key   string          `json:"Key"`
	Value json.RawMessage `json:"Value"`
}

// params accepts Daraja's ResultParameter as an array or, when there is only
// one, a single object.
type params []param

// UnmarshalJSON implements json.Unmarshaler.
func (p *params) UnmarshalJSON(b []byte) error {
	b = []byte(strings.TrimSpace(string(b)))
	if len(b) > 0 && b[0] == '{' {
		var one param
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*p = params{one}
		return nil
	}
	var many []param
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*p = many
	return nil
}

func (p params) get(key string) (json.RawMessage, bool) {
	for _, kv := range p {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return nil, false
}

func (p params) text(key string) string {
	raw, ok := p.get(key)
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

type callbackResult struct {
	ResultType               json.RawMessage `json:"ResultType"`
	ResultCode               json.RawMessage `json:"ResultCode"`
	ResultDesc               string          `json:"ResultDesc"`
	OriginatorConversationID string          `json:"OriginatorConversationID"`
	ConversationID           string          `json:"ConversationID"`
	TransactionID            string          `json:"TransactionID"`
	ResultParameters         *struct {
		ResultParameter params `json:"ResultParameter"`
	} `json:"ResultParameters"`
}

func (c callbackResult) code() string {
	var s string
	if json.Unmarshal(c.ResultCode, &s) == nil {
		return strings.TrimSpace(s)
	}
	return strings.TrimSpace(string(c.ResultCode))
}

func (c callbackResult) params() params {
	if c.ResultParameters == nil {
		return nil
	}
	return c.ResultParameters.ResultParameter
}

// Handler returns the callback endpoints, to be mounted at Config.CallbackURL:
//
//	POST /result          B2C result (ResultURL)
//	POST /timeout         B2C queue timeout (QueueTimeOutURL)
//	POST /status/result   transaction-status query result
//	POST /status/timeout  transaction-status query queue timeout
//
// Final outcomes that pass every check are handed to sink once.
func (a *Adapter) Handler(sink payout.ResultSink) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/result", func(w http.ResponseWriter, r *http.Request) { a.serve(w, r, sink, a.onResult) })
	mux.HandleFunc("/timeout", func(w http.ResponseWriter, r *http.Request) { a.serve(w, r, sink, a.onTimeout) })
	mux.HandleFunc("/status/result", func(w http.ResponseWriter, r *http.Request) { a.serve(w, r, sink, a.onStatusResult) })
	mux.HandleFunc("/status/timeout", func(w http.ResponseWriter, r *http.Request) { a.serve(w, r, sink, a.onStatusTimeout) })
	return mux
}

type rejection struct {
	reason string
	status int
	detail string
}

func (e *rejection) Error() string { return e.reason + ": " + e.detail }

func reject(reason string, status int, detail string) error {
	return &rejection{reason: reason, status: status, detail: detail}
}

type handlerFunc func(ctx context.Context, res callbackResult, sink payout.ResultSink) error

func (a *Adapter) sourceAllowed(r *http.Request) bool {
	if len(a.cfg.AllowedSources) == 0 {
		return true
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	for _, p := range a.cfg.AllowedSources {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

func (a *Adapter) serve(w http.ResponseWriter, r *http.Request, sink payout.ResultSink, h handlerFunc) {
	if r.Method != http.MethodPost {
		partnerkit.Reject(w, r, a.log, partner, "method_not_allowed", http.StatusMethodNotAllowed, r.Method)
		return
	}
	if !a.sourceAllowed(r) {
		partnerkit.Reject(w, r, a.log, partner, "source_not_allowed", http.StatusForbidden, r.RemoteAddr)
		return
	}
	if !partnerkit.Equal(r.URL.Query().Get("token"), a.cfg.CallbackSecret) {
		partnerkit.Reject(w, r, a.log, partner, "bad_secret", http.StatusForbidden, "callback token does not match")
		return
	}
	var env struct {
		Result *callbackResult `json:"Result"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	if err := dec.Decode(&env); err != nil || env.Result == nil || env.Result.OriginatorConversationID == "" || len(env.Result.ResultCode) == 0 {
		detail := "missing Result, OriginatorConversationID or ResultCode"
		if err != nil {
			detail = err.Error()
		}
		partnerkit.Reject(w, r, a.log, partner, "malformed", http.StatusBadRequest, detail)
		return
	}
	if err := h(r.Context(), *env.Result, sink); err != nil {
		var rj *rejection
		if errors.As(err, &rj) {
			partnerkit.Reject(w, r, a.log, partner, rj.reason, rj.status, rj.detail)
			return
		}
		a.log.ErrorContext(r.Context(), "mpesa callback not applied", slog.Any("err", err))
		partnerkit.WriteJSON(w, http.StatusInternalServerError, map[string]any{"ResultCode": 1, "ResultDesc": "Not applied, retry"})
		return
	}
	partnerkit.WriteJSON(w, http.StatusOK, map[string]any{"ResultCode": 0, "ResultDesc": "Accepted"})
}

// apply records a final or non-final result and delivers final ones.
func (a *Adapter) apply(ctx context.Context, res payout.Result, sink payout.ResultSink) error {
	changed, err := a.recs.Update(res)
	if errors.Is(err, partnerkit.ErrConflict) {
		return reject("conflicting_outcome", http.StatusConflict, err.Error())
	}
	if !changed && res.State.Final() {
		partnerkit.CallbacksDuplicate.WithLabelValues(partner).Inc()
	} else {
		partnerkit.CallbacksAccepted.WithLabelValues(partner).Inc()
	}
	rec, _ := a.recs.Get(res.Reference)
	if _, err := partnerkit.Deliver(ctx, a.recs, sink, rec.Result); err != nil {
		return err
	}
	return nil
}

func (a *Adapter) onResult(ctx context.Context, cr callbackResult, sink payout.ResultSink) error {
	ref := cr.OriginatorConversationID
	rec, ok := a.recs.Get(ref)
	if !ok || rec.Amount == nil {
		return reject("unknown_reference", http.StatusNotFound, ref)
	}
	code := cr.code()
	if code != "0" {
		res := failure(ref, code, cr.ResultDesc)
		res.PartnerReference = cr.TransactionID
		res.At = a.cfg.Now()
		return a.apply(ctx, res, sink)
	}
	p := cr.params()
	raw, _ := p.get("TransactionAmount")
	paid, err := parseKES(raw)
	if err != nil || paid == nil {
		return reject("malformed", http.StatusBadRequest, "TransactionAmount missing or invalid")
	}
	if !paid.Equal(*rec.Amount) {
		return reject("amount_mismatch", http.StatusUnprocessableEntity, "paid "+paid.String()+", sent "+rec.Amount.String())
	}
	receipt := p.text("TransactionReceipt")
	if receipt == "" {
		receipt = cr.TransactionID
	}
	at := a.cfg.Now()
	if t, err := time.ParseInLocation("02.01.2006 15:04:05", p.text("TransactionCompletedDateTime"), eat); err == nil {
		at = t
	}
	return a.apply(ctx, payout.Result{Reference: ref, State: payout.StateSucceeded, PartnerReference: receipt,
		Code: "0", Reason: cr.ResultDesc, Amount: paid, At: at}, sink)
}

func (a *Adapter) onTimeout(ctx context.Context, cr callbackResult, _ payout.ResultSink) error {
	ref := cr.OriginatorConversationID
	if _, ok := a.recs.Get(ref); !ok {
		return reject("unknown_reference", http.StatusNotFound, ref)
	}
	if _, err := a.recs.Update(payout.Result{Reference: ref, State: payout.StateUnknown, Code: cr.code(), Reason: cr.ResultDesc}); err != nil {
		return reject("conflicting_outcome", http.StatusConflict, err.Error())
	}
	partnerkit.CallbacksAccepted.WithLabelValues(partner).Inc()
	a.log.InfoContext(ctx, "mpesa: queue timeout, querying status", slog.String("reference", ref))
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.Timeout)
	go func() {
		defer cancel()
		if err := a.query(qctx, ref); err != nil {
			a.log.WarnContext(qctx, "mpesa: status query after queue timeout failed", slog.String("reference", ref), slog.Any("err", err))
		}
	}()
	return nil
}

// notFoundCodes are transaction-status ResultCodes meaning the original
// request is not known to Safaricom.
var notFoundCodes = map[string]bool{"R000002": true, "R000001": true}

func (a *Adapter) onStatusResult(ctx context.Context, cr callbackResult, sink payout.ResultSink) error {
	a.mu.Lock()
	q, ok := a.queries[cr.OriginatorConversationID]
	a.mu.Unlock()
	ref := q.ref
	if !ok {
		return reject("unknown_reference", http.StatusNotFound, "status query "+cr.OriginatorConversationID)
	}
	p := cr.params()
	if orig := p.text("Originator Conversation ID"); orig != "" && orig != ref {
		return reject("reference_mismatch", http.StatusUnprocessableEntity, "query for "+ref+" answered for "+orig)
	}
	a.mu.Lock()
	delete(a.queries, cr.OriginatorConversationID)
	a.mu.Unlock()
	code := cr.code()
	switch {
	case notFoundCodes[code]:
		a.recs.MarkNotFound(ref)
		partnerkit.CallbacksAccepted.WithLabelValues(partner).Inc()
		return nil
	case code != "0":
		res := failure(ref, code, cr.ResultDesc)
		res.PartnerReference, res.At = p.text("ReceiptNo"), a.cfg.Now()
		return a.apply(ctx, res, sink)
	}
	switch p.text("TransactionStatus") {
	case "Completed":
		rec, _ := a.recs.Get(ref)
		raw, _ := p.get("Amount")
		paid, err := parseKES(raw)
		if err != nil || paid == nil {
			return reject("malformed", http.StatusBadRequest, "Amount missing or invalid")
		}
		if rec.Amount != nil && !paid.Equal(*rec.Amount) {
			return reject("amount_mismatch", http.StatusUnprocessableEntity, "paid "+paid.String()+", sent "+rec.Amount.String())
		}
		at := a.cfg.Now()
		if t, err := time.ParseInLocation("20060102150405", p.text("FinalisedTime"), eat); err == nil {
			at = t
		}
		return a.apply(ctx, payout.Result{Reference: ref, State: payout.StateSucceeded, PartnerReference: p.text("ReceiptNo"),
			Code: "0", Reason: cr.ResultDesc, Amount: paid, At: at}, sink)
	case "Failed", "Declined", "Cancelled", "Expired", "Reversed":
		res := payout.Result{Reference: ref, State: payout.StateFailed, Code: p.text("TransactionStatus"),
			Reason: cr.ResultDesc, PartnerReference: p.text("ReceiptNo"), At: a.cfg.Now()}
		return a.apply(ctx, res, sink)
	default:
		return a.apply(ctx, payout.Result{Reference: ref, State: payout.StatePending, Code: p.text("TransactionStatus"), Reason: cr.ResultDesc}, sink)
	}
}

func (a *Adapter) onStatusTimeout(ctx context.Context, cr callbackResult, _ payout.ResultSink) error {
	a.mu.Lock()
	q, ok := a.queries[cr.OriginatorConversationID]
	delete(a.queries, cr.OriginatorConversationID)
	a.mu.Unlock()
	ref := q.ref
	if !ok {
		return reject("unknown_reference", http.StatusNotFound, "status query "+cr.OriginatorConversationID)
	}
	a.log.InfoContext(ctx, "mpesa: status query timed out in queue", slog.String("reference", ref))
	return nil
}
