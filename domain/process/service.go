package process

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/remitflow/remitflow/domain/agent"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/quote"
	"github.com/remitflow/remitflow/domain/transfer"
)

// Gate decides whether a customer may make a transfer (tier limits,
// velocity), recording it in the customer's windows under commandID when
// allowed (idempotent). It returns nil, or a named domain error (for example
// compliance.ErrTierLimitExceeded) that refuses the request.
type Gate interface {
	Admit(ctx context.Context, commandID string, c customer.State, r transfer.Request) error
}

// Service is the transfer application service the HTTP API calls. Every
// method returns the aggregates' named domain errors unchanged (test with
// errors.Is; map by the ErrorKind() method) and wraps infrastructure errors.
type Service struct {
	store eventstore.Store
	clock command.Clock
	gate  Gate
	vault Vault
}

// ServiceOption configures a Service.
type ServiceOption func(*Service)

// WithVault makes the service seal recipients' personal data (name, MSISDN)
// with the sender's vault key before it reaches the log, and open it again
// in the views it returns. Give the Manager the same vault (Deps.Vault).
func WithVault(v Vault) ServiceOption { return func(s *Service) { s.vault = v } }

// NewService returns the service. store should be the same
// command.CachingStore the Manager uses; gate may be nil (no limit checks).
// It returns ErrMissingDependency without a store or clock.
func NewService(store eventstore.Store, clock command.Clock, gate Gate, opts ...ServiceOption) (*Service, error) {
	if store == nil || clock == nil {
		return nil, fmt.Errorf("%w: service needs a store and a clock", ErrMissingDependency)
	}
	s := &Service{store: store, clock: clock, gate: gate}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// View is a transfer as the API shows it. A sealed recipient's name and
// MSISDN are opened with the vault; when that fails (the sender's key was
// forgotten) they stay empty and Redacted is true.
type View struct {
	transfer.State
	// Public is the customer-facing status.
	Public transfer.Public
	// Redacted says the recipient's personal data could not be opened.
	Redacted bool
	// Position is the global position of the last event the call wrote (or
	// of the transfer's last event): wait for projections to reach it to
	// read your own write.
	Position eventstore.Position
}

// TransferRequest is what a customer asks for.
type TransferRequest struct {
	SenderID  string
	QuoteID   string
	Recipient transfer.Recipient
	Purpose   string
	// IdempotencyKey is the client's key: the same key and request return
	// the same transfer; the same key with another request is
	// transfer.ErrDuplicateRequest.
	IdempotencyKey string
}

// TransferID is the ID of the transfer a sender's idempotency key creates.
func TransferID(senderID, idempotencyKey string) string {
	return command.DeriveID("transfer", senderID, idempotencyKey)
}

func customerActor(id string) string { return "customer:" + id }

// RequestTransfer accepts the sender's quote and creates the transfer; the
// process manager takes it from there. Errors: transfer.ErrInvalidCommand,
// transfer.ErrInvalidRecipient, transfer.ErrDuplicateRequest,
// transfer.ErrQuoteExpired, customer.ErrCustomerNotFound,
// customer.ErrCustomerBlocked, quote.ErrQuoteNotFound, quote.ErrQuoteExpired,
// quote.ErrQuoteUsed, quote.ErrQuoteCustomerMismatch, the Gate's errors
// (limits), or store errors. Nothing is written when a domain error is
// returned, except that a quote accepted for this transfer stays accepted
// for it (a retry with the same key completes the request).
func (s *Service) RequestTransfer(ctx context.Context, r TransferRequest) (View, error) {
	switch {
	case r.SenderID == "" || r.QuoteID == "":
		return View{}, fmt.Errorf("%w: sender and quote are required", transfer.ErrInvalidCommand)
	case r.IdempotencyKey == "" || len(r.IdempotencyKey) > 200:
		return View{}, fmt.Errorf("%w: an idempotency key of 1 to 200 bytes is required", transfer.ErrInvalidCommand)
	case r.Purpose == "":
		return View{}, fmt.Errorf("%w: purpose is required", transfer.ErrInvalidCommand)
	}
	if err := r.Recipient.Validate(); err != nil {
		return View{}, err
	}
	id := TransferID(r.SenderID, r.IdempotencyKey)
	existing, _, ok, err := command.Load(ctx, s.store, transfer.Aggregate, id)
	if err != nil {
		return View{}, err
	}
	if ok {
		have, err := reveal(s.vault, existing.Recipient)
		if err != nil {
			return View{}, err
		}
		if existing.Quote.QuoteID != r.QuoteID || !sameRecipient(have, r.Recipient) || existing.Purpose != r.Purpose {
			return View{}, fmt.Errorf("%w: idempotency key %q was used for transfer %s", transfer.ErrDuplicateRequest, r.IdempotencyKey, id)
		}
		return s.view(ctx, id, eventstore.Position{})
	}

	cust, _, _, err := command.Load(ctx, s.store, customer.Aggregate, r.SenderID)
	if err != nil {
		return View{}, err
	}
	if err := customer.CanSend(cust); err != nil {
		return View{}, err
	}
	// A cached quote is fine: its terms never change, and accepting it is
	// checked against its stream by the append.
	qs, _, _, err := command.LoadAtLeast(ctx, s.store, quote.Aggregate, r.QuoteID, 0)
	if err != nil {
		return View{}, err
	}
	if err := quote.CheckUsable(qs, s.clock.Now()); err != nil {
		return View{}, err
	}
	if qs.Quote.CustomerID != r.SenderID {
		return View{}, fmt.Errorf("%w: quote %s", quote.ErrQuoteCustomerMismatch, r.QuoteID)
	}
	recipient := r.Recipient
	if s.vault != nil {
		if recipient, err = seal(s.vault, r.SenderID, recipient); err != nil {
			return View{}, err
		}
	}
	req := transfer.Request{
		TransferID: id, SenderID: r.SenderID, Recipient: recipient, Quote: transfer.TermsFromQuote(qs.Quote),
		Purpose: r.Purpose, Reference: r.IdempotencyKey,
	}
	// Check the request before the quote is used up.
	if _, err := transfer.Decide(transfer.State{}, req, s.clock.Now()); err != nil {
		return View{}, err
	}
	if s.gate != nil {
		if err := s.gate.Admit(ctx, command.DeriveID(id, "admit"), cust, req); err != nil {
			return View{}, err
		}
	}
	actor := customerActor(r.SenderID)
	acceptID := command.DeriveID(id, "accept-quote")
	if _, err := command.Handle(ctx, s.store, quote.Aggregate, r.QuoteID, quote.Command(quote.Accept{
		Meta: quote.Meta{ID: acceptID, Actor: actor}, QuoteID: r.QuoteID, CustomerID: r.SenderID, TransferID: id,
	}), command.CommandMeta{CommandID: acceptID, CorrelationID: id, Actor: actor, Clock: s.clock}); err != nil {
		return View{}, err
	}
	res, err := command.Handle(ctx, s.store, transfer.Aggregate, id, transfer.Command(req), command.CommandMeta{
		CommandID: command.DeriveID(id, "request"), CorrelationID: id, CausationID: acceptID, Actor: actor, Clock: s.clock,
	})
	if errors.Is(err, command.ErrCommandConflict) {
		// A concurrent request with the same key but another body won.
		return View{}, fmt.Errorf("%w: idempotency key %q was used for another request", transfer.ErrDuplicateRequest, r.IdempotencyKey)
	}
	if err != nil {
		return View{}, err
	}
	return s.viewAfter(ctx, id, res)
}

// viewAfter returns the transfer as of (at least) a command's result.
func (s *Service) viewAfter(ctx context.Context, id string, res command.Result) (View, error) {
	st, _, ok, err := command.LoadAtLeast(ctx, s.store, transfer.Aggregate, id, res.Revision)
	if err != nil {
		return View{}, err
	}
	if !ok {
		return View{}, fmt.Errorf("%w: %s", transfer.ErrTransferNotFound, id)
	}
	return s.reveal(View{State: st, Public: transfer.PublicStatus(st), Position: res.Position}), nil
}

// reveal opens the view's sealed recipient details, or marks them redacted.
func (s *Service) reveal(v View) View {
	if !v.Recipient.IsSealed() {
		return v
	}
	r, err := reveal(s.vault, v.Recipient)
	if err != nil {
		v.Redacted = true
		return v
	}
	v.Recipient = r
	return v
}

// GetTransfer returns a transfer read from its stream. Errors:
// transfer.ErrTransferNotFound, or store errors.
func (s *Service) GetTransfer(ctx context.Context, id string) (View, error) {
	return s.view(ctx, id, eventstore.Position{})
}

// GetCustomerTransfer is GetTransfer for a customer: a transfer of another
// sender is transfer.ErrTransferNotFound, so its existence is not revealed.
func (s *Service) GetCustomerTransfer(ctx context.Context, customerID, id string) (View, error) {
	v, err := s.view(ctx, id, eventstore.Position{})
	if err == nil && v.SenderID != customerID {
		return View{}, transfer.ErrTransferNotFound
	}
	return v, err
}

func (s *Service) view(ctx context.Context, id string, pos eventstore.Position) (View, error) {
	if id == "" {
		return View{}, transfer.ErrTransferNotFound
	}
	st, rev, ok, err := command.Load(ctx, s.store, transfer.Aggregate, id)
	if err != nil {
		return View{}, err
	}
	if !ok {
		return View{}, fmt.Errorf("%w: %s", transfer.ErrTransferNotFound, id)
	}
	if pos.IsZero() {
		pos = s.positionOf(ctx, id, rev)
	}
	return s.reveal(View{State: st, Public: transfer.PublicStatus(st), Position: pos}), nil
}

// positionOf returns the global position of a transfer's event at rev.
func (s *Service) positionOf(ctx context.Context, id string, rev uint64) eventstore.Position {
	for ev, err := range s.store.ReadStream(ctx, transfer.Aggregate.Stream(id), eventstore.ReadStreamOptions{From: rev, MaxCount: 1}) {
		if err == nil {
			return ev.Position
		}
	}
	return eventstore.Position{}
}

// CancelTransfer cancels a customer's transfer; a funded one is refunded by
// the process manager. Errors: transfer.ErrTransferNotFound (also for a
// transfer of another customer), transfer.ErrCancelNotAllowed (a payout was
// submitted or a pickup code issued), transfer.ErrInvalidCommand, or store
// errors. Cancelling a cancelled transfer returns it unchanged.
func (s *Service) CancelTransfer(ctx context.Context, customerID, id, reason string) (View, error) {
	if _, err := s.GetCustomerTransfer(ctx, customerID, id); err != nil {
		return View{}, err
	}
	actor := customerActor(customerID)
	return s.run(ctx, id, command.DeriveID(id, "cancel", reason), actor, transfer.Cancel{By: actor, Reason: reason})
}

func (s *Service) run(ctx context.Context, id, cmdID, actor string, c transfer.Command) (View, error) {
	v, _, err := s.runResult(ctx, id, cmdID, actor, c)
	return v, err
}

func (s *Service) runResult(ctx context.Context, id, cmdID, actor string, c transfer.Command) (View, command.Result, error) {
	res, err := command.Handle(ctx, s.store, transfer.Aggregate, id, c, command.CommandMeta{
		CommandID: cmdID, CorrelationID: id, Actor: actor, Clock: s.clock,
	})
	if err != nil {
		return View{}, res, err
	}
	v, err := s.viewAfter(ctx, id, res)
	return v, res, err
}

// wrongCode turns a recorded wrong pickup code into ErrInvalidPickupCode.
func wrongCode(res command.Result) error {
	for _, e := range res.Events {
		if r, ok := e.(transfer.PickupCodeRejected); ok {
			return fmt.Errorf("%w: %d of %d attempts used", transfer.ErrInvalidPickupCode, r.Failures, transfer.MaxPickupCodeFailures)
		}
	}
	return nil
}

// PickupView is what an agent sees after looking up a cash pickup.
type PickupView struct {
	TransferID    string
	RecipientName string
	Country       string
	Amount        money.Amount
	LockedUntil   time.Time
	Position      eventstore.Position
}

// LookupPickup is an agent's lookup of a cash pickup by transfer ID and code:
// it locks the pickup to the agent for transfer.LockDuration and returns
// what to pay and to whom. A wrong code is counted (see
// transfer.MaxPickupCodeFailures) and returned as
// transfer.ErrInvalidPickupCode; too many make it transfer.ErrPickupBlocked.
// Errors: agent.ErrAgentNotFound,
// agent.ErrAgentInactive, agent.ErrCurrency, agent.ErrPayoutLimit (the agent
// cannot pay this amount now), transfer.ErrTransferNotFound,
// transfer.ErrInvalidPickupCode, transfer.ErrPickupLocked,
// transfer.ErrPickupExpired, transfer.ErrAlreadyPaid, transfer.ErrPickupBlocked,
// transfer.ErrWrongPayoutMethod, transfer.ErrInvalidTransition, or store
// errors.
func (s *Service) LookupPickup(ctx context.Context, agentID, id, code string) (PickupView, error) {
	if err := s.canPayOut(ctx, agentID, id); err != nil {
		return PickupView{}, err
	}
	cmdID := command.DeriveID(id, "lock", agentID, s.clock.Now().UTC().String(), transfer.HashPickupCode(id, code))
	v, res, err := s.runResult(ctx, id, cmdID, "agent:"+agentID, transfer.LockPickup{AgentID: agentID, Code: code})
	if err == nil {
		err = wrongCode(res)
	}
	if err != nil {
		return PickupView{}, err
	}
	return PickupView{
		TransferID: v.ID, RecipientName: v.Recipient.Name, Country: v.Recipient.Country,
		Amount: v.Quote.Receive, LockedUntil: v.Pickup.LockedUntil, Position: v.Position,
	}, nil
}

// CompleteCashPickup records that the agent holding the lock paid the
// recipient after checking their identity document (type and number; only a
// hash of the number is stored). The process manager then settles and
// completes the transfer. Errors: those of LookupPickup plus
// transfer.ErrPickupNotLocked and transfer.ErrInvalidCommand. Repeating the
// same completion returns the transfer unchanged.
func (s *Service) CompleteCashPickup(ctx context.Context, agentID, id, code, idType, idNumber string) (View, error) {
	if err := s.canPayOut(ctx, agentID, id); err != nil {
		if errors.Is(err, transfer.ErrAlreadyPaid) {
			return s.completedBy(ctx, agentID, id, idType, idNumber)
		}
		return View{}, err
	}
	cmdID := command.DeriveID(id, "pay-pickup", agentID, s.clock.Now().UTC().String(),
		transfer.HashPickupCode(id, code), transfer.HashIDNumber(id, idType, idNumber))
	v, res, err := s.runResult(ctx, id, cmdID, "agent:"+agentID, transfer.PayPickup{AgentID: agentID, Code: code, IDType: idType, IDNumber: idNumber})
	if err == nil {
		err = wrongCode(res)
	}
	if err != nil {
		return View{}, err
	}
	return v, nil
}

// canPayOut checks that the agent may pay the transfer's receive amount in
// cash now (agent.CanPayOut) and that the transfer is not paid yet.
func (s *Service) canPayOut(ctx context.Context, agentID, id string) error {
	v, err := s.view(ctx, id, eventstore.Position{})
	if err != nil {
		return err
	}
	if v.Paid != nil {
		return fmt.Errorf("%w: %s", transfer.ErrAlreadyPaid, id)
	}
	as, _, _, err := command.Load(ctx, s.store, agent.Aggregate, agentID)
	if err != nil {
		return err
	}
	return agent.CanPayOut(as, v.Quote.Receive, s.clock.Now())
}

// completedBy returns the transfer when this agent already paid it with the
// same identity document, and transfer.ErrAlreadyPaid otherwise.
func (s *Service) completedBy(ctx context.Context, agentID, id, idType, idNumber string) (View, error) {
	v, err := s.view(ctx, id, eventstore.Position{})
	if err != nil {
		return View{}, err
	}
	if v.Paid.AgentID == agentID && v.Paid.IDNumberHash == transfer.HashIDNumber(id, idType, idNumber) {
		return v, nil
	}
	return View{}, fmt.Errorf("%w: %s", transfer.ErrAlreadyPaid, id)
}

// ReleaseTransfer releases a held transfer by a compliance decision; when
// the service's Gate is a CaseDecider (Compliance), the transfer's open
// compliance cases are decided first. Errors: transfer.ErrTransferNotFound,
// transfer.ErrInvalidCommand (staff or reason missing),
// transfer.ErrInvalidTransition (not held), compliance errors, or store
// errors.
func (s *Service) ReleaseTransfer(ctx context.Context, staff, id, reason string) (View, error) {
	return s.decide(ctx, staff, id, reason, true)
}

// RejectTransfer rejects a held transfer by a compliance decision; it was
// never funded, so nothing is refunded. Errors as for ReleaseTransfer.
func (s *Service) RejectTransfer(ctx context.Context, staff, id, reason string) (View, error) {
	return s.decide(ctx, staff, id, reason, false)
}

func (s *Service) decide(ctx context.Context, staff, id, reason string, release bool) (View, error) {
	v, err := s.view(ctx, id, eventstore.Position{})
	if err != nil {
		return View{}, err
	}
	var c transfer.Command = transfer.Reject{By: staff, Reason: reason}
	name := "reject"
	if release {
		c, name = transfer.Release{By: staff, Reason: reason}, "release"
	}
	// Refuse before recording anything when the transfer is not held.
	if _, err := transfer.Decide(v.State, c, s.clock.Now()); err != nil {
		return View{}, err
	}
	if d, ok := s.gate.(CaseDecider); ok {
		if err := d.DecideCases(ctx, v.State, release, staff, reason); err != nil {
			return View{}, err
		}
	}
	return s.run(ctx, id, command.DeriveID(id, name, staff, reason), "staff:"+staff, c)
}
