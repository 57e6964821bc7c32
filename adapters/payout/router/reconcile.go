package router

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/remitflow/remitflow/adapters/payout/internal/partnerkit"
	"github.com/remitflow/remitflow/domain/payout"
)

// Outstanding is a payout submitted without a final outcome yet.
type Outstanding struct {
	Reference   string
	Provider    payout.Provider
	SubmittedAt time.Time
}

// Store is what the transfer process offers the reconciliation job.
type Store interface {
	// Outstanding lists up to limit payouts submitted before olderThan that
	// have no final outcome recorded, oldest first.
	Outstanding(ctx context.Context, olderThan time.Time, limit int) ([]Outstanding, error)
	// RecordResult records a final outcome (as events on the transfer).
	RecordResult(ctx context.Context, r payout.Result) error
}

// StatusQuerier asks a given partner about a payout; *Router implements it.
type StatusQuerier interface {
	StatusOf(ctx context.Context, provider payout.Provider, reference string) (payout.Result, error)
}

// Reconciler queries every payout older than its deadline that is still
// without a final outcome and records what the partner says.
//
// A partner answering ErrNotFound for a payout older than the deadline never
// received it: it is recorded as StateFailed, Code "NOT_FOUND", Retryable
// true, so the transfer process may pay again with a new reference.
type Reconciler struct {
	Querier StatusQuerier
	Store   Store
	// Deadline is the age after which a payout is reconciled (default 10m).
	Deadline time.Duration
	// Batch is the number of payouts listed per round (default 500).
	Batch  int
	Now    func() time.Time
	Logger *slog.Logger
}

// Report counts what one reconciliation round did.
type Report struct {
	Checked  int
	Resolved int
	NotFound int
	Open     int
	Errors   int
}

func (rc *Reconciler) defaults() {
	if rc.Deadline <= 0 {
		rc.Deadline = 10 * time.Minute
	}
	if rc.Batch <= 0 {
		rc.Batch = 500
	}
	if rc.Now == nil {
		rc.Now = time.Now
	}
	if rc.Logger == nil {
		rc.Logger = partnerkit.Discard()
	}
}

// RunOnce reconciles one batch. It returns the store's listing error; per
// payout failures are logged and counted in the report, and the round goes on.
func (rc *Reconciler) RunOnce(ctx context.Context) (Report, error) {
	rc.defaults()
	var rep Report
	list, err := rc.Store.Outstanding(ctx, rc.Now().Add(-rc.Deadline), rc.Batch)
	if err != nil {
		return rep, fmt.Errorf("reconcile: listing outstanding payouts: %w", err)
	}
	for _, o := range list {
		if ctx.Err() != nil {
			return rep, fmt.Errorf("reconcile: %w", ctx.Err())
		}
		rep.Checked++
		res, err := rc.Querier.StatusOf(ctx, o.Provider, o.Reference)
		switch {
		case errors.Is(err, payout.ErrNotFound):
			rep.NotFound++
			res = payout.Result{Reference: o.Reference, State: payout.StateFailed, Code: "NOT_FOUND",
				Reason: "partner never received the payout", Retryable: true, At: rc.Now()}
		case err != nil:
			rep.Errors++
			rc.Logger.WarnContext(ctx, "reconcile: status failed", slog.String("reference", o.Reference),
				slog.String("partner", string(o.Provider)), slog.Any("err", err))
			continue
		case !res.State.Final():
			rep.Open++
			continue
		}
		res.Reference = o.Reference
		if err := rc.Store.RecordResult(ctx, res); err != nil {
			rep.Errors++
			rc.Logger.ErrorContext(ctx, "reconcile: recording result failed", slog.String("reference", o.Reference), slog.Any("err", err))
			continue
		}
		if res.Code != "NOT_FOUND" {
			rep.Resolved++
		}
	}
	return rep, nil
}

// Run reconciles every interval until ctx ends; it returns ctx's error.
func (rc *Reconciler) Run(ctx context.Context, interval time.Duration) error {
	rc.defaults()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		rep, err := rc.RunOnce(ctx)
		if err != nil {
			rc.Logger.ErrorContext(ctx, "reconcile round failed", slog.Any("err", err))
		} else if rep.Checked > 0 {
			rc.Logger.InfoContext(ctx, "reconcile round", slog.Int("checked", rep.Checked), slog.Int("resolved", rep.Resolved),
				slog.Int("not_found", rep.NotFound), slog.Int("open", rep.Open), slog.Int("errors", rep.Errors))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("reconcile: %w", ctx.Err())
		case <-t.C:
		}
	}
}
