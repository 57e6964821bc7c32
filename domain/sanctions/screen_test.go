package sanctions

import (
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

func screen(t *testing.T, s *Screener, q Query) Result {
	t.Helper()
	r, err := s.Screen(q)
	if err != nil {
		t.Fatalf("Screen(%+v): %v", q, err)
	}
	return r
}

func hitFor(r Result, entNum int) (Hit, bool) {
	for _, h := range r.Hits {
		if h.EntNum == entNum {
			return h, true
		}
	}
	return Hit{}, false
}

func TestScreenFindsListedNamesInAnyForm(t *testing.T) {
	_, s := loadFull(t)
	tests := []struct {
		name   string
		entNum int
	}{
		{"NASRALLAH, Hasan", 2686},
		{"Hasan Nasrallah", 2686},
		{"hassan nasralla", 2686},
		{"Ayman al-Zawahiri", 2676},
		{"Dr Ayman Al Zawahiry", 2676},
		{"Osama bin Laden", 6365},
		{"Usama Bin Ladin", 6365},
		{"Banco Nacional de Cuba", 306},
		{"National Bank of Cuba", 306},
		{"Аркадий Ротенберг", 16669},
		{"Anglo Caribbean Company Limited", 173},
	}
	for _, tt := range tests {
		r := screen(t, s, Query{Name: tt.name})
		if _, ok := hitFor(r, tt.entNum); !ok {
			t.Errorf("Screen(%q): no hit on %d; hits %+v (best %.3f)", tt.name, tt.entNum, r.Hits, r.BestScore)
		}
	}
}

func TestScreenExplainsHits(t *testing.T) {
	l, s := loadFull(t)
	r := screen(t, s, Query{Name: "National Bank of Cuba"})
	h, ok := hitFor(r, 306)
	if !ok {
		t.Fatalf("no hit on 306: %+v", r)
	}
	if h.Name != "BANCO NACIONAL DE CUBA" || h.MatchedName != "NATIONAL BANK OF CUBA" || h.AliasType != AliasAKA || h.AliasNum != 220 ||
		!slices.Equal(h.Programs, []string{"CUBA"}) || h.Type != TypeEntity || len(h.EntryHash) != 64 {
		t.Errorf("hit = %+v", h)
	}
	if len(h.Reasons) == 0 || !strings.HasPrefix(h.Reasons[0], "token-set 1.000") {
		t.Errorf("reasons = %q, want the token-set score first", h.Reasons)
	}
	if r.ListVersion != l.Version() || r.Threshold != DefaultThreshold || r.BestScore != h.Score {
		t.Errorf("result = %+v", r)
	}
	typo := screen(t, s, Query{Name: "Hasan Nasralah"})
	th, ok := hitFor(typo, 2686)
	if !ok || !strings.Contains(th.Reasons[0], "nasralah~nasrallah") || th.Score >= 1 {
		t.Errorf("typo hit = %+v", th)
	}
}

func TestScreenWordOrderDoesNotMatter(t *testing.T) {
	_, s := loadFull(t)
	a := screen(t, s, Query{Name: "ROTENBERG, Arkady"})
	b := screen(t, s, Query{Name: "Arkady Rotenberg"})
	if a.BestScore != b.BestScore || len(a.Hits) == 0 || a.Hits[0].EntNum != b.Hits[0].EntNum {
		t.Errorf("reordered names differ: %+v vs %+v", a, b)
	}
}

func TestScreenDateOfBirthAndCountry(t *testing.T) {
	_, s := loadFull(t)
	base := screen(t, s, Query{Name: "Hasan Nasrallah"})
	bh, _ := hitFor(base, 2686)

	same := screen(t, s, Query{Name: "Hassan Nasralla", DOB: Date{1960, 8, 31}, Country: "LB"})
	h, ok := hitFor(same, 2686)
	if !ok || !slices.Contains(h.Reasons, "dob matches 31 Aug 1960") || !slices.Contains(h.Reasons, "country matches LB") || h.Score <= h.NameScore {
		t.Errorf("matching DOB and country: %+v", h)
	}

	other := screen(t, s, Query{Name: "Hasan Nasrallah", DOB: Date{Year: 1990}, Country: "Kenya"})
	h, ok = hitFor(other, 2686)
	if ok {
		t.Errorf("clearly different DOB and country still a hit: %+v", h)
	}
	if other.BestScore >= bh.Score {
		t.Errorf("best score with conflicting facts %.3f, want below %.3f", other.BestScore, bh.Score)
	}

	strict, err := NewScreener(s.List(), Options{ExcludeOnDOBMismatch: true, Threshold: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := hitFor(screen(t, strict, Query{Name: "Hasan Nasrallah", DOB: Date{Year: 1990}}), 2686); ok {
		t.Error("ExcludeOnDOBMismatch kept a candidate whose listed DOBs are all far away")
	}
	if _, ok := hitFor(screen(t, strict, Query{Name: "Hasan Nasrallah", DOB: Date{Year: 1961}}), 2686); !ok {
		t.Error("ExcludeOnDOBMismatch dropped a candidate a year off")
	}
}

func TestScreenKind(t *testing.T) {
	_, s := loadFull(t)
	// "HERMANN" is a vessel (4234).
	if _, ok := hitFor(screen(t, s, Query{Name: "Hermann"}), 4234); !ok {
		t.Error("KindAny: no hit on vessel HERMANN")
	}
	if _, ok := hitFor(screen(t, s, Query{Name: "Hermann", Kind: KindIndividual}), 4234); ok {
		t.Error("KindIndividual hit a vessel")
	}
	if _, ok := hitFor(screen(t, s, Query{Name: "Hermann", Kind: KindEntity}), 4234); !ok {
		t.Error("KindEntity: no hit on a vessel")
	}
	if _, ok := hitFor(screen(t, s, Query{Name: "Hasan Nasrallah", Kind: KindEntity}), 2686); ok {
		t.Error("KindEntity hit an individual")
	}
}

func TestScreenResultOrderAndLimit(t *testing.T) {
	l, _ := loadFull(t)
	s, err := NewScreener(l, Options{Threshold: 0.75, MaxHits: 3})
	if err != nil {
		t.Fatal(err)
	}
	r := screen(t, s, Query{Name: "Mohammed Hassan"})
	if len(r.Hits) != 3 {
		t.Fatalf("%d hits, want MaxHits 3", len(r.Hits))
	}
	for i, h := range r.Hits {
		if h.Score < 0.75 || h.Score > 1 || h.NameScore < 0 || h.NameScore > 1 {
			t.Errorf("hit %d score %.3f / name %.3f out of range", i, h.Score, h.NameScore)
		}
		if i > 0 && (h.Score > r.Hits[i-1].Score || h.Score == r.Hits[i-1].Score && h.EntNum < r.Hits[i-1].EntNum) {
			t.Errorf("hits out of order: %+v", r.Hits)
		}
	}
	if r.BestScore != r.Hits[0].Score {
		t.Errorf("BestScore %.3f, first hit %.3f", r.BestScore, r.Hits[0].Score)
	}
}

func TestScreenNoMatch(t *testing.T) {
	_, s := loadFull(t)
	r := screen(t, s, Query{Name: "Zyxwvut Qqqqq"})
	if r.Hit() || r.BestScore >= r.Threshold {
		t.Errorf("nonsense name: %+v", r)
	}
}

func TestScreenRejectsBadQueries(t *testing.T) {
	_, s := loadFull(t)
	tests := []struct {
		q    Query
		want error
	}{
		{Query{Name: ""}, ErrEmptyName},
		{Query{Name: "   "}, ErrEmptyName},
		{Query{Name: "?!,.-"}, ErrEmptyName},
		{Query{Name: strings.Repeat("a", MaxNameBytes+1)}, ErrNameTooLong},
		{Query{Name: "John", Kind: "robot"}, ErrInvalidQuery},
	}
	for _, tt := range tests {
		if _, err := s.Screen(tt.q); !errors.Is(err, tt.want) {
			t.Errorf("Screen(%.40q, kind %q) = %v, want %v", tt.q.Name, tt.q.Kind, err, tt.want)
		}
	}
	// The longest accepted name, of many words, still screens.
	long := strings.Repeat("Hasan Nasrallah ", MaxNameBytes/16)[:MaxNameBytes]
	if _, err := s.Screen(Query{Name: long}); err != nil {
		t.Errorf("Screen(%d-byte name) = %v", len(long), err)
	}
	if _, err := s.Screen(Query{Name: "习近平"}); err != nil {
		t.Errorf("Screen(CJK name) = %v", err)
	}
}

func TestNewScreenerOptions(t *testing.T) {
	l, _ := loadFull(t)
	for _, o := range []Options{{Threshold: -0.1}, {Threshold: 1.1}, {Threshold: math.NaN()}, {MaxHits: -1}} {
		if _, err := NewScreener(l, o); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("NewScreener(%+v) = %v, want ErrInvalidOptions", o, err)
		}
	}
	if _, err := NewScreener(nil, Options{}); !errors.Is(err, ErrNoList) {
		t.Errorf("NewScreener(nil) = %v, want ErrNoList", err)
	}
	s, err := NewScreener(l, Options{})
	if err != nil || s.Options().Threshold != DefaultThreshold || s.Options().MaxHits != 10 {
		t.Errorf("defaults = %+v, %v", s.Options(), err)
	}
}

func TestHolder(t *testing.T) {
	var h Holder
	if _, err := h.Screen(Query{Name: "x"}); !errors.Is(err, ErrNoList) {
		t.Errorf("empty Holder.Screen = %v, want ErrNoList", err)
	}
	l, err := parseStrings(tinySDN, tinyALT, tinyADD)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewScreener(l, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if old := h.Replace(s); old != nil {
		t.Errorf("first Replace returned %p", old)
	}
	if h.Replace(nil) != s || h.Current() != s {
		t.Error("Replace(nil) changed the screener in force")
	}
	r, err := h.Screen(Query{Name: "Johnny Doe"})
	if err != nil || !r.Hit() || r.Hits[0].EntNum != 10 || r.Hits[0].MatchedName != "DOE, Johnny" {
		t.Errorf("Holder.Screen = %+v, %v", r, err)
	}
}

func TestEntryHashChangesWithEntry(t *testing.T) {
	a, _ := parseStrings(tinySDN, tinyALT, tinyADD)
	b, _ := parseStrings(tinySDN, strings.Replace(tinyALT, "Johnny", "Jonny", 1), tinyADD)
	sa, _ := NewScreener(a, Options{})
	sb, _ := NewScreener(b, Options{})
	ra, _ := sa.Screen(Query{Name: "John Doe"})
	rb, _ := sb.Screen(Query{Name: "John Doe"})
	ha, _ := hitFor(ra, 10)
	hb, _ := hitFor(rb, 10)
	if ha.EntryHash == "" || ha.EntryHash == hb.EntryHash {
		t.Errorf("entry hash %q vs %q: want different after an alias changed", ha.EntryHash, hb.EntryHash)
	}
	ra2, _ := sa.Screen(Query{Name: "Acme Trading"})
	rb2, _ := sb.Screen(Query{Name: "Acme Trading"})
	if ra2.Hits[0].EntryHash != rb2.Hits[0].EntryHash {
		t.Error("entry hash of an unchanged entry changed")
	}
	if h, ok := a.EntryHash(10); !ok || h != ha.EntryHash {
		t.Errorf("List.EntryHash(10) = %q, %v; want the hit's %q", h, ok, ha.EntryHash)
	}
	if _, ok := a.EntryHash(12345); ok {
		t.Error("List.EntryHash of a missing entry")
	}
}

func TestScreenConcurrently(t *testing.T) {
	_, s := loadFull(t)
	set := loadQualitySet(t)
	want := make([]Result, len(set))
	for i, c := range set {
		want[i] = screen(t, s, c.q)
	}
	errs := make(chan string, 4*len(set))
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range set {
				j := (i + g*len(set)/4) % len(set)
				got, err := s.Screen(set[j].q)
				if err != nil || !reflect.DeepEqual(got, want[j]) {
					errs <- set[j].q.Name
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for name := range errs {
		t.Errorf("concurrent Screen(%q) differs from the sequential result", name)
	}
}

func TestEditSim(t *testing.T) {
	tests := []struct {
		a, b string
		want float64
	}{
		{"ransatlantic", "transatlantic", 1 - 1.0/13},
		{"khalili", "xhalili", 1 - 1.0/7},
		{"abcde", "abcde", 1},
		{"abc", "abd", 0},           // too short
		{"abcdefgh", "zyxwvuts", 0}, // too far apart
		{"abcdefghij", "abcdefghijklmnop", 0},
	}
	for _, tt := range tests {
		if got := editSim(tt.a, tt.b); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("editSim(%q, %q) = %.4f, want %.4f", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestNameScoreAlignment(t *testing.T) {
	_, s := loadFull(t)
	sc := s.scratch.Get().(*scratch)
	defer s.scratch.Put(sc)
	score := func(q, c string) (float64, string) {
		var b strings.Builder
		v := s.nameScore(normalize(q), normalize(c), sc, &b)
		return v, b.String()
	}
	tests := []struct {
		q, c     string
		min, max float64
	}{
		{"Hasan Nasrallah", "NASRALLAH, Hasan", 1, 1},
		{"Barly Offshore", "BARLY OFF-SHORE", 0.95, 1},       // joined word
		{"Abdul Rahman Yasin", "ABDULRAHMAN YASIN", 0.95, 1}, // split word
		{"Talal Naji", "NAJI, Talal Muhammad Rashid", 0.89, 0.91},
		{"Gilberto Jose Rodriguez Orejuela", "RODRIGUEZ OREJUELA, Gilberto", 0.89, 0.91},
		{"Nasrallah", "NASRALLAH, Hasan", 0, 0.81},
		{"John Smith", "NASRALLAH, Hasan", 0, 0},
	}
	for _, tt := range tests {
		got, why := score(tt.q, tt.c)
		if got < tt.min || got > tt.max {
			t.Errorf("nameScore(%q, %q) = %.3f (%s), want in [%.2f, %.2f]", tt.q, tt.c, got, why, tt.min, tt.max)
		}
	}
}
