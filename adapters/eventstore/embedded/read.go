package embedded

import (
	"context"
	"fmt"
	"iter"
	"sync"

	"github.com/cockroachdb/pebble/v2"

	"github.com/remitflow/remitflow/domain/eventstore"
)

// scanLimit bounds how many records one read step looks at, so that a
// filter that matches nothing still lets the reader check its context.
const scanLimit = 16384

// logRange is a step of a read over the global log.
type logRange struct {
	next    uint64 // next position to look at
	back    bool
	filter  eventstore.Filter
	max     int // events wanted in this step
	maxByte int
}

// readLog reads one chunk of the global log from r.next, never past the
// durable end, appending matching events to buf. It returns the events, the
// position to continue from and whether the log (in this direction) is
// exhausted.
func (s *Store) readLog(r logRange, dec *decoder, buf []eventstore.RecordedEvent) ([]eventstore.RecordedEvent, uint64, bool, error) {
	s.readMu.RLock()
	defer s.readMu.RUnlock()
	if s.dbClosed {
		return buf, r.next, true, eventstore.ErrClosed
	}
	durable := s.durable.Load()
	if r.back {
		r.next = min(r.next, durable)
		if r.next == 0 {
			return buf, 0, true, nil
		}
	} else if r.next > durable || r.next == 0 {
		if r.next == 0 {
			r.next = 1
		}
		if r.next > durable {
			return buf, r.next, true, nil
		}
	}
	it, err := s.db.NewIter(&pebble.IterOptions{
		LowerBound: logKey(1),
		UpperBound: logKey(durable + 1),
	})
	if err != nil {
		return buf, r.next, true, fmt.Errorf("%w: %v", eventstore.ErrUnavailable, err)
	}
	defer it.Close()
	var ok bool
	if r.back {
		ok = it.SeekLT(logKey(r.next + 1))
	} else {
		ok = it.SeekGE(logKey(r.next))
	}
	var v recordView
	got, bytes, scanned := 0, 0, 0
	exhausted := true
	for ; ok; ok = step(it, r.back) {
		if got >= r.max || bytes >= r.maxByte || scanned >= scanLimit {
			exhausted = false
			break
		}
		p := posFromLogKey(it.Key())
		val, err := it.ValueAndErr()
		if err != nil {
			return buf, p, true, fmt.Errorf("%w: %v", eventstore.ErrUnavailable, err)
		}
		if err := decodeRecord(val, &v); err != nil {
			return buf, p, true, fmt.Errorf("position %d: %w", p, err)
		}
		scanned++
		if r.back {
			r.next = p - 1
		} else {
			r.next = p + 1
		}
		if r.filter.Kind != eventstore.FilterNone && !matches(r.filter, v.stream, v.typ) {
			continue
		}
		buf = append(buf, dec.event(&v, p))
		got++
		bytes += len(val)
	}
	if err := it.Error(); err != nil {
		return buf, r.next, true, fmt.Errorf("%w: %v", eventstore.ErrUnavailable, err)
	}
	if r.back && r.next == 0 {
		exhausted = true
	}
	return buf, r.next, exhausted, nil
}

func step(it *pebble.Iterator, back bool) bool {
	if back {
		return it.Prev()
	}
	return it.Next()
}

// matches is Filter.Matches on bytes, without allocating.
func matches(f eventstore.Filter, stream, typ []byte) bool {
	var s []byte
	switch f.Kind {
	case eventstore.FilterNone:
		return true
	case eventstore.FilterStreamPrefix:
		s = stream
	case eventstore.FilterEventTypePrefix:
		s = typ
	default:
		return false
	}
	for _, p := range f.Prefixes {
		if len(s) >= len(p) && string(s[:len(p)]) == p {
			return true
		}
	}
	return false
}

// firstAfter converts an exclusive forward bound to the first position to read.
func firstAfter(p eventstore.Position) uint64 {
	if p.Commit == 0 {
		return 1
	}
	if p.Prepare < p.Commit {
		return p.Commit
	}
	if p.Commit == ^uint64(0) {
		return p.Commit
	}
	return p.Commit + 1
}

// lastBefore converts an exclusive backward bound to the last position to read.
func lastBefore(p eventstore.Position) uint64 {
	if p.Prepare > p.Commit {
		return p.Commit
	}
	if p.Commit == 0 {
		return 0
	}
	return p.Commit - 1
}

