package wallet

import (
	"fmt"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/money"
)

func decideReserve(s State, c Reserve, now time.Time) ([]command.Event, error) {
	if c.TransferID == "" {
		return nil, fmt.Errorf("%w: missing transfer ID", ErrInvalidCommand)
	}
	if err := checkPositive("reserve amount", c.Amount); err != nil {
		return nil, err
	}
	if r, ok := s.Reservations[c.TransferID]; ok {
		if r.Status == StatusHeld && r.Amount.Equal(c.Amount) {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: transfer %s has %s reservation of %s", ErrReservationConflict, c.TransferID, r.Status, r.Amount)
	}
	avail := s.AvailableIn(c.Amount.Currency)
	drawn := money.Zero(c.Amount.Currency)
	var events []command.Event
	if avail.Value.LessThan(c.Amount.Value) {
		short := money.Amount{Value: c.Amount.Value.Sub(avail.Value), Currency: c.Amount.Currency}
		switch {
		case !s.Credit.Approved() || s.Credit.Limit.Currency != c.Amount.Currency:
			return nil, fmt.Errorf("%w: available %s, need %s", ErrInsufficientFunds, avail, c.Amount)
		case s.Credit.Frozen():
			return nil, fmt.Errorf("%w: available %s, need %s", ErrCreditFrozen, avail, c.Amount)
		case s.Credit.Headroom().LessThan(short.Value):
			return nil, fmt.Errorf("%w: available %s and credit headroom %s, need %s",
				ErrInsufficientFunds, avail, s.Credit.Headroom(), c.Amount)
		}
		drawn = short
		events = append(events, CreditDrawn{CustomerID: c.CustomerID, TransferID: c.TransferID, Amount: short, At: now})
	}
	events = append(events, Reserved{
		CustomerID: c.CustomerID, TransferID: c.TransferID, Amount: c.Amount, CreditDrawn: drawn, At: now,
	})
	return events, nil
}
