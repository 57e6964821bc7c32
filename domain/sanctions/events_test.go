package sanctions

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/remitflow/remitflow/domain/command"
)

func TestRecordListVersion(t *testing.T) {
	now := time.Date(2026, 11, 21, 9, 30, 0, 0, time.FixedZone("X", 3600))
	v1 := strings.Repeat("a", 64)
	v2 := strings.Repeat("b", 64)
	cmd := RecordListVersion{VersionID: v1, Entries: 10, Aliases: 3, Addresses: 2, Source: "file:/x"}

	// Given no events, when recording v1, then one ListLoaded.
	evs, err := ListAggregate.Decide(ListAggregate.Initial(), cmd, now)
	if err != nil || len(evs) != 1 {
		t.Fatalf("Decide = %v, %v", evs, err)
	}
	want := ListLoaded{VersionID: v1, Entries: 10, Aliases: 3, Addresses: 2, Source: "file:/x", LoadedAt: now.UTC()}
	if evs[0] != want || evs[0].EventType() != EventListLoaded {
		t.Errorf("event = %+v, want %+v", evs[0], want)
	}
	state := ListAggregate.Evolve(ListAggregate.Initial(), evs[0])
	if state.Current != v1 || state.Versions != 1 {
		t.Errorf("state = %+v", state)
	}

	// Given v1 in force, recording v1 again decides nothing.
	if evs, err := ListAggregate.Decide(state, cmd, now); err != nil || len(evs) != 0 {
		t.Errorf("recording the version in force = %v, %v; want nothing", evs, err)
	}
	// Recording v2 decides one event; the command IDs differ by history.
	cmd2 := cmd
	cmd2.VersionID = v2
	if evs, err := ListAggregate.Decide(state, cmd2, now); err != nil || len(evs) != 1 {
		t.Errorf("recording v2 = %v, %v", evs, err)
	}
	if RecordCommandID(ListState{}, v1) == RecordCommandID(state, v1) || RecordCommandID(state, v1) != RecordCommandID(state, v1) {
		t.Error("RecordCommandID is not a function of the history and the version")
	}

	for _, bad := range []RecordListVersion{
		{VersionID: "abc", Entries: 1},
		{VersionID: strings.Repeat("g", 64), Entries: 1},
		{VersionID: v1, Entries: 0},
		{VersionID: v1, Entries: 1, Aliases: -1},
	} {
		if _, err := ListAggregate.Decide(state, bad, now); !errors.Is(err, ErrInvalidVersion) {
			t.Errorf("Decide(%+v) = %v, want ErrInvalidVersion", bad, err)
		}
	}
}

func TestListLoadedDecode(t *testing.T) {
	e, err := ListAggregate.Decode(EventListLoaded, []byte(`{"version_id":"ab","entries":2,"aliases":1,"addresses":0,"source":"s","loaded_at":"2026-11-21T09:00:00Z"}`))
	if err != nil {
		t.Fatal(err)
	}
	if l := e.(ListLoaded); l.VersionID != "ab" || l.Entries != 2 || l.LoadedAt.Hour() != 9 {
		t.Errorf("decoded %+v", l)
	}
	if _, err := ListAggregate.Decode("other.v1", []byte(`{}`)); err == nil {
		t.Error("decoded an unknown type")
	}
	if _, err := ListAggregate.Decode(EventListLoaded, []byte(`{`)); err == nil {
		t.Error("decoded bad JSON")
	}
	var _ command.Event = ListLoaded{}
}
