package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/eventstore"
)

// parseExport decodes NDJSON lines.
func parseExport(t *testing.T, text string) []eventRecord {
	t.Helper()
	var out []eventRecord
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var r eventRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

// checkChains recomputes every exported event's hash from the export alone.
func checkChains(t *testing.T, recs []eventRecord) {
	t.Helper()
	last := map[string]string{}
	for _, r := range recs {
		m := command.EventMetadata{
			Metadata: eventstore.Metadata{CorrelationID: r.CorrelationID, CausationID: r.CausationID, Actor: r.Actor,
				OccurredAt: r.OccurredAt, SchemaVersion: r.SchemaVersion, PrevHash: r.PrevHash},
			CommandID: r.CommandID, CommandHash: r.CommandHash,
		}
		if got := command.Hash(r.Stream, r.Revision, uuid.MustParse(r.ID), r.Type, r.Data, m); got != r.Hash {
			t.Errorf("%s@%d: exported fields hash to %s, record says %s", r.Stream, r.Revision, got, r.Hash)
		}
		if r.PrevHash != last[r.Stream] {
			t.Errorf("%s@%d: prev_hash %s, previous exported hash %s", r.Stream, r.Revision, r.PrevHash, last[r.Stream])
		}
		last[r.Stream] = r.Hash
	}
}

func TestExportAllToStdout(t *testing.T) {
	s := seedStore(t)
	out, errOut, err := runCLI(t, nil, "export", "--data-dir", s.dir, "--all")
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	recs := parseExport(t, out)
	if len(recs) != s.events {
		t.Fatalf("exported %d events, want %d", len(recs), s.events)
	}
	if !strings.Contains(errOut, "exported 8 events") {
		t.Errorf("stderr = %q", errOut)
	}
	checkChains(t, recs)
	first := recs[0]
	if first.Stream != "customer-cus_a" || first.Revision != 0 || first.Position != "1:1" || first.Type != "customer.registered.v1" ||
		first.Actor != "staff:admin" || first.CorrelationID != "corr-1" || first.CommandID == "" || first.OccurredAt != t0 ||
		first.RecordedAt.IsZero() || first.PrevHash != "" || first.Hash == "" {
		t.Errorf("first record = %+v", first)
	}
	// The line carries exactly the documented fields.
	var raw map[string]json.RawMessage
	json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &raw)
	for _, k := range []string{"stream", "revision", "position", "id", "type", "occurred_at", "recorded_at", "actor", "correlation_id", "command_id", "command_hash", "schema_version", "prev_hash", "hash", "data"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("exported line lacks %q: %s", k, strings.SplitN(out, "\n", 2)[0])
		}
	}
}

func TestExportCustomerToFile(t *testing.T) {
	s := seedStore(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "cus_a.ndjson")
	if err := os.WriteFile(path, []byte("old export\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, err := runCLI(t, nil, "export", "--data-dir", s.dir, "--customer", "cus_a", "--as-of", "2026-11-21T09:05:00Z", "--out", path)
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs := parseExport(t, string(b))
	var got []string
	for _, r := range recs {
		got = append(got, r.Stream+"@"+r.Type)
	}
	want := "customer-cus_a@customer.registered.v1 wallet-cus_a@wallet.funded.v1 transfer-tr_1@transfer.requested.v1 transfer-tr_1@transfer.screened.v1"
	if strings.Join(got, " ") != want {
		t.Errorf("exported %s\nwant %s", strings.Join(got, " "), want)
	}
	checkChains(t, recs)
	if !strings.Contains(errOut, "exported 4 events to "+path) {
		t.Errorf("stderr = %q", errOut)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("out dir holds %d entries, want only the export (no temporary files)", len(entries))
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("export file mode = %v, %v; want 0600", info.Mode(), err)
	}
}

func TestExportStream(t *testing.T) {
	s := seedStore(t)
	out, _, err := runCLI(t, nil, "export", "--data-dir", s.dir, "--stream", "wallet-cus_b")
	if err != nil {
		t.Fatal(err)
	}
	recs := parseExport(t, out)
	if len(recs) != 1 || recs[0].Type != "wallet.funded.v1" {
		t.Fatalf("export --stream wallet-cus_b = %+v", recs)
	}
	checkChains(t, recs)
}

func TestExportBadInput(t *testing.T) {
	s := seedStore(t)
	outDir := t.TempDir()
	d := []string{"export", "--data-dir", s.dir}
	tests := []struct {
		args []string
		want string
		is   error
	}{
		{d, "at least one of the flags", nil},
		{append(d, "--all", "--customer", "cus_a"), "none of the others can be", nil},
		{append(d, "--stream", "transfer-nope"), `stream "transfer-nope" not found`, eventstore.ErrStreamNotFound},
		{append(d, "--customer", "cus_nobody", "--out", filepath.Join(outDir, "x.ndjson")), `no events for customer "cus_nobody"`, nil},
		{append(d, "--all", "--as-of", "last tuesday"), "want an RFC 3339 time", nil},
		{append(d, "--all", "--out", filepath.Join(outDir, "missing", "x.ndjson")), "no such file or directory", nil},
		{append(d, "--all", "--out", outDir), "is a directory", nil},
		{append(d, "--all", "--format", "csv"), "unknown flag: --format", nil},
		{append(d, "--customer", ""), "is empty", nil},
		{append(d, "--stream", ""), "is empty", nil},
	}
	for _, tt := range tests {
		_, _, err := runCLI(t, nil, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) || (tt.is != nil && !errors.Is(err, tt.is)) {
			t.Errorf("run(%q) = %v, want an error containing %q", tt.args, err, tt.want)
		}
	}
	if entries, _ := os.ReadDir(outDir); len(entries) != 0 {
		t.Errorf("failed exports left %d files in the out dir", len(entries))
	}
}
