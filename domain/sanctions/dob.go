package sanctions

import (
	"fmt"
	"strconv"
	"strings"
)

// Date is a calendar date that may be partial: Month and Day are 0 when
// unknown. The zero Date means "no date".
type Date struct {
	Year  int
	Month int
	Day   int
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// String formats as "1960-01-12", "1960-01" or "1960".
func (d Date) String() string {
	switch {
	case d.IsZero():
		return ""
	case d.Month == 0:
		return fmt.Sprintf("%04d", d.Year)
	case d.Day == 0:
		return fmt.Sprintf("%04d-%02d", d.Year, d.Month)
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// ParseDate parses "YYYY-MM-DD", "YYYY-MM" or "YYYY". The empty string gives
// the zero Date. It returns ErrInvalidQuery for anything else or for a date
// outside 1800–2200.
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Date{}, nil
	}
	parts := strings.Split(s, "-")
	if len(parts) > 3 || len(parts[0]) != 4 {
		return Date{}, fmt.Errorf("parse date %q: %w: want YYYY, YYYY-MM or YYYY-MM-DD", s, ErrInvalidQuery)
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || (i > 0 && len(p) != 2) {
			return Date{}, fmt.Errorf("parse date %q: %w: want YYYY, YYYY-MM or YYYY-MM-DD", s, ErrInvalidQuery)
		}
		n[i] = v
	}
	d := Date{Year: n[0], Month: n[1], Day: n[2]}
	if d.Year < 1800 || d.Year > 2200 || len(parts) > 1 && (d.Month < 1 || d.Month > 12) ||
		len(parts) > 2 && (d.Day < 1 || d.Day > daysIn(d.Month, d.Year)) {
		return Date{}, fmt.Errorf("parse date %q: %w: out of range", s, ErrInvalidQuery)
	}
	return d, nil
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// DOB is a date of birth as the list states it: a date, a year, a range of
// years or dates ("1960 to 1962"), possibly approximate ("circa 1970").
type DOB struct {
	// From is the date, or the start of a range.
	From Date
	// To is the end of a range; zero for a single date.
	To Date
	// Circa marks an approximate date.
	Circa bool
}

// String formats the DOB as the list does ("12 Jan 1960", "circa 1970",
// "1960 to 1962").
func (d DOB) String() string {
	s := formatListDate(d.From)
	if !d.To.IsZero() {
		s += " to " + formatListDate(d.To)
	}
	if d.Circa {
		s = "circa " + s
	}
	return s
}

var monthNames = [...]string{"", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

func formatListDate(d Date) string {
	switch {
	case d.Month == 0:
		return strconv.Itoa(d.Year)
	case d.Day == 0:
		return monthNames[d.Month] + " " + strconv.Itoa(d.Year)
	}
	return fmt.Sprintf("%02d %s %d", d.Day, monthNames[d.Month], d.Year)
}

// yearRange returns the years the DOB covers, widened by two years either
// side when approximate.
func (d DOB) yearRange() (lo, hi int) {
	lo, hi = d.From.Year, d.From.Year
	if !d.To.IsZero() {
		hi = d.To.Year
	}
	if d.Circa {
		lo, hi = lo-2, hi+2
	}
	return lo, hi
}

// dobMatch grades how a query date relates to a listed DOB.
type dobMatch int

const (
	dobNoInfo  dobMatch = iota
	dobDiffers          // no listed DOB is near the query date
	dobNear             // within a few years of a listed DOB
	dobYear             // the year is within a listed DOB
	dobExact            // same full date
)

// compareDOB compares a query date with one listed DOB.
func compareDOB(q Date, d DOB) dobMatch {
	lo, hi := d.yearRange()
	if q.Year < lo-3 || q.Year > hi+3 {
		return dobDiffers
	}
	if q.Year < lo || q.Year > hi {
		return dobNear
	}
	if d.To.IsZero() && !d.Circa && q.Month != 0 && d.From.Month != 0 {
		if q.Month != d.From.Month {
			return dobYear
		}
		if q.Day != 0 && d.From.Day != 0 {
			if q.Day == d.From.Day {
				return dobExact
			}
			return dobYear
		}
	}
	return dobYear
}

var monthByName = map[string]int{
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
	"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}

// parseListDate parses "12 Jan 1960", "Jan 1960" or "1960".
func parseListDate(s string) (Date, bool) {
	f := strings.Fields(s)
	var d Date
	switch len(f) {
	case 1:
	case 2:
		m, ok := monthByName[strings.ToLower(trimTo3(f[0]))]
		if !ok {
			return Date{}, false
		}
		d.Month = m
	case 3:
		m, ok := monthByName[strings.ToLower(trimTo3(f[1]))]
		day, err := strconv.Atoi(f[0])
		if !ok || err != nil || day < 1 || day > 31 {
			return Date{}, false
		}
		d.Month, d.Day = m, day
	default:
		return Date{}, false
	}
	y, err := strconv.Atoi(f[len(f)-1])
	if err != nil || y < 1800 || y > 2200 {
		return Date{}, false
	}
	d.Year = y
	return d, true
}

func trimTo3(s string) string {
	if len(s) > 3 {
		return s[:3]
	}
	return s
}

// parseDOBs finds "DOB …" and "alt. DOB …" statements in remarks. Remarks
// separate statements with ';' and end with '.'. Unparseable DOBs are
// skipped: remarks are free text.
func parseDOBs(remarks string) []DOB {
	var out []DOB
	for _, stmt := range strings.Split(remarks, ";") {
		stmt = strings.TrimSpace(stmt)
		stmt = strings.TrimPrefix(stmt, "alt. ")
		rest, ok := strings.CutPrefix(stmt, "DOB ")
		if !ok {
			continue
		}
		rest = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "."))
		var d DOB
		if r, ok := strings.CutPrefix(rest, "circa "); ok {
			d.Circa = true
			rest = r
		}
		from, to, isRange := strings.Cut(rest, " to ")
		if !isRange {
			// "circa 1979-1982"
			if a, b, ok := strings.Cut(rest, "-"); ok && len(a) == 4 && len(b) == 4 {
				from, to, isRange = a, b, true
			}
		}
		f, ok := parseListDate(from)
		if !ok {
			continue
		}
		d.From = f
		if isRange {
			t, ok := parseListDate(to)
			if !ok || t.Year < f.Year {
				continue
			}
			d.To = t
		}
		out = append(out, d)
	}
	return out
}

// parseCountries finds the countries named in "nationality X", "citizen X"
// and "POB place, X" statements.
func parseRemarkCountries(remarks string) []string {
	var out []string
	for _, stmt := range strings.Split(remarks, ";") {
		stmt = strings.TrimSuffix(strings.TrimSpace(stmt), ".")
		stmt = strings.TrimPrefix(stmt, "alt. ")
		for _, p := range [...]string{"nationality ", "citizen ", "POB "} {
			rest, ok := strings.CutPrefix(stmt, p)
			if !ok {
				continue
			}
			if i := strings.LastIndexByte(rest, ','); i >= 0 {
				rest = rest[i+1:]
			}
			out = append(out, strings.TrimSpace(rest))
		}
	}
	return out
}
