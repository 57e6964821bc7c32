package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/remitflow/remitflow/domain/eventstore"
)

func testReadStream(t *testing.T, open Opener) {
	s := openStore(t, open)
	events := newEvents("log.line.v1", 10)
	mustAppend(t, s, "log-1", eventstore.NoStream(), events[:4]...)
	mustAppend(t, s, "other-1", eventstore.NoStream(), newEvent("other.v1", 0))
	mustAppend(t, s, "log-1", eventstore.Exact(3), events[4:]...)

	revs := func(evs []eventstore.RecordedEvent) []uint64 {
		out := make([]uint64, len(evs))
		for i, e := range evs {
			out[i] = e.Revision
		}
		return out
	}
	cases := []struct {
		opts eventstore.ReadStreamOptions
		want []uint64
	}{
		{eventstore.ReadStreamOptions{}, []uint64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{eventstore.ReadStreamOptions{From: 3}, []uint64{3, 4, 5, 6, 7, 8, 9}},
		{eventstore.ReadStreamOptions{MaxCount: 4}, []uint64{0, 1, 2, 3}},
		{eventstore.ReadStreamOptions{From: 3, MaxCount: 2}, []uint64{3, 4}},
		{eventstore.ReadStreamOptions{From: 9}, []uint64{9}},
		{eventstore.ReadStreamOptions{From: 10}, nil},
		{eventstore.ReadStreamOptions{From: 1000}, nil},
		{eventstore.ReadStreamOptions{Direction: eventstore.Backwards, From: eventstore.EndRevision}, []uint64{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}},
		{eventstore.ReadStreamOptions{Direction: eventstore.Backwards, From: eventstore.EndRevision, MaxCount: 1}, []uint64{9}},
		{eventstore.ReadStreamOptions{Direction: eventstore.Backwards, From: 5, MaxCount: 3}, []uint64{5, 4, 3}},
		{eventstore.ReadStreamOptions{Direction: eventstore.Backwards, From: 0}, []uint64{0}},
		{eventstore.ReadStreamOptions{Direction: eventstore.Backwards, From: 50}, []uint64{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}},
	}
	for _, c := range cases {
		got := readStream(t, s, "log-1", c.opts)
		if !slices.Equal(revs(got), c.want) {
			t.Errorf("ReadStream(log-1, %+v) revisions = %v, want %v", c.opts, revs(got), c.want)
		}
		for _, e := range got {
			assertSame(t, e, events[e.Revision], "log-1", e.Revision)
		}
	}

	assertStreamMissing(t, s, "log-2")
	assertStreamMissing(t, s, "log") // a prefix of an existing stream is not that stream
	_, err := collect(s.ReadStream(t.Context(), "log-2", eventstore.ReadStreamOptions{Direction: eventstore.Backwards, From: eventstore.EndRevision}))
	if !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Errorf("ReadStream(log-2, backwards) error = %v, want ErrStreamNotFound", err)
	}

	// Stopping early is allowed and stops the read.
	n := 0
	for _, err := range s.ReadStream(t.Context(), "log-1", eventstore.ReadStreamOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 2 {
			break
		}
	}
	if n != 2 {
		t.Errorf("read %d events before break, want 2", n)
	}
}

