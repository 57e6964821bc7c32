//go:build !unix

package embedded

import (
	"fmt"
	"path/filepath"
	"sync"
)

// dirLock on systems without flock only guards against a second Open in the
// same process; Pebble's own LOCK file guards against other processes.
type dirLock struct{ path string }

var locked sync.Map

func lockDir(path string) (*dirLock, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	if _, dup := locked.LoadOrStore(abs, true); dup {
		return nil, fmt.Errorf("%w (%s)", ErrLocked, abs)
	}
	return &dirLock{path: abs}, nil
}

func (l *dirLock) release() {
	if l == nil {
		return
	}
	locked.Delete(l.path)
}
