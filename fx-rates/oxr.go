package fxrates

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/remitflow/remitflow/domain/money"
)

// ParseOXR parses an Open-Exchange-Rates style JSON document:
//
//	{"base":"USD","timestamp":1580223600,"rates":{"KES":101.05,"NGN":"362.5",…}}
//
// Rates are read exactly from the JSON number literals (or decimal strings),
// never through float64. Other top-level members (disclaimer, license) are
// ignored. A rate for the base itself must be 1 and is dropped. It returns
// one snapshot taking effect at the timestamp (Unix seconds); the source
// defaults to "oxr". Errors wrap ErrMalformed (bad JSON, a member given
// twice, a missing base, timestamp or rates, trailing data), ErrInvalidRate,
// money.ErrUnknownCurrency or ErrMissingCurrency; on error no snapshot is
// returned.
func ParseOXR(r io.Reader, opts ParseOptions) ([]Snapshot, error) {
	source, err := opts.source("oxr")
	if err != nil {
		return nil, err
	}
	doc, err := readDocument(r)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	var (
		base           money.Currency
		asOf           time.Time
		raw            map[string]string
		hasBase, hasTS bool
		hasRates       bool
		seen           = map[string]bool{}
	)
	for dec.More() {
		key, err := stringToken(dec)
		if err != nil {
			return nil, err
		}
		if seen[key] {
			return nil, fmt.Errorf("%w: OXR JSON: member %q given twice", ErrMalformed, clip(key))
		}
		seen[key] = true
		switch key {
		case "base":
			code, err := stringToken(dec)
			if err != nil {
				return nil, err
			}
			c, perr := money.ParseCurrency(code)
			if perr != nil || string(c) != code {
				return nil, fmt.Errorf("OXR base: %w: %q", money.ErrUnknownCurrency, clip(code))
			}
			base, hasBase = c, true
		case "timestamp":
			tok, err := dec.Token()
			if err != nil {
				return nil, fmt.Errorf("%w: OXR JSON: %v", ErrMalformed, err)
			}
			n, ok := tok.(json.Number)
			if !ok {
				return nil, fmt.Errorf("%w: OXR JSON: timestamp is not a number", ErrMalformed)
			}
			secs, err := strconv.ParseInt(n.String(), 10, 64)
			if err != nil || secs <= 0 || secs > 1<<40 {
				return nil, fmt.Errorf("%w: OXR JSON: timestamp %q is not positive Unix seconds", ErrMalformed, clip(n.String()))
			}
			asOf, hasTS = time.Unix(secs, 0).UTC(), true
		case "rates":
			if raw, err = rateMembers(dec); err != nil {
				return nil, err
			}
			hasRates = true
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, fmt.Errorf("%w: OXR JSON: %v", ErrMalformed, err)
			}
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: OXR JSON: data after the document", ErrMalformed)
	}
	switch {
	case !hasBase:
		return nil, fmt.Errorf("%w: OXR JSON: no base", ErrMalformed)
	case !hasTS:
		return nil, fmt.Errorf("%w: OXR JSON: no timestamp", ErrMalformed)
	case !hasRates:
		return nil, fmt.Errorf("%w: OXR JSON: no rates", ErrMalformed)
	}
	s := Snapshot{Source: source, Base: base, AsOf: asOf, Rates: make(map[money.Currency]Price, len(raw))}
	codes := make([]string, 0, len(raw))
	for code := range raw {
		codes = append(codes, code)
	}
	slices.Sort(codes) // report the first bad rate deterministically
	for _, code := range codes {
		lit := raw[code]
		c, keep, err := opts.currency(code)
		if err != nil {
			return nil, fmt.Errorf("OXR: %w", err)
		}
		mid, err := parseRate(lit)
		if err != nil {
			return nil, fmt.Errorf("OXR %s/%s: %w", base, code, err)
		}
		if c == base {
			if !mid.Equal(one) {
				return nil, fmt.Errorf("OXR %s/%s: %w: base quoted against itself at %s, not 1", base, code, ErrInvalidRate, lit)
			}
			continue
		}
		if keep {
			s.Rates[c] = Price{Mid: mid}
		}
	}
	if err := opts.checkRequired(s); err != nil {
		return nil, err
	}
	if len(s.Rates) == 0 {
		return nil, fmt.Errorf("%w: OXR JSON: no rates left after filtering", ErrMissingCurrency)
	}
	return []Snapshot{s}, nil
}

// rateMembers reads a JSON object of currency → number (or decimal string)
// and returns the literals, refusing duplicate members.
func rateMembers(dec *json.Decoder) (map[string]string, error) {
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for dec.More() {
		code, err := stringToken(dec)
		if err != nil {
			return nil, err
		}
		if _, dup := out[code]; dup {
			return nil, fmt.Errorf("%w: OXR JSON: rate %q given twice", ErrMalformed, clip(code))
		}
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: OXR JSON: %v", ErrMalformed, err)
		}
		switch v := tok.(type) {
		case json.Number:
			out[code] = v.String()
		case string:
			out[code] = v
		case nil:
			return nil, fmt.Errorf("OXR %s: %w: null", clip(code), ErrInvalidRate)
		default:
			return nil, fmt.Errorf("%w: OXR JSON: rate %q is not a number", ErrMalformed, clip(code))
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	return out, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("%w: JSON: %v", ErrMalformed, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("%w: JSON: expected %q", ErrMalformed, string(want))
	}
	return nil
}

func stringToken(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", fmt.Errorf("%w: JSON: %v", ErrMalformed, err)
	}
	s, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("%w: JSON: expected a string", ErrMalformed)
	}
	return s, nil
}
