package embedded

import (
	"context"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Check verifies the store's invariants on disk: positions are dense from 1,
// every log record has matching stream-index and event-ID entries and vice
// versa, stream revisions are dense from 0 in position order, and the heads
// on disk name each stream's last event up to the heads checkpoint. It reads the whole store (memory grows
// with the number of streams, not events) and returns the first violation
// found, Pebble's error, or the context's error.
func (s *Store) Check(ctx context.Context) error {
	s.readMu.RLock()
	defer s.readMu.RUnlock()
	if s.dbClosed {
		return fmt.Errorf("check: store closed")
	}
	snap := s.db.NewSnapshot()
	defer snap.Close()

	iterOf := func(prefix byte) (*pebble.Iterator, error) {
		return snap.NewIter(&pebble.IterOptions{LowerBound: []byte{prefix}, UpperBound: []byte{prefix + 1}})
	}
	type streamState struct {
		next  uint64 // next expected revision
		atRev uint64 // last revision at or before the heads checkpoint
		atPos uint64 // its position (0: none)
	}
	var checkpoint uint64
	if v, closer, err := snap.Get(headsAtKey); err == nil {
		if len(v) == 8 {
			checkpoint = beU64(v)
		}
		_ = closer.Close()
	}
	streams := map[string]*streamState{}

	logIt, err := iterOf(prefixLog)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	defer logIt.Close()
	var want uint64 = 1
	var v recordView
	var events uint64
	for ok := logIt.First(); ok; ok = logIt.Next() {
		if events%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("check: %w", err)
			}
		}
		events++
		p := posFromLogKey(logIt.Key())
		if p != want {
			return fmt.Errorf("check: position %d follows %d: the log is not dense", p, want-1)
		}
		want++
		val, err := logIt.ValueAndErr()
		if err != nil {
			return fmt.Errorf("check: %w", err)
		}
		if err := decodeRecord(val, &v); err != nil {
			return fmt.Errorf("check: position %d: %w", p, err)
		}
		st := streams[string(v.stream)]
		if st == nil {
			st = &streamState{}
			streams[string(v.stream)] = st
		}
		if v.revision != st.next {
			return fmt.Errorf("check: %q revision %d at position %d, want revision %d", v.stream, v.revision, p, st.next)
		}
		if p <= checkpoint {
			st.atRev, st.atPos = v.revision, p
		}
		st.next++
		// Stream index entry.
		sk := streamKey(streamPrefix(string(v.stream)), v.revision)
		if got, err := getU64(snap, sk); err != nil || got != p {
			return fmt.Errorf("check: stream index of %q revision %d = %d (%v), want position %d", v.stream, v.revision, got, err, p)
		}
		// Event-ID index entry.
		idv, closer, err := snap.Get(idKey(v.id, string(v.stream)))
		if err != nil {
			return fmt.Errorf("check: event %s at position %d has no ID index entry: %w", v.id, p, err)
		}
		// An ID repeated in one stream is indexed at its last occurrence.
		okID := len(idv) == 16 && beU64(idv) >= p && beU64(idv[8:]) >= v.revision
		_ = closer.Close()
		if !okID {
			return fmt.Errorf("check: ID index of event %s in %q does not point at position %d or later", v.id, v.stream, p)
		}
	}
	if err := logIt.Error(); err != nil {
		return fmt.Errorf("check: %w", err)
	}

	if checkpoint >= want {
		return fmt.Errorf("check: heads checkpoint %d is past the log's end %d", checkpoint, want-1)
	}

	// Heads: one per stream with events up to the checkpoint, naming its
	// last event there.
	hIt, err := iterOf(prefixHead)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	defer hIt.Close()
	heads := 0
	for ok := hIt.First(); ok; ok = hIt.Next() {
		heads++
		name := string(hIt.Key()[1:])
		st := streams[name]
		val := hIt.Value()
		if st == nil || st.atPos == 0 || len(val) != 16 || beU64(val) != st.atRev || beU64(val[8:]) != st.atPos {
			return fmt.Errorf("check: head of %q does not name its last event up to position %d", name, checkpoint)
		}
	}
	withHead := 0
	for _, st := range streams {
		if st.atPos != 0 {
			withHead++
		}
	}
	if heads != withHead {
		return fmt.Errorf("check: %d heads for %d streams with events up to position %d", heads, withHead, checkpoint)
	}

	// No index entries without a record.
	sIt, err := iterOf(prefixStream)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	defer sIt.Close()
	var sCount uint64
	for ok := sIt.First(); ok; ok = sIt.Next() {
		sCount++
	}
	iIt, err := iterOf(prefixID)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	defer iIt.Close()
	var iCount uint64
	for ok := iIt.First(); ok; ok = iIt.Next() {
		iCount++
	}
	if sCount != events || iCount > events {
		return fmt.Errorf("check: %d events, %d stream-index and %d ID-index entries", events, sCount, iCount)
	}
	return nil
}

func getU64(snap *pebble.Snapshot, key []byte) (uint64, error) {
	v, closer, err := snap.Get(key)
	if err != nil {
		return 0, err
	}
	defer closer.Close()
	if len(v) != 8 {
		return 0, corruptf("value of %d bytes", len(v))
	}
	return beU64(v), nil
}
