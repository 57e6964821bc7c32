package projections

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/transfer"
)

// Paging limits of the list queries.
const (
	// DefaultPageSize is the page size when a query asks for none.
	DefaultPageSize = 50
	// MaxPageSize caps the page size a query may ask for.
	MaxPageSize = 500
)

// Transfers is the read model of every transfer: its current state (folded
// with transfer.Evolve), a timeline of its events, per-customer lists
// (newest first, paged by cursor), lookups by status, and the state as of
// any instant (re-folded from the transfer's events). It is safe for
// concurrent readers while the runner applies events.
type Transfers struct {
	decoder *Decoder
	memo    *decodeMemo

	mu        sync.RWMutex
	byID      map[string]*transferEntry
	bySender  map[string][]*transferEntry // request order, oldest first
	customers map[string]bool             // registered customers
	byStatus  map[transfer.Status]map[string]*transferEntry
}

type transferEntry struct {
	state     transfer.State
	events    []command.Event // parallel to timeline
	timeline  []TimelineEntry
	requested eventstore.Position
	since     time.Time // when the current status was entered
	sincePos  eventstore.Position
}

// TimelineEntry is one event of a transfer as its timeline shows it.
type TimelineEntry struct {
	// Type is the event type, e.g. "transfer.screened.v1".
	Type string `json:"type"`
	// OccurredAt is the event's domain time (from its metadata).
	OccurredAt time.Time `json:"occurred_at"`
	// Actor is who or what caused it ("customer:cus_1", "staff:alice",
	// "system:transfer-process"), from its metadata.
	Actor string `json:"actor,omitempty"`
	// Revision is the event's revision in the transfer's stream.
	Revision uint64 `json:"revision"`
	// Position is the event's position in the global log.
	Position eventstore.Position `json:"position"`
	// Status is the transfer's internal status after the event.
	Status transfer.Status `json:"status"`
	// Description says what happened in a short sentence.
	Description string `json:"description"`
}

// MarshalJSON encodes the entry with its position as "commit:prepare", the
// form eventstore.ParsePosition reads.
func (e TimelineEntry) MarshalJSON() ([]byte, error) {
	type plain TimelineEntry
	return json.Marshal(struct {
		plain
		Position string `json:"position"`
	}{plain(e), e.Position.String()})
}

// TransferView is a transfer as the read model shows it.
type TransferView struct {
	transfer.State
	// Public is the customer-facing status.
	Public transfer.Public `json:"public"`
	// Revision and Position are those of the last event folded.
	Revision uint64              `json:"revision"`
	Position eventstore.Position `json:"position"`
	// StatusSince is when the transfer entered its current status.
	StatusSince time.Time `json:"status_since"`
}

// TransferPage is one page of a customer's transfers, newest first.
type TransferPage struct {
	Items []TransferView `json:"items"`
	// Next is the cursor of the following page; empty on the last page.
	Next string `json:"next,omitempty"`
}

// NewTransfers returns an empty transfers read model. d must decode the
// "transfer" category (and "customer", to tell a customer without
// transfers from an unknown one).
func NewTransfers(d *Decoder) *Transfers {
	return &Transfers{
		decoder:   d,
		byID:      map[string]*transferEntry{},
		bySender:  map[string][]*transferEntry{},
		customers: map[string]bool{},
		byStatus:  map[transfer.Status]map[string]*transferEntry{},
	}
}

// Name implements Projection.
func (t *Transfers) Name() string { return "transfers" }

