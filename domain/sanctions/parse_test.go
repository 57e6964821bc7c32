package sanctions

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

const (
	tinySDN = "10,\"DOE, John\",\"individual\",\"SDGT] [IRAN\",\"Director\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 12 Jan 1960; alt. DOB 1962; POB Tabriz, Iran; nationality Lebanon.\"\r\n" +
		"20,\"ACME TRADING CO., LTD.\",-0- ,\"IRAN\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n" +
		"30,\"SEA STAR\",\"vessel\",\"CUBA\",-0- ,\"CL1\",\"Tug\",\"10\",\"20\",\"Cuba\",\"Owner S.A.\",-0- \r\n\x1a"
	tinyALT = "10,1,\"aka\",\"DOE, Johnny\",-0- \r\n20,2,\"fka\",\"ACME GENERAL TRADING\",\"weak\"\r\n\x1a"
	tinyADD = "20,1,\"1 Main St\",\"Tehran\",\"Iran\",-0- \r\n\x1a"
)

func parseStrings(sdn, alt, add string) (*List, error) {
	return Parse(strings.NewReader(sdn), strings.NewReader(alt), strings.NewReader(add), testLoadedAt)
}

func TestParseSmallList(t *testing.T) {
	l, err := parseStrings(tinySDN, tinyALT, tinyADD)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	v := l.Version()
	if v.Entries != 3 || v.Aliases != 2 || v.Addresses != 1 || len(v.ID) != 64 || !v.LoadedAt.Equal(testLoadedAt) {
		t.Errorf("Version() = %+v", v)
	}
	doe, ok := l.Entry(10)
	if !ok {
		t.Fatal("Entry(10) missing")
	}
	want := Entry{
		Num: 10, Name: "DOE, John", Type: TypeIndividual, Programs: []string{"SDGT", "IRAN"}, Title: "Director",
		Remarks: "DOB 12 Jan 1960; alt. DOB 1962; POB Tabriz, Iran; nationality Lebanon.",
		DOBs:    []DOB{{From: Date{1960, 1, 12}}, {From: Date{Year: 1962}}},
		Aliases: []Alias{{Num: 1, Type: AliasAKA, Name: "DOE, Johnny"}},
		// POB comes first in the remarks.
		Countries: []string{"IR", "LB"},
	}
	if !reflect.DeepEqual(doe, want) {
		t.Errorf("Entry(10) =\n%+v\nwant\n%+v", doe, want)
	}
	acme, _ := l.Entry(20)
	if acme.Type != TypeEntity || acme.Aliases[0].Type != AliasFKA || acme.Aliases[0].Remarks != "weak" ||
		len(acme.Addresses) != 1 || acme.Addresses[0].City != "Tehran" || !slices.Equal(acme.Countries, []string{"IR"}) {
		t.Errorf("Entry(20) = %+v", acme)
	}
	ship, _ := l.Entry(30)
	if ship.Type != TypeVessel || ship.CallSign != "CL1" || ship.VesselFlag != "Cuba" || ship.VesselOwner != "Owner S.A." || ship.Remarks != "" {
		t.Errorf("Entry(30) = %+v", ship)
	}
	if _, ok := l.Entry(99); ok {
		t.Error("Entry(99) found")
	}
}

func TestParseVersionIDIsAContentHash(t *testing.T) {
	a, err := parseStrings(tinySDN, tinyALT, tinyADD)
	if err != nil {
		t.Fatal(err)
	}
	b, err := parseStrings(tinySDN, tinyALT, tinyADD)
	if err != nil {
		t.Fatal(err)
	}
	if a.Version().ID != b.Version().ID {
		t.Error("same files, different version IDs")
	}
	// Moving a byte from one file to another changes the ID.
	c, err := parseStrings(tinySDN, tinyALT, tinyADD+"\r\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.Version().ID == a.Version().ID {
		t.Error("different files, same version ID")
	}
}

func TestParseQuirks(t *testing.T) {
	// Latin-1 bytes, LF line ends, a stray quote, no EOF byte, a blank line,
	// and an unquoted comma splitting the remarks.
	sdn := "10,\"P\xc9REZ, Jos\xe9\",\"individual\",\"CUBA\",-0-,-0-,-0-,-0-,-0-,-0-,-0-,\"DOB 1950; a \"quoted\" word\"\n\n" +
		"11,\"X\",\"individual\",\"CUBA\",-0-,-0-,-0-,-0-,-0-,-0-,-0-,DOB 1960, alt. x\n"
	l, err := parseStrings(sdn, "10,1,\"aka\",\"PEREZ, J.\",-0-\n", "10,1,-0-,-0-,-0-,-0-\n")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	e, _ := l.Entry(10)
	if e.Name != "PÉREZ, José" || len(e.DOBs) != 1 || e.DOBs[0].From.Year != 1950 {
		t.Errorf("Entry(10) = %+v", e)
	}
	if e.Addresses[0] != (Address{Num: 1}) {
		t.Errorf("address of -0- fields = %+v, want empty", e.Addresses[0])
	}
	x, _ := l.Entry(11)
	if x.Remarks != "DOB 1960, alt. x" {
		t.Errorf("split remarks = %q", x.Remarks)
	}
}

