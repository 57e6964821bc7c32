package storetest

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/remitflow/remitflow/domain/eventstore"
)

func testExpectedRevision(t *testing.T, open Opener) {
	t.Run("NoStream", func(t *testing.T) {
		s := openStore(t, open)
		e := newEvent("acct.opened.v1", 0)
		res := mustAppend(t, s, "acct-1", eventstore.NoStream(), e)
		if res.NextExpectedRevision != 0 || res.Position.IsZero() {
			t.Errorf("Append(NoStream) = %+v, want NextExpectedRevision 0 and a non-zero position", res)
		}
		_, err := s.Append(t.Context(), "acct-1", eventstore.NoStream(), newEvent("acct.opened.v1", 1))
		wrongRevision(t, err, "acct-1", 0, true)
		assertStreamLen(t, s, "acct-1", 1)
	})
	t.Run("Any", func(t *testing.T) {
		s := openStore(t, open)
		r0 := mustAppend(t, s, "acct-1", eventstore.Any(), newEvent("acct.opened.v1", 0))
		r1 := mustAppend(t, s, "acct-1", eventstore.Any(), newEvent("acct.changed.v1", 1))
		if r0.NextExpectedRevision != 0 || r1.NextExpectedRevision != 1 {
			t.Errorf("Append(Any) twice = %d, %d; want revisions 0, 1", r0.NextExpectedRevision, r1.NextExpectedRevision)
		}
		var zero eventstore.ExpectedRevision
		r2 := mustAppend(t, s, "acct-1", zero, newEvent("acct.changed.v1", 2))
		if r2.NextExpectedRevision != 2 {
			t.Errorf("Append(zero ExpectedRevision) = %d, want 2 (the zero value is Any)", r2.NextExpectedRevision)
		}
	})
	t.Run("StreamExists", func(t *testing.T) {
		s := openStore(t, open)
		_, err := s.Append(t.Context(), "acct-1", eventstore.StreamExists(), newEvent("acct.changed.v1", 0))
		wrongRevision(t, err, "acct-1", 0, false)
		assertStreamMissing(t, s, "acct-1")
		mustAppend(t, s, "acct-1", eventstore.NoStream(), newEvent("acct.opened.v1", 0))
		res := mustAppend(t, s, "acct-1", eventstore.StreamExists(), newEvent("acct.changed.v1", 1))
		if res.NextExpectedRevision != 1 {
			t.Errorf("Append(StreamExists) NextExpectedRevision = %d, want 1", res.NextExpectedRevision)
		}
	})
	t.Run("Exact", func(t *testing.T) {
		s := openStore(t, open)
		_, err := s.Append(t.Context(), "acct-1", eventstore.Exact(0), newEvent("acct.changed.v1", 0))
		wrongRevision(t, err, "acct-1", 0, false)
		assertStreamMissing(t, s, "acct-1")

		mustAppend(t, s, "acct-1", eventstore.NoStream(), newEvent("acct.opened.v1", 0))
		res := mustAppend(t, s, "acct-1", eventstore.Exact(0), newEvent("acct.changed.v1", 1))
		if res.NextExpectedRevision != 1 {
			t.Errorf("Append(Exact(0)) NextExpectedRevision = %d, want 1", res.NextExpectedRevision)
		}
		for _, stale := range []uint64{0, 2, 7} {
			_, err := s.Append(t.Context(), "acct-1", eventstore.Exact(stale), newEvent("acct.changed.v1", 2))
			wrongRevision(t, err, "acct-1", 1, true)
		}
		assertStreamLen(t, s, "acct-1", 2)
		res = mustAppend(t, s, "acct-1", eventstore.Exact(res.NextExpectedRevision), newEvents("acct.changed.v1", 3)...)
		if res.NextExpectedRevision != 4 {
			t.Errorf("Append(Exact(1), 3 events) NextExpectedRevision = %d, want 4", res.NextExpectedRevision)
		}
	})
	t.Run("ErrorMessage", func(t *testing.T) {
		s := openStore(t, open)
		mustAppend(t, s, "acct-1", eventstore.NoStream(), newEvent("acct.opened.v1", 0))
		_, err := s.Append(t.Context(), "acct-1", eventstore.Exact(5), newEvent("acct.changed.v1", 1))
		if err == nil || !strings.Contains(err.Error(), "acct-1") {
			t.Errorf("wrong revision error %q does not name the stream", err)
		}
	})
}

