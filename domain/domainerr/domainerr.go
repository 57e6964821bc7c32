// Package domainerr is the shared vocabulary of named domain errors.
//
// Each domain package declares its sentinels with New, giving every error a
// stable code and one of four kinds. Callers test a sentinel with errors.Is;
// the HTTP edge maps any error it can errors.As to an
// interface{ ErrorKind() string; ErrorCode() string } once, by kind:
//
//	invalid   → 422 Unprocessable Entity (a malformed command)
//	not_found → 404 Not Found
//	conflict  → 409 Conflict (clashes with what already happened)
//	refused   → 422 Unprocessable Entity (a business rule says no)
//
// The package imports nothing, so every domain package may depend on it.
package domainerr

// Kind classifies a domain error so the HTTP edge can map it without knowing
// every error.
type Kind string

// Error kinds.
const (
	// Invalid means a command or argument is malformed.
	Invalid Kind = "invalid"
	// NotFound means the thing named does not exist.
	NotFound Kind = "not_found"
	// Conflict means the request clashes with what already happened.
	Conflict Kind = "conflict"
	// Refused means a business rule says no.
	Refused Kind = "refused"
)

// Error is a named domain error. Domain packages wrap these sentinels with
// detail; test with errors.Is, or errors.As an interface{ ErrorKind() string }
// to map by kind.
type Error struct {
	// Code is a stable machine-readable name, e.g. "wallet.insufficient_funds".
	Code string
	// Kind classifies the error.
	Kind Kind
	msg  string
}

// New returns a domain error with a stable code, a kind and a message. It is
// meant for package-level sentinels: each call returns a distinct *Error, so
// errors.Is matches only the value New returned.
func New(code string, kind Kind, msg string) *Error {
	return &Error{Code: code, Kind: kind, msg: msg}
}

// Error returns the message.
func (e *Error) Error() string { return e.msg }

// ErrorCode returns the stable code.
func (e *Error) ErrorCode() string { return e.Code }

// ErrorKind returns the kind as a string.
func (e *Error) ErrorKind() string { return string(e.Kind) }
