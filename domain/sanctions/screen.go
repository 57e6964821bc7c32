package sanctions

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// MaxNameBytes is the longest query name Screen accepts.
const MaxNameBytes = 512

// maxQueryTokens bounds the words of a query that are matched; later words
// are ignored.
const maxQueryTokens = 16

// DefaultThreshold is the score at or above which a name is a hit when
// Options.Threshold is zero. It was chosen on the labelled set in
// testdata/quality.csv (see quality_test.go).
const DefaultThreshold = 0.88

// Kind says what a query names.
type Kind string

// Query kinds. KindAny screens against every entry; KindIndividual only
// against individuals; KindEntity against entities, vessels and aircraft.
const (
	KindAny        Kind = ""
	KindIndividual Kind = "individual"
	KindEntity     Kind = "entity"
)

// Query is a name to screen, with optional corroborating facts.
type Query struct {
	// Name is required: at most MaxNameBytes bytes, any script, in any
	// word order ("SURNAME, Given" or "Given Surname").
	Name string
	// DOB is the date of birth, if known (zero otherwise).
	DOB Date
	// Country is an ISO 3166-1 alpha-2 code or a country name (nationality
	// or residence), if known. Unknown countries are ignored.
	Country string
	// Kind restricts the entry types screened against.
	Kind Kind
}

// Options tunes a Screener. The zero Options is valid.
type Options struct {
	// Threshold is the score (0 to 1] at or above which a name is a hit;
	// 0 means DefaultThreshold.
	Threshold float64
	// MaxHits bounds the hits returned; 0 means 10.
	MaxHits int
	// ExcludeOnDOBMismatch drops candidates whose listed dates of birth are
	// all more than three years from the query's, instead of lowering
	// their score.
	ExcludeOnDOBMismatch bool
}

// Score adjustments for corroborating and conflicting facts.
const (
	boostDOBExact  = 0.06
	boostDOBYear   = 0.03
	penaltyDOB     = 0.12
	boostCountry   = 0.02
	penaltyCountry = 0.04
)

// minCandidateScore is the least name score for a name to be considered
// at all (and to count towards Result.BestScore).
const minCandidateScore = 0.70

// Hit is one list entry that matched a query, with the reasons.
type Hit struct {
	// EntNum, Name, Type and Programs describe the list entry.
	EntNum   int       `json:"ent_num"`
	Name     string    `json:"name"`
	Type     EntryType `json:"type"`
	Programs []string  `json:"programs"`
	// EntryHash is a hex SHA-256 over the entry's content (names, aliases,
	// dates, programmes, addresses, remarks): it changes when the list
	// changes what it says about the entry.
	EntryHash string `json:"entry_hash"`
	// MatchedName is the name or alias that matched; AliasType is "" for
	// the primary name, else the alias's type, and AliasNum its number.
	MatchedName string    `json:"matched_name"`
	AliasType   AliasType `json:"alias_type,omitempty"`
	AliasNum    int       `json:"alias_num,omitempty"`
	// NameScore is the name similarity alone; Score adds date-of-birth and
	// country signals. Both are in [0, 1], rounded to three decimals.
	NameScore float64 `json:"name_score"`
	Score     float64 `json:"score"`
	// Reasons explain the score, e.g. "token-set 0.962 (hasan,
	// nasralah~nasrallah 0.98)", "dob matches 31 Aug 1960", "country
	// differs (listed LB)".
	Reasons []string `json:"reasons"`
}

// Result is the outcome of one screening.
type Result struct {
	// ListVersion is the version of the list screened against.
	ListVersion Version `json:"list_version"`
	// Threshold is the hit threshold applied.
	Threshold float64 `json:"threshold"`
	// BestScore is the highest score among the names scored, hit or not
	// (0 when none was). Names whose word overlap cannot reach the
	// threshold are not scored, so a BestScore below the threshold is a
	// lower bound of the best similarity.
	BestScore float64 `json:"best_score"`
	// Hits are the entries scoring at least Threshold, best first (ties by
	// ent_num), at most Options.MaxHits.
	Hits []Hit `json:"hits"`
}

// Hit reports whether any entry scored at or above the threshold.
func (r Result) Hit() bool { return len(r.Hits) > 0 }

// Screener screens names against one List. It is immutable and safe for
// concurrent use.
type Screener struct {
	list      *List
	opts      Options
	ix        *index
	entryHash []string
	scratch   sync.Pool
}

