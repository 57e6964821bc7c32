// Package compliance records what compliance knows about one person and
// decides on it, as a pure event-sourced aggregate: sanctions screening
// results, cases opened on hits, reviewers' decisions, false-positive
// clearances, and the per-tier limit and velocity rules over the person's
// recent transfers.
//
// Stream: "compliance-<subjectID>", one per screened person: the customer ID
// for a sender, a stable recipient reference (for example "rcp_" and a hash
// of the normalised recipient details) for a recipient. Cases live in the
// stream of the person they are about.
//
// The aggregate does not screen: the sanctions matcher runs outside and its
// result arrives in RecordScreening as plain values (list version,
// threshold, best score, hits with entry ID, entry content hash, name,
// matched name, score and reasons). Neither does it read projections: the
// transfers the limit rules look at are recorded in this stream by
// RecordTransfer as each transfer is requested.
//
// Business rules:
//   - A screening is recorded once per screening ID (same content again is a
//     no-op, other content ErrDuplicateScreening). Hits scoring at or above
//     the threshold hold unless the (person, entry) pair was cleared as a
//     false positive for the entry's current content hash; a held screening
//     opens a case whose ID is the screening ID. Below the threshold, or with
//     every hit cleared, the result (list version, best score) is still
//     recorded.
//   - OpenCase opens a case without a screening (a transfer held by its limit
//     rules, a staff referral) with hits, rule outcomes or a reason; the same
//     case again is a no-op, a case ID reused differently ErrCaseExists.
//   - A case is decided once, release or reject, by a named staff member with
//     a reason (ErrStaffRequired, ErrReasonRequired); deciding a decided case
//     is ErrCaseClosed. A release may also clear every hit of the case as a
//     false positive.
//   - A false-positive clearance holds for one (person, list entry) pair
//     until the entry's content changes: IsCleared compares the stored entry
//     hash. Clearing the same pair and hash again is a no-op.
//   - RecordTransfer evaluates the tier's rules — single transfer, rolling 24
//     hours and rolling 30 days amount limits, and count per rolling 24 hours —
//     over the transfers recorded before, in USD-equivalent. If any rule fails
//     it returns a *LimitError (ErrTierLimitExceeded and/or
//     ErrVelocityExceeded) naming every outcome, and records nothing;
//     otherwise it records the transfer with the outcomes. Recording the same
//     transfer again with the same amount is a no-op.
package compliance
