package embedded_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/remitflow/remitflow/adapters/eventstore/embedded"
	"github.com/remitflow/remitflow/domain/eventstore"
)

func headEvent(i int) eventstore.EventData {
	return eventstore.EventData{ID: uuid.New(), Type: "test.happened.v1", Data: fmt.Appendf(nil, `{"i":%d}`, i)}
}

func readRevs(t *testing.T, s *embedded.Store, stream string, opts eventstore.ReadStreamOptions) ([]uint64, error) {
	t.Helper()
	var revs []uint64
	for ev, err := range s.ReadStream(context.Background(), stream, opts) {
		if err != nil {
			return revs, err
		}
		revs = append(revs, ev.Revision)
	}
	return revs, nil
}

// TestReadStreamFromHeads covers the reads answered from the in-memory
// stream heads: absent streams, reads past the end, and the same answers
// after reopening.
func TestReadStreamFromHeads(t *testing.T) {
	dir := t.TempDir()
	s, err := embedded.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := readRevs(t, s, "absent-1", eventstore.ReadStreamOptions{}); !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Fatalf("absent stream: %v, want ErrStreamNotFound", err)
	}
	if _, err := s.Append(ctx, "acct-1", eventstore.NoStream(), headEvent(0), headEvent(1), headEvent(2)); err != nil {
		t.Fatal(err)
	}
	check := func(s *embedded.Store) {
		t.Helper()
		for _, c := range []struct {
			from uint64
			back bool
			want int
		}{{0, false, 3}, {2, false, 1}, {3, false, 0}, {100, false, 0}, {2, true, 3}, {eventstore.EndRevision, true, 3}} {
			opts := eventstore.ReadStreamOptions{From: c.from}
			if c.back {
				opts.Direction = eventstore.Backwards
			}
			revs, err := readRevs(t, s, "acct-1", opts)
			if err != nil || len(revs) != c.want {
				t.Errorf("read from %d (back %v) = %v, %v; want %d events", c.from, c.back, revs, err, c.want)
			}
		}
		if _, err := readRevs(t, s, "absent-1", eventstore.ReadStreamOptions{From: 5}); !errors.Is(err, eventstore.ErrStreamNotFound) {
			t.Errorf("absent stream from 5: %v, want ErrStreamNotFound", err)
		}
	}
	check(s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := readRevs(t, s, "acct-1", eventstore.ReadStreamOptions{From: 3}); !errors.Is(err, eventstore.ErrClosed) {
		t.Errorf("read after Close: %v, want ErrClosed", err)
	}
	s, err = embedded.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	check(s)
}

// TestReadStreamSeesAcknowledgedAppends reads each stream right after every
// acknowledged append, while other streams are written concurrently: the
// read must include the append.
func TestReadStreamSeesAcknowledgedAppends(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	const writers, appends = 8, 50
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stream := fmt.Sprint("acct-", w)
			for i := range appends {
				expected := eventstore.NoStream()
				if i > 0 {
					expected = eventstore.Exact(uint64(i - 1))
				}
				if _, err := s.Append(ctx, stream, expected, headEvent(i)); err != nil {
					t.Error(err)
					return
				}
				revs, err := readRevs(t, s, stream, eventstore.ReadStreamOptions{From: uint64(i)})
				if err != nil || len(revs) != 1 || revs[0] != uint64(i) {
					t.Errorf("%s after append %d: %v, %v", stream, i, revs, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
