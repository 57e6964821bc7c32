package momo

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/remitflow/remitflow/adapters/payout/internal/partnerkit"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
)

const partner = string(payout.MoMo)

// Handler returns the callback endpoint, to be mounted at Config.CallbackURL:
//
//	PUT|POST /callback?ref=<reference>&sig=<hmac>
//
// A callback that passes its checks is confirmed with a status GET; a final
// outcome is handed to sink once.
func (a *Adapter) Handler(sink payout.ResultSink) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/callback", func(w http.ResponseWriter, r *http.Request) { a.serveCallback(w, r, sink) })
	return mux
}

func (a *Adapter) serveCallback(w http.ResponseWriter, r *http.Request, sink payout.ResultSink) {
	ctx := r.Context()
	if r.Method != http.MethodPut && r.Method != http.MethodPost {
		partnerkit.Reject(w, r, a.log, partner, "method_not_allowed", http.StatusMethodNotAllowed, r.Method)
		return
	}
	ref, sig := r.URL.Query().Get("ref"), r.URL.Query().Get("sig")
	if ref == "" || a.cfg.CallbackSecret == "" || !partnerkit.Equal(sig, partnerkit.Sign(a.cfg.CallbackSecret, ref)) {
		partnerkit.Reject(w, r, a.log, partner, "bad_secret", http.StatusForbidden, "callback signature does not match")
		return
	}
	rec, ok := a.recs.Get(ref)
	if !ok || rec.Amount == nil {
		partnerkit.Reject(w, r, a.log, partner, "unknown_reference", http.StatusNotFound, ref)
		return
	}
	var t transfer
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&t); err != nil || t.Status == "" || t.Amount == "" {
		detail := "missing status or amount"
		if err != nil {
			detail = err.Error()
		}
		partnerkit.Reject(w, r, a.log, partner, "malformed", http.StatusBadRequest, detail)
		return
	}
	amt, err := money.Parse(t.Amount, t.Currency)
	if err != nil || !amt.Equal(*rec.Amount) {
		partnerkit.Reject(w, r, a.log, partner, "amount_mismatch", http.StatusUnprocessableEntity,
			"callback "+t.Amount+" "+t.Currency+", sent "+rec.Amount.String())
		return
	}
	if t.Payee.PartyID != "" && t.Payee.PartyID != rec.MSISDN {
		partnerkit.Reject(w, r, a.log, partner, "payee_mismatch", http.StatusUnprocessableEntity, "payee differs from what we sent")
		return
	}
	res, err := a.Status(ctx, ref)
	if err != nil {
		a.log.WarnContext(ctx, "momo: callback could not be confirmed", slog.String("reference", ref), slog.Any("err", err))
		partnerkit.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "not confirmed, retry"})
		return
	}
	if res.State != a.mapTransfer(ref, t).State {
		a.log.WarnContext(ctx, "momo: callback differs from status", slog.String("reference", ref),
			slog.String("callback", t.Status), slog.String("status", string(res.State)))
	}
	rec, _ = a.recs.Get(ref)
	if !rec.Result.State.Final() {
		partnerkit.CallbacksAccepted.WithLabelValues(partner).Inc()
		w.WriteHeader(http.StatusOK)
		return
	}
	delivered, err := partnerkit.Deliver(ctx, a.recs, sink, rec.Result)
	if err != nil {
		a.log.ErrorContext(ctx, "momo callback not applied", slog.Any("err", err))
		partnerkit.WriteJSON(w, http.StatusInternalServerError, map[string]string{"error": "not applied, retry"})
		return
	}
	if delivered {
		partnerkit.CallbacksAccepted.WithLabelValues(partner).Inc()
	} else {
		partnerkit.CallbacksDuplicate.WithLabelValues(partner).Inc()
	}
	w.WriteHeader(http.StatusOK)
}
