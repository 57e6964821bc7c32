package quote

// Kind classifies a domain error so the HTTP edge can map it without knowing
// every error: "invalid" (malformed command), "not_found", "conflict" (clashes
// with what already happened) and "refused" (a business rule says no).
type Kind string

// Error kinds.
const (
	KindInvalid  Kind = "invalid"
	KindNotFound Kind = "not_found"
	KindConflict Kind = "conflict"
	KindRefused  Kind = "refused"
)

// Error is a named domain error. Decide wraps these sentinels with detail;
// test with errors.Is, or errors.As an interface{ ErrorKind() string } to map
// by kind.
type Error struct {
	// Code is a stable machine-readable name, e.g. "quote.expired".
	Code string
	// Kind classifies the error.
	Kind Kind
	msg  string
}

// Error returns the message.
func (e *Error) Error() string { return e.msg }

// ErrorCode returns the stable code.
func (e *Error) ErrorCode() string { return e.Code }

// ErrorKind returns the kind as a string.
func (e *Error) ErrorKind() string { return string(e.Kind) }

func newError(code string, kind Kind, msg string) *Error {
	return &Error{Code: code, Kind: kind, msg: msg}
}

// Errors returned by Decide and CheckUsable.
var (
	// ErrInvalidCommand means a command is malformed: missing command ID,
	// actor, quote, customer or transfer ID.
	ErrInvalidCommand = newError("quote.invalid_command", KindInvalid, "quote: invalid command")
	// ErrInvalidQuote means the prices in an Issue command are inconsistent.
	ErrInvalidQuote = newError("quote.invalid", KindInvalid, "quote: inconsistent quote")
	// ErrQuoteExists means the quote ID was issued before with other content.
	ErrQuoteExists = newError("quote.exists", KindConflict, "quote: quote ID already issued")
	// ErrQuoteNotFound means no quote was issued under the ID.
	ErrQuoteNotFound = newError("quote.not_found", KindNotFound, "quote: not found")
	// ErrQuoteExpired means the quote is past its expiry.
	ErrQuoteExpired = newError("quote.expired", KindRefused, "quote: expired")
	// ErrQuoteUsed means the quote was accepted for another transfer.
	ErrQuoteUsed = newError("quote.used", KindConflict, "quote: already used by another transfer")
	// ErrQuoteCustomerMismatch means the quote belongs to another customer.
	ErrQuoteCustomerMismatch = newError("quote.customer_mismatch", KindRefused, "quote: issued to another customer")
)
