package httpapi

import (
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/quote"
	fxrates "github.com/remitflow/remitflow/fx-rates"
)

// quoteRequest asks for a price: exactly one of send_amount (fixed-send) or
// receive_amount (fixed-receive).
type quoteRequest struct {
	SendCurrency    string `json:"send_currency"`
	ReceiveCurrency string `json:"receive_currency"`
	SendAmount      string `json:"send_amount,omitempty"`
	ReceiveAmount   string `json:"receive_amount,omitempty"`
}

// quoteResponse is a quote as the API shows it: every figure explained.
type quoteResponse struct {
	ID           string       `json:"id"`
	CustomerID   string       `json:"customer_id"`
	Mode         string       `json:"mode"`
	Pair         string       `json:"pair"`
	MidRate      string       `json:"mid_rate"`
	CustomerRate string       `json:"customer_rate"`
	MarginBps    int64        `json:"margin_bps"`
	Fees         []quote.Fee  `json:"fees"`
	TotalFee     money.Amount `json:"total_fee"`
	Send         money.Amount `json:"send"`
	Receive      money.Amount `json:"receive"`
	ExpiresAt    time.Time    `json:"expires_at"`
	Accepted     bool         `json:"accepted"`
	TransferID   string       `json:"transfer_id,omitempty"`
}

func quoteView(s quote.State) quoteResponse {
	q := s.Quote
	return quoteResponse{
		ID: q.QuoteID, CustomerID: q.CustomerID, Mode: string(q.Mode), Pair: q.Pair.String(),
		MidRate: q.MidRate.String(), CustomerRate: q.CustomerRate.String(), MarginBps: q.MarginBps,
		Fees: q.Fees, TotalFee: q.TotalFee(), Send: q.Send, Receive: q.Receive, ExpiresAt: q.ExpiresAt,
		Accepted: s.AcceptedBy != "", TransferID: s.AcceptedBy,
	}
}

func (s *Server) createQuote(c echo.Context) error {
	var req quoteRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	send, err := money.ParseCurrency(req.SendCurrency)
	if err != nil {
		return BadRequest("unknown_currency", "send_currency: "+err.Error())
	}
	receive, err := money.ParseCurrency(req.ReceiveCurrency)
	if err != nil {
		return BadRequest("unknown_currency", "receive_currency: "+err.Error())
	}
	now := s.d.Clock.Now()
	var priced fxrates.Quote
	switch {
	case req.SendAmount != "" && req.ReceiveAmount != "":
		return BadRequest("invalid_quote_request", "give send_amount or receive_amount, not both")
	case req.SendAmount != "":
		amt, err := parseAmount("send_amount", req.SendAmount, string(send))
		if err != nil {
			return err
		}
		priced, err = s.d.Pricer.QuoteFixedSend(amt, receive, now)
		if err != nil {
			return err
		}
	case req.ReceiveAmount != "":
		amt, err := parseAmount("receive_amount", req.ReceiveAmount, string(receive))
		if err != nil {
			return err
		}
		priced, err = s.d.Pricer.QuoteFixedReceive(send, amt, now)
		if err != nil {
			return err
		}
	default:
		return BadRequest("invalid_quote_request", "send_amount or receive_amount is required")
	}
	p := principal(c)
	if err := s.requireCustomer(c, p.Subject); err != nil {
		return err
	}
	id := "q_" + uuid.NewString()
	issue := issueFromPriced(id, p, priced)
	res, err := run(s, c, quote.Aggregate, id, id, quote.Command(issue))
	if err != nil {
		return err
	}
	st, _, _, err := command.Load(c.Request().Context(), s.d.Store, quote.Aggregate, id)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", "/v1/quotes/"+id)
	c.Response().Header().Set("X-Event-Position", res.Position.String())
	return c.JSON(http.StatusCreated, quoteView(st))
}

