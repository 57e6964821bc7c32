package kafkarelay

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/segmentio/kafka-go"

	"github.com/remitflow/remitflow/domain/eventstore"
)

// Kafka header names of the CloudEvents Kafka protocol binding (binary
// content mode) and of the Remitflow extensions.
const (
	HeaderSpecVersion = "ce_specversion"
	HeaderID          = "ce_id"
	HeaderType        = "ce_type"
	HeaderSource      = "ce_source"
	HeaderTime        = "ce_time"
	HeaderSubject     = "ce_subject"
	HeaderContentType = "content-type"
	// HeaderPosition carries the event's global position as "commit:prepare".
	HeaderPosition = "remitflow_position"
	// HeaderRevision carries the event's revision in its stream, in decimal.
	HeaderRevision = "remitflow_revision"
	// HeaderMetadata carries the event's JSON metadata; absent when empty.
	HeaderMetadata = "remitflow_metadata"
)

// SpecVersion is the CloudEvents version written in ce_specversion.
const SpecVersion = "1.0"

// ContentTypeJSON is the content type of every message value.
const ContentTypeJSON = "application/json"

// ErrMalformedMessage means a Kafka message is not a CloudEvent written by
// the relay: a required header is missing or unparsable, or the value is not
// JSON. The error names the offending header.
var ErrMalformedMessage = errors.New("kafkarelay: malformed message")

// Event is a recorded event decoded from a Kafka message, with the message's
// coordinates.
type Event struct {
	eventstore.RecordedEvent
	// Source is the ce_source attribute.
	Source string
	// Topic, Partition and Offset say where the message was read.
	Topic     string
	Partition int
	Offset    int64
}

// Encode turns a recorded event into a binary-mode CloudEvent message for
// topic; source becomes ce_source.
func Encode(ev eventstore.RecordedEvent, topic, source string) kafka.Message {
	headers := []kafka.Header{
		{Key: HeaderSpecVersion, Value: []byte(SpecVersion)},
		{Key: HeaderID, Value: []byte(ev.ID.String())},
		{Key: HeaderType, Value: []byte(ev.Type)},
		{Key: HeaderSource, Value: []byte(source)},
		{Key: HeaderTime, Value: []byte(ev.RecordedAt.UTC().Format(time.RFC3339Nano))},
		{Key: HeaderSubject, Value: []byte(ev.Stream)},
		{Key: HeaderContentType, Value: []byte(ContentTypeJSON)},
		{Key: HeaderPosition, Value: []byte(ev.Position.String())},
		{Key: HeaderRevision, Value: []byte(strconv.FormatUint(ev.Revision, 10))},
	}
	if len(ev.Metadata) > 0 {
		headers = append(headers, kafka.Header{Key: HeaderMetadata, Value: ev.Metadata})
	}
	return kafka.Message{
		Topic:   topic,
		Key:     []byte(ev.Stream),
		Value:   ev.Data,
		Headers: headers,
		Time:    ev.RecordedAt,
	}
}

