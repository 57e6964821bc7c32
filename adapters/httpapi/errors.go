package httpapi

import (
	"errors"
	"net/http"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/money"
	fxrates "github.com/remitflow/remitflow/fx-rates"
)

// errorMappings maps errors that are not domain-kinded to problems. Domain
// errors (anything with ErrorKind and ErrorCode methods) are mapped by kind in
// problemFor.
var errorMappings = []ErrorMapping{
	{money.ErrUnknownCurrency, http.StatusBadRequest, "unknown_currency", "Unknown currency"},
	{money.ErrInvalidAmount, http.StatusBadRequest, "invalid_amount", "Invalid amount"},
	{money.ErrPrecision, http.StatusBadRequest, "invalid_amount", "Invalid amount"},
	{money.ErrCurrencyMismatch, http.StatusUnprocessableEntity, "currency_mismatch", "Currency mismatch"},
	{fxrates.ErrCorridorNotConfigured, http.StatusUnprocessableEntity, "corridor_not_supported", "Corridor not supported"},
	{fxrates.ErrAmountOutOfRange, http.StatusUnprocessableEntity, "amount_out_of_range", "Amount out of range"},
	{fxrates.ErrStaleRate, http.StatusServiceUnavailable, "rates_stale", "Exchange rates are stale"},
	{fxrates.ErrNoRate, http.StatusUnprocessableEntity, "no_rate", "No exchange rate"},
	{fxrates.ErrInvalidPair, http.StatusBadRequest, "invalid_pair", "Invalid currency pair"},
	{fxrates.ErrInvalidRequest, http.StatusBadRequest, "invalid_request", "Invalid request"},
	{command.ErrCommandConflict, http.StatusConflict, "duplicate_request", "Duplicate request with different content"},
	{command.ErrConflict, http.StatusConflict, "concurrent_change", "Concurrent change"},
	{command.ErrInvalidCommand, http.StatusUnprocessableEntity, "invalid_command", "Invalid command"},
	{command.ErrChainBroken, http.StatusConflict, "chain_broken", "Tampered history"},
	{eventstore.ErrInvalidStreamName, http.StatusBadRequest, "invalid_stream", "Invalid stream name"},
	{eventstore.ErrStreamNotFound, http.StatusNotFound, "not_found", "Not found"},
	{eventstore.ErrUnavailable, http.StatusServiceUnavailable, "store_unavailable", "Event store unavailable"},
}

// kinded is implemented by *domainerr.Error, the type of every domain
// package's and the read models' named errors.
type kinded interface {
	error
	ErrorKind() string
	ErrorCode() string
}

// kindStatus maps a domain error kind to an HTTP status.
func kindStatus(kind string) (int, string) {
	switch kind {
	case "not_found":
		return http.StatusNotFound, "Not found"
	case "conflict":
		return http.StatusConflict, "Conflict"
	case "refused":
		return http.StatusUnprocessableEntity, "Refused"
	default:
		return http.StatusUnprocessableEntity, "Invalid request"
	}
}

// domainProblem maps a domain error by kind; ok is false for other errors.
func domainProblem(err error) (p Problem, ok bool) {
	var k kinded
	if !errors.As(err, &k) {
		return Problem{}, false
	}
	status, title := kindStatus(k.ErrorKind())
	return Problem{Type: ProblemTypeBase + k.ErrorCode(), Title: title, Status: status, Detail: err.Error(), Code: k.ErrorCode()}, true
}
