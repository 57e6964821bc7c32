// Package eventstoredb implements the event store port (domain/eventstore)
// on EventStoreDB through the official gRPC client
// (github.com/EventStore/EventStore-Client-Go/v4).
//
// Mapping onto EventStoreDB:
//   - Append is AppendToStream with the expected revision mapped to Any,
//     NoStream, StreamExists or Revision(n); events go out as JSON with their
//     IDs, types and metadata unchanged. A WrongExpectedVersion answer becomes
//     a *eventstore.WrongExpectedRevisionError, or ErrIdempotencyConflict when
//     the batch's IDs are partly in the stream already, or the original result
//     when all of them are (idempotent retry).
//   - Positions are EventStoreDB's $all positions: Commit and Prepare map one
//     to one.
//   - ReadAll pages through $all and filters on the client, because the
//     client's ReadAll has no server-side filter. The port's After bound is
//     exclusive while EventStoreDB reads from a position inclusively, so the
//     boundary event is skipped.
//   - SubscribeAll is a catch-up subscription to $all with a server-side
//     prefix filter. When the server drops it (node restart, network), it
//     re-subscribes from the last event it saw, with backoff, and skips what
//     it already delivered: no gaps, no duplicates.
//   - System events (streams or types starting with '$') are never returned.
//   - Connection failures are reported as eventstore.ErrUnavailable. The
//     client gives up on a node after a failed discovery, so the store
//     replaces a client that saw the connection fail with a fresh one.
//
// Configuration is an EventStoreDB connection string: esdb://host:2113 for a
// single node, esdb+discover://host:2113 for cluster discovery through gossip,
// esdb://host1:2113,host2:2113,host3:2113 for gossip seeds, with settings such
// as tls=false, tlsVerifyCert=false, tlsCAFile=…, nodePreference=leader and
// credentials as esdb://user:password@host:2113.
//
// Against a real node: EventStoreDB limits one append to 1 MiB by default
// (MaxAppendSize), below the port's MaxAppendEvents × MaxEventSize.
package eventstoredb

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/remitflow/remitflow/domain/eventstore"
)

// Defaults for Config's zero fields.
const (
	// DefaultReadPageSize is how many events ReadAll asks for per request.
	DefaultReadPageSize = 512
	// DefaultMinBackoff is the first wait before re-subscribing.
	DefaultMinBackoff = 50 * time.Millisecond
	// DefaultMaxBackoff caps the wait between re-subscription attempts.
	DefaultMaxBackoff = 2 * time.Second
	// DefaultResubscribeWindow is how long a dropped subscription retries
	// before Next reports ErrUnavailable.
	DefaultResubscribeWindow = 30 * time.Second
)

// Config configures Open.
type Config struct {
	// URL is the EventStoreDB connection string (esdb://… or
	// esdb+discover://…), including TLS settings and credentials.
	URL string
	// Username and Password, when set, override credentials in URL.
	Username string
	Password string
	// RootCAs, when set, verifies the server's certificate instead of the
	// host's roots (the URL's tlsCAFile does the same from a file).
	RootCAs *x509.CertPool
	// Logger receives the client's warnings and errors; nil discards them.
	Logger *slog.Logger
	// ReadPageSize is how many events ReadAll asks for per request.
	ReadPageSize uint64
	// MinBackoff and MaxBackoff bound the wait between re-subscription
	// attempts; it doubles after every failed attempt.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// ResubscribeWindow is how long a dropped subscription keeps trying
	// before Next reports ErrUnavailable (a later Next tries again).
	ResubscribeWindow time.Duration
	// SkipProbe makes Open return without contacting the server.
	SkipProbe bool
}

// String describes the configuration with the password masked.
func (c Config) String() string {
	u := c.URL
	if at := strings.LastIndex(u, "@"); at > 0 {
		if scheme := strings.Index(u, "://"); scheme >= 0 && scheme < at {
			userinfo := u[scheme+3 : at]
			if user, _, ok := strings.Cut(userinfo, ":"); ok {
				u = u[:scheme+3] + user + ":***" + u[at:]
			}
		}
	}
	pw := ""
	if c.Password != "" {
		pw = "***"
	}
	return fmt.Sprintf("eventstoredb{url=%s user=%s password=%s}", u, c.Username, pw)
}