func testAppend(t *testing.T, open Opener) {
	t.Run("AtomicBatch", func(t *testing.T) {
		s := openStore(t, open)
		events := newEvents("order.line.v1", 5)
		res := mustAppend(t, s, "order-1", eventstore.NoStream(), events...)
		if res.NextExpectedRevision != 4 {
			t.Errorf("NextExpectedRevision = %d, want 4", res.NextExpectedRevision)
		}
		got := readStream(t, s, "order-1", eventstore.ReadStreamOptions{})
		if len(got) != len(events) {
			t.Fatalf("ReadStream = %d events, want %d", len(got), len(events))
		}
		for i := range got {
			assertSame(t, got[i], events[i], "order-1", uint64(i))
			if i > 0 && !got[i-1].Position.Less(got[i].Position) {
				t.Errorf("positions %v then %v are not increasing", got[i-1].Position, got[i].Position)
			}
		}
		if got[4].Position != res.Position {
			t.Errorf("last event's position %v != AppendResult.Position %v", got[4].Position, res.Position)
		}
	})
	t.Run("BatchWithOneBadEventWritesNothing", func(t *testing.T) {
		s := openStore(t, open)
		events := newEvents("order.line.v1", 4)
		events[2].Data = []byte(`{"broken":`)
		if _, err := s.Append(t.Context(), "order-1", eventstore.Any(), events...); !errors.Is(err, eventstore.ErrInvalidEvent) {
			t.Errorf("Append(batch with bad JSON) error = %v, want ErrInvalidEvent", err)
		}
		assertStreamMissing(t, s, "order-1")
		assertAllCount(t, s, 0)
	})
	t.Run("FailedConditionWritesNothing", func(t *testing.T) {
		s := openStore(t, open)
		mustAppend(t, s, "order-1", eventstore.NoStream(), newEvent("order.placed.v1", 0))
		if _, err := s.Append(t.Context(), "order-1", eventstore.Exact(3), newEvents("order.line.v1", 3)...); err == nil {
			t.Fatal("Append(Exact(3)) on a stream at revision 0 succeeded")
		}
		assertStreamLen(t, s, "order-1", 1)
		assertAllCount(t, s, 1)
	})
	t.Run("CallerBuffersNotRetained", func(t *testing.T) {
		s := openStore(t, open)
		e := newEvent("order.placed.v1", 0)
		want := append([]byte(nil), e.Data...)
		mustAppend(t, s, "order-1", eventstore.NoStream(), e)
		for i := range e.Data {
			e.Data[i] = ' '
		}
		got := readStream(t, s, "order-1", eventstore.ReadStreamOptions{})
		if len(got) != 1 || string(got[0].Data) != string(want) {
			t.Errorf("after the caller reused its buffer, stored data = %q, want %q", got[0].Data, want)
		}
		got[0].Data[0] = 'X'
		again := readStream(t, s, "order-1", eventstore.ReadStreamOptions{})
		if string(again[0].Data) != string(want) {
			t.Errorf("after a reader changed its copy, stored data = %q, want %q", again[0].Data, want)
		}
	})
	t.Run("EmptyMetadata", func(t *testing.T) {
		s := openStore(t, open)
		e := newEvent("order.placed.v1", 0)
		e.Metadata = nil
		mustAppend(t, s, "order-1", eventstore.NoStream(), e)
		got := readStream(t, s, "order-1", eventstore.ReadStreamOptions{})
		if len(got) != 1 || len(got[0].Metadata) != 0 {
			t.Errorf("metadata of an event appended without metadata = %q, want empty", got[0].Metadata)
		}
	})
}

