package fxsource

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	fxrates "github.com/remitflow/remitflow/fx-rates"
)

// FileSource reads a rate document from a file, such as the static file of
// pinned corridor rates. A file whose size and modification time have not
// changed since the last successful read is fxrates.ErrNotModified. It is
// safe for concurrent use.
type FileSource struct {
	name  string
	path  string
	parse fxrates.ParseFunc
	opts  fxrates.ParseOptions

	mu      sync.Mutex
	size    int64
	modTime time.Time
}

var _ fxrates.Source = (*FileSource)(nil)

// NewFileSource returns a source named name reading path with parse. It
// returns an error wrapping fxrates.ErrInvalidConfig for a bad name or a nil
// parser; the file is first read by Fetch.
func NewFileSource(name, path string, parse fxrates.ParseFunc, opts fxrates.ParseOptions) (*FileSource, error) {
	if err := fxrates.ValidateSourceName(name); err != nil {
		return nil, fmt.Errorf("%w: file source: %w", fxrates.ErrInvalidConfig, err)
	}
	if path == "" || parse == nil {
		return nil, fmt.Errorf("%w: file source %q needs a path and a parser", fxrates.ErrInvalidConfig, name)
	}
	opts.Source = name
	return &FileSource{name: name, path: path, parse: parse, opts: opts}, nil
}

// Name returns the source's name.
func (s *FileSource) Name() string { return s.name }

// Fetch reads and parses the file. It returns fxrates.ErrNotModified when
// the file is unchanged, the parser's errors for a bad document, the
// file system's error, or the context's error.
func (s *FileSource) Fetch(ctx context.Context) ([]fxrates.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(s.path)
	if err != nil {
		return nil, fmt.Errorf("fxsource: %s: %w", s.name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("fxsource: %s: %w", s.name, err)
	}
	s.mu.Lock()
	same := st.Size() == s.size && st.ModTime().Equal(s.modTime) && !s.modTime.IsZero()
	s.mu.Unlock()
	if same {
		return nil, fmt.Errorf("fxsource: %s: %w", s.name, fxrates.ErrNotModified)
	}
	snaps, err := s.parse(f, s.opts)
	if err != nil {
		return nil, fmt.Errorf("fxsource: %s: %s: %w", s.name, s.path, err)
	}
	s.mu.Lock()
	s.size, s.modTime = st.Size(), st.ModTime()
	s.mu.Unlock()
	return snaps, nil
}
