// Package sanctions models a sanctions list (the OFAC Specially Designated
// Nationals list in its legacy CSV form) and screens names against it.
//
// The package is pure: it parses from io.Readers, never reads files, the
// network or the clock, and keeps no global mutable state.
//
//   - Parse reads sdn.csv, alt.csv and add.csv into an immutable *List with a
//     Version (SHA-256 of the files, counts, the load time passed in).
//   - NewScreener indexes a List; Screener.Screen scores a Query (name, and
//     optionally date of birth, country and kind) against every name and
//     alias that the index proposes, and returns an explainable Result.
//   - Holder keeps the list in force and swaps it atomically, only ever for a
//     list that parsed completely.
//
// Matching normalises names (case, punctuation, diacritics, Cyrillic, Greek
// and Arabic transliteration, honorifics, company suffixes and name
// particles), aligns tokens regardless of word order and scores each aligned
// pair with Jaro-Winkler. Dates of birth and countries corroborate or weaken
// a name match. Candidates come from a blocking index on consonant skeletons
// of name tokens and their one-deletion neighbours, so a screening scores a
// few hundred names rather than all of them.
//
// Quality is measured, not assumed: testdata/quality.csv holds true matches
// derived from the list (reordered, misspelt, transliterated, aliases,
// dropped middle names, honorifics and legal forms, Cyrillic and Arabic
// script) and common names that are not on it; TestQuality and
// BenchmarkQuality report recall and the false-positive rate at
// DefaultThreshold, and TestQualityHoldout the same on a second set drawn
// with another seed (testdata/genquality writes both).
package sanctions
