package wallet

import (
	"fmt"
	"time"

	"github.com/remitflow/remitflow/domain/command"
)

func decideFund(s State, c Fund, now time.Time) ([]command.Event, error) {
	if c.FundingRef == "" {
		return nil, fmt.Errorf("%w: missing funding reference", ErrInvalidCommand)
	}
	if err := checkPositive("funding amount", c.Amount); err != nil {
		return nil, err
	}
	if prev, ok := s.Fundings[c.FundingRef]; ok {
		if prev.Equal(c.Amount) {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: %s was %s, now %s", ErrDuplicateFunding, c.FundingRef, prev, c.Amount)
	}
	return []command.Event{Funded{CustomerID: c.CustomerID, FundingRef: c.FundingRef, Amount: c.Amount, At: now}}, nil
}
