package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/remitflow/remitflow/domain/eventstore"
)

func TestReplayTransferText(t *testing.T) {
	s := seedStore(t)
	out, _, err := runCLI(t, nil, "replay", "--data-dir", s.dir, "--transfer", s.transferID)
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	for _, want := range []string{
		"stream transfer-tr_1 as of now: 3 events",
		"2026-11-21T09:04:00Z  transfer-tr_1@0  transfer.requested.v1",
		"customer:cus_a",
		"sender_id=cus_a",
		"quote.send=100.00 USD",
		`recipient.name="Wanjiru Kamau"`,
		"transfer.funded.v1",
		"system:transfer-process",
		"state of transfer-tr_1 at revision 2:",
		`"Status": "funded"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("replay printed\n%s\nwant it to contain %q", out, want)
		}
	}
}

func TestReplayAsOf(t *testing.T) {
	s := seedStore(t)
	// 09:05 is the screening: the transfer is cleared, not yet funded.
	out, _, err := runCLI(t, nil, "replay", "--data-dir", s.dir, "--transfer", s.transferID, "--as-of", "2026-11-21T09:05:30Z", "--format", "json")
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	var h struct {
		AsOf   string        `json:"as_of"`
		Events []eventRecord `json:"events"`
		States []struct {
			Stream   string
			Revision uint64
			State    struct{ Status string }
		} `json:"states"`
	}
	if err := json.Unmarshal([]byte(out), &h); err != nil {
		t.Fatalf("replay --format json printed %q: %v", out, err)
	}
	if len(h.Events) != 2 || h.Events[1].Type != "transfer.screened.v1" || h.Events[1].Actor != "system:transfer-process" {
		t.Errorf("events as of 09:05:30 = %+v, want requested and screened", h.Events)
	}
	if len(h.States) != 1 || h.States[0].State.Status != "cleared" || h.States[0].Revision != 1 {
		t.Errorf("states = %+v, want transfer-tr_1 cleared at revision 1", h.States)
	}
	if h.AsOf != "2026-11-21T09:05:30Z" {
		t.Errorf("as_of = %q", h.AsOf)
	}
}

func TestReplayCustomer(t *testing.T) {
	s := seedStore(t)
	out, _, err := runCLI(t, nil, "replay", "--data-dir", s.dir, "--customer", "cus_a", "--format", "json")
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	var h history
	if err := json.Unmarshal([]byte(out), &h); err != nil {
		t.Fatal(err)
	}
	var streams []string
	for _, e := range h.Events {
		if e.Stream == "customer-cus_b" || e.Stream == "wallet-cus_b" {
			t.Errorf("cus_a's history holds %s@%d", e.Stream, e.Revision)
		}
		streams = append(streams, e.Stream)
	}
	want := "customer-cus_a wallet-cus_a transfer-tr_1 transfer-tr_1 wallet-cus_a transfer-tr_1"
	if got := strings.Join(streams, " "); got != want {
		t.Errorf("cus_a's history streams = %s, want %s", got, want)
	}
	if len(h.States) != 3 {
		t.Errorf("%d states, want customer, wallet and transfer", len(h.States))
	}

	// Before the wallet was funded only the registration is known.
	out, _, err = runCLI(t, nil, "replay", "--data-dir", s.dir, "--customer", "cus_a", "--as-of", "2026-11-21T09:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "customer cus_a as of 2026-11-21T09:00:00Z: 1 events") || !strings.Contains(out, `"Registered": true`) ||
		!strings.Contains(out, `"PII": "encrypted with key k-cus_a (6 bytes)"`) {
		t.Errorf("replay as of 09:00 printed\n%s", out)
	}
}

func TestReplayBadInput(t *testing.T) {
	s := seedStore(t)
	d := []string{"replay", "--data-dir", s.dir}
	tests := []struct {
		args []string
		want string
		is   error
	}{
		{append(d, "--transfer", "nope"), `stream "transfer-nope" not found`, eventstore.ErrStreamNotFound},
		{append(d, "--customer", "cus_nobody"), `no events for customer "cus_nobody"`, nil},
		{append(d, "--transfer", "tr_1", "--as-of", "yesterday"), `--as-of "yesterday": want an RFC 3339 time`, nil},
		{append(d, "--transfer", "tr_1", "--as-of", "2026-11-21"), "want an RFC 3339 time", nil},
		{append(d, "--transfer", "tr_1", "--as-of", "2020-01-01T00:00:00Z"), "has no events as of 2020-01-01T00:00:00Z", nil},
		{append(d, "--transfer", "tr_1", "--format", "xml"), `--format "xml"`, nil},
		{append(d, "--transfer", "tr_1", "--customer", "cus_a"), "none of the others can be", nil},
		{d, "at least one of the flags", nil},
		{append(d, "--stream", "$all"), "--stream", eventstore.ErrInvalidStreamName},
		{append(d, "--transfer", "tr_1", "--bogus"), "unknown flag: --bogus", nil},
		{append(d, "--transfer", ""), "is empty", nil},
		{append(d, "--customer", ""), "is empty", nil},
	}
	for _, tt := range tests {
		_, _, err := runCLI(t, nil, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) || (tt.is != nil && !errors.Is(err, tt.is)) {
			t.Errorf("run(%q) = %v, want an error containing %q", tt.args, err, tt.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	tests := []struct{ data, want string }{
		{`{"customer_id":"cus_1","amount":{"value":"12.50","currency":"USD"},"at":"2026-11-21T09:00:00Z"}`, "customer_id=cus_1 amount=12.50 USD"},
		{`{"pii":{"key_id":"k","ciphertext":"AAAA"},"tier":1,"country":"US"}`, "tier=1 country=US"},
		{`{"hits":[],"cleared":true,"case_id":""}`, "cleared=true"},
		{`{"a":{"b":{"c":1}}}`, "a.b={…}"},
		{`[1,2]`, ""},
		{`{"reason":"` + strings.Repeat("x", 60) + `"}`, "reason=" + strings.Repeat("x", maxSummaryText-1) + "…"},
	}
	for _, tt := range tests {
		if got := summarize([]byte(tt.data)); got != tt.want {
			t.Errorf("summarize(%s) = %q, want %q", tt.data, got, tt.want)
		}
	}
}
