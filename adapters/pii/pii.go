// Package pii keeps personal data out of the event log in readable form.
//
// Each customer gets their own AES-256-GCM data key, held in a key directory
// outside the event store. Personal data (names, phone numbers, ID numbers)
// is encrypted with that key before it goes into an event; the event carries
// only ciphertext and the key ID. Forget erases the key after the retention
// period: the events, their hashes and the hash chain stay intact, but the
// person can no longer be read (crypto-shredding).
//
// Keys are files named <key-id>.key in the directory, written with fsync and
// created only if absent (a hard link of a synced temporary file), so a key
// is durable before any ciphertext made with it is returned, and replicas
// sharing the directory agree on one key per subject. A forgotten subject
// leaves a <key-id>.forgotten marker that every access checks, so Forget on
// one replica is seen at once by all.
package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Errors returned by the vault.
var (
	// ErrForgotten means the subject's key was erased: the data is gone for good.
	ErrForgotten = errors.New("pii: subject forgotten")
	// ErrCorrupt means ciphertext failed authentication or has the wrong shape.
	ErrCorrupt = errors.New("pii: ciphertext corrupt or not for this key")
	// ErrInvalidSubject means a subject ID is empty.
	ErrInvalidSubject = errors.New("pii: invalid subject")
)

// Vault encrypts personal data with per-subject keys.
type Vault struct {
	dir string
	mu  sync.Mutex
	// keys caches loaded keys by key ID.
	keys map[string][]byte
}

// Open returns a vault keeping its keys in dir, creating dir if needed.
func Open(dir string) (*Vault, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("pii: open %s: %w", dir, err)
	}
	return &Vault{dir: dir, keys: map[string][]byte{}}, nil
}

// KeyID returns the key ID of a subject: a hash, so key file names reveal
// nothing about the subject.
func KeyID(subject string) string {
	sum := sha256.Sum256([]byte("remitflow.pii.v1:" + subject))
	return hex.EncodeToString(sum[:16])
}

// Encrypt seals plaintext under the subject's key, creating the key on first
// use. It returns the key ID and the ciphertext (nonce followed by sealed
// data). Errors: ErrInvalidSubject, ErrForgotten, or an I/O error.
func (v *Vault) Encrypt(subject string, plaintext []byte) (keyID string, ciphertext []byte, err error) {
	if subject == "" {
		return "", nil, ErrInvalidSubject
	}
	id := KeyID(subject)
	key, err := v.key(id, true)
	if err != nil {
		return "", nil, err
	}
	aead, err := newAEAD(key)
	if err != nil {
		return "", nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", nil, fmt.Errorf("pii: nonce: %w", err)
	}
	return id, aead.Seal(nonce, nonce, plaintext, []byte(id)), nil
}

// Decrypt opens ciphertext made by Encrypt. Errors: ErrForgotten when the key
// was erased (or never existed), ErrCorrupt when the ciphertext does not
// authenticate.
func (v *Vault) Decrypt(keyID string, ciphertext []byte) ([]byte, error) {
	key, err := v.key(keyID, false)
	if err != nil {
		return nil, err
	}
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	if len(ciphertext) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrCorrupt
	}
	ns := aead.NonceSize()
	plain, err := aead.Open(nil, ciphertext[:ns], ciphertext[ns:], []byte(keyID))
	if err != nil {
		return nil, ErrCorrupt
	}
	return plain, nil
}

// Forget erases the subject's key durably. Afterwards Decrypt returns
// ErrForgotten for every ciphertext made for the subject, and Encrypt refuses
// the subject. Forgetting twice is not an error.
func (v *Vault) Forget(subject string) error {
	if subject == "" {
		return ErrInvalidSubject
	}
	id := KeyID(subject)
	v.mu.Lock()
	defer v.mu.Unlock()
	delete(v.keys, id)
	// A tombstone stops the key from being recreated by a later Encrypt.
	if err := writeFileSync(v.dir, id+".forgotten", []byte("forgotten\n")); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(v.dir, id+".key")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("pii: forget: %w", err)
	}
	return syncDir(v.dir)
}

func (v *Vault) key(id string, create bool) ([]byte, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	// Checked on every access: another process may have forgotten the subject.
	if _, err := os.Stat(filepath.Join(v.dir, id+".forgotten")); err == nil {
		delete(v.keys, id)
		return nil, ErrForgotten
	}
	if k, ok := v.keys[id]; ok {
		return k, nil
	}
	k, err := v.readKey(id)
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist) && create:
		k = make([]byte, 32)
		if _, err := rand.Read(k); err != nil {
			return nil, fmt.Errorf("pii: new key: %w", err)
		}
		created, err := createFileSync(v.dir, id+".key", k)
		if err != nil {
			return nil, err
		}
		if !created {
			// Another process created the subject's key first: use theirs.
			if k, err = v.readKey(id); err != nil {
				return nil, err
			}
		}
	case errors.Is(err, fs.ErrNotExist):
		return nil, ErrForgotten
	default:
		return nil, err
	}
	v.keys[id] = k
	return k, nil
}

func (v *Vault) readKey(id string) ([]byte, error) {
	k, err := os.ReadFile(filepath.Join(v.dir, id+".key"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("pii: read key: %w", err)
	}
	if len(k) != 32 {
		return nil, fmt.Errorf("pii: key %s has %d bytes: %w", id, len(k), ErrCorrupt)
	}
	return k, nil
}

// createFileSync durably creates name in dir with data unless it exists; it
// reports whether this call created it.
func createFileSync(dir, name string, data []byte) (bool, error) {
	tmp, err := os.CreateTemp(dir, name+".tmp*")
	if err != nil {
		return false, fmt.Errorf("pii: write %s: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return false, fmt.Errorf("pii: write %s: %w", name, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return false, fmt.Errorf("pii: sync %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return false, fmt.Errorf("pii: close %s: %w", name, err)
	}
	if err := os.Link(tmp.Name(), filepath.Join(dir, name)); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		return false, fmt.Errorf("pii: create %s: %w", name, err)
	}
	return true, syncDir(dir)
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("pii: cipher: %w", err)
	}
	return cipher.NewGCM(block)
}

// writeFileSync writes name in dir atomically and durably.
func writeFileSync(dir, name string, data []byte) error {
	tmp, err := os.CreateTemp(dir, name+".tmp*")
	if err != nil {
		return fmt.Errorf("pii: write %s: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("pii: write %s: %w", name, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("pii: sync %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("pii: close %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("pii: rename %s: %w", name, err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("pii: sync dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("pii: sync dir: %w", err)
	}
	return nil
}
