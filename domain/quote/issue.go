package quote

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/shopspring/decimal"
)

var (
	tenThousand = decimal.NewFromInt(10000)
	toleranceBp = decimal.NewFromInt(MarginToleranceBps)
)

func decideIssue(s State, c Issue, now time.Time) ([]command.Event, error) {
	if c.CustomerID == "" {
		return nil, fmt.Errorf("%w: missing customer ID", ErrInvalidCommand)
	}
	e := Issued{
		QuoteID: c.QuoteID, CustomerID: c.CustomerID, Pair: c.Pair,
		MidRate: c.MidRate, CustomerRate: c.CustomerRate, MarginBps: c.MarginBps,
		Fees: c.Fees, Send: c.Send, Receive: c.Receive, ReceiveUnit: c.ReceiveUnit, Mode: c.Mode,
		ExpiresAt: c.ExpiresAt, RateRef: c.RateRef, IssuedAt: now,
	}
	if s.Issued {
		if sameQuote(s.Quote, e) {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: %s", ErrQuoteExists, c.QuoteID)
	}
	if err := Validate(e); err != nil {
		return nil, err
	}
	return []command.Event{e}, nil
}

// sameQuote compares everything but the issue time.
func sameQuote(a, b Issued) bool {
	a.IssuedAt, b.IssuedAt = time.Time{}, time.Time{}
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

// Validate checks that a quote's prices are consistent (see the package
// comment); errors wrap ErrInvalidQuote.
func Validate(q Issued) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidQuote}, args...)...)
	}
	switch {
	case !q.Pair.Send.Valid() || !q.Pair.Receive.Valid():
		return bad("pair %s has an unknown currency", q.Pair)
	case q.Send.Currency != q.Pair.Send:
		return bad("send amount in %s, pair %s", q.Send.Currency, q.Pair)
	case q.Receive.Currency != q.Pair.Receive:
		return bad("receive amount in %s, pair %s", q.Receive.Currency, q.Pair)
	case !q.Send.IsPositive() || !q.Receive.IsPositive():
		return bad("amounts must be positive: send %s, receive %s", q.Send, q.Receive)
	case !q.MidRate.IsPositive() || !q.CustomerRate.IsPositive():
		return bad("rates must be positive: mid %s, customer %s", q.MidRate, q.CustomerRate)
	case q.CustomerRate.GreaterThan(q.MidRate):
		return bad("customer rate %s is better than mid %s", q.CustomerRate, q.MidRate)
	case q.MarginBps < 0 || q.MarginBps >= 10000:
		return bad("margin %d bps out of range", q.MarginBps)
	case q.Mode != FixedSend && q.Mode != FixedReceive:
		return bad("mode %q", q.Mode)
	case !q.ExpiresAt.After(q.IssuedAt):
		return bad("expiry %s is not after issue %s", q.ExpiresAt.Format(time.RFC3339), q.IssuedAt.Format(time.RFC3339))
	case q.ExpiresAt.Sub(q.IssuedAt) > MaxValidity:
		return bad("valid for %s, at most %s", q.ExpiresAt.Sub(q.IssuedAt), MaxValidity)
	case q.ReceiveUnit.IsNegative() || !q.ReceiveUnit.Equal(q.ReceiveUnit.Truncate(q.Pair.Receive.MinorUnits())):
		return bad("receive unit %s must be a positive whole number of %s minor units", q.ReceiveUnit, q.Pair.Receive)
	}
	step := q.Unit()
	if !q.Receive.Value.Mod(step).IsZero() {
		return bad("receive %s is not a multiple of the receive unit %s %s", q.Receive, step, q.Pair.Receive)
	}
	implied := q.MidRate.Sub(q.CustomerRate).Div(q.MidRate).Mul(tenThousand)
	if implied.Sub(decimal.NewFromInt(q.MarginBps)).Abs().GreaterThan(toleranceBp) {
		return bad("margin %d bps, rates imply %s bps", q.MarginBps, implied.StringFixed(2))
	}
	for i, f := range q.Fees {
		switch {
		case f.Name == "":
			return bad("fee %d has no name", i)
		case f.Amount.Currency != q.Pair.Send:
			return bad("fee %s in %s, fees are charged in %s", f.Name, f.Amount.Currency, q.Pair.Send)
		case f.Amount.IsNegative():
			return bad("fee %s is negative", f.Name)
		}
	}
	net, _ := q.Send.Sub(q.TotalFee())
	if !net.IsPositive() {
		return bad("fees %s leave nothing of %s to send", q.TotalFee(), q.Send)
	}
	expected := net.Value.Mul(q.CustomerRate)
	slack := q.CustomerRate.Mul(unit(q.Pair.Send))
	over := unit(q.Pair.Receive).Add(slack) // the most receive may exceed expected
	short := step.Add(slack)                // the most receive may fall below expected
	if diff := expected.Sub(q.Receive.Value); diff.GreaterThan(short) || diff.Neg().GreaterThan(over) {
		return bad("(%s − %s) × %s = %s %s, quote says %s (receive unit %s)", q.Send, q.TotalFee(), q.CustomerRate,
			expected.String(), q.Pair.Receive, q.Receive, step)
	}
	return nil
}

// Unit returns the quote's effective receive unit: ReceiveUnit, or one minor
// unit of the receive currency when ReceiveUnit is zero.
func (e Issued) Unit() decimal.Decimal {
	if e.ReceiveUnit.IsZero() {
		return unit(e.Pair.Receive)
	}
	return e.ReceiveUnit
}

// unit is one minor unit of a currency (0.01 USD, 1 JPY).
func unit(c money.Currency) decimal.Decimal { return decimal.New(1, -c.MinorUnits()) }
