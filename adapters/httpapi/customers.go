package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/remitflow/remitflow/adapters/pii"
	"github.com/remitflow/remitflow/domain/agent"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/wallet"
)

type registerCustomerRequest struct {
	CustomerID string `json:"customer_id,omitempty"`
	Name       string `json:"name"`
	Phone      string `json:"phone"`
	Country    string `json:"country"`
	Tier       int    `json:"tier"`
}

// personal is what the vault encrypts for a customer.
type personal struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

type customerResponse struct {
	ID           string    `json:"id"`
	Country      string    `json:"country"`
	Tier         int       `json:"tier"`
	Blocked      bool      `json:"blocked"`
	RegisteredAt time.Time `json:"registered_at"`
	// Name and Phone are decrypted from the vault; Forgotten is true when the
	// customer's key was erased.
	Name      string `json:"name,omitempty"`
	Phone     string `json:"phone,omitempty"`
	Forgotten bool   `json:"forgotten,omitempty"`
	// Screening is the registration screening's outcome (on registration only).
	Screening *screeningSummary `json:"screening,omitempty"`
}

// screeningSummary reports a registration screening.
type screeningSummary struct {
	ListVersion string  `json:"list_version"`
	BestScore   float64 `json:"best_score"`
	Hits        int     `json:"hits"`
	CaseID      string  `json:"case_id,omitempty"`
}

const screeningKey = "remitflow.screening"

