package sanctions

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxFileBytes bounds the size of each list file Parse accepts.
const MaxFileBytes = 64 << 20

// File names used in errors and in the version hash.
const (
	fileSDN = "sdn.csv"
	fileALT = "alt.csv"
	fileADD = "add.csv"
)

// Parse reads the three files of the SDN legacy CSV format and returns the
// complete list, or an error and no list. loadedAt is recorded in the
// version.
//
// Quirks of the published files are accepted: a trailing EOF byte (0x1A),
// CRLF line ends, "-0-" (with trailing blanks) for empty fields, stray quotes
// inside fields, Latin-1 bytes, rows with extra trailing fields. Rejected as
// ErrMalformedList (a *ParseError): an empty file, a file that does not end
// with a line break (cut short), unparseable CSV, a row with fewer fields
// than the format's minimum, a non-numeric or duplicate number, an alias or
// address for an entry that sdn.csv lacks, an entry without a name, and a
// file over MaxFileBytes. Read errors are returned wrapped.
//
// The version ID is the hex SHA-256 over, for each file in the order sdn,
// alt, add: the file name, a NUL, the length as 8 big-endian bytes and the
// file's bytes.
func Parse(sdn, alt, add io.Reader, loadedAt time.Time) (*List, error) {
	h := sha256.New()
	var data [3][]byte
	for i, f := range []struct {
		name string
		r    io.Reader
	}{{fileSDN, sdn}, {fileALT, alt}, {fileADD, add}} {
		if f.r == nil {
			return nil, &ParseError{File: f.name, Msg: "no reader"}
		}
		b, err := io.ReadAll(io.LimitReader(f.r, MaxFileBytes+1))
		if err != nil {
			return nil, fmt.Errorf("parse list: read %s: %w", f.name, err)
		}
		if len(b) > MaxFileBytes {
			return nil, &ParseError{File: f.name, Msg: fmt.Sprintf("larger than %d bytes", MaxFileBytes)}
		}
		h.Write([]byte(f.name))
		h.Write([]byte{0})
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
		b, err = cleanFile(f.name, b)
		if err != nil {
			return nil, err
		}
		data[i] = b
	}

	l := &List{byNum: make(map[int]int, 16384)}
	if err := readRecords(fileSDN, data[0], 4, func(line int, r []string) error {
		return l.addEntry(line, r)
	}); err != nil {
		return nil, err
	}
	aliases := 0
	if err := readRecords(fileALT, data[1], 4, func(line int, r []string) error {
		aliases++
		return l.addAlias(line, r)
	}); err != nil {
		return nil, err
	}
	addresses := 0
	if err := readRecords(fileADD, data[2], 5, func(line int, r []string) error {
		addresses++
		return l.addAddress(line, r)
	}); err != nil {
		return nil, err
	}
	for i := range l.entries {
		e := &l.entries[i]
		codes := make([]string, 0, 4)
		for _, c := range parseRemarkCountries(e.Remarks) {
			codes = appendCountry(codes, c)
		}
		for _, a := range e.Addresses {
			codes = appendCountry(codes, a.Country)
		}
		if len(codes) > 0 {
			e.Countries = codes
		}
	}
	l.version = Version{
		ID:        hex.EncodeToString(h.Sum(nil)),
		Entries:   len(l.entries),
		Aliases:   aliases,
		Addresses: addresses,
		LoadedAt:  loadedAt,
	}
	return l, nil
}

func appendCountry(codes []string, name string) []string {
	if name == "" {
		return codes
	}
	c, ok := CountryCode(name)
	if !ok {
		return codes
	}
	if slices.Contains(codes, c) {
		return codes
	}
	return append(codes, c)
}

// cleanFile strips the DOS end-of-file byte and trailing blank space,
// checks that something is left and that the last record was complete, and
// converts Latin-1 files to UTF-8.
func cleanFile(name string, b []byte) ([]byte, error) {
	b = bytes.TrimRight(b, "\x1a\x00")
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, &ParseError{File: name, Msg: "empty file"}
	}
	if b[len(b)-1] != '\n' {
		return nil, &ParseError{File: name, Msg: "last line has no line break: file cut short"}
	}
	if !utf8.Valid(b) {
		b = latin1ToUTF8(b)
	}
	return b, nil
}

func latin1ToUTF8(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/16)
	for _, c := range b {
		out = utf8.AppendRune(out, rune(c))
	}
	return out
}