// NewScreener indexes list. It returns ErrInvalidOptions when the threshold
// is outside [0, 1] or MaxHits is negative, and ErrNoList for a nil list.
func NewScreener(list *List, opts Options) (*Screener, error) {
	if list == nil {
		return nil, fmt.Errorf("new screener: %w", ErrNoList)
	}
	if opts.Threshold < 0 || opts.Threshold > 1 || opts.Threshold != opts.Threshold {
		return nil, fmt.Errorf("new screener: %w: threshold %v not in [0, 1]", ErrInvalidOptions, opts.Threshold)
	}
	if opts.MaxHits < 0 {
		return nil, fmt.Errorf("new screener: %w: MaxHits %d < 0", ErrInvalidOptions, opts.MaxHits)
	}
	if opts.Threshold == 0 {
		opts.Threshold = DefaultThreshold
	}
	if opts.MaxHits == 0 {
		opts.MaxHits = 10
	}
	s := &Screener{list: list, opts: opts, ix: buildIndex(list)}
	s.entryHash = make([]string, len(list.entries))
	for i := range list.entries {
		s.entryHash[i] = entryHash(&list.entries[i])
	}
	s.scratch.New = func() any {
		return &scratch{
			qmask:    make([]uint16, len(s.ix.names)),
			cmask:    make([]uint32, len(s.ix.names)),
			bestName: make([]int32, len(list.entries)),
		}
	}
	return s, nil
}

// List returns the list the screener screens against.
func (s *Screener) List() *List { return s.list }

// Options returns the options in effect, defaults filled in.
func (s *Screener) Options() Options { return s.opts }

type scratch struct {
	qmask    []uint16 // per name: query words that share a key with it
	cmask    []uint32 // per name: its words that share a key with the query
	touched  []int32  // names with a non-zero qmask
	bestName []int32  // per entry: 1 + index in cands of its best name, 0 none
	cands    []cand
	keys     []string
	sims     []float64
}

type cand struct {
	name  int32
	score float64
}

// Screen scores q against the list. It returns ErrEmptyName when the name
// is blank or has no letters or digits, ErrNameTooLong when it exceeds
// MaxNameBytes, and ErrInvalidQuery for an unknown Kind.
func (s *Screener) Screen(q Query) (Result, error) {
	if len(q.Name) > MaxNameBytes {
		return Result{}, fmt.Errorf("screen: %w: %d bytes (max %d)", ErrNameTooLong, len(q.Name), MaxNameBytes)
	}
	switch q.Kind {
	case KindAny, KindIndividual, KindEntity:
	default:
		return Result{}, fmt.Errorf("screen: %w: kind %q", ErrInvalidQuery, q.Kind)
	}
	qt := normalize(q.Name)
	if len(qt) == 0 {
		return Result{}, fmt.Errorf("screen: %w", ErrEmptyName)
	}
	if len(qt) > maxQueryTokens {
		qt = qt[:maxQueryTokens]
	}
	country, _ := CountryCode(q.Country)
	res := Result{ListVersion: s.list.version, Threshold: s.opts.Threshold}

	sc := s.scratch.Get().(*scratch)
	defer s.scratch.Put(sc)
	s.collect(qt, sc)

	// Score the names that could reach the threshold given how many query
	// words share keys with them, keeping the best name per entry.
	sc.cands = sc.cands[:0]
	maxAdj := 0.0
	if !q.DOB.IsZero() {
		maxAdj += boostDOBExact
	}
	if country != "" {
		maxAdj += boostCountry
	}
	for _, id := range sc.touched {
		hits := min(bits.OnesCount16(sc.qmask[id]), bits.OnesCount32(sc.cmask[id]))
		bound := scoreBound(hits, len(qt), int(s.ix.ntoks[id]))
		if bound+maxAdj < s.opts.Threshold {
			continue
		}
		if q.Kind == KindIndividual && !s.ix.person[id] || q.Kind == KindEntity && s.ix.person[id] {
			continue
		}
		n := &s.ix.names[id]
		if maxAdj > 0 {
			adj, _, exclude := s.corroborate(&s.list.entries[n.entry], q.DOB, country, false)
			if exclude || bound+adj < s.opts.Threshold {
				continue
			}
		}
		score := s.nameScore(qt, n.toks, sc, nil)
		if score < minCandidateScore {
			continue
		}
		if b := sc.bestName[n.entry]; b == 0 {
			sc.cands = append(sc.cands, cand{name: id, score: score})
			sc.bestName[n.entry] = int32(len(sc.cands))
		} else if c := &sc.cands[b-1]; score > c.score {
			c.name, c.score = id, score
		}
	}
	for _, id := range sc.touched {
		sc.qmask[id], sc.cmask[id] = 0, 0
		sc.bestName[s.ix.names[id].entry] = 0
	}

	for _, c := range sc.cands {
		n := &s.ix.names[c.name]
		e := &s.list.entries[n.entry]
		adj, _, exclude := s.corroborate(e, q.DOB, country, false)
		if exclude {
			continue
		}
		score := clamp01(c.score + adj)
		if score > res.BestScore {
			res.BestScore = score
		}
		if score < s.opts.Threshold {
			continue
		}
		var detail strings.Builder
		s.nameScore(qt, n.toks, sc, &detail)
		_, facts, _ := s.corroborate(e, q.DOB, country, true)
		reasons := append([]string{detail.String()}, facts...)
		h := Hit{
			EntNum:      e.Num,
			Name:        e.Name,
			Type:        e.Type,
			Programs:    e.Programs,
			EntryHash:   s.entryHash[n.entry],
			MatchedName: e.Name,
			NameScore:   round3(c.score),
			Score:       round3(score),
			Reasons:     reasons,
		}
		if n.alias >= 0 {
			a := e.Aliases[n.alias]
			h.MatchedName, h.AliasType, h.AliasNum = a.Name, a.Type, a.Num
		}
		res.Hits = append(res.Hits, h)
	}
	res.BestScore = round3(res.BestScore)
	slices.SortFunc(res.Hits, func(a, b Hit) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return a.EntNum - b.EntNum
	})
	if len(res.Hits) > s.opts.MaxHits {
		res.Hits = res.Hits[:s.opts.MaxHits]
	}
	return res, nil
}

