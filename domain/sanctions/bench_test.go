package sanctions

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"
)

// BenchmarkScreen screens the names of the labelled set, in turn, against
// the full list. Besides ns/op it reports the 50th and 99th percentile wall
// latency of one screening and, on Linux, the same percentiles of the CPU
// time the screening thread used and the screenings per CPU-second: on a
// shared machine, wall time includes waiting for a core.
func BenchmarkScreen(b *testing.B) {
	_, s := loadFull(b)
	set := loadQualitySet(b)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	_, haveCPU := threadCPU()
	wall := make([]time.Duration, 0, 1024)
	cpu := make([]time.Duration, 0, 1024)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q := set[i%len(set)].q
		c0, _ := threadCPU()
		t0 := time.Now()
		if _, err := s.Screen(q); err != nil {
			b.Fatal(err)
		}
		wall = append(wall, time.Since(t0))
		if haveCPU {
			c1, _ := threadCPU()
			cpu = append(cpu, c1-c0)
		}
	}
	b.StopTimer()
	reportPercentiles(b, wall, "wall")
	if haveCPU && len(cpu) > 0 {
		reportPercentiles(b, cpu, "cpu")
		var total time.Duration
		for _, c := range cpu {
			total += c
		}
		b.ReportMetric(float64(len(cpu))/total.Seconds(), "screens/cpu-s")
	}
}

func reportPercentiles(b *testing.B, d []time.Duration, kind string) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2].Microseconds()), "p50-"+kind+"-µs")
	b.ReportMetric(float64(d[len(d)*99/100].Microseconds()), "p99-"+kind+"-µs")
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
		if files[i], err = os.ReadFile(filepath.Join(snapshotDir, n)); err != nil {
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
