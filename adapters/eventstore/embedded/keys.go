package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/remitflow/remitflow/domain/eventstore"
)

// Key prefixes. Every key starts with one of these bytes; see the package
// comment for the layout.
const (
	prefixLog    byte = 'l' // 'l' pos(8)                        -> record
	prefixStream byte = 's' // 's' len(2) stream rev(8)          -> pos(8)
	prefixID     byte = 'i' // 'i' id(16) stream                 -> pos(8) rev(8)
	prefixHead   byte = 'h' // 'h' stream                        -> rev(8) pos(8)
	prefixMeta   byte = 'm' // 'm' name                          -> value
)

// formatKey holds the on-disk format version; headsAtKey the position up to
// which the 'h' keys are complete.
var (
	formatKey  = []byte("mformat")
	headsAtKey = []byte("mheads-at")
)

// formatVersion is the current on-disk format.
const formatVersion = 1

// recordVersion is the first byte of every record.
const recordVersion byte = 1

// Offsets of the fields the writer patches into a pre-encoded record.
const (
	recOffRevision   = 1
	recOffRecordedAt = 9
	recOffID         = 17
	recHeaderLen     = 33
)

var errCorrupt = errors.New("embedded: corrupt record")

func logKey(pos uint64) []byte {
	k := make([]byte, 9)
	k[0] = prefixLog
	binary.BigEndian.PutUint64(k[1:], pos)
	return k
}

func appendLogKey(dst []byte, pos uint64) []byte {
	dst = append(dst, prefixLog)
	return binary.BigEndian.AppendUint64(dst, pos)
}

func posFromLogKey(k []byte) uint64 { return binary.BigEndian.Uint64(k[1:9]) }

// streamPrefix is 's' len(2) stream: the prefix of every index key of the
// stream. The length makes one stream's keys never a prefix of another's.
func streamPrefix(stream string) []byte {
	k := make([]byte, 0, 3+len(stream)+8)
	k = append(k, prefixStream)
	k = binary.BigEndian.AppendUint16(k, uint16(len(stream)))
	return append(k, stream...)
}

func streamKey(prefix []byte, rev uint64) []byte {
	k := make([]byte, len(prefix), len(prefix)+8)
	copy(k, prefix)
	return binary.BigEndian.AppendUint64(k, rev)
}

func idKey(id uuid.UUID, stream string) []byte {
	k := make([]byte, 17, 17+len(stream))
	k[0] = prefixID
	copy(k[1:], id[:])
	return append(k, stream...)
}

func headKey(stream string) []byte {
	k := make([]byte, 0, 1+len(stream))
	k = append(k, prefixHead)
	return append(k, stream...)
}

func encodeU64Pair(a, b uint64) []byte {
	v := make([]byte, 16)
	binary.BigEndian.PutUint64(v, a)
	binary.BigEndian.PutUint64(v[8:], b)
	return v
}

// encodeRecord encodes an event with a zero revision and time; the writer
// patches them in with patchRecord.
func encodeRecord(stream string, e eventstore.EventData) []byte {
	n := recHeaderLen + 3*binary.MaxVarintLen32 + len(stream) + len(e.Type) + len(e.Data) + len(e.Metadata)
	b := make([]byte, recHeaderLen, n)
	b[0] = recordVersion
	copy(b[recOffID:], e.ID[:])
	b = binary.AppendUvarint(b, uint64(len(stream)))
	b = append(b, stream...)
	b = binary.AppendUvarint(b, uint64(len(e.Type)))
	b = append(b, e.Type...)
	b = binary.AppendUvarint(b, uint64(len(e.Data)))
	b = append(b, e.Data...)
	return append(b, e.Metadata...)
}

func patchRecord(rec []byte, rev uint64, recordedAt int64) {
	binary.BigEndian.PutUint64(rec[recOffRevision:], rev)
	binary.BigEndian.PutUint64(rec[recOffRecordedAt:], uint64(recordedAt))
}

// recordView is a decoded record whose byte slices alias the record.
type recordView struct {
	revision   uint64
	recordedAt int64
	id         uuid.UUID
	stream     []byte
	typ        []byte
	data       []byte
	meta       []byte
}

func readField(b []byte) (field, rest []byte, err error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return nil, nil, errCorrupt
	}
	return b[k : k+int(n)], b[k+int(n):], nil
}

func decodeRecord(rec []byte, v *recordView) error {
	if len(rec) < recHeaderLen || rec[0] != recordVersion {
		return errCorrupt
	}
	v.revision = binary.BigEndian.Uint64(rec[recOffRevision:])
	v.recordedAt = int64(binary.BigEndian.Uint64(rec[recOffRecordedAt:]))
	copy(v.id[:], rec[recOffID:recHeaderLen])
	rest := rec[recHeaderLen:]
	var err error
	if v.stream, rest, err = readField(rest); err != nil {
		return err
	}
	if v.typ, rest, err = readField(rest); err != nil {
		return err
	}
	if v.data, rest, err = readField(rest); err != nil {
		return err
	}
	v.meta = rest
	return nil
}

// decoder turns records into RecordedEvents, reusing strings it has seen.
type decoder struct {
	lastStream string
	types      map[string]string
}

func (d *decoder) str(b []byte, last *string) string {
	if string(b) == *last {
		return *last
	}
	*last = string(b)
	return *last
}

func (d *decoder) typ(b []byte) string {
	if s, ok := d.types[string(b)]; ok {
		return s
	}
	s := string(b)
	if d.types == nil {
		d.types = make(map[string]string)
	}
	if len(d.types) < 1024 {
		d.types[s] = s
	}
	return s
}

// event copies a decoded record into a RecordedEvent that owns its bytes.
func (d *decoder) event(v *recordView, pos uint64) eventstore.RecordedEvent {
	buf := make([]byte, len(v.data)+len(v.meta))
	copy(buf, v.data)
	copy(buf[len(v.data):], v.meta)
	e := eventstore.RecordedEvent{
		ID:         v.id,
		Stream:     d.str(v.stream, &d.lastStream),
		Type:       d.typ(v.typ),
		Revision:   v.revision,
		Position:   eventstore.Position{Commit: pos, Prepare: pos},
		Data:       buf[:len(v.data):len(v.data)],
		RecordedAt: time.Unix(0, v.recordedAt).UTC(),
	}
	if len(v.meta) > 0 {
		e.Metadata = buf[len(v.data):]
	}
	return e
}

func corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errCorrupt}, args...)...)
}