// scoreBound is the highest name score a name of nc words can reach when
// at most hits pairs of query and name words share keys (see nameScore).
func scoreBound(hits, nq, nc int) float64 {
	m := min(hits, nq, nc)
	if m == 0 {
		return 0
	}
	missQ, missC := nq-m, nc-m
	if m == 1 {
		return 1 - missSingle*float64(missQ+missC)
	}
	return 1 - missQuery*float64(missQ) - missListed*float64(min(missC, maxMissListed))
}

// collect marks, for every name, which query words and which of its own
// words share a blocking key, and records the names touched.
func (s *Screener) collect(qt []token, sc *scratch) {
	sc.touched = sc.touched[:0]
	for i, t := range qt {
		qbit := uint16(1) << i
		sc.keys = queryKeys(t, sc.keys[:0])
		for _, k := range sc.keys {
			for _, p := range s.ix.postings[k] {
				id := p >> postingShift
				if sc.qmask[id] == 0 {
					sc.touched = append(sc.touched, id)
				}
				sc.qmask[id] |= qbit
				sc.cmask[id] |= 1 << (p & (1<<postingShift - 1))
			}
		}
	}
}

func kindAllows(k Kind, t EntryType) bool {
	switch k {
	case KindIndividual:
		return t == TypeIndividual
	case KindEntity:
		return t != TypeIndividual
	}
	return true
}

// tokenSim scores two words: Jaro-Winkler (or an edit-distance similarity
// when that is higher), also without a glued article,
// and on consonants when either word came from Arabic script. A one-letter
// word (an initial) matches a word with the same first letter; two short
// words (syllables of Asian names) with the same first letter and skeleton
// score at least 0.85.
func tokenSim(a, b token) float64 {
	if a.s == b.s {
		return 1
	}
	if len(a.s) == 1 || len(b.s) == 1 {
		if a.s[0] == b.s[0] {
			return 0.8
		}
		return 0
	}
	sim := jaroWinkler(a.s, b.s)
	if sim < sureTokenSim {
		// Jaro-Winkler is harsh on early errors ("ransatlantic"); an edit
		// distance is not.
		sim = max(sim, editSim(a.s, b.s))
	}
	if len(a.s) <= 3 && len(b.s) <= 3 && a.s[0] == b.s[0] && a.skel == b.skel {
		sim = max(sim, 0.85)
	}
	if sim < vowelSim && len(a.vowels) >= 3 && a.vowels == b.vowels {
		if len(a.cons) >= 3 {
			sim = vowelSim
		} else {
			sim = max(sim, vowelSimShort)
		}
	}
	if sim < skeletonSim && sim >= minTokenSim && len(a.skel) >= 3 && a.skel == b.skel {
		sim = skeletonSim
	}
	if sa, ok := stripArticle(a.s); ok {
		sim = max(sim, jaroWinkler(sa, b.s))
	}
	if sb, ok := stripArticle(b.s); ok {
		sim = max(sim, jaroWinkler(a.s, sb))
	}
	if a.abjad || b.abjad {
		sim = max(sim, 0.95*jaroWinkler(a.cons, b.cons))
	}
	return sim
}