// Store is an eventstore.Store on EventStoreDB. It is safe for concurrent use.
type Store struct {
	conf     esdb.Configuration
	pageSize uint64
	minBack  time.Duration
	maxBack  time.Duration
	window   time.Duration

	mu     sync.Mutex
	cur    *conn
	closed bool
	done   chan struct{}
}

var _ eventstore.Store = (*Store)(nil)

// conn is one esdb.Client. Every call on the client runs in a goroutine
// counted in refs, and callers wait for it, their context, or dead: the
// client can block a call for good after it failed to rediscover the node
// (its connection goroutine exits while calls still try to reach it), and
// such a call must not hold its caller. The client is closed only once no
// goroutine uses it, because closing it under a blocked call would panic.
type conn struct {
	client *esdb.Client
	refs   int
	broken bool
	shut   bool
	dead   chan struct{} // closed once a call saw the connection fail
}

// Open parses cfg.URL, creates the client and, unless cfg.SkipProbe, checks
// that the server answers. It returns an error wrapping
// eventstore.ErrUnavailable when the server cannot be reached, the context's
// error, or a configuration error.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.URL == "" {
		return nil, errors.New("eventstoredb: empty connection string")
	}
	conf, err := esdb.ParseConnectionString(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("eventstoredb: connection string: %w", err)
	}
	if cfg.Username != "" {
		conf.Username, conf.Password = cfg.Username, cfg.Password
	}
	if cfg.RootCAs != nil {
		conf.RootCAs = cfg.RootCAs
	}
	conf.Logger = clientLogger(cfg.Logger)
	if err := conf.Validate(); err != nil {
		return nil, fmt.Errorf("eventstoredb: configuration: %w", err)
	}
	s := &Store{
		conf:     *conf,
		pageSize: cfg.ReadPageSize,
		minBack:  cfg.MinBackoff,
		maxBack:  cfg.MaxBackoff,
		window:   cfg.ResubscribeWindow,
		done:     make(chan struct{}),
	}
	if s.pageSize < 2 {
		s.pageSize = DefaultReadPageSize
	}
	if s.minBack <= 0 {
		s.minBack = DefaultMinBackoff
	}
	if s.maxBack < s.minBack {
		s.maxBack = max(DefaultMaxBackoff, s.minBack)
	}
	if s.window <= 0 {
		s.window = DefaultResubscribeWindow
	}
	if !cfg.SkipProbe {
		if err := s.Ping(ctx); err != nil {
			_ = s.Close()
			return nil, err
		}
	}
	return s, nil
}

// Ping reads a (normally missing) stream to check that the server answers.
// It returns nil, an error wrapping eventstore.ErrUnavailable or
// eventstore.ErrClosed, or the context's error.
func (s *Store) Ping(ctx context.Context) error {
	for _, err := range s.ReadStream(ctx, "remitflow-ping", eventstore.ReadStreamOptions{MaxCount: 1}) {
		if err != nil && !errors.Is(err, eventstore.ErrStreamNotFound) {
			return err
		}
		break
	}
	return nil
}

func clientLogger(l *slog.Logger) esdb.LoggingFunc {
	return func(level esdb.LogLevel, format string, args ...any) {
		if l == nil {
			return
		}
		// The client passes its arguments as one slice.
		if len(args) == 1 {
			if inner, ok := args[0].([]any); ok {
				args = inner
			}
		}
		msg := fmt.Sprintf(format, args...)
		switch level {
		case esdb.LogError:
			l.Error(msg, "component", "eventstoredb")
		case esdb.LogWarn:
			l.Warn(msg, "component", "eventstoredb")
		default:
			l.Debug(msg, "component", "eventstoredb")
		}
	}
}

