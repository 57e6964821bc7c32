package main

import (
	"regexp"
	"strings"
	"testing"
)

// digestLines returns the "digest <name> <hex>" lines of rebuild's output.
func digestLines(t *testing.T, out string) []string {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "digest ") {
			lines = append(lines, l)
		}
	}
	return lines
}

func TestRebuildTwiceSameDigests(t *testing.T) {
	s := seedStore(t)
	first, _, err := runCLI(t, nil, "rebuild", "--data-dir", s.dir)
	if err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	if !strings.Contains(first, "rebuilt read models from 8 events (up to position 8:8)") {
		t.Errorf("rebuild printed\n%s", first)
	}
	d1 := digestLines(t, first)
	for _, name := range []string{"agents", "balances", "compliance", "corridors", "rates", "transfers"} {
		re := regexp.MustCompile(`^digest ` + name + ` +[0-9a-f]{64}$`)
		found := false
		for _, l := range d1 {
			found = found || re.MatchString(l)
		}
		if !found {
			t.Errorf("no digest for %s in\n%s", name, first)
		}
	}
	second, _, err := runCLI(t, map[string]string{"REMITFLOW_DATA_DIR": s.dir}, "rebuild")
	if err != nil {
		t.Fatalf("second rebuild: %v", err)
	}
	if d2 := digestLines(t, second); strings.Join(d1, "\n") != strings.Join(d2, "\n") {
		t.Errorf("digests differ between two rebuilds:\n%s\n---\n%s", strings.Join(d1, "\n"), strings.Join(d2, "\n"))
	}

	// More history changes the balances and transfers digests.
	appendForged(t, s.dir, "wallet-cus_b")
	third, _, err := runCLI(t, nil, "rebuild", "--data-dir", s.dir)
	if err != nil {
		t.Fatalf("third rebuild: %v", err)
	}
	if strings.Join(digestLines(t, third), "\n") == strings.Join(d1, "\n") {
		t.Errorf("digests did not change after another wallet event:\n%s", third)
	}
}

func TestRebuildEmptyLog(t *testing.T) {
	out, _, err := runCLI(t, nil, "rebuild", "--data-dir", t.TempDir())
	if err != nil {
		t.Fatalf("rebuild of an empty log: %v", err)
	}
	if !strings.Contains(out, "rebuilt read models from 0 events") || len(digestLines(t, out)) != 6 {
		t.Errorf("rebuild of an empty log printed\n%s", out)
	}
}

func TestRebuildBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"rebuild", "--data-dir", t.TempDir(), "--bogus"},
		{"rebuild", "--data-dir", t.TempDir(), "now"},
	} {
		if _, _, err := runCLI(t, nil, args...); err == nil {
			t.Errorf("run(%q) = nil, want an error", args)
		}
	}
}
