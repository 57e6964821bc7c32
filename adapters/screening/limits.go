package screening

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/compliance"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/process"
	"github.com/remitflow/remitflow/domain/transfer"
	fxrates "github.com/remitflow/remitflow/fx-rates"
)

// RateConverter converts an amount at the rate in force at an instant;
// *fxrates.RateBook is one. Convert returns the rate book's errors
// (fxrates.ErrNoRate, fxrates.ErrStaleRate, …) when it cannot.
type RateConverter interface {
	Convert(amount money.Amount, to money.Currency, at time.Time) (money.Amount, fxrates.Rate, error)
}

// Limits checks transfers against the sender's KYC-tier limits and velocity
// rules (compliance.RecordTransfer on "compliance-<senderID>"). It is safe
// for concurrent use.
type Limits struct {
	store eventstore.Store
	clock command.Clock
	rates RateConverter
}

var _ process.Limits = (*Limits)(nil)

// NewLimits returns a Limits. rates converts non-USD amounts; without it
// only USD transfers can be checked. It returns ErrInvalidConfig without a
// store or clock.
func NewLimits(store eventstore.Store, clock command.Clock, rates RateConverter) (*Limits, error) {
	if store == nil || clock == nil {
		return nil, fmt.Errorf("%w: limits need a store and a clock", ErrInvalidConfig)
	}
	return &Limits{store: store, clock: clock, rates: rates}, nil
}

// Check records transfer t against its sender's tier limits under
// commandID. The amount counted is what the sender pays (the quote's total,
// send amount and fee, as the transfer Service's gate counts it), in USD at
// the rate in force when the transfer was requested. Within the limits the
// transfer is recorded and no hits are returned; a refusal returns one hit
// per failed rule (Rule "tier<N>.<rule>", Subject "sender", Detail the
// rule's explanation) and records nothing. A transfer already recorded
// (by an earlier Check or by the gate when it was requested) passes.
//
// Errors: ErrInvalidSubject (no transfer or sender ID), ErrUnknownCustomer,
// process.ErrNoUSDRate (no rate to USD at the request time), compliance's
// domain errors (compliance.ErrInvalidCommand for an unknown tier or a
// non-positive amount), the command loop's and the store's errors.
func (l *Limits) Check(ctx context.Context, commandID string, t transfer.State) ([]transfer.Hit, error) {
	if t.ID == "" || t.SenderID == "" {
		return nil, fmt.Errorf("%w: a transfer needs an ID and a sender", ErrInvalidSubject)
	}
	cs, _, _, err := command.Load(ctx, l.store, customer.Aggregate, t.SenderID)
	if err != nil {
		return nil, fmt.Errorf("screening: load customer %s: %w", t.SenderID, err)
	}
	if !cs.Registered {
		return nil, fmt.Errorf("%w: %s", ErrUnknownCustomer, t.SenderID)
	}
	tier, ok := customer.LimitsFor(cs.Tier)
	if !ok {
		return nil, fmt.Errorf("%w: customer %s has unknown tier %d", compliance.ErrInvalidCommand, t.SenderID, cs.Tier)
	}
	amount, err := l.USD(t.Quote.Total, t.RequestedAt)
	if err != nil {
		return nil, err
	}
	_, err = command.Handle(ctx, l.store, compliance.Aggregate, t.SenderID, compliance.Command(compliance.RecordTransfer{
		Meta: compliance.Meta{ID: commandID, Actor: Actor}, SubjectID: t.SenderID, TransferID: t.ID,
		Amount: amount, Limits: compliance.Limits(tier),
	}), command.CommandMeta{CommandID: commandID, CorrelationID: t.ID, Actor: Actor, Clock: l.clock})
	var le *compliance.LimitError
	switch {
	case err == nil:
		return nil, nil
	case errors.As(err, &le):
		var hits []transfer.Hit
		for _, o := range le.Failed() {
			hits = append(hits, transfer.Hit{Rule: o.Rule, Subject: process.RoleSender, Detail: o.Detail})
		}
		return hits, nil
	case errors.Is(err, compliance.ErrDuplicateTransfer) || errors.Is(err, command.ErrCommandConflict):
		// Recorded before at another rate (a rate published late for the
		// request time, or the gate's conversion): it was within limits.
		st, _, _, lerr := command.Load(ctx, l.store, compliance.Aggregate, t.SenderID)
		if lerr != nil {
			return nil, fmt.Errorf("screening: load compliance record of %s: %w", t.SenderID, lerr)
		}
		if _, ok := st.Transfers[t.ID]; ok {
			return nil, nil
		}
		return nil, fmt.Errorf("screening: record transfer %s: %w", t.ID, err)
	default:
		return nil, fmt.Errorf("screening: record transfer %s: %w", t.ID, err)
	}
}

// USD converts a to its USD equivalent at the rate in force at instant at;
// a USD amount is returned unchanged. Errors: process.ErrNoUSDRate wrapping
// the rate book's error, or when no rate converter was given.
func (l *Limits) USD(a money.Amount, at time.Time) (money.Amount, error) {
	return toUSD(l.rates, a, at)
}

func toUSD(rates RateConverter, a money.Amount, at time.Time) (money.Amount, error) {
	if a.Currency == compliance.LimitsCurrency {
		return a, nil
	}
	if rates == nil {
		return money.Amount{}, fmt.Errorf("%w: %s (no rate book)", process.ErrNoUSDRate, a.Currency)
	}
	usd, _, err := rates.Convert(a, compliance.LimitsCurrency, at)
	if err != nil {
		return money.Amount{}, fmt.Errorf("%w: %s at %s: %w", process.ErrNoUSDRate, a.Currency, at.Format(time.RFC3339), err)
	}
	return usd, nil
}

// ToUSD returns the USD conversion process.NewCompliance takes: it converts
// at the rate in force at the clock's time (the gate runs when the transfer
// is requested). The function's errors are as for Limits.USD.
func ToUSD(rates RateConverter, clock command.Clock) func(context.Context, money.Amount) (money.Amount, error) {
	return func(_ context.Context, a money.Amount) (money.Amount, error) {
		return toUSD(rates, a, clock.Now())
	}
}
