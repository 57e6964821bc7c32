package process

import (
	"context"

	"github.com/remitflow/remitflow/domain/transfer"
)

// Screening subject roles.
const (
	RoleSender    = "sender"
	RoleRecipient = "recipient"
)

// Subject is a person screened against sanctions lists.
type Subject struct {
	// Role is RoleSender or RoleRecipient.
	Role string
	// SubjectID names the person for compliance records: the customer ID
	// for the sender, RecipientSubject(recipient) for the recipient.
	SubjectID string
	// TransferID is the transfer being screened.
	TransferID string
	// CustomerID is set for the sender; the adapter resolves the sender's
	// name and date of birth from it (the PII vault), since events do not
	// carry personal data in clear.
	CustomerID string
	// Name is set for the recipient.
	Name string
	// Country is an ISO 3166-1 alpha-2 code.
	Country string
}

// ScreeningResult is the outcome of screening one subject.
type ScreeningResult struct {
	// ListVersion identifies the list screened against.
	ListVersion string
	// BestScore is the best match score, hit or not, in [0, 1].
	BestScore float64
	// Hits are the list entries at or above the threshold that a reviewer
	// has not cleared for this subject; none means clear.
	Hits []transfer.Hit
	// CaseID is the compliance case the screener opened for the hits, if
	// it opens cases.
	CaseID string
}

// Screener screens one subject against the sanctions lists in force. It
// returns an error only when screening could not be done (list not loaded,
// vault unavailable); the step is then retried after a restart.
type Screener interface {
	Screen(ctx context.Context, s Subject) (ScreeningResult, error)
}

// ScreenerFunc adapts a function to Screener.
type ScreenerFunc func(ctx context.Context, s Subject) (ScreeningResult, error)

// Screen calls f.
func (f ScreenerFunc) Screen(ctx context.Context, s Subject) (ScreeningResult, error) {
	return f(ctx, s)
}

// Limits evaluates a requested transfer against the sender's KYC-tier
// limits and velocity rules, recording it in the sender's windows under
// commandID (idempotent). It returns the rules hit, none when within limits,
// or an error when the evaluation could not be done.
type Limits interface {
	Check(ctx context.Context, commandID string, t transfer.State) ([]transfer.Hit, error)
}

// Cases opens a compliance case for a held transfer (idempotent by
// commandID) and returns its ID.
type Cases interface {
	Open(ctx context.Context, commandID string, t transfer.State, hits []transfer.Hit) (caseID string, err error)
}

// CodeGenerator produces the cash pickup code for a transfer and delivers it
// to the recipient. It must return the same code for the same transfer (for
// example an HMAC of a secret key and the transfer ID, in digits), so that a
// repeated step issues the same code; codes must be hard to guess (at least
// 8 characters).
type CodeGenerator interface {
	PickupCode(ctx context.Context, t transfer.State) (string, error)
}

// CodeGeneratorFunc adapts a function to CodeGenerator.
type CodeGeneratorFunc func(ctx context.Context, t transfer.State) (string, error)

// PickupCode calls f.
func (f CodeGeneratorFunc) PickupCode(ctx context.Context, t transfer.State) (string, error) {
	return f(ctx, t)
}
