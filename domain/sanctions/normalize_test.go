package sanctions

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func words(toks []token) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.s
	}
	return out
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"AL-ZAWAHIRI, Dr. Ayman", []string{"ayman", "zawahiri"}},
		{"José María PÉREZ", []string{"jose", "maria", "perez"}},
		{"O'Brien, Seán", []string{"sean", "obrien"}},
		{"Van Le", []string{"le"}},
		{"LE, Van Thanh", []string{"thanh", "le"}},
		{"Gaviotas S.A. de C.V.", []string{"gaviotas"}},
		{"ANGLO-CARIBBEAN CO., LTD.", []string{"anglo", "caribbean"}},
		{"CORPORACION CIMEX, S.A.", []string{"corporacion", "cimex"}},
		{"Usama bin Muhammad bin Awad BIN LADIN", []string{"usama", "muhammad", "awad", "ladin"}},
		{"Sheikh Haji Mullah Omar", []string{"omar"}},
		{"Dr.", []string{"dr"}},
		{"Straße Øresund Łódź", []string{"strasse", "oresund", "lodz"}},
		{"Владимир Путин", []string{"vladimir", "putin"}},
		{"Аркадий Ротенберг", []string{"arkadiy", "rotenberg"}},
		{"Αλέξης Τσίπρας", []string{"alexis", "tsipras"}},
		{"محمد", []string{"mhmd"}},
		{"U.S.A. Trading", []string{"usa", "trading"}},
		{"  \t!!! ,,, ", nil},
		{"", nil},
	}
	for _, tt := range tests {
		got := words(normalize(tt.in))
		if !slices.Equal(got, tt.want) {
			t.Errorf("normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeOtherScriptsAndInvalidUTF8(t *testing.T) {
	for _, in := range []string{"习近平", "金正恩", "नरेंद्र मोदी", "\xff\xfe bad \xc0", "a\u0301\u0301\u0301", "😀 smile"} {
		toks := normalize(in)
		for _, tk := range toks {
			if tk.s == "" {
				t.Errorf("normalize(%q) has an empty word", in)
			}
		}
	}
	if got := words(normalize("习近平")); len(got) != 1 || got[0] != "习近平" {
		t.Errorf("normalize(习近平) = %q, want the name kept as one word", got)
	}
	if tk := normalize("محمد"); !tk[0].abjad {
		t.Error("Arabic word not marked abjad")
	}
}

func TestSkeleton(t *testing.T) {
	same := [][]string{
		{"mohammed", "muhammad", "mohamad", "mohamed"},
		{"hussein", "husayn", "husain"},
		{"zawahiri", "sawahiri", "zawahry"},
		{"philip", "filip"},
		{"abdullah", "abdulla"},
	}
	for _, group := range same {
		for _, w := range group[1:] {
			if skeleton(w) != skeleton(group[0]) {
				t.Errorf("skeleton(%q) = %q, skeleton(%q) = %q: want equal", w, skeleton(w), group[0], skeleton(group[0]))
			}
		}
	}
	if skeleton("smith") == skeleton("garcia") {
		t.Error("skeleton(smith) == skeleton(garcia)")
	}
	if got := skeleton(strings.Repeat("bcd", 100)); len(got) > 64 {
		t.Errorf("skeleton of a long word has %d bytes, want at most 64", len(got))
	}
}

func TestJaroWinkler(t *testing.T) {
	tests := []struct {
		a, b string
		want float64
	}{
		{"martha", "marhta", 0.961},
		{"dwayne", "duane", 0.840},
		{"dixon", "dicksonx", 0.813},
		{"abc", "abc", 1},
		{"abc", "xyz", 0},
		{"", "abc", 0},
		{"", "", 0},
	}
	for _, tt := range tests {
		got := jaroWinkler(tt.a, tt.b)
		if math.Abs(got-tt.want) > 0.001 {
			t.Errorf("jaroWinkler(%q, %q) = %.4f, want %.3f", tt.a, tt.b, got, tt.want)
		}
		if back := jaroWinkler(tt.b, tt.a); back != got {
			t.Errorf("jaroWinkler(%q, %q) = %.4f, not symmetric (%.4f)", tt.b, tt.a, back, got)
		}
	}
	long := strings.Repeat("ab", 100)
	if got := jaroWinkler(long, long+"c"); got < 0.99 || got > 1 {
		t.Errorf("jaroWinkler of long words = %.4f", got)
	}
}

func TestCountryCode(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"Iran", "IR", true},
		{"ir", "IR", true},
		{"Korea, North", "KP", true},
		{"Congo, Democratic Republic of the", "CD", true},
		{"Jalisco, Mexico", "MX", true},
		{"UK", "GB", true},
		{"Cote d'Ivoire", "CI", true},
		{"Atlantis", "", false},
		{"ZZ", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := CountryCode(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("CountryCode(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseDOBs(t *testing.T) {
	tests := []struct {
		remarks string
		want    []DOB
	}{
		{"DOB 12 Jan 1960.", []DOB{{From: Date{1960, 1, 12}}}},
		{"DOB 1962; POB Cairo", []DOB{{From: Date{Year: 1962}}}},
		{"DOB circa 1970", []DOB{{From: Date{Year: 1970}, Circa: true}}},
		{"DOB Feb 1971", []DOB{{From: Date{Year: 1971, Month: 2}}}},
		{"DOB 1960 to 1962", []DOB{{From: Date{Year: 1960}, To: Date{Year: 1962}}}},
		{"DOB 01 Jan 1970 to 31 Dec 1971", []DOB{{From: Date{1970, 1, 1}, To: Date{1971, 12, 31}}}},
		{"DOB circa 1979-1982", []DOB{{From: Date{Year: 1979}, To: Date{Year: 1982}, Circa: true}}},
		{"DOB 1938; alt. DOB 1936; nationality Iraq", []DOB{{From: Date{Year: 1938}}, {From: Date{Year: 1936}}}},
		{"DOB unknown; DOB 31 Foo 1960; DOB 1962 to 1950; DOB 32 Jan 1960", nil},
		{"Passport 123; Gender Male", nil},
	}
	for _, tt := range tests {
		if got := parseDOBs(tt.remarks); !slices.Equal(got, tt.want) {
			t.Errorf("parseDOBs(%q) = %+v, want %+v", tt.remarks, got, tt.want)
		}
	}
	if s := (DOB{From: Date{1960, 1, 12}}).String(); s != "12 Jan 1960" {
		t.Errorf("DOB.String() = %q", s)
	}
	if s := (DOB{From: Date{Year: 1960}, To: Date{Year: 1962}, Circa: true}).String(); s != "circa 1960 to 1962" {
		t.Errorf("DOB.String() = %q", s)
	}
}

func TestParseDate(t *testing.T) {
	good := map[string]Date{
		"1960-01-12": {1960, 1, 12},
		"1960-02":    {Year: 1960, Month: 2},
		"1960":       {Year: 1960},
		"2000-02-29": {2000, 2, 29},
		"":           {},
	}
	for in, want := range good {
		got, err := ParseDate(in)
		if err != nil || got != want {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", in, got, err, want)
		}
		if in != "" && got.String() != in {
			t.Errorf("ParseDate(%q).String() = %q", in, got.String())
		}
	}
	for _, in := range []string{"12/01/1960", "1960-13-01", "1961-02-29", "1960-1-1", "60", "abcd", "1960-01-12-01", "1700", "1960-00"} {
		if d, err := ParseDate(in); err == nil {
			t.Errorf("ParseDate(%q) = %v, want ErrInvalidQuery", in, d)
		}
	}
}

func TestCompareDOB(t *testing.T) {
	listed := DOB{From: Date{1960, 1, 12}}
	tests := []struct {
		q    Date
		want dobMatch
	}{
		{Date{1960, 1, 12}, dobExact},
		{Date{1960, 1, 13}, dobYear},
		{Date{Year: 1960}, dobYear},
		{Date{Year: 1962}, dobNear},
		{Date{Year: 1975}, dobDiffers},
	}
	for _, tt := range tests {
		if got := compareDOB(tt.q, listed); got != tt.want {
			t.Errorf("compareDOB(%v, %v) = %d, want %d", tt.q, listed, got, tt.want)
		}
	}
	if got := compareDOB(Date{Year: 1972}, DOB{From: Date{Year: 1970}, Circa: true}); got != dobYear {
		t.Errorf("circa 1970 vs 1972 = %d, want dobYear", got)
	}
}
