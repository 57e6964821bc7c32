package process

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/transfer"
)

// Vault seals and opens personal data with a per-customer key, kept outside
// the event log (adapters/pii.Vault has this shape). Forgetting a customer's
// key makes their sealed data, including their recipients', unreadable while
// the log and its hashes stay intact.
//
// Decrypt must return an error wrapping ErrForgotten once the key was
// forgotten: the process then holds (before screening) or fails (before
// payout) the transfer instead of retrying for ever.
type Vault interface {
	// Encrypt seals plaintext under subject's key and returns the key ID and
	// ciphertext.
	Encrypt(subject string, plaintext []byte) (keyID string, ciphertext []byte, err error)
	// Decrypt opens a ciphertext made by Encrypt; it fails once the key was
	// forgotten.
	Decrypt(keyID string, ciphertext []byte) ([]byte, error)
}

// seal encrypts a recipient's personal data under the sender's key.
func seal(v Vault, senderID string, r transfer.Recipient) (transfer.Recipient, error) {
	b, err := json.Marshal(r.Details())
	if err != nil {
		return r, fmt.Errorf("process: encode recipient details: %w", err)
	}
	keyID, ct, err := v.Encrypt(senderID, b)
	if err != nil {
		return r, fmt.Errorf("process: seal recipient details: %w", err)
	}
	r.PII = customer.EncryptedPII{KeyID: keyID, Ciphertext: ct}
	return r, nil
}

// reveal decrypts a sealed recipient's personal data; a recipient stored in
// clear is returned as it is. It returns ErrMissingDependency when the
// recipient is sealed and there is no vault, or the vault's error.
// ErrForgotten means personal data can no longer be opened: its owner's key
// was erased.
var ErrForgotten = errors.New("process: personal data forgotten")

// RuleDetailsErased is the hit rule and payout failure code of a transfer
// whose sender was erased while it was in flight.
const RuleDetailsErased = "privacy.details_erased"

func reveal(v Vault, r transfer.Recipient) (transfer.Recipient, error) {
	if !r.IsSealed() {
		return r, nil
	}
	if v == nil {
		return r, fmt.Errorf("%w: a vault to open recipient details", ErrMissingDependency)
	}
	b, err := v.Decrypt(r.PII.KeyID, r.PII.Ciphertext)
	if err != nil {
		return r, fmt.Errorf("process: open recipient details: %w", err)
	}
	var d transfer.Details
	if err := json.Unmarshal(b, &d); err != nil {
		return r, fmt.Errorf("process: decode recipient details: %w", err)
	}
	return r.WithDetails(d), nil
}

// sameRecipient compares two recipients' clear contents, ignoring how (or
// whether) they are sealed.
func sameRecipient(a, b transfer.Recipient) bool {
	return a.Method == b.Method && a.Provider == b.Provider && a.Country == b.Country && a.Details() == b.Details()
}
