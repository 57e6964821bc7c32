package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/remitflow/remitflow/domain/eventstore"
)

// progress reports long work on stderr. On a terminal it redraws one line
// (carriage return) with the count, the rate and, when the head of the log is
// known, how far through the log the work is; elsewhere (a file, a pipe, a
// test's buffer) it writes a plain line every few seconds, so logs stay
// readable.
type progress struct {
	w     io.Writer
	tty   bool
	label string
	// head is the global position the work ends at; zero when unknown.
	head     eventstore.Position
	now      func() time.Time
	start    time.Time
	last     time.Time
	every    time.Duration
	count    uint64
	pos      eventstore.Position
	drawn    bool
	finished bool
}

// Redraw intervals.
const (
	ttyRedrawEvery   = 100 * time.Millisecond
	plainReportEvery = 5 * time.Second
)

// newProgress returns a progress report on w labelled label ("verify",
// "rebuild", …).
func newProgress(w io.Writer, label string) *progress {
	p := &progress{w: w, tty: isTerminal(w), label: label, now: time.Now}
	p.start = p.now()
	p.last = p.start
	p.every = plainReportEvery
	if p.tty {
		p.every = ttyRedrawEvery
	}
	return p
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// SetHead sets the position the work will end at, so the report can show a
// percentage.
func (p *progress) SetHead(head eventstore.Position) { p.head = head }

// Step counts one event at pos and redraws when it is time. A nil progress
// ignores it.
func (p *progress) Step(pos eventstore.Position) {
	if p == nil {
		return
	}
	p.count++
	p.pos = pos
	if p.count%64 != 0 {
		return
	}
	if now := p.now(); now.Sub(p.last) >= p.every {
		p.last = now
		p.draw(now)
	}
}

// Count returns the number of events counted.
func (p *progress) Count() uint64 { return p.count }

// Elapsed returns the time since the report started.
func (p *progress) Elapsed() time.Duration { return p.now().Sub(p.start) }

// Done ends the report: on a terminal it draws the final line and moves to
// the next one. It is safe to call more than once, and on nil.
func (p *progress) Done() {
	if p == nil || p.finished {
		return
	}
	p.finished = true
	if p.tty && p.drawn {
		p.draw(p.now())
		fmt.Fprintln(p.w)
	}
}

func (p *progress) draw(now time.Time) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d events", p.label, p.count)
	if secs := now.Sub(p.start).Seconds(); secs > 0 {
		fmt.Fprintf(&b, ", %.0f/s", float64(p.count)/secs)
	}
	if p.head.Commit > 0 {
		pct := 100 * float64(p.pos.Commit) / float64(p.head.Commit)
		fmt.Fprintf(&b, ", %.1f%% of the log", min(pct, 100))
	}
	if p.tty {
		// Pad so a shorter line fully covers the previous one.
		fmt.Fprintf(p.w, "\r%-60s", b.String())
		p.drawn = true
		return
	}
	fmt.Fprintln(p.w, b.String())
}

// rate returns n per second over d, 0 for a zero duration.
func rate(n uint64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}
