package quote

import (
	"fmt"
	"time"

	"github.com/remitflow/remitflow/domain/command"
)

func decideAccept(s State, c Accept, now time.Time) ([]command.Event, error) {
	switch {
	case c.TransferID == "":
		return nil, fmt.Errorf("%w: missing transfer ID", ErrInvalidCommand)
	case c.CustomerID == "":
		return nil, fmt.Errorf("%w: missing customer ID", ErrInvalidCommand)
	case !s.Issued:
		return nil, fmt.Errorf("%w: %s", ErrQuoteNotFound, c.QuoteID)
	case c.CustomerID != s.Quote.CustomerID:
		return nil, fmt.Errorf("%w: quote %s", ErrQuoteCustomerMismatch, c.QuoteID)
	case s.AcceptedBy == c.TransferID:
		return nil, nil
	case s.AcceptedBy != "":
		return nil, fmt.Errorf("%w: quote %s accepted for transfer %s", ErrQuoteUsed, c.QuoteID, s.AcceptedBy)
	}
	if err := CheckUsable(s, now); err != nil {
		return nil, err
	}
	return []command.Event{Accepted{QuoteID: c.QuoteID, CustomerID: c.CustomerID, TransferID: c.TransferID, At: now}}, nil
}
