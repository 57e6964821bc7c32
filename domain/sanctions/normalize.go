package sanctions

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// token is one normalised word of a name.
type token struct {
	// s is the normalised word: lower-case ASCII letters and digits after
	// transliteration (other scripts are kept as lower-case runes).
	s string
	// skel is the consonant skeleton used for blocking (see skeleton).
	skel string
	// cons is the word without vowels and doubled letters ("muhammad" →
	// "mhmd"), compared for words written in Arabic script.
	cons string
	// vowels is the word with every run of vowels (and y) written as one
	// "a" and doubled letters collapsed ("mohammed" and "muhammad" →
	// "mahamad"), so that vowel-only transliteration differences vanish.
	vowels string
	// abjad marks words transliterated from Arabic script, which omits
	// short vowels: they are compared on consonants as well.
	abjad bool
}

// Words removed from names before matching, unless nothing else would
// remain: honorifics and titles, legal forms and connecting words, and name
// particles (those only before another word).
var (
	honorifics = wordSet(`
		mr mrs ms miss mister madam dr doctor prof professor sir dame lord lady rev reverend
		sheikh shaykh sheik shaikh cheikh haji hajji hadji hajj alhaj alhajj alhaji mullah mulla
		mawlawi maulawi maulvi molvi mawlana maulana mufti qari imam ustad ustadh sayyid sayed
		general gen colonel col major maj captain capt lieutenant lt sergeant sgt admiral brigadier
		commander cmdr engineer eng`)
	legalForms = wordSet(`
		llc ltd limited inc incorporated corp corporation co company cie plc llp lp gmbh ag kg
		mbh ohg ug kgaa se sa sas sarl srl spa bv nv oy ab as asa aps pte pty jsc ojsc cjsc pjsc
		ooo zao oao pao ao tov pat fze fzco fzc fz sal sae saog saoc wll bhd sdn kk kft doo ad
		eood ood ead sro spol tbk cv sac saic sab sapi ltda lda eirl ca sc scs snc jv gk
		the of and for und et`)
	// Particles are dropped only before another word: "de la Cruz", "bin
	// Laden", but not the Vietnamese surname "Le".
	particles = wordSet(`
		al el ul ar ash at az bin ibn bint ben bent
		de del della dela der den di da do dos das du la le lo van von ter y e`)
)

func wordSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// translit maps letters of non-Latin scripts, and Latin letters that do not
// decompose into a base letter and marks, to ASCII.
var translit = map[rune]string{
	// Latin letters without a canonical decomposition.
	'ß': "ss", 'æ': "ae", 'Æ': "ae", 'ø': "o", 'Ø': "o", 'œ': "oe", 'Œ': "oe", 'ł': "l",
	'Ł': "l", 'đ': "d", 'Đ': "d", 'ð': "d", 'Ð': "d", 'þ': "th", 'Þ': "th", 'ı': "i",
	'ħ': "h", 'Ħ': "h", 'ŋ': "ng", 'ſ': "s", 'ƒ': "f",
	// Cyrillic (Russian, Ukrainian, Belarusian, Serbian, Macedonian).
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh",
	'з': "z", 'и': "i", 'й': "y", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o",
	'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts",
	'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu",
	'я': "ya", 'і': "i", 'ї': "yi", 'є': "ye", 'ґ': "g", 'ў': "u", 'ђ': "dj", 'ј': "j",
	'љ': "lj", 'њ': "nj", 'ћ': "c", 'џ': "dz", 'ѓ': "gj", 'ќ': "kj", 'ѕ': "dz",
	// Greek.
	'α': "a", 'β': "v", 'γ': "g", 'δ': "d", 'ε': "e", 'ζ': "z", 'η': "i", 'θ': "th",
	'ι': "i", 'κ': "k", 'λ': "l", 'μ': "m", 'ν': "n", 'ξ': "x", 'ο': "o", 'π': "p",
	'ρ': "r", 'σ': "s", 'ς': "s", 'τ': "t", 'υ': "y", 'φ': "f", 'χ': "ch", 'ψ': "ps",
	'ω': "o",
	// Arabic and Persian. Short vowels are not written; marks are dropped.
	'ا': "a", 'آ': "a", 'ٱ': "a", 'ب': "b", 'ت': "t", 'ث': "th", 'ج': "j", 'ح': "h",
	'خ': "kh", 'د': "d", 'ذ': "dh", 'ر': "r", 'ز': "z", 'س': "s", 'ش': "sh", 'ص': "s",
	'ض': "d", 'ط': "t", 'ظ': "z", 'ع': "", 'غ': "gh", 'ف': "f", 'ق': "q", 'ك': "k",
	'ل': "l", 'م': "m", 'ن': "n", 'ه': "h", 'و': "u", 'ي': "i", 'ى': "a", 'ة': "a",
	'ء': "", 'پ': "p", 'چ': "ch", 'ژ': "zh", 'گ': "g", 'ک': "k", 'ی': "i", 'ۀ': "h",
	'ہ': "h", 'ے': "e", 'ٹ': "t", 'ڈ': "d", 'ڑ': "r", 'ں': "n",
}

