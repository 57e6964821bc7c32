package screening

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/compliance"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/process"
	"github.com/remitflow/remitflow/domain/transfer"
)

// Cases opens compliance cases for held transfers whose hits opened no case
// themselves: limit and velocity rules, or a name that could not be
// screened (sanctions hits open their case when the screening is recorded).
// It is safe for concurrent use.
type Cases struct {
	store eventstore.Store
	clock command.Clock
}

var _ process.Cases = (*Cases)(nil)

// NewCases returns a Cases. It returns ErrInvalidConfig without a store or
// clock.
func NewCases(store eventstore.Store, clock command.Clock) (*Cases, error) {
	if store == nil || clock == nil {
		return nil, fmt.Errorf("%w: cases need a store and a clock", ErrInvalidConfig)
	}
	return &Cases{store: store, clock: clock}, nil
}

// CaseID is the ID of the case Open opens for a transfer:
// process.ScreeningID(transferID, process.RoleSender), the ID under which
// the transfer Service's case decider (process.Compliance.DecideCases) looks
// for the transfer's case in the sender's stream, so releasing or rejecting
// the transfer decides it.
func CaseID(transferID string) string {
	return process.ScreeningID(transferID, process.RoleSender)
}

// Open opens a case for the held transfer t in its sender's compliance
// stream ("compliance-<senderID>") under commandID, with one failed rule
// outcome per hit, and returns its ID, CaseID(t.ID). Opening it again
// returns the same ID, also when the case was opened with other hits or by
// the sender's screening. Errors: ErrInvalidSubject (no transfer or sender
// ID), compliance.ErrReasonRequired (no hits), compliance.ErrCaseExists (the
// ID belongs to another transfer's case), the command loop's and the
// store's errors.
func (c *Cases) Open(ctx context.Context, commandID string, t transfer.State, hits []transfer.Hit) (string, error) {
	if t.ID == "" || t.SenderID == "" {
		return "", fmt.Errorf("%w: a transfer needs an ID and a sender", ErrInvalidSubject)
	}
	id := CaseID(t.ID)
	rules := make([]compliance.RuleOutcome, 0, len(hits))
	names := make([]string, 0, len(hits))
	for _, h := range hits {
		detail := h.Detail
		if h.Subject != "" {
			detail = h.Subject + ": " + detail
		}
		if h.Entry != "" {
			detail += " (entry " + h.Entry + ")"
		}
		rules = append(rules, compliance.RuleOutcome{Rule: h.Rule, Passed: false, Detail: detail})
		names = append(names, h.Rule)
	}
	reason := ""
	if len(names) > 0 {
		reason = "transfer held by " + strings.Join(names, ", ")
	}
	_, err := command.Handle(ctx, c.store, compliance.Aggregate, t.SenderID, compliance.Command(compliance.OpenCase{
		Meta: compliance.Meta{ID: commandID, Actor: Actor}, SubjectID: t.SenderID, CaseID: id, TransferID: t.ID,
		Rules: rules, Reason: reason,
	}), command.CommandMeta{CommandID: commandID, CorrelationID: t.ID, Actor: Actor, Clock: c.clock})
	if errors.Is(err, compliance.ErrCaseExists) || errors.Is(err, command.ErrCommandConflict) {
		st, _, _, lerr := command.Load(ctx, c.store, compliance.Aggregate, t.SenderID)
		if lerr != nil {
			return "", fmt.Errorf("screening: load compliance record of %s: %w", t.SenderID, lerr)
		}
		if cs, ok := st.Cases[id]; ok && cs.TransferID == t.ID {
			return id, nil
		}
	}
	if err != nil {
		return "", fmt.Errorf("screening: open case for %s: %w", t.ID, err)
	}
	return id, nil
}
