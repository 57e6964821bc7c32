package partnerkit

import "testing"

func TestDigitsAndTruncate(t *testing.T) {
	for s, want := range map[string]bool{"254708374149": true, "": false, "2547x": false, "+254": false, "٣": false} {
		if got := Digits(s); got != want {
			t.Errorf("Digits(%q) = %v, want %v", s, got, want)
		}
	}
	for _, tt := range []struct {
		s    string
		n    int
		want string
	}{{"remittance", 5, "remit"}, {"short", 10, "short"}, {"naïve", 3, "na"}, {"日本", 4, "日"}, {"abc", 0, ""}} {
		if got := Truncate(tt.s, tt.n); got != tt.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}