func testReadAll(t *testing.T, open Opener) {
	s := openStore(t, open)
	type w struct {
		stream string
		ev     eventstore.EventData
	}
	var written []w
	streams := []string{"order-1", "orders-9", "refund-1"}
	types := []string{"order.placed.v1", "order.paid.v1", "refund.made.v1"}
	for i := range 30 {
		st := streams[i%3]
		e := newEvent(types[(i/3)%3], i)
		mustAppend(t, s, st, eventstore.Any(), e)
		written = append(written, w{st, e})
	}
	all := readAll(t, s, eventstore.ReadAllOptions{})
	if len(all) != len(written) {
		t.Fatalf("ReadAll() = %d events, want %d", len(all), len(written))
	}
	perStream := map[string]uint64{}
	for i, e := range all {
		assertSame(t, e, written[i].ev, written[i].stream, perStream[written[i].stream])
		perStream[written[i].stream]++
		if i > 0 && !all[i-1].Position.Less(e.Position) {
			t.Errorf("ReadAll positions %v then %v are not increasing", all[i-1].Position, e.Position)
		}
	}

	back := readAll(t, s, eventstore.ReadAllOptions{Direction: eventstore.Backwards, After: eventstore.End})
	rev := slices.Clone(all)
	slices.Reverse(rev)
	if !slices.Equal(ids(back), ids(rev)) {
		t.Errorf("ReadAll(backwards from End) is not the forward read reversed")
	}
	if got := readAll(t, s, eventstore.ReadAllOptions{Direction: eventstore.Backwards}); len(got) != 0 {
		t.Errorf("ReadAll(backwards, After Start) = %d events, want 0", len(got))
	}

	mid := all[9].Position
	after := readAll(t, s, eventstore.ReadAllOptions{After: mid})
	if !slices.Equal(ids(after), ids(all[10:])) {
		t.Errorf("ReadAll(After %v) = %d events, want the %d after it (the bound is exclusive)", mid, len(after), len(all[10:]))
	}
	before := readAll(t, s, eventstore.ReadAllOptions{Direction: eventstore.Backwards, After: mid})
	wantBefore := slices.Clone(all[:9])
	slices.Reverse(wantBefore)
	if !slices.Equal(ids(before), ids(wantBefore)) {
		t.Errorf("ReadAll(backwards, After %v) = %d events, want the %d before it", mid, len(before), len(wantBefore))
	}
	if got := readAll(t, s, eventstore.ReadAllOptions{After: all[len(all)-1].Position}); len(got) != 0 {
		t.Errorf("ReadAll(After last) = %d events, want 0", len(got))
	}
	if got := readAll(t, s, eventstore.ReadAllOptions{After: eventstore.End}); len(got) != 0 {
		t.Errorf("ReadAll(After End) = %d events, want 0", len(got))
	}
	limited := readAll(t, s, eventstore.ReadAllOptions{MaxCount: 7})
	if !slices.Equal(ids(limited), ids(all[:7])) {
		t.Errorf("ReadAll(MaxCount 7) = %d events, want the first 7", len(limited))
	}
	limitedBack := readAll(t, s, eventstore.ReadAllOptions{Direction: eventstore.Backwards, After: eventstore.End, MaxCount: 2})
	if !slices.Equal(ids(limitedBack), ids(rev[:2])) {
		t.Errorf("ReadAll(backwards, MaxCount 2) = %d events, want the last 2", len(limitedBack))
	}

	filterCases := []struct {
		name   string
		filter eventstore.Filter
		back   bool
		max    uint64
		match  func(stream, typ string) bool
	}{
		{"StreamPrefixOrder", eventstore.StreamPrefix("order-"), false, 0, func(s, _ string) bool { return s == "order-1" }},
		{"StreamPrefixBoth", eventstore.StreamPrefix("order"), false, 0, func(s, _ string) bool { return s != "refund-1" }},
		{"StreamPrefixMany", eventstore.StreamPrefix("refund-", "orders-"), false, 0, func(s, _ string) bool { return s != "order-1" }},
		{"StreamPrefixNone", eventstore.StreamPrefix("nothing-"), false, 0, func(string, string) bool { return false }},
		{"TypePrefix", eventstore.EventTypePrefix("order.pa"), false, 0, func(_, t string) bool { return t == "order.paid.v1" }},
		{"TypePrefixMany", eventstore.EventTypePrefix("refund.", "order.placed"), false, 0, func(_, t string) bool { return t != "order.paid.v1" }},
		{"TypePrefixBackMax", eventstore.EventTypePrefix("order."), true, 5, func(_, t string) bool { return t != "refund.made.v1" }},
		{"StreamPrefixMax", eventstore.StreamPrefix("refund-"), false, 3, func(s, _ string) bool { return s == "refund-1" }},
	}
	for _, c := range filterCases {
		opts := eventstore.ReadAllOptions{Filter: c.filter, MaxCount: c.max}
		src := all
		if c.back {
			opts.Direction, opts.After = eventstore.Backwards, eventstore.End
			src = rev
		}
		var want []uuid.UUID
		for _, e := range src {
			if c.match(e.Stream, e.Type) && (c.max == 0 || uint64(len(want)) < c.max) {
				want = append(want, e.ID)
			}
		}
		got := readAll(t, s, opts)
		if !slices.Equal(ids(got), want) {
			t.Errorf("%s: ReadAll(%+v) = %d events, want %d", c.name, opts, len(got), len(want))
		}
	}
}

func testPositions(t *testing.T, open Opener) {
	s := openStore(t, open)
	var results []eventstore.AppendResult
	var last []uuid.UUID
	for i := range 20 {
		k := 1 + i%3
		events := newEvents("pos.v1", k)
		res := mustAppend(t, s, fmt.Sprintf("pos-%d", i%4), eventstore.Any(), events...)
		if len(results) > 0 && !results[len(results)-1].Position.Less(res.Position) {
			t.Errorf("append %d: position %v not after the previous append's %v", i, res.Position, results[len(results)-1].Position)
		}
		results = append(results, res)
		last = append(last, events[k-1].ID)
	}
	all := readAll(t, s, eventstore.ReadAllOptions{})
	byID := map[uuid.UUID]eventstore.RecordedEvent{}
	for i, e := range all {
		byID[e.ID] = e
		if i > 0 && !all[i-1].Position.Less(e.Position) {
			t.Errorf("ReadAll positions %v then %v are not increasing", all[i-1].Position, e.Position)
		}
	}
	for i, res := range results {
		e := byID[last[i]]
		if e.Position != res.Position || e.Revision != res.NextExpectedRevision {
			t.Errorf("append %d returned %+v but its last event is at revision %d position %v", i, res, e.Revision, e.Position)
		}
	}
	for n := range 4 {
		for _, e := range readStream(t, s, fmt.Sprintf("pos-%d", n), eventstore.ReadStreamOptions{}) {
			if byID[e.ID].Position != e.Position {
				t.Errorf("ReadStream gives %s position %v, ReadAll %v", e.ID, e.Position, byID[e.ID].Position)
			}
		}
	}
}
