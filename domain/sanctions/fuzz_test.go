package sanctions

import (
	"errors"
	"strings"
	"testing"
)

func FuzzScreen(f *testing.F) {
	for _, s := range []string{"Hasan Nasrallah", "", " ", "AL-ZAWAHIRI, Dr. Ayman", "محمد بن سلمان", "Владимир", "习近平",
		"S.A. S.A.", "\xff\xfe", "a\u0301\u0301", strings.Repeat("ab ", 200), "O'Neil--,,..", "alalalalal elelel"} {
		f.Add(s, "1960-01-02", "IR", "individual")
	}
	f.Add("Banco Nacional de Cuba", "", "", "")
	f.Add("x", "1960", "Korea, North", "entity")
	_, s := loadFull(f)
	f.Fuzz(func(t *testing.T, name, dob, country, kind string) {
		d, err := ParseDate(dob)
		if err != nil && !errors.Is(err, ErrInvalidQuery) {
			t.Fatalf("ParseDate(%q) = %v", dob, err)
		}
		r, err := s.Screen(Query{Name: name, DOB: d, Country: country, Kind: Kind(kind)})
		if err != nil {
			if !errors.Is(err, ErrEmptyName) && !errors.Is(err, ErrNameTooLong) && !errors.Is(err, ErrInvalidQuery) {
				t.Fatalf("Screen(%q) = %v: not a typed error", name, err)
			}
			return
		}
		if r.BestScore < 0 || r.BestScore > 1 || len(r.Hits) > s.Options().MaxHits {
			t.Fatalf("Screen(%q) = %+v", name, r)
		}
		for i, h := range r.Hits {
			if h.Score < r.Threshold || h.Score > 1 || h.Score > r.BestScore || i > 0 && h.Score > r.Hits[i-1].Score {
				t.Fatalf("Screen(%q): bad hit %d: %+v", name, i, h)
			}
		}
	})
}

func FuzzParse(f *testing.F) {
	f.Add(tinySDN, tinyALT, tinyADD)
	f.Add("10,\"A\",\"individual\",\"X\"\n", "", "")
	f.Add("10,\"A, \"\"B\"\"\",-0- ,\"X\",,,,,,,,\"DOB circa 1979-1982; alt. DOB 01 Jan 1970 to 31 Dec 1971\"\r\n\x1a", "10,1,\"nka\",\"Z\",-0-\n", "10,1,-0-,-0-,\"Korea, North\",-0-\n")
	f.Add("\"unterminated\n", "x", "y")
	f.Fuzz(func(t *testing.T, sdn, alt, add string) {
		l, err := Parse(strings.NewReader(sdn), strings.NewReader(alt), strings.NewReader(add), testLoadedAt)
		if err != nil {
			if l != nil || !errors.Is(err, ErrMalformedList) {
				t.Fatalf("Parse = %v, %v: want nil and ErrMalformedList", l, err)
			}
			return
		}
		v := l.Version()
		if v.Entries != l.Len() || v.Entries == 0 || len(v.ID) != 64 {
			t.Fatalf("Version() = %+v with %d entries", v, l.Len())
		}
		aliases := 0
		for _, e := range l.Entries() {
			aliases += len(e.Aliases)
			if got, ok := l.Entry(e.Num); !ok || got.Num != e.Num {
				t.Fatalf("Entry(%d) not found", e.Num)
			}
		}
		if aliases != v.Aliases {
			t.Fatalf("%d aliases, version says %d", aliases, v.Aliases)
		}
		s, err := NewScreener(l, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range l.Entries() {
			if _, err := s.Screen(Query{Name: e.Name}); err != nil && !errors.Is(err, ErrEmptyName) && !errors.Is(err, ErrNameTooLong) {
				t.Fatalf("Screen(%q) = %v", e.Name, err)
			}
		}
	})
}
