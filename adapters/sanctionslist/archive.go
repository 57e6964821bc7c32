package sanctionslist

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/remitflow/remitflow/domain/sanctions"
)

// ErrArchive means a list version could not be archived or read back from
// the archive, or the archived files do not hash to the version asked for.
var ErrArchive = errors.New("sanctionslist: archive")

// archive writes the files of version id to dir/id/, unless they are
// already there. The directory appears complete or not at all.
func archive(dir, id string, f Files) error {
	final := filepath.Join(dir, id)
	if _, err := os.Stat(final); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("%w: %w", ErrArchive, err)
	}
	tmp, err := os.MkdirTemp(dir, ".incoming-")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrArchive, err)
	}
	defer os.RemoveAll(tmp)
	for i, n := range FileNames {
		if err := writeFileSync(filepath.Join(tmp, n), f[i]); err != nil {
			return fmt.Errorf("%w: %w", ErrArchive, err)
		}
	}
	if err := os.Rename(tmp, final); err != nil {
		if _, statErr := os.Stat(final); statErr == nil {
			return nil // another loader archived it first
		}
		return fmt.Errorf("%w: %w", ErrArchive, err)
	}
	return nil
}

func writeFileSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// OpenArchived parses the archived files of list version id from dir (see
// Config.ArchiveDir), so that a past screening can be replayed against the
// list that was in force. loadedAt is recorded in the returned list's
// version. It returns ErrArchive when the files are missing or do not hash
// to id, and sanctions.ErrMalformedList when they do not parse.
func OpenArchived(dir, id string, loadedAt time.Time) (*sanctions.List, error) {
	if id == "" || filepath.Base(id) != id || id[0] == '.' {
		return nil, fmt.Errorf("%w: bad version ID %q", ErrArchive, id)
	}
	var f Files
	for i, n := range FileNames {
		b, err := os.ReadFile(filepath.Join(dir, id, n))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrArchive, err)
		}
		f[i] = b
	}
	l, err := sanctions.Parse(bytes.NewReader(f[0]), bytes.NewReader(f[1]), bytes.NewReader(f[2]), loadedAt)
	if err != nil {
		return nil, fmt.Errorf("open archived %s: %w", id, err)
	}
	if got := l.Version().ID; got != id {
		return nil, fmt.Errorf("%w: files in %s hash to %s", ErrArchive, id, got)
	}
	return l, nil
}
