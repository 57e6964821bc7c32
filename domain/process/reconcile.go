package process

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/payout"
	"github.com/remitflow/remitflow/domain/transfer"
)

// ErrUnknownReference means a payout result names a reference no transfer
// submitted.
var ErrUnknownReference = errors.New("process: unknown payout reference")

// record turns a payout result into a RecordPayoutResult command whose ID
// derives from the result's content: the same result twice appends once.
func (m *Manager) record(ctx context.Context, transferID string, r payout.Result, cause string) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("process: encode payout result: %w", err)
	}
	meta := command.CommandMeta{
		CommandID: command.DeriveID("payout-result", string(b)), CorrelationID: transferID,
		CausationID: cause, Actor: Actor, Clock: m.deps.Clock,
	}
	_, err = command.Handle(ctx, m.store, transfer.Aggregate, transferID, transfer.Command(transfer.RecordPayoutResult{Result: r}), meta)
	return err
}

// HandlePayoutResult records an outcome a partner pushed (a callback). It is
// idempotent: a duplicate callback appends nothing. It returns
// ErrUnknownReference when no transfer submitted the reference, the transfer
// aggregate's domain errors (transfer.ErrAlreadyPaid,
// transfer.ErrPayoutAmountMismatch, …), or the store's errors. The steps that
// follow (settlement, retry, refund) run when the process manager sees the
// recorded event. Its signature matches payout.ResultSink.
func (m *Manager) HandlePayoutResult(ctx context.Context, r payout.Result) error {
	id, err := m.transferOf(ctx, r.Reference)
	if err != nil {
		return err
	}
	defer m.lock(id).Unlock()
	return m.record(ctx, id, r, "payout-callback:"+r.Reference)
}

var _ payout.ResultSink = (*Manager)(nil).HandlePayoutResult

// transferOf finds the transfer that submitted a payout reference: from the
// index, else by searching the log.
func (m *Manager) transferOf(ctx context.Context, ref string) (string, error) {
	if ref == "" {
		return "", fmt.Errorf("%w: empty", ErrUnknownReference)
	}
	m.mu.Lock()
	id, ok := m.refs[ref]
	m.mu.Unlock()
	if ok {
		return id, nil
	}
	opts := eventstore.ReadAllOptions{Direction: eventstore.Backwards, After: eventstore.End, Filter: eventstore.EventTypePrefix(transfer.TypePayoutSubmitted)}
	for ev, err := range m.store.ReadAll(ctx, opts) {
		if err != nil {
			return "", fmt.Errorf("process: find payout %s: %w", ref, err)
		}
		e, err := transfer.Decode(ev.Type, ev.Data)
		if err != nil {
			continue
		}
		if p := e.(transfer.PayoutSubmitted); p.Reference == ref {
			return p.TransferID, nil
		}
	}
	return "", fmt.Errorf("%w: %s", ErrUnknownReference, ref)
}

// ReconcileReport says what one Reconcile pass did.
type ReconcileReport struct {
	// Checked is the number of unfinished transfers looked at.
	Checked int
	// Queried is the number of payout status queries; Resubmitted the
	// attempts sent again because the partner never received them.
	Queried     int
	Resubmitted int
	// Errors counts transfers whose reconciliation failed (partner or store
	// unavailable); they are tried again next time.
	Errors int
	// LastError is the last of those errors.
	LastError error
}

// Reconcile looks at every unfinished transfer and does what time has made
// due: it asks the partner about attempts without a final outcome older
// than Config.PayoutDeadline (resubmitting the same reference only when the
// partner answers payout.ErrNotFound), starts retries whose backoff has
// passed, expires uncollected pickups, and repeats any step still due. Call
// it periodically. It returns an error only when ctx ends; per-transfer
// failures are counted in the report.
func (m *Manager) Reconcile(ctx context.Context) (ReconcileReport, error) {
	m.mu.Lock()
	ids := make([]string, 0, len(m.open))
	for id := range m.open {
		ids = append(ids, id)
	}
	m.mu.Unlock()
	slices.Sort(ids)
	var rep ReconcileReport
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		rep.Checked++
		if err := m.reconcileOne(ctx, id, &rep); err != nil {
			rep.Errors++
			rep.LastError = err
		}
	}
	return rep, nil
}

func (m *Manager) reconcileOne(ctx context.Context, id string, rep *ReconcileReport) error {
	defer m.lock(id).Unlock()
	s, _, ok, err := command.Load(ctx, m.store, transfer.Aggregate, id)
	if err != nil || !ok {
		return err
	}
	if s.Status == transfer.StatusPayoutSubmitted {
		a, _ := s.CurrentAttempt()
		if a.State.Final() || m.deps.Clock.Now().Before(a.SubmittedAt.Add(m.cfg.PayoutDeadline)) {
			return nil
		}
		rep.Queried++
		r, err := m.deps.Payouts.Status(ctx, a.Reference)
		if errors.Is(err, payout.ErrNotFound) {
			// Never received: sending the same reference is safe.
			rep.Resubmitted++
			st := step{m: m, id: id, cause: "reconcile:" + a.Reference}
			return st.send(ctx, s, a)
		}
		if err != nil {
			return fmt.Errorf("process: payout status of %s: %w", a.Reference, err)
		}
		if r.Reference == "" {
			r.Reference = a.Reference
		}
		if err := m.record(ctx, id, r, "reconcile:"+a.Reference); err != nil && !isDomain(err) {
			return err
		}
		return nil
	}
	return m.advance(ctx, id, "reconcile:"+id, 0)
}

// ReconcileOn runs Reconcile each time tick delivers (pass a time.Ticker's
// channel from the wiring) until ctx ends, and hands each pass's report to
// report (which may be nil). It returns the context's error.
func (m *Manager) ReconcileOn(ctx context.Context, tick <-chan time.Time, report func(ReconcileReport)) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick:
			rep, err := m.Reconcile(ctx)
			if err != nil {
				return err
			}
			if report != nil {
				report(rep)
			}
		}
	}
}
