package process

import (
	"errors"
	"fmt"

	"github.com/remitflow/remitflow/domain/ledger"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/transfer"
)

// MarginScale is the number of decimal places the FX margin keeps.
const MarginScale = 12

// ErrNotSettleable means a transfer is not in a state that can be settled.
var ErrNotSettleable = errors.New("process: transfer cannot be settled")

// SettlementPostings returns the postings that settle a paid-out transfer's
// wallet reservation:
//
//	customer:<sender>:reserved → revenue:fees              fee
//	customer:<sender>:reserved → fx:<send ccy>              send (the converted part)
//	fx:<recv ccy>              → partner:<partner>:payable  receive amount
//	fx:<recv ccy>              → revenue:fx                 send × mid rate − receive
//
// where partner is the mobile-money provider ("mpesa") for a mobile wallet
// payout and the paying agent's partner for a cash pickup (the agent's cash
// payout then moves the payable to the agent's float). The FX position thus
// moves at the mid rate and the margin is income; each currency sums to
// zero. It returns ErrNotSettleable unless the transfer is paid out, or
// ledger errors for an empty partner.
func SettlementPostings(t transfer.State, partner string) (ledger.Postings, error) {
	if t.Paid == nil {
		return nil, fmt.Errorf("%w: %s is %s", ErrNotSettleable, t.ID, t.Status)
	}
	q := t.Quote
	reserved := ledger.CustomerReserved(t.SenderID)
	var ps ledger.Postings
	if q.Fee.IsPositive() {
		ps = append(ps, ledger.Move(reserved, ledger.RevenueFees, q.Fee)...)
	}
	ps = append(ps, ledger.Move(reserved, ledger.FX(q.Send.Currency), q.Send)...)
	if partner == "" {
		return nil, fmt.Errorf("%w: no partner to pay for %s", ErrNotSettleable, t.ID)
	}
	payee := ledger.PartnerPayable(partner)
	fxRecv := ledger.FX(q.Receive.Currency)
	ps = append(ps, ledger.Move(fxRecv, payee, q.Receive)...)
	atMid := money.Amount{Value: q.Send.Value.Mul(q.MidRate).RoundBank(MarginScale), Currency: q.Receive.Currency}
	if margin, err := atMid.Sub(q.Receive); err == nil && !margin.IsZero() {
		ps = append(ps, ledger.Move(fxRecv, ledger.RevenueFX, margin)...)
	}
	return ps, ps.Validate()
}