// acquire returns the current client, replacing it first if it failed.
func (s *Store) acquire() (*conn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, eventstore.ErrClosed
	}
	if s.cur == nil || s.cur.broken {
		if old := s.cur; old != nil && old.refs == 0 {
			s.shutLocked(old)
		}
		conf := s.conf
		client, err := esdb.NewClient(&conf)
		if err != nil {
			return nil, fmt.Errorf("eventstoredb: client: %w", err)
		}
		s.cur = &conn{client: client, dead: make(chan struct{})}
	}
	return s.cur, nil
}

// spawn runs fn in a goroutine that holds c open.
func (s *Store) spawn(c *conn, fn func()) {
	s.mu.Lock()
	c.refs++
	s.mu.Unlock()
	go func() {
		defer s.unref(c)
		fn()
	}()
}

func (s *Store) unref(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.refs--
	s.maybeShutLocked(c)
}

// observe retires c when err says its connection failed.
func (s *Store) observe(c *conn, err error) {
	if err == nil || !breaksConnection(err) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !c.broken {
		c.broken = true
		close(c.dead)
	}
	s.maybeShutLocked(c)
}

func (s *Store) maybeShutLocked(c *conn) {
	if c.refs == 0 && ((c.broken && c != s.cur) || s.closed) {
		s.shutLocked(c)
	}
}

func (s *Store) shutLocked(c *conn) {
	if !c.shut {
		c.shut = true
		_ = c.client.Close()
	}
}

// call runs fn on c and waits for it, for ctx, or for c to fail. An
// abandoned call finishes (or stays blocked) in its goroutine.
func (s *Store) call(ctx context.Context, c *conn, fn func(ctx context.Context) error) error {
	done := make(chan error, 1)
	cctx, cancel := context.WithCancel(ctx)
	s.spawn(c, func() {
		defer cancel()
		err := fn(cctx)
		s.observe(c, err)
		done <- err
	})
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		cancel()
		return ctx.Err()
	case <-c.dead:
		select {
		case err := <-done:
			return err
		default:
		}
		return errConnectionLost
	}
}

// errConnectionLost reports a call abandoned because its client failed.
var errConnectionLost = errors.New("connection to the node lost")

// Close closes the store: later calls fail with eventstore.ErrClosed and
// open subscriptions end with it. It is safe to call more than once and
// always returns nil.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	close(s.done)
	if s.cur != nil {
		s.maybeShutLocked(s.cur)
	}
	return nil
}

func (s *Store) isClosed() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// breaksConnection reports whether err says the client lost its node: the
// client starts a new discovery after these, which is where it can block.
func breaksConnection(err error) bool {
	// A request sent on a connection that just broke fails with io.EOF
	// (the client does not fetch the stream's status then).
	if errors.Is(err, errConnectionLost) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var e *esdb.Error
	if errors.As(err, &e) {
		switch e.Code() {
		case esdb.ErrorUnavailable, esdb.ErrorCodeConnectionClosed, esdb.ErrorCodeNotLeader:
			return true
		}
	}
	return status.Code(err) == codes.Unavailable
}

// isConnectionError reports whether err says the node could not be reached
// or did not answer in time.
func isConnectionError(err error) bool {
	if breaksConnection(err) {
		return true
	}
	var e *esdb.Error
	if errors.As(err, &e) && e.Code() == esdb.ErrorCodeDeadlineExceeded {
		return true
	}
	return status.Code(err) == codes.DeadlineExceeded
}

// isGRPCTransient reports gRPC failures that a new call may not meet.
func isGRPCTransient(err error) bool {
	switch status.Code(err) {
	case codes.Unavailable, codes.Aborted, codes.Internal, codes.Unknown, codes.ResourceExhausted, codes.DeadlineExceeded:
		return true
	}
	return false
}

