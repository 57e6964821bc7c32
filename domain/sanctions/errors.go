package sanctions

import (
	"errors"
	"fmt"
)

// Errors returned by the package. They are wrapped with context; test with
// errors.Is.
var (
	// ErrMalformedList means a list file could not be parsed: bad CSV, a
	// record with too few fields, a non-numeric number, a duplicate entry, a
	// file that is empty or cut short. The error is a *ParseError.
	ErrMalformedList = errors.New("sanctions: malformed list")
	// ErrEmptyName means a query had no name, or nothing of it was left
	// after normalisation.
	ErrEmptyName = errors.New("sanctions: empty name")
	// ErrNameTooLong means a query name exceeded MaxNameBytes.
	ErrNameTooLong = errors.New("sanctions: name too long")
	// ErrInvalidQuery means a query had an invalid field other than the
	// name: a bad date, an unknown kind or a bad country code.
	ErrInvalidQuery = errors.New("sanctions: invalid query")
	// ErrInvalidOptions means screener options are out of range.
	ErrInvalidOptions = errors.New("sanctions: invalid options")
	// ErrNoList means no list has been loaded yet.
	ErrNoList = errors.New("sanctions: no list loaded")
)

// ParseError locates a problem in a list file. errors.Is(err,
// ErrMalformedList) is true for every ParseError.
type ParseError struct {
	// File is "sdn.csv", "alt.csv" or "add.csv".
	File string
	// Line is the 1-based line of the record (0 when not known).
	Line int
	// Msg says what was wrong.
	Msg string
	// Err is the underlying error, if any.
	Err error
}

// Error describes the problem with its file and line.
func (e *ParseError) Error() string {
	s := fmt.Sprintf("sanctions: %s", e.File)
	if e.Line > 0 {
		s += fmt.Sprintf(" line %d", e.Line)
	}
	s += ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is makes errors.Is(err, ErrMalformedList) true.
func (e *ParseError) Is(target error) bool { return target == ErrMalformedList }

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }
