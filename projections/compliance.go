package projections

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/remitflow/remitflow/domain/compliance"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/transfer"
	"github.com/shopspring/decimal"
)

// VelocityWindow is the length of the velocity windows.
const VelocityWindow = compliance.DayWindow

// HeldItem is one entry of the compliance queue: an open compliance case
// (with the screening of its transfer, if it is about one), or a held
// transfer without a case. A transfer held on both its sender and its
// recipient has two items, one per case.
type HeldItem struct {
	// CaseID is the compliance case; "" for a transfer held without one.
	CaseID string `json:"case_id,omitempty"`
	// SubjectID is the person the case is about (the sender for a transfer
	// held without a case).
	SubjectID string `json:"subject_id"`
	// TransferID is the held transfer; "" for a case about a person only.
	TransferID string `json:"transfer_id,omitempty"`
	// ScreeningID is the screening that opened the case, if one did.
	ScreeningID string `json:"screening_id,omitempty"`
	// OpenedAt is when the case was opened or the transfer held, whichever
	// came first.
	OpenedAt time.Time `json:"opened_at"`
	// Hits are the case's sanctions hits; TransferHits the hits the
	// transfer's screening recorded (sanctions and limit rules).
	Hits         []compliance.Hit         `json:"hits,omitempty"`
	TransferHits []transfer.Hit           `json:"transfer_hits,omitempty"`
	ListVersion  string                   `json:"list_version,omitempty"`
	Rules        []compliance.RuleOutcome `json:"rules,omitempty"`
	// Reason is why a case was opened without a screening.
	Reason string `json:"reason,omitempty"`
	// LimitOutcomes are the tier-limit rules the transfer was checked
	// against when it was requested, if it was.
	LimitOutcomes []compliance.RuleOutcome `json:"limit_outcomes,omitempty"`

	openedPos eventstore.Position
}

// DecisionKind says what a decision did.
type DecisionKind string

// Decision kinds.
const (
	DecisionRelease       DecisionKind = "release"
	DecisionReject        DecisionKind = "reject"
	DecisionFalsePositive DecisionKind = "false_positive_cleared"
)

// Where a decision was recorded (Decision.On).
const (
	DecidedOnCase     = "case"
	DecidedOnTransfer = "transfer"
)

