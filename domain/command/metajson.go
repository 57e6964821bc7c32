package command

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// appendMetadata encodes m as JSON, as json.Marshal would (same keys, same
// omissions), without reflection: it runs for every event written.
func appendMetadata(b []byte, m EventMetadata) []byte {
	b = append(b, '{')
	field := func(key, v string) {
		if v == "" {
			return
		}
		b = append(b, '"')
		b = append(b, key...)
		b = append(b, `":`...)
		b = appendJSONString(b, v)
		b = append(b, ',')
	}
	field("correlation_id", m.CorrelationID)
	field("causation_id", m.CausationID)
	field("actor", m.Actor)
	b = append(b, `"occurred_at":"`...)
	b = m.OccurredAt.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `",`...)
	if m.SchemaVersion != 0 {
		b = append(b, `"schema_version":`...)
		b = strconv.AppendInt(b, int64(m.SchemaVersion), 10)
		b = append(b, ',')
	}
	field("prev_hash", m.PrevHash)
	field("hash", m.Hash)
	field("command_id", m.CommandID)
	field("command_hash", m.CommandHash)
	b[len(b)-1] = '}'
	return b
}

// metadataSize is a capacity that usually holds m's encoding: the fixed keys
// and punctuation, the timestamp, and the strings with room for escapes.
func metadataSize(m EventMetadata) int {
	n := len(m.CorrelationID) + len(m.CausationID) + len(m.Actor) + len(m.PrevHash) + len(m.Hash) + len(m.CommandID) + len(m.CommandHash)
	return 192 + n + n/8
}

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		// Copy the run of bytes that need no escaping in one go.
		j := i
		for j < len(s) && s[j] >= 0x20 && s[j] < utf8.RuneSelf && s[j] != '"' && s[j] != '\\' {
			j++
		}
		b = append(b, s[i:j]...)
		if i = j; i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