func testIdempotency(t *testing.T, open Opener) {
	type retry struct {
		name  string
		first eventstore.ExpectedRevision // for the original append
		again eventstore.ExpectedRevision // for the retry
		setup int                         // events already in the stream
	}
	cases := []retry{
		{"NoStream", eventstore.NoStream(), eventstore.NoStream(), 0},
		{"Exact", eventstore.Exact(1), eventstore.Exact(1), 2},
		{"Any", eventstore.Any(), eventstore.Any(), 3},
		{"StreamExists", eventstore.StreamExists(), eventstore.StreamExists(), 1},
		{"AnyRetryOfExact", eventstore.Exact(0), eventstore.Any(), 1},
	}
	for _, c := range cases {
		t.Run("Retry"+c.name, func(t *testing.T) {
			s := openStore(t, open)
			if c.setup > 0 {
				mustAppend(t, s, "pay-1", eventstore.NoStream(), newEvents("pay.setup.v1", c.setup)...)
			}
			batch := newEvents("pay.made.v1", 3)
			orig := mustAppend(t, s, "pay-1", c.first, batch...)
			again, err := s.Append(t.Context(), "pay-1", c.again, batch...)
			if err != nil {
				t.Fatalf("retry with %v: %v", c.again, err)
			}
			if again != orig {
				t.Errorf("retry result = %+v, want the original %+v", again, orig)
			}
			// Still idempotent once the stream has moved on.
			mustAppend(t, s, "pay-1", eventstore.Any(), newEvent("pay.later.v1", 9))
			later, err := s.Append(t.Context(), "pay-1", c.again, batch...)
			if err != nil {
				t.Fatalf("retry with %v after a later append: %v", c.again, err)
			}
			if later != orig {
				t.Errorf("retry after a later append = %+v, want the original %+v", later, orig)
			}
			assertStreamLen(t, s, "pay-1", c.setup+3+1)
			assertAllCount(t, s, c.setup+3+1)
		})
	}
	t.Run("RetryOfLaterPart", func(t *testing.T) {
		// Exact(n) retry naming only a suffix of the original batch.
		s := openStore(t, open)
		batch := newEvents("pay.made.v1", 3)
		mustAppend(t, s, "pay-1", eventstore.NoStream(), batch...)
		res, err := s.Append(t.Context(), "pay-1", eventstore.Exact(0), batch[1:]...)
		if err != nil {
			t.Fatalf("Append(Exact(0), events at revisions 1 and 2): %v", err)
		}
		if res.NextExpectedRevision != 2 {
			t.Errorf("NextExpectedRevision = %d, want 2", res.NextExpectedRevision)
		}
		assertStreamLen(t, s, "pay-1", 3)
	})
	conflicts := []struct {
		name string
		exp  func(orig []eventstore.EventData) (eventstore.ExpectedRevision, []eventstore.EventData)
	}{
		{"NoStreamPrefix", func(o []eventstore.EventData) (eventstore.ExpectedRevision, []eventstore.EventData) {
			return eventstore.NoStream(), []eventstore.EventData{o[0], o[1], newEvent("pay.made.v1", 7)}
		}},
		{"ExactNewTail", func(o []eventstore.EventData) (eventstore.ExpectedRevision, []eventstore.EventData) {
			return eventstore.Exact(0), []eventstore.EventData{o[1], newEvent("pay.made.v1", 7)}
		}},
		{"ExactMixed", func(o []eventstore.EventData) (eventstore.ExpectedRevision, []eventstore.EventData) {
			return eventstore.Exact(0), []eventstore.EventData{newEvent("pay.made.v1", 7), o[2]}
		}},
		{"AnyOverlap", func(o []eventstore.EventData) (eventstore.ExpectedRevision, []eventstore.EventData) {
			return eventstore.Any(), []eventstore.EventData{o[1], o[2], newEvent("pay.made.v1", 7)}
		}},
		{"StreamExistsOverlap", func(o []eventstore.EventData) (eventstore.ExpectedRevision, []eventstore.EventData) {
			return eventstore.StreamExists(), []eventstore.EventData{o[0], newEvent("pay.made.v1", 7)}
		}},
	}
	for _, c := range conflicts {
		t.Run("Conflict"+c.name, func(t *testing.T) {
			s := openStore(t, open)
			orig := newEvents("pay.made.v1", 3)
			mustAppend(t, s, "pay-1", eventstore.NoStream(), orig...)
			exp, batch := c.exp(orig)
			_, err := s.Append(t.Context(), "pay-1", exp, batch...)
			if !errors.Is(err, eventstore.ErrIdempotencyConflict) {
				t.Errorf("Append(%v, partly appended batch) error = %v, want ErrIdempotencyConflict", exp, err)
			}
			got := readStream(t, s, "pay-1", eventstore.ReadStreamOptions{})
			if !equalIDs(ids(got), dataIDs(orig)) {
				t.Errorf("stream after a conflicting append = %v, want only %v", ids(got), dataIDs(orig))
			}
			assertAllCount(t, s, 3)
		})
	}
	t.Run("DifferentIDsStillCheckRevision", func(t *testing.T) {
		s := openStore(t, open)
		mustAppend(t, s, "pay-1", eventstore.NoStream(), newEvents("pay.made.v1", 2)...)
		_, err := s.Append(t.Context(), "pay-1", eventstore.Exact(0), newEvent("pay.made.v1", 5))
		wrongRevision(t, err, "pay-1", 1, true)
	})
}

