package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/remitflow/remitflow/domain/eventstore"
)

// fakeProgress returns a progress report on a buffer whose clock moves only
// when the test says so.
func fakeProgress(tty bool) (*progress, *bytes.Buffer, *time.Time) {
	var buf bytes.Buffer
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	p := newProgress(&buf, "verify")
	p.now = func() time.Time { return now }
	p.start, p.last, p.tty = now, now, tty
	p.every = plainReportEvery
	if tty {
		p.every = ttyRedrawEvery
	}
	return p, &buf, &now
}

func steps(p *progress, from, n uint64) {
	for i := range n {
		p.Step(eventstore.Position{Commit: from + i + 1, Prepare: from + i + 1})
	}
}

func TestProgressPlainLines(t *testing.T) {
	p, buf, now := fakeProgress(false)
	p.SetHead(eventstore.Position{Commit: 1000, Prepare: 1000})
	steps(p, 0, 128)
	if buf.Len() != 0 {
		t.Fatalf("wrote %q before the interval passed", buf.String())
	}
	*now = now.Add(plainReportEvery)
	steps(p, 128, 128)
	if got, want := buf.String(), "verify: 192 events, 38/s, 19.2% of the log\n"; got != want {
		t.Errorf("plain report = %q, want %q", got, want)
	}
	p.Done()
	if strings.Count(buf.String(), "\n") != 1 || strings.Contains(buf.String(), "\r") {
		t.Errorf("plain report after Done = %q, want one line and no carriage returns", buf.String())
	}
	if p.Count() != 256 {
		t.Errorf("Count = %d, want 256", p.Count())
	}
}

func TestProgressTerminalRedraw(t *testing.T) {
	p, buf, now := fakeProgress(true)
	*now = now.Add(time.Second)
	steps(p, 0, 64)
	*now = now.Add(time.Second)
	steps(p, 64, 64)
	p.Done()
	p.Done()
	out := buf.String()
	if strings.Count(out, "\r") != 3 || !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 {
		t.Errorf("terminal report = %q, want three redraws and one final newline", out)
	}
	if !strings.Contains(out, "\rverify: 128 events, 64/s") {
		t.Errorf("terminal report = %q, want the final count and rate", out)
	}
}

func TestProgressNil(t *testing.T) {
	var p *progress
	p.Step(eventstore.Position{Commit: 1})
	p.Done()
}
