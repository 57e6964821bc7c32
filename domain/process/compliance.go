package process

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/compliance"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/transfer"
)

// ErrNoUSDRate means a transfer's amount could not be expressed in USD for
// the limit rules.
var ErrNoUSDRate = errors.New("process: no USD rate for the limit check")

// Match is what a sanctions matcher found for one subject.
type Match struct {
	// ListVersion identifies the list in force; Threshold is the score at
	// or above which a hit holds.
	ListVersion string
	Threshold   float64
	// BestScore is the best score of any name, hit or not.
	BestScore float64
	// Hits are the entries scoring at least Threshold.
	Hits []compliance.Hit
}

// Matcher screens a subject's name against the sanctions list in force (the
// sanctions package behind an adapter that also resolves a sender's name
// from the PII vault). It returns an error wrapping ErrUnscreenable for a
// name the matcher cannot screen (nothing left after normalising, too
// long), and other errors when it cannot screen at all (no list loaded).
type Matcher interface {
	Match(ctx context.Context, s Subject) (Match, error)
}

// ErrUnscreenable means a name cannot be screened at all; the transfer is
// held with a RuleUnscreenable hit.
var ErrUnscreenable = errors.New("process: name cannot be screened")

// RuleUnscreenable is the hit rule of a name that cannot be screened.
const RuleUnscreenable = "sanctions.unscreenable_name"

// MatcherFunc adapts a function to Matcher.
type MatcherFunc func(ctx context.Context, s Subject) (Match, error)

// Match calls f.
func (f MatcherFunc) Match(ctx context.Context, s Subject) (Match, error) { return f(ctx, s) }

// CaseDecider records a staff decision on the compliance cases of a held
// transfer; the Service calls it (when its Gate implements it) before
// releasing or rejecting the transfer.
type CaseDecider interface {
	DecideCases(ctx context.Context, t transfer.State, release bool, staff, reason string) error
}

// Compliance connects the transfer flow to the compliance aggregate
// (stream "compliance-<subjectID>"). It is:
//   - a Screener: each screening is recorded with compliance.RecordScreening
//     under ScreeningID(transfer, role), so that false-positive clearances
//     apply and a hold opens a case (whose ID is the screening ID); only
//     hits that hold are returned;
//   - a Gate: the transfer is recorded against the sender's tier limits
//     (compliance.RecordTransfer) and refused with compliance's
//     *LimitError (ErrTierLimitExceeded, ErrVelocityExceeded);
//   - a CaseDecider: a release or rejection of the transfer decides its
//     open cases.
type Compliance struct {
	store   eventstore.Store
	clock   command.Clock
	matcher Matcher
	toUSD   func(ctx context.Context, a money.Amount) (money.Amount, error)
}

var (
	_ Screener    = (*Compliance)(nil)
	_ Gate        = (*Compliance)(nil)
	_ CaseDecider = (*Compliance)(nil)
)

// NewCompliance returns the adapter. toUSD converts a send amount to its
// USD equivalent for the limit rules; nil accepts USD amounts only (others
// are refused with ErrNoUSDRate). It returns ErrMissingDependency without a
// store, clock or matcher.
func NewCompliance(store eventstore.Store, clock command.Clock, m Matcher, toUSD func(context.Context, money.Amount) (money.Amount, error)) (*Compliance, error) {
	if store == nil || clock == nil || m == nil {
		return nil, fmt.Errorf("%w: compliance needs a store, a clock and a matcher", ErrMissingDependency)
	}
	return &Compliance{store: store, clock: clock, matcher: m, toUSD: toUSD}, nil
}

// RecipientSubject is the compliance subject ID of a recipient: "rcp_" and a
// hash of the normalised name, country and wallet number, so the same person
// keeps one record (and its clearances) across transfers.
func RecipientSubject(r transfer.Recipient) string {
	name := strings.Join(strings.Fields(strings.ToLower(r.Name)), " ")
	sum := sha256.Sum256([]byte(name + "\x00" + r.Country + "\x00" + r.MSISDN))
	return "rcp_" + hex.EncodeToString(sum[:16])
}

// ScreeningID is the ID of a transfer's screening of one role; a hold opens
// a compliance case with the same ID.
func ScreeningID(transferID, role string) string {
	return command.DeriveID("screening", transferID, role)
}

func (c *Compliance) meta(cmdID, correlation string) command.CommandMeta {
	return command.CommandMeta{CommandID: cmdID, CorrelationID: correlation, Actor: Actor, Clock: c.clock}
}