// issueFromPriced maps a priced quote onto the quote aggregate's Issue: the
// customer pays TotalCharged (fees included).
func issueFromPriced(id string, p Principal, q fxrates.Quote) quote.Issue {
	fees := []quote.Fee{}
	if q.Fees.Fixed.IsPositive() {
		fees = append(fees, quote.Fee{Name: "fixed", Amount: q.Fees.Fixed})
	}
	if q.Fees.PercentAmount.IsPositive() {
		fees = append(fees, quote.Fee{Name: "percentage", Amount: q.Fees.PercentAmount})
	}
	mode := quote.FixedSend
	if q.Kind == fxrates.FixedReceive {
		mode = quote.FixedReceive
	}
	return quote.Issue{
		Meta:       quote.Meta{ID: id, Actor: p.Actor()},
		QuoteID:    id,
		CustomerID: p.Subject,
		Pair:       quote.Pair{Send: q.Pair.Base, Receive: q.Pair.Quote},
		MidRate:    q.MidRate.Mid, CustomerRate: q.CustomerRate,
		MarginBps: q.MarginBps.Round(0).IntPart(),
		Fees:      fees,
		Send:      q.TotalCharged, Receive: q.Receive, ReceiveUnit: q.ReceiveUnit,
		Mode: mode, ExpiresAt: q.ExpiresAt,
		RateRef: q.MidRate.Source + "@" + q.RateAsOf.UTC().Format(time.RFC3339),
	}
}

func (s *Server) getQuote(c echo.Context) error {
	id := c.Param("id")
	st, _, ok, err := command.Load(c.Request().Context(), s.d.Store, quote.Aggregate, id)
	if err != nil {
		return err
	}
	p := principal(c)
	if !ok || (p.Role == RoleCustomer && st.Quote.CustomerID != p.Subject) {
		return NotFound("no quote " + id)
	}
	return c.JSON(http.StatusOK, quoteView(st))
}

type corridorResponse struct {
	Send       money.Currency `json:"send_currency"`
	Receive    money.Currency `json:"receive_currency"`
	MarginBps  string         `json:"margin_bps"`
	FixedFee   money.Amount   `json:"fixed_fee"`
	FeePercent string         `json:"fee_percent"`
	MinSend    money.Amount   `json:"min_send"`
	MaxSend    money.Amount   `json:"max_send"`
	QuoteTTL   string         `json:"quote_ttl"`
}

func (s *Server) listCorridors(c echo.Context) error {
	out := []corridorResponse{}
	for _, k := range s.d.Pricer.Corridors() {
		out = append(out, corridorResponse{
			Send: k.Send, Receive: k.Receive, MarginBps: k.MarginBps.String(),
			FixedFee:   money.Amount{Value: k.FixedFee, Currency: k.Send},
			FeePercent: k.FeePercent.String(),
			MinSend:    money.Amount{Value: k.MinSend, Currency: k.Send},
			MaxSend:    money.Amount{Value: k.MaxSend, Currency: k.Send},
			QuoteTTL:   time.Duration(k.QuoteTTL).String(),
		})
	}
	return c.JSON(http.StatusOK, map[string]any{"corridors": out})
}

type rateResponse struct {
	Pair   string    `json:"pair"`
	Mid    string    `json:"mid"`
	Source string    `json:"source"`
	AsOf   time.Time `json:"as_of"`
}

// getRate returns the mid rate of base/quote, latest or as of an instant.
func (s *Server) getRate(c echo.Context) error {
	base, err := money.ParseCurrency(c.QueryParam("base"))
	if err != nil {
		return BadRequest("unknown_currency", "base: "+err.Error())
	}
	quoteCcy, err := money.ParseCurrency(c.QueryParam("quote"))
	if err != nil {
		return BadRequest("unknown_currency", "quote: "+err.Error())
	}
	pair := fxrates.Pair{Base: base, Quote: quoteCcy}
	var r fxrates.Rate
	if at := c.QueryParam("as_of"); at != "" {
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return BadRequest("invalid_time", "as_of must be RFC 3339, e.g. 2026-11-21T10:00:00Z")
		}
		r, err = s.d.Rates.AsOf(pair, t)
		if err != nil {
			return err
		}
	} else {
		r, err = s.d.Rates.Latest(pair, s.d.Clock.Now())
		if err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, rateResponse{Pair: pair.String(), Mid: r.Mid.String(), Source: r.Source, AsOf: r.AsOf})
}
