package quote

import "github.com/remitflow/remitflow/domain/domainerr"

// Errors returned by Decide and CheckUsable.
// Each is a *domainerr.Error, wrapped with detail where returned: test
// with errors.Is.
var (
	// ErrInvalidCommand means a command is malformed: missing command ID,
	// actor, quote, customer or transfer ID.
	ErrInvalidCommand = domainerr.New("quote.invalid_command", domainerr.Invalid, "quote: invalid command")
	// ErrInvalidQuote means the prices in an Issue command are inconsistent.
	ErrInvalidQuote = domainerr.New("quote.invalid", domainerr.Invalid, "quote: inconsistent quote")
	// ErrQuoteExists means the quote ID was issued before with other content.
	ErrQuoteExists = domainerr.New("quote.exists", domainerr.Conflict, "quote: quote ID already issued")
	// ErrQuoteNotFound means no quote was issued under the ID.
	ErrQuoteNotFound = domainerr.New("quote.not_found", domainerr.NotFound, "quote: not found")
	// ErrQuoteExpired means the quote is past its expiry.
	ErrQuoteExpired = domainerr.New("quote.expired", domainerr.Refused, "quote: expired")
	// ErrQuoteUsed means the quote was accepted for another transfer.
	ErrQuoteUsed = domainerr.New("quote.used", domainerr.Conflict, "quote: already used by another transfer")
	// ErrQuoteCustomerMismatch means the quote belongs to another customer.
	ErrQuoteCustomerMismatch = domainerr.New("quote.customer_mismatch", domainerr.Refused, "quote: issued to another customer")
)
