package sanctions

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// BenchmarkScreen screens the names of the labelled set, in turn, against
// the full list, and reports the 50th and 99th percentile latency of one
// screening.
func BenchmarkScreen(b *testing.B) {
	_, s := loadFull(b)
	set := loadQualitySet(b)
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q := set[i%len(set)].q
		t0 := time.Now()
		if _, err := s.Screen(q); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	if n := len(lat); n > 0 {
		b.ReportMetric(float64(lat[n/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[n*99/100].Microseconds()), "p99-µs")
	}
}

// BenchmarkQuality reports recall and false-positive rate on the labelled
// set at the default threshold.
func BenchmarkQuality(b *testing.B) {
	_, s := loadFull(b)
	set := loadQualitySet(b)
	var f qualityFigures
	for b.Loop() {
		f = measureQuality(b, s, set)
	}
	b.ReportMetric(f.recall(), "recall")
	b.ReportMetric(f.fpRate(), "fp-rate")
}

// BenchmarkLoad parses the full list and builds its index.
func BenchmarkLoad(b *testing.B) {
	var files [3][]byte
	for i, n := range []string{"sdn.csv", "alt.csv", "add.csv"} {
		var err error
		if files[i], err = os.ReadFile(filepath.Join("testdata", n)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		l, err := Parse(bytes.NewReader(files[0]), bytes.NewReader(files[1]), bytes.NewReader(files[2]), testLoadedAt)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := NewScreener(l, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
