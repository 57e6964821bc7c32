//go:build unix

package process_test

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user and system) the whole process has
// used so far, so that a benchmark on a shared machine can report its own
// work apart from waiting for a core.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