// Decode turns a message written by the relay back into an Event. It returns
// an error wrapping ErrMalformedMessage when a required header is missing or
// invalid, the specversion is not 1.0, the content type is not JSON, or the
// value or metadata is not JSON.
func Decode(m kafka.Message) (Event, error) {
	h := make(map[string]string, len(m.Headers))
	for _, hd := range m.Headers {
		h[strings.ToLower(hd.Key)] = string(hd.Value)
	}
	bad := func(format string, args ...any) (Event, error) {
		return Event{}, fmt.Errorf("%w: %s/%d@%d: %s", ErrMalformedMessage, m.Topic, m.Partition, m.Offset, fmt.Sprintf(format, args...))
	}
	required := []string{HeaderSpecVersion, HeaderID, HeaderType, HeaderSource, HeaderTime, HeaderSubject, HeaderPosition, HeaderRevision}
	for _, k := range required {
		if h[k] == "" {
			return bad("missing header %s", k)
		}
	}
	if v := h[HeaderSpecVersion]; v != SpecVersion {
		return bad("%s %q, want %q", HeaderSpecVersion, v, SpecVersion)
	}
	if ct, ok := h[HeaderContentType]; ok && !strings.HasPrefix(ct, ContentTypeJSON) {
		return bad("%s %q, want %q", HeaderContentType, ct, ContentTypeJSON)
	}
	id, err := uuid.Parse(h[HeaderID])
	if err != nil || id == uuid.Nil {
		return bad("%s %q is not a UUID", HeaderID, h[HeaderID])
	}
	at, err := time.Parse(time.RFC3339Nano, h[HeaderTime])
	if err != nil {
		return bad("%s %q is not RFC 3339", HeaderTime, h[HeaderTime])
	}
	pos, err := eventstore.ParsePosition(h[HeaderPosition])
	if err != nil {
		return bad("%s %q is not a position", HeaderPosition, h[HeaderPosition])
	}
	rev, err := strconv.ParseUint(h[HeaderRevision], 10, 64)
	if err != nil {
		return bad("%s %q is not a revision", HeaderRevision, h[HeaderRevision])
	}
	if !json.Valid(m.Value) {
		return bad("value is not JSON")
	}
	var meta []byte
	if v, ok := h[HeaderMetadata]; ok && v != "" {
		if !json.Valid([]byte(v)) {
			return bad("%s is not JSON", HeaderMetadata)
		}
		meta = []byte(v)
	}
	return Event{
		RecordedEvent: eventstore.RecordedEvent{
			ID:         id,
			Stream:     h[HeaderSubject],
			Type:       h[HeaderType],
			Revision:   rev,
			Position:   pos,
			Data:       m.Value,
			Metadata:   meta,
			RecordedAt: at,
		},
		Source:    h[HeaderSource],
		Topic:     m.Topic,
		Partition: m.Partition,
		Offset:    m.Offset,
	}, nil
}

// TopicNamer maps a stream category to a Kafka topic.
type TopicNamer struct {
	// Prefix and Suffix surround the category: "remitflow." + "transfer" + ".v1".
	Prefix string
	Suffix string
	// Overrides maps a category to a topic of its own, bypassing Prefix and
	// Suffix.
	Overrides map[string]string
}

// DefaultTopicNamer names topics "remitflow.<category>.v1".
var DefaultTopicNamer = TopicNamer{Prefix: "remitflow.", Suffix: ".v1"}

// Topic returns the topic for a stream. Characters Kafka does not allow in
// topic names (anything but ASCII letters, digits, '.', '_' and '-') are
// replaced by '_', and an empty category becomes "none".
func (n TopicNamer) Topic(stream string) string {
	cat := eventstore.Category(stream)
	if t, ok := n.Overrides[cat]; ok {
		return t
	}
	if cat == "" {
		cat = "none"
	}
	return n.Prefix + sanitizeTopic(cat) + n.Suffix
}

// Validate checks that the names the namer produces are legal Kafka topic
// names for any category.
func (n TopicNamer) Validate() error {
	for _, s := range []string{n.Prefix, n.Suffix} {
		if s != sanitizeTopic(s) {
			return fmt.Errorf("kafkarelay: topic prefix/suffix %q has characters Kafka does not allow", s)
		}
	}
	if len(n.Prefix)+len(n.Suffix) > 200 {
		return errors.New("kafkarelay: topic prefix and suffix are too long")
	}
	for cat, t := range n.Overrides {
		if err := ValidateTopic(t); err != nil {
			return fmt.Errorf("kafkarelay: topic override for %q: %w", cat, err)
		}
	}
	return nil
}

// ValidateTopic checks a topic name against Kafka's rules: 1 to 249
// characters from [a-zA-Z0-9._-], and not "." or "..".
func ValidateTopic(t string) error {
	switch {
	case t == "" || len(t) > 249:
		return fmt.Errorf("topic name %q must have 1 to 249 characters", t)
	case t == "." || t == "..":
		return fmt.Errorf("topic name %q is reserved", t)
	case t != sanitizeTopic(t):
		return fmt.Errorf("topic name %q has characters outside [a-zA-Z0-9._-]", t)
	}
	return nil
}

func sanitizeTopic(s string) string {
	b := make([]byte, 0, len(s))
	for _, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			c = '_'
		}
		b = append(b, byte(c))
	}
	if len(b) > 200 {
		b = b[:200]
	}
	return string(b)
}
