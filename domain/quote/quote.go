package quote

import (
	"fmt"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/shopspring/decimal"
)

// Limits on what a quote may promise.
const (
	// MaxValidity is the longest a quote may stay open.
	MaxValidity = 24 * time.Hour
	// MarginToleranceBps is how far the stated margin may be from the one the
	// mid and customer rates imply (rates are rounded by the pricing layer).
	MarginToleranceBps = 1
)

// Mode says which side of the quote the customer fixed.
type Mode string

// Quote modes.
const (
	// FixedSend: the customer chose the send amount; the receive amount follows.
	FixedSend Mode = "fixed_send"
	// FixedReceive: the customer chose the receive amount; the send amount follows.
	FixedReceive Mode = "fixed_receive"
)

// Pair is a corridor's currency pair.
type Pair struct {
	Send    money.Currency `json:"send"`
	Receive money.Currency `json:"receive"`
}

// String formats as "USD/KES".
func (p Pair) String() string { return string(p.Send) + "/" + string(p.Receive) }

// Fee is one named fee charged in the send currency ("fixed", "percentage").
type Fee struct {
	Name   string       `json:"name"`
	Amount money.Amount `json:"amount"`
}

// Meta identifies a command and who issued it. Every command embeds it.
type Meta struct {
	// ID is the command ID (the same as command.CommandMeta.CommandID).
	ID string
	// Actor names who asks: "customer:cus_1", "system:pricing".
	Actor string
}

// CommandID returns the command ID.
func (m Meta) CommandID() string { return m.ID }

// CommandActor returns the actor.
func (m Meta) CommandActor() string { return m.Actor }

// Command is a request to the quote aggregate: Issue or Accept.
type Command interface {
	CommandID() string
	CommandActor() string
	// QuoteRef is the quote the command addresses.
	QuoteRef() string
	quoteCommand()
}

// Issue records a quote priced by the pricing layer.
type Issue struct {
	Meta
	QuoteID      string
	CustomerID   string
	Pair         Pair
	MidRate      decimal.Decimal
	CustomerRate decimal.Decimal
	MarginBps    int64
	Fees         []Fee
	// Send is what the customer pays, fees included (fx-rates'
	// Quote.TotalCharged); Send − fees is the amount converted.
	Send money.Amount
	// Receive is what the recipient gets, a multiple of ReceiveUnit.
	Receive money.Amount
	// ReceiveUnit is the smallest step, in the receive currency, that the
	// corridor's payout partner pays (fx-rates' Quote.ReceiveUnit): "1"
	// when it pays whole shillings only. Optional; zero means one minor
	// unit of the receive currency.
	ReceiveUnit decimal.Decimal
	Mode        Mode
	ExpiresAt   time.Time
	// RateRef names the rate the quote was priced from (e.g. the fxrates
	// event ID), so the price can be replayed; optional.
	RateRef string
}

// Accept binds the quote to a transfer.
type Accept struct {
	Meta
	QuoteID    string
	CustomerID string
	TransferID string
}

// QuoteRef implements Command.
func (c Issue) QuoteRef() string { return c.QuoteID }

// QuoteRef implements Command.
func (c Accept) QuoteRef() string { return c.QuoteID }

func (Issue) quoteCommand()  {}
func (Accept) quoteCommand() {}

// Event types of the quote aggregate.
const (
	TypeIssued   = "quote.issued.v1"
	TypeAccepted = "quote.accepted.v1"
)

// Issued records a quote. It moves no money.
type Issued struct {
	QuoteID      string          `json:"quote_id"`
	CustomerID   string          `json:"customer_id"`
	Pair         Pair            `json:"pair"`
	MidRate      decimal.Decimal `json:"mid_rate"`
	CustomerRate decimal.Decimal `json:"customer_rate"`
	MarginBps    int64           `json:"margin_bps"`
	Fees         []Fee           `json:"fees"`
	Send         money.Amount    `json:"send"`
	Receive      money.Amount    `json:"receive"`
	// ReceiveUnit is the payout step the receive amount is a multiple of;
	// zero (absent in events recorded before it existed) means one minor
	// unit of the receive currency.
	ReceiveUnit decimal.Decimal `json:"receive_unit,omitzero"`
	Mode        Mode            `json:"mode"`
	ExpiresAt   time.Time       `json:"expires_at"`
	RateRef     string          `json:"rate_ref,omitempty"`
	IssuedAt    time.Time       `json:"issued_at"`
}

