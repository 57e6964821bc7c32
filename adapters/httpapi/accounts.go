package httpapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/remitflow/remitflow/adapters/pii"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/wallet"
)

// commandID derives a command's ID from the request's Idempotency-Key when it
// has one (a retry is then the same command), else a fresh one.
func commandID(c echo.Context, op, id string) string {
	if key := c.Request().Header.Get(IdempotencyHeader); key != "" {
		return command.DeriveID(op, id, principal(c).Actor(), key)
	}
	return command.DeriveID(op, id, uuid.NewString())
}

// run runs one command for the caller and returns its result.
func run[S, C any](s *Server, c echo.Context, agg command.Aggregate[S, C], id, cmdID string, cmd C) (command.Result, error) {
	return command.Handle(c.Request().Context(), s.d.Store, agg, id, cmd, command.CommandMeta{
		CommandID: cmdID, CorrelationID: requestID(c), Actor: principal(c).Actor(), Clock: s.d.Clock,
	})
}

// requireCustomer returns ErrCustomerNotFound's problem for an unknown customer.
func (s *Server) requireCustomer(c echo.Context, id string) error {
	st, _, ok, err := command.Load(c.Request().Context(), s.d.Store, customer.Aggregate, id)
	if err != nil {
		return err
	}
	if !ok || !st.Registered {
		return NotFound("no customer " + id)
	}
	return nil
}

func (s *Server) getWallet(c echo.Context) error {
	id := c.Param("id")
	if err := ownerOrStaff(c, id); err != nil {
		return err
	}
	if err := s.requireCustomer(c, id); err != nil {
		return err
	}
	return s.respondWallet(c, id, "")
}

func (s *Server) respondWallet(c echo.Context, id, pos string) error {
	st, _, _, err := command.Load(c.Request().Context(), s.d.Store, wallet.Aggregate, id)
	if err != nil {
		return err
	}
	st.CustomerID = id
	return c.JSON(http.StatusOK, walletView(st, pos))
}

type tierRequest struct {
	Tier   int    `json:"tier"`
	Reason string `json:"reason"`
}

// changeTier: POST /v1/customers/:id/tier — a KYC tier change by staff.
func (s *Server) changeTier(c echo.Context) error {
	id := c.Param("id")
	var req tierRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	p := principal(c)
	cmdID := commandID(c, "customer.tier", id)
	if _, err := run(s, c, customer.Aggregate, id, cmdID, customer.Command(customer.ChangeTier{
		Meta: customer.Meta{ID: cmdID, Actor: p.Actor()}, CustomerID: id, Tier: customer.Tier(req.Tier), Reason: req.Reason,
	})); err != nil {
		return err
	}
	return s.respondCustomer(c, http.StatusOK, id)
}

func (s *Server) blockCustomer(c echo.Context) error   { return s.setBlocked(c, true) }
func (s *Server) unblockCustomer(c echo.Context) error { return s.setBlocked(c, false) }

func (s *Server) setBlocked(c echo.Context, block bool) error {
	id := c.Param("id")
	var req reasonRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	if req.Reason == "" {
		return BadRequest("reason_required", "blocking or unblocking a customer needs a reason")
	}
	p := principal(c)
	var cmd customer.Command
	cmdID := commandID(c, "customer.block", id)
	if block {
		cmd = customer.Block{Meta: customer.Meta{ID: cmdID, Actor: p.Actor()}, CustomerID: id, Reason: req.Reason}
	} else {
		cmdID = commandID(c, "customer.unblock", id)
		cmd = customer.Unblock{Meta: customer.Meta{ID: cmdID, Actor: p.Actor()}, CustomerID: id, Reason: req.Reason}
	}
	if _, err := run(s, c, customer.Aggregate, id, cmdID, cmd); err != nil {
		return err
	}
	return s.respondCustomer(c, http.StatusOK, id)
}

