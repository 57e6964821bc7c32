// Command genquality writes the labelled screening set testdata/quality.csv
// from the OFAC snapshot in adapters/sanctionslist/data: true matches derived from list names
// by the variations screening has to survive, and common names that are not
// on the list. It is deterministic: the same snapshot gives the same file.
//
//	go run ./domain/sanctions/testdata/genquality -dir domain/sanctions/testdata
//	go run ./domain/sanctions/testdata/genquality -dir domain/sanctions/testdata -seed 7 -out quality_holdout.csv
//
// quality.csv is the set the matcher was tuned on; quality_holdout.csv,
// drawn with another seed, was generated afterwards and only measured.
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

type entry struct {
	num      string
	name     string
	typ      string
	programs string
	remarks  string
	aliases  []string
	country  string
}

func main() {
	dir := flag.String("dir", "domain/sanctions/testdata", "testdata directory (output)")
	list := flag.String("list", "adapters/sanctionslist/data", "directory of the OFAC snapshot (sdn.csv, alt.csv, add.csv)")
	seed := flag.Uint64("seed", 20261121, "random seed")
	out := flag.String("out", "quality.csv", "output file name in dir")
	flag.Parse()
	entries := load(*list)
	rng := rand.New(rand.NewPCG(*seed, 6))

	var rows [][]string
	rows = append(rows, []string{"query", "dob", "country", "expected_ent_num", "variant"})
	rows = append(rows, trueMatches(entries, rng)...)
	rows = append(rows, lookAlikes(entries, rng)...)

	f, err := os.Create(filepath.Join(*dir, *out))
	if err != nil {
		log.Fatal(err)
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(rows)-1, "rows")
}

func readCSV(path string) [][]string {
	b, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimRight(string(b), "\x1a")))
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		log.Fatal(err)
	}
	for _, rec := range recs {
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
			if rec[i] == "-0-" {
				rec[i] = ""
			}
		}
	}
	return recs
}

func load(dir string) []*entry {
	var list []*entry
	by := map[string]*entry{}
	for _, r := range readCSV(filepath.Join(dir, "sdn.csv")) {
		if len(r) < 12 {
			continue
		}
		e := &entry{num: r[0], name: r[1], typ: r[2], programs: r[3], remarks: r[11]}
		list = append(list, e)
		by[e.num] = e
	}
	for _, r := range readCSV(filepath.Join(dir, "alt.csv")) {
		if len(r) >= 4 && by[r[0]] != nil {
			by[r[0]].aliases = append(by[r[0]].aliases, r[3])
		}
	}
	for _, r := range readCSV(filepath.Join(dir, "add.csv")) {
		if len(r) >= 5 && by[r[0]] != nil && by[r[0]].country == "" {
			by[r[0]].country = r[4]
		}
	}
	return list
}

var words = regexp.MustCompile(`[A-Za-z]+`)

// natural turns "SURNAME, Given Middle" into "Given Middle Surname" in title
// case; other names are title-cased.
func natural(name string) string {
	if last, first, ok := strings.Cut(name, ", "); ok && !strings.Contains(first, ",") {
		name = first + " " + last
	}
	return title(name)
}

