package quote_test

import (
	"strings"
	"testing"
	"time"

	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/quote"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// Quotes priced the way a pricing layer prices them — rates rounded to a
// few places, receive rounded down to a multiple of the corridor's receive
// unit for fixed-send, send rounded up for fixed-receive — are always
// accepted as consistent, whatever the minor units of the two currencies
// and the receive unit; a receive amount further off than rounding
// explains, or not a multiple of the receive unit, is refused.
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
		// The receive unit in receive minor units; 0 leaves ReceiveUnit
		// unset (one minor unit).
		unitMinor := rapid.SampledFrom([]int64{0, 1, 5, 100, 1000}).Draw(t, "unitMinor")
		minorRecv := decimal.New(1, -recv.MinorUnits())
		step := minorRecv
		var receiveUnit decimal.Decimal
		if unitMinor > 0 {
			receiveUnit = decimal.New(unitMinor, -recv.MinorUnits())
			step = receiveUnit
		}
		var sendAmt, recvAmt money.Amount
		if mode == quote.FixedSend {
			net := money.FromMinor(rapid.Int64Range(1, 10_000_000).Draw(t, "net"), send)
			sendAmt, _ = net.Add(fee)
			r := net.Value.Mul(rate).RoundDown(recv.MinorUnits())
			recvAmt = money.Amount{Value: r.Sub(r.Mod(step)), Currency: recv}
		} else {
			recvAmt = money.Amount{Value: step.Mul(decimal.NewFromInt(rapid.Int64Range(1, 10_000_000).Draw(t, "recvUnits"))), Currency: recv}
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
			ReceiveUnit: receiveUnit, Mode: mode, IssuedAt: t0, ExpiresAt: t0.Add(10 * time.Minute),
		}
		if err := quote.Validate(q); err != nil {
			t.Fatalf("Validate(%s → %s at %s, unit %s, %+v) = %v", sendAmt, recvAmt, rate, step, q, err)
		}
		priced := q
		// A receive amount further above (send − fee) × rate than one minor
		// unit plus rounding explains is refused.
		unitSend := decimal.New(1, -send.MinorUnits())
		slack := rate.Mul(unitSend)
		expected := sendAmt.Value.Sub(fee.Value).Mul(rate)
		high := expected.Add(minorRecv).Add(slack).Add(minorRecv)
		q.Receive = money.Amount{Value: high.Add(step).Sub(high.Mod(step)), Currency: recv}
		if err := quote.Validate(q); err == nil {
			t.Fatalf("Validate accepted receive %s for %s at %s, unit %s (priced %s)", q.Receive, sendAmt, rate, step, recvAmt)
		}
		// A receive amount further below it than one receive unit plus
		// rounding explains is refused.
		low := expected.Sub(step).Sub(slack)
		low = low.Sub(low.Mod(step))
		if expected.Sub(low).LessThanOrEqual(step.Add(slack)) {
			low = low.Sub(step)
		}
		if low.IsPositive() {
			q.Receive = money.Amount{Value: low, Currency: recv}
			if err := quote.Validate(q); err == nil {
				t.Fatalf("Validate accepted receive %s for %s at %s, unit %s (priced %s): short by more than a unit", q.Receive, sendAmt, rate, step, recvAmt)
			}
		}
		// A receive amount between two receive units is refused even when
		// it is within tolerance.
		if step.GreaterThan(minorRecv) {
			q = priced
			q.Receive = money.Amount{Value: recvAmt.Value.Sub(minorRecv), Currency: recv}
			if err := quote.Validate(q); err == nil || !strings.Contains(err.Error(), "not a multiple of the receive unit") {
				t.Fatalf("Validate(receive %s, unit %s) = %v, want refused as not a multiple", q.Receive, step, err)
			}
		}
	})
}
