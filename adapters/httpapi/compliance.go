package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/transfer"
	"github.com/remitflow/remitflow/domain/wallet"
)

// eventRecord is one event as compliance sees it: what happened, when, who
// decided, why (causation), and its link in the stream's hash chain.
type eventRecord struct {
	Stream        string          `json:"stream"`
	Revision      uint64          `json:"revision"`
	Position      string          `json:"position"`
	ID            string          `json:"id"`
	Type          string          `json:"type"`
	OccurredAt    time.Time       `json:"occurred_at"`
	RecordedAt    time.Time       `json:"recorded_at"`
	Actor         string          `json:"actor,omitempty"`
	CorrelationID string          `json:"correlation_id,omitempty"`
	CausationID   string          `json:"causation_id,omitempty"`
	CommandID     string          `json:"command_id,omitempty"`
	PrevHash      string          `json:"prev_hash,omitempty"`
	Hash          string          `json:"hash,omitempty"`
	Data          json.RawMessage `json:"data"`
}

func recordOf(ev eventstore.RecordedEvent) eventRecord {
	m, _ := command.DecodeEventMetadata(ev.Metadata)
	occurred := m.OccurredAt
	if occurred.IsZero() {
		occurred = ev.RecordedAt
	}
	return eventRecord{
		Stream: ev.Stream, Revision: ev.Revision, Position: ev.Position.String(), ID: ev.ID.String(), Type: ev.Type,
		OccurredAt: occurred, RecordedAt: ev.RecordedAt, Actor: m.Actor, CorrelationID: m.CorrelationID,
		CausationID: m.CausationID, CommandID: m.CommandID, PrevHash: m.PrevHash, Hash: m.Hash, Data: ev.Data,
	}
}

// asOfParam reads ?as_of=, defaulting to now.
func (s *Server) asOfParam(c echo.Context) (time.Time, error) {
	v := c.QueryParam("as_of")
	if v == "" {
		return s.d.Clock.Now(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, BadRequest("invalid_time", "as_of must be RFC 3339, e.g. 2026-11-21T10:00:00Z")
	}
	return t, nil
}

// readStreamAsOf returns a stream's events that occurred at or before asOf.
// A missing stream yields no events.
func (s *Server) readStreamAsOf(ctx context.Context, stream string, asOf time.Time) ([]eventRecord, error) {
	if err := eventstore.ValidateStreamName(stream); err != nil {
		return nil, err
	}
	var out []eventRecord
	for ev, err := range s.d.Store.ReadStream(ctx, stream, eventstore.ReadStreamOptions{}) {
		if errors.Is(err, eventstore.ErrStreamNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		r := recordOf(ev)
		if r.OccurredAt.After(asOf) {
			break
		}
		out = append(out, r)
	}
	return out, nil
}

type chainStatus struct {
	Intact bool   `json:"intact"`
	Error  string `json:"error,omitempty"`
}

func (s *Server) chain(ctx context.Context, stream string) (chainStatus, error) {
	err := command.Verify(ctx, s.d.Store, stream)
	switch {
	case err == nil, errors.Is(err, eventstore.ErrStreamNotFound):
		return chainStatus{Intact: true}, nil
	case errors.Is(err, command.ErrChainBroken):
		return chainStatus{Intact: false, Error: err.Error()}, nil
	}
	return chainStatus{}, err
}

// streamHistory: GET /v1/compliance/streams/:stream?as_of=
func (s *Server) streamHistory(c echo.Context) error {
	stream := c.Param("stream")
	asOf, err := s.asOfParam(c)
	if err != nil {
		return err
	}
	events, err := s.readStreamAsOf(c.Request().Context(), stream, asOf)
	if err != nil {
		return err
	}
	if len(events) == 0 {
		return NotFound("no events in " + stream + " at or before " + asOf.Format(time.RFC3339))
	}
	ch, err := s.chain(c.Request().Context(), stream)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"stream": stream, "as_of": asOf, "chain": ch, "events": events})
}

// customerStreams lists every stream holding a customer's history: the
// customer, their wallet, their compliance record and their transfers.
func (s *Server) customerStreams(id string) []string {
	streams := []string{customer.Aggregate.Stream(id), wallet.Aggregate.Stream(id), "compliance-" + id}
	for _, t := range customerTransferIDs(s.d.Reads.Transfers, id) {
		streams = append(streams, transfer.Aggregate.Stream(t))
	}
	return streams
}

// foldAsOf folds an aggregate's events that occurred at or before asOf.
func foldAsOf[S, C any](agg command.Aggregate[S, C], events []eventRecord) (S, error) {
	st := agg.Initial()
	for _, r := range events {
		e, err := agg.Decode(r.Type, r.Data)
		if err != nil {
			return st, err
		}
		st = agg.Evolve(st, e)
	}
	return st, nil
}

