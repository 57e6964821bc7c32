package httpapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
	"github.com/remitflow/remitflow/domain/process"
	"github.com/remitflow/remitflow/domain/transfer"
)

type recipientJSON struct {
	Method   string `json:"method"`
	Name     string `json:"name"`
	MSISDN   string `json:"msisdn,omitempty"`
	Provider string `json:"provider,omitempty"`
	Country  string `json:"country"`
}

type transferRequest struct {
	QuoteID   string        `json:"quote_id"`
	Recipient recipientJSON `json:"recipient"`
	Purpose   string        `json:"purpose"`
}

type amountsJSON struct {
	Send         money.Amount `json:"send"`
	Fee          money.Amount `json:"fee"`
	Total        money.Amount `json:"total"`
	Receive      money.Amount `json:"receive"`
	CustomerRate string       `json:"customer_rate"`
	MidRate      string       `json:"mid_rate"`
}

type transferResponse struct {
	ID          string        `json:"id"`
	Status      string        `json:"status"`
	SenderID    string        `json:"sender_id"`
	QuoteID     string        `json:"quote_id"`
	Recipient   recipientJSON `json:"recipient"`
	Amounts     amountsJSON   `json:"amounts"`
	Purpose     string        `json:"purpose"`
	RequestedAt time.Time     `json:"requested_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
	// PaidAt is set once the recipient was paid.
	PaidAt *time.Time `json:"paid_at,omitempty"`
	// Refund is set once the sender was refunded.
	Refund *money.Amount `json:"refund,omitempty"`
	// Staff-only detail.
	InternalStatus string             `json:"internal_status,omitempty"`
	Hits           []transfer.Hit     `json:"hits,omitempty"`
	CaseID         string             `json:"case_id,omitempty"`
	Attempts       []transfer.Attempt `json:"attempts,omitempty"`
	FailureReason  string             `json:"failure_reason,omitempty"`
	Decision       string             `json:"decision,omitempty"`
	Position       string             `json:"position"`
}

func transferView(s transfer.State, pub transfer.Public, staff bool, pos string) transferResponse {
	out := transferResponse{
		ID: s.ID, Status: string(pub), SenderID: s.SenderID, QuoteID: s.Quote.QuoteID,
		Recipient: recipientJSON{Method: string(s.Recipient.Method), Name: s.Recipient.Name, MSISDN: s.Recipient.MSISDN,
			Provider: string(s.Recipient.Provider), Country: s.Recipient.Country},
		Amounts: amountsJSON{Send: s.Quote.Send, Fee: s.Quote.Fee, Total: s.Quote.Total, Receive: s.Quote.Receive,
			CustomerRate: s.Quote.CustomerRate.String(), MidRate: s.Quote.MidRate.String()},
		Purpose: s.Purpose, RequestedAt: s.RequestedAt, UpdatedAt: s.UpdatedAt, Position: pos,
	}
	if s.Paid != nil {
		at := s.Paid.At
		out.PaidAt = &at
	}
	if s.Refunded {
		r := s.RefundAmount
		out.Refund = &r
	}
	if staff {
		out.InternalStatus = string(s.Status)
		out.Hits, out.CaseID, out.Attempts = s.Hits, s.CaseID, s.Attempts
		out.FailureReason = s.FailureReason
		if s.DecisionBy != "" {
			out.Decision = s.DecisionBy + ": " + s.DecisionReason
		}
	}
	return out
}

func (s *Server) respondTransfer(c echo.Context, status int, v process.View) error {
	p := principal(c)
	staff := p.Role == RoleCompliance || p.Role == RoleAdmin
	c.Response().Header().Set("X-Event-Position", v.Position.String())
	return c.JSON(status, transferView(v.State, v.Public, staff, v.Position.String()))
}

func (s *Server) createTransfer(c echo.Context) error {
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	if key == "" {
		return BadRequest("idempotency_key_required", "POST /v1/transfers needs an Idempotency-Key header (a fresh UUID per transfer)")
	}
	var req transferRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	p := principal(c)
	v, err := s.d.Service.RequestTransfer(c.Request().Context(), process.TransferRequest{
		SenderID: p.Subject, QuoteID: req.QuoteID, Purpose: req.Purpose, IdempotencyKey: key,
		Recipient: transfer.Recipient{
			Method: transfer.Method(req.Recipient.Method), Name: req.Recipient.Name, MSISDN: req.Recipient.MSISDN,
			Provider: payout.Provider(req.Recipient.Provider), Country: req.Recipient.Country,
		},
	})
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", "/v1/transfers/"+v.ID)
	return s.respondTransfer(c, http.StatusCreated, v)
}

func (s *Server) getTransfer(c echo.Context) error {
	p := principal(c)
	var v process.View
	var err error
	if p.Role == RoleCustomer {
		v, err = s.d.Service.GetCustomerTransfer(c.Request().Context(), p.Subject, c.Param("id"))
	} else {
		v, err = s.d.Service.GetTransfer(c.Request().Context(), c.Param("id"))
	}
	if err != nil {
		return err
	}
	return s.respondTransfer(c, http.StatusOK, v)
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) cancelTransfer(c echo.Context) error {
	var req reasonRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	if req.Reason == "" {
		req.Reason = "cancelled by sender"
	}
	v, err := s.d.Service.CancelTransfer(c.Request().Context(), principal(c).Subject, c.Param("id"), req.Reason)
	if err != nil {
		return err
	}
	return s.respondTransfer(c, http.StatusOK, v)
}

func (s *Server) releaseTransfer(c echo.Context) error { return s.decide(c, true) }
func (s *Server) rejectTransfer(c echo.Context) error  { return s.decide(c, false) }

func (s *Server) decide(c echo.Context, release bool) error {
	var req reasonRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	if req.Reason == "" {
		return BadRequest("reason_required", "a compliance decision needs a reason")
	}
	staff := principal(c).Subject
	var v process.View
	var err error
	if release {
		v, err = s.d.Service.ReleaseTransfer(c.Request().Context(), staff, c.Param("id"), req.Reason)
	} else {
		v, err = s.d.Service.RejectTransfer(c.Request().Context(), staff, c.Param("id"), req.Reason)
	}
	if err != nil {
		return err
	}
	return s.respondTransfer(c, http.StatusOK, v)
}

type pickupRequest struct {
	Code     string `json:"code"`
	IDType   string `json:"id_type,omitempty"`
	IDNumber string `json:"id_number,omitempty"`
}

type pickupResponse struct {
	TransferID    string       `json:"transfer_id"`
	RecipientName string       `json:"recipient_name"`
	Country       string       `json:"country"`
	Amount        money.Amount `json:"amount"`
	LockedUntil   time.Time    `json:"locked_until"`
}

func (s *Server) lookupPickup(c echo.Context) error {
	var req pickupRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	if req.Code == "" {
		return BadRequest("code_required", "the recipient's pickup code is required")
	}
	v, err := s.d.Service.LookupPickup(c.Request().Context(), principal(c).Subject, c.Param("id"), req.Code)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pickupResponse{TransferID: v.TransferID, RecipientName: v.RecipientName,
		Country: v.Country, Amount: v.Amount, LockedUntil: v.LockedUntil})
}

func (s *Server) payPickup(c echo.Context) error {
	var req pickupRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	if req.Code == "" || req.IDType == "" || req.IDNumber == "" {
		return BadRequest("identity_required", "code, id_type and id_number are required: check the recipient's identity document")
	}
	v, err := s.d.Service.CompleteCashPickup(c.Request().Context(), principal(c).Subject, c.Param("id"), req.Code, req.IDType, req.IDNumber)
	if err != nil {
		return err
	}
	return s.respondTransfer(c, http.StatusOK, v)
}

// PickupCodes gives a cash pickup's code to its sender, who passes it on to
// the recipient. Codes are derived from a secret, never stored.
type PickupCodes interface {
	PickupCodeFor(transferID string) (string, error)
}

// pickupCode: GET /v1/transfers/:id/pickup-code — for the sender of a cash
// pickup transfer, once the code has been issued.
func (s *Server) pickupCode(c echo.Context) error {
	p := principal(c)
	v, err := s.d.Service.GetCustomerTransfer(c.Request().Context(), p.Subject, c.Param("id"))
	if err != nil {
		return err
	}
	if v.Recipient.Method != transfer.CashPickup || v.Pickup == nil || s.d.PickupCodes == nil {
		return NotFound("transfer " + v.ID + " has no pickup code (not a cash pickup, or not funded yet)")
	}
	code, err := s.d.PickupCodes.PickupCodeFor(v.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"transfer_id": v.ID, "code": code})
}
