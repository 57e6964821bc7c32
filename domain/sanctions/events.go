package sanctions

import (
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/remitflow/remitflow/domain/command"
)

// The list-version stream: every list version that came into force is
// recorded there, so each screening (which carries its Result.ListVersion)
// can be replayed against the list that was in force.
const (
	// ListCategory and OFACListID name the stream "sanctions-ofac".
	ListCategory = "sanctions"
	OFACListID   = "ofac"
	// EventListLoaded is the type of ListLoaded events.
	EventListLoaded = "sanctions.list_loaded.v1"
)

// ErrInvalidVersion means a RecordListVersion command carries no valid
// version: the ID is not a hex SHA-256, or the list has no entries.
var ErrInvalidVersion = errors.New("sanctions: invalid list version")

// ListLoaded records that a list version came into force.
type ListLoaded struct {
	// VersionID is the list's Version.ID (hex SHA-256 of the files).
	VersionID string `json:"version_id"`
	Entries   int    `json:"entries"`
	Aliases   int    `json:"aliases"`
	Addresses int    `json:"addresses"`
	// Source says where the files came from (a path or URL).
	Source string `json:"source"`
	// LoadedAt is when the list was loaded (the decision time).
	LoadedAt time.Time `json:"loaded_at"`
}

// EventType returns EventListLoaded.
func (ListLoaded) EventType() string { return EventListLoaded }

// ListState is the folded list-version stream.
type ListState struct {
	// Current is the version ID in force ("" before the first).
	Current string
	// Versions counts the ListLoaded events.
	Versions int
	// LoadedAt is when the current version was loaded.
	LoadedAt time.Time
}

// RecordListVersion asks to record a loaded list version. Recording the
// version already in force decides nothing, so reloading the same files
// appends nothing.
type RecordListVersion struct {
	VersionID string `json:"version_id"`
	Entries   int    `json:"entries"`
	Aliases   int    `json:"aliases"`
	Addresses int    `json:"addresses"`
	Source    string `json:"source"`
}

// RecordCommand returns the command that records version v from source.
func RecordCommand(v Version, source string) RecordListVersion {
	return RecordListVersion{VersionID: v.ID, Entries: v.Entries, Aliases: v.Aliases, Addresses: v.Addresses, Source: source}
}

// RecordCommandID returns the command ID for recording version id after
// state: the same version recorded on top of the same history gets the same
// ID (so concurrent loaders append it once), and a version that comes back
// after another one was in force gets a new one.
func RecordCommandID(state ListState, id string) string {
	return command.DeriveID("sanctions.record_list_version", id, fmt.Sprint(state.Versions))
}

// ListAggregate describes the list-version stream to the command loop.
//
// Rules:
//   - The version ID must be 64 hex digits and the list must have entries,
//     else ErrInvalidVersion.
//   - Recording the version in force decides no event.
//   - Otherwise one ListLoaded, stamped with the decision time.
var ListAggregate = command.Aggregate[ListState, RecordListVersion]{
	Category: ListCategory,
	Initial:  func() ListState { return ListState{} },
	Evolve: func(s ListState, e command.Event) ListState {
		if l, ok := e.(ListLoaded); ok {
			s.Current, s.LoadedAt = l.VersionID, l.LoadedAt
			s.Versions++
		}
		return s
	},
	Decide: decideRecord,
	Decode: command.NewDecoder(ListCategory, ListLoaded{}),
}

func decideRecord(s ListState, c RecordListVersion, now time.Time) ([]command.Event, error) {
	if b, err := hex.DecodeString(c.VersionID); err != nil || len(b) != 32 {
		return nil, fmt.Errorf("record list version: %w: id %q is not a hex SHA-256", ErrInvalidVersion, c.VersionID)
	}
	if c.Entries <= 0 || c.Aliases < 0 || c.Addresses < 0 {
		return nil, fmt.Errorf("record list version: %w: %d entries", ErrInvalidVersion, c.Entries)
	}
	if c.VersionID == s.Current {
		return nil, nil
	}
	return []command.Event{ListLoaded{
		VersionID: c.VersionID, Entries: c.Entries, Aliases: c.Aliases, Addresses: c.Addresses,
		Source: c.Source, LoadedAt: now.UTC(),
	}}, nil
}