// Apply folds transfer events and notes registered customers. An event of a
// transfer that was never requested is an error: the stream is corrupt.
func (t *Transfers) Apply(ev eventstore.RecordedEvent) error {
	cat := eventstore.Category(ev.Stream)
	if cat != transfer.Aggregate.Category && (cat != customer.Aggregate.Category || ev.Type != customer.TypeRegistered) {
		return nil
	}
	e, m, err := t.memo.lookup(t.decoder, ev)
	if err != nil {
		return fmt.Errorf("transfers: %w", err)
	}
	if e == nil {
		return nil
	}
	if r, ok := e.(customer.Registered); ok {
		t.mu.Lock()
		t.customers[r.CustomerID] = true
		t.mu.Unlock()
		return nil
	}
	if cat != transfer.Aggregate.Category {
		return nil
	}
	id := strings.TrimPrefix(ev.Stream, transfer.Aggregate.Category+"-")

	t.mu.Lock()
	defer t.mu.Unlock()
	en := t.byID[id]
	if en == nil {
		r, ok := e.(transfer.Requested)
		if !ok {
			return fmt.Errorf("transfers: %s on %s before the transfer was requested", ev.Type, ev.Stream)
		}
		en = &transferEntry{requested: ev.Position}
		t.byID[id] = en
		t.bySender[r.SenderID] = append(t.bySender[r.SenderID], en)
	}
	before := en.state.Status
	en.state = transfer.Evolve(en.state, e)
	en.events = append(en.events, e)
	en.timeline = append(en.timeline, TimelineEntry{
		Type: ev.Type, OccurredAt: m.at, Actor: m.actor, Revision: ev.Revision, Position: ev.Position,
		Status: en.state.Status, Description: describeTransferEvent(e),
	})
	if en.state.Status != before || len(en.events) == 1 {
		if set := t.byStatus[before]; set != nil {
			delete(set, id)
		}
		set := t.byStatus[en.state.Status]
		if set == nil {
			set = map[string]*transferEntry{}
			t.byStatus[en.state.Status] = set
		}
		set[id] = en
		en.since, en.sincePos = m.at, ev.Position
	}
	return nil
}

