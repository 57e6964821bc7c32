// Package transfer is the money transfer aggregate: one sender sends the
// terms of one accepted quote to one recipient, paid out to a mobile wallet
// or in cash at an agent. Stream: "transfer-<transferID>".
//
// Lifecycle (internal statuses; PublicStatus maps them to the small public
// set):
//
//	requested ─► cleared ─► funded ─► payout_submitted ─► paid_out ─► completed
//	    │           ▲  │        │            │  ▲
//	    ▼           │  │        │            ▼  │ (new attempt)
//	  held ─────────┘  │        │       payout_retry
//	    │ (released)   │        │            │
//	    ▼              ▼        │            ▼
//	 rejected   funding_failed  │       payout_failed ─► refunded
//	                            ▼
//	                       pickup_ready ─► paid_out (cash, by an agent)
//	                            │
//	                            ▼
//	                      pickup_expired ─► refunded
//
// plus cancelled (by the sender, before any payout was submitted or pickup
// code issued) and expired (the quote expired before the transfer was funded).
//
// Business rules:
//   - Request copies the accepted quote's terms in (quote ID, send amount,
//     fee, total = send + fee, receive amount, mid and customer rate,
//     expiry). The quote must not have expired (ErrQuoteExpired). A transfer
//     ID is requested once: the same request again is a no-op, a different
//     one is ErrDuplicateRequest.
//   - Every recipient has a name (screened against sanctions lists) and an
//     ISO 3166 country; a mobile-wallet recipient also has an E.164 MSISDN
//     ("+254708374149") and a provider (mpesa, mtn_momo, airtel)
//     (ErrInvalidRecipient). The payout country must be served, the receive
//     amount in its currency, and the provider must operate there
//     (ErrUnsupportedCorridor; see CheckCorridor).
//   - Screening (sanctions and compliance limits) clears or holds the
//     transfer; a held transfer waits for a compliance decision: released
//     (cleared) or rejected (final).
//   - Funding records that the sender's wallet reserved the total. A cleared
//     transfer whose quote expired before funding is expired instead
//     (Expire; ErrQuoteNotExpired before the expiry).
//   - Cancel is allowed only before a payout was submitted or a pickup code
//     issued (ErrCancelNotAllowed); a funded transfer that is cancelled is
//     refunded by the transfer process.
//   - Payout attempts are numbered from 1, each with its own reference; a new
//     attempt only after the previous one failed retryably. Results are
//     recorded against the attempt's reference; unknown and pending outcomes
//     are recorded but do not fail the transfer. A second success for
//     another attempt after the transfer was paid is ErrAlreadyPaid; a
//     partner-reported amount different from the quote's receive amount is
//     ErrPayoutAmountMismatch. AbandonPayout fails a transfer whose last
//     attempt failed retryably when no more attempts will be made.
//   - Cash pickup: the pickup code is supplied by the command, only its
//     SHA-256 hash (salted with the transfer ID) is stored. An agent looks it
//     up and locks the pickup for LockDuration; only that agent can pay it
//     while the lock holds, after an identity check whose ID type and a hash
//     of the ID number are recorded. A wrong code is not refused but recorded
//     (PickupCodeRejected, so attempts are counted); after
//     MaxPickupCodeFailures wrong codes the pickup is blocked
//     (ErrPickupBlocked). Uncollected pickups expire after their expiry and
//     are refunded.
//   - Completed follows paid_out once the wallet settled the transfer;
//     Refunded follows a final failure, a rejected-after-funding, a pickup
//     expiry or a cancellation of a funded transfer once the wallet released
//     the reservation.
//
// Decide returns the named errors of errors.go and no events when it refuses;
// a command that the state already reflects returns no events and no error,
// so the transfer process can repeat any step.
package transfer
