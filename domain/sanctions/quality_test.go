package sanctions

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// qualityCase is one row of testdata/quality.csv.
type qualityCase struct {
	q        Query
	expected int // ent_num, 0 for a look-alike that must not hit
	variant  string
}

func loadQualitySet(tb testing.TB) []qualityCase { return loadLabelled(tb, "quality.csv") }

// loadLabelled reads a labelled set from testdata (see testdata/genquality).
func loadLabelled(tb testing.TB, name string) []qualityCase {
	tb.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	var out []qualityCase
	for i, r := range recs[1:] {
		dob, err := ParseDate(r[1])
		if err != nil {
			tb.Fatalf("%s line %d: %v", name, i+2, err)
		}
		c := qualityCase{q: Query{Name: r[0], DOB: dob, Country: r[2]}, variant: r[4]}
		if r[3] != "" {
			if c.expected, err = strconv.Atoi(r[3]); err != nil {
				tb.Fatalf("%s line %d: %v", name, i+2, err)
			}
		}
		out = append(out, c)
	}
	return out
}

// qualityFigures screens the labelled set: recall is the share of true
// matches whose expected entry is among the hits; the false-positive rate
// is the share of look-alikes with any hit.
type qualityFigures struct {
	trueN, found, lookN, falsePos int
	misses, fps                   []string
}

func (f qualityFigures) recall() float64 { return float64(f.found) / float64(f.trueN) }
func (f qualityFigures) fpRate() float64 { return float64(f.falsePos) / float64(f.lookN) }

func measureQuality(tb testing.TB, s *Screener, set []qualityCase) qualityFigures {
	tb.Helper()
	var f qualityFigures
	for _, c := range set {
		r, err := s.Screen(c.q)
		if err != nil {
			tb.Fatalf("Screen(%q): %v", c.q.Name, err)
		}
		if c.expected == 0 {
			f.lookN++
			if r.Hit() {
				f.falsePos++
				h := r.Hits[0]
				f.fps = append(f.fps, c.q.Name+" → "+h.MatchedName+" "+strconv.FormatFloat(h.Score, 'f', 3, 64)+" "+h.Reasons[0])
			}
			continue
		}
		f.trueN++
		hit := false
		for _, h := range r.Hits {
			if h.EntNum == c.expected {
				hit = true
			}
		}
		if hit {
			f.found++
		} else {
			e, _ := s.List().Entry(c.expected)
			f.misses = append(f.misses, c.variant+": "+c.q.Name+" ≠ "+e.Name+" best "+strconv.FormatFloat(r.BestScore, 'f', 3, 64))
		}
	}
	return f
}

// TestQuality measures recall and false positives at the default threshold
// on testdata/quality.csv (the set the matcher was tuned on) and asserts
// recall ≥ 0.98 and a false-positive rate ≤ 2%; it also reports the
// figures on testdata/quality_holdout.csv, drawn after tuning with another
// seed.
func TestQuality(t *testing.T) {
	_, s := loadFull(t)
	set := loadQualitySet(t)
	f := measureQuality(t, s, set)
	if f.trueN < 100 || f.lookN < 100 {
		t.Fatalf("quality set has %d true and %d look-alike names, want at least 100 of each", f.trueN, f.lookN)
	}
	t.Logf("threshold %.2f: recall %.4f (%d/%d), false positives %.4f (%d/%d)",
		s.Options().Threshold, f.recall(), f.found, f.trueN, f.fpRate(), f.falsePos, f.lookN)
	for _, m := range f.misses {
		t.Logf("missed  %s", m)
	}
	for _, m := range f.fps {
		t.Logf("false + %s", m)
	}
	if f.recall() < 0.98 {
		t.Errorf("recall %.4f < 0.98", f.recall())
	}
	if f.fpRate() > 0.02 {
		t.Errorf("false-positive rate %.4f > 0.02", f.fpRate())
	}
}

func TestQualityHoldout(t *testing.T) {
	_, s := loadFull(t)
	f := measureQuality(t, s, loadLabelled(t, "quality_holdout.csv"))
	t.Logf("holdout, threshold %.2f: recall %.4f (%d/%d), false positives %.4f (%d/%d)",
		s.Options().Threshold, f.recall(), f.found, f.trueN, f.fpRate(), f.falsePos, f.lookN)
	for _, m := range f.misses {
		t.Logf("missed  %s", m)
	}
	for _, m := range f.fps {
		t.Logf("false + %s", m)
	}
}
