// Package agent is a cash-pickup agent (a shop paying out cash to
// recipients on behalf of a payout partner) as a pure event-sourced aggregate.
//
// Stream: "agent-<agentID>".
//
// Accounting (see domain/ledger; a positive balance is what the platform
// owes the account's holder, as for a customer's available balance):
//
//	agent:<id>:float       the agent's e-float: value the agent holds on the
//	                       platform and can redeem at settlement
//	agent:<id>:commission  commission earned and not yet settled
//
// Postings:
//   - Float top-up: the agent pays money in (bank transfer, cash at a
//     branch) and receives e-float: external:funding → agent:<id>:float.
//   - Cash payout: the agent hands the recipient cash from its own till and
//     is credited with e-float for the amount paid. The transfer's settlement
//     left the receive amount in partner:<partnerID>:payable (owed to the
//     agent network that pays out); the payout moves it to the agent:
//     partner:<partnerID>:payable → agent:<id>:float. The platform's debt for
//     the transfer passes from the partner to the agent who paid.
//   - Commission: expense:commission → agent:<id>:commission.
//   - Settlement: the platform pays the agent out (redeems float, pays
//     commission): agent:<id>:float and agent:<id>:commission →
//     external:funding.
//
// The agent's cash is its own and outside the ledger; what limits a payout
// is the agent's cash limits: a single payout may not exceed MaxPayout and
// payouts in any rolling 24 hours may not exceed DailyCashLimit. Settlement
// may not redeem more float or commission than is owed.
//
// Business rules:
//   - Register needs an agent ID, a partner ID, a country (two upper-case
//     letters), a currency and positive MaxPayout ≤ DailyCashLimit in that
//     currency. Registering again with the same details is a no-op; with
//     others it is ErrAgentExists.
//   - Suspend and Reactivate need a reason; suspending a suspended agent or
//     reactivating an active one is a no-op.
//   - A top-up's funding reference is used once (same amount again: no-op;
//     another amount: ErrDuplicateReference).
//   - A cash payout needs an active agent (ErrAgentInactive), an amount in the
//     agent's currency within its cash limits (ErrPayoutLimit), and is
//     recorded once per transfer (same amount again: no-op; another amount:
//     ErrPayoutConflict). CanPayOut runs the same checks for the transfer
//     process before it locks a pickup code to the agent.
//   - Pickup codes, their hash and the 10-minute lock of a pickup to one agent
//     belong to the transfer aggregate: only the transfer's stream can make
//     sure two agents never pay the same transfer.
//   - Commission is earned once per transfer this agent paid
//     (ErrPayoutNotFound otherwise); repeating it with the same amount is a
//     no-op.
//   - A settlement ID is used once; it redeems float and/or commission, each
//     at most what is owed.
package agent
