package customer

import "github.com/remitflow/remitflow/domain/domainerr"

// Errors returned by Decide and CanSend.
// Each is a *domainerr.Error, wrapped with detail where returned: test
// with errors.Is.
var (
	// ErrInvalidCommand means a command is malformed: missing command ID,
	// actor, customer ID, reason or encrypted personal data.
	ErrInvalidCommand = domainerr.New("customer.invalid_command", domainerr.Invalid, "customer: invalid command")
	// ErrInvalidCountry means a country is not an ISO 3166-1 alpha-2 code.
	ErrInvalidCountry = domainerr.New("customer.invalid_country", domainerr.Invalid, "customer: invalid country code")
	// ErrInvalidPhone means a phone number is not in E.164 form (+ and 7 to 15 digits).
	ErrInvalidPhone = domainerr.New("customer.invalid_phone", domainerr.Invalid, "customer: phone number is not E.164")
	// ErrInvalidTier means a KYC tier is not 0, 1 or 2.
	ErrInvalidTier = domainerr.New("customer.invalid_tier", domainerr.Invalid, "customer: unknown KYC tier")
	// ErrAlreadyRegistered means the customer ID was registered with other details.
	ErrAlreadyRegistered = domainerr.New("customer.already_registered", domainerr.Conflict, "customer: already registered")
	// ErrCustomerNotFound means the customer was never registered.
	ErrCustomerNotFound = domainerr.New("customer.not_found", domainerr.NotFound, "customer: not found")
	// ErrCustomerBlocked means the customer is blocked and may not send.
	ErrCustomerBlocked = domainerr.New("customer.blocked", domainerr.Refused, "customer: blocked")
)