func title(s string) string {
	f := strings.Fields(strings.ToLower(s))
	for i, w := range f {
		f[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(f, " ")
}

var dobRe = regexp.MustCompile(`DOB (\d{2}) (\w{3}) (\d{4})|DOB (\d{4})`)
var months = map[string]string{"Jan": "01", "Feb": "02", "Mar": "03", "Apr": "04", "May": "05", "Jun": "06", "Jul": "07", "Aug": "08", "Sep": "09", "Oct": "10", "Nov": "11", "Dec": "12"}

func firstDOB(remarks string) string {
	m := dobRe.FindStringSubmatch(remarks)
	switch {
	case m == nil:
		return ""
	case m[4] != "":
		return m[4]
	}
	return m[3] + "-" + months[m[2]] + "-" + m[1]
}

// spelling variants as transliterations of the same name differ.
var variants = [][2]string{
	{"muhammad", "mohammed"}, {"mohammad", "muhammad"}, {"mohamed", "mohammed"}, {"ahmad", "ahmed"},
	{"ahmed", "ahmad"}, {"husayn", "hussein"}, {"hussein", "husain"}, {"hasan", "hassan"},
	{"hassan", "hasan"}, {"abd al ", "abdul "}, {"abdul", "abd al "}, {"yusuf", "youssef"},
	{"umar", "omar"}, {"omar", "umar"}, {"ali", "aly"}, {"ou", "u"}, {"oo", "u"}, {"kh", "h"},
	{"ee", "i"}, {"iy", "i"}, {"ei", "ai"}, {"y", "i"}, {"q", "k"}, {"sh", "ch"}, {"dzh", "j"},
	{"zh", "j"}, {"ph", "f"}, {"aa", "a"}, {"ck", "k"}, {"w", "v"}, {"v", "w"}, {"ts", "tz"},
	{"ii", "y"}, {"ch", "tch"}, {"j", "dj"}, {"x", "ks"}, {"ll", "l"}, {"ss", "s"}, {"u", "ou"},
	{"i", "ee"}, {"e", "a"}, {"o", "u"},
}

func variant(s string, rng *rand.Rand) string {
	low := strings.ToLower(s)
	var ok []int
	for i, v := range variants {
		if strings.Contains(low, v[0]) {
			ok = append(ok, i)
		}
	}
	if len(ok) == 0 {
		return typo(s, rng)
	}
	// Prefer the earlier (name-specific) rules.
	v := variants[ok[rng.IntN(min(len(ok), 3))]]
	idx := strings.Index(low, v[0])
	return title(low[:idx] + v[1] + low[idx+len(v[0]):])
}

const letters = "abcdefghijklmnopqrstuvwxyz"

func typo(s string, rng *rand.Rand) string {
	f := strings.Fields(strings.ToLower(s))
	var long []int
	for i, w := range f {
		if len(w) >= 5 {
			long = append(long, i)
		}
	}
	if len(long) == 0 {
		return title(s)
	}
	i := long[rng.IntN(len(long))]
	w := []byte(f[i])
	p := 1 + rng.IntN(len(w)-1)
	if rng.IntN(6) == 0 {
		p = 0
	}
	switch rng.IntN(4) {
	case 0: // substitute
		w[p] = letters[rng.IntN(26)]
	case 1: // delete
		w = append(w[:p], w[p+1:]...)
	case 2: // transpose
		if p+1 < len(w) {
			w[p], w[p+1] = w[p+1], w[p]
		} else {
			w[p-1], w[p] = w[p], w[p-1]
		}
	default: // double
		w = append(w[:p+1], w[p:]...)
	}
	f[i] = string(w)
	return title(strings.Join(f, " "))
}

func dropMiddle(name string, rng *rand.Rand) (string, bool) {
	last, first, ok := strings.Cut(name, ", ")
	if !ok {
		return "", false
	}
	g := strings.Fields(first)
	if len(g) < 2 {
		return "", false
	}
	i := 1 + rng.IntN(len(g)-1)
	g = slices.Delete(g, i, i+1)
	return title(strings.Join(g, " ") + " " + last), true
}

var accents = map[byte][]string{'a': {"á", "à", "â"}, 'e': {"é", "è"}, 'i': {"í"}, 'o': {"ó", "ö"}, 'u': {"ú", "ü"}, 'n': {"ñ"}, 'c': {"ç"}}

func accent(s string, rng *rand.Rand) string {
	b := []byte(strings.ToLower(s))
	var out strings.Builder
	n := 0
	for i, c := range b {
		if a, ok := accents[c]; ok && n < 2 && i > 0 && rng.IntN(4) == 0 {
			out.WriteString(a[rng.IntN(len(a))])
			n++
			continue
		}
		out.WriteByte(c)
	}
	return out.String()
}

var toCyr = []struct{ lat, cyr string }{
	{"shch", "щ"}, {"kh", "х"}, {"zh", "ж"}, {"ts", "ц"}, {"ch", "ч"}, {"sh", "ш"}, {"yu", "ю"},
	{"ya", "я"}, {"yevgeny", "евгений"}, {"iy", "ий"}, {"yy", "ый"}, {"ye", "е"}, {"a", "а"}, {"b", "б"}, {"v", "в"},
	{"g", "г"}, {"d", "д"}, {"e", "е"}, {"z", "з"}, {"i", "и"}, {"y", "й"}, {"k", "к"},
	{"l", "л"}, {"m", "м"}, {"n", "н"}, {"o", "о"}, {"p", "п"}, {"r", "р"}, {"s", "с"},
	{"t", "т"}, {"u", "у"}, {"f", "ф"}, {"c", "к"}, {"h", "х"}, {"w", "в"}, {"x", "кс"}, {"j", "дж"}, {"q", "к"},
}

func cyrillic(s string) string {
	low := strings.ToLower(s)
	var out strings.Builder
	for i := 0; i < len(low); {
		matched := false
		for _, t := range toCyr {
			if strings.HasPrefix(low[i:], t.lat) {
				out.WriteString(t.cyr)
				i += len(t.lat)
				matched = true
				break
			}
		}
		if !matched {
			out.WriteByte(low[i])
			i++
		}
	}
	// Title case: upper-case the first letter of each word.
	f := strings.Fields(out.String())
	for i, w := range f {
		r := []rune(w)
		r[0] = []rune(strings.ToUpper(string(r[0])))[0]
		f[i] = string(r)
	}
	return strings.Join(f, " ")
}

var toArabic = []struct{ lat, ar string }{
	{"kh", "خ"}, {"sh", "ش"}, {"th", "ث"}, {"dh", "ذ"}, {"gh", "غ"}, {"aa", "ا"}, {"ou", "و"}, {"oo", "و"},
	{"ee", "ي"}, {"b", "ب"}, {"t", "ت"}, {"j", "ج"}, {"h", "ح"}, {"d", "د"}, {"r", "ر"}, {"z", "ز"},
	{"s", "س"}, {"f", "ف"}, {"q", "ق"}, {"k", "ك"}, {"l", "ل"}, {"m", "م"}, {"n", "ن"}, {"w", "و"},
	{"y", "ي"}, {"u", "و"}, {"i", "ي"}, {"g", "ج"}, {"c", "ك"}, {"v", "ف"}, {"p", "ب"}, {"x", "كس"},
}

// arabic writes a Latin-script Arabic name in Arabic script: a word's
// first vowel as alif, short 'a', 'e' and 'o' omitted, 'i' and 'u' as long
// vowels.
func arabic(s string) string {
	var words []string
	for _, w := range strings.Fields(strings.ToLower(s)) {
		var out strings.Builder
		for i := 0; i < len(w); {
			if i == 0 && strings.ContainsRune("aeiou", rune(w[0])) {
				out.WriteString("ا")
				i++
				continue
			}
			if strings.ContainsRune("aeo", rune(w[i])) && !strings.HasPrefix(w[i:], "aa") && !strings.HasPrefix(w[i:], "ou") && !strings.HasPrefix(w[i:], "oo") && !strings.HasPrefix(w[i:], "ee") {
				i++
				continue
			}
			matched := false
			for _, t := range toArabic {
				if strings.HasPrefix(w[i:], t.lat) {
					out.WriteString(t.ar)
					i += len(t.lat)
					matched = true
					break
				}
			}
			if !matched {
				i++
			}
		}
		words = append(words, out.String())
	}
	return strings.Join(words, " ")
}

func wordCount(s string) int { return len(words.FindAllString(s, -1)) }

func trueMatches(entries []*entry, rng *rand.Rand) [][]string {
	var pool, russian, arabicPool []*entry
	for _, e := range entries {
		if wordCount(e.name) < 2 || e.typ == "vessel" || e.typ == "aircraft" {
			continue
		}
		pool = append(pool, e)
		if e.typ == "individual" && (strings.Contains(e.programs, "RUSSIA") || strings.Contains(e.programs, "UKRAINE") || strings.Contains(e.programs, "BELARUS")) {
			russian = append(russian, e)
		}
		if e.typ == "individual" && (strings.Contains(e.programs, "SDGT") || strings.Contains(e.programs, "SYRIA") || strings.Contains(e.programs, "IRAQ")) && !strings.ContainsAny(e.name, "-'") {
			arabicPool = append(arabicPool, e)
		}
	}
	rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	rng.Shuffle(len(russian), func(i, j int) { russian[i], russian[j] = russian[j], russian[i] })
	rng.Shuffle(len(arabicPool), func(i, j int) { arabicPool[i], arabicPool[j] = arabicPool[j], arabicPool[i] })

	// Aliases that are names: at least two words, one of three letters or
	// more (not "S.A.S. E.U.").
	for _, e := range pool {
		e.aliases = slices.DeleteFunc(e.aliases, func(a string) bool {
			w := words.FindAllString(a, -1)
			return len(w) < 2 || !slices.ContainsFunc(w, func(s string) bool { return len(s) >= 3 })
		})
	}
	var rows [][]string
	row := func(e *entry, q, kind string, withFacts bool) {
		dob, country := "", ""
		if withFacts && e.typ == "individual" {
			dob, country = firstDOB(e.remarks), e.country
		}
		rows = append(rows, []string{q, dob, country, e.num, kind})
	}
	for i, e := range pool[:150] {
		facts := rng.IntN(2) == 0
		switch i % 8 {
		case 0:
			row(e, natural(e.name), "reordered", facts)
		case 1:
			row(e, typo(natural(e.name), rng), "typo", facts)
		case 2:
			row(e, variant(natural(e.name), rng), "spelling", facts)
		case 3:
			if len(e.aliases) > 0 {
				row(e, natural(e.aliases[rng.IntN(len(e.aliases))]), "alias", facts)
			} else {
				row(e, variant(e.name, rng), "spelling", facts)
			}
		case 4:
			if q, ok := dropMiddle(e.name, rng); ok {
				row(e, q, "dropped-middle", facts)
			} else {
				row(e, typo(e.name, rng), "typo", facts)
			}
		case 5:
			q := accent(natural(e.name), rng)
			if e.typ == "individual" {
				q = []string{"Mr. ", "Dr. ", "Sheikh ", "Haji "}[rng.IntN(4)] + q
			} else {
				q += []string{" LLC", " Ltd.", " Co., Ltd.", " S.A.", " GmbH"}[rng.IntN(5)]
			}
			row(e, q, "honorific-accents", facts)
		case 6:
			row(e, typo(variant(natural(e.name), rng), rng), "spelling+typo", facts)
		case 7:
			if len(e.aliases) > 0 {
				row(e, typo(e.aliases[rng.IntN(len(e.aliases))], rng), "alias+typo", facts)
			} else {
				row(e, strings.ToUpper(e.name), "as-listed", facts)
			}
		}
	}
	for _, e := range russian[:16] {
		row(e, cyrillic(natural(e.name)), "cyrillic", rng.IntN(2) == 0)
	}
	for _, e := range arabicPool[:10] {
		row(e, arabic(natural(e.name)), "arabic-script", rng.IntN(2) == 0)
	}
	return rows
}

// Common given names and surnames from the regions the list covers most,
// and from the remittance corridors' customer base.
var (
	givenNames = strings.Fields(`Mohammed Ahmed Ali Omar Hassan Hussein Ibrahim Youssef Khalid Tariq
		Fatima Aisha Mariam Layla Zainab Nour Amina Samir Karim Walid Jose Juan Carlos Luis Miguel
		Maria Ana Carmen Rosa Guadalupe Alejandro Fernando Jorge Sergei Vladimir Dmitri Alexei Olga
		Natalia Irina Ivan Andrei Nikolai Wei Li Ming Jun Hui Reza Ali-Reza Mehdi Parisa Farhad Kim
		Park Min-jun Ji-woo John James Mary Patricia Robert Michael David Sarah Chinedu Oluwaseun
		Amaka Kwame Abena Wanjiru Otieno Achieng Mwangi Grace Joseph Peter Samuel Esther Blessing
		Rahul Priya Arjun Sunita Nguyen Thi Van Anh Duc Minh Giorgos Eleni`)
	surnames = strings.Fields(`Haddad Khoury Saleh Mansour Nasser Aziz Farouk Hamdan Rahman Karimi
		Hosseini Ahmadi Rezaei Moradi Garcia Martinez Lopez Gonzalez Hernandez Perez Sanchez Ramirez
		Torres Flores Rivera Gomez Diaz Reyes Morales Ivanov Smirnov Kuznetsov Popov Sokolov Lebedev
		Kozlov Novikov Morozov Petrov Volkov Wang Zhang Liu Chen Yang Huang Zhao Wu Zhou Kim Lee
		Park Choi Jung Smith Johnson Williams Brown Jones Miller Davis Wilson Taylor Anderson
		Okafor Adeyemi Okonkwo Mensah Owusu Kamau Odhiambo Njoroge Mutua Wambui Sharma Patel Singh
		Kumar Gupta Tran Le Pham Hoang Papadopoulos Georgiou`)
)

// Hand-picked real-world names (public figures, common company names) that
// resemble list entries but are not on the list.
var handPicked = [][3]string{
	{"Omar Sharif", "", ""}, {"Ahmed Zewail", "", ""}, {"Mohamed Salah", "1992-06-15", "EG"},
	{"Vladimir Nabokov", "", ""}, {"Hassan Rouhani", "", ""}, {"Yusuf Islam", "", ""},
	{"Naguib Mahfouz", "", ""}, {"Abdel Halim Hafez", "", ""}, {"Ali Khamis", "", ""},
	{"Hasan Minhaj", "", ""}, {"Ayman Mohyeldin", "", ""}, {"Riz Ahmed", "", ""},
	{"Sergey Brin", "", ""}, {"Dmitri Mendeleev", "", ""}, {"Pablo Escobar Gaviria", "", ""},
	{"Gabriel Garcia Marquez", "", ""}, {"Carlos Santana", "", ""}, {"Rafael Nadal", "", ""},
	{"Salma Hayek", "", ""}, {"Fatima Bhutto", "", ""}, {"Malala Yousafzai", "", ""},
	{"Imran Khan", "", ""}, {"Shah Rukh Khan", "", ""}, {"Ahmad Shah Massoud Foundation", "", ""},
	{"Kofi Annan", "", ""}, {"Wangari Maathai", "", ""}, {"Chimamanda Ngozi Adichie", "", ""},
	{"Banco Nacional de Costa Rica", "", ""}, {"Banco Nacional de Mexico", "", ""},
	{"National Bank of Kenya", "", ""}, {"Caribbean Airlines Limited", "", ""},
	{"Anglo American PLC", "", ""}, {"Casa de Campo Resort", "", ""},
	{"Emirates Islamic Bank", "", ""}, {"Dubai Islamic Bank", "", ""}, {"Bank Muscat", "", ""},
	{"Safaricom PLC", "", ""}, {"Equity Bank Kenya Limited", "", ""}, {"MTN Group Limited", "", ""},
	{"Royal Caribbean Cruises Ltd", "", ""}, {"Gulf Air Company", "", ""},
	{"Sberbank Europe Holding", "", ""}, {"Lukoil Marketing UK", "", ""},
	{"Al Jazeera Media Network", "", ""}, {"Saudi Aramco", "", ""}, {"Qatar Airways", "", ""},
	{"Petroleos Mexicanos", "", ""}, {"Korea Exchange Bank", "", ""},
	{"Iranian Carpet Gallery Ltd", "", ""}, {"Saudi Arabian Airlines", "", ""},
}

// onList reports whether every word of q appears, spelled exactly so, in
// one list name: such a name is on the list and cannot be a look-alike.
func onList(q string, names [][]string) bool {
	qw := strings.Fields(strings.ToLower(strings.Join(words.FindAllString(q, -1), " ")))
	for _, n := range names {
		all := true
		for _, w := range qw {
			if !slices.Contains(n, w) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

func lookAlikes(entries []*entry, rng *rand.Rand) [][]string {
	var names [][]string
	for _, e := range entries {
		for _, n := range append([]string{e.name}, e.aliases...) {
			names = append(names, strings.Fields(strings.ToLower(strings.Join(words.FindAllString(n, -1), " "))))
		}
	}
	var rows [][]string
	for _, h := range handPicked {
		if onList(h[0], names) {
			continue
		}
		rows = append(rows, []string{h[0], h[1], h[2], "", "look-alike"})
	}
	countries := []string{"", "", "KE", "NG", "MX", "PH", "IN", "GB", "US", "EG"}
	for len(rows) < 130 {
		q := givenNames[rng.IntN(len(givenNames))] + " " + surnames[rng.IntN(len(surnames))]
		if onList(q, names) || slices.ContainsFunc(rows, func(r []string) bool { return r[0] == q }) {
			continue
		}
		dob, country := "", ""
		if rng.IntN(3) == 0 {
			dob = fmt.Sprintf("%d-%02d-%02d", 1955+rng.IntN(45), 1+rng.IntN(12), 1+rng.IntN(28))
			country = countries[rng.IntN(len(countries))]
		}
		rows = append(rows, []string{q, dob, country, "", "look-alike"})
	}
	return rows
}
