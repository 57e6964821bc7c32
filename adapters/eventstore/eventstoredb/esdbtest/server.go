// Package esdbtest is an in-memory EventStoreDB server for tests: a real gRPC
// server that speaks the EventStoreDB client protocol (the Streams,
// ServerFeatures and Gossip services, with the message types generated in
// the client module's protos packages) so that the EventStoreDB adapter can
// be tested through the official client without a database. BatchAppend is
// not implemented and not advertised: the v4 client appends with Append.
//
// The server keeps EventStoreDB's semantics where the adapter depends on them:
// stream revisions from 0, expected-revision checks answered with the
// WrongExpectedVersion message, idempotent re-appends of the same event IDs,
// $all positions as (commit, prepare) pairs that grow with the log's byte
// size (events of one append share their commit position, and the append is
// answered with that transaction position, not its last event's), soft deletion
// (truncate-before plus a $metadata event) and tombstones ($streamDeleted,
// reported with the stream-deleted trailers), catch-up subscriptions with a
// confirmation, caught-up and filtered checkpoint messages.
//
// A Server can be stopped and restarted on the same address with its data
// kept, which lets tests cut connections in the middle of a subscription. A
// Cluster runs several nodes over one log to exercise discovery and leader
// fail-over.
//
// Import this package from tests only.
package esdbtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/gossip"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/serverfeatures"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// ServerVersion is the EventStoreDB version the server reports through the
// ServerFeatures service.
const ServerVersion = "24.10.0"

// tombstoneRevision is the revision EventStoreDB gives a stream's
// $streamDeleted event (long.MaxValue).
const tombstoneRevision = math.MaxInt64

// firstLogPosition is where the first event lands in $all; EventStoreDB's
// log never starts at 0 either.
const firstLogPosition = 1024

// ErrNotRunning is returned by Stop when the server is already stopped and
// by Restart when it is running.
var ErrNotRunning = errors.New("esdbtest: server not running")

// record is one event in the log.
type record struct {
	stream      string
	revision    uint64
	id          uuid.UUID
	eventType   string
	contentType string
	data        []byte
	meta        []byte
	created     time.Time
	commit      uint64
	prepare     uint64
}

// streamState is what the server knows about one stream.
type streamState struct {
	records        []int // indexes into Server.log, in revision order
	last           int64 // last revision, -1 when the stream has no events
	truncateBefore uint64
	tombstoned     bool
}

// data is the log; the nodes of a Cluster share one. Its mutex also guards
// the nodes' own fields.
type data struct {
	mu      sync.Mutex
	log     []record
	streams map[string]*streamState
	nextPos uint64
	changed chan struct{} // closed and replaced after every write
	now     func() time.Time
	appends int // number of successful Append calls that wrote events
}

func newData() *data {
	return &data{
		streams: make(map[string]*streamState),
		nextPos: firstLogPosition,
		changed: make(chan struct{}),
		now:     time.Now,
	}
}

// Server is an in-memory EventStoreDB node speaking gRPC on 127.0.0.1.
type Server struct {
	*data
	cluster *Cluster // nil for a single node
	id      uuid.UUID

	addr    string
	grpc    *grpc.Server
	running bool
	served  chan struct{}
}

// Start starts a single node on 127.0.0.1 with a free port. Call Close (or
// Stop) when done.
func Start() (*Server, error) {
	s := &Server{data: newData(), id: uuid.New()}
	if err := s.listen("127.0.0.1:0"); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Server) listen(addr string) error {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("esdbtest: listen on %s: %w", addr, err)
	}
	g := grpc.NewServer()
	api.RegisterStreamsServer(g, &streamsService{s: s})
	serverfeatures.RegisterServerFeaturesServer(g, featuresService{})
	gossip.RegisterGossipServer(g, gossipService{s: s})
	served := make(chan struct{})
	s.mu.Lock()
	s.addr = lis.Addr().String()
	s.grpc = g
	s.running = true
	s.served = served
	s.mu.Unlock()
	go func() {
		defer close(served)
		_ = g.Serve(lis)
	}()
	return nil
}

// Addr returns the host:port the server listens on (kept across restarts).
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// URL returns a connection string for the client: esdb://ADDR?tls=false.
func (s *Server) URL() string {
	return "esdb://" + s.Addr() + "?tls=false"
}

// Stop closes the listener and every connection at once, as a crashed node
// would; in-flight calls fail with Unavailable. The data is kept. It returns
// ErrNotRunning if the server is already stopped.
func (s *Server) Stop() error {
	s.mu.Lock()
	if !s.running {
		s.mu.Unlock()
		return ErrNotRunning
	}
	s.running = false
	g, served := s.grpc, s.served
	s.mu.Unlock()
	g.Stop()
	<-served
	return nil
}

