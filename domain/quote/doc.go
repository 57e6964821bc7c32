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
//   - The amounts must agree: (send − fees) × customer rate equals the receive
//     amount to within one minor unit of the receive currency plus the
//     customer rate times one minor unit of the send currency (what rounding
//     either way can account for).
//   - Issuing the same quote again with the same content is a no-op; with
//     other content it is ErrQuoteExists.
//   - Accept binds the quote to one transfer of the quote's customer, once.
//     Accepting again for the same transfer is a no-op (even after expiry);
//     for another transfer it is ErrQuoteUsed; after expiry it is
//     ErrQuoteExpired; by another customer ErrQuoteCustomerMismatch.
//   - A quote expires at ExpiresAt (a quote is usable strictly before it).
//     CheckUsable re-checks expiry when the transfer executes.
package quote
