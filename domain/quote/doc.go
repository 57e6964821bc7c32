// Package quote is a price promise to a customer for one transfer, as a pure
// event-sourced aggregate.
//
// Stream: "quote-<quoteID>".
//
// All prices come from the pricing layer (fx-rates) inside the Issue command;
// the aggregate checks that they are consistent and remembers them, so the
// transfer can later pay exactly what was promised. The send amount is what
// the customer pays, fees included: from an fx-rates Quote, Send is
// TotalCharged, Fees are the fixed and percentage fee amounts, and MarginBps
// is the corridor margin rounded to whole basis points.
//
// Business rules:
//   - Issue needs a quote ID, a customer, a currency pair, positive mid and
//     customer rates, a margin in basis points in [0, 10000), a customer rate
//     no better than mid, a margin that matches the two rates to within
//     MarginToleranceBps, fees in the send currency (each ≥ 0, together below
//     the send amount), a send amount in the send currency and a receive amount
//     in the receive currency, both positive, a mode (fixed-send or
//     fixed-receive) and an expiry after the issue time and at most MaxValidity
//     later (ErrInvalidQuote otherwise).
//   - An optional receive unit is the smallest step the corridor's payout
//     partner pays (1 KES when M-Pesa pays whole shillings only); zero means
//     one minor unit of the receive currency. It must be a positive whole
//     number of receive minor units and the receive amount a multiple of it.
//   - The amounts must agree: the receive amount may fall short of
//     (send − fees) × customer rate by up to one receive unit, and exceed it
//     by up to one minor unit of the receive currency, in both cases plus
//     the customer rate times one minor unit of the send currency (what
//     rounding either way can account for).
//   - Issuing the same quote again with the same content is a no-op; with
//     other content it is ErrQuoteExists.
//   - Accept binds the quote to one transfer of the quote's customer, once.
//     Accepting again for the same transfer is a no-op (even after expiry);
//     for another transfer it is ErrQuoteUsed; after expiry it is
//     ErrQuoteExpired; by another customer ErrQuoteCustomerMismatch.
//   - A quote expires at ExpiresAt (a quote is usable strictly before it).
//     CheckUsable re-checks expiry when the transfer executes.
package quote