// Decision is one entry of the decisions log.
type Decision struct {
	Kind DecisionKind `json:"kind"`
	// On says where it was recorded: DecidedOnCase (the compliance stream)
	// or DecidedOnTransfer (the transfer's stream).
	On         string `json:"on"`
	CaseID     string `json:"case_id,omitempty"`
	SubjectID  string `json:"subject_id,omitempty"`
	TransferID string `json:"transfer_id,omitempty"`
	// EntryID is the list entry of a false-positive clearance.
	EntryID string `json:"entry_id,omitempty"`
	// By is the staff member who decided; Actor who issued the command.
	By     string    `json:"by"`
	Actor  string    `json:"actor,omitempty"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// DecisionFilter selects decisions; empty fields match everything.
type DecisionFilter struct {
	SubjectID  string
	TransferID string
	CaseID     string
	By         string
}

func (f DecisionFilter) match(d Decision) bool {
	return (f.SubjectID == "" || f.SubjectID == d.SubjectID) &&
		(f.TransferID == "" || f.TransferID == d.TransferID) &&
		(f.CaseID == "" || f.CaseID == d.CaseID) &&
		(f.By == "" || f.By == d.By)
}

// Velocity is the transfers a customer requested in a window.
type Velocity struct {
	CustomerID string `json:"customer_id"`
	// From and To bound the window (From, To].
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Count is the number of transfers requested in the window.
	Count int `json:"count"`
	// Totals are what those transfers charged (quote totals), per currency
	// in code order.
	Totals []money.Amount `json:"totals"`
}

type request struct {
	at    time.Time
	total money.Amount
}

// Compliance is the read model compliance staff work from: the queue of
// open cases and held transfers (oldest first), the decisions log,
// screening results per subject, and per-customer velocity windows
// (transfers requested in the 24 hours up to the latest event time). It is
// safe for concurrent readers.
type Compliance struct {
	decoder *Decoder
	memo    *decodeMemo

	mu         sync.RWMutex
	queue      map[string]*HeldItem       // "case:<id>" or "transfer:<id>"
	byTransfer map[string]map[string]bool // transfer ID → its queue keys
	decisions  []Decision
	screenings map[string][]compliance.ScreeningRecorded
	subjects   map[string]bool
	senders    map[string]string                   // transfer ID → sender
	limits     map[string][]compliance.RuleOutcome // transfer ID → limit outcomes
	requests   map[string][]request                // sender → requests in log order
	latest     time.Time
}

// NewCompliance returns an empty compliance read model; d must decode the
// "compliance" and "transfer" categories.
func NewCompliance(d *Decoder) *Compliance {
	return &Compliance{
		decoder:    d,
		queue:      map[string]*HeldItem{},
		byTransfer: map[string]map[string]bool{},
		screenings: map[string][]compliance.ScreeningRecorded{},
		subjects:   map[string]bool{},
		senders:    map[string]string{},
		limits:     map[string][]compliance.RuleOutcome{},
		requests:   map[string][]request{},
	}
}

// Name implements Projection.
func (c *Compliance) Name() string { return "compliance" }

// Apply folds compliance and transfer events; every domain event (of a
// category the decoder knows) advances the latest event time the velocity
// windows end at.
func (c *Compliance) Apply(ev eventstore.RecordedEvent) error {
	cat := eventstore.Category(ev.Stream)
	if _, domain := c.decoder.byCategory[cat]; !domain {
		return nil // rates, checkpoints, idempotency keys
	}
	if cat != compliance.Aggregate.Category && cat != transfer.Aggregate.Category {
		at := c.memo.at(ev)
		c.mu.Lock()
		if at.After(c.latest) {
			c.latest = at
		}
		c.mu.Unlock()
		return nil
	}
	e, m, err := c.memo.lookup(c.decoder, ev)
	if err != nil {
		return fmt.Errorf("compliance: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if m.at.After(c.latest) {
		c.latest = m.at
	}
	switch e := e.(type) {
	case compliance.ScreeningRecorded:
		c.subjects[e.SubjectID] = true
		c.screenings[e.SubjectID] = append(c.screenings[e.SubjectID], e)
	case compliance.CaseOpened:
		c.subjects[e.SubjectID] = true
		it := &HeldItem{CaseID: e.CaseID, SubjectID: e.SubjectID, TransferID: e.TransferID, ScreeningID: e.ScreeningID,
			OpenedAt: e.At, Hits: e.Hits, Rules: e.Rules, Reason: e.Reason, openedPos: ev.Position}
		if held := c.queue["transfer:"+e.TransferID]; e.TransferID != "" && held != nil {
			// The transfer was held before its case was opened.
			it.TransferHits, it.ListVersion = held.TransferHits, held.ListVersion
			if held.openedPos.Less(it.openedPos) {
				it.OpenedAt, it.openedPos = held.OpenedAt, held.openedPos
			}
			c.close("transfer:" + e.TransferID)
		}
		c.open("case:"+e.CaseID, it)
	case compliance.CaseDecided:
		kind := DecisionRelease
		if e.Decision == compliance.Reject {
			kind = DecisionReject
		}
		c.decisions = append(c.decisions, Decision{Kind: kind, On: DecidedOnCase, CaseID: e.CaseID, SubjectID: e.SubjectID,
			TransferID: e.TransferID, By: e.Staff, Actor: m.actor, Reason: e.Reason, At: e.At})
		c.close("case:" + e.CaseID)
	case compliance.FalsePositiveCleared:
		c.subjects[e.SubjectID] = true
		c.decisions = append(c.decisions, Decision{Kind: DecisionFalsePositive, On: DecidedOnCase, CaseID: e.CaseID, SubjectID: e.SubjectID,
			EntryID: e.EntryID, By: e.Staff, Actor: m.actor, Reason: e.Reason, At: e.At})
	case compliance.TransferRecorded:
		c.subjects[e.SubjectID] = true
		c.limits[e.TransferID] = e.Outcomes
	case transfer.Requested:
		c.subjects[e.SenderID] = true
		c.senders[e.TransferID] = e.SenderID
		c.requests[e.SenderID] = append(c.requests[e.SenderID], request{at: m.at, total: e.Quote.Total})
	case transfer.Screened:
		if e.Cleared {
			break
		}
		attached := false
		for key := range c.byTransfer[e.TransferID] {
			it := c.queue[key]
			it.TransferHits, it.ListVersion = e.Hits, e.ListVersion
			attached = true
		}
		if !attached {
			c.open("transfer:"+e.TransferID, &HeldItem{CaseID: e.CaseID, SubjectID: c.senders[e.TransferID], TransferID: e.TransferID,
				OpenedAt: e.At, TransferHits: e.Hits, ListVersion: e.ListVersion, openedPos: ev.Position})
		}
	case transfer.Released:
		c.decisions = append(c.decisions, Decision{Kind: DecisionRelease, On: DecidedOnTransfer, SubjectID: c.senders[e.TransferID],
			TransferID: e.TransferID, By: e.By, Actor: m.actor, Reason: e.Reason, At: e.At})
		c.closeTransfer(e.TransferID)
	case transfer.Rejected:
		c.decisions = append(c.decisions, Decision{Kind: DecisionReject, On: DecidedOnTransfer, SubjectID: c.senders[e.TransferID],
			TransferID: e.TransferID, By: e.By, Actor: m.actor, Reason: e.Reason, At: e.At})
		c.closeTransfer(e.TransferID)
	case transfer.Cancelled:
		c.closeTransfer(e.TransferID)
	case transfer.Expired:
		c.closeTransfer(e.TransferID)
	}
	return nil
}

// open puts an item in the queue; callers hold the lock.
func (c *Compliance) open(key string, it *HeldItem) {
	c.queue[key] = it
	if it.TransferID != "" {
		if c.byTransfer[it.TransferID] == nil {
			c.byTransfer[it.TransferID] = map[string]bool{}
		}
		c.byTransfer[it.TransferID][key] = true
	}
}

// close removes an item from the queue; callers hold the lock.
func (c *Compliance) close(key string) {
	it := c.queue[key]
	if it == nil {
		return
	}
	delete(c.queue, key)
	if keys := c.byTransfer[it.TransferID]; keys != nil {
		delete(keys, key)
		if len(keys) == 0 {
			delete(c.byTransfer, it.TransferID)
		}
	}
}

// closeTransfer removes every item about a transfer that is no longer
// held; callers hold the lock.
func (c *Compliance) closeTransfer(id string) {
	for key := range c.byTransfer[id] {
		c.close(key)
	}
}

// item copies a queue item for a reader; callers hold the lock.
func (c *Compliance) item(it *HeldItem) HeldItem {
	out := *it
	out.Hits = slices.Clone(it.Hits)
	out.TransferHits = slices.Clone(it.TransferHits)
	out.Rules = slices.Clone(it.Rules)
	if it.TransferID != "" {
		out.LimitOutcomes = slices.Clone(c.limits[it.TransferID])
	}
	return out
}

// HeldQueue returns what waits for a compliance decision, oldest first:
// open cases and held transfers without a case. An item leaves the queue
// when its case is decided or its transfer is released, rejected,
// cancelled or expired.
func (c *Compliance) HeldQueue() []HeldItem {
	c.mu.RLock()
	out := make([]HeldItem, 0, len(c.queue))
	for _, it := range c.queue {
		out = append(out, c.item(it))
	}
	c.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].OpenedAt.Equal(out[j].OpenedAt) {
			return out[i].OpenedAt.Before(out[j].OpenedAt)
		}
		return out[i].openedPos.Less(out[j].openedPos)
	})
	return out
}

// Case returns an open queue item by case ID. It returns an error wrapping
// ErrNotFound when no open item has that case.
func (c *Compliance) Case(caseID string) (HeldItem, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if it := c.queue["case:"+caseID]; it != nil {
		return c.item(it), nil
	}
	return HeldItem{}, fmt.Errorf("%w: open case %q", ErrNotFound, caseID)
}

// Decisions returns the decisions that match f, in the order they were
// made: case decisions, false-positive clearances, and releases and
// rejections recorded on transfers.
func (c *Compliance) Decisions(f DecisionFilter) []Decision {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := []Decision{}
	for _, d := range c.decisions {
		if f.match(d) {
			out = append(out, d)
		}
	}
	return out
}

// Screenings returns a subject's screening results, oldest first. It
// returns an error wrapping ErrNotFound for a subject compliance knows
// nothing about (never screened, recorded or sending).
func (c *Compliance) Screenings(subjectID string) ([]compliance.ScreeningRecorded, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.subjects[subjectID] {
		return nil, fmt.Errorf("%w: subject %q", ErrNotFound, subjectID)
	}
	out := make([]compliance.ScreeningRecorded, 0, len(c.screenings[subjectID]))
	for _, s := range c.screenings[subjectID] {
		s.Hits = slices.Clone(s.Hits)
		out = append(out, s)
	}
	return out, nil
}

// LatestEventTime returns the domain time of the newest domain event
// applied.
func (c *Compliance) LatestEventTime() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.latest
}

// Velocity returns the transfers a customer requested in the 24 hours up to
// the latest event time. It returns an error wrapping ErrNotFound for a
// customer compliance knows nothing about.
func (c *Compliance) Velocity(customerID string) (Velocity, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.velocityLocked(customerID, c.latest)
}

// VelocityAt returns the transfers a customer requested in the 24 hours up
// to at; see Velocity.
func (c *Compliance) VelocityAt(customerID string, at time.Time) (Velocity, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.velocityLocked(customerID, at.UTC())
}

func (c *Compliance) velocityLocked(customerID string, at time.Time) (Velocity, error) {
	if !c.subjects[customerID] {
		return Velocity{}, fmt.Errorf("%w: customer %q", ErrNotFound, customerID)
	}
	v := Velocity{CustomerID: customerID, From: at.Add(-VelocityWindow), To: at, Totals: []money.Amount{}}
	sums := map[money.Currency]decimal.Decimal{}
	for _, r := range c.requests[customerID] {
		if r.at.After(v.From) && !r.at.After(at) {
			v.Count++
			sums[r.total.Currency] = sums[r.total.Currency].Add(r.total.Value)
		}
	}
	v.Totals = append(v.Totals, amounts(sums)...)
	return v, nil
}

// Velocities returns the velocity windows, up to the latest event time, of
// every customer with at least minCount transfers in them, highest count
// first (then by customer ID).
func (c *Compliance) Velocities(minCount int) []Velocity {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := []Velocity{}
	for _, id := range sortedKeys(c.requests) {
		v, err := c.velocityLocked(id, c.latest)
		if err == nil && v.Count >= max(minCount, 1) {
			out = append(out, v)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out
}

// Digest implements Projection: SHA-256 over the queue (in key order), the
// decisions log, the screenings per subject and the requests per customer.
func (c *Compliance) Digest() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	h := sha256.New()
	for _, k := range sortedKeys(c.queue) {
		writeCanonical(h, "held "+k, *c.queue[k])
	}
	writeCanonical(h, "decisions", c.decisions)
	for _, s := range sortedKeys(c.screenings) {
		writeCanonical(h, "screenings "+s, c.screenings[s])
	}
	for _, s := range sortedKeys(c.subjects) {
		fmt.Fprintf(h, "subject %s\n", s)
	}
	for _, id := range sortedKeys(c.limits) {
		writeCanonical(h, "limits "+id, c.limits[id])
	}
	for _, s := range sortedKeys(c.requests) {
		var b strings.Builder
		for _, r := range c.requests[s] {
			fmt.Fprintf(&b, "%s %s;", r.at.Format(time.RFC3339Nano), r.total)
		}
		fmt.Fprintf(h, "requests %s %s\n", s, b.String())
	}
	fmt.Fprintf(h, "latest %s\n", c.latest.Format(time.RFC3339Nano))
	return hex.EncodeToString(h.Sum(nil))
}
