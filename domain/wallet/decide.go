package wallet

import (
	"fmt"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/money"
)

// Aggregate describes the wallet to the command loop. Stream: "wallet-<customerID>".
var Aggregate = command.Aggregate[State, Command]{
	Category: "wallet",
	Initial:  Initial,
	Evolve:   Evolve,
	Decide:   Decide,
	Decode:   Decode,
}

// Decide returns the events cmd causes in state s at time now, or an error
// wrapping one of this package's sentinels (and no events). Commands that
// change nothing (a repeated reserve, release or settle, a repeated funding
// reference, the same credit limit, nothing overdue) return no events and no
// error.
func Decide(s State, cmd Command, now time.Time) ([]command.Event, error) {
	if cmd == nil {
		return nil, fmt.Errorf("%w: nil command", ErrInvalidCommand)
	}
	if err := checkMeta(cmd); err != nil {
		return nil, err
	}
	if s.CustomerID != "" && cmd.WalletCustomerID() != s.CustomerID {
		return nil, fmt.Errorf("%w: wallet of %q, command for %q", ErrWalletMismatch, s.CustomerID, cmd.WalletCustomerID())
	}
	switch c := cmd.(type) {
	case Fund:
		return decideFund(s, c, now)
	case Reserve:
		return decideReserve(s, c, now)
	case Release:
		return decideRelease(s, c, now)
	case Settle:
		return decideSettle(s, c, now)
	case ApproveCreditLine:
		return decideApproveCreditLine(s, c, now)
	case RepayCredit:
		return decideRepayCredit(s, c, now)
	case CreateInstallmentPlan:
		return decideCreateInstallmentPlan(s, c, now)
	case MarkOverdue:
		return decideMarkOverdue(s, c, now)
	default:
		return nil, fmt.Errorf("%w: unknown command %T", ErrInvalidCommand, cmd)
	}
}

func checkMeta(cmd Command) error {
	switch {
	case cmd.CommandID() == "":
		return fmt.Errorf("%w: missing command ID", ErrInvalidCommand)
	case cmd.CommandActor() == "":
		return fmt.Errorf("%w: missing actor", ErrInvalidCommand)
	case cmd.WalletCustomerID() == "":
		return fmt.Errorf("%w: missing customer ID", ErrInvalidCommand)
	}
	return nil
}

// checkPositive refuses unknown currencies and non-positive amounts.
func checkPositive(what string, a money.Amount) error {
	if !a.Currency.Valid() {
		return fmt.Errorf("%w: %s has unknown currency %q", ErrInvalidCommand, what, a.Currency)
	}
	if !a.IsPositive() {
		return fmt.Errorf("%w: %s must be positive, got %s", ErrInvalidCommand, what, a)
	}
	return nil
}
