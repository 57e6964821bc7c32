package esdbtest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/serverfeatures"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/remitflow/remitflow/adapters/eventstore/eventstoredb/esdbtest"
)

func start(t *testing.T) (*esdbtest.Server, *esdb.Client) {
	t.Helper()
	srv, err := esdbtest.Start()
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv, connect(t, srv.URL())
}

func connect(t *testing.T, url string) *esdb.Client {
	t.Helper()
	conf, err := esdb.ParseConnectionString(url)
	if err != nil {
		t.Fatalf("ParseConnectionString(%q): %v", url, err)
	}
	conf.Logger = func(esdb.LogLevel, string, ...any) {}
	c, err := esdb.NewClient(conf)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func events(n int) []esdb.EventData {
	out := make([]esdb.EventData, n)
	for i := range out {
		out[i] = esdb.EventData{EventID: uuid.New(), EventType: "thing.happened.v1", ContentType: esdb.ContentTypeJson, Data: []byte(`{"i":1}`), Metadata: []byte(`{"m":1}`)}
	}
	return out
}

func mustAppend(t *testing.T, c *esdb.Client, stream string, exp esdb.ExpectedRevision, evs ...esdb.EventData) *esdb.WriteResult {
	t.Helper()
	wr, err := c.AppendToStream(t.Context(), stream, esdb.AppendToStreamOptions{ExpectedRevision: exp}, evs...)
	if err != nil {
		t.Fatalf("AppendToStream(%q, %T): %v", stream, exp, err)
	}
	return wr
}

// readAll drains a read, returning its events and its final error (nil at EOF).
func readAll(rs *esdb.ReadStream, err error) ([]*esdb.RecordedEvent, error) {
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []*esdb.RecordedEvent
	for {
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, ev.Event)
	}
}

func code(err error) esdb.ErrorCode {
	var e *esdb.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return -1
}

func TestAppendRevisionsAndPositions(t *testing.T) {
	_, c := start(t)
	first := mustAppend(t, c, "order-1", esdb.NoStream{}, events(3)...)
	if first.NextExpectedVersion != 2 {
		t.Errorf("NextExpectedVersion = %d, want 2", first.NextExpectedVersion)
	}
	second := mustAppend(t, c, "order-1", esdb.Revision(2), events(1)...)
	if second.NextExpectedVersion != 3 {
		t.Errorf("NextExpectedVersion = %d, want 3", second.NextExpectedVersion)
	}
	evs, err := readAll(c.ReadAll(t.Context(), esdb.ReadAllOptions{}, 100))
	if err != nil || len(evs) != 4 {
		t.Fatalf("ReadAll = %d events, %v; want 4", len(evs), err)
	}
	// Events of one append share their commit position; prepare positions grow.
	if evs[0].Position.Commit != evs[2].Position.Commit || evs[0].Position.Prepare >= evs[1].Position.Prepare || evs[1].Position.Prepare >= evs[2].Position.Prepare {
		t.Errorf("positions of one batch = %v %v %v, want one commit and growing prepares", evs[0].Position, evs[1].Position, evs[2].Position)
	}
	if evs[3].Position.Commit <= evs[2].Position.Prepare {
		t.Errorf("next append at %v does not follow %v", evs[3].Position, evs[2].Position)
	}
	if first.CommitPosition != evs[0].Position.Commit || first.PreparePosition != evs[0].Position.Prepare {
		t.Errorf("append result at %d:%d, want the transaction's %v", first.CommitPosition, first.PreparePosition, evs[0].Position)
	}
	for i, e := range evs {
		if e.EventNumber != uint64(i) || e.StreamID != "order-1" || e.EventType != "thing.happened.v1" ||
			e.ContentType != "application/json" || string(e.UserMetadata) != `{"m":1}` || e.CreatedDate.IsZero() {
			t.Errorf("event %d = %+v", i, e)
		}
	}
}