// Restart serves again on the same address with the data kept. It returns
// ErrNotRunning if the server is running, or the listen error.
func (s *Server) Restart() error {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return fmt.Errorf("%w: restart of a running server", ErrNotRunning)
	}
	addr := s.addr
	s.mu.Unlock()
	var err error
	// The port was just released; retry briefly in case the OS holds it.
	for range 50 {
		if err = s.listen(addr); err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return err
}

// Close stops the server if it is running. It always returns nil.
func (s *Server) Close() error {
	_ = s.Stop()
	return nil
}

// EventCount returns the number of events in $all, system events included.
func (s *Server) EventCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.log)
}

// WriteCount returns the number of appends that wrote events (idempotent
// retries and failed appends are not counted).
func (s *Server) WriteCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appends
}

// streamDeletedError is the status EventStoreDB returns for operations on a
// tombstoned stream; the client recognises the trailers.
func streamDeletedError(ctx context.Context, stream string) error {
	_ = grpc.SetTrailer(ctx, metadata.Pairs("exception", "stream-deleted", "stream-name", stream))
	return status.Errorf(codes.FailedPrecondition, "Event stream '%s' is deleted.", stream)
}

// expectation is a decoded expected_stream_revision.
type expectation struct {
	kind     string // "any", "no_stream", "stream_exists", "revision"
	revision uint64
}

func (e expectation) String() string {
	if e.kind == "revision" {
		return strconv.FormatUint(e.revision, 10)
	}
	return e.kind
}

func appendExpectation(o *api.AppendReq_Options) expectation {
	switch v := o.GetExpectedStreamRevision().(type) {
	case *api.AppendReq_Options_Revision:
		return expectation{kind: "revision", revision: v.Revision}
	case *api.AppendReq_Options_NoStream:
		return expectation{kind: "no_stream"}
	case *api.AppendReq_Options_StreamExists:
		return expectation{kind: "stream_exists"}
	}
	return expectation{kind: "any"}
}

// proposed is one event of an append request.
type proposed struct {
	id          uuid.UUID
	eventType   string
	contentType string
	data        []byte
	meta        []byte
}

func decodeUUID(u *shared.UUID) (uuid.UUID, error) {
	if st := u.GetStructured(); st != nil {
		var b [16]byte
		for i := range 8 {
			b[i] = byte(uint64(st.MostSignificantBits) >> (56 - 8*i))
			b[8+i] = byte(uint64(st.LeastSignificantBits) >> (56 - 8*i))
		}
		return uuid.UUID(b), nil
	}
	return uuid.Parse(u.GetString_())
}

func encodeUUID(id uuid.UUID) *shared.UUID {
	var most, least uint64
	for i := range 8 {
		most = most<<8 | uint64(id[i])
		least = least<<8 | uint64(id[8+i])
	}
	return &shared.UUID{Value: &shared.UUID_Structured_{Structured: &shared.UUID_Structured{
		MostSignificantBits: int64(most), LeastSignificantBits: int64(least),
	}}}
}

// appendOutcome is the result of an append under the lock.
type appendOutcome struct {
	wrong      bool
	current    int64 // the stream's last revision (-1: none)
	last       uint64
	commit     uint64
	prepare    uint64
	idempotent bool
}

// appendLocked checks the expectation and writes the events; s.mu is held.
func (s *Server) appendLocked(stream string, exp expectation, events []proposed) (appendOutcome, bool) {
	st := s.streams[stream]
	if st == nil {
		st = &streamState{last: -1}
	}
	if st.tombstoned {
		return appendOutcome{}, false
	}
	current := st.last
	if out, ok := s.idempotentLocked(st, exp, events); ok {
		return out, true
	}
	okExp := false
	switch exp.kind {
	case "any":
		okExp = true
	case "no_stream":
		okExp = current == -1
	case "stream_exists":
		okExp = current >= 0
	case "revision":
		okExp = current >= 0 && uint64(current) == exp.revision
	}
	if !okExp {
		return appendOutcome{wrong: true, current: current}, true
	}
	if len(events) == 0 {
		out := appendOutcome{current: current}
		if current >= 0 {
			out.last = uint64(current)
		}
		return out, true
	}
	s.streams[stream] = st
	out := s.writeLocked(stream, st, events)
	s.appends++
	return out, true
}

