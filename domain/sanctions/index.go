package sanctions

import (
	"strconv"
	"strings"
)

// nameRec is one indexed name: an entry's primary name or one alias.
type nameRec struct {
	entry int32 // index in List.entries
	alias int32 // index in Entry.Aliases, or -1 for the primary name
	toks  []token
}

// index maps blocking keys to the words that carry them. A posting is
// name<<postingShift | word position (positions past 31 share 31).
type index struct {
	names []nameRec
	// ntoks and person are, per name, its word count and whether its
	// entry is an individual: the candidate filter reads only these.
	ntoks    []uint8
	person   []bool
	postings map[string][]int32
}

const postingShift = 5

// Blocking keys find names whose words have consonant skeletons at most
// one edit apart: an indexed word is filed under its skeleton ("e:"), each
// skeleton with one consonant deleted ("d:") and each of those with the
// position deleted ("s:"). A query word looks up its own skeleton under
// "e:" and "d:" (a listed word with one more consonant), its deletions under
// "e:" (one fewer) and its positional deletions under "s:" (one consonant
// different) and its skeletons with two neighbouring consonants swapped
// under "e:". Words that start with a glued article ("alzawahiri") also
// carry the keys of the word without it; vowel-only words key on their
// first letter.

// indexKeys appends the keys a listed word is filed under.
func indexKeys(t token, dst []string) []string {
	dst = wordKeys(t.skel, t.s, false, dst)
	if s, ok := stripArticle(t.s); ok {
		dst = wordKeys(skeleton(s), s, false, dst)
	}
	return dst
}

// queryKeys appends the keys a query word looks up.
func queryKeys(t token, dst []string) []string {
	dst = wordKeys(t.skel, t.s, true, dst)
	if s, ok := stripArticle(t.s); ok {
		dst = wordKeys(skeleton(s), s, true, dst)
	}
	return dst
}

func wordKeys(sk, word string, query bool, dst []string) []string {
	switch {
	case sk == "":
		return append(dst, "="+word[:1])
	case !isPlainASCII(sk):
		return append(dst, "e:"+sk)
	}
	dst = append(dst, "e:"+sk)
	if query {
		dst = append(dst, "d:"+sk)
	}
	if len(sk) < 2 {
		return dst
	}
	for i := 0; i < len(sk); i++ {
		d := sk[:i] + sk[i+1:]
		if i > 0 && i < len(sk)-1 && sk[i-1] == sk[i+1] {
			// Deleting "t" from "sts" leaves "ss", which a skeleton
			// would have collapsed to "s".
			d = sk[:i] + sk[i+2:]
		}
		switch {
		case !query:
			dst = append(dst, "d:"+d, "s:"+strconv.Itoa(i)+":"+d)
		case len(sk) >= 3:
			dst = append(dst, "e:"+d, "s:"+strconv.Itoa(i)+":"+d)
		default:
			// A one-consonant substitution in a two-consonant skeleton
			// matches too much to be worth it.
			dst = append(dst, "e:"+d)
		}
	}
	if query {
		// Two neighbouring consonants swapped ("leasign").
		for i := 0; i+1 < len(sk); i++ {
			if sk[i] != sk[i+1] {
				dst = append(dst, "e:"+sk[:i]+sk[i+1:i+2]+sk[i:i+1]+sk[i+2:])
			}
		}
	}
	return dst
}

// stripArticle removes a glued Arabic article ("al", "el") from a word of
// at least six letters.
func stripArticle(s string) (string, bool) {
	if len(s) >= 6 && (strings.HasPrefix(s, "al") || strings.HasPrefix(s, "el")) {
		return s[2:], true
	}
	return "", false
}

func buildIndex(l *List) *index {
	ix := &index{postings: make(map[string][]int32, 1<<15)}
	add := func(entry, alias int, name string) {
		toks := normalize(name)
		if len(toks) == 0 {
			return
		}
		id := int32(len(ix.names))
		ix.names = append(ix.names, nameRec{entry: int32(entry), alias: int32(alias), toks: toks})
		ix.ntoks = append(ix.ntoks, uint8(min(len(toks), 255)))
		ix.person = append(ix.person, l.entries[entry].Type == TypeIndividual)
		var keys []string
		for pos, t := range toks {
			p32 := id<<postingShift | int32(min(pos, 31))
			keys = indexKeys(t, keys[:0])
			for _, k := range keys {
				p := ix.postings[k]
				if n := len(p); n > 0 && p[n-1] == p32 {
					continue
				}
				ix.postings[k] = append(p, p32)
			}
		}
	}
	for i, e := range l.entries {
		add(i, -1, e.Name)
		for j, a := range e.Aliases {
			add(i, j, a.Name)
		}
	}
	return ix
}