func TestParseRejectsBadFiles(t *testing.T) {
	tests := []struct {
		name          string
		sdn, alt, add string
		file          string
	}{
		{"empty sdn", "", tinyALT, tinyADD, "sdn.csv"},
		{"only EOF byte", "\x1a", tinyALT, tinyADD, "sdn.csv"},
		{"cut short", tinySDN[:len(tinySDN)/2], tinyALT, tinyADD, "sdn.csv"},
		{"too few fields", "10,\"A\",\"individual\"\n", tinyALT, tinyADD, "sdn.csv"},
		{"ent_num not a number", "ten,\"A\",\"individual\",\"X\"\n", tinyALT, tinyADD, "sdn.csv"},
		{"negative ent_num", "-1,\"A\",\"individual\",\"X\"\n", tinyALT, tinyADD, "sdn.csv"},
		{"duplicate ent_num", "10,\"A\",\"individual\",\"X\"\n10,\"B\",\"individual\",\"X\"\n", tinyALT, tinyADD, "sdn.csv"},
		{"entry without name", "10,-0- ,\"individual\",\"X\"\n", tinyALT, tinyADD, "sdn.csv"},
		{"alias of unknown entry", tinySDN, "99,1,\"aka\",\"X\",-0-\n", tinyADD, "alt.csv"},
		{"alias without name", tinySDN, "10,1,\"aka\",-0- ,-0-\n", tinyADD, "alt.csv"},
		{"alias number", tinySDN, "10,x,\"aka\",\"X\",-0-\n", tinyADD, "alt.csv"},
		{"empty add", tinySDN, tinyALT, "\r\n", "add.csv"},
		{"address too few fields", tinySDN, tinyALT, "20,1,\"x\",\"y\"\n", "add.csv"},
		{"address of unknown entry", tinySDN, tinyALT, "99,1,-0-,-0-,-0-,-0-\n", "add.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := parseStrings(tt.sdn, tt.alt, tt.add)
			if l != nil || !errors.Is(err, ErrMalformedList) {
				t.Fatalf("Parse = %v, %v; want nil, ErrMalformedList", l, err)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.File != tt.file {
				t.Errorf("error %v: want a *ParseError in %s", err, tt.file)
			}
		})
	}
}

func TestParseReportsReadErrors(t *testing.T) {
	boom := errors.New("disk on fire")
	_, err := Parse(iotest.ErrReader(boom), strings.NewReader(tinyALT), strings.NewReader(tinyADD), testLoadedAt)
	if !errors.Is(err, boom) || errors.Is(err, ErrMalformedList) {
		t.Errorf("Parse with a failing reader = %v, want the read error", err)
	}
	_, err = Parse(nil, strings.NewReader(tinyALT), strings.NewReader(tinyADD), testLoadedAt)
	if !errors.Is(err, ErrMalformedList) {
		t.Errorf("Parse(nil, …) = %v, want ErrMalformedList", err)
	}
}

func TestParseFullList(t *testing.T) {
	l, s := loadFull(t)
	v := l.Version()
	if v.Entries != 8976 || v.Aliases < 11000 || v.Addresses < 13000 {
		t.Errorf("Version() = %+v, want 8976 entries, ~12,000 aliases and ~14,000 addresses", v)
	}
	n, _ := l.Entry(2686)
	wantDOBs := []DOB{{From: Date{1960, 8, 31}}, {From: Date{1953, 8, 31}}, {From: Date{1955, 8, 31}}, {From: Date{1958, 8, 31}}}
	if n.Name != "NASRALLAH, Hasan" || !slices.Equal(n.Programs, []string{"SDGT", "SYRIA"}) || !slices.Equal(n.DOBs, wantDOBs) || !slices.Contains(n.Countries, "LB") {
		t.Errorf("Entry(2686) = %+v", n)
	}
	counts := map[EntryType]int{}
	dobs := 0
	for _, e := range l.Entries() {
		counts[e.Type]++
		if len(e.DOBs) > 0 {
			dobs++
		}
	}
	if counts[TypeIndividual] < 4000 || counts[TypeEntity] < 3000 || counts[TypeVessel] < 100 || counts[TypeAircraft] < 10 {
		t.Errorf("entry types = %v", counts)
	}
	if dobs < 3500 {
		t.Errorf("%d entries with a parsed DOB, want most of the ~4,400 with one", dobs)
	}
	if s.List() != l {
		t.Error("screener's list differs")
	}
}

func TestParseFullListTruncatedAnywhereFails(t *testing.T) {
	files := readTestdata(t)
	for _, cut := range []int{1, 1000, len(files[0]) / 2, len(files[0]) - 3} {
		_, err := Parse(bytes.NewReader(files[0][:cut]), bytes.NewReader(files[1]), bytes.NewReader(files[2]), testLoadedAt)
		if !errors.Is(err, ErrMalformedList) {
			t.Errorf("sdn.csv cut at %d: Parse = %v, want ErrMalformedList", cut, err)
		}
	}
}