// ReadAll yields events of the global log in position order (or reverse),
// filtered, reading Pebble in bounded chunks. It yields eventstore.ErrClosed,
// eventstore.ErrUnavailable or the context's error, and then stops.
func (s *Store) ReadAll(ctx context.Context, opts eventstore.ReadAllOptions) iter.Seq2[eventstore.RecordedEvent, error] {
	return func(yield func(eventstore.RecordedEvent, error) bool) {
		r := logRange{back: opts.Direction == eventstore.Backwards, filter: opts.Filter}
		if r.back {
			r.next = lastBefore(opts.After)
			if r.next == 0 {
				return
			}
		} else {
			r.next = firstAfter(opts.After)
			if opts.After == eventstore.End {
				return
			}
		}
		var dec decoder
		var buf []eventstore.RecordedEvent
		var count uint64
		for {
			if err := ctx.Err(); err != nil {
				yield(eventstore.RecordedEvent{}, fmt.Errorf("read all: %w", err))
				return
			}
			r.max = s.opts.ReadChunkEvents
			if opts.MaxCount > 0 {
				r.max = int(min(uint64(r.max), opts.MaxCount-count))
			}
			r.maxByte = s.opts.ReadChunkBytes
			var done bool
			var err error
			buf, r.next, done, err = s.readLog(r, &dec, buf[:0])
			for i := range buf {
				if !yield(buf[i], nil) {
					return
				}
				buf[i] = eventstore.RecordedEvent{}
			}
			count += uint64(len(buf))
			if err != nil {
				yield(eventstore.RecordedEvent{}, fmt.Errorf("read all: %w", err))
				return
			}
			if done || (opts.MaxCount > 0 && count >= opts.MaxCount) {
				return
			}
		}
	}
}

// ReadStream yields a stream's events, reading Pebble in bounded chunks. It
// yields eventstore.ErrStreamNotFound, eventstore.ErrInvalidStreamName,
// eventstore.ErrClosed, eventstore.ErrUnavailable or the context's error,
// and then stops.
func (s *Store) ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) iter.Seq2[eventstore.RecordedEvent, error] {
	return func(yield func(eventstore.RecordedEvent, error) bool) {
		if err := eventstore.ValidateStreamName(stream); err != nil {
			yield(eventstore.RecordedEvent{}, fmt.Errorf("read stream: %w", err))
			return
		}
		back := opts.Direction == eventstore.Backwards
		next := opts.From
		dec := decoder{lastStream: stream}
		var buf []eventstore.RecordedEvent
		var count uint64
		first := true
		for {
			if err := ctx.Err(); err != nil {
				yield(eventstore.RecordedEvent{}, fmt.Errorf("read stream %q: %w", stream, err))
				return
			}
			max := s.opts.ReadChunkEvents
			if opts.MaxCount > 0 {
				max = int(min(uint64(max), opts.MaxCount-count))
			}
			var done bool
			var err error
			buf, next, done, err = s.readStreamChunk(stream, next, back, max, first, &dec, buf[:0])
			first = false
			for i := range buf {
				if !yield(buf[i], nil) {
					return
				}
				buf[i] = eventstore.RecordedEvent{}
			}
			count += uint64(len(buf))
			if err != nil {
				yield(eventstore.RecordedEvent{}, fmt.Errorf("read stream %q: %w", stream, err))
				return
			}
			if done || (opts.MaxCount > 0 && count >= opts.MaxCount) {
				return
			}
		}
	}
}

// readStreamChunk reads up to max events of stream from revision next. On
// the first chunk it reports eventstore.ErrStreamNotFound for a stream with
// no durable events.
func (s *Store) readStreamChunk(stream string, next uint64, back bool, max int, first bool, dec *decoder, buf []eventstore.RecordedEvent) ([]eventstore.RecordedEvent, uint64, bool, error) {
	s.readMu.RLock()
	defer s.readMu.RUnlock()
	if s.dbClosed {
		return buf, next, true, eventstore.ErrClosed
	}
	durable := s.durable.Load()
	if first {
		// The in-memory heads answer the common cheap cases without a Pebble
		// seek: a stream that has no event at all, and a forward read from
		// past a durable head. A head not yet durable is left to Pebble,
		// which is read up to the durable position only.
		s.headsMu.RLock()
		h, ok := s.heads[stream]
		s.headsMu.RUnlock()
		if !ok {
			return buf, next, true, eventstore.ErrStreamNotFound
		}
		if !back && h.pos <= durable && next > h.rev {
			return buf, next, true, nil
		}
	}
	prefix := streamPrefix(stream)
	idx, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return buf, next, true, fmt.Errorf("%w: %v", eventstore.ErrUnavailable, err)
	}
	defer idx.Close()
	logIt, err := s.db.NewIter(&pebble.IterOptions{LowerBound: logKey(1), UpperBound: logKey(durable + 1)})
	if err != nil {
		return buf, next, true, fmt.Errorf("%w: %v", eventstore.ErrUnavailable, err)
	}
	defer logIt.Close()

	var ok bool
	if back {
		if next == ^uint64(0) {
			ok = idx.Last()
		} else {
			ok = idx.SeekLT(streamKey(prefix, next+1))
		}
	} else {
		ok = idx.SeekGE(streamKey(prefix, next))
	}
	// Skip index entries beyond the durable end (none once a commit returned).
	for ok && beU64(idx.Value()) > durable {
		if !back {
			ok = false
			break
		}
		ok = idx.Prev()
	}
	if !ok && first {
		if err := idx.Error(); err != nil {
			return buf, next, true, fmt.Errorf("%w: %v", eventstore.ErrUnavailable, err)
		}
		if !idx.First() || beU64(idx.Value()) > durable {
			return buf, next, true, eventstore.ErrStreamNotFound
		}
		return buf, next, true, nil
	}
	var v recordView
	var kbuf [9]byte
	done := true
	for ; ok; ok = step(idx, back) {
		if len(buf) >= max {
			done = false
			break
		}
		key := idx.Key()
		rev := beU64(key[len(key)-8:])
		p := beU64(idx.Value())
		if p > durable {
			continue
		}
		lk := appendLogKey(kbuf[:0], p)
		if !logIt.SeekGE(lk) || string(logIt.Key()) != string(lk) {
			return buf, next, true, corruptf("stream %q revision %d points at missing position %d", stream, rev, p)
		}
		val, err := logIt.ValueAndErr()
		if err != nil {
			return buf, next, true, fmt.Errorf("%w: %v", eventstore.ErrUnavailable, err)
		}
		if err := decodeRecord(val, &v); err != nil {
			return buf, next, true, fmt.Errorf("position %d: %w", p, err)
		}
		buf = append(buf, dec.event(&v, p))
		if back {
			if rev == 0 {
				return buf, 0, true, nil
			}
			next = rev - 1
		} else {
			next = rev + 1
		}
	}
	if err := idx.Error(); err != nil {
		return buf, next, true, fmt.Errorf("%w: %v", eventstore.ErrUnavailable, err)
	}
	return buf, next, done, nil
}