// eraseCustomer: POST /v1/customers/:id/erase — forgets the customer's
// personal data by destroying their key; the events and their hashes stay.
func (s *Server) eraseCustomer(c echo.Context) error {
	id := c.Param("id")
	if err := s.requireCustomer(c, id); err != nil {
		return err
	}
	// Transfers in flight still need the recipient's details to be paid or
	// refunded: erase once they are final.
	for _, tid := range customerTransferIDs(s.d.Reads.Transfers, id) {
		v, err := s.d.Service.GetTransfer(c.Request().Context(), tid)
		if err != nil {
			return err
		}
		if !v.Final() {
			return &Error{Status: http.StatusConflict, Code: "transfers_in_flight", Title: "Conflict",
				Detail: "customer " + id + " has transfer " + tid + " in flight; erase once every transfer is final"}
		}
	}
	if err := s.d.Vault.Forget(id); err != nil && !errors.Is(err, pii.ErrForgotten) {
		return err
	}
	s.log.InfoContext(c.Request().Context(), "customer personal data erased", "customer", id, "by", principal(c).Actor())
	return s.respondCustomer(c, http.StatusOK, id)
}

type creditLineRequest struct {
	Limit money.Amount `json:"limit"`
}

// approveCreditLine: POST /v1/customers/:id/credit-line — "send now, pay
// later": transfers may draw up to the limit when the wallet is short.
func (s *Server) approveCreditLine(c echo.Context) error {
	id := c.Param("id")
	var req creditLineRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	if err := s.requireCustomer(c, id); err != nil {
		return err
	}
	cmdID := command.DeriveID("wallet.credit-line", id, req.Limit.String())
	res, err := run(s, c, wallet.Aggregate, id, cmdID, wallet.Command(wallet.ApproveCreditLine{
		Meta: wallet.Meta{ID: cmdID, Actor: principal(c).Actor()}, CustomerID: id, Limit: req.Limit,
	}))
	if err != nil {
		return err
	}
	return s.respondWallet(c, id, res.Position.String())
}

type repayRequest struct {
	Amount     money.Amount `json:"amount"`
	Source     string       `json:"source"`
	FundingRef string       `json:"funding_ref,omitempty"`
}

// repayCredit: POST /v1/customers/:id/credit/repay — from the wallet's
// available balance ("available") or an incoming payment ("external").
func (s *Server) repayCredit(c echo.Context) error {
	id := c.Param("id")
	var req repayRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	src := wallet.RepaySource(req.Source)
	if src != wallet.SourceAvailable && src != wallet.SourceExternal {
		return BadRequest("invalid_source", `source must be "available" or "external"`)
	}
	if src == wallet.SourceExternal && req.FundingRef == "" {
		return BadRequest("funding_ref_required", "an external repayment needs the incoming payment's funding_ref")
	}
	if err := s.requireCustomer(c, id); err != nil {
		return err
	}
	cmdID := commandID(c, "wallet.repay", id)
	if req.FundingRef != "" {
		cmdID = command.DeriveID("wallet.repay", id, req.FundingRef)
	}
	res, err := run(s, c, wallet.Aggregate, id, cmdID, wallet.Command(wallet.RepayCredit{
		Meta: wallet.Meta{ID: cmdID, Actor: principal(c).Actor()}, CustomerID: id, Amount: req.Amount, Source: src, FundingRef: req.FundingRef,
	}))
	if err != nil {
		return err
	}
	return s.respondWallet(c, id, res.Position.String())
}

type planRequest struct {
	DueDates []time.Time `json:"due_dates"`
}

// createPlan: POST /v1/customers/:id/credit/plan — split the drawn credit
// into installments due on the given dates.
func (s *Server) createPlan(c echo.Context) error {
	id := c.Param("id")
	var req planRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	if err := s.requireCustomer(c, id); err != nil {
		return err
	}
	cmdID := commandID(c, "wallet.plan", id)
	res, err := run(s, c, wallet.Aggregate, id, cmdID, wallet.Command(wallet.CreateInstallmentPlan{
		Meta: wallet.Meta{ID: cmdID, Actor: principal(c).Actor()}, CustomerID: id, DueDates: req.DueDates,
	}))
	if err != nil {
		return err
	}
	return s.respondWallet(c, id, res.Position.String())
}
