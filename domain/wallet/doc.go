// Package wallet is a customer's multi-currency wallet with an optional
// credit line ("send now, pay later"), as a pure event-sourced aggregate.
//
// Stream: "wallet-<customerID>" (one wallet per customer). The stream needs no
// opening event: the first command names the customer and every later command
// must name the same one.
//
// Ledger accounts touched (see domain/ledger):
//
//	customer:<id>:available  spendable money, per currency
//	customer:<id>:reserved   money held for transfers in flight
//	credit:<id>              drawn credit (negative while owed)
//	external:funding         money entering or leaving the platform
//
// Business rules:
//   - Fund moves money from external:funding to available. A funding reference
//     is used once: the same reference with the same amount is a no-op, with a
//     different amount it is ErrDuplicateFunding.
//   - Reserve moves a transfer's amount from available to reserved, keyed by
//     transfer ID. Reserving the same transfer again with the same amount is a
//     no-op; with another amount, or after the reservation was released or
//     settled, it is ErrReservationConflict.
//   - When available is short at reserve time and the customer has an approved
//     credit line in that currency, the shortfall is drawn first
//     (credit:<id> → available), within the limit. No draw is possible while an
//     installment is overdue (ErrCreditFrozen). Otherwise ErrInsufficientFunds.
//   - Available never goes below zero; credit:<id> never below -limit.
//   - Release returns a held reservation to available and repays, from
//     available, the credit drawn for it (capped at what is still owed), so a
//     refund restores the sender exactly. Releasing twice is a no-op; releasing
//     a settled reservation is ErrReservationClosed.
//   - Settle pays a held reservation out with postings supplied by the
//     transfer process (fees, FX, partner payable). They must balance per
//     currency, debit customer:<id>:reserved by exactly the reserved amount,
//     and touch neither available nor credit (ErrInvalidSettlement). Settling
//     again with the same postings is a no-op; with others, or after a release,
//     it is ErrReservationClosed.
//   - ApproveCreditLine sets the limit (one currency per wallet, fixed once
//     set); it may not go below what is drawn. Approving the same limit is a
//     no-op.
//   - RepayCredit repays drawn credit from available or from external funding;
//     never more than is drawn (ErrOverRepayment). Repayments pay installments
//     in due-date order.
//   - CreateInstallmentPlan splits what is drawn into N parts with the given
//     due dates (strictly increasing, after now); the last part takes the
//     rounding remainder. One open plan at a time (ErrPlanExists).
//   - MarkOverdue marks every unpaid installment whose due date is before now;
//     if none, it is a no-op.
//
// Every command carries a command ID and an actor (Meta); Decide returns
// named errors (see errors.go) and no events when it refuses.
package wallet