// prefixEnd returns the smallest key after every key with prefix p.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// SubscribeAll starts a catch-up subscription on the global log: every
// matching event after opts.After, history first, then live. It returns
// eventstore.ErrClosed if the store is closed, or the context's error.
func (s *Store) SubscribeAll(ctx context.Context, opts eventstore.SubscribeOptions) (eventstore.Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("subscribe all: %w", err)
	}
	select {
	case <-s.done:
		return nil, fmt.Errorf("subscribe all: %w", eventstore.ErrClosed)
	default:
	}
	next := firstAfter(opts.After)
	if opts.After == eventstore.End {
		next = ^uint64(0)
	}
	return &subscription{s: s, ctx: ctx, filter: opts.Filter, next: next, closed: make(chan struct{})}, nil
}

type subscription struct {
	s      *Store
	ctx    context.Context
	filter eventstore.Filter

	mu   sync.Mutex // serialises Next
	next uint64     // next position to read
	buf  []eventstore.RecordedEvent
	head int // index of the next event in buf
	dec  decoder

	closeOnce sync.Once
	closed    chan struct{}
}

// Next blocks until the next matching event and returns it. It returns
// eventstore.ErrClosed after Close or the store's Close,
// eventstore.ErrUnavailable if the disk fails, or the error of ctx or of the
// subscription's context.
func (sub *subscription) Next(ctx context.Context) (eventstore.RecordedEvent, error) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	for {
		select {
		case <-sub.closed:
			return eventstore.RecordedEvent{}, fmt.Errorf("subscription next: %w", eventstore.ErrClosed)
		case <-sub.s.done:
			return eventstore.RecordedEvent{}, fmt.Errorf("subscription next: %w", eventstore.ErrClosed)
		default:
		}
		if err := sub.ctx.Err(); err != nil {
			return eventstore.RecordedEvent{}, fmt.Errorf("subscription next: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return eventstore.RecordedEvent{}, fmt.Errorf("subscription next: %w", err)
		}
		if sub.head < len(sub.buf) {
			e := sub.buf[sub.head]
			sub.buf[sub.head] = eventstore.RecordedEvent{}
			sub.head++
			return e, nil
		}
		// Take the notification channel before looking, so a commit that
		// lands after the look still wakes us.
		wait := sub.s.waitChan()
		if sub.next <= sub.s.durable.Load() {
			r := logRange{next: sub.next, filter: sub.filter, max: sub.s.opts.ReadChunkEvents, maxByte: sub.s.opts.ReadChunkBytes}
			buf, next, _, err := sub.s.readLog(r, &sub.dec, sub.buf[:0])
			sub.buf, sub.head, sub.next = buf, 0, next
			if err != nil {
				return eventstore.RecordedEvent{}, fmt.Errorf("subscription next: %w", err)
			}
			continue
		}
		select {
		case <-wait:
		case <-sub.closed:
		case <-sub.s.done:
		case <-sub.ctx.Done():
		case <-ctx.Done():
		}
	}
}

// Close ends the subscription; a blocked Next returns eventstore.ErrClosed.
// It is safe to call more than once and always returns nil.
func (sub *subscription) Close() error {
	sub.closeOnce.Do(func() { close(sub.closed) })
	return nil
}