func TestWrongExpectedVersion(t *testing.T) {
	_, c := start(t)
	mustAppend(t, c, "order-1", esdb.NoStream{}, events(2)...)
	cases := []struct {
		stream string
		exp    esdb.ExpectedRevision
		want   string
	}{
		{"order-1", esdb.Revision(5), "expecting '5' but got '1'"},
		{"order-1", esdb.NoStream{}, "expecting 'no_stream' but got '1'"},
		{"order-2", esdb.StreamExists{}, "expecting 'stream_exists' but got 'no_stream'"},
		{"order-2", esdb.Revision(0), "expecting '0' but got 'no_stream'"},
	}
	for _, tc := range cases {
		_, err := c.AppendToStream(t.Context(), tc.stream, esdb.AppendToStreamOptions{ExpectedRevision: tc.exp}, events(1)...)
		if code(err) != esdb.ErrorCodeWrongExpectedVersion || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("AppendToStream(%q, %#v) error = %v, want WrongExpectedVersion %q", tc.stream, tc.exp, err, tc.want)
		}
	}
}

func TestIdempotentAppend(t *testing.T) {
	srv, c := start(t)
	batch := events(3)
	orig := mustAppend(t, c, "order-1", esdb.NoStream{}, batch...)
	for _, exp := range []esdb.ExpectedRevision{esdb.NoStream{}, esdb.Any{}, esdb.StreamExists{}} {
		again := mustAppend(t, c, "order-1", exp, batch...)
		if *again != *orig {
			t.Errorf("retry with %T = %+v, want %+v", exp, again, orig)
		}
	}
	// A batch whose IDs are only partly there is a wrong expected version.
	partial := append(batch[:2:2], events(1)...)
	if _, err := c.AppendToStream(t.Context(), "order-1", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, partial...); code(err) != esdb.ErrorCodeWrongExpectedVersion {
		t.Errorf("partial retry error = %v, want WrongExpectedVersion", err)
	}
	if srv.EventCount() != 3 || srv.WriteCount() != 1 {
		t.Errorf("server holds %d events from %d writes, want 3 from 1", srv.EventCount(), srv.WriteCount())
	}
}

func TestReads(t *testing.T) {
	_, c := start(t)
	mustAppend(t, c, "order-1", esdb.NoStream{}, events(5)...)
	mustAppend(t, c, "other-1", esdb.NoStream{}, events(1)...)
	back, err := readAll(c.ReadStream(t.Context(), "order-1", esdb.ReadStreamOptions{Direction: esdb.Backwards, From: esdb.End{}}, 2))
	if err != nil || len(back) != 2 || back[0].EventNumber != 4 || back[1].EventNumber != 3 {
		t.Errorf("backwards read of 2 = %d events, %v", len(back), err)
	}
	fwd, err := readAll(c.ReadStream(t.Context(), "order-1", esdb.ReadStreamOptions{From: esdb.Revision(3)}, 10))
	if err != nil || len(fwd) != 2 || fwd[0].EventNumber != 3 {
		t.Errorf("read from revision 3 = %d events, %v", len(fwd), err)
	}
	if _, err := readAll(c.ReadStream(t.Context(), "order-9", esdb.ReadStreamOptions{}, 10)); code(err) != esdb.ErrorCodeResourceNotFound {
		t.Errorf("read of a missing stream error = %v, want ResourceNotFound", err)
	}
	all, _ := readAll(c.ReadAll(t.Context(), esdb.ReadAllOptions{}, 100))
	// Forwards from a position includes it; backwards from it excludes it.
	from := all[2].Position
	f, err := readAll(c.ReadAll(t.Context(), esdb.ReadAllOptions{From: from}, 100))
	if err != nil || len(f) != 4 || f[0].Position != from {
		t.Errorf("ReadAll forwards from %v = %d events, %v; want 4 starting there", from, len(f), err)
	}
	b, err := readAll(c.ReadAll(t.Context(), esdb.ReadAllOptions{Direction: esdb.Backwards, From: from}, 100))
	if err != nil || len(b) != 2 || b[0].Position != all[1].Position {
		t.Errorf("ReadAll backwards from %v = %d events, %v; want the 2 before it", from, len(b), err)
	}
	e, err := readAll(c.ReadAll(t.Context(), esdb.ReadAllOptions{Direction: esdb.Backwards, From: esdb.End{}}, 1))
	if err != nil || len(e) != 1 || e[0].StreamID != "other-1" {
		t.Errorf("ReadAll backwards from the end = %v, %v", e, err)
	}
}