// writeLocked appends events to st and the log; s.mu is held.
func (s *Server) writeLocked(stream string, st *streamState, events []proposed) appendOutcome {
	commit := s.nextPos
	now := s.now().UTC()
	var out appendOutcome
	for _, e := range events {
		rev := uint64(st.last + 1)
		if e.eventType == "$streamDeleted" {
			rev = tombstoneRevision
		}
		r := record{
			stream: stream, revision: rev, id: e.id, eventType: e.eventType,
			contentType: e.contentType, data: e.data, meta: e.meta, created: now,
			commit: commit, prepare: s.nextPos,
		}
		s.nextPos += uint64(64 + len(stream) + len(e.eventType) + len(e.data) + len(e.meta))
		s.log = append(s.log, r)
		st.records = append(st.records, len(s.log)-1)
		st.last = int64(rev)
		out = appendOutcome{current: st.last, last: rev, commit: r.commit, prepare: r.prepare}
	}
	close(s.changed)
	s.changed = make(chan struct{})
	return out
}

// idempotentLocked recognises a retried append as EventStoreDB does: with an
// exact revision (or NoStream) the IDs must sit right after it; with Any or
// StreamExists the first ID is looked up in the stream and the rest must
// follow it. A partial match is reported as a wrong expected version, which is
// what EventStoreDB answers for "corrupted idempotency".
func (s *Server) idempotentLocked(st *streamState, exp expectation, events []proposed) (appendOutcome, bool) {
	if len(events) == 0 || len(st.records) == 0 {
		return appendOutcome{}, false
	}
	start := -1 // index into st.records of the first event of the batch
	switch exp.kind {
	case "no_stream":
		start = 0
	case "revision":
		start = s.indexOfRevisionLocked(st, exp.revision+1)
	default:
		for i, ri := range st.records {
			if s.log[ri].id == events[0].id {
				start = i
				break
			}
		}
	}
	if start < 0 || start >= len(st.records) || s.log[st.records[start]].id != events[0].id {
		return appendOutcome{}, false
	}
	for i, e := range events {
		j := start + i
		if j >= len(st.records) || s.log[st.records[j]].id != e.id {
			return appendOutcome{wrong: true, current: st.last}, true
		}
	}
	lastRec := s.log[st.records[start+len(events)-1]]
	return appendOutcome{current: st.last, last: lastRec.revision, commit: lastRec.commit, prepare: lastRec.prepare, idempotent: true}, true
}

func (s *Server) indexOfRevisionLocked(st *streamState, rev uint64) int {
	i, found := slices.BinarySearchFunc(st.records, rev, func(ri int, r uint64) int {
		switch {
		case s.log[ri].revision < r:
			return -1
		case s.log[ri].revision > r:
			return 1
		}
		return 0
	})
	if !found {
		return -1
	}
	return i
}

// streamsService implements event_store.client.streams.Streams.
type streamsService struct {
	api.UnimplementedStreamsServer
	s *Server
}

// Append implements the client-streaming append: options, then the events.
func (svc *streamsService) Append(stream api.Streams_AppendServer) error {
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	opts := first.GetOptions()
	if opts == nil {
		return status.Error(codes.InvalidArgument, "the first append message must carry options")
	}
	name := string(opts.GetStreamIdentifier().GetStreamName())
	if name == "" {
		return status.Error(codes.InvalidArgument, "empty stream name")
	}
	exp := appendExpectation(opts)
	var events []proposed
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		pm := msg.GetProposedMessage()
		if pm == nil {
			return status.Error(codes.InvalidArgument, "expected a proposed message")
		}
		id, err := decodeUUID(pm.GetId())
		if err != nil {
			return status.Errorf(codes.InvalidArgument, "bad event id: %v", err)
		}
		md := pm.GetMetadata()
		if md["type"] == "" {
			return status.Error(codes.InvalidArgument, "event type missing")
		}
		events = append(events, proposed{
			id: id, eventType: md["type"], contentType: md["content-type"],
			data: slices.Clone(pm.GetData()), meta: slices.Clone(pm.GetCustomMetadata()),
		})
	}
	svc.s.mu.Lock()
	out, ok := svc.s.appendLocked(name, exp, events)
	svc.s.mu.Unlock()
	if !ok {
		return streamDeletedError(stream.Context(), name)
	}
	if out.wrong {
		return stream.SendAndClose(&api.AppendResp{Result: &api.AppendResp_WrongExpectedVersion_{
			WrongExpectedVersion: wrongExpectedVersion(exp, out.current),
		}})
	}
	success := &api.AppendResp_Success{}
	if out.current < 0 {
		success.CurrentRevisionOption = &api.AppendResp_Success_NoStream{NoStream: &shared.Empty{}}
		success.PositionOption = &api.AppendResp_Success_NoPosition{NoPosition: &shared.Empty{}}
	} else {
		success.CurrentRevisionOption = &api.AppendResp_Success_CurrentRevision{CurrentRevision: out.last}
		// Like EventStoreDB, answer with the write's transaction position:
		// the commit position and the first event's prepare position.
		success.PositionOption = &api.AppendResp_Success_Position{Position: &api.AppendResp_Position{
			CommitPosition: out.commit, PreparePosition: out.commit,
		}}
	}
	return stream.SendAndClose(&api.AppendResp{Result: &api.AppendResp_Success_{Success: success}})
}

