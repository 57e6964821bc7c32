// Package partnerkit holds the pieces the mobile-money payout adapters share:
// a bearer-token cache, classification of transport failures into "known not
// sent" and "unknown outcome", the in-memory record of payouts an adapter sent
// (what callbacks are checked against), and the callback metrics.
package partnerkit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
)

// NotSentError marks a failure that proves the partner did not act on the
// request: the connection was refused before anything was written, the token
// could not be fetched, or the partner answered 429/503 meaning "not
// processed". A new attempt with the same reference is safe.
type NotSentError struct{ Err error }

// Error implements error.
func (e *NotSentError) Error() string { return "not sent: " + e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *NotSentError) Unwrap() error { return e.Err }

// NotSent wraps err as a NotSentError; nil stays nil.
func NotSent(err error) error {
	if err == nil {
		return nil
	}
	return &NotSentError{Err: err}
}

// IsNotSent reports whether err proves the request was not acted upon.
func IsNotSent(err error) bool {
	var ns *NotSentError
	return errors.As(err, &ns)
}

// MaxBody is the largest partner response or callback body read.
const MaxBody = 1 << 20

// Response is a partner's HTTP answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends req with client and reads the answer. Transport failures are
// wrapped in payout.ErrUnavailable; a failure to connect at all (dial or DNS
// errors) is additionally marked NotSent. Context errors keep their identity
// (errors.Is(err, context.DeadlineExceeded)) and also wrap ErrUnavailable.
func Do(client *http.Client, req *http.Request) (Response, error) {
	resp, err := client.Do(req)
	if err != nil {
		wrapped := fmt.Errorf("%w: %s %s: %w", payout.ErrUnavailable, req.Method, req.URL.Path, unwrapURL(err))
		if isDialError(err) {
			return Response{}, NotSent(wrapped)
		}
		return Response{}, wrapped
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody))
	if err != nil {
		return Response{}, fmt.Errorf("%w: reading %s answer: %w", payout.ErrUnavailable, req.URL.Path, err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

func unwrapURL(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

func isDialError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// TokenFetcher obtains a fresh access token and its lifetime.
type TokenFetcher func(ctx context.Context) (token string, ttl time.Duration, err error)

// TokenCache caches one bearer token until shortly before it expires.
// Concurrent callers share one fetch.
type TokenCache struct {
	fetch   TokenFetcher
	now     func() time.Time
	margin  time.Duration
	mu      sync.Mutex
	token   string
	expires time.Time
	fetches int
}

// NewTokenCache returns a cache that refreshes margin before expiry.
func NewTokenCache(fetch TokenFetcher, now func() time.Time, margin time.Duration) *TokenCache {
	if now == nil {
		now = time.Now
	}
	return &TokenCache{fetch: fetch, now: now, margin: margin}
}

// Token returns a valid token, fetching one when none is cached or the cached
// one is about to expire. A fetch failure is returned marked NotSent (the
// request it was for has not been sent).
func (c *TokenCache) Token(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && c.now().Before(c.expires.Add(-c.margin)) {
		return c.token, nil
	}
	tok, ttl, err := c.fetch(ctx)
	if err != nil {
		if IsNotSent(err) {
			return "", fmt.Errorf("token: %w", err)
		}
		return "", NotSent(fmt.Errorf("token: %w", err))
	}
	c.fetches++
	c.token, c.expires = tok, c.now().Add(ttl)
	return tok, nil
}

// Invalidate drops token if it is still the cached one (after a 401).
func (c *TokenCache) Invalidate(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == token {
		c.token = ""
	}
}

// Fetches returns how many tokens were fetched so far.
func (c *TokenCache) Fetches() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fetches
}

// Sign returns a hex HMAC-SHA256 of msg under secret, for callback URLs.
func Sign(secret, msg string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

// Equal compares two secrets in constant time.
func Equal(a, b string) bool { return hmac.Equal([]byte(a), []byte(b)) }

// Metrics of the callback endpoints, registered by whoever serves /metrics
// (see router.Collectors).
var (
	// CallbacksAccepted counts callbacks applied, by partner.
	CallbacksAccepted = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "remitflow", Subsystem: "payout", Name: "callbacks_accepted_total",
		Help: "Partner callbacks that passed every check and were applied.",
	}, []string{"partner"})
	// CallbacksRejected counts callbacks refused, by partner and reason.
	CallbacksRejected = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "remitflow", Subsystem: "payout", Name: "callbacks_rejected_total",
		Help: "Partner callbacks refused (bad secret, unknown reference, malformed body, amount mismatch, ...).",
	}, []string{"partner", "reason"})
	// CallbacksDuplicate counts callbacks repeating an outcome already applied.
	CallbacksDuplicate = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "remitflow", Subsystem: "payout", Name: "callbacks_duplicate_total",
		Help: "Partner callbacks that repeated an outcome already applied; ignored.",
	}, []string{"partner"})
)

