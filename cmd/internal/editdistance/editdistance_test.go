package editdistance

import "testing"

func TestLevenshtein(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"keep", "keep", 0}, {"", "keep", 4}, {"keep", "", 4},
		{"keep-tag", "keep-tags", 1}, {"older-then", "older-than", 1}, {"dryrun", "dry-run", 1},
		{"kitten", "sitting", 3}, {"yes", "no", 3},
	} {
		if got := Levenshtein(c.a, c.b); got != c.want {
			t.Errorf("Levenshtein(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := Levenshtein(c.b, c.a); got != c.want {
			t.Errorf("Levenshtein(%q, %q) = %d, want %d (symmetric)", c.b, c.a, got, c.want)
		}
	}
}