// customerHistory: GET /v1/compliance/customers/:id/history?as_of= — every
// event of the customer's streams up to the instant, in log order, with the
// customer's and wallet's state as they stood then and each chain's status.
func (s *Server) customerHistory(c echo.Context) error {
	id := c.Param("id")
	asOf, err := s.asOfParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var all []eventRecord
	chains := map[string]chainStatus{}
	var custEvents, walletEvents []eventRecord
	for _, stream := range s.customerStreams(id) {
		evs, err := s.readStreamAsOf(ctx, stream, asOf)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			continue
		}
		if chains[stream], err = s.chain(ctx, stream); err != nil {
			return err
		}
		switch stream {
		case customer.Aggregate.Stream(id):
			custEvents = evs
		case wallet.Aggregate.Stream(id):
			walletEvents = evs
		}
		all = append(all, evs...)
	}
	if len(custEvents) == 0 {
		return NotFound("customer " + id + " did not exist at " + asOf.Format(time.RFC3339))
	}
	sort.Slice(all, func(i, j int) bool {
		pi, _ := eventstore.ParsePosition(all[i].Position)
		pj, _ := eventstore.ParsePosition(all[j].Position)
		return pi.Less(pj)
	})
	cs, err := foldAsOf(customer.Aggregate, custEvents)
	if err != nil {
		return err
	}
	ws, err := foldAsOf(wallet.Aggregate, walletEvents)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{
		"customer_id": id, "as_of": asOf, "chains": chains, "events": all,
		"customer": map[string]any{"country": cs.Country, "tier": cs.Tier, "blocked": cs.Blocked, "block_reason": cs.BlockReason},
		"wallet":   walletView(ws, ""),
	})
}

// export: GET /v1/compliance/export?customer_id=|stream=&as_of= — NDJSON, one
// event record a line, streamed.
func (s *Server) export(c echo.Context) error {
	asOf, err := s.asOfParam(c)
	if err != nil {
		return err
	}
	var streams []string
	switch {
	case c.QueryParam("customer_id") != "":
		streams = s.customerStreams(c.QueryParam("customer_id"))
	case c.QueryParam("stream") != "":
		streams = []string{c.QueryParam("stream")}
	default:
		return BadRequest("scope_required", "export needs customer_id or stream")
	}
	ctx := c.Request().Context()
	// Read before writing the header, so errors still become problems.
	var all []eventRecord
	for _, st := range streams {
		evs, err := s.readStreamAsOf(ctx, st, asOf)
		if err != nil {
			return err
		}
		all = append(all, evs...)
	}
	if len(all) == 0 {
		return NotFound("nothing to export at or before " + asOf.Format(time.RFC3339))
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/x-ndjson")
	c.Response().Header().Set("Content-Disposition", `attachment; filename="remitflow-export.ndjson"`)
	c.Response().WriteHeader(http.StatusOK)
	enc := json.NewEncoder(c.Response())
	for _, r := range all {
		if err := enc.Encode(r); err != nil {
			return nil // client went away; the status is already sent
		}
	}
	return nil
}

type verifyResponse struct {
	Intact  bool   `json:"intact"`
	Streams int    `json:"streams"`
	Events  int    `json:"events"`
	Last    string `json:"last"`
	Error   string `json:"error,omitempty"`
}

// verify: GET /v1/compliance/verify[?stream=] — checks hash chains.
func (s *Server) verify(c echo.Context) error {
	ctx := c.Request().Context()
	if stream := c.QueryParam("stream"); stream != "" {
		if err := eventstore.ValidateStreamName(stream); err != nil {
			return err
		}
		ch, err := s.chain(ctx, stream)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, verifyResponse{Intact: ch.Intact, Streams: 1, Error: ch.Error})
	}
	rep, err := command.VerifyAll(ctx, s.d.Store, eventstore.Filter{})
	out := verifyResponse{Intact: err == nil, Streams: rep.Streams, Events: rep.Events, Last: rep.Last.String()}
	if err != nil {
		if !errors.Is(err, command.ErrChainBroken) {
			return err
		}
		out.Error = err.Error()
	}
	return c.JSON(http.StatusOK, out)
}

// Reviews records reviewers' decisions on sanctions hits.
type Reviews interface {
	// ClearFalsePositive clears a list entry for a person until the entry
	// changes; it returns the position written.
	ClearFalsePositive(ctx context.Context, staff, subjectID, entryID, reason string) (eventstore.Position, error)
}

type clearRequest struct {
	SubjectID string `json:"subject_id"`
	EntryID   string `json:"entry_id"`
	Reason    string `json:"reason"`
}

// clearFalsePositive: POST /v1/compliance/false-positives.
func (s *Server) clearFalsePositive(c echo.Context) error {
	if s.d.Reviews == nil {
		return NotFound("sanctions reviews are not configured")
	}
	var req clearRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	if req.SubjectID == "" || req.EntryID == "" || req.Reason == "" {
		return BadRequest("invalid_review", "subject_id, entry_id and reason are required")
	}
	pos, err := s.d.Reviews.ClearFalsePositive(c.Request().Context(), principal(c).Subject, req.SubjectID, req.EntryID, req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"subject_id": req.SubjectID, "entry_id": req.EntryID, "cleared_by": principal(c).Subject, "position": pos.String()})
}
