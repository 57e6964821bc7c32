package screening

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/compliance"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/process"
	"github.com/remitflow/remitflow/domain/sanctions"
	"github.com/remitflow/remitflow/domain/transfer"
)

// DefaultRecent is how far back a transfer makes a person "recent" for
// re-screening when RescreenOptions.Recent is zero.
const DefaultRecent = 30 * 24 * time.Hour

// RescreenOptions tune a Rescreener.
type RescreenOptions struct {
	// Recent is how far back (from the clock's time) a transfer or a
	// transfer screening makes a person due for re-screening; DefaultRecent
	// when zero.
	Recent time.Duration
}

// Rescreener screens people again when a new sanctions list version comes
// into force: everyone with an open compliance case, and everyone who
// sent or received a transfer within the recent window. It finds them by
// reading the compliance streams ("compliance-" prefix) of the global log,
// which every screening, case and limit check writes to, so its cost grows
// with that log; it is meant to run once per list version.
//
// Each re-screening is recorded in the person's compliance stream
// (compliance.RecordScreening without a transfer, under ScreeningID
// RescreeningID(subject, version), so running it again for the same version
// records nothing new). A hit that holds opens a compliance case for the
// person, not for a transfer: it does not hold, stop or release any
// transfer by itself. The report lists such findings with the person's
// transfers still in flight, for a compliance user to act on (reject a
// transfer not yet paid out, block the customer).
type Rescreener struct {
	s      *Screener
	recent time.Duration
}

// NewRescreener returns a Rescreener using the screener's store, clock,
// vault, entry kind and logger. It returns ErrInvalidConfig without a
// screener or with a negative window.
func NewRescreener(s *Screener, opts RescreenOptions) (*Rescreener, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: the re-screener needs a screener", ErrInvalidConfig)
	}
	if opts.Recent < 0 {
		return nil, fmt.Errorf("%w: negative recent window %s", ErrInvalidConfig, opts.Recent)
	}
	if opts.Recent == 0 {
		opts.Recent = DefaultRecent
	}
	return &Rescreener{s: s, recent: opts.Recent}, nil
}

// RescreeningID is the screening ID of a re-screening of subjectID against
// list version versionID.
func RescreeningID(subjectID, versionID string) string {
	return command.DeriveID("rescreening", subjectID, versionID)
}

// Report says what a re-screening run did.
type Report struct {
	// ListVersion is the version screened against.
	ListVersion string
	// Screened counts the people screened and recorded.
	Screened int
	// Skipped are people who could not be screened, with why (personal
	// data erased, name unscreenable, no transfer to take a recipient's
	// name from).
	Skipped []Skipped
	// Findings are the people with hits that hold.
	Findings []Finding
}

// Skipped is a person the run could not screen.
type Skipped struct {
	// SubjectID names the person's compliance stream; Reason says why.
	SubjectID string
	Reason    string
}

// Finding is a person held by a re-screening.
type Finding struct {
	// SubjectID names the person's compliance stream.
	SubjectID string
	// Role is the person's role in their transfers: "sender" or "recipient".
	Role string
	// CaseID is the compliance case the re-screening opened.
	CaseID string
	// Hits are the hits that hold, with Rule RuleOFAC.
	Hits []transfer.Hit
	// InFlight are the person's recent transfers that have not reached a
	// final status, for a compliance user to look at.
	InFlight []string
}

// subject is what the compliance streams say about one person.
type subject struct {
	id        string
	role      compliance.Role
	openCases map[string]bool
	last      time.Time // latest transfer or transfer screening
	transfers map[string]time.Time
	lastTrans string // the transfer of the latest transfer screening
}

// Rescreen screens the people due for re-screening against the list of sc
// and records the results. People who cannot be screened are skipped and
// reported; it stops at the first store or context error, returning the
// report so far. Errors: ErrInvalidConfig for a nil screener, the command
// loop's and the store's errors, compliance's domain errors, and the
// context's error.
func (r *Rescreener) Rescreen(ctx context.Context, sc *sanctions.Screener) (Report, error) {
	if sc == nil {
		return Report{}, fmt.Errorf("%w: no list to re-screen against", ErrInvalidConfig)
	}
	version := sc.List().Version()
	rep := Report{ListVersion: version.ID}
	subjects, err := r.due(ctx)
	if err != nil {
		return rep, err
	}
	for _, sub := range subjects {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		f, skip, err := r.rescreen(ctx, sc, sub)
		switch {
		case err != nil:
			return rep, err
		case skip != "":
			rep.Skipped = append(rep.Skipped, Skipped{SubjectID: sub.id, Reason: skip})
			continue
		}
		rep.Screened++
		if len(f.Hits) > 0 {
			rep.Findings = append(rep.Findings, f)
		}
	}
	return rep, nil
}

// OnNewVersion re-screens against a new list version and logs the report:
// a warning per finding (subject, case, entries and transfers in flight,
// no names), a summary, or the error. Its signature is that of
// sanctionslist.Config.OnNewVersion.
func (r *Rescreener) OnNewVersion(ctx context.Context, v sanctions.Version, sc *sanctions.Screener) {
	rep, err := r.Rescreen(ctx, sc)
	for _, f := range rep.Findings {
		entries := make([]string, 0, len(f.Hits))
		for _, h := range f.Hits {
			entries = append(entries, h.Entry)
		}
		r.s.log.WarnContext(ctx, "re-screening: new sanctions hit; a compliance user must review", "list_version", v.String(),
			"subject", f.SubjectID, "role", f.Role, "case", f.CaseID, "entries", strings.Join(entries, ","),
			"transfers_in_flight", strings.Join(f.InFlight, ","))
	}
	if err != nil {
		r.s.log.ErrorContext(ctx, "re-screening failed", "list_version", v.String(), "screened", rep.Screened, "error", err)
		return
	}
	r.s.log.InfoContext(ctx, "re-screening done", "list_version", v.String(), "screened", rep.Screened,
		"skipped", len(rep.Skipped), "findings", len(rep.Findings))
}