// Reject answers a refused callback with status, logs it and counts it.
func Reject(w http.ResponseWriter, r *http.Request, log *slog.Logger, partner, reason string, status int, detail string) {
	CallbacksRejected.WithLabelValues(partner, reason).Inc()
	log.WarnContext(r.Context(), "payout callback rejected",
		slog.String("partner", partner), slog.String("reason", reason),
		slog.String("detail", detail), slog.String("remote", r.RemoteAddr), slog.String("path", r.URL.Path))
	WriteJSON(w, status, map[string]string{"error": reason})
}

// WriteJSON writes v as a JSON body with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Record is what an adapter remembers about a payout it sent.
type Record struct {
	Reference string
	MSISDN    string
	// Amount is nil when the record was created from a status answer for a
	// payout this process did not send itself.
	Amount *money.Amount
	// Result is the latest known result.
	Result payout.Result
	// NotFound is set when the partner said it does not know the reference.
	NotFound bool
	// Delivered is set once the final result was handed to the sink.
	Delivered bool
}

type entry struct {
	rec     Record
	changed chan struct{}
	touched time.Time
}

// Retention is how long Records keeps a payout whose final outcome was
// delivered (or that was never sent) after its last change.
const Retention = 24 * time.Hour

// Records is a concurrency-safe in-memory store of sent payouts with waiters.
// Payouts final and delivered (or never sent) for longer than Retention are
// dropped, so a very late duplicate callback is then refused as unknown.
type Records struct {
	mu      sync.Mutex
	m       map[string]*entry
	now     func() time.Time
	inserts int
}

// NewRecords returns an empty store.
func NewRecords() *Records { return &Records{m: map[string]*entry{}, now: time.Now} }

// NewRecordsWithClock returns an empty store using now for retention.
func NewRecordsWithClock(now func() time.Time) *Records {
	return &Records{m: map[string]*entry{}, now: now}
}

func (s *Records) get(ref string) *entry {
	e, ok := s.m[ref]
	if !ok {
		// Stamped before it is stored: pruning below must see it as fresh.
		e = &entry{rec: Record{Reference: ref, Result: payout.Result{Reference: ref, State: payout.StateUnknown}},
			changed: make(chan struct{}), touched: s.now()}
		s.m[ref] = e
		s.inserts++
		if s.inserts%1024 == 0 {
			s.prune()
		}
	}
	e.touched = s.now()
	return e
}

// prune drops settled entries older than Retention; caller holds s.mu.
func (s *Records) prune() {
	cutoff := s.now().Add(-Retention)
	for ref, e := range s.m {
		settled := (e.rec.Result.State.Final() && e.rec.Delivered) || e.rec.Amount == nil || e.rec.NotFound
		if settled && e.touched.Before(cutoff) {
			delete(s.m, ref)
		}
	}
}

// Prune drops payouts settled for longer than Retention.
func (s *Records) Prune() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune()
}

// Len returns the number of payouts held.
func (s *Records) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

func (e *entry) notify() {
	close(e.changed)
	e.changed = make(chan struct{})
}

// ErrReferenceReused means a reference already sent is submitted again with
// a different recipient or amount.
var ErrReferenceReused = errors.New("partnerkit: reference already used for another recipient or amount")

// Sent records that a payout is about to be sent (or was sent). It returns
// ErrReferenceReused when the reference was sent before to another MSISDN or
// for another amount.
func (s *Records) Sent(ref, msisdn string, amount money.Amount) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.get(ref)
	if e.rec.Amount != nil && (e.rec.MSISDN != msisdn || !e.rec.Amount.Equal(amount)) {
		return fmt.Errorf("%w: %s was %s to %s", ErrReferenceReused, ref, e.rec.Amount, e.rec.MSISDN)
	}
	e.rec.MSISDN = msisdn
	a := amount
	e.rec.Amount = &a
	return nil
}

// Check returns ErrReferenceReused when ref was sent before to another
// MSISDN or for another amount.
func (s *Records) Check(ref, msisdn string, amount money.Amount) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[ref]
	if ok && e.rec.Amount != nil && (e.rec.MSISDN != msisdn || !e.rec.Amount.Equal(amount)) {
		return fmt.Errorf("%w: %s was %s to %s", ErrReferenceReused, ref, e.rec.Amount, e.rec.MSISDN)
	}
	return nil
}