// mapError translates a client error for the port.
func (s *Store) mapError(ctx context.Context, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("eventstoredb: %s: %w", op, ctxErr)
	}
	if s.isClosed() {
		return fmt.Errorf("eventstoredb: %s: %w", op, eventstore.ErrClosed)
	}
	if errors.Is(err, eventstore.ErrClosed) {
		return fmt.Errorf("eventstoredb: %s: %w", op, err)
	}
	var e *esdb.Error
	if errors.As(err, &e) && e.Code() == esdb.ErrorCodeResourceNotFound {
		return fmt.Errorf("eventstoredb: %s: %w", op, eventstore.ErrStreamNotFound)
	}
	if isConnectionError(err) {
		return fmt.Errorf("eventstoredb: %s: %w: %w", op, eventstore.ErrUnavailable, err)
	}
	switch status.Code(err) {
	case codes.Canceled:
		// The call was cancelled underneath us (connection teardown).
		return fmt.Errorf("eventstoredb: %s: %w: %w", op, eventstore.ErrUnavailable, err)
	}
	return fmt.Errorf("eventstoredb: %s: %w", op, err)
}

// toPosition converts an EventStoreDB position.
func toPosition(p esdb.Position) eventstore.Position {
	return eventstore.Position{Commit: p.Commit, Prepare: p.Prepare}
}

// isSystem reports whether an event belongs to EventStoreDB itself.
func isSystem(e *esdb.RecordedEvent) bool {
	return strings.HasPrefix(e.StreamID, "$") || strings.HasPrefix(e.EventType, "$")
}

// toRecorded converts an event read from the server.
func toRecorded(e *esdb.RecordedEvent) eventstore.RecordedEvent {
	r := eventstore.RecordedEvent{
		ID:         e.EventID,
		Stream:     e.StreamID,
		Type:       e.EventType,
		Revision:   e.EventNumber,
		Position:   toPosition(e.Position),
		Data:       e.Data,
		RecordedAt: e.CreatedDate,
	}
	if len(e.UserMetadata) > 0 {
		r.Metadata = e.UserMetadata
	}
	return r
}

// recv reads one event of a read, ending with io.EOF.
func recv(rs *esdb.ReadStream) (*esdb.RecordedEvent, error) {
	ev, err := rs.Recv()
	if err != nil {
		return nil, err
	}
	if ev.Event == nil {
		return nil, errNoEvent
	}
	return ev.Event, nil
}

// errNoEvent reports a read message without an event.
var errNoEvent = errors.New("read returned a message without an event")

// pumped is one result of a read.
type pumped struct {
	ev  *esdb.RecordedEvent
	err error
}

// openRead starts a read on c in its own goroutine, which hands events over
// one at a time. next returns the next event, io.EOF at the end, or an
// error; stop ends the read early (call it once done).
func (s *Store) openRead(ctx context.Context, c *conn, open func(ctx context.Context) (*esdb.ReadStream, error)) (next func() (*esdb.RecordedEvent, error), stop func()) {
	rctx, cancel := context.WithCancel(ctx)
	ch := make(chan pumped)
	s.spawn(c, func() {
		rs, err := open(rctx)
		if err != nil {
			s.observe(c, err)
			select {
			case ch <- pumped{err: err}:
			case <-rctx.Done():
			}
			return
		}
		defer rs.Close()
		for {
			ev, err := recv(rs)
			if err != nil && !errors.Is(err, io.EOF) {
				s.observe(c, err)
			}
			select {
			case ch <- pumped{ev, err}:
			case <-rctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	})
	next = func() (*esdb.RecordedEvent, error) {
		select {
		case p := <-ch:
			return p.ev, p.err
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-c.dead:
			select {
			case p := <-ch:
				return p.ev, p.err
			default:
			}
			return nil, errConnectionLost
		}
	}
	return next, cancel
}

// parseActual extracts the current revision from the client's
// wrong-expected-version message ("… but got '5'" or "… but got 'no_stream'").
func parseActual(err error) (rev uint64, exists bool, ok bool) {
	msg := err.Error()
	i := strings.LastIndex(msg, "but got '")
	if i < 0 {
		return 0, false, false
	}
	rest := msg[i+len("but got '"):]
	end := strings.IndexByte(rest, '\'')
	if end < 0 {
		return 0, false, false
	}
	v := rest[:end]
	if v == "no_stream" || v == "-1" {
		return 0, false, true
	}
	n, perr := strconv.ParseUint(v, 10, 64)
	if perr != nil {
		return 0, false, false
	}
	return n, true, true
}
