package fxsource

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	fxrates "github.com/remitflow/remitflow/fx-rates"
)

// Defaults of HTTPConfig.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultMaxAttempts = 4
	DefaultBaseBackoff = 250 * time.Millisecond
	DefaultMaxBackoff  = 10 * time.Second
)

// ErrUpstream means the rate server answered with an unexpected HTTP status;
// the error is a *StatusError.
var ErrUpstream = errors.New("fxsource: upstream error")

// StatusError reports an HTTP status the source cannot use.
type StatusError struct {
	Source string
	URL    string
	Code   int
	// Retryable is true for 5xx, 408 and 429, which are retried.
	Retryable bool
}

// Error names the source, the URL and the status.
func (e *StatusError) Error() string {
	return fmt.Sprintf("fxsource: %s: GET %s: HTTP %d %s", e.Source, e.URL, e.Code, http.StatusText(e.Code))
}

// Is makes errors.Is(err, ErrUpstream) true.
func (e *StatusError) Is(target error) bool { return target == ErrUpstream }

// HTTPConfig configures an HTTPSource. Name, URL and Parse are required.
type HTTPConfig struct {
	// Name names the source: its snapshots and its stream "fxrates-<Name>".
	Name string
	// URL is the document's address.
	URL string
	// Parse reads the document (fxrates.ParseECB, ParseOXR, ParseStatic).
	Parse fxrates.ParseFunc
	// Options are passed to Parse; Options.Source is set to Name.
	Options fxrates.ParseOptions
	// Header is added to every request (an API key, an Accept header).
	Header http.Header
	// Client does the requests; the default is a client without a global
	// timeout (each attempt gets Timeout).
	Client *http.Client
	// Timeout bounds one attempt, body included; default DefaultTimeout.
	Timeout time.Duration
	// MaxAttempts bounds the attempts of one Fetch; default DefaultMaxAttempts.
	MaxAttempts int
	// BaseBackoff is the wait after the first failed attempt; each later
	// wait doubles, up to MaxBackoff. Waits are jittered between half and
	// all of that value. A Retry-After header is honoured up to MaxBackoff.
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
}

// HTTPSource fetches a rate document over HTTP. It remembers the ETag and
// Last-Modified of the last document it parsed and sends them back
// (If-None-Match, If-Modified-Since); a 304 answer is fxrates.ErrNotModified.
// Network errors, timeouts and HTTP 5xx, 408 and 429 are retried with
// exponential backoff; other 4xx answers and unparseable documents are not.
// It is safe for concurrent use.
type HTTPSource struct {
	cfg HTTPConfig

	mu           sync.Mutex
	etag         string
	lastModified string
}

var _ fxrates.Source = (*HTTPSource)(nil)