func isArabic(r rune) bool { return r >= 0x0600 && r <= 0x06FF || r >= 0x0750 && r <= 0x077F }

func isApostrophe(r rune) bool {
	switch r {
	case '\'', '\u2019', '\u2018', '\u02bb', '\u02bc', '`', '\u00b4':
		return true
	}
	return false
}

// normalize splits a name into normalised tokens: decomposes and strips
// combining marks, lower-cases, transliterates, joins across apostrophes
// and across dots inside abbreviations ("S.A." → "sa"), splits on every
// other non-letter, then drops honorifics, legal forms and particles unless
// nothing else would remain. It never fails; a name of only punctuation
// gives no tokens.
func normalize(name string) []token {
	// "SURNAME, Given" is read as "Given SURNAME", so that a particle ends
	// up where it is in speech.
	name = displayName(name)
	var (
		toks  []token
		cur   []byte
		abjad bool
	)
	dotAt := 0 // length of cur at the last dot inside it
	flush := func() {
		if len(cur) > 0 {
			toks = append(toks, token{s: string(cur), abjad: abjad})
		}
		cur, abjad, dotAt = cur[:0], false, 0
	}
	var dec [16]rune
	for i, w := 0, 0; i < len(name); i += w {
		r, size := utf8.DecodeRuneInString(name[i:])
		w = size
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			cur = append(cur, byte(r))
		case r >= 'A' && r <= 'Z':
			cur = append(cur, byte(r)+'a'-'A')
		case r == '.':
			// Keep "S.A." and "U.S.A." together; a dot before a space or
			// the end, or after a longer word, separates words.
			if next, _ := utf8.DecodeRuneInString(name[i+size:]); !(unicode.IsLetter(next) || unicode.IsDigit(next)) || len(cur)-dotAt != 1 {
				flush()
			}
			dotAt = len(cur)
		case isApostrophe(r):
		case r < utf8.RuneSelf:
			flush()
		default:
			// Whole letters first (so "й" stays "y"), then the base letters
			// of their canonical decomposition, without marks.
			parts := dec[:0]
			if _, ok := translitRune(r); ok {
				parts = append(parts, r)
			} else {
				var buf [utf8.UTFMax * 4]byte
				n := utf8.EncodeRune(buf[:], r)
				for _, p := range norm.NFD.String(string(buf[:n])) {
					if len(parts) < cap(parts) {
						parts = append(parts, p)
					}
				}
			}
			for _, p := range parts {
				cur = appendRune(cur, p, &abjad, flush)
			}
		}
	}
	flush()
	kept := make([]token, 0, len(toks))
	for i, t := range toks {
		if honorifics[t.s] || legalForms[t.s] || particles[t.s] && i < len(toks)-1 {
			continue
		}
		kept = append(kept, t)
	}
	if len(kept) == 0 {
		kept = toks
	}
	for i := range kept {
		kept[i].skel = skeleton(kept[i].s)
		kept[i].cons = consonants(kept[i].s)
		kept[i].vowels = vowelClass(kept[i].s)
	}
	return kept
}

