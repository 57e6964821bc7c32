package sanctions

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// EntryType is the kind of a list entry.
type EntryType string

// Entry types, as the SDN list names them (entities have no type there).
const (
	TypeIndividual EntryType = "individual"
	TypeEntity     EntryType = "entity"
	TypeVessel     EntryType = "vessel"
	TypeAircraft   EntryType = "aircraft"
)

// AliasType says how an alias relates to the entry's primary name.
type AliasType string

// Alias types: also known as, formerly known as, now known as.
const (
	AliasAKA AliasType = "aka"
	AliasFKA AliasType = "fka"
	AliasNKA AliasType = "nka"
)

// Alias is another name of an entry (alt.csv).
type Alias struct {
	// Num is the alias number (alt_num), unique within the list.
	Num  int
	Type AliasType
	Name string
	// Remarks is the alias remark ("" when the file says -0-).
	Remarks string
}

// Address is a known address of an entry (add.csv). Empty fields were -0-.
type Address struct {
	Num     int
	Street  string
	City    string
	Country string
	Remarks string
}

// Entry is one SDN list entry with its aliases and addresses.
type Entry struct {
	// Num is the entry number (ent_num), stable across list versions.
	Num  int
	Name string
	Type EntryType
	// Programs are the sanctions programmes ("SDGT", "IRAN", …).
	Programs []string
	Title    string
	CallSign string
	// VesselType, Tonnage, GRT, VesselFlag and VesselOwner describe vessels.
	VesselType  string
	Tonnage     string
	GRT         string
	VesselFlag  string
	VesselOwner string
	Remarks     string
	// DOBs are the dates of birth found in Remarks ("DOB …", "alt. DOB …").
	DOBs      []DOB
	Aliases   []Alias
	Addresses []Address
	// Countries are the ISO 3166-1 alpha-2 codes (upper case) of the
	// countries tied to the entry: address countries, nationality,
	// citizenship and place of birth. Names without a known code are kept
	// in upper case.
	Countries []string
}

// Version identifies one loaded list.
type Version struct {
	// ID is the hex SHA-256 over the three files (see Parse).
	ID string `json:"id"`
	// Entries, Aliases and Addresses count what was loaded.
	Entries   int `json:"entries"`
	Aliases   int `json:"aliases"`
	Addresses int `json:"addresses"`
	// LoadedAt is the time passed to Parse.
	LoadedAt time.Time `json:"loaded_at"`
}

// String returns a short form for logs: the first 12 hex digits of the ID
// and the counts.
func (v Version) String() string {
	id := v.ID
	if len(id) > 12 {
		id = id[:12]
	}
	return fmt.Sprintf("%s (%d entries, %d aliases)", id, v.Entries, v.Aliases)
}

// List is an immutable, fully loaded sanctions list. Build one with Parse.
type List struct {
	version Version
	entries []Entry
	byNum   map[int]int
}

// Version returns the list's version.
func (l *List) Version() Version { return l.version }

// Len returns the number of entries.
func (l *List) Len() int { return len(l.entries) }

// Entries returns the entries in file order. The slice is shared: callers
// must not modify it.
func (l *List) Entries() []Entry { return l.entries }

// Entry returns the entry with that ent_num.
func (l *List) Entry(num int) (Entry, bool) {
	i, ok := l.byNum[num]
	if !ok {
		return Entry{}, false
	}
	return l.entries[i], true
}

// EntryHash returns the hex SHA-256 over what the list says about entry
// num (names, aliases, type, programmes, title, remarks, addresses) — the
// Hit.EntryHash a screening reports — and false when the list has no such
// entry. A reviewer's clearance of a (person, entry) pair holds while it is
// unchanged.
func (l *List) EntryHash(num int) (string, bool) {
	i, ok := l.byNum[num]
	if !ok {
		return "", false
	}
	return entryHash(&l.entries[i]), true
}

// Holder keeps the screener of the list in force and replaces it atomically.
// The zero Holder holds nothing; it is safe for concurrent use.
type Holder struct {
	cur atomic.Pointer[Screener]
}

// Current returns the screener in force, or nil before the first Replace.
func (h *Holder) Current() *Screener { return h.cur.Load() }

// Replace puts s in force and returns the screener it replaced (nil if none).
// A nil s is ignored, so a failed load can never empty the holder.
func (h *Holder) Replace(s *Screener) *Screener {
	if s == nil {
		return h.cur.Load()
	}
	return h.cur.Swap(s)
}

// Screen screens q against the list in force. It returns ErrNoList before
// the first Replace, and otherwise what Screener.Screen returns.
func (h *Holder) Screen(q Query) (Result, error) {
	s := h.cur.Load()
	if s == nil {
		return Result{}, fmt.Errorf("screen: %w", ErrNoList)
	}
	return s.Screen(q)
}

// displayName turns "SURNAME, Given" into "Given SURNAME"; other names are
// returned unchanged.
func displayName(name string) string {
	last, first, ok := strings.Cut(name, ", ")
	if !ok || strings.Contains(first, ",") {
		return name
	}
	return first + " " + last
}
