package screening

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/remitflow/remitflow/adapters/pii"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/compliance"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/process"
	"github.com/remitflow/remitflow/domain/sanctions"
	"github.com/remitflow/remitflow/domain/transfer"
)

// Rule names written on transfer hits.
const (
	// RuleOFAC is a match against the OFAC SDN list.
	RuleOFAC = "sanctions.ofac_sdn"
	// RuleUnscreenable is a name the matcher cannot screen (nothing left
	// after normalisation, or too long): the transfer is held for a person
	// to look at rather than let through unscreened.
	RuleUnscreenable = process.RuleUnscreenable
)

// Actor is the actor written on the commands the screener and the
// re-screener issue.
const Actor = "system:compliance-screening"

// Decrypter opens a customer's encrypted personal data; *pii.Vault is one.
// Decrypt returns pii.ErrForgotten when the customer's key was erased.
type Decrypter interface {
	Decrypt(keyID string, ciphertext []byte) ([]byte, error)
}

// Personal is the plaintext of a customer's encrypted personal data, as the
// HTTP API registers it.
type Personal struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// Config configures a Screener.
type Config struct {
	// Store holds the customer and compliance streams; required.
	Store eventstore.Store
	// Clock stamps the recorded screenings; required.
	Clock command.Clock
	// Lists holds the sanctions screener in force; required.
	Lists *sanctions.Holder
	// Vault decrypts customers' personal data; required.
	Vault Decrypter
	// Kind restricts the list entries screened against; the default,
	// sanctions.KindAny, screens against every entry.
	Kind sanctions.Kind
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Screener screens transfer subjects against the sanctions list in force
// and records each screening in the subject's compliance stream. It is safe
// for concurrent use.
type Screener struct {
	store eventstore.Store
	clock command.Clock
	lists *sanctions.Holder
	vault Decrypter
	kind  sanctions.Kind
	log   *slog.Logger
}

var (
	_ process.Screener = (*Screener)(nil)
	_ process.Matcher  = (*Screener)(nil)
)

// NewScreener returns a Screener. It returns ErrInvalidConfig when the
// store, clock, list holder or vault is missing.
func NewScreener(cfg Config) (*Screener, error) {
	if cfg.Store == nil || cfg.Clock == nil || cfg.Lists == nil || cfg.Vault == nil {
		return nil, fmt.Errorf("%w: the screener needs a store, a clock, a list holder and a vault", ErrInvalidConfig)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Screener{store: cfg.Store, clock: cfg.Clock, lists: cfg.Lists, vault: cfg.Vault, kind: cfg.Kind, log: cfg.Logger}, nil
}

// Screen screens one subject of a transfer with the list in force: the
// sender by the name in the customer's personal data (Subject.CustomerID),
// the recipient by Subject.Name, with Subject.Country as a corroborating
// signal. The screening is recorded in the stream
// "compliance-<Subject.SubjectID>" under process.ScreeningID(transfer, role)
// with the list version and the best score, hit or not; a hit that holds
// opens a compliance case with that ID, returned as CaseID. The hits
// returned are those at or above the threshold that a reviewer has not
// cleared for this subject and the entry's current content, each with Rule
// RuleOFAC, the entry number and the matcher's explanation (Explain; for the
// sender without the words of their name, which the transfer's events must
// not carry).
//
// Screening the same subject of the same transfer again returns the
// recorded result, even if the list changed in between. A name the matcher
// cannot screen (empty after normalisation, too long) is not an error: it is
// returned as one RuleUnscreenable hit, so the transfer is held, and nothing
// is recorded in the compliance stream.
//
// Errors: ErrInvalidSubject (no subject or transfer ID, an unknown role, a
// sender without a customer ID), ErrUnknownCustomer, ErrSubjectForgotten,
// sanctions.ErrNoList before a list is loaded, the vault's, the command
// loop's and the store's errors, and compliance's domain errors.
func (s *Screener) Screen(ctx context.Context, subj process.Subject) (process.ScreeningResult, error) {
	if subj.TransferID == "" {
		return process.ScreeningResult{}, fmt.Errorf("%w: a transfer ID is required", ErrInvalidSubject)
	}
	sc, err := s.current()
	if err != nil {
		return process.ScreeningResult{}, err
	}
	name, country, err := s.resolve(ctx, subj)
	if err != nil {
		return process.ScreeningResult{}, err
	}
	res, err := screenName(sc, name, country, s.kind)
	if unscreenable(err) {
		s.log.WarnContext(ctx, "screening: name cannot be screened; holding",
			"transfer", subj.TransferID, "role", subj.Role, "subject", subj.SubjectID, "error", err)
		return process.ScreeningResult{ListVersion: sc.List().Version().ID, Hits: []transfer.Hit{{
			Rule: RuleUnscreenable, Subject: subj.Role,
			Detail: fmt.Sprintf("the %s's name cannot be screened: %v", subj.Role, err),
		}}}, nil
	}
	if err != nil {
		return process.ScreeningResult{}, fmt.Errorf("screening: screen %s of %s: %w", subj.Role, subj.TransferID, err)
	}
	id := process.ScreeningID(subj.TransferID, subj.Role)
	st, rec, err := s.record(ctx, subj.SubjectID, id, subj.TransferID, compliance.Role(subj.Role), res)
	if err != nil {
		return process.ScreeningResult{}, err
	}
	out := process.ScreeningResult{ListVersion: rec.ListVersion, BestScore: rec.BestScore, Hits: holding(st, rec, subj.Role)}
	if len(out.Hits) > 0 && rec.Outcome == compliance.OutcomeHeld {
		out.CaseID = rec.CaseID
	}
	return out, nil
}

// RegistrationScreeningID is the screening ID of a customer's screening
// outside a transfer (at registration) against list version versionID.
func RegistrationScreeningID(customerID, versionID string) string {
	return command.DeriveID("registration-screening", customerID, versionID)
}

// ScreenCustomer screens a registered customer outside any transfer (at
// registration, or when staff ask) with the list in force, by the name in
// their personal data and their country of residence, and records the
// screening in "compliance-<customerID>" under
// RegistrationScreeningID(customer, list version): screening again against
// the same list records nothing new. A hit that holds opens a compliance
// case for the person (CaseID); it blocks nothing by itself. A name that
// cannot be screened is returned as a RuleUnscreenable hit, unrecorded.
//
// Errors: ErrInvalidSubject (no customer ID), ErrUnknownCustomer,
// ErrSubjectForgotten, sanctions.ErrNoList, the vault's, the command loop's
// and the store's errors, and compliance's domain errors.
func (s *Screener) ScreenCustomer(ctx context.Context, customerID string) (process.ScreeningResult, error) {
	sc, err := s.current()
	if err != nil {
		return process.ScreeningResult{}, err
	}
	p, err := s.CustomerPersonal(ctx, customerID)
	if err != nil {
		return process.ScreeningResult{}, err
	}
	cs, _, _, err := command.Load(ctx, s.store, customer.Aggregate, customerID)
	if err != nil {
		return process.ScreeningResult{}, fmt.Errorf("screening: load customer %s: %w", customerID, err)
	}
	res, err := screenName(sc, p.Name, cs.Country, s.kind)
	if unscreenable(err) {
		return process.ScreeningResult{ListVersion: sc.List().Version().ID, Hits: []transfer.Hit{{
			Rule: RuleUnscreenable, Subject: process.RoleSender, Detail: fmt.Sprintf("the customer's name cannot be screened: %v", err),
		}}}, nil
	}
	if err != nil {
		return process.ScreeningResult{}, fmt.Errorf("screening: screen customer %s: %w", customerID, err)
	}
	id := RegistrationScreeningID(customerID, res.ListVersion.ID)
	st, rec, err := s.record(ctx, customerID, id, "", compliance.RoleSender, res)
	if err != nil {
		return process.ScreeningResult{}, err
	}
	out := process.ScreeningResult{ListVersion: rec.ListVersion, BestScore: rec.BestScore, Hits: holding(st, rec, process.RoleSender)}
	if len(out.Hits) > 0 && rec.Outcome == compliance.OutcomeHeld {
		out.CaseID = rec.CaseID
	}
	return out, nil
}

// Match resolves and screens the subject like Screen, without recording
// anything, and returns what the matcher found; it makes the Screener a
// process.Matcher for process.NewCompliance. Errors: as for Screen, and
// sanctions.ErrEmptyName or sanctions.ErrNameTooLong for a name that cannot
// be screened.
func (s *Screener) Match(ctx context.Context, subj process.Subject) (process.Match, error) {
	sc, err := s.current()
	if err != nil {
		return process.Match{}, err
	}
	name, country, err := s.resolve(ctx, subj)
	if err != nil {
		return process.Match{}, err
	}
	res, err := screenName(sc, name, country, s.kind)
	if unscreenable(err) {
		return process.Match{}, fmt.Errorf("screening: screen %s of %s: %w: %w", subj.Role, subj.TransferID, process.ErrUnscreenable, err)
	}
	if err != nil {
		return process.Match{}, fmt.Errorf("screening: screen %s of %s: %w", subj.Role, subj.TransferID, err)
	}
	return process.Match{ListVersion: res.ListVersion.ID, Threshold: res.Threshold, BestScore: res.BestScore, Hits: complianceHits(res)}, nil
}

// CustomerPersonal decrypts a registered customer's personal data. Errors:
// ErrInvalidSubject for an empty ID, ErrUnknownCustomer,
// ErrSubjectForgotten (with pii.ErrForgotten), the vault's errors
// (pii.ErrCorrupt) and the store's.
func (s *Screener) CustomerPersonal(ctx context.Context, customerID string) (Personal, error) {
	return personal(ctx, s.store, s.vault, customerID)
}

func personal(ctx context.Context, store eventstore.Store, vault Decrypter, customerID string) (Personal, error) {
	if customerID == "" {
		return Personal{}, fmt.Errorf("%w: a customer ID is required", ErrInvalidSubject)
	}
	cs, _, _, err := command.Load(ctx, store, customer.Aggregate, customerID)
	if err != nil {
		return Personal{}, fmt.Errorf("screening: load customer %s: %w", customerID, err)
	}
	if !cs.Registered {
		return Personal{}, fmt.Errorf("%w: %s", ErrUnknownCustomer, customerID)
	}
	plain, err := vault.Decrypt(cs.PII.KeyID, cs.PII.Ciphertext)
	if errors.Is(err, pii.ErrForgotten) {
		return Personal{}, fmt.Errorf("%w: customer %s cannot be screened: %w", ErrSubjectForgotten, customerID, err)
	}
	if err != nil {
		return Personal{}, fmt.Errorf("screening: decrypt personal data of %s: %w", customerID, err)
	}
	var p Personal
	if err := json.Unmarshal(plain, &p); err != nil {
		return Personal{}, fmt.Errorf("screening: personal data of %s: %w", customerID, err)
	}
	return p, nil
}

func (s *Screener) current() (*sanctions.Screener, error) {
	sc := s.lists.Current()
	if sc == nil {
		return nil, fmt.Errorf("screening: %w", sanctions.ErrNoList)
	}
	return sc, nil
}

// resolve returns the name and country to screen for the subject.
func (s *Screener) resolve(ctx context.Context, subj process.Subject) (name, country string, err error) {
	if subj.SubjectID == "" {
		return "", "", fmt.Errorf("%w: a subject ID is required", ErrInvalidSubject)
	}
	switch subj.Role {
	case process.RoleSender:
		p, err := personal(ctx, s.store, s.vault, subj.CustomerID)
		if err != nil {
			return "", "", err
		}
		return p.Name, subj.Country, nil
	case process.RoleRecipient:
		return subj.Name, subj.Country, nil
	default:
		return "", "", fmt.Errorf("%w: role %q", ErrInvalidSubject, subj.Role)
	}
}

// screenName screens name with sc, passing the country only when the list
// knows it.
func screenName(sc *sanctions.Screener, name, country string, kind sanctions.Kind) (sanctions.Result, error) {
	q := sanctions.Query{Name: name, Kind: kind}
	if code, ok := sanctions.CountryCode(country); ok {
		q.Country = code
	}
	return sc.Screen(q)
}

func unscreenable(err error) bool {
	return errors.Is(err, sanctions.ErrEmptyName) || errors.Is(err, sanctions.ErrNameTooLong)
}

// complianceHits converts the matcher's hits for the compliance aggregate.
func complianceHits(res sanctions.Result) []compliance.Hit {
	hits := make([]compliance.Hit, 0, len(res.Hits))
	for _, h := range res.Hits {
		hits = append(hits, compliance.Hit{
			EntryID: strconv.Itoa(h.EntNum), EntryHash: h.EntryHash, Name: h.Name, MatchedName: h.MatchedName,
			Score: h.Score, Reasons: append([]string(nil), h.Reasons...),
		})
	}
	return hits
}

// record records a screening result under screening ID id and returns the
// subject's compliance state and the screening as recorded. A screening
// recorded under id before (against another list version, before a crash)
// stands.
func (s *Screener) record(ctx context.Context, subjectID, id, transferID string, role compliance.Role, res sanctions.Result) (compliance.State, compliance.ScreeningRecorded, error) {
	cmdID := command.DeriveID(id, "record", res.ListVersion.ID)
	_, err := command.Handle(ctx, s.store, compliance.Aggregate, subjectID, compliance.Command(compliance.RecordScreening{
		Meta: compliance.Meta{ID: cmdID, Actor: Actor}, SubjectID: subjectID, ScreeningID: id, TransferID: transferID,
		Role: role, ListVersion: res.ListVersion.ID, Threshold: res.Threshold, BestScore: res.BestScore, Hits: complianceHits(res),
	}), command.CommandMeta{CommandID: cmdID, CorrelationID: transferID, Actor: Actor, Clock: s.clock})
	if err != nil && !errors.Is(err, compliance.ErrDuplicateScreening) && !errors.Is(err, command.ErrCommandConflict) {
		return compliance.State{}, compliance.ScreeningRecorded{}, fmt.Errorf("screening: record screening %s of %s: %w", id, subjectID, err)
	}
	st, _, _, err := command.Load(ctx, s.store, compliance.Aggregate, subjectID)
	if err != nil {
		return compliance.State{}, compliance.ScreeningRecorded{}, fmt.Errorf("screening: load compliance record of %s: %w", subjectID, err)
	}
	rec, ok := st.Screenings[id]
	if !ok {
		return compliance.State{}, compliance.ScreeningRecorded{}, fmt.Errorf("screening: screening %s of %s was not recorded", id, subjectID)
	}
	return st, rec, nil
}

// holding returns the recorded hits at or above the threshold that are not
// cleared in st, as transfer hits of the role.
func holding(st compliance.State, rec compliance.ScreeningRecorded, role string) []transfer.Hit {
	var out []transfer.Hit
	for _, h := range rec.Hits {
		if h.Score < rec.Threshold || compliance.IsCleared(st, h.EntryID, h.EntryHash) {
			continue
		}
		detail := Explain(h)
		if role == process.RoleSender {
			detail = explainWithoutName(h)
		}
		out = append(out, transfer.Hit{Rule: RuleOFAC, Subject: role, Entry: h.EntryID, Score: h.Score, Detail: detail})
	}
	return out
}

// explainWithoutName is Explain without the screened name's words, which
// the matcher's reasons quote in parentheses ("token-set 0.898 (madurro~maduro
// 0.97, …)"): a sender's name is personal data, kept out of the transfer's
// events; the full reasons stay in the compliance record.
func explainWithoutName(h compliance.Hit) string {
	reasons := make([]string, 0, len(h.Reasons))
	for _, r := range h.Reasons {
		if i := strings.Index(r, " ("); i >= 0 {
			r = r[:i]
		}
		reasons = append(reasons, r)
	}
	h.Reasons = reasons
	return Explain(h)
}

// Explain renders a hit as the matcher explained it: the entry, the name or
// alias that matched, the score and the reasons.
func Explain(h compliance.Hit) string {
	var b strings.Builder
	fmt.Fprintf(&b, "OFAC SDN entry %s %q", h.EntryID, h.Name)
	if h.MatchedName != "" && h.MatchedName != h.Name {
		fmt.Fprintf(&b, " (as %q)", h.MatchedName)
	}
	fmt.Fprintf(&b, " scored %.3f", h.Score)
	if len(h.Reasons) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(h.Reasons, "; "))
	}
	return b.String()
}
