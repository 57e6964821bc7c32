package wallet

import (
	"fmt"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/shopspring/decimal"
)

func decideRelease(s State, c Release, now time.Time) ([]command.Event, error) {
	if c.TransferID == "" {
		return nil, fmt.Errorf("%w: missing transfer ID", ErrInvalidCommand)
	}
	r, ok := s.Reservations[c.TransferID]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrReservationNotFound, c.TransferID)
	}
	switch r.Status {
	case StatusReleased:
		return nil, nil
	case StatusSettled:
		return nil, fmt.Errorf("%w: transfer %s was settled", ErrReservationClosed, c.TransferID)
	}
	events := []command.Event{ReservationReleased{CustomerID: c.CustomerID, TransferID: c.TransferID, Amount: r.Amount, At: now}}
	if repay := decimal.Min(r.CreditDrawn.Value, s.Credit.Drawn); repay.IsPositive() {
		events = append(events, CreditRepaid{
			CustomerID: c.CustomerID,
			Amount:     money.Amount{Value: repay, Currency: r.Amount.Currency},
			Source:     SourceRelease,
			TransferID: c.TransferID,
			At:         now,
		})
	}
	return events, nil
}
