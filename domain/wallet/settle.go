package wallet

import (
	"fmt"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/ledger"
	"github.com/shopspring/decimal"
)

func decideSettle(s State, c Settle, now time.Time) ([]command.Event, error) {
	if c.TransferID == "" {
		return nil, fmt.Errorf("%w: missing transfer ID", ErrInvalidCommand)
	}
	r, ok := s.Reservations[c.TransferID]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrReservationNotFound, c.TransferID)
	}
	switch r.Status {
	case StatusReleased:
		return nil, fmt.Errorf("%w: transfer %s was released", ErrReservationClosed, c.TransferID)
	case StatusSettled:
		if samePostings(r.Settlement, c.Postings) {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: transfer %s was settled with other postings", ErrReservationClosed, c.TransferID)
	}
	if err := CheckSettlement(c.CustomerID, r, c.Postings); err != nil {
		return nil, err
	}
	return []command.Event{Settled{
		CustomerID: c.CustomerID, TransferID: c.TransferID, Amount: r.Amount, Postings: c.Postings, At: now,
	}}, nil
}

// CheckSettlement reports whether postings may settle reservation r of a
// customer: they validate (balanced per currency), debit
// customer:<id>:reserved by exactly r.Amount and touch neither the
// customer's available balance nor credit. Errors wrap ErrInvalidSettlement.
func CheckSettlement(customerID string, r Reservation, ps ledger.Postings) error {
	if err := ps.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSettlement, err)
	}
	reserved := ledger.CustomerReserved(customerID)
	debit := decimal.Zero
	for _, p := range ps {
		switch p.Account {
		case reserved:
			if p.Amount.Currency != r.Amount.Currency {
				return fmt.Errorf("%w: reserved account posted in %s, reservation is in %s",
					ErrInvalidSettlement, p.Amount.Currency, r.Amount.Currency)
			}
			debit = debit.Sub(p.Amount.Value)
		case ledger.CustomerAvailable(customerID), ledger.Credit(customerID):
			return fmt.Errorf("%w: settlement may not post to %s", ErrInvalidSettlement, p.Account)
		}
	}
	if !debit.Equal(r.Amount.Value) {
		return fmt.Errorf("%w: debits %s %s from reserved, reservation is %s",
			ErrInvalidSettlement, debit, r.Amount.Currency, r.Amount)
	}
	return nil
}

func samePostings(a, b ledger.Postings) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Account != b[i].Account || !a[i].Amount.Equal(b[i].Amount) {
			return false
		}
	}
	return true
}
