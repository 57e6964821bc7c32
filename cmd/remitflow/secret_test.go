package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPickupSecret(t *testing.T) {
	if _, err := pickupSecret("too-short", t.TempDir()); err == nil || !strings.Contains(err.Error(), "at least 32 bytes") {
		t.Errorf("short secret error = %v", err)
	}
	long := strings.Repeat("k", 40)
	if b, err := pickupSecret(long, t.TempDir()); err != nil || string(b) != long {
		t.Errorf("configured secret = %q, %v", b, err)
	}
	dir := filepath.Join(t.TempDir(), "data")
	first, err := pickupSecret("", dir)
	if err != nil || len(first) < 32 {
		t.Fatalf("generated secret = %d bytes, %v", len(first), err)
	}
	info, err := os.Stat(filepath.Join(dir, "pickup-secret"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("secret file = %v, %v; want mode 0600", info, err)
	}
	again, err := pickupSecret("", dir)
	if err != nil || !bytes.Equal(again, first) {
		t.Error("a restart must read the same secret back (issued codes depend on it)")
	}
}
