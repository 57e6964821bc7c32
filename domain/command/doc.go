// Package command runs commands against event-sourced aggregates: it loads an
// aggregate's stream, folds its events into state, asks the aggregate to
// decide, and appends the resulting events with optimistic concurrency.
//
// Rules the loop enforces for every aggregate:
//   - One aggregate is one stream, named Category + "-" + id. Appends use
//     NoStream for a new stream and Exact(revision) otherwise; on a
//     concurrency conflict the loop reloads and decides again, at most
//     MaxAttempts times, then returns ErrConflict.
//   - Event IDs are derived from the stream, the command ID and the event's
//     index in the decision (UUIDv5, see EventID). A command is therefore
//     idempotent: re-running a command whose events are already in the stream
//     appends nothing and returns the original Result, and the store's
//     idempotent append makes a retried append after a lost acknowledgement
//     harmless. Re-running a command ID with different content returns
//     ErrCommandConflict.
//   - A MoneyMover event whose postings do not validate (each currency must
//     sum to zero) is refused with ErrUnbalancedPostings; nothing is written.
//   - Every event's metadata carries correlation, causation, actor,
//     occurred-at (the Clock's time, never the wall clock), schema version,
//     the command ID and a fingerprint of the command, and the per-stream hash
//     chain (prev_hash, hash). See Hash for the recipe and Verify / VerifyAll
//     for the checker used by `remitflow verify`.
//   - Handle returns the global position of the last event written (or of
//     the command's original events), so a caller can wait for projections to
//     reach it (read-your-writes).
package command