func TestDeleteAndTombstone(t *testing.T) {
	_, c := start(t)
	mustAppend(t, c, "order-1", esdb.NoStream{}, events(2)...)
	if _, err := c.DeleteStream(t.Context(), "order-1", esdb.DeleteStreamOptions{ExpectedRevision: esdb.Revision(0)}); err == nil {
		t.Error("DeleteStream with a stale revision succeeded")
	}
	if _, err := c.DeleteStream(t.Context(), "order-1", esdb.DeleteStreamOptions{ExpectedRevision: esdb.Revision(1)}); err != nil {
		t.Fatalf("DeleteStream: %v", err)
	}
	if _, err := readAll(c.ReadStream(t.Context(), "order-1", esdb.ReadStreamOptions{}, 10)); code(err) != esdb.ErrorCodeResourceNotFound {
		t.Errorf("read of a deleted stream error = %v, want ResourceNotFound", err)
	}
	// Writing again continues after the last revision.
	wr := mustAppend(t, c, "order-1", esdb.Any{}, events(1)...)
	if wr.NextExpectedVersion != 2 {
		t.Errorf("append after delete at revision %d, want 2", wr.NextExpectedVersion)
	}
	evs, err := readAll(c.ReadStream(t.Context(), "order-1", esdb.ReadStreamOptions{}, 10))
	if err != nil || len(evs) != 1 || evs[0].EventNumber != 2 {
		t.Errorf("read after delete and append = %d events, %v; want only revision 2", len(evs), err)
	}
	meta, err := readAll(c.ReadStream(t.Context(), "$$order-1", esdb.ReadStreamOptions{}, 10))
	if err != nil || len(meta) != 1 || meta[0].EventType != "$metadata" || string(meta[0].Data) != `{"$tb":2}` {
		t.Errorf("metadata stream = %v, %v", meta, err)
	}

	mustAppend(t, c, "order-2", esdb.NoStream{}, events(1)...)
	if _, err := c.TombstoneStream(t.Context(), "order-2", esdb.TombstoneStreamOptions{ExpectedRevision: esdb.StreamExists{}}); err != nil {
		t.Fatalf("TombstoneStream: %v", err)
	}
	if _, err := readAll(c.ReadStream(t.Context(), "order-2", esdb.ReadStreamOptions{}, 10)); code(err) != esdb.ErrorCodeStreamDeleted {
		t.Errorf("read of a tombstoned stream error = %v, want StreamDeleted", err)
	}
	if _, err := c.AppendToStream(t.Context(), "order-2", esdb.AppendToStreamOptions{}, events(1)...); code(err) != esdb.ErrorCodeStreamDeleted {
		t.Errorf("append to a tombstoned stream error = %v, want StreamDeleted", err)
	}
}

// recvSub reads subscription messages until an event, failing on a drop.
func recvSub(t *testing.T, sub *esdb.Subscription) (evs []*esdb.RecordedEvent, checkpoints []esdb.Position, caughtUp int) {
	t.Helper()
	for {
		m := sub.Recv()
		switch {
		case m.SubscriptionDropped != nil:
			t.Fatalf("subscription dropped: %v", m.SubscriptionDropped.Error)
		case m.CheckPointReached != nil:
			checkpoints = append(checkpoints, *m.CheckPointReached)
		case m.CaughtUp != nil:
			return evs, checkpoints, caughtUp + 1
		case m.EventAppeared != nil:
			evs = append(evs, m.EventAppeared.Event)
			return evs, checkpoints, caughtUp
		}
	}
}

