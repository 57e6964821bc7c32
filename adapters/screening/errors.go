package screening

import "errors"

// Errors returned by this package. They are wrapped with context; test with
// errors.Is.
var (
	// ErrInvalidConfig means a constructor was called without a required
	// dependency or with an unusable setting.
	ErrInvalidConfig = errors.New("screening: invalid configuration")
	// ErrInvalidSubject means a screening request lacks its subject ID,
	// transfer ID, customer ID or role.
	ErrInvalidSubject = errors.New("screening: invalid subject")
	// ErrUnknownCustomer means the customer to screen is not registered.
	ErrUnknownCustomer = errors.New("screening: customer not registered")
	// ErrSubjectForgotten means the customer's personal data was erased
	// (crypto-shredded), so the name cannot be screened. It is returned
	// together with pii.ErrForgotten.
	ErrSubjectForgotten = errors.New("screening: customer's personal data was erased")
	// ErrUnknownEntry means a list entry named by a reviewer is not in the
	// list in force.
	ErrUnknownEntry = errors.New("screening: no such list entry")
	// ErrNoPhone means a pickup code could not be delivered because no
	// phone number is known for the transfer.
	ErrNoPhone = errors.New("screening: no phone number to deliver to")
)