// translitRune returns the ASCII replacement of a letter, also for its
// lower-case form.
func translitRune(r rune) (string, bool) {
	if t, ok := translit[r]; ok {
		return t, true
	}
	if lr := unicode.ToLower(r); lr != r {
		t, ok := translit[lr]
		return t, ok
	}
	return "", false
}

// appendRune appends the normalised form of one non-ASCII rune (or one of
// its decomposed parts) to the current word.
func appendRune(cur []byte, r rune, abjad *bool, flush func()) []byte {
	switch {
	case r < utf8.RuneSelf:
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return append(cur, byte(r))
		}
		return cur
	case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || unicode.Is(unicode.Cf, r) || r == '\u0640':
		// combining marks, format characters and the Arabic tatweel
		return cur
	}
	if t, ok := translitRune(r); ok {
		if isArabic(r) {
			*abjad = true
		}
		return append(cur, t...)
	}
	r = unicode.ToLower(r)
	if unicode.IsLetter(r) || unicode.IsDigit(r) {
		return utf8.AppendRune(cur, r)
	}
	flush()
	return cur[:0]
}

func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// consonants drops vowels (and y) and collapses doubled letters.
func consonants(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case 'a', 'e', 'i', 'o', 'u', 'y':
		default:
			if n := len(b); n == 0 || b[n-1] != c {
				b = append(b, c)
			}
		}
	}
	return string(b)
}

// vowelClass writes each run of vowels (and y) as one "a" and collapses
// doubled letters.
func vowelClass(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case 'e', 'i', 'o', 'u', 'y':
			c = 'a'
		}
		if n := len(b); n == 0 || b[n-1] != c {
			b = append(b, c)
		}
	}
	return string(b)
}

// skeleton reduces a word to a consonant key that survives common
// transliteration differences: vowels and y are dropped, and h where it
// ends a word or a digraph; similar consonants share a class (c/k/q/g→k,
// s/z/x→s, d/t→t, b/p→p, f/v/w→f, j/zh/dj/dzh→j), digraphs collapse
// (ph→f, kh→k, sh→s, ch→s, th→t, dh→t, gh→k) and repeated classes
// collapse. Non-ASCII words are returned unchanged.
func skeleton(s string) string {
	if !isPlainASCII(s) {
		return s
	}
	var b [64]byte
	out := b[:0]
	var last byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		var k byte
		switch c {
		case 'a', 'e', 'i', 'o', 'u', 'y':
			continue
		case 'w', 'f', 'v':
			k = 'f'
		case 'h':
			// Part of a digraph, or silent at the end ("abdullah").
			if i == len(s)-1 || i > 0 && strings.IndexByte("cskptgdzjx", s[i-1]) >= 0 {
				continue
			}
			k = 'h'
		case 'c', 'k', 'q', 'g':
			k = 'k'
			if c == 'c' && i+1 < len(s) && s[i+1] == 'h' {
				k = 's'
			}
		case 's', 'x':
			k = 's'
		case 'z':
			k = 's'
			if i+1 < len(s) && s[i+1] == 'h' {
				k = 'j' // "zh"
			}
		case 'd', 't':
			k = 't'
			if c == 'd' && strings.HasPrefix(s[i+1:], "zh") {
				k, i = 'j', i+1 // "dzh"
			} else if c == 'd' && i+1 < len(s) && s[i+1] == 'j' {
				k, i = 'j', i+1 // "dj"
			}
		case 'b', 'p':
			k = 'p'
			if c == 'p' && i+1 < len(s) && s[i+1] == 'h' {
				k = 'f'
			}
		default:
			k = c
		}
		if k == last {
			continue
		}
		last = k
		if len(out) < cap(b) {
			out = append(out, k)
		}
	}
	return string(out)
}
