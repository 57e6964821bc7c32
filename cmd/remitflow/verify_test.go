package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/remitflow/remitflow/adapters/eventstore/eventstoredb/esdbtest"
	"github.com/remitflow/remitflow/adapters/storeconfig"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/eventstore"
)

func TestVerifyIntactLog(t *testing.T) {
	s := seedStore(t)
	out, _, err := runCLI(t, nil, "verify", "--data-dir", s.dir)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if want := "verified 5 streams, 8 events"; !strings.Contains(out, want) {
		t.Errorf("verify printed %q, want it to contain %q", out, want)
	}

	out, _, err = runCLI(t, map[string]string{"REMITFLOW_DATA_DIR": s.dir}, "verify", "--stream", "transfer-tr_1")
	if err != nil {
		t.Fatalf("verify --stream: %v", err)
	}
	if want := "verified stream transfer-tr_1: 3 events, hash chain intact"; !strings.Contains(out, want) {
		t.Errorf("verify --stream printed %q, want %q", out, want)
	}
}

func TestVerifyTamperedLog(t *testing.T) {
	s := seedStore(t)
	appendForged(t, s.dir, "wallet-cus_a")

	out, _, err := runCLI(t, nil, "verify", "--data-dir", s.dir)
	var ce *command.ChainError
	if !errors.As(err, &ce) {
		t.Fatalf("verify of a tampered log = %v, want a *command.ChainError", err)
	}
	if ce.Stream != "wallet-cus_a" || ce.Revision != 2 || !strings.Contains(ce.Reason, "content hashes to") {
		t.Errorf("chain error = %+v, want wallet-cus_a@2 with a content mismatch", ce)
	}
	for _, want := range []string{"BROKEN hash chain", "stream:   wallet-cus_a", "revision: 2", "event:    " + ce.EventID.String(), "type:     wallet.funded.v1", "checked 5 streams and 8 events before the break"} {
		if !strings.Contains(out, want) {
			t.Errorf("verify printed\n%s\nwant it to contain %q", out, want)
		}
	}

	// The one stream is broken too; other streams still verify.
	if _, _, err := runCLI(t, nil, "verify", "--data-dir", s.dir, "--stream", "wallet-cus_a"); !errors.Is(err, command.ErrChainBroken) {
		t.Errorf("verify --stream wallet-cus_a = %v, want ErrChainBroken", err)
	}
	if _, _, err := runCLI(t, nil, "verify", "--data-dir", s.dir, "--stream", "wallet-cus_b"); err != nil {
		t.Errorf("verify --stream wallet-cus_b = %v, want nil", err)
	}
}

func TestVerifyBadInput(t *testing.T) {
	s := seedStore(t)
	tests := []struct {
		args []string
		want string
		is   error
	}{
		{[]string{"verify", "--data-dir", s.dir, "--stream", "transfer-nope"}, `stream "transfer-nope" not found`, eventstore.ErrStreamNotFound},
		{[]string{"verify", "--data-dir", s.dir, "--stream", ""}, "--stream", eventstore.ErrInvalidStreamName},
		{[]string{"verify", "--data-dir", s.dir, "--stream", "$all"}, "--stream", eventstore.ErrInvalidStreamName},
		{[]string{"verify", "--data-dir", s.dir, "--bogus"}, "unknown flag: --bogus", nil},
		{[]string{"verify", "--data-dir", s.dir, "extra"}, "unknown command", nil},
	}
	for _, tt := range tests {
		_, _, err := runCLI(t, nil, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) || (tt.is != nil && !errors.Is(err, tt.is)) {
			t.Errorf("run(%q) = %v, want an error containing %q (is %v)", tt.args, err, tt.want, tt.is)
		}
	}
}

// TestOfflineCommandsOnEventStoreDB runs verify, export, replay and rebuild against
// an EventStoreDB store (the protocol-level test server) configured through
// the environment, as for a clustered deployment.
func TestOfflineCommandsOnEventStoreDB(t *testing.T) {
	srv, err := esdbtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	env := map[string]string{"REMITFLOW_STORE": "eventstoredb", "REMITFLOW_ESDB_URL": srv.URL()}
	cfg, err := storeconfig.FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	store, closeStore, err := storeconfig.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore()
	seedHistory(t, store)

	out, _, err := runCLI(t, env, "verify")
	if err != nil || !strings.Contains(out, "verified 5 streams, 8 events") {
		t.Fatalf("verify on EventStoreDB = %v, printed %q", err, out)
	}
	out, _, err = runCLI(t, env, "export", "--customer", "cus_a")
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	if recs := parseExport(t, out); len(recs) != 6 {
		t.Errorf("exported %d of cus_a's events, want 6", len(recs))
	} else {
		checkChains(t, recs)
	}
	if out, _, err = runCLI(t, env, "replay", "--transfer", "tr_1"); err != nil || !strings.Contains(out, `"Status": "funded"`) {
		t.Errorf("replay on EventStoreDB = %v, printed\n%s", err, out)
	}

	if out, _, err = runCLI(t, env, "rebuild"); err != nil || !strings.Contains(out, "rebuilt read models from 8 events") {
		t.Errorf("rebuild on EventStoreDB = %v, printed\n%s", err, out)
	}

	appendForgedTo(t, store, "wallet-cus_b")
	_, _, err = runCLI(t, env, "verify")
	var ce *command.ChainError
	if !errors.As(err, &ce) || ce.Stream != "wallet-cus_b" || ce.Revision != 1 {
		t.Errorf("verify of a tampered EventStoreDB log = %v, want wallet-cus_b@1 broken", err)
	}
}