func wrongExpectedVersion(exp expectation, current int64) *api.AppendResp_WrongExpectedVersion {
	w := &api.AppendResp_WrongExpectedVersion{}
	if current < 0 {
		w.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentNoStream{CurrentNoStream: &shared.Empty{}}
		w.CurrentRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_NoStream_20_6_0{NoStream_20_6_0: &shared.Empty{}}
	} else {
		w.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentRevision{CurrentRevision: uint64(current)}
		w.CurrentRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_CurrentRevision_20_6_0{CurrentRevision_20_6_0: uint64(current)}
	}
	switch exp.kind {
	case "any":
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedAny{ExpectedAny: &shared.Empty{}}
		w.ExpectedRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_Any_20_6_0{Any_20_6_0: &shared.Empty{}}
	case "no_stream":
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedNoStream{ExpectedNoStream: &shared.Empty{}}
	case "stream_exists":
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedStreamExists{ExpectedStreamExists: &shared.Empty{}}
		w.ExpectedRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_StreamExists_20_6_0{StreamExists_20_6_0: &shared.Empty{}}
	default:
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedRevision{ExpectedRevision: exp.revision}
		w.ExpectedRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_ExpectedRevision_20_6_0{ExpectedRevision_20_6_0: exp.revision}
	}
	return w
}

func deleteExpectation(v any) expectation {
	switch v := v.(type) {
	case *api.DeleteReq_Options_Revision:
		return expectation{kind: "revision", revision: v.Revision}
	case *api.DeleteReq_Options_NoStream:
		return expectation{kind: "no_stream"}
	case *api.DeleteReq_Options_StreamExists:
		return expectation{kind: "stream_exists"}
	case *api.TombstoneReq_Options_Revision:
		return expectation{kind: "revision", revision: v.Revision}
	case *api.TombstoneReq_Options_NoStream:
		return expectation{kind: "no_stream"}
	case *api.TombstoneReq_Options_StreamExists:
		return expectation{kind: "stream_exists"}
	}
	return expectation{kind: "any"}
}

// deleteLocked soft-deletes or tombstones a stream; s.mu is held. It returns
// the position of the event that records the deletion.
func (s *Server) deleteLocked(ctx context.Context, name string, exp expectation, hard bool) (appendOutcome, error) {
	st := s.streams[name]
	if st == nil {
		st = &streamState{last: -1}
	}
	if st.tombstoned {
		return appendOutcome{}, streamDeletedError(ctx, name)
	}
	current := st.last
	ok := false
	switch exp.kind {
	case "any":
		ok = true
	case "no_stream":
		ok = current == -1
	case "stream_exists":
		ok = current >= 0
	case "revision":
		ok = current >= 0 && uint64(current) == exp.revision
	}
	if !ok {
		actual := "-1"
		if current >= 0 {
			actual = strconv.FormatInt(current, 10)
		}
		_ = grpc.SetTrailer(ctx, metadata.Pairs("exception", "wrong-expected-version",
			"expected-version", exp.String(), "actual-version", actual))
		return appendOutcome{}, status.Errorf(codes.FailedPrecondition,
			"Append failed due to WrongExpectedVersion. Stream: %s, Expected version: %s, Actual version: %s", name, exp, actual)
	}
	if hard {
		s.streams[name] = st
		st.tombstoned = true
		return s.writeLocked(name, st, []proposed{{id: uuid.New(), eventType: "$streamDeleted", contentType: "application/octet-stream", data: []byte{}}}), nil
	}
	st.truncateBefore = uint64(current + 1)
	metaStream := "$$" + name
	ms := s.streams[metaStream]
	if ms == nil {
		ms = &streamState{last: -1}
		s.streams[metaStream] = ms
	}
	data := fmt.Appendf(nil, `{"$tb":%d}`, st.truncateBefore)
	return s.writeLocked(metaStream, ms, []proposed{{id: uuid.New(), eventType: "$metadata", contentType: "application/json", data: data}}), nil
}

