package embedded_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/remitflow/remitflow/adapters/eventstore/embedded"
	"github.com/remitflow/remitflow/domain/eventstore"
)

// The crash tests re-run this test binary as a child process selected by
// these environment variables.
const (
	envChildMode = "REMITFLOW_EMBEDDED_CHILD"
	envChildDir  = "REMITFLOW_EMBEDDED_DIR"
)

// TestChildProcess is the child side of the multi-process tests; it skips
// itself unless started by one of them.
func TestChildProcess(t *testing.T) {
	mode, dir := os.Getenv(envChildMode), os.Getenv(envChildDir)
	switch mode {
	case "":
		t.Skip("only runs as a child of TestCrashRecovery or TestLockAcrossProcesses")
	case "lock":
		s, err := embedded.Open(dir, nil)
		switch {
		case errors.Is(err, embedded.ErrLocked):
			fmt.Printf("locked: %v\n", err)
		case err != nil:
			fmt.Printf("error: %v\n", err)
		default:
			_ = s.Close()
			fmt.Println("opened")
		}
	case "append":
		appendUntilKilled(t, dir)
	default:
		t.Fatalf("unknown child mode %q", mode)
	}
}

// appendUntilKilled appends from many goroutines and prints one line per
// acknowledged event: "ack <id> <stream> <revision> <position>".
func appendUntilKilled(t *testing.T, dir string) {
	// Frequent head checkpoints: recovery both loads heads and replays the log.
	s, err := embedded.Open(dir, &embedded.Options{HeadCheckpointEvents: 1000})
	if err != nil {
		fmt.Printf("error: open: %v\n", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	var out sync.Mutex
	fmt.Println("ready")
	var wg sync.WaitGroup
	for g := range 48 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(g)))
			for ctx.Err() == nil {
				var stream string
				if rng.IntN(2) == 0 {
					stream = fmt.Sprintf("shared-%d", rng.IntN(16)) // contended
				} else {
					stream = fmt.Sprintf("own-%d-%d", os.Getpid(), g)
				}
				k := 1 + rng.IntN(3)
				events := make([]eventstore.EventData, k)
				for i := range events {
					events[i] = eventstore.EventData{
						ID:   uuid.New(),
						Type: "crash.tick.v1",
						Data: fmt.Appendf(nil, `{"g":%d,"i":%d,"pad":"%s"}`, g, i, strings.Repeat("x", rng.IntN(400))),
					}
				}
				expected := eventstore.Any()
				if rng.IntN(3) > 0 {
					expected = eventstore.NoStream()
					for e, err := range s.ReadStream(ctx, stream, eventstore.ReadStreamOptions{Direction: eventstore.Backwards, From: eventstore.EndRevision, MaxCount: 1}) {
						if err == nil {
							expected = eventstore.Exact(e.Revision)
						}
					}
				}
				res, err := s.Append(ctx, stream, expected, events...)
				if errors.Is(err, eventstore.ErrWrongExpectedRevision) {
					continue
				}
				if err != nil {
					if ctx.Err() == nil {
						fmt.Printf("error: append: %v\n", err)
						os.Exit(2)
					}
					return
				}
				if rng.IntN(10) == 0 { // an idempotent retry returns the same result
					again, err := s.Append(ctx, stream, expected, events...)
					if err != nil || again != res {
						fmt.Printf("error: retry = %+v, %v; want %+v\n", again, err, res)
						os.Exit(2)
					}
				}
				var b strings.Builder
				for i, e := range events {
					back := uint64(k - 1 - i)
					fmt.Fprintf(&b, "ack %s %s %d %d\n", e.ID, stream, res.NextExpectedRevision-back, res.Position.Commit-back)
				}
				out.Lock()
				_, _ = os.Stdout.WriteString(b.String())
				out.Unlock()
			}
		})
	}
	wg.Wait()
	_ = s.Close()
}

func childCmd(t *testing.T, mode, dir string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), envChildMode+"="+mode, envChildDir+"="+dir)
	cmd.Stderr = os.Stderr
	return cmd
}

type ack struct {
	stream   string
	revision uint64
	position uint64
}

