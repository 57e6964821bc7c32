package partnerkit

import "unicode/utf8"

// Digits reports whether s is a non-empty string of ASCII digits (an MSISDN,
// a shortcode, a whole amount).
func Digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Truncate cuts s to at most n bytes without splitting a UTF-8 character;
// partners bound their free-text fields (remarks, notes) in bytes.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