func testValidation(t *testing.T, open Opener) {
	valid := func() eventstore.EventData { return newEvent("check.done.v1", 0) }
	big := make([]byte, eventstore.MaxEventSize+1)
	for i := range big {
		big[i] = ' '
	}
	big[0], big[len(big)-1] = '"', '"' // a JSON string of spaces
	tooMany := newEvents("check.done.v1", eventstore.MaxAppendEvents+1)
	dup := valid()

	cases := []struct {
		name   string
		stream string
		events []eventstore.EventData
		want   error
	}{
		{"EmptyStream", "", []eventstore.EventData{valid()}, eventstore.ErrInvalidStreamName},
		{"LongStream", strings.Repeat("s", eventstore.MaxStreamNameLen+1), []eventstore.EventData{valid()}, eventstore.ErrInvalidStreamName},
		{"DollarStream", "$all", []eventstore.EventData{valid()}, eventstore.ErrInvalidStreamName},
		{"NotUTF8Stream", "acct-\xff", []eventstore.EventData{valid()}, eventstore.ErrInvalidStreamName},
		{"NilID", "check-1", []eventstore.EventData{{Type: "check.done.v1", Data: []byte(`{}`)}}, eventstore.ErrInvalidEvent},
		{"EmptyType", "check-1", []eventstore.EventData{{ID: uuid.New(), Data: []byte(`{}`)}}, eventstore.ErrInvalidEvent},
		{"LongType", "check-1", []eventstore.EventData{{ID: uuid.New(), Type: strings.Repeat("t", eventstore.MaxEventTypeLen+1), Data: []byte(`{}`)}}, eventstore.ErrInvalidEvent},
		{"BadJSONData", "check-1", []eventstore.EventData{{ID: uuid.New(), Type: "check.done.v1", Data: []byte(`{"a":`)}}, eventstore.ErrInvalidEvent},
		{"EmptyData", "check-1", []eventstore.EventData{{ID: uuid.New(), Type: "check.done.v1"}}, eventstore.ErrInvalidEvent},
		{"BadJSONMetadata", "check-1", []eventstore.EventData{{ID: uuid.New(), Type: "check.done.v1", Data: []byte(`{}`), Metadata: []byte(`nope`)}}, eventstore.ErrInvalidEvent},
		{"TooLarge", "check-1", []eventstore.EventData{{ID: uuid.New(), Type: "check.done.v1", Data: big}}, eventstore.ErrEventTooLarge},
		{"NoEvents", "check-1", nil, eventstore.ErrInvalidEvent},
		{"TooManyEvents", "check-1", tooMany, eventstore.ErrEventTooLarge},
		{"DuplicateIDs", "check-1", []eventstore.EventData{dup, valid(), dup}, eventstore.ErrInvalidEvent},
	}
	s := openStore(t, open)
	for _, c := range cases {
		for _, exp := range []eventstore.ExpectedRevision{eventstore.Any(), eventstore.NoStream()} {
			_, err := s.Append(t.Context(), c.stream, exp, c.events...)
			if !errors.Is(err, c.want) {
				t.Errorf("%s: Append(%.20q, %v, %d events) error = %v, want %v", c.name, c.stream, exp, len(c.events), err, c.want)
			}
		}
	}
	assertAllCount(t, s, 0)
	assertStreamMissing(t, s, "check-1")
	// The store still works after bad input.
	mustAppend(t, s, "check-1", eventstore.NoStream(), valid())
	assertAllCount(t, s, 1)
	// Bad stream names are refused by reads too.
	for _, name := range []string{"", "$all", strings.Repeat("s", eventstore.MaxStreamNameLen+1)} {
		_, err := collect(s.ReadStream(t.Context(), name, eventstore.ReadStreamOptions{}))
		if !errors.Is(err, eventstore.ErrInvalidStreamName) {
			t.Errorf("ReadStream(%.20q) error = %v, want ErrInvalidStreamName", name, err)
		}
	}
	// Limits are inclusive: the largest allowed event is accepted.
	edge := valid()
	edge.Data = big[:eventstore.MaxEventSize-len(edge.Metadata)]
	edge.Data[len(edge.Data)-1] = '"'
	mustAppend(t, s, strings.Repeat("e", eventstore.MaxStreamNameLen), eventstore.NoStream(), edge)
}