// TotalFee returns the sum of the fees in the send currency.
func (e Issued) TotalFee() money.Amount {
	total := money.Zero(e.Pair.Send)
	for _, f := range e.Fees {
		total.Value = total.Value.Add(f.Amount.Value)
	}
	return total
}

// Accepted records the quote bound to a transfer.
type Accepted struct {
	QuoteID    string    `json:"quote_id"`
	CustomerID string    `json:"customer_id"`
	TransferID string    `json:"transfer_id"`
	At         time.Time `json:"at"`
}

// EventType implements command.Event.
func (Issued) EventType() string { return TypeIssued }

// EventType implements command.Event.
func (Accepted) EventType() string { return TypeAccepted }

// State is the folded quote. The zero State is a quote never issued.
type State struct {
	// Quote is the issued quote; valid when Issued is true.
	Quote  Issued
	Issued bool
	// AcceptedBy is the transfer the quote was accepted for, "" if none.
	AcceptedBy string
	AcceptedAt time.Time
}

// Initial returns the state of a quote with no events.
func Initial() State { return State{} }

// Expired reports whether the quote is expired at now.
func (s State) Expired(now time.Time) bool { return !now.Before(s.Quote.ExpiresAt) }

// Evolve folds one quote event into the state. Unknown events are ignored.
func Evolve(s State, e command.Event) State {
	switch e := e.(type) {
	case Issued:
		s.Quote = e
		s.Quote.Fees = append([]Fee(nil), e.Fees...)
		s.Issued = true
	case Accepted:
		s.AcceptedBy = e.TransferID
		s.AcceptedAt = e.At
	}
	return s
}

// CheckUsable reports whether the quote may still be used at now: it returns
// an error wrapping ErrQuoteNotFound when it was never issued, ErrQuoteExpired
// when now is at or after its expiry, or nil. The transfer calls it again
// when it executes, so a quote accepted in time cannot be paid out late.
func CheckUsable(s State, now time.Time) error {
	if !s.Issued {
		return ErrQuoteNotFound
	}
	if s.Expired(now) {
		return fmt.Errorf("%w: %s expired at %s", ErrQuoteExpired, s.Quote.QuoteID, s.Quote.ExpiresAt.Format(time.RFC3339))
	}
	return nil
}

// Aggregate describes the quote to the command loop. Stream: "quote-<quoteID>".
var Aggregate = command.Aggregate[State, Command]{
	Category: "quote",
	Initial:  Initial,
	Evolve:   Evolve,
	Decide:   Decide,
	Decode:   Decode,
}

// Decide returns the events cmd causes in state s at time now, or an error
// wrapping one of this package's sentinels (and no events). Repeating an
// Issue with the same content, or an Accept for the same transfer, returns no
// events and no error.
func Decide(s State, cmd Command, now time.Time) ([]command.Event, error) {
	if cmd == nil {
		return nil, fmt.Errorf("%w: nil command", ErrInvalidCommand)
	}
	switch {
	case cmd.CommandID() == "":
		return nil, fmt.Errorf("%w: missing command ID", ErrInvalidCommand)
	case cmd.CommandActor() == "":
		return nil, fmt.Errorf("%w: missing actor", ErrInvalidCommand)
	case cmd.QuoteRef() == "":
		return nil, fmt.Errorf("%w: missing quote ID", ErrInvalidCommand)
	case s.Issued && cmd.QuoteRef() != s.Quote.QuoteID:
		return nil, fmt.Errorf("%w: quote %s, command for %s", ErrInvalidCommand, s.Quote.QuoteID, cmd.QuoteRef())
	}
	switch c := cmd.(type) {
	case Issue:
		return decideIssue(s, c, now)
	case Accept:
		return decideAccept(s, c, now)
	default:
		return nil, fmt.Errorf("%w: unknown command %T", ErrInvalidCommand, cmd)
	}
}

// Decode turns a stored quote event back into its typed value.
func Decode(eventType string, data []byte) (command.Event, error) {
	return decodeEvent(eventType, data)
}

// decodeEvent decodes the quote event types.
var decodeEvent = command.NewDecoder("quote", Issued{}, Accepted{})
