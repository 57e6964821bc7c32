// Package fxrates is the platform's foreign-exchange core: exchange-rate value
// types, parsers for the rate sources (ECB reference rates, an
// Open-Exchange-Rates style JSON feed, a static file of pinned corridor
// rates), a rate book that keeps every snapshot so any past instant can be
// looked up again, cross and inverse rates, staleness rules, corridor pricing
// and quote maths, and conversion helpers for FX-converted views.
//
// The package is pure: it does no network or file I/O beyond reading an
// io.Reader handed to it and never reads the clock; every operation that
// depends on time takes the instant as an argument. Fetching over HTTP and
// publishing rates as events live in adapters/fxsource.
//
// # Precision
//
// Rates are exact decimals (github.com/shopspring/decimal, never float64).
// Rates published by a source are kept exactly as published. A rate the book
// derives (an inverse, or a cross rate through one or two pivot currencies)
// is computed from the exact published rates with a single division and
// rounded half-to-even to DerivedRateDigits (12) significant digits; nothing
// else is ever rounded or truncated silently. A customer rate (mid minus the
// corridor margin) is rounded toward zero to DerivedRateDigits significant
// digits, so rounding never favours the customer at the platform's expense
// by more than one part in 10^12.
//
// Money leaves a quote rounded to the currency's ISO 4217 minor units:
// receive amounts of fixed-send quotes are rounded down, send amounts of
// fixed-receive quotes are rounded up (the platform never pays out more than
// it collects at the customer rate), and percentage fees are rounded
// half-to-even.
//
// A corridor may set a coarser receive unit (CorridorConfig.ReceiveUnit) when
// its payout partner pays only whole units, as M-Pesa B2C does for Kenyan
// shillings. Receive amounts of fixed-send quotes are then rounded down to a
// multiple of that unit, so they fall short of send × customer rate by less
// than one unit, and fixed-receive quotes accept only multiples of it; a
// quote never promises an amount the partner cannot pay.
//
// # Time
//
// A snapshot takes effect at its as-of instant. A lookup at instant t uses,
// for every source and base currency, the newest snapshot whose as-of is not
// after t, and refuses it when it is older than the source's maximum age at
// t. Latest(pair, now) and AsOf(pair, t) apply that one rule, so a quote
// priced at t is explained later by AsOf(pair, t) with the same figures, as
// long as the book was fed the same snapshots.
package fxrates