// due reads the compliance streams and returns the people with an open
// case or a transfer within the recent window, in subject order.
func (r *Rescreener) due(ctx context.Context) ([]*subject, error) {
	prefix := compliance.Aggregate.Category + "-"
	all := map[string]*subject{}
	get := func(id string) *subject {
		s, ok := all[id]
		if !ok {
			s = &subject{id: id, openCases: map[string]bool{}, transfers: map[string]time.Time{}}
			all[id] = s
		}
		return s
	}
	seen := func(s *subject, transferID string, at time.Time) {
		if transferID == "" {
			return
		}
		if at.After(s.transfers[transferID]) {
			s.transfers[transferID] = at
		}
		if !at.Before(s.last) {
			s.last = at
		}
	}
	for ev, err := range r.s.store.ReadAll(ctx, eventstore.ReadAllOptions{Filter: eventstore.StreamPrefix(prefix)}) {
		if err != nil {
			return nil, fmt.Errorf("screening: read compliance streams: %w", err)
		}
		id := strings.TrimPrefix(ev.Stream, prefix)
		e, err := compliance.Aggregate.Decode(ev.Type, ev.Data)
		if err != nil {
			continue // not a compliance event this version knows
		}
		s := get(id)
		switch e := e.(type) {
		case compliance.ScreeningRecorded:
			s.role = e.Role
			if e.TransferID != "" {
				seen(s, e.TransferID, e.At)
				s.lastTrans = e.TransferID
			}
		case compliance.TransferRecorded:
			if s.role == "" {
				s.role = compliance.RoleSender
			}
			seen(s, e.TransferID, e.At)
		case compliance.CaseOpened:
			s.openCases[e.CaseID] = true
		case compliance.CaseDecided:
			delete(s.openCases, e.CaseID)
		}
	}
	since := r.s.clock.Now().Add(-r.recent)
	var out []*subject
	for _, s := range all {
		if s.role != "" && (len(s.openCases) > 0 || s.last.After(since)) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b *subject) int { return strings.Compare(a.id, b.id) })
	return out, nil
}

// rescreen screens one person; skip says why it could not.
func (r *Rescreener) rescreen(ctx context.Context, sc *sanctions.Screener, sub *subject) (f Finding, skip string, err error) {
	name, country, skip, err := r.identify(ctx, sub)
	if err != nil || skip != "" {
		return Finding{}, skip, err
	}
	res, err := screenName(sc, name, country, r.s.kind)
	if unscreenable(err) {
		return Finding{}, "name cannot be screened: " + err.Error(), nil
	}
	if err != nil {
		return Finding{}, "", fmt.Errorf("screening: re-screen %s: %w", sub.id, err)
	}
	id := RescreeningID(sub.id, res.ListVersion.ID)
	st, rec, err := r.s.record(ctx, sub.id, id, "", sub.role, res)
	if err != nil {
		return Finding{}, "", err
	}
	f = Finding{SubjectID: sub.id, Role: string(sub.role), Hits: holding(st, rec, string(sub.role))}
	if len(f.Hits) == 0 {
		return f, "", nil
	}
	if rec.Outcome == compliance.OutcomeHeld {
		f.CaseID = rec.CaseID
	}
	since := r.s.clock.Now().Add(-r.recent)
	for id, at := range sub.transfers {
		if !at.After(since) {
			continue
		}
		t, _, ok, err := command.Load(ctx, r.s.store, transfer.Aggregate, id)
		if err != nil {
			return Finding{}, "", fmt.Errorf("screening: load transfer %s: %w", id, err)
		}
		if ok && !t.Final() {
			f.InFlight = append(f.InFlight, id)
		}
	}
	slices.Sort(f.InFlight)
	return f, "", nil
}

// identify returns the name and country to screen a person by: a sender's
// from their customer record, a recipient's from their latest transfer.
func (r *Rescreener) identify(ctx context.Context, sub *subject) (name, country, skip string, err error) {
	if sub.role == compliance.RoleSender {
		p, err := r.s.CustomerPersonal(ctx, sub.id)
		switch {
		case errors.Is(err, ErrSubjectForgotten):
			return "", "", "personal data erased", nil
		case errors.Is(err, ErrUnknownCustomer):
			return "", "", "not a registered customer", nil
		case err != nil:
			return "", "", "", err
		}
		cs, err := r.customerCountry(ctx, sub.id)
		return p.Name, cs, "", err
	}
	if sub.lastTrans == "" {
		return "", "", "no transfer names the recipient", nil
	}
	t, _, ok, err := command.Load(ctx, r.s.store, transfer.Aggregate, sub.lastTrans)
	if err != nil {
		return "", "", "", fmt.Errorf("screening: load transfer %s: %w", sub.lastTrans, err)
	}
	if !ok || process.RecipientSubject(t.Recipient) != sub.id {
		return "", "", "the recipient's transfer is not found", nil
	}
	return t.Recipient.Name, t.Recipient.Country, "", nil
}

func (r *Rescreener) customerCountry(ctx context.Context, customerID string) (string, error) {
	cs, _, _, err := command.Load(ctx, r.s.store, customer.Aggregate, customerID)
	if err != nil {
		return "", fmt.Errorf("screening: load customer %s: %w", customerID, err)
	}
	return cs.Country, nil
}
