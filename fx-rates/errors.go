package fxrates

import (
	"errors"
	"fmt"
	"time"

	"github.com/remitflow/remitflow/domain/money"
)

// Errors returned by this package. Test with errors.Is; most are wrapped with
// the operation and the offending value.
var (
	// ErrMalformed means a rate document could not be parsed or does not have
	// the expected structure.
	ErrMalformed = errors.New("fxrates: malformed rate document")
	// ErrInvalidRate means a rate is zero, negative, not a plain decimal
	// number, or outside the representable range, or a bid/ask pair does not
	// bracket the mid rate.
	ErrInvalidRate = errors.New("fxrates: invalid rate")
	// ErrMissingCurrency means a required currency is absent from a document.
	ErrMissingCurrency = errors.New("fxrates: required currency missing")
	// ErrInvalidSnapshot means a snapshot breaks the rules of Snapshot.Validate.
	ErrInvalidSnapshot = errors.New("fxrates: invalid snapshot")
	// ErrInvalidPair means a pair names an unknown currency or the same
	// currency twice.
	ErrInvalidPair = errors.New("fxrates: invalid currency pair")
	// ErrNoRate means the book has no rate for the pair at the instant asked.
	ErrNoRate = errors.New("fxrates: no rate")
	// ErrNoPath means both currencies are quoted but no chain of published
	// rates (direct, inverse, or through the configured pivots) connects them.
	// Errors wrapping ErrNoPath also match ErrNoRate.
	ErrNoPath = fmt.Errorf("%w: no path between currencies", ErrNoRate)
	// ErrStaleRate means the only rates available are older than their
	// source's maximum age; the error is a *StaleRateError.
	ErrStaleRate = errors.New("fxrates: stale rate")
	// ErrInvalidConfig means a book or pricing configuration is invalid.
	ErrInvalidConfig = errors.New("fxrates: invalid configuration")
	// ErrCorridorNotConfigured means no corridor is configured for the pair.
	ErrCorridorNotConfigured = errors.New("fxrates: corridor not configured")
	// ErrAmountOutOfRange means a send amount is below the corridor's minimum
	// or above its maximum; the error is an *AmountOutOfRangeError.
	ErrAmountOutOfRange = errors.New("fxrates: amount out of range")
	// ErrInvalidRequest means a quote or conversion request is malformed: a
	// non-positive amount, an amount in the wrong currency, or an amount with
	// a fraction of a minor unit.
	ErrInvalidRequest = errors.New("fxrates: invalid request")
	// ErrInvalidQuote means a quote's figures are inconsistent (Quote.Check).
	ErrInvalidQuote = errors.New("fxrates: inconsistent quote")
	// ErrNotModified is returned by a Source whose document has not changed
	// since its previous successful fetch.
	ErrNotModified = errors.New("fxrates: not modified")
)

// StaleRateError reports a rate older than its source's maximum age.
type StaleRateError struct {
	Pair   Pair
	Source string
	AsOf   time.Time
	At     time.Time
	MaxAge time.Duration
}

// Age is how old the rate was at the lookup instant.
func (e *StaleRateError) Age() time.Duration { return e.At.Sub(e.AsOf) }

// Error names the pair, the source, the rate's as-of, its age and the
// maximum age.
func (e *StaleRateError) Error() string {
	return fmt.Sprintf("fxrates: stale rate: %s from %q as of %s is %s old at %s (max age %s)",
		e.Pair, e.Source, e.AsOf.UTC().Format(time.RFC3339), e.Age().Round(time.Second),
		e.At.UTC().Format(time.RFC3339), e.MaxAge)
}

// Is makes errors.Is(err, ErrStaleRate) true.
func (e *StaleRateError) Is(target error) bool { return target == ErrStaleRate }

// AmountOutOfRangeError reports a send amount outside a corridor's limits.
type AmountOutOfRangeError struct {
	Corridor Pair
	Amount   money.Amount
	Min, Max money.Amount
}

// Error names the amount, the corridor and its limits.
func (e *AmountOutOfRangeError) Error() string {
	return fmt.Sprintf("fxrates: amount out of range: send amount %s for corridor %s must be between %s and %s",
		e.Amount, e.Corridor, e.Min, e.Max)
}

// Is makes errors.Is(err, ErrAmountOutOfRange) true.
func (e *AmountOutOfRangeError) Is(target error) bool { return target == ErrAmountOutOfRange }
