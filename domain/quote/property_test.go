package quote_test

import (
	"testing"
	"time"

	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/quote"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// Quotes priced the way a pricing layer prices them — rates rounded to a
// few places, receive rounded down for fixed-send, send rounded up for
// fixed-receive — are always accepted as consistent, whatever the minor
// units of the two currencies; a receive amount further off than rounding
// explains is refused.
func TestPricedQuotesValidate(t *testing.T) {
	currencies := []money.Currency{"USD", "GBP", "EUR", "KES", "NGN", "PHP", "JPY", "UGX", "BHD", "KWD"}
	rapid.Check(t, func(t *rapid.T) {
		send := rapid.SampledFrom(currencies).Draw(t, "send")
		recv := rapid.SampledFrom(currencies).Draw(t, "receive")
		mid := decimal.New(rapid.Int64Range(1, 5_000_000).Draw(t, "mid"), -4)
		bps := rapid.Int64Range(0, 500).Draw(t, "bps")
		rate := mid.Mul(decimal.NewFromInt(10000 - bps)).Div(decimal.NewFromInt(10000)).Round(6)
		if !rate.IsPositive() {
			t.Skip("rate rounds to zero")
		}
		// The margin the rounded rate implies may drift from bps; the
		// pricing layer states the rounded figure.
		implied := mid.Sub(rate).Div(mid).Mul(decimal.NewFromInt(10000)).Round(0).IntPart()
		fee := money.FromMinor(rapid.Int64Range(0, 500).Draw(t, "fee"), send)
		mode := rapid.SampledFrom([]quote.Mode{quote.FixedSend, quote.FixedReceive}).Draw(t, "mode")
		var sendAmt, recvAmt money.Amount
		if mode == quote.FixedSend {
			net := money.FromMinor(rapid.Int64Range(1, 10_000_000).Draw(t, "net"), send)
			sendAmt, _ = net.Add(fee)
			recvAmt = money.Amount{Value: net.Value.Mul(rate), Currency: recv}.RoundDown()
		} else {
			recvAmt = money.FromMinor(rapid.Int64Range(1, 10_000_000).Draw(t, "recv"), recv)
			net := money.Amount{Value: recvAmt.Value.Div(rate), Currency: send}.RoundUp()
			sendAmt, _ = net.Add(fee)
		}
		if !recvAmt.IsPositive() || !sendAmt.IsPositive() {
			t.Skip("amount rounds to zero")
		}
		q := quote.Issued{
			QuoteID: "q", CustomerID: "c", Pair: quote.Pair{Send: send, Receive: recv},
			MidRate: mid, CustomerRate: rate, MarginBps: implied,
			Fees: []quote.Fee{{Name: "fixed", Amount: fee}}, Send: sendAmt, Receive: recvAmt,
			Mode: mode, IssuedAt: t0, ExpiresAt: t0.Add(10 * time.Minute),
		}
		if err := quote.Validate(q); err != nil {
			t.Fatalf("Validate(%s → %s at %s, %+v) = %v", sendAmt, recvAmt, rate, q, err)
		}
		// A receive amount further from (send − fee) × rate than rounding
		// explains is refused.
		unitSend := decimal.New(1, -send.MinorUnits())
		unitRecv := decimal.New(1, -recv.MinorUnits())
		expected := sendAmt.Value.Sub(fee.Value).Mul(rate)
		tolerance := unitRecv.Add(rate.Mul(unitSend))
		q.Receive = money.Amount{Value: expected.Add(tolerance).Add(unitRecv).RoundUp(recv.MinorUnits()), Currency: recv}
		if err := quote.Validate(q); err == nil {
			t.Fatalf("Validate accepted receive %s for %s at %s (priced %s)", q.Receive, sendAmt, rate, recvAmt)
		}
	})
}