func TestSubscribeToAllWithFilter(t *testing.T) {
	_, c := start(t)
	for i := range 6 {
		stream := "order-1"
		if i%2 == 1 {
			stream = "other-1"
		}
		mustAppend(t, c, stream, esdb.Any{}, events(1)...)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	sub, err := c.SubscribeToAll(ctx, esdb.SubscribeToAllOptions{
		From:               esdb.Start{},
		Filter:             &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: []string{"order-"}},
		MaxSearchWindow:    2,
		CheckpointInterval: 1,
	})
	if err != nil {
		t.Fatalf("SubscribeToAll: %v", err)
	}
	defer sub.Close()
	var got []*esdb.RecordedEvent
	var cps []esdb.Position
	caught := 0
	for caught == 0 {
		evs, c2, cu := recvSub(t, sub)
		got, cps, caught = append(got, evs...), append(cps, c2...), caught+cu
	}
	if len(got) != 3 {
		t.Fatalf("filtered history = %d events, want 3", len(got))
	}
	for _, e := range got {
		if e.StreamID != "order-1" {
			t.Errorf("filtered subscription delivered %q", e.StreamID)
		}
	}
	if len(cps) < 3 {
		t.Errorf("checkpoints = %v, want one per 2 scanned events and one at the end", cps)
	}
	// Live events follow the caught-up message.
	live := mustAppend(t, c, "order-2", esdb.NoStream{}, events(1)...)
	mustAppend(t, c, "other-2", esdb.NoStream{}, events(1)...)
	evs, _, _ := recvSub(t, sub)
	if len(evs) != 1 || evs[0].StreamID != "order-2" || evs[0].Position.Commit != live.CommitPosition {
		t.Errorf("live event = %v, want order-2", evs)
	}
	// From a position, a subscription starts after it.
	after, err := c.SubscribeToAll(ctx, esdb.SubscribeToAllOptions{From: got[1].Position})
	if err != nil {
		t.Fatalf("SubscribeToAll from a position: %v", err)
	}
	defer after.Close()
	evs, _, _ = recvSub(t, after)
	if len(evs) != 1 || evs[0].Position.Commit <= got[1].Position.Commit {
		t.Errorf("subscription from %v started with %v", got[1].Position, evs)
	}
}

func TestStopAndRestartKeepData(t *testing.T) {
	srv, c := start(t)
	addr := srv.Addr()
	mustAppend(t, c, "order-1", esdb.NoStream{}, events(2)...)
	if err := srv.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := srv.Stop(); !errors.Is(err, esdbtest.ErrNotRunning) {
		t.Errorf("second Stop error = %v, want ErrNotRunning", err)
	}
	// The client reports a request sent on the broken connection as EOF
	// and the next one as unavailable.
	if _, err := c.AppendToStream(t.Context(), "order-1", esdb.AppendToStreamOptions{}, events(1)...); code(err) != esdb.ErrorUnavailable && !errors.Is(err, io.EOF) {
		t.Errorf("append to a stopped server error = %v, want Unavailable or EOF", err)
	}
	if err := srv.Restart(); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if err := srv.Restart(); err == nil {
		t.Error("Restart of a running server succeeded")
	}
	if srv.Addr() != addr {
		t.Errorf("address after restart = %s, want %s", srv.Addr(), addr)
	}
	c2 := connect(t, srv.URL())
	evs, err := readAll(c2.ReadStream(t.Context(), "order-1", esdb.ReadStreamOptions{}, 10))
	if err != nil || len(evs) != 2 {
		t.Errorf("after restart the stream has %d events, %v; want 2", len(evs), err)
	}
}