// TestCrashRecovery kills a child appending under load with SIGKILL at
// random moments, reopening the same directory each time, then checks that
// every acknowledged event is there exactly once where it was acknowledged,
// that positions and revisions are dense and that the heads agree.
func TestCrashRecovery(t *testing.T) {
	if os.Getenv(envChildMode) != "" {
		t.Skip("child process")
	}
	const kills = 22
	dir := t.TempDir()
	acks := map[uuid.UUID]ack{}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for run := range kills {
		cmd := childCmd(t, "append", dir)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ready := make(chan struct{})
		lines := make(chan []string, 1)
		go func() {
			var got []string
			sc := bufio.NewScanner(stdout)
			signalled := false
			for sc.Scan() {
				line := sc.Text()
				if line == "ready" && !signalled {
					signalled = true
					close(ready)
					continue
				}
				got = append(got, line)
			}
			if !signalled {
				close(ready)
			}
			lines <- got
		}()
		<-ready
		time.Sleep(time.Duration(rng.IntN(250)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		got := <-lines
		werr := cmd.Wait()
		var exit *exec.ExitError
		if !errors.As(werr, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("run %d: child ended with %v, not by SIGKILL; output %q", run, werr, tail(got))
		}
		n := 0
		for _, line := range got {
			f := strings.Fields(line)
			if len(f) == 0 {
				continue
			}
			if f[0] == "error:" {
				t.Fatalf("run %d: child: %s", run, line)
			}
			if f[0] != "ack" || len(f) != 5 {
				continue // a line cut by the kill
			}
			id, err1 := uuid.Parse(f[1])
			rev, err2 := strconv.ParseUint(f[3], 10, 64)
			p, err3 := strconv.ParseUint(f[4], 10, 64)
			if err1 != nil || err2 != nil || err3 != nil {
				continue
			}
			a := ack{stream: f[2], revision: rev, position: p}
			if prev, dup := acks[id]; dup && prev != a {
				t.Fatalf("event %s acknowledged twice: %+v and %+v", id, prev, a)
			}
			acks[id] = a
			n++
		}
		t.Logf("run %d: %d events acknowledged before SIGKILL", run, n)
	}
	if len(acks) < 100 {
		t.Fatalf("only %d events acknowledged over %d runs; the test did not load the store", len(acks), kills)
	}

	s, err := embedded.Open(dir, nil)
	if err != nil {
		t.Fatalf("Open after the last kill: %v", err)
	}
	defer s.Close()
	ctx := t.Context()
	if err := s.Check(ctx); err != nil {
		t.Fatalf("Check: %v", err)
	}
	seen := map[uuid.UUID]bool{}
	revs := map[string]uint64{}
	var last uint64
	for e, err := range s.ReadAll(ctx, eventstore.ReadAllOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Position.Commit != last+1 || e.Position.Prepare != e.Position.Commit {
			t.Fatalf("position %v follows %d", e.Position, last)
		}
		last = e.Position.Commit
		if seen[e.ID] {
			t.Fatalf("event %s stored twice", e.ID)
		}
		seen[e.ID] = true
		if e.Revision != revs[e.Stream] {
			t.Fatalf("%s revision %d at position %d, want %d", e.Stream, e.Revision, last, revs[e.Stream])
		}
		revs[e.Stream]++
		if a, ok := acks[e.ID]; ok && (a.stream != e.Stream || a.revision != e.Revision || a.position != last) {
			t.Fatalf("event %s acknowledged as %+v, stored as %s@%d position %d", e.ID, a, e.Stream, e.Revision, last)
		}
	}
	for id, a := range acks {
		if !seen[id] {
			t.Errorf("acknowledged event %s (%+v) is missing after recovery", id, a)
		}
	}
	// Heads agree with the log: appending at the next revision works.
	for stream, n := range revs {
		if _, err := s.Append(ctx, stream, eventstore.Exact(n-1), eventstore.EventData{ID: uuid.New(), Type: "crash.final.v1", Data: []byte(`{}`)}); err != nil {
			t.Fatalf("Append(%s, Exact(%d)) after recovery: %v", stream, n-1, err)
		}
	}
	t.Logf("%d acknowledged events, %d stored, %d streams", len(acks), last, len(revs))
}

func tail(lines []string) []string {
	if len(lines) > 3 {
		return lines[len(lines)-3:]
	}
	return lines
}

// TestLockAcrossProcesses checks that another process cannot open a
// directory this one holds.
func TestLockAcrossProcesses(t *testing.T) {
	if os.Getenv(envChildMode) != "" {
		t.Skip("child process")
	}
	dir := t.TempDir()
	s, err := embedded.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := childCmd(t, "lock", dir).Output()
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	if !strings.Contains(string(out), "locked: ") || !strings.Contains(string(out), strconv.Itoa(os.Getpid())) {
		t.Errorf("child opening a locked directory printed %q, want ErrLocked naming pid %d", out, os.Getpid())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	out, err = childCmd(t, "lock", dir).Output()
	if err != nil || !strings.Contains(string(out), "opened") {
		t.Errorf("child opening a released directory printed %q (%v), want it to open", out, err)
	}
}
