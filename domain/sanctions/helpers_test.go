package sanctions

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var testLoadedAt = time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)

var (
	fullOnce     sync.Once
	fullList     *List
	fullScreener *Screener
	fullErr      error
)

// snapshotDir holds the real OFAC snapshot; it is the copy the platform
// embeds as its default list.
var snapshotDir = filepath.Join("..", "..", "adapters", "sanctionslist", "data")

// loadFull parses the real OFAC snapshot once per test binary.
func loadFull(tb testing.TB) (*List, *Screener) {
	tb.Helper()
	fullOnce.Do(func() {
		open := func(n string) *os.File {
			f, err := os.Open(filepath.Join(snapshotDir, n))
			if err != nil {
				fullErr = err
				return nil
			}
			return f
		}
		sdn, alt, add := open("sdn.csv"), open("alt.csv"), open("add.csv")
		if fullErr != nil {
			return
		}
		defer sdn.Close()
		defer alt.Close()
		defer add.Close()
		fullList, fullErr = Parse(sdn, alt, add, testLoadedAt)
		if fullErr != nil {
			return
		}
		fullScreener, fullErr = NewScreener(fullList, Options{})
	})
	if fullErr != nil {
		tb.Fatalf("load full list: %v", fullErr)
	}
	return fullList, fullScreener
}

func readTestdata(tb testing.TB) [3][]byte {
	tb.Helper()
	var files [3][]byte
	for i, n := range []string{"sdn.csv", "alt.csv", "add.csv"} {
		b, err := os.ReadFile(filepath.Join(snapshotDir, n))
		if err != nil {
			tb.Fatal(err)
		}
		files[i] = b
	}
	return files
}