// readRecords parses CSV and calls fn with trimmed fields ("-0-" as "") for
// every record that is not blank.
func readRecords(name string, b []byte, minFields int, fn func(line int, r []string) error) error {
	cr := csv.NewReader(bytes.NewReader(b))
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return &ParseError{File: name, Line: line, Msg: "bad CSV", Err: err}
		}
		if len(rec) == 1 && strings.TrimSpace(strings.Map(dropControl, rec[0])) == "" {
			continue
		}
		if len(rec) < minFields {
			return &ParseError{File: name, Line: line, Msg: fmt.Sprintf("%d fields, want at least %d", len(rec), minFields)}
		}
		for i, f := range rec {
			f = strings.TrimSpace(strings.Map(dropControl, f))
			if f == "-0-" {
				f = ""
			}
			rec[i] = f
		}
		if err := fn(line, rec); err != nil {
			return err
		}
	}
}

func dropControl(r rune) rune {
	if r < 0x20 && r != '\t' || r == 0x7f {
		return -1
	}
	return r
}

func field(r []string, i int) string {
	if i < len(r) {
		return r[i]
	}
	return ""
}

func parseNum(file string, line int, what, s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, &ParseError{File: file, Line: line, Msg: fmt.Sprintf("%s %q is not a number", what, s)}
	}
	return n, nil
}

func (l *List) addEntry(line int, r []string) error {
	num, err := parseNum(fileSDN, line, "ent_num", r[0])
	if err != nil {
		return err
	}
	if _, dup := l.byNum[num]; dup {
		return &ParseError{File: fileSDN, Line: line, Msg: fmt.Sprintf("ent_num %d twice", num)}
	}
	if r[1] == "" {
		return &ParseError{File: fileSDN, Line: line, Msg: fmt.Sprintf("ent_num %d has no name", num)}
	}
	e := Entry{
		Num:         num,
		Name:        r[1],
		Type:        entryType(r[2]),
		Programs:    splitPrograms(r[3]),
		Title:       field(r, 4),
		CallSign:    field(r, 5),
		VesselType:  field(r, 6),
		Tonnage:     field(r, 7),
		GRT:         field(r, 8),
		VesselFlag:  field(r, 9),
		VesselOwner: field(r, 10),
		Remarks:     field(r, 11),
	}
	if len(r) > 12 {
		// An unquoted comma in the remarks split them: put them back.
		e.Remarks = strings.Join(r[11:], ", ")
	}
	e.DOBs = parseDOBs(e.Remarks)
	l.byNum[num] = len(l.entries)
	l.entries = append(l.entries, e)
	return nil
}

func entryType(s string) EntryType {
	switch strings.ToLower(s) {
	case "individual":
		return TypeIndividual
	case "vessel":
		return TypeVessel
	case "aircraft":
		return TypeAircraft
	}
	return TypeEntity
}

// splitPrograms splits "SDGT] [SYRIA" into its programmes.
func splitPrograms(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "]") {
		p = strings.TrimSpace(strings.Trim(strings.TrimSpace(p), "[]"))
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (l *List) owner(file string, line int, s string) (*Entry, error) {
	num, err := parseNum(file, line, "ent_num", s)
	if err != nil {
		return nil, err
	}
	i, ok := l.byNum[num]
	if !ok {
		return nil, &ParseError{File: file, Line: line, Msg: fmt.Sprintf("ent_num %d is not in %s", num, fileSDN)}
	}
	return &l.entries[i], nil
}

func (l *List) addAlias(line int, r []string) error {
	e, err := l.owner(fileALT, line, r[0])
	if err != nil {
		return err
	}
	num, err := parseNum(fileALT, line, "alt_num", r[1])
	if err != nil {
		return err
	}
	if r[3] == "" {
		return &ParseError{File: fileALT, Line: line, Msg: fmt.Sprintf("alt_num %d has no name", num)}
	}
	t := AliasType(strings.ToLower(r[2]))
	switch t {
	case AliasAKA, AliasFKA, AliasNKA:
	default:
		t = AliasAKA
	}
	e.Aliases = append(e.Aliases, Alias{Num: num, Type: t, Name: r[3], Remarks: field(r, 4)})
	return nil
}

func (l *List) addAddress(line int, r []string) error {
	e, err := l.owner(fileADD, line, r[0])
	if err != nil {
		return err
	}
	num, err := parseNum(fileADD, line, "add_num", r[1])
	if err != nil {
		return err
	}
	e.Addresses = append(e.Addresses, Address{
		Num: num, Street: r[2], City: r[3], Country: r[4], Remarks: field(r, 5),
	})
	return nil
}