// Get returns the record for ref.
func (s *Records) Get(ref string) (Record, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[ref]
	if !ok {
		return Record{}, false
	}
	return e.rec, true
}

// ErrConflict means an outcome contradicts a final outcome already recorded.
var ErrConflict = errors.New("partnerkit: outcome contradicts the recorded final outcome")

// Update records r as the latest result for its reference and wakes waiters.
// A final result is never replaced: the same final state again returns
// changed=false; a different final state returns ErrConflict. Non-final
// results never replace final ones.
func (s *Records) Update(r payout.Result) (changed bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.get(r.Reference)
	cur := e.rec.Result
	if cur.State.Final() {
		if !r.State.Final() || r.State == cur.State {
			return false, nil
		}
		return false, fmt.Errorf("%w: %s is %s, partner now says %s", ErrConflict, r.Reference, cur.State, r.State)
	}
	e.rec.Result = r
	e.rec.NotFound = false
	e.notify()
	return true, nil
}

// MarkNotFound records that the partner does not know ref.
func (s *Records) MarkNotFound(ref string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.get(ref)
	if e.rec.Result.State.Final() {
		return
	}
	e.rec.NotFound = true
	e.notify()
}

// MarkDelivered flags ref's final result as handed to the sink; it reports
// whether this call was the first to do so.
func (s *Records) MarkDelivered(ref string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.get(ref)
	if e.rec.Delivered {
		return false
	}
	e.rec.Delivered = true
	return true
}

// UnmarkDelivered clears the delivered flag after the sink failed.
func (s *Records) UnmarkDelivered(ref string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.get(ref).rec.Delivered = false
}

// Changed returns a channel closed at ref's next change.
func (s *Records) Changed(ref string) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.get(ref).changed
}

// Deliver hands a final result to sink once: it returns delivered=false for a
// result already delivered. A sink error un-marks it so a later callback or
// status query can deliver again.
func Deliver(ctx context.Context, recs *Records, sink payout.ResultSink, r payout.Result) (delivered bool, err error) {
	if sink == nil || !r.State.Final() {
		return false, nil
	}
	if !recs.MarkDelivered(r.Reference) {
		return false, nil
	}
	if err := sink(ctx, r); err != nil {
		recs.UnmarkDelivered(r.Reference)
		return false, fmt.Errorf("result sink: %w", err)
	}
	return true, nil
}

// Discard is a logger that drops everything.
func Discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// Rejected returns the current count of rejected callbacks for a partner and
// reason (for tests and diagnostics).
func Rejected(partner, reason string) float64 {
	var m dto.Metric
	if err := CallbacksRejected.WithLabelValues(partner, reason).Write(&m); err != nil {
		return 0
	}
	return m.GetCounter().GetValue()
}

// NewHTTPClient returns a client with timeout whose transport keeps enough
// idle connections per partner host for concurrent payouts.
func NewHTTPClient(timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return &http.Client{Timeout: timeout, Transport: tr}
}

// Env reads configuration variables, collecting parse errors.
type Env struct {
	Get  func(string) string
	errs []error
}

// String returns the variable's value, trimmed.
func (e *Env) String(name string) string { return strings.TrimSpace(e.Get(name)) }

// Duration parses a Go duration ("30s"); empty gives def.
func (e *Env) Duration(name string, def time.Duration) time.Duration {
	v := e.String(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		e.errs = append(e.errs, fmt.Errorf("%s: %q is not a duration", name, v))
		return def
	}
	return d
}

// Bool parses true/false/1/0; empty is false.
func (e *Env) Bool(name string) bool {
	v := e.String(name)
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s: %q is not a boolean", name, v))
	}
	return b
}

// File reads the file the variable names; empty gives nil.
func (e *Env) File(name string) []byte {
	v := e.String(name)
	if v == "" {
		return nil
	}
	b, err := os.ReadFile(v)
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s: %w", name, err))
	}
	return b
}

// List splits a comma-separated variable, dropping empty items.
func (e *Env) List(name string) []string {
	var out []string
	for _, s := range strings.Split(e.String(name), ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Fail records an error.
func (e *Env) Fail(err error) { e.errs = append(e.errs, err) }

// Err returns the collected errors.
func (e *Env) Err() error { return errors.Join(e.errs...) }

// Int parses a non-negative integer; empty gives def.
func (e *Env) Int(name string, def int) int {
	v := e.String(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		e.errs = append(e.errs, fmt.Errorf("%s: %q is not a non-negative integer", name, v))
		return def
	}
	return n
}
