// Package fxsource connects the fxrates core to the outside world: it fetches
// rate documents over HTTP (timeouts, conditional requests, retries with
// exponential backoff) and from files, publishes the snapshots as events on
// the streams "fxrates-<source>" with deterministic event IDs so that
// re-fetching the same rates appends nothing, rebuilds a rate book from
// those events, and runs a cancellable refresh loop.
//
// The event log is the record of which rates were known: a refresh adds
// snapshots to the live rate book only after they were appended, so a book
// rebuilt by Replay answers every lookup the live book answered.
package fxsource
