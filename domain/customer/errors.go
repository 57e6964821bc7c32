package customer

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
	// Code is a stable machine-readable name, e.g. "customer.blocked".
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

// Errors returned by Decide and CanSend.
var (
	// ErrInvalidCommand means a command is malformed: missing command ID,
	// actor, customer ID, reason or encrypted personal data.
	ErrInvalidCommand = newError("customer.invalid_command", KindInvalid, "customer: invalid command")
	// ErrInvalidCountry means a country is not an ISO 3166-1 alpha-2 code.
	ErrInvalidCountry = newError("customer.invalid_country", KindInvalid, "customer: invalid country code")
	// ErrInvalidPhone means a phone number is not in E.164 form (+ and 7 to 15 digits).
	ErrInvalidPhone = newError("customer.invalid_phone", KindInvalid, "customer: phone number is not E.164")
	// ErrInvalidTier means a KYC tier is not 0, 1 or 2.
	ErrInvalidTier = newError("customer.invalid_tier", KindInvalid, "customer: unknown KYC tier")
	// ErrAlreadyRegistered means the customer ID was registered with other details.
	ErrAlreadyRegistered = newError("customer.already_registered", KindConflict, "customer: already registered")
	// ErrCustomerNotFound means the customer was never registered.
	ErrCustomerNotFound = newError("customer.not_found", KindNotFound, "customer: not found")
	// ErrCustomerBlocked means the customer is blocked and may not send.
	ErrCustomerBlocked = newError("customer.blocked", KindRefused, "customer: blocked")
)
