package sanctionslist

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// FileNames are the three files of the SDN legacy CSV format, in the order
// Files holds them.
var FileNames = [3]string{"sdn.csv", "alt.csv", "add.csv"}

// Files holds the bytes of sdn.csv, alt.csv and add.csv.
type Files [3][]byte

// Source fetches the list files.
type Source interface {
	// Fetch returns the files. It returns ErrNotModified when they have not
	// changed since the last successful Fetch (and Forget was not called
	// since), ErrFetch wrapping the cause when they cannot be fetched, or
	// the context's error.
	Fetch(ctx context.Context) (Files, error)
	// Forget makes the next Fetch return the files even if unchanged: the
	// loader calls it when files it fetched could not be put in force.
	Forget()
	// String describes the source for logs and events ("file:/data/ofac",
	// "https://…").
	String() string
}

// Errors returned by sources and the loader.
var (
	// ErrNotModified means the source has not changed since the last fetch.
	ErrNotModified = errors.New("sanctionslist: not modified")
	// ErrFetch means the files could not be read or downloaded.
	ErrFetch = errors.New("sanctionslist: fetch failed")
)

// DirSource reads sdn.csv, alt.csv and add.csv from a directory. It reports
// ErrNotModified while the three files keep their size and modification
// time. It is safe for concurrent use.
type DirSource struct {
	Dir string

	mu   sync.Mutex
	last [3]fileStamp
	seen bool
}

type fileStamp struct {
	size int64
	mod  time.Time
}

// Forget makes the next Fetch read the files.
func (s *DirSource) Forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen = false
}

// String returns "file:" and the directory.
func (s *DirSource) String() string { return "file:" + s.Dir }

// Fetch reads the three files; see Source.
func (s *DirSource) Fetch(ctx context.Context) (Files, error) {
	if err := ctx.Err(); err != nil {
		return Files{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var stamps [3]fileStamp
	for i, n := range FileNames {
		fi, err := os.Stat(filepath.Join(s.Dir, n))
		if err != nil {
			return Files{}, fmt.Errorf("%w: %w", ErrFetch, err)
		}
		stamps[i] = fileStamp{fi.Size(), fi.ModTime()}
	}
	if s.seen && stamps == s.last {
		return Files{}, ErrNotModified
	}
	var f Files
	for i, n := range FileNames {
		b, err := os.ReadFile(filepath.Join(s.Dir, n))
		if err != nil {
			return Files{}, fmt.Errorf("%w: %w", ErrFetch, err)
		}
		f[i] = b
	}
	s.last, s.seen = stamps, true
	return f, nil
}

// DefaultHTTPTimeout bounds one HTTP download when HTTPSource.Client is nil.
const DefaultHTTPTimeout = 60 * time.Second

// HTTPSource downloads the three files from BaseURL + "/sdn.csv" (and so
// on) with conditional GETs: it sends If-None-Match and If-Modified-Since
// from the previous responses, and reports ErrNotModified when every file
// answers 304. It is safe for concurrent use.
type HTTPSource struct {
	// BaseURL is the directory URL, e.g.
	// "https://www.treasury.gov/ofac/downloads".
	BaseURL string
	// Client defaults to an http.Client with DefaultHTTPTimeout.
	Client *http.Client
	// MaxBytes bounds each file; 0 means 64 MiB.
	MaxBytes int64

	mu    sync.Mutex
	cache [3]cached
}

type cached struct {
	etag, lastModified string
	body               []byte
}

// Forget makes the next Fetch download the files unconditionally.
func (s *HTTPSource) Forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cache = [3]cached{}
}

// String returns the base URL.
func (s *HTTPSource) String() string { return s.BaseURL }

// Fetch downloads the files; see Source. Status codes other than 200 and
// 304, bodies over MaxBytes and network errors are ErrFetch.
func (s *HTTPSource) Fetch(ctx context.Context) (Files, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	limit := s.MaxBytes
	if limit <= 0 {
		limit = 64 << 20
	}
	next := s.cache
	changed := false
	for i, n := range FileNames {
		u, err := url.JoinPath(s.BaseURL, n)
		if err != nil {
			return Files{}, fmt.Errorf("%w: %w", ErrFetch, err)
		}
		c, modified, err := get(ctx, client, u, s.cache[i], limit)
		if err != nil {
			return Files{}, err
		}
		next[i] = c
		changed = changed || modified
	}
	if !changed {
		return Files{}, ErrNotModified
	}
	s.cache = next
	return Files{next[0].body, next[1].body, next[2].body}, nil
}

func get(ctx context.Context, client *http.Client, u string, prev cached, limit int64) (cached, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return cached{}, false, fmt.Errorf("%w: %w", ErrFetch, err)
	}
	if prev.body != nil {
		if prev.etag != "" {
			req.Header.Set("If-None-Match", prev.etag)
		}
		if prev.lastModified != "" {
			req.Header.Set("If-Modified-Since", prev.lastModified)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return cached{}, false, ctx.Err()
		}
		return cached{}, false, fmt.Errorf("%w: GET %s: %w", ErrFetch, u, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && prev.body != nil:
		return prev, false, nil
	case resp.StatusCode != http.StatusOK:
		return cached{}, false, fmt.Errorf("%w: GET %s: %s", ErrFetch, u, resp.Status)
	}
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return cached{}, false, fmt.Errorf("%w: GET %s: %w", ErrFetch, u, err)
	}
	if n > limit {
		return cached{}, false, fmt.Errorf("%w: GET %s: larger than %d bytes", ErrFetch, u, limit)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return cached{}, false, fmt.Errorf("%w: GET %s: got %d of %d bytes", ErrFetch, u, n, resp.ContentLength)
	}
	c := cached{etag: resp.Header.Get("ETag"), lastModified: resp.Header.Get("Last-Modified"), body: buf.Bytes()}
	return c, !bytes.Equal(c.body, prev.body), nil
}

//go:embed data/sdn.csv data/alt.csv data/add.csv
var snapshot embed.FS

// EmbeddedSource serves the OFAC SDN snapshot compiled into the binary, for
// demos and tests. It reports ErrNotModified after its first Fetch.
type EmbeddedSource struct {
	mu      sync.Mutex
	fetched bool
}

// Forget makes the next Fetch return the snapshot again.
func (s *EmbeddedSource) Forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fetched = false
}

// String returns "embedded:ofac-snapshot".
func (s *EmbeddedSource) String() string { return "embedded:ofac-snapshot" }

// Fetch returns the snapshot; see Source.
func (s *EmbeddedSource) Fetch(ctx context.Context) (Files, error) {
	if err := ctx.Err(); err != nil {
		return Files{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fetched {
		return Files{}, ErrNotModified
	}
	f, err := Snapshot()
	if err != nil {
		return Files{}, err
	}
	s.fetched = true
	return f, nil
}

// Snapshot returns the embedded OFAC SDN files.
func Snapshot() (Files, error) {
	var f Files
	for i, n := range FileNames {
		b, err := snapshot.ReadFile("data/" + n)
		if err != nil {
			return Files{}, fmt.Errorf("%w: embedded %s: %w", ErrFetch, n, err)
		}
		f[i] = b
	}
	return f, nil
}
