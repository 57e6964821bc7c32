package transfer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
	"github.com/shopspring/decimal"
)

// LockDuration is how long an agent's pickup lookup locks a cash pickup.
const LockDuration = 10 * time.Minute

// MaxPickupCodeFailures is the number of wrong pickup codes after which a
// pickup is blocked.
const MaxPickupCodeFailures = 5

// Method is how the recipient is paid.
type Method string

// Payout methods.
const (
	MobileWallet Method = "mobile_wallet"
	CashPickup   Method = "cash_pickup"
)

// Recipient is who receives the money and how.
//
// Name and MSISDN are personal data. A command may carry them in clear
// only, or also sealed in PII (encrypted with the sender's vault key by the
// service). When PII is set, events and states keep only PII: the clear
// fields are dropped from the event (Sealed) and from JSON, and callers that
// need them decrypt PII (see Details). Without PII they are stored in clear.
type Recipient struct {
	Method Method `json:"method"`
	// Name is the recipient's name, required: it is screened against
	// sanctions lists and, for cash pickup, checked against the ID at the
	// agent.
	Name string `json:"name,omitempty"`
	// MSISDN is the mobile wallet number in E.164 with '+', e.g. "+254708374149".
	MSISDN string `json:"msisdn,omitempty"`
	// Provider is the mobile-money partner.
	Provider payout.Provider `json:"provider,omitempty"`
	// Country is the ISO 3166-1 alpha-2 country of payout, e.g. "KE".
	Country string `json:"country"`
	// PII, when set, is the JSON of Details encrypted by the PII vault.
	PII customer.EncryptedPII `json:"pii,omitzero"`
}

// Details are a recipient's personal data, the plaintext of Recipient.PII.
type Details struct {
	Name   string `json:"name"`
	MSISDN string `json:"msisdn,omitempty"`
}

// Details returns the clear personal data the recipient carries.
func (r Recipient) Details() Details { return Details{Name: r.Name, MSISDN: r.MSISDN} }

// WithDetails returns r with its clear personal data set to d.
func (r Recipient) WithDetails(d Details) Recipient {
	r.Name, r.MSISDN = d.Name, d.MSISDN
	return r
}

// IsSealed reports whether the recipient's personal data is in PII.
func (r Recipient) IsSealed() bool { return r.PII.KeyID != "" }

// Sealed returns r without its clear personal data when PII holds it, and r
// unchanged otherwise.
func (r Recipient) Sealed() Recipient {
	if r.IsSealed() {
		r.Name, r.MSISDN = "", ""
	}
	return r
}

// MarshalJSON leaves the clear personal data out of a sealed recipient, so
// that it reaches neither events nor command hashes.
func (r Recipient) MarshalJSON() ([]byte, error) {
	type plain Recipient
	return json.Marshal(plain(r.Sealed()))
}

var (
	e164    = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	country = regexp.MustCompile(`^[A-Z]{2}$`)
)

// Validate checks the recipient; it returns an error wrapping
// ErrInvalidRecipient.
func (r Recipient) Validate() error {
	if r.IsSealed() && len(r.PII.Ciphertext) == 0 {
		return fmt.Errorf("%w: sealed personal data without ciphertext", ErrInvalidRecipient)
	}
	if r.Name == "" || len(r.Name) > 200 {
		return fmt.Errorf("%w: the recipient's name is required (at most 200 bytes)", ErrInvalidRecipient)
	}
	if !country.MatchString(r.Country) {
		return fmt.Errorf("%w: country %q is not an ISO 3166 alpha-2 code", ErrInvalidRecipient, r.Country)
	}
	switch r.Method {
	case MobileWallet:
		if !e164.MatchString(r.MSISDN) {
			return fmt.Errorf("%w: MSISDN %q is not E.164 (+countrycode number)", ErrInvalidRecipient, r.MSISDN)
		}
		if !r.Provider.Valid() {
			return fmt.Errorf("%w: unknown provider %q", ErrInvalidRecipient, r.Provider)
		}
	case CashPickup:
		if r.MSISDN != "" || r.Provider != "" {
			return fmt.Errorf("%w: cash pickup takes no mobile wallet", ErrInvalidRecipient)
		}
	default:
		return fmt.Errorf("%w: unknown payout method %q", ErrInvalidRecipient, r.Method)
	}
	return nil
}

// QuoteTerms are the accepted quote's terms, copied into the transfer.
type QuoteTerms struct {
	QuoteID string `json:"quote_id"`
	// Send is the amount converted, in the send currency.
	Send money.Amount `json:"send"`
	// Fee is charged on top of Send, in the send currency.
	Fee money.Amount `json:"fee"`
	// Total is what the sender pays: Send + Fee.
	Total money.Amount `json:"total"`
	// Receive is what the recipient gets: Send × CustomerRate, rounded.
	Receive money.Amount `json:"receive"`
	// MidRate and CustomerRate are receive units per send unit.
	MidRate      decimal.Decimal `json:"mid_rate"`
	CustomerRate decimal.Decimal `json:"customer_rate"`
	ExpiresAt    time.Time       `json:"expires_at"`
}