// editSim is 1 - (Levenshtein distance / longer length) for words of five
// or more bytes that may be within a fifth of their length of each other,
// and 0 otherwise.
func editSim(a, b string) float64 {
	la, lb := len(a), len(b)
	if la < 5 || lb < 5 || la > 64 || lb > 64 {
		return 0
	}
	longer := max(la, lb)
	maxDist := longer / 5
	if abs(la-lb) > maxDist {
		return 0
	}
	var prev, cur [65]int
	for j := 0; j <= lb; j++ {
		prev[j] = j
	}
	for i := 1; i <= la; i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= lb; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > maxDist {
			return 0
		}
		prev = cur
	}
	if prev[lb] > maxDist {
		return 0
	}
	return 1 - float64(prev[lb])/float64(longer)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// Name score parameters.
const (
	// vowelSim is the similarity of words that differ only in vowels;
	// vowelSimShort when they have fewer than three consonants.
	vowelSim      = 0.90
	vowelSimShort = 0.86
	// skeletonSim is the similarity of words of three or more consonants
	// with the same skeleton ("dzharosh", "jarosh").
	skeletonSim = 0.86
	// minTokenSim is the least similarity for two words to be aligned.
	minTokenSim = 0.75
	// sureTokenSim is the similarity above which an aligned pair counts in
	// full; below it, the shortfall counts twice (Jaro-Winkler is generous
	// to unrelated words with a common prefix).
	sureTokenSim = 0.92
	// missListed is the cost of each listed word the query lacks (a dropped
	// middle name), counted for at most maxMissListed words.
	missListed    = 0.05
	maxMissListed = 2
	// missQuery is the cost of each query word the listed name lacks.
	missQuery = 0.10
	// missSingle is the cost of each unaligned word when only one pair is
	// aligned: a single shared word is weak evidence.
	missSingle = 0.20
)

// nameScore aligns query words with a name's words one to one, best pairs
// first, ignoring pairs below minTokenSim. The score is the mean adjusted
// similarity of the aligned pairs, less a cost for each unaligned word:
// small for listed words (a dropped middle name), larger for query words,
// and large when only one pair aligned. With detail non-nil, the alignment
// is written to it.
func (s *Screener) nameScore(q, c []token, sc *scratch, detail *strings.Builder) float64 {
	nq, nc := len(q), len(c)
	if cap(sc.sims) < nq*nc {
		sc.sims = make([]float64, nq*nc)
	}
	sims := sc.sims[:nq*nc]
	for i := range q {
		for j := range c {
			sims[i*nc+j] = tokenSim(q[i], c[j])
		}
	}
	var usedQ, usedC uint64
	total, m := 0.0, 0
	var parts []string
	// A word written as one on one side and as two on the other
	// ("offshore", "off-shore"; "abdulrahman", "abdul rahman").
	if nq != 1 || nc != 1 {
		add, n := joinPass(q, c, sims, nc, false, &usedQ, &usedC, detail != nil, &parts)
		total, m = total+add, m+n
		add, n = joinPass(c, q, sims, nc, true, &usedC, &usedQ, detail != nil, &parts)
		total, m = total+add, m+n
	}
	for range min(nq, nc) {
		bi, bj, best := -1, -1, minTokenSim
		for i := range nq {
			if usedQ&(1<<i) != 0 {
				continue
			}
			for j := range nc {
				if j < 64 && usedC&(1<<j) != 0 {
					continue
				}
				if v := sims[i*nc+j]; v >= best && (bi < 0 || v > best) {
					bi, bj, best = i, j, v
				}
			}
		}
		if bi < 0 {
			break
		}
		usedQ |= 1 << bi
		if bj < 64 {
			usedC |= 1 << bj
		}
		if best < sureTokenSim {
			best -= sureTokenSim - best
		}
		total += best
		m++
		if detail != nil {
			if q[bi].s == c[bj].s {
				parts = append(parts, q[bi].s)
			} else {
				parts = append(parts, q[bi].s+"~"+c[bj].s+" "+strconv.FormatFloat(best, 'f', 2, 64))
			}
		}
	}
	if m == 0 {
		return 0
	}
	missQ := nq - bits.OnesCount64(usedQ)
	missC := max(0, min(nc, 64)-bits.OnesCount64(usedC))
	score := total / float64(m)
	if m == 1 {
		score -= missSingle * float64(missQ+missC)
	} else {
		score -= missQuery*float64(missQ) + missListed*float64(min(missC, maxMissListed))
	}
	score = clamp01(score)
	if detail != nil {
		fmt.Fprintf(detail, "token-set %.3f (%s", score, strings.Join(parts, ", "))
		if missC > 0 {
			fmt.Fprintf(detail, "; %d listed word(s) unmatched", missC)
		}
		if missQ > 0 {
			fmt.Fprintf(detail, "; %d query word(s) unmatched", missQ)
		}
		detail.WriteString(")")
	}
	return score
}

