package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/remitflow/remitflow/domain/ledger"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/transfer"
	"github.com/remitflow/remitflow/projections"
)

// listTransfers: GET /v1/transfers — a customer's own transfers, newest
// first, paged by cursor; staff pass customer_id, or status for a queue.
func (s *Server) listTransfers(c echo.Context) error {
	p := principal(c)
	limit := 20
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return BadRequest("invalid_limit", "limit must be a whole number from 1 to 100")
		}
		limit = n
	}
	staff := p.Role != RoleCustomer
	customerID := c.QueryParam("customer_id")
	if !staff {
		if customerID != "" && customerID != p.Subject {
			return Forbidden("customers may list only their own transfers")
		}
		customerID = p.Subject
	}
	if status := c.QueryParam("status"); status != "" && staff && customerID == "" {
		views, err := s.d.Reads.Transfers.ByStatus(transfer.Status(status))
		if err != nil {
			return BadRequest("invalid_status", err.Error())
		}
		out := make([]transferResponse, 0, len(views))
		for _, v := range views {
			out = append(out, transferView(v.State, v.Public, true, v.Position.String()))
		}
		return c.JSON(http.StatusOK, map[string]any{"items": out})
	}
	if customerID == "" {
		return BadRequest("customer_id_required", "staff must give customer_id or status")
	}
	page, err := s.d.Reads.Transfers.ByCustomer(customerID, c.QueryParam("cursor"), limit)
	if err != nil {
		return err
	}
	out := make([]transferResponse, 0, len(page.Items))
	for _, v := range page.Items {
		out = append(out, transferView(v.State, v.Public, staff, v.Position.String()))
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out, "next": page.Next})
}

// timeline: GET /v1/transfers/:id/timeline — what happened, when, by whom.
func (s *Server) timeline(c echo.Context) error {
	p := principal(c)
	id := c.Param("id")
	var err error
	if p.Role == RoleCustomer {
		_, err = s.d.Reads.Transfers.GetForCustomer(p.Subject, id)
	} else {
		_, err = s.d.Reads.Transfers.Get(id)
	}
	if err != nil {
		return err
	}
	entries, err := s.d.Reads.Transfers.Timeline(id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"transfer_id": id, "events": entries})
}

// transferAsOf: GET /v1/compliance/transfers/:id?as_of= — the transfer as it
// stood at an instant.
func (s *Server) transferAsOf(c echo.Context) error {
	at, err := s.asOfParam(c)
	if err != nil {
		return err
	}
	v, err := s.d.Reads.Transfers.AsOf(c.Param("id"), at)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, transferView(v.State, v.Public, true, v.Position.String()))
}

// CustomerTransferIDs lists every transfer a customer sent.
func customerTransferIDs(t *projections.Transfers, customerID string) []string {
	var ids []string
	cursor := ""
	for {
		page, err := t.ByCustomer(customerID, cursor, 100)
		if err != nil {
			return ids
		}
		for _, v := range page.Items {
			ids = append(ids, v.ID)
		}
		if page.Next == "" {
			return ids
		}
		cursor = page.Next
	}
}

func (s *Server) heldQueue(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"items": s.d.Reads.Compliance.HeldQueue()})
}

type balancesResponse struct {
	CustomerID string                  `json:"customer_id"`
	AsOf       *time.Time              `json:"as_of,omitempty"`
	Available  []money.Amount          `json:"available"`
	Reserved   []money.Amount          `json:"reserved"`
	In         *projections.Conversion `json:"in,omitempty"`
	Position   string                  `json:"position"`
}

// getBalances: GET /v1/customers/:id/balances?in=USD&as_of= — the wallet's
// balances from the ledger read model, optionally converted at the rates in
// force at the instant.
func (s *Server) getBalances(c echo.Context) error {
	id := c.Param("id")
	if err := ownerOrStaff(c, id); err != nil {
		return err
	}
	if err := s.requireCustomer(c, id); err != nil {
		return err
	}
	avail, reserved := ledger.CustomerAvailable(id), ledger.CustomerReserved(id)
	out := balancesResponse{CustomerID: id, Position: s.d.Runner.Position().String()}
	var at time.Time
	if v := c.QueryParam("as_of"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return BadRequest("invalid_time", "as_of must be RFC 3339, e.g. 2026-11-21T10:00:00Z")
		}
		at = t
		out.AsOf = &at
		out.Available, out.Reserved = s.d.Reads.Balances.AccountAsOf(avail, at), s.d.Reads.Balances.AccountAsOf(reserved, at)
	} else {
		out.Available, out.Reserved = s.d.Reads.Balances.Account(avail), s.d.Reads.Balances.Account(reserved)
	}
	if in := c.QueryParam("in"); in != "" {
		cur, err := money.ParseCurrency(in)
		if err != nil {
			return BadRequest("unknown_currency", "in: "+err.Error())
		}
		var conv projections.Conversion
		if at.IsZero() {
			conv, err = s.d.Reads.FX.Account(avail, cur)
		} else {
			conv, err = s.d.Reads.FX.AccountAsOf(avail, cur, at)
		}
		if err != nil {
			return err
		}
		out.In = &conv
	}
	if out.Available == nil {
		out.Available = []money.Amount{}
	}
	if out.Reserved == nil {
		out.Reserved = []money.Amount{}
	}
	return c.JSON(http.StatusOK, out)
}

// corridorStats: GET /v1/corridors/stats?corridor=USD-KES&from=&to=&in= —
// volume, fees and FX margin per day, optionally converted.
func (s *Server) corridorStats(c echo.Context) error {
	cor, err := projections.ParseCorridor(c.QueryParam("corridor"))
	if err != nil {
		return BadRequest("invalid_corridor", err.Error())
	}
	now := s.d.Clock.Now()
	from, to := now.AddDate(0, 0, -30), now
	for name, dst := range map[string]*time.Time{"from": &from, "to": &to} {
		if v := c.QueryParam(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return BadRequest("invalid_time", name+" must be RFC 3339")
			}
			*dst = t
		}
	}
	days, err := s.d.Reads.Corridors.Days(cor, from, to)
	if err != nil {
		return err
	}
	out := map[string]any{"corridor": cor, "from": from, "to": to, "days": days}
	if in := c.QueryParam("in"); in != "" {
		cur, err := money.ParseCurrency(in)
		if err != nil {
			return BadRequest("unknown_currency", "in: "+err.Error())
		}
		conv, err := s.d.Reads.FX.CorridorLatest(cor, from, to, cur)
		if err != nil {
			return err
		}
		out["in"] = conv
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) agentCashOuts(c echo.Context) error {
	id := c.Param("id")
	if p := principal(c); p.Role == RoleAgent && p.Subject != id {
		return NotFound("no agent " + id)
	}
	outs, err := s.d.Reads.Agents.CashOuts(id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"agent_id": id, "cash_outs": outs})
}
