package main

import (
	"errors"
	"fmt"

	"github.com/remitflow/remitflow/adapters/pii"
	"github.com/remitflow/remitflow/domain/process"
)

// processVault gives the transfer process the PII vault, reporting a
// forgotten key as process.ErrForgotten so the process holds or fails the
// transfer instead of retrying.
type processVault struct{ v *pii.Vault }

var _ process.Vault = processVault{}

// Encrypt seals plaintext under the subject's key.
func (p processVault) Encrypt(subject string, plaintext []byte) (string, []byte, error) {
	id, ct, err := p.v.Encrypt(subject, plaintext)
	return id, ct, forgotten(err)
}

// Decrypt opens a ciphertext made by Encrypt.
func (p processVault) Decrypt(keyID string, ciphertext []byte) ([]byte, error) {
	b, err := p.v.Decrypt(keyID, ciphertext)
	return b, forgotten(err)
}

func forgotten(err error) error {
	if errors.Is(err, pii.ErrForgotten) {
		return fmt.Errorf("%w: %w", process.ErrForgotten, err)
	}
	return err
}