func (s *Server) registerCustomer(c echo.Context) error {
	var req registerCustomerRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	if req.CustomerID == "" {
		req.CustomerID = "cus_" + uuid.NewString()[:12]
	}
	if req.Name == "" {
		return BadRequest("name_required", "name is required")
	}
	if err := customer.ValidatePhone(req.Phone); err != nil {
		return err
	}
	plain, _ := json.Marshal(personal{Name: req.Name, Phone: req.Phone})
	keyID, ct, err := s.d.Vault.Encrypt(req.CustomerID, plain)
	if errors.Is(err, pii.ErrForgotten) {
		return &Error{Status: http.StatusConflict, Code: "customer_forgotten", Title: "Conflict", Detail: "customer " + req.CustomerID + " was erased and cannot be registered again"}
	}
	if err != nil {
		return err
	}
	p := principal(c)
	cmdID := command.DeriveID("customer.register", req.CustomerID)
	res, err := run(s, c, customer.Aggregate, req.CustomerID, cmdID, customer.Command(customer.Register{
		Meta: customer.Meta{ID: cmdID, Actor: p.Actor()}, CustomerID: req.CustomerID, Country: req.Country,
		Phone: req.Phone, Tier: customer.Tier(req.Tier), PII: customer.EncryptedPII{KeyID: keyID, Ciphertext: ct},
	}))
	if errors.Is(err, command.ErrCommandConflict) {
		return &Error{Status: http.StatusConflict, Code: "customer.already_registered", Title: "Conflict", Detail: "customer " + req.CustomerID + " is already registered"}
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", "/v1/customers/"+req.CustomerID)
	c.Response().Header().Set("X-Event-Position", res.Position.String())
	if s.d.ScreenCustomer != nil {
		// The registration is recorded whatever the screening says; a hit
		// opens a compliance case, and every transfer screens again.
		sr, err := s.d.ScreenCustomer(c.Request().Context(), req.CustomerID)
		if err != nil {
			s.log.WarnContext(c.Request().Context(), "registration screening failed", "customer", req.CustomerID, "err", err)
		} else {
			c.Set(screeningKey, &screeningSummary{ListVersion: sr.ListVersion, BestScore: sr.BestScore, Hits: len(sr.Hits), CaseID: sr.CaseID})
		}
	}
	return s.respondCustomer(c, http.StatusCreated, req.CustomerID)
}

// ownerOrStaff refuses a customer looking at another customer's data; it
// answers 404, not 403, so IDs cannot be probed.
func ownerOrStaff(c echo.Context, customerID string) error {
	p := principal(c)
	if p.Role == RoleCustomer && p.Subject != customerID {
		return NotFound("no customer " + customerID)
	}
	return nil
}

func (s *Server) getCustomer(c echo.Context) error {
	id := c.Param("id")
	if err := ownerOrStaff(c, id); err != nil {
		return err
	}
	return s.respondCustomer(c, http.StatusOK, id)
}

func (s *Server) respondCustomer(c echo.Context, status int, id string) error {
	st, _, ok, err := command.Load(c.Request().Context(), s.d.Store, customer.Aggregate, id)
	if err != nil {
		return err
	}
	if !ok || !st.Registered {
		return NotFound("no customer " + id)
	}
	out := customerResponse{ID: id, Country: st.Country, Tier: int(st.Tier), Blocked: st.Blocked, RegisteredAt: st.RegisteredAt}
	out.Screening, _ = c.Get(screeningKey).(*screeningSummary)
	plain, err := s.d.Vault.Decrypt(st.PII.KeyID, st.PII.Ciphertext)
	switch {
	case errors.Is(err, pii.ErrForgotten):
		out.Forgotten = true
	case err != nil:
		return err
	default:
		var p personal
		if err := json.Unmarshal(plain, &p); err != nil {
			return err
		}
		out.Name, out.Phone = p.Name, p.Phone
	}
	return c.JSON(status, out)
}

type fundRequest struct {
	Amount     money.Amount `json:"amount"`
	FundingRef string       `json:"funding_ref"`
}

type walletResponse struct {
	CustomerID  string         `json:"customer_id"`
	Available   []money.Amount `json:"available"`
	Reserved    []money.Amount `json:"reserved"`
	CreditLimit *money.Amount  `json:"credit_limit,omitempty"`
	CreditDrawn *money.Amount  `json:"credit_drawn,omitempty"`
	// Installments are the latest repayment plan of the drawn credit.
	Installments []installmentJSON `json:"installments,omitempty"`
	Position     string            `json:"position"`
}

type installmentJSON struct {
	Number      int          `json:"number"`
	Due         time.Time    `json:"due"`
	Amount      money.Amount `json:"amount"`
	Outstanding money.Amount `json:"outstanding"`
	Overdue     bool         `json:"overdue"`
}

func (s *Server) fundWallet(c echo.Context) error {
	id := c.Param("id")
	var req fundRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	if req.FundingRef == "" {
		return BadRequest("funding_ref_required", "funding_ref (the incoming payment's reference) is required")
	}
	if _, _, ok, err := command.Load(c.Request().Context(), s.d.Store, customer.Aggregate, id); err != nil {
		return err
	} else if !ok {
		return NotFound("no customer " + id)
	}
	p := principal(c)
	cmdID := command.DeriveID("wallet.fund", id, req.FundingRef)
	res, err := run(s, c, wallet.Aggregate, id, cmdID, wallet.Command(wallet.Fund{
		Meta: wallet.Meta{ID: cmdID, Actor: p.Actor()}, CustomerID: id, FundingRef: req.FundingRef, Amount: req.Amount,
	}))
	if err != nil {
		return err
	}
	st, _, _, err := command.Load(c.Request().Context(), s.d.Store, wallet.Aggregate, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, walletView(st, res.Position.String()))
}

func walletView(st wallet.State, pos string) walletResponse {
	out := walletResponse{CustomerID: st.CustomerID, Available: []money.Amount{}, Reserved: []money.Amount{}, Position: pos}
	for _, cur := range money.Currencies() {
		if v, ok := st.Available[cur]; ok {
			out.Available = append(out.Available, money.Amount{Value: v, Currency: cur})
		}
		if v, ok := st.Reserved[cur]; ok && !v.IsZero() {
			out.Reserved = append(out.Reserved, money.Amount{Value: v, Currency: cur})
		}
	}
	if st.Credit.Approved() {
		limit := st.Credit.Limit
		drawn := money.Amount{Value: st.Credit.Drawn, Currency: limit.Currency}
		out.CreditLimit, out.CreditDrawn = &limit, &drawn
		for _, in := range st.Credit.Plan {
			out.Installments = append(out.Installments, installmentJSON{Number: in.Number, Due: in.Due, Amount: in.Amount,
				Outstanding: in.Outstanding(), Overdue: in.Overdue})
		}
	}
	return out
}

type registerAgentRequest struct {
	AgentID        string       `json:"agent_id"`
	PartnerID      string       `json:"partner_id"`
	Country        string       `json:"country"`
	Currency       string       `json:"currency"`
	MaxPayout      money.Amount `json:"max_payout"`
	DailyCashLimit money.Amount `json:"daily_cash_limit"`
}

type agentResponse struct {
	ID         string       `json:"id"`
	PartnerID  string       `json:"partner_id"`
	Country    string       `json:"country"`
	Active     bool         `json:"active"`
	Float      money.Amount `json:"float"`
	Commission money.Amount `json:"commission"`
	Payouts    int          `json:"payouts"`
	Position   string       `json:"position"`
}

func (s *Server) registerAgent(c echo.Context) error {
	var req registerAgentRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	cur, err := money.ParseCurrency(req.Currency)
	if err != nil {
		return BadRequest("unknown_currency", "currency: "+err.Error())
	}
	p := principal(c)
	cmdID := command.DeriveID("agent.register", req.AgentID)
	res, err := run(s, c, agent.Aggregate, req.AgentID, cmdID, agent.Command(agent.Register{
		Meta: agent.Meta{ID: cmdID, Actor: p.Actor()}, AgentID: req.AgentID, PartnerID: req.PartnerID, Country: req.Country,
		Currency: cur, MaxPayout: req.MaxPayout, DailyCashLimit: req.DailyCashLimit,
	}))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", "/v1/agents/"+req.AgentID)
	return s.respondAgent(c, http.StatusCreated, req.AgentID, res.Position.String())
}

func (s *Server) getAgent(c echo.Context) error {
	id := c.Param("id")
	if p := principal(c); p.Role == RoleAgent && p.Subject != id {
		return NotFound("no agent " + id)
	}
	return s.respondAgent(c, http.StatusOK, id, "")
}

func (s *Server) respondAgent(c echo.Context, status int, id, pos string) error {
	st, _, ok, err := command.Load(c.Request().Context(), s.d.Store, agent.Aggregate, id)
	if err != nil {
		return err
	}
	if !ok || !st.Registered {
		return NotFound("no agent " + id)
	}
	cur := st.Agent.Currency
	return c.JSON(status, agentResponse{
		ID: id, PartnerID: st.Agent.PartnerID, Country: st.Agent.Country, Active: st.Active,
		Float: money.Amount{Value: st.Float, Currency: cur}, Commission: money.Amount{Value: st.Commission, Currency: cur},
		Payouts: len(st.Payouts), Position: pos,
	})
}

type topUpRequest struct {
	Amount     money.Amount `json:"amount"`
	FundingRef string       `json:"funding_ref"`
}

func (s *Server) topUpFloat(c echo.Context) error {
	id := c.Param("id")
	var req topUpRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	if req.FundingRef == "" {
		return BadRequest("funding_ref_required", "funding_ref is required")
	}
	p := principal(c)
	cmdID := command.DeriveID("agent.topup", id, req.FundingRef)
	res, err := run(s, c, agent.Aggregate, id, cmdID, agent.Command(agent.TopUpFloat{
		Meta: agent.Meta{ID: cmdID, Actor: p.Actor()}, AgentID: id, FundingRef: req.FundingRef, Amount: req.Amount,
	}))
	if err != nil {
		return err
	}
	return s.respondAgent(c, http.StatusOK, id, res.Position.String())
}