func TestServerFeatures(t *testing.T) {
	srv, _ := start(t)
	conn, err := grpc.NewClient(srv.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("grpc.NewClient: %v", err)
	}
	defer conn.Close()
	got, err := serverfeatures.NewServerFeaturesClient(conn).GetSupportedMethods(t.Context(), &shared.Empty{})
	if err != nil {
		t.Fatalf("GetSupportedMethods: %v", err)
	}
	if got.EventStoreServerVersion != esdbtest.ServerVersion {
		t.Errorf("version = %q, want %q", got.EventStoreServerVersion, esdbtest.ServerVersion)
	}
	methods := map[string]bool{}
	for _, m := range got.Methods {
		if m.ServiceName == "event_store.client.streams.streams" {
			methods[m.MethodName] = true
		}
	}
	for _, m := range []string{"read", "append", "delete", "tombstone"} {
		if !methods[m] {
			t.Errorf("streams method %q not advertised (got %v)", m, methods)
		}
	}
	if methods["batchappend"] {
		t.Error("batchappend advertised but not implemented")
	}
}

func TestLongReadsPage(t *testing.T) {
	_, c := start(t)
	for range 3 {
		mustAppend(t, c, "order-1", esdb.Any{}, events(100)...)
	}
	fwd, err := readAll(c.ReadStream(t.Context(), "order-1", esdb.ReadStreamOptions{}, 1000))
	if err != nil || len(fwd) != 300 || fwd[299].EventNumber != 299 {
		t.Errorf("forwards read = %d events, %v; want 300", len(fwd), err)
	}
	back, err := readAll(c.ReadStream(t.Context(), "order-1", esdb.ReadStreamOptions{Direction: esdb.Backwards, From: esdb.End{}}, 1000))
	if err != nil || len(back) != 300 || back[0].EventNumber != 299 || back[299].EventNumber != 0 {
		t.Errorf("backwards read = %d events, %v; want 300 from 299 down to 0", len(back), err)
	}
	all, err := readAll(c.ReadAll(t.Context(), esdb.ReadAllOptions{}, 250))
	if err != nil || len(all) != 250 {
		t.Errorf("ReadAll(250) = %d events, %v", len(all), err)
	}
	allBack, err := readAll(c.ReadAll(t.Context(), esdb.ReadAllOptions{Direction: esdb.Backwards, From: esdb.End{}}, 1000))
	if err != nil || len(allBack) != 300 || allBack[0].EventNumber != 299 {
		t.Errorf("ReadAll backwards = %d events, %v; want 300", len(allBack), err)
	}
}

func TestSubscribeToStream(t *testing.T) {
	_, c := start(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for i, tc := range []struct {
		from esdb.StreamPosition
		want []uint64
	}{
		{esdb.Start{}, []uint64{0, 1, 2, 3}},
		{esdb.Revision(1), []uint64{2, 3}}, // after the revision
		{esdb.End{}, []uint64{3}},
	} {
		stream := fmt.Sprintf("order-%d", i)
		mustAppend(t, c, stream, esdb.NoStream{}, events(3)...)
		sub, err := c.SubscribeToStream(ctx, stream, esdb.SubscribeToStreamOptions{From: tc.from})
		if err != nil {
			t.Fatalf("SubscribeToStream(%#v): %v", tc.from, err)
		}
		var got []uint64
		for len(got) < len(tc.want) {
			m := sub.Recv()
			switch {
			case m.SubscriptionDropped != nil:
				t.Fatalf("dropped: %v", m.SubscriptionDropped.Error)
			case m.CaughtUp != nil:
				mustAppend(t, c, "other-1", esdb.Any{}, events(1)...)
				mustAppend(t, c, stream, esdb.Revision(2), events(1)...)
			case m.EventAppeared != nil:
				if m.EventAppeared.Event.StreamID != stream {
					t.Errorf("subscription to %q delivered %q", stream, m.EventAppeared.Event.StreamID)
				}
				got = append(got, m.EventAppeared.Event.EventNumber)
			}
		}
		_ = sub.Close()
		if !slices.Equal(got, tc.want) {
			t.Errorf("SubscribeToStream(%#v) revisions = %v, want %v", tc.from, got, tc.want)
		}
	}
}