// joinPass aligns unused words of a with the concatenation of two adjacent
// unused words of b when the concatenation is more similar (at least
// sureTokenSim) than any single word of b, and marks the three words used.
// sims is the query-by-name similarity matrix with nc columns; swapped says
// a is the name side. It returns the similarity to add and the number of
// pairs aligned.
func joinPass(a, b []token, sims []float64, nc int, swapped bool, usedA, usedB *uint64, explain bool, parts *[]string) (float64, int) {
	add, n := 0.0, 0
	for i := range a {
		if i >= 64 || *usedA&(1<<i) != 0 || len(a[i].s) < 4 {
			continue
		}
		bestSingle := 0.0
		for j := range b {
			k := i*nc + j
			if swapped {
				k = j*nc + i
			}
			bestSingle = max(bestSingle, sims[k])
		}
		for j := 0; j+1 < len(b) && j+1 < 64; j++ {
			if *usedB&(1<<j) != 0 || *usedB&(1<<(j+1)) != 0 || b[j].s[0] != a[i].s[0] {
				continue
			}
			if d := len(b[j].s) + len(b[j+1].s) - len(a[i].s); d < -2 || d > 2 {
				continue
			}
			joined := b[j].s + b[j+1].s
			sim := jaroWinkler(a[i].s, joined)
			if sim < sureTokenSim || sim <= bestSingle {
				continue
			}
			*usedA |= 1 << i
			*usedB |= 1<<j | 1<<(j+1)
			add += sim
			n++
			if explain {
				x, y := a[i].s, b[j].s+"+"+b[j+1].s
				if swapped {
					x, y = y, x
				}
				*parts = append(*parts, x+"~"+y+" "+strconv.FormatFloat(sim, 'f', 2, 64))
			}
			break
		}
	}
	return add, n
}

// corroborate turns date of birth and country into a score adjustment,
// and, when explain is set, reasons; exclude is true when the options ask
// to drop a clear DOB mismatch.
func (s *Screener) corroborate(e *Entry, dob Date, country string, explain bool) (adj float64, reasons []string, exclude bool) {
	if !dob.IsZero() && len(e.DOBs) > 0 {
		best := dobNoInfo
		var bestDOB DOB
		for _, d := range e.DOBs {
			if m := compareDOB(dob, d); m > best {
				best, bestDOB = m, d
			}
		}
		var why string
		switch best {
		case dobExact:
			adj += boostDOBExact
			why = "dob matches " + bestDOB.String()
		case dobYear:
			adj += boostDOBYear
			why = "dob year matches " + bestDOB.String()
		case dobNear:
			why = "dob near " + bestDOB.String()
		case dobDiffers:
			if s.opts.ExcludeOnDOBMismatch {
				return 0, nil, true
			}
			adj -= penaltyDOB
			if explain {
				why = "dob differs (listed " + e.DOBs[0].String() + ")"
			}
		}
		if explain {
			reasons = append(reasons, why)
		}
	}
	if country != "" && len(e.Countries) > 0 {
		if slices.Contains(e.Countries, country) {
			adj += boostCountry
			if explain {
				reasons = append(reasons, "country matches "+country)
			}
		} else {
			adj -= penaltyCountry
			if explain {
				reasons = append(reasons, "country differs (listed "+strings.Join(e.Countries, ",")+")")
			}
		}
	}
	return adj, reasons, false
}

func clamp01(v float64) float64 { return max(0, min(1, v)) }

func round3(v float64) float64 {
	return float64(int64(v*1000+0.5)) / 1000
}

// entryHash hashes what the list says about an entry.
func entryHash(e *Entry) string {
	h := sha256.New()
	w := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}) }
	w(strconv.Itoa(e.Num))
	w(e.Name)
	w(string(e.Type))
	w(strings.Join(e.Programs, "|"))
	w(e.Title)
	w(e.Remarks)
	for _, a := range e.Aliases {
		w(strconv.Itoa(a.Num))
		w(string(a.Type))
		w(a.Name)
	}
	for _, a := range e.Addresses {
		w(a.Street)
		w(a.City)
		w(a.Country)
	}
	return hex.EncodeToString(h.Sum(nil))
}