// Delete soft-deletes a stream: reads report it as not found, and appends
// continue after its last revision.
func (svc *streamsService) Delete(ctx context.Context, req *api.DeleteReq) (*api.DeleteResp, error) {
	name := string(req.GetOptions().GetStreamIdentifier().GetStreamName())
	svc.s.mu.Lock()
	out, err := svc.s.deleteLocked(ctx, name, deleteExpectation(req.GetOptions().GetExpectedStreamRevision()), false)
	svc.s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return &api.DeleteResp{PositionOption: &api.DeleteResp_Position_{Position: &api.DeleteResp_Position{
		CommitPosition: out.commit, PreparePosition: out.prepare,
	}}}, nil
}

// Tombstone deletes a stream for good: it can be neither read nor written.
func (svc *streamsService) Tombstone(ctx context.Context, req *api.TombstoneReq) (*api.TombstoneResp, error) {
	name := string(req.GetOptions().GetStreamIdentifier().GetStreamName())
	svc.s.mu.Lock()
	out, err := svc.s.deleteLocked(ctx, name, deleteExpectation(req.GetOptions().GetExpectedStreamRevision()), true)
	svc.s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return &api.TombstoneResp{PositionOption: &api.TombstoneResp_Position_{Position: &api.TombstoneResp_Position{
		CommitPosition: out.commit, PreparePosition: out.prepare,
	}}}, nil
}

// featuresService implements event_store.client.server_features.ServerFeatures.
type featuresService struct {
	serverfeatures.UnimplementedServerFeaturesServer
}

// GetSupportedMethods lists the Streams methods this server implements.
func (featuresService) GetSupportedMethods(context.Context, *shared.Empty) (*serverfeatures.SupportedMethods, error) {
	const svc = "event_store.client.streams.streams"
	var methods []*serverfeatures.SupportedMethod
	for _, m := range []string{"read", "append", "delete", "tombstone"} {
		methods = append(methods, &serverfeatures.SupportedMethod{MethodName: m, ServiceName: svc})
	}
	return &serverfeatures.SupportedMethods{Methods: methods, EventStoreServerVersion: ServerVersion}, nil
}

// toProto converts a record for a ReadResp.
func (r *record) toProto() *api.ReadResp {
	ticks := r.created.UnixNano() / 100
	ev := &api.ReadResp_ReadEvent_RecordedEvent{
		Id:               encodeUUID(r.id),
		StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(r.stream)},
		StreamRevision:   r.revision,
		PreparePosition:  r.prepare,
		CommitPosition:   r.commit,
		Metadata: map[string]string{
			"type":         r.eventType,
			"content-type": r.contentType,
			"created":      strconv.FormatInt(ticks, 10),
		},
		CustomMetadata: r.meta,
		Data:           r.data,
	}
	return &api.ReadResp{Content: &api.ReadResp_Event{Event: &api.ReadResp_ReadEvent{
		Event:    ev,
		Position: &api.ReadResp_ReadEvent_CommitPosition{CommitPosition: r.commit},
	}}}
}

// filter is a decoded server-side filter.
type filter struct {
	onType   bool
	prefixes []string
	regex    *regexp.Regexp
	interval uint64 // checkpoint every interval scanned events; 0: never
}

func decodeFilter(fo *api.ReadReq_Options_FilterOptions) (*filter, error) {
	if fo == nil {
		return nil, nil
	}
	f := &filter{}
	var expr *api.ReadReq_Options_FilterOptions_Expression
	if e := fo.GetEventType(); e != nil {
		f.onType, expr = true, e
	} else {
		expr = fo.GetStreamIdentifier()
	}
	if expr == nil {
		return nil, status.Error(codes.InvalidArgument, "filter without expression")
	}
	f.prefixes = expr.GetPrefix()
	if re := expr.GetRegex(); re != "" {
		var err error
		if f.regex, err = regexp.Compile(re); err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "bad filter regex: %v", err)
		}
	}
	window := uint64(fo.GetMax())
	if window == 0 {
		window = 32
	}
	mult := uint64(fo.GetCheckpointIntervalMultiplier())
	if mult == 0 {
		mult = 1
	}
	f.interval = window * mult
	return f, nil
}

func (f *filter) matches(r *record) bool {
	if f == nil {
		return true
	}
	s := r.stream
	if f.onType {
		s = r.eventType
	}
	if f.regex != nil && f.regex.MatchString(s) {
		return true
	}
	for _, p := range f.prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