// Validate checks that the terms are complete and consistent; it returns an
// error wrapping ErrInvalidCommand.
func (q QuoteTerms) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: quote terms: "+format, append([]any{ErrInvalidCommand}, args...)...)
	}
	switch {
	case q.QuoteID == "":
		return bad("missing quote ID")
	case !q.Send.Currency.Valid() || !q.Send.IsPositive():
		return bad("send amount %s must be positive", q.Send)
	case q.Fee.Currency != q.Send.Currency || q.Fee.IsNegative():
		return bad("fee %s must be a non-negative %s amount", q.Fee, q.Send.Currency)
	case q.Total.Currency != q.Send.Currency || !q.Total.Value.Equal(q.Send.Value.Add(q.Fee.Value)):
		return bad("total %s is not send %s + fee %s", q.Total, q.Send, q.Fee)
	case !q.Receive.Currency.Valid() || !q.Receive.IsPositive() || !q.Receive.IsMinorPrecision():
		return bad("receive amount %s must be positive, in minor units", q.Receive)
	case !q.MidRate.IsPositive() || !q.CustomerRate.IsPositive():
		return bad("rates must be positive")
	case q.ExpiresAt.IsZero():
		return bad("missing expiry")
	}
	return nil
}

// Status is a transfer's internal status.
type Status string

// Internal statuses; see the package comment for the lifecycle.
const (
	StatusNone            Status = ""
	StatusRequested       Status = "requested"
	StatusHeld            Status = "held"
	StatusCleared         Status = "cleared"
	StatusRejected        Status = "rejected"
	StatusFunded          Status = "funded"
	StatusFundingFailed   Status = "funding_failed"
	StatusExpired         Status = "expired"
	StatusCancelled       Status = "cancelled"
	StatusPayoutSubmitted Status = "payout_submitted"
	StatusPayoutRetry     Status = "payout_retry"
	StatusPayoutFailed    Status = "payout_failed"
	StatusPickupReady     Status = "pickup_ready"
	StatusPickupExpired   Status = "pickup_expired"
	StatusPaidOut         Status = "paid_out"
	StatusCompleted       Status = "completed"
	StatusRefunded        Status = "refunded"
)

// Public is the status shown to customers.
type Public string

// Public statuses.
const (
	PublicPending    Public = "pending"
	PublicProcessing Public = "processing"
	PublicHeld       Public = "held"
	PublicPaidOut    Public = "paid_out"
	PublicCompleted  Public = "completed"
	PublicFailed     Public = "failed"
	PublicRefunded   Public = "refunded"
	PublicCancelled  Public = "cancelled"
	PublicExpired    Public = "expired"
)

// PublicStatus maps a transfer's internal status to the public set. A
// transfer that does not exist maps to "" .
func PublicStatus(s State) Public {
	switch s.Status {
	case StatusRequested:
		return PublicPending
	case StatusCleared, StatusFunded, StatusPayoutSubmitted, StatusPayoutRetry, StatusPickupReady:
		return PublicProcessing
	case StatusHeld:
		return PublicHeld
	case StatusPaidOut:
		return PublicPaidOut
	case StatusCompleted:
		return PublicCompleted
	case StatusRejected, StatusFundingFailed, StatusPayoutFailed:
		return PublicFailed
	case StatusRefunded:
		return PublicRefunded
	case StatusCancelled:
		return PublicCancelled
	case StatusExpired, StatusPickupExpired:
		return PublicExpired
	}
	return ""
}

// Hit is one reason a screening held a transfer: a sanctions list match or a
// compliance rule (limit, velocity).
type Hit struct {
	// Rule names the rule or list, e.g. "sanctions.ofac_sdn", "limit.single".
	Rule string `json:"rule"`
	// Subject is who matched: "sender" or "recipient".
	Subject string `json:"subject,omitempty"`
	// Entry is the list entry matched, when a list matched.
	Entry string `json:"entry,omitempty"`
	// Score is the match score in [0,1], when a matcher scored it.
	Score  float64 `json:"score,omitempty"`
	Detail string  `json:"detail,omitempty"`
}

// Attempt is one payout attempt.
type Attempt struct {
	Number    int    `json:"number"`
	Reference string `json:"reference"`
	Partner   string `json:"partner"`
	// State is the last known state of the attempt.
	State            payout.State `json:"state"`
	PartnerReference string       `json:"partner_reference,omitempty"`
	Code             string       `json:"code,omitempty"`
	Reason           string       `json:"reason,omitempty"`
	Retryable        bool         `json:"retryable,omitempty"`
	SubmittedAt      time.Time    `json:"submitted_at"`
}

// Pickup is the cash pickup of a transfer.
type Pickup struct {
	CodeHash    string    `json:"code_hash"`
	ExpiresAt   time.Time `json:"expires_at"`
	LockedBy    string    `json:"locked_by,omitempty"`
	LockedUntil time.Time `json:"locked_until,omitempty"`
	// Failures counts wrong codes entered.
	Failures int `json:"failures,omitempty"`
}

// HashPickupCode returns the stored form of a pickup code: hex SHA-256 over
// the transfer ID, a NUL byte and the code.
func HashPickupCode(transferID, code string) string {
	sum := sha256.Sum256([]byte(transferID + "\x00" + code))
	return hex.EncodeToString(sum[:])
}

// HashIDNumber returns the stored form of an identity document number: hex
// SHA-256 over the transfer ID, the ID type and the number, NUL-separated.
func HashIDNumber(transferID, idType, number string) string {
	sum := sha256.Sum256([]byte(transferID + "\x00" + idType + "\x00" + number))
	return hex.EncodeToString(sum[:])
}