// Screen matches the subject, records the screening in its compliance
// stream and returns the hits that hold, with the case opened for them.
// Errors: the matcher's, the store's, or compliance's domain errors.
func (c *Compliance) Screen(ctx context.Context, s Subject) (ScreeningResult, error) {
	if s.SubjectID == "" || s.TransferID == "" {
		return ScreeningResult{}, fmt.Errorf("%w: subject and transfer are required", compliance.ErrInvalidCommand)
	}
	m, err := c.matcher.Match(ctx, s)
	if errors.Is(err, ErrUnscreenable) {
		// Nobody can vouch for a name that cannot be screened: hold the
		// transfer for a person to look at, instead of retrying for ever.
		return ScreeningResult{Hits: []transfer.Hit{{Rule: RuleUnscreenable, Subject: s.Role,
			Detail: "the name cannot be screened: " + err.Error()}}}, nil
	}
	if err != nil {
		return ScreeningResult{}, err
	}
	id := ScreeningID(s.TransferID, s.Role)
	cmdID := command.DeriveID(id, "record")
	_, err = command.Handle(ctx, c.store, compliance.Aggregate, s.SubjectID, compliance.Command(compliance.RecordScreening{
		Meta: compliance.Meta{ID: cmdID, Actor: Actor}, SubjectID: s.SubjectID, ScreeningID: id, TransferID: s.TransferID,
		Role: compliance.Role(s.Role), ListVersion: m.ListVersion, Threshold: m.Threshold, BestScore: m.BestScore, Hits: m.Hits,
	}), c.meta(cmdID, s.TransferID))
	// A screening recorded before a crash, against an older list, stands.
	if err != nil && !errors.Is(err, command.ErrCommandConflict) && !errors.Is(err, compliance.ErrDuplicateScreening) {
		return ScreeningResult{}, err
	}
	st, _, _, err := command.Load(ctx, c.store, compliance.Aggregate, s.SubjectID)
	if err != nil {
		return ScreeningResult{}, err
	}
	rec, ok := st.Screenings[id]
	if !ok {
		return ScreeningResult{}, fmt.Errorf("process: screening %s not recorded", id)
	}
	out := ScreeningResult{ListVersion: rec.ListVersion, BestScore: rec.BestScore}
	if rec.Outcome == compliance.OutcomeHeld {
		out.CaseID = rec.CaseID
		for _, h := range rec.Hits {
			if h.Score < rec.Threshold || compliance.IsCleared(st, h.EntryID, h.EntryHash) {
				continue
			}
			out.Hits = append(out.Hits, transfer.Hit{
				Rule: "sanctions", Subject: s.Role, Entry: h.EntryID, Score: h.Score,
				Detail: fmt.Sprintf("%s matched %s", h.MatchedName, h.Name),
			})
		}
	}
	return out, nil
}

// Admit records the transfer against the sender's tier limits. Errors:
// compliance.ErrTierLimitExceeded or ErrVelocityExceeded (a
// *compliance.LimitError naming the rules), ErrNoUSDRate, or store errors.
// Admitting the same transfer again is a no-op.
func (c *Compliance) Admit(ctx context.Context, commandID string, cust customer.State, r transfer.Request) error {
	amount := r.Quote.Total
	if amount.Currency != compliance.LimitsCurrency {
		if c.toUSD == nil {
			return fmt.Errorf("%w: %s", ErrNoUSDRate, amount.Currency)
		}
		usd, err := c.toUSD(ctx, amount)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrNoUSDRate, err)
		}
		amount = usd
	}
	_, err := command.Handle(ctx, c.store, compliance.Aggregate, cust.CustomerID, compliance.Command(compliance.RecordTransfer{
		Meta: compliance.Meta{ID: commandID, Actor: Actor}, SubjectID: cust.CustomerID, TransferID: r.TransferID,
		Amount: amount, Limits: compliance.Limits(cust.Limits()),
	}), c.meta(commandID, r.TransferID))
	if errors.Is(err, command.ErrCommandConflict) || errors.Is(err, compliance.ErrDuplicateTransfer) {
		return nil // admitted before, at another rate
	}
	return err
}

// DecideCases decides the open cases of a held transfer (one per screened
// role that held). Errors: compliance's domain errors (ErrStaffRequired,
// ErrReasonRequired, ErrCaseClosed for a case decided the other way) or
// store errors.
func (c *Compliance) DecideCases(ctx context.Context, t transfer.State, release bool, staff, reason string) error {
	decision := compliance.Reject
	if release {
		decision = compliance.Release
	}
	for _, sub := range []struct{ role, id string }{{RoleSender, t.SenderID}, {RoleRecipient, RecipientSubject(t.Recipient)}} {
		st, _, _, err := command.Load(ctx, c.store, compliance.Aggregate, sub.id)
		if err != nil {
			return err
		}
		caseID := ScreeningID(t.ID, sub.role)
		cs, ok := st.Cases[caseID]
		if !ok || (cs.Status != compliance.CaseOpen && cs.DecidedBy == staff && cs.Reason == reason) {
			continue
		}
		cmdID := command.DeriveID(caseID, "decide", string(decision), staff, reason)
		if _, err := command.Handle(ctx, c.store, compliance.Aggregate, sub.id, compliance.Command(compliance.DecideCase{
			Meta: compliance.Meta{ID: cmdID, Actor: "staff:" + staff}, SubjectID: sub.id, CaseID: caseID,
			Decision: decision, Staff: staff, Reason: reason,
		}), command.CommandMeta{CommandID: cmdID, CorrelationID: t.ID, Actor: "staff:" + staff, Clock: c.clock}); err != nil {
			return err
		}
	}
	return nil
}
