// Package process holds the transfer process manager and the transfer
// application service: the cross-aggregate work that moves a transfer from
// request to payout and the use cases the HTTP API calls.
//
// The process manager (Manager) follows the global log from a checkpoint,
// reacts to every transfer event, and issues the next idempotent command.
// Rules:
//   - It reacts to the transfer's current state, not to the event alone:
//     for each transfer event it loads the transfer and performs the one step
//     that state calls for. Replaying old events after a restart therefore
//     repeats only steps that are still due, and each repeat is a no-op for
//     the aggregates (idempotent commands whose IDs derive from the
//     triggering event's ID and the step name).
//   - Steps: requested → screen sender and recipient (Screener port) and the
//     sender's limits (Limits port) → cleared or held; cleared (or released)
//     → expired if the quote expired, else reserve the total in the sender's
//     wallet (drawing credit if needed; funding_failed if it cannot) → funded;
//     funded → submit payout attempt 1 (mobile wallet) or issue a pickup code
//     (cash, CodeGenerator port); payout submitted → Submit through the
//     payout port, recording what it proves; paid out → settle the wallet
//     reservation with balanced postings (SettlementPostings) → completed;
//     final payout failure, expired pickup or cancellation of a funded
//     transfer → release the reservation → refunded.
//   - A payout attempt is recorded before it is sent; its reference is
//     derived from the transfer ID and attempt number, so a resend after a
//     crash reuses it and the partner deduplicates. Unknown or pending
//     outcomes are never retried blindly: Reconcile asks payout.Port.Status
//     for attempts older than Config.PayoutDeadline and resubmits the same
//     reference only when the partner never received it. A retryable
//     failure is followed by a new attempt (new reference) after
//     Config.Backoff, at most Config.MaxPayoutAttempts attempts; then the
//     transfer fails and is refunded.
//   - Partner callbacks arrive through HandlePayoutResult and become
//     RecordPayoutResult commands whose IDs derive from the result's content,
//     so duplicate callbacks append nothing.
//   - The checkpoint is stored as events in the stream
//     "checkpoint-<Config.Name>"; events are handled in parallel per
//     transfer (Config.Workers) and the checkpoint only passes an event once
//     it and every event before it were handled. A crash between any two
//     steps is repaired by restarting from the checkpoint.
//   - Domain errors from a step (a transfer that moved on, a cancelled
//     transfer) end that step and are reported to Config.OnSkip;
//     infrastructure errors stop Run, which the caller restarts.
//
// Recipients' personal data (name, MSISDN) is sealed with the sender's PII
// vault key when the Service has a Vault (WithVault): events carry only the
// ciphertext, the manager opens it for screening and payouts, and views open
// it for the API (redacted once the key is forgotten).
//
// The Service offers the use cases: RequestTransfer, CancelTransfer,
// GetTransfer, GetCustomerTransfer, LookupPickup, CompleteCashPickup,
// ReleaseTransfer and RejectTransfer. Compliance adapts the compliance
// aggregate to the Screener, Gate and CaseDecider ports.
package process
