package sanctionslist

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/remitflow/remitflow/adapters/eventstore/memory"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/sanctions"
)

var t0 = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

// smallList returns list files with n entries (n ≥ 2).
func smallList(n int) Files {
	var sdn, alt, add strings.Builder
	sdn.WriteString("10,\"DOE, John\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 12 Jan 1960; nationality Iran.\"\r\n")
	sdn.WriteString("20,\"ACME TRADING LLC\",-0- ,\"IRAN\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n")
	for i := 2; i < n; i++ {
		fmt.Fprintf(&sdn, "%d,\"PERSON%d, Given\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n", 100+i, i)
	}
	sdn.WriteString("\x1a")
	alt.WriteString("10,1,\"aka\",\"DOE, Johnny\",-0- \r\n\x1a")
	add.WriteString("20,1,-0- ,\"Tehran\",\"Iran\",-0- \r\n\x1a")
	return Files{[]byte(sdn.String()), []byte(alt.String()), []byte(add.String())}
}

func writeDir(t *testing.T, dir string, f Files) {
	t.Helper()
	for i, n := range FileNames {
		if err := os.WriteFile(filepath.Join(dir, n), f[i], 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

type fixture struct {
	store  *memory.Store
	holder *sanctions.Holder
	loader *Loader
	mu     sync.Mutex
	hooked []sanctions.Version
}

func newFixture(t *testing.T, src Source) *fixture {
	t.Helper()
	f := &fixture{store: memory.New(), holder: &sanctions.Holder{}}
	var err error
	f.loader, err = New(Config{
		Source: src,
		Store:  f.store,
		Holder: f.holder,
		Clock:  command.ClockFunc(func() time.Time { return t0 }),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		OnNewVersion: func(_ context.Context, v sanctions.Version, s *sanctions.Screener) {
			f.mu.Lock()
			defer f.mu.Unlock()
			if s.List().Version() != v {
				t.Errorf("OnNewVersion: screener version %v, want %v", s.List().Version(), v)
			}
			f.hooked = append(f.hooked, v)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.store.Close() })
	return f
}

func (f *fixture) events(t *testing.T) []sanctions.ListLoaded {
	t.Helper()
	var out []sanctions.ListLoaded
	for ev, err := range f.store.ReadStream(t.Context(), "sanctions-ofac", eventstore.ReadStreamOptions{}) {
		if errors.Is(err, eventstore.ErrStreamNotFound) {
			return nil
		}
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type != sanctions.EventListLoaded {
			t.Fatalf("event type %q, want %q", ev.Type, sanctions.EventListLoaded)
		}
		var l sanctions.ListLoaded
		if err := json.Unmarshal(ev.Data, &l); err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

func TestRefreshFromDirectoryRecordsEachVersionOnce(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	writeDir(t, dir, smallList(3))
	f := newFixture(t, &DirSource{Dir: dir})

	out, err := f.loader.Refresh(ctx)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if !out.Installed || !out.Recorded || out.Version.Entries != 3 || out.Version.Aliases != 1 {
		t.Fatalf("first Refresh = %+v, want installed and recorded with 3 entries, 1 alias", out)
	}
	evs := f.events(t)
	if len(evs) != 1 {
		t.Fatalf("%d events, want 1", len(evs))
	}
	want := sanctions.ListLoaded{VersionID: out.Version.ID, Entries: 3, Aliases: 1, Addresses: 1, Source: "file:" + dir, LoadedAt: t0}
	if evs[0] != want {
		t.Errorf("event = %+v, want %+v", evs[0], want)
	}
	res, err := f.holder.Screen(sanctions.Query{Name: "John Doe"})
	if err != nil || !res.Hit() || res.Hits[0].EntNum != 10 || res.ListVersion.ID != out.Version.ID {
		t.Errorf("Screen(John Doe) = %+v, %v; want a hit on 10 with the loaded version", res, err)
	}

	// Unchanged files: not modified, nothing appended.
	out2, err := f.loader.Refresh(ctx)
	if err != nil || !out2.NotModified || out2.Installed || out2.Recorded {
		t.Errorf("second Refresh = %+v, %v; want not modified", out2, err)
	}
	// Same content rewritten (new mtime): parsed, same version, nothing appended.
	later := time.Now().Add(time.Hour)
	for _, n := range FileNames {
		if err := os.Chtimes(filepath.Join(dir, n), later, later); err != nil {
			t.Fatal(err)
		}
	}
	out3, err := f.loader.Refresh(ctx)
	if err != nil || out3.Installed || out3.Recorded || out3.Version.ID != out.Version.ID {
		t.Errorf("Refresh after touch = %+v, %v; want same version, nothing recorded", out3, err)
	}
	if n := len(f.events(t)); n != 1 {
		t.Errorf("%d events after reloading the same list, want 1", n)
	}

	// A new list: recorded, hook called.
	writeDir(t, dir, smallList(4))
	out4, err := f.loader.Refresh(ctx)
	if err != nil || !out4.Installed || !out4.Recorded || out4.Version.Entries != 4 {
		t.Fatalf("Refresh with a new list = %+v, %v", out4, err)
	}
	if n := len(f.events(t)); n != 2 {
		t.Errorf("%d events, want 2", n)
	}
	if len(f.hooked) != 2 || f.hooked[1].ID != out4.Version.ID {
		t.Errorf("OnNewVersion calls = %v, want the two versions", f.hooked)
	}
	if err := command.Verify(ctx, f.store, "sanctions-ofac"); err != nil {
		t.Errorf("hash chain: %v", err)
	}
}

func TestBadListsKeepThePreviousInForce(t *testing.T) {
	good := smallList(6)
	truncated := good
	truncated[0] = good[0][:len(good[0])/2]
	noFields := good
	noFields[1] = []byte("10,1\r\n")
	badNum := good
	badNum[0] = []byte("x1,\"A\",\"individual\",\"SDGT\"\r\n")
	orphan := good
	orphan[2] = []byte("999,1,-0- ,\"Tehran\",\"Iran\",-0- \r\n")
	empty := good
	empty[1] = []byte("\x1a")
	tests := []struct {
		name  string
		files Files
		want  error
	}{
		{"truncated sdn", truncated, sanctions.ErrMalformedList},
		{"too few fields", noFields, sanctions.ErrMalformedList},
		{"bad ent_num", badNum, sanctions.ErrMalformedList},
		{"address of unknown entry", orphan, sanctions.ErrMalformedList},
		{"empty alt", empty, sanctions.ErrMalformedList},
		{"shrunk by more than half", smallList(2), ErrSuspiciousList},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeDir(t, dir, good)
			f := newFixture(t, &DirSource{Dir: dir})
			first, err := f.loader.Refresh(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			writeDir(t, dir, tt.files)
			_, err = f.loader.Refresh(t.Context())
			if !errors.Is(err, tt.want) {
				t.Fatalf("Refresh = %v, want %v", err, tt.want)
			}
			if got := f.holder.Current().List().Version(); got != first.Version {
				t.Errorf("version in force = %v, want %v", got, first.Version)
			}
			if n := len(f.events(t)); n != 1 {
				t.Errorf("%d events, want 1", n)
			}
		})
	}
}

func TestMissingDirectoryIsAFetchError(t *testing.T) {
	f := newFixture(t, &DirSource{Dir: filepath.Join(t.TempDir(), "absent")})
	if _, err := f.loader.Refresh(t.Context()); !errors.Is(err, ErrFetch) {
		t.Errorf("Refresh = %v, want ErrFetch", err)
	}
	if _, err := f.holder.Screen(sanctions.Query{Name: "x"}); !errors.Is(err, sanctions.ErrNoList) {
		t.Errorf("Screen with no list = %v, want ErrNoList", err)
	}
}

func TestAVersionThatComesBackIsRecordedAgain(t *testing.T) {
	dir := t.TempDir()
	f := newFixture(t, &DirSource{Dir: dir})
	for i, n := range []int{3, 4, 3} {
		writeDir(t, dir, smallList(n))
		stamp := time.Now().Add(time.Duration(i) * time.Hour)
		for _, fn := range FileNames {
			if err := os.Chtimes(filepath.Join(dir, fn), stamp, stamp); err != nil {
				t.Fatal(err)
			}
		}
		if out, err := f.loader.Refresh(t.Context()); err != nil || !out.Recorded {
			t.Fatalf("Refresh %d = %+v, %v; want recorded", i, out, err)
		}
	}
	evs := f.events(t)
	if len(evs) != 3 || evs[0].VersionID != evs[2].VersionID || evs[0].VersionID == evs[1].VersionID {
		t.Errorf("events = %+v, want v1, v2, v1", evs)
	}
}

// listServer serves list files with ETags and counts conditional hits.
type listServer struct {
	mu       sync.Mutex
	files    Files
	status   int // when non-zero, every request gets it
	short    bool
	notMod   int
	requests int
}

func (s *listServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if s.status != 0 {
		w.WriteHeader(s.status)
		return
	}
	for i, n := range FileNames {
		if r.URL.Path != "/ofac/"+n {
			continue
		}
		etag := fmt.Sprintf("%q", fmt.Sprintf("%x", len(s.files[i]))+n+fmt.Sprint(s.files[i][len(s.files[i])/3]))
		if r.Header.Get("If-None-Match") == etag {
			s.notMod++
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		if s.short {
			w.Header().Set("Content-Length", fmt.Sprint(len(s.files[i])+100))
		}
		w.Write(s.files[i])
		return
	}
	http.NotFound(w, r)
}

func TestRefreshOverHTTPWithConditionalGET(t *testing.T) {
	ls := &listServer{files: smallList(3)}
	srv := httptest.NewServer(ls)
	defer srv.Close()
	src := &HTTPSource{BaseURL: srv.URL + "/ofac", Client: srv.Client()}
	f := newFixture(t, src)
	ctx := t.Context()

	first, err := f.loader.Refresh(ctx)
	if err != nil || !first.Recorded {
		t.Fatalf("Refresh = %+v, %v", first, err)
	}
	if out, err := f.loader.Refresh(ctx); err != nil || !out.NotModified {
		t.Errorf("second Refresh = %+v, %v; want not modified", out, err)
	}
	if ls.notMod != 3 {
		t.Errorf("%d conditional 304 answers, want 3", ls.notMod)
	}

	ls.mu.Lock()
	ls.status = http.StatusInternalServerError
	ls.mu.Unlock()
	if _, err := f.loader.Refresh(ctx); !errors.Is(err, ErrFetch) {
		t.Errorf("Refresh on HTTP 500 = %v, want ErrFetch", err)
	}

	ls.mu.Lock()
	ls.status, ls.short, ls.files = 0, true, smallList(5)
	ls.mu.Unlock()
	if _, err := f.loader.Refresh(ctx); !errors.Is(err, ErrFetch) {
		t.Errorf("Refresh of a cut-short download = %v, want ErrFetch", err)
	}
	if got := f.holder.Current().List().Version(); got != first.Version {
		t.Errorf("after failures the version in force is %v, want %v", got, first.Version)
	}

	ls.mu.Lock()
	ls.short = false
	ls.mu.Unlock()
	out, err := f.loader.Refresh(ctx)
	if err != nil || !out.Recorded || out.Version.Entries != 5 {
		t.Errorf("Refresh of a new list = %+v, %v", out, err)
	}
	if out.Version.ID == first.Version.ID {
		t.Error("new list has the old version ID")
	}
}

func TestHTTPSourceHonoursContext(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(block)
	ctx, cancel := context.WithCancel(t.Context())
	src := &HTTPSource{BaseURL: srv.URL, Client: srv.Client()}
	go cancel()
	if _, err := src.Fetch(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestEmbeddedSnapshotLoads(t *testing.T) {
	f := newFixture(t, &EmbeddedSource{})
	out, err := f.loader.Refresh(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if out.Version.Entries < 8000 || out.Version.Aliases < 10000 || !out.Recorded {
		t.Errorf("embedded snapshot = %+v, want the full list recorded", out)
	}
	if out, err := f.loader.Refresh(t.Context()); err != nil || !out.NotModified {
		t.Errorf("second Refresh = %+v, %v; want not modified", out, err)
	}
	res, err := f.holder.Screen(sanctions.Query{Name: "Hasan Nasrallah", Kind: sanctions.KindIndividual})
	if err != nil || !res.Hit() || res.Hits[0].EntNum != 2686 {
		t.Errorf("Screen(Hasan Nasrallah) = %+v, %v", res, err)
	}
}

func TestRunRefreshesUntilCancelled(t *testing.T) {
	dir := t.TempDir()
	writeDir(t, dir, smallList(3))
	ctx, cancel := context.WithCancel(t.Context())
	f := &fixture{store: memory.New(), holder: &sanctions.Holder{}}
	defer f.store.Close()
	l, err := New(Config{
		Source:       &DirSource{Dir: dir},
		Store:        f.store,
		Holder:       f.holder,
		Clock:        command.ClockFunc(func() time.Time { return t0 }),
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		OnNewVersion: func(context.Context, sanctions.Version, *sanctions.Screener) { cancel() },
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
	if f.holder.Current() == nil {
		t.Error("Run did not install a list")
	}
}

func TestNewRefusesIncompleteConfig(t *testing.T) {
	ok := Config{Source: &EmbeddedSource{}, Store: memory.New(), Holder: &sanctions.Holder{}, Clock: command.ClockFunc(time.Now)}
	for name, mutate := range map[string]func(*Config){
		"no source":         func(c *Config) { c.Source = nil },
		"no store":          func(c *Config) { c.Store = nil },
		"no holder":         func(c *Config) { c.Holder = nil },
		"no clock":          func(c *Config) { c.Clock = nil },
		"negative interval": func(c *Config) { c.Interval = -time.Second },
	} {
		c := ok
		mutate(&c)
		if _, err := New(c); err == nil {
			t.Errorf("New with %s: no error", name)
		}
	}
	if _, err := New(ok); err != nil {
		t.Errorf("New(valid config) = %v", err)
	}
}

func TestArchiveKeepsEveryVersionForReplay(t *testing.T) {
	dir, arch := t.TempDir(), t.TempDir()
	f := newFixture(t, &DirSource{Dir: dir})
	f.loader.cfg.ArchiveDir = arch
	var ids []string
	for i, n := range []int{3, 4} {
		writeDir(t, dir, smallList(n))
		stamp := time.Now().Add(time.Duration(i) * time.Hour)
		for _, fn := range FileNames {
			if err := os.Chtimes(filepath.Join(dir, fn), stamp, stamp); err != nil {
				t.Fatal(err)
			}
		}
		out, err := f.loader.Refresh(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, out.Version.ID)
	}
	for i, id := range ids {
		l, err := OpenArchived(arch, id, t0)
		if err != nil {
			t.Fatalf("OpenArchived(%s): %v", id, err)
		}
		if l.Version().ID != id || l.Len() != 3+i {
			t.Errorf("archived version %d = %v", i, l.Version())
		}
	}
	if _, err := OpenArchived(arch, strings.Repeat("0", 64), t0); !errors.Is(err, ErrArchive) {
		t.Errorf("OpenArchived(unknown) = %v, want ErrArchive", err)
	}
	if _, err := OpenArchived(arch, "../x", t0); !errors.Is(err, ErrArchive) {
		t.Errorf("OpenArchived(../x) = %v, want ErrArchive", err)
	}
	// Tampered files no longer hash to their version.
	if err := os.WriteFile(filepath.Join(arch, ids[0], "add.csv"), []byte("20,9,-0-,-0-,\"Iran\",-0-\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenArchived(arch, ids[0], t0); !errors.Is(err, ErrArchive) {
		t.Errorf("OpenArchived(tampered) = %v, want ErrArchive", err)
	}
}

func TestArchiveFailureKeepsThePreviousList(t *testing.T) {
	dir := t.TempDir()
	writeDir(t, dir, smallList(3))
	f := newFixture(t, &DirSource{Dir: dir})
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	f.loader.cfg.ArchiveDir = filepath.Join(blocker, "archive") // under a file: cannot be created
	if _, err := f.loader.Refresh(t.Context()); !errors.Is(err, ErrArchive) {
		t.Fatalf("Refresh = %v, want ErrArchive", err)
	}
	if f.holder.Current() != nil || len(f.events(t)) != 0 {
		t.Error("a list that could not be archived was installed or recorded")
	}
	// Once the archive works, the same (unchanged) files are read again.
	f.loader.cfg.ArchiveDir = t.TempDir()
	out, err := f.loader.Refresh(t.Context())
	if err != nil || !out.Installed || !out.Recorded {
		t.Errorf("Refresh after fixing the archive = %+v, %v; want the list installed", out, err)
	}
}