// NewHTTPSource checks the configuration and applies defaults. It returns
// an error wrapping fxrates.ErrInvalidConfig.
func NewHTTPSource(cfg HTTPConfig) (*HTTPSource, error) {
	if err := fxrates.ValidateSourceName(cfg.Name); err != nil {
		return nil, fmt.Errorf("%w: http source: %w", fxrates.ErrInvalidConfig, err)
	}
	if cfg.URL == "" || cfg.Parse == nil {
		return nil, fmt.Errorf("%w: http source %q needs a URL and a parser", fxrates.ErrInvalidConfig, cfg.Name)
	}
	if _, err := http.NewRequest(http.MethodGet, cfg.URL, nil); err != nil {
		return nil, fmt.Errorf("%w: http source %q: %v", fxrates.ErrInvalidConfig, cfg.Name, err)
	}
	if cfg.Timeout < 0 || cfg.MaxAttempts < 0 || cfg.BaseBackoff < 0 || cfg.MaxBackoff < 0 {
		return nil, fmt.Errorf("%w: http source %q: negative timeout, attempts or backoff", fxrates.ErrInvalidConfig, cfg.Name)
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{}
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.BaseBackoff == 0 {
		cfg.BaseBackoff = DefaultBaseBackoff
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	cfg.Options.Source = cfg.Name
	cfg.Header = cfg.Header.Clone()
	return &HTTPSource{cfg: cfg}, nil
}

// Name returns the source's name.
func (s *HTTPSource) Name() string { return s.cfg.Name }

// Fetch downloads and parses the document. It returns fxrates.ErrNotModified
// on 304, a *StatusError (matching ErrUpstream) for unusable statuses after
// the retries allowed, the parser's errors (fxrates.ErrMalformed, …) for a
// bad document, the last network error when every attempt failed, or the
// context's error.
func (s *HTTPSource) Fetch(ctx context.Context) ([]fxrates.Snapshot, error) {
	var lastErr error
	for attempt := 1; ; attempt++ {
		snaps, retryAfter, err := s.attempt(ctx)
		if err == nil {
			return snaps, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("fxsource: %s: %w", s.cfg.Name, ctx.Err())
		}
		if !retryable(err) {
			return nil, err
		}
		lastErr = err
		if attempt >= s.cfg.MaxAttempts {
			return nil, fmt.Errorf("fxsource: %s: giving up after %d attempts: %w", s.cfg.Name, attempt, lastErr)
		}
		if err := sleep(ctx, s.backoff(attempt, retryAfter)); err != nil {
			return nil, fmt.Errorf("fxsource: %s: %w (last error: %v)", s.cfg.Name, err, lastErr)
		}
	}
}

// transientError marks an attempt that may succeed when repeated.
type transientError struct{ err error }

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

func retryable(err error) bool {
	var t *transientError
	if errors.As(err, &t) {
		return true
	}
	var st *StatusError
	return errors.As(err, &st) && st.Retryable
}

func (s *HTTPSource) backoff(attempt int, retryAfter time.Duration) time.Duration {
	d := s.cfg.BaseBackoff << min(attempt-1, 30)
	if d <= 0 || d > s.cfg.MaxBackoff {
		d = s.cfg.MaxBackoff
	}
	d = d/2 + rand.N(d/2+1)
	if retryAfter > d {
		d = min(retryAfter, s.cfg.MaxBackoff)
	}
	return d
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// attempt does one request. It returns the server's Retry-After hint.
func (s *HTTPSource) attempt(ctx context.Context) ([]fxrates.Snapshot, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.cfg.URL, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("fxsource: %s: %w", s.cfg.Name, err)
	}
	for k, vs := range s.cfg.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	s.mu.Lock()
	if s.etag != "" {
		req.Header.Set("If-None-Match", s.etag)
	}
	if s.lastModified != "" {
		req.Header.Set("If-Modified-Since", s.lastModified)
	}
	s.mu.Unlock()

	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return nil, 0, &transientError{fmt.Errorf("fxsource: %s: GET %s: %w", s.cfg.Name, s.cfg.URL, err)}
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return nil, 0, fmt.Errorf("fxsource: %s: %w", s.cfg.Name, fxrates.ErrNotModified)
	case resp.StatusCode == http.StatusOK:
	default:
		code := resp.StatusCode
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, retryAfter(resp.Header.Get("Retry-After")), &StatusError{
			Source: s.cfg.Name, URL: s.cfg.URL, Code: code,
			Retryable: code >= 500 || code == http.StatusRequestTimeout || code == http.StatusTooManyRequests,
		}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, fxrates.MaxDocumentBytes+1))
	if err != nil {
		return nil, 0, &transientError{fmt.Errorf("fxsource: %s: read body: %w", s.cfg.Name, err)}
	}
	snaps, err := s.cfg.Parse(bytes.NewReader(body), s.cfg.Options)
	if err != nil {
		return nil, 0, fmt.Errorf("fxsource: %s: %w", s.cfg.Name, err)
	}
	s.mu.Lock()
	s.etag = resp.Header.Get("ETag")
	s.lastModified = resp.Header.Get("Last-Modified")
	s.mu.Unlock()
	return snaps, 0, nil
}

// retryAfter reads a Retry-After header given in seconds.
func retryAfter(v string) time.Duration {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}