// describeTransferEvent says in a few words what an event did.
func describeTransferEvent(e command.Event) string {
	switch e := e.(type) {
	case transfer.Requested:
		return fmt.Sprintf("Requested: %s plus %s fee, %s to be received by %s in %s",
			e.Quote.Send, e.Quote.Fee, e.Quote.Receive, strings.ReplaceAll(string(e.Recipient.Method), "_", " "), e.Recipient.Country)
	case transfer.Screened:
		if e.Cleared {
			return "Screening cleared"
		}
		return fmt.Sprintf("Held for compliance review (%d %s)", len(e.Hits), plural(len(e.Hits), "hit", "hits"))
	case transfer.Released:
		return fmt.Sprintf("Released by %s: %s", e.By, e.Reason)
	case transfer.Rejected:
		return fmt.Sprintf("Rejected by %s: %s", e.By, e.Reason)
	case transfer.Funded:
		if e.CreditDrawn.IsPositive() {
			return fmt.Sprintf("Funded: %s reserved, %s of it on credit", e.Amount, e.CreditDrawn)
		}
		return fmt.Sprintf("Funded: %s reserved", e.Amount)
	case transfer.FundingFailed:
		return "Funding failed: " + e.Reason
	case transfer.Expired:
		return "Expired: the quote expired before funding"
	case transfer.Cancelled:
		if e.Reason != "" {
			return fmt.Sprintf("Cancelled by %s: %s", e.By, e.Reason)
		}
		return "Cancelled by " + e.By
	case transfer.PayoutSubmitted:
		return fmt.Sprintf("Payout attempt %d of %s submitted to %s", e.Attempt, e.Amount, e.Partner)
	case transfer.PayoutPending:
		return fmt.Sprintf("Payout attempt %d is %s", e.Attempt, e.State)
	case transfer.PayoutFailed:
		if e.Retryable {
			return fmt.Sprintf("Payout attempt %d failed, will retry: %s", e.Attempt, e.Reason)
		}
		return fmt.Sprintf("Payout attempt %d failed: %s", e.Attempt, e.Reason)
	case transfer.PaidOut:
		if e.Method == transfer.CashPickup {
			return fmt.Sprintf("Paid out %s in cash by agent %s", e.Amount, e.AgentID)
		}
		return fmt.Sprintf("Paid out %s to the mobile wallet", e.Amount)
	case transfer.PickupCodeIssued:
		return "Pickup code issued, valid until " + e.ExpiresAt.UTC().Format(time.RFC3339)
	case transfer.PickupLocked:
		return fmt.Sprintf("Pickup looked up by agent %s", e.AgentID)
	case transfer.PickupExpired:
		return "Pickup expired uncollected"
	case transfer.Completed:
		return "Completed"
	case transfer.Refunded:
		return fmt.Sprintf("Refunded %s to the sender", e.Amount)
	}
	return e.EventType()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// cloneTransfer deep-copies the parts of a state a caller could mutate.
func cloneTransfer(s transfer.State) transfer.State {
	s.Hits = slices.Clone(s.Hits)
	s.Attempts = slices.Clone(s.Attempts)
	if s.Pickup != nil {
		p := *s.Pickup
		s.Pickup = &p
	}
	if s.Paid != nil {
		p := *s.Paid
		s.Paid = &p
	}
	return s
}

func (en *transferEntry) view() TransferView {
	last := en.timeline[len(en.timeline)-1]
	return TransferView{
		State: cloneTransfer(en.state), Public: transfer.PublicStatus(en.state),
		Revision: last.Revision, Position: last.Position, StatusSince: en.since,
	}
}

func transferNotFound(id string) error {
	return fmt.Errorf("%w: transfer %q", ErrNotFound, id)
}

// Get returns a transfer. It returns an error wrapping ErrNotFound for an
// unknown ID.
func (t *Transfers) Get(id string) (TransferView, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	en := t.byID[id]
	if en == nil {
		return TransferView{}, transferNotFound(id)
	}
	return en.view(), nil
}

// GetForCustomer is Get for a customer: another sender's transfer is
// ErrNotFound too, so its existence is not revealed.
func (t *Transfers) GetForCustomer(customerID, id string) (TransferView, error) {
	v, err := t.Get(id)
	if err == nil && v.SenderID != customerID {
		return TransferView{}, transferNotFound(id)
	}
	return v, err
}

// Timeline returns a transfer's events, oldest first. It returns an error
// wrapping ErrNotFound for an unknown ID.
func (t *Transfers) Timeline(id string) ([]TimelineEntry, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	en := t.byID[id]
	if en == nil {
		return nil, transferNotFound(id)
	}
	return slices.Clone(en.timeline), nil
}

// AsOf returns a transfer as it stood at instant at: its events that
// occurred at or before at, folded again. It returns an error wrapping
// ErrNotFound for an unknown ID and ErrBeforeHistory when the transfer was
// requested after at.
func (t *Transfers) AsOf(id string, at time.Time) (TransferView, error) {
	t.mu.RLock()
	en := t.byID[id]
	if en == nil {
		t.mu.RUnlock()
		return TransferView{}, transferNotFound(id)
	}
	events := slices.Clone(en.events)
	timeline := slices.Clone(en.timeline)
	t.mu.RUnlock()

	var (
		s     transfer.State
		last  = -1
		since time.Time
	)
	for i, e := range events {
		if timeline[i].OccurredAt.After(at) {
			continue
		}
		before := s.Status
		s = transfer.Evolve(s, e)
		if s.Status != before || last < 0 {
			since = timeline[i].OccurredAt
		}
		last = i
	}
	if last < 0 {
		return TransferView{}, fmt.Errorf("%w: transfer %q was requested at %s, after %s", ErrBeforeHistory, id,
			timeline[0].OccurredAt.Format(time.RFC3339Nano), at.UTC().Format(time.RFC3339Nano))
	}
	return TransferView{
		State: s, Public: transfer.PublicStatus(s),
		Revision: timeline[last].Revision, Position: timeline[last].Position, StatusSince: since,
	}, nil
}

// ByCustomer returns a page of a sender's transfers, newest first. cursor is
// "" for the first page or the Next of the previous one; limit ≤ 0 means
// DefaultPageSize and is capped at MaxPageSize. It returns an error wrapping
// ErrNotFound for a customer who never registered nor sent, and
// ErrInvalidArgument for a malformed cursor.
func (t *Transfers) ByCustomer(customerID, cursor string, limit int) (TransferPage, error) {
	if limit <= 0 {
		limit = DefaultPageSize
	}
	limit = min(limit, MaxPageSize)
	var after eventstore.Position
	if cursor != "" {
		p, err := decodeCursor(cursor)
		if err != nil {
			return TransferPage{}, err
		}
		after = p
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	list, ok := t.bySender[customerID]
	if !ok && !t.customers[customerID] {
		return TransferPage{}, fmt.Errorf("%w: customer %q", ErrNotFound, customerID)
	}
	end := len(list)
	if cursor != "" {
		// Entries are in request order: skip those at or after the cursor.
		end = sort.Search(len(list), func(i int) bool { return !list[i].requested.Less(after) })
	}
	page := TransferPage{Items: []TransferView{}}
	for i := end - 1; i >= 0 && len(page.Items) < limit; i-- {
		page.Items = append(page.Items, list[i].view())
		if len(page.Items) == limit && i > 0 {
			page.Next = encodeCursor(list[i].requested)
		}
	}
	return page, nil
}

func encodeCursor(p eventstore.Position) string {
	return base64.RawURLEncoding.EncodeToString([]byte(p.String()))
}

func decodeCursor(c string) (eventstore.Position, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		var p eventstore.Position
		if p, err = eventstore.ParsePosition(string(b)); err == nil {
			return p, nil
		}
	}
	return eventstore.Position{}, fmt.Errorf("%w: cursor %q: %w", ErrInvalidArgument, c, err)
}

var transferStatuses = []transfer.Status{
	transfer.StatusRequested, transfer.StatusHeld, transfer.StatusCleared, transfer.StatusRejected,
	transfer.StatusFunded, transfer.StatusFundingFailed, transfer.StatusExpired, transfer.StatusCancelled,
	transfer.StatusPayoutSubmitted, transfer.StatusPayoutRetry, transfer.StatusPayoutFailed,
	transfer.StatusPickupReady, transfer.StatusPickupExpired, transfer.StatusPaidOut,
	transfer.StatusCompleted, transfer.StatusRefunded,
}

// ByStatus returns the transfers in an internal status, the longest in it
// first (for example every held transfer, for the compliance queue). It
// returns an error wrapping ErrInvalidArgument for an unknown status.
func (t *Transfers) ByStatus(status transfer.Status) ([]TransferView, error) {
	if !slices.Contains(transferStatuses, status) {
		return nil, fmt.Errorf("%w: transfer status %q", ErrInvalidArgument, status)
	}
	return t.inStatuses(status), nil
}

// ByPublicStatus returns the transfers whose public status is p (every
// internal status that maps to it), the longest in their status first. It
// returns an error wrapping ErrInvalidArgument for an unknown status.
func (t *Transfers) ByPublicStatus(p transfer.Public) ([]TransferView, error) {
	var statuses []transfer.Status
	for _, s := range transferStatuses {
		if transfer.PublicStatus(transfer.State{Status: s}) == p {
			statuses = append(statuses, s)
		}
	}
	if len(statuses) == 0 {
		return nil, fmt.Errorf("%w: public transfer status %q", ErrInvalidArgument, p)
	}
	return t.inStatuses(statuses...), nil
}

// inStatuses returns the views of the transfers in any of the statuses,
// the longest in their status first.
func (t *Transfers) inStatuses(statuses ...transfer.Status) []TransferView {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var entries []*transferEntry
	for _, s := range statuses {
		for _, en := range t.byStatus[s] {
			entries = append(entries, en)
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].sincePos.Less(entries[j].sincePos) })
	out := make([]TransferView, 0, len(entries))
	for _, en := range entries {
		out = append(out, en.view())
	}
	return out
}

// StatusCounts returns how many transfers are in each internal status.
func (t *Transfers) StatusCounts() map[transfer.Status]int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := map[transfer.Status]int{}
	for s, set := range t.byStatus {
		if len(set) > 0 {
			out[s] = len(set)
		}
	}
	return out
}

// Len returns the number of transfers.
func (t *Transfers) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.byID)
}

// Digest implements Projection: SHA-256 over every transfer in ID order
// (its state as canonical JSON and its timeline without global positions,
// which differ between stores) and the registered customers.
func (t *Transfers) Digest() string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	h := sha256.New()
	for _, id := range sortedKeys(t.byID) {
		en := t.byID[id]
		writeCanonical(h, "transfer "+id, en.state)
		for _, e := range en.timeline {
			fmt.Fprintf(h, "%d %s %s %s %s %q\n", e.Revision, e.Type, e.OccurredAt.Format(time.RFC3339Nano), e.Actor, e.Status, e.Description)
		}
	}
	for _, c := range sortedKeys(t.customers) {
		fmt.Fprintf(h, "customer %s\n", c)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
