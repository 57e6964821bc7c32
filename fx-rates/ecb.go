package fxrates

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/remitflow/remitflow/domain/money"
)

// XML namespaces of the ECB's gesmes documents.
const (
	gesmesNS = "http://www.gesmes.org/xml/2002-08-01"
	ecbNS    = "http://www.ecb.int/vocabulary/2002-08-01/eurofxref"
)

type ecbEnvelope struct {
	XMLName xml.Name   `xml:"http://www.gesmes.org/xml/2002-08-01 Envelope"`
	Cubes   []ecbOuter `xml:"http://www.ecb.int/vocabulary/2002-08-01/eurofxref Cube"`
}

type ecbOuter struct {
	Days []ecbDay `xml:"http://www.ecb.int/vocabulary/2002-08-01/eurofxref Cube"`
}

type ecbDay struct {
	Time  *string   `xml:"time,attr"`
	Rates []ecbRate `xml:"http://www.ecb.int/vocabulary/2002-08-01/eurofxref Cube"`
}

type ecbRate struct {
	Currency *string `xml:"currency,attr"`
	Rate     *string `xml:"rate,attr"`
}

// ECBPublicationTime returns the instant the ECB's reference rates for a
// date take effect: 16:00 Central European Time on that date (15:00 UTC in
// winter, 14:00 UTC under EU summer time, which runs from the last Sunday of
// March to the last Sunday of October).
func ECBPublicationTime(year int, month time.Month, day int) time.Time {
	d := time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
	start := lastSunday(year, time.March)
	end := lastSunday(year, time.October)
	if !d.Before(start) && d.Before(end) {
		return d.Add(14 * time.Hour)
	}
	return d.Add(15 * time.Hour)
}

func lastSunday(year int, month time.Month) time.Time {
	d := time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC) // last day of month
	return d.AddDate(0, 0, -int(d.Weekday()))
}

// ParseECB parses the ECB's euro reference rates in gesmes XML: the daily
// file (one day), the 90-day file or the full history (many days, newest
// first in the document). It returns one snapshot per day with base EUR,
// oldest first, each taking effect at ECBPublicationTime of its date; the
// source defaults to "ecb". Errors wrap ErrMalformed (not gesmes XML, a
// missing or malformed date or attribute, a date or currency given twice, a
// day without rates), ErrInvalidRate, money.ErrUnknownCurrency or
// ErrMissingCurrency; on error no snapshot is returned.
func ParseECB(r io.Reader, opts ParseOptions) ([]Snapshot, error) {
	source, err := opts.source("ecb")
	if err != nil {
		return nil, err
	}
	doc, err := readDocument(r)
	if err != nil {
		return nil, err
	}
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var env ecbEnvelope
	if err := dec.Decode(&env); err != nil {
		return nil, fmt.Errorf("%w: ECB XML: %v", ErrMalformed, err)
	}
	if err := expectEnd(dec); err != nil {
		return nil, err
	}
	if len(env.Cubes) != 1 {
		return nil, fmt.Errorf("%w: ECB XML: want one outer Cube, found %d", ErrMalformed, len(env.Cubes))
	}
	days := env.Cubes[0].Days
	if len(days) == 0 {
		return nil, fmt.Errorf("%w: ECB XML: no dated Cube", ErrMalformed)
	}
	out := make([]Snapshot, 0, len(days))
	seen := make(map[time.Time]bool, len(days))
	for _, d := range days {
		if d.Time == nil {
			return nil, fmt.Errorf("%w: ECB XML: Cube without time attribute", ErrMalformed)
		}
		date, err := time.Parse(time.DateOnly, strings.TrimSpace(*d.Time))
		if err != nil {
			return nil, fmt.Errorf("%w: ECB XML: time %q is not a date", ErrMalformed, clip(*d.Time))
		}
		if seen[date] {
			return nil, fmt.Errorf("%w: ECB XML: date %s given twice", ErrMalformed, date.Format(time.DateOnly))
		}
		seen[date] = true
		if len(d.Rates) == 0 {
			return nil, fmt.Errorf("%w: ECB XML: no rates on %s", ErrMalformed, date.Format(time.DateOnly))
		}
		s := Snapshot{
			Source: source,
			Base:   "EUR",
			AsOf:   ECBPublicationTime(date.Year(), date.Month(), date.Day()),
			Rates:  make(map[money.Currency]Price, len(d.Rates)),
		}
		codes := make(map[string]bool, len(d.Rates))
		for _, x := range d.Rates {
			if x.Currency == nil || x.Rate == nil {
				return nil, fmt.Errorf("%w: ECB XML: rate on %s without currency or rate attribute", ErrMalformed, date.Format(time.DateOnly))
			}
			code := strings.TrimSpace(*x.Currency)
			if codes[code] {
				return nil, fmt.Errorf("%w: ECB XML: %s given twice on %s", ErrMalformed, clip(code), date.Format(time.DateOnly))
			}
			codes[code] = true
			c, keep, err := opts.currency(code)
			if err != nil {
				return nil, fmt.Errorf("ECB %s: %w", date.Format(time.DateOnly), err)
			}
			if !keep {
				continue
			}
			if c == "EUR" {
				return nil, fmt.Errorf("%w: ECB XML: EUR quoted against itself on %s", ErrMalformed, date.Format(time.DateOnly))
			}
			mid, err := parseRate(strings.TrimSpace(*x.Rate))
			if err != nil {
				return nil, fmt.Errorf("ECB %s EUR/%s: %w", date.Format(time.DateOnly), c, err)
			}
			s.Rates[c] = Price{Mid: mid}
		}
		if err := opts.checkRequired(s); err != nil {
			return nil, err
		}
		if len(s.Rates) > 0 {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: ECB XML: no rates left after filtering", ErrMissingCurrency)
	}
	sortSnapshots(out)
	return out, nil
}

// expectEnd checks that nothing but white space, comments and processing
// instructions follows the root element.
func expectEnd(dec *xml.Decoder) error {
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: XML after the root element: %v", ErrMalformed, err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return fmt.Errorf("%w: text after the root element", ErrMalformed)
			}
		case xml.Comment, xml.ProcInst:
		default:
			return fmt.Errorf("%w: content after the root element", ErrMalformed)
		}
	}
}
