package pii

import (
	"bytes"
	"errors"
	"testing"
)

func TestEncryptDecryptForget(t *testing.T) {
	dir := t.TempDir()
	v, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	id, ct, err := v.Encrypt("cus_1", []byte(`{"name":"Amina Njeri","phone":"+254708374149"}`))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(ct, []byte("Amina")) {
		t.Fatal("ciphertext contains the plaintext")
	}
	// A fresh vault over the same directory reads the durable key.
	v2, _ := Open(dir)
	plain, err := v2.Decrypt(id, ct)
	if err != nil || !bytes.Contains(plain, []byte("Amina Njeri")) {
		t.Fatalf("Decrypt = %q, %v", plain, err)
	}
	// Tampering is detected.
	bad := bytes.Clone(ct)
	bad[len(bad)-1] ^= 1
	if _, err := v2.Decrypt(id, bad); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Decrypt(tampered) error = %v, want ErrCorrupt", err)
	}
	if _, err := v2.Decrypt(id, ct[:5]); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Decrypt(short) error = %v, want ErrCorrupt", err)
	}
	// Another subject's key cannot open it.
	other, _, _ := v2.Encrypt("cus_2", []byte("x"))
	if _, err := v2.Decrypt(other, ct); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Decrypt with another key error = %v, want ErrCorrupt", err)
	}

	if err := v2.Forget("cus_1"); err != nil {
		t.Fatal(err)
	}
	if err := v2.Forget("cus_1"); err != nil {
		t.Fatalf("second Forget: %v", err)
	}
	// The vault that forgot, and any vault opened later, refuse the subject.
	for _, vv := range []*Vault{v2, mustOpen(t, dir)} {
		if _, err := vv.Decrypt(id, ct); !errors.Is(err, ErrForgotten) {
			t.Fatalf("Decrypt after Forget error = %v, want ErrForgotten", err)
		}
		if _, _, err := vv.Encrypt("cus_1", []byte("again")); !errors.Is(err, ErrForgotten) {
			t.Fatalf("Encrypt after Forget error = %v, want ErrForgotten", err)
		}
	}
}

func TestBadInput(t *testing.T) {
	v := mustOpen(t, t.TempDir())
	if _, _, err := v.Encrypt("", []byte("x")); !errors.Is(err, ErrInvalidSubject) {
		t.Errorf("Encrypt(\"\") error = %v", err)
	}
	if err := v.Forget(""); !errors.Is(err, ErrInvalidSubject) {
		t.Errorf("Forget(\"\") error = %v", err)
	}
	if _, err := v.Decrypt(KeyID("nobody"), []byte("0123456789012345678901234567890123")); !errors.Is(err, ErrForgotten) {
		t.Errorf("Decrypt(unknown key) error = %v, want ErrForgotten", err)
	}
}

func mustOpen(t *testing.T, dir string) *Vault {
	t.Helper()
	v, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestReplicasShareOneKey: vaults of several processes over one directory
// agree on each subject's key, even when they create it at the same time,
// and a Forget by one is seen by the others at once.
func TestReplicasShareOneKey(t *testing.T) {
	dir := t.TempDir()
	const n = 8
	vaults := make([]*Vault, n)
	for i := range vaults {
		vaults[i] = mustOpen(t, dir)
	}
	type sealed struct {
		id string
		ct []byte
	}
	out := make(chan sealed, n)
	for i := range vaults {
		go func() {
			id, ct, err := vaults[i].Encrypt("cus_race", []byte("secret"))
			if err != nil {
				t.Error(err)
			}
			out <- sealed{id, ct}
		}()
	}
	for range n {
		s := <-out
		for _, v := range vaults {
			if plain, err := v.Decrypt(s.id, s.ct); err != nil || string(plain) != "secret" {
				t.Fatalf("a vault cannot open another's ciphertext: %q, %v", plain, err)
			}
		}
	}
	if err := vaults[0].Forget("cus_race"); err != nil {
		t.Fatal(err)
	}
	for i, v := range vaults[1:] {
		if _, _, err := v.Encrypt("cus_race", []byte("again")); !errors.Is(err, ErrForgotten) {
			t.Errorf("vault %d (cached key) Encrypt after another's Forget = %v, want ErrForgotten", i+1, err)
		}
	}
}
