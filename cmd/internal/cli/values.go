package cli

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ghpackages/ghpackages-go/cmd/internal/editdistance"
	"github.com/ghpackages/ghpackages-go/retention"
)

// Units: ages (--older-than, --grace) and waits (--max-wait) take s, min,
// h, d and w. "m" is refused: it is minutes to Go and months to many
// people. Counts that cap something (--max-delete) refuse 0: omit the
// flag for no cap.
const unitsRule = `Units:
  Ages (--older-than, --grace) and --max-wait take a number and a unit:
  s, min, h, d or w (90s, 45min, 12h, 30d, 2w). "m" is refused, being
  minutes to some and months to others: write 45min, or 180d for six
  months. --max-delete N takes 1 or more: omit it for no cap.`

// unmatchedRule is the rule for a protective value that matches nothing,
// as 'ghpkg help prune' prints it.
const unmatchedRule = `Values that match nothing:
  A protective value (--keep-id, --keep-name, --keep-tag, --exclude, and
  a --group-by whose pattern matches no tag) that matches nothing protects
  nothing, and is usually a typo: with --yes, prune refuses to change
  anything (exit 2), naming the flag, the value and near misses (edit
  distance and case: V1.* for v1.x, 126000006 for 1260000006). A dry run
  warns, in the text and the --json plan's warnings. --allow-unmatched
  lets a script that means it go ahead.`

// mMinutes matches a duration written with the ambiguous unit m.
var mMinutes = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)m$|[0-9]m(?:[0-9]|$)`)

// ageValue parses an age or wait of flag: s, min, h, d, w (and Go's
// compound forms such as 1h30min); m is refused with the fix.
func ageValue(flag, s string) (time.Duration, error) {
	v := strings.TrimSpace(s)
	if m := mMinutes.FindStringSubmatch(v); m != nil {
		if m[1] != "" && flag == "--max-wait" {
			return 0, usagef("%s %s: m is ambiguous: write %sin for minutes", flag, s, v)
		}
		if m[1] != "" {
			n, _ := strconv.ParseFloat(m[1], 64)
			return 0, usagef("%s %s: m is ambiguous: write %sin, or %gd for %s", flag, s, v, n*30, monthWords(m[1]))
		}
		return 0, usagef("%s %s: m is ambiguous: write min for minutes (e.g. 1h30min), or d for days", flag, s)
	}
	if strings.HasSuffix(v, "mo") || strings.HasSuffix(v, "M") || strings.HasSuffix(v, "y") {
		return 0, usagef("%s %s: months and years are not units here: write days (180d) or weeks (26w)", flag, s)
	}
	if !ageUnits.MatchString(v) {
		// Go's ms, us and ns, and anything "min" would turn into them
		// (30mins is 30ms to time.ParseDuration): not an age.
		return 0, fmt.Errorf("%s %q: want a number and a unit: s, min, h, d or w", flag, s)
	}
	v = strings.ReplaceAll(v, "min", "m")
	return retention.ParseAge(v)
}

// ageUnits is what ageValue takes: 0, or numbers with s, min or h (1h30min),
// or one number of d or w.
var ageUnits = regexp.MustCompile(`^(?:0|(?:[0-9]+(?:\.[0-9]+)?(?:s|min|h))+|[0-9]+(?:\.[0-9]+)?[dw])$`)

func monthWords(n string) string {
	if n == "1" {
		return "a month"
	}
	return n + " months"
}

// ageString renders a duration as the flags take it: "30d", "12h",
// "45min".
func ageString(d time.Duration) string {
	return minWords(retention.FormatAge(d))
}

// reMinutes finds an age in minutes written with m in retention's text.
var reMinutes = regexp.MustCompile(`\b([0-9]+)m\b`)

// minWords rewrites the ages in s written in m (retention's and Go's
// form) as min, the unit the flags take.
func minWords(s string) string { return reMinutes.ReplaceAllString(s, "${1}min") }

// capCount is a count that caps a run (--max-delete): 1 or more; 0 is
// refused (omit the flag for no cap).
type capCount int

// String returns the number.
func (c *capCount) String() string { return strconv.Itoa(int(*c)) }

// Set accepts 1 or more.
func (c *capCount) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	switch {
	case err != nil || n < 0:
		return fmt.Errorf("want a whole number, 1 or more, got %q", s)
	case n == 0:
		return fmt.Errorf("0 is not a cap: omit the flag for no cap, or give 1 or more")
	}
	*c = capCount(n)
	return nil
}

// Type names the value in help.
func (c *capCount) Type() string { return "N" }

// unmatched is a value of a flag that matched nothing in the plan.
type unmatched struct {
	flag, value string
	// protective: a value that keeps versions (refused under --yes).
	protective bool
	// text is the warning.
	text string
}

// unmatchedValues returns each keep-list, --include, --exclude and
// --group-by value that matches no version of the plan, with near misses.
func unmatchedValues(p *planJSON) []unmatched {
	if len(p.Packages) == 0 {
		return nil
	}
	tags, names, ids := map[string]bool{}, map[string]bool{}, map[int64]bool{}
	for _, pp := range p.Packages {
		for _, v := range pp.Versions {
			for _, t := range v.Tags {
				tags[t] = true
			}
			names[v.Name] = true
			ids[v.ID] = true
		}
	}
	scope, list := "the selected packages", "'ghpkg versions PACKAGE' lists them"
	if len(p.Packages) == 1 {
		scope = p.Packages[0].Name
		list = fmt.Sprintf("'ghpkg versions %s' lists them", scope)
	}
	tagList := slices.Sorted(mapKeys(tags))
	var out []unmatched
	add := func(flag, value string, protective bool, text string, near []string) {
		if len(near) > 0 {
			text += "; did you mean " + orList(near) + "?"
		}
		out = append(out, unmatched{flag: flag, value: value, protective: protective, text: text})
	}
	for _, t := range p.Policy.KeepTags {
		if !tags[t] {
			add("--keep-tag", t, true, fmt.Sprintf("--keep-tag %s matches no version of %s: it keeps nothing (%s with their tags)", t, scope, list), nearStrings(t, tagList))
		}
	}
	for _, n := range p.Policy.KeepNames {
		if !names[n] {
			add("--keep-name", n, true, fmt.Sprintf("--keep-name %s matches no version of %s: it keeps nothing (%s with --json, for full names)", n, scope, list),
				nearStrings(n, slices.Sorted(mapKeys(names))))
		}
	}
	var idList []string
	for _, id := range slices.Sorted(mapKeys(ids)) {
		idList = append(idList, strconv.FormatInt(id, 10))
	}
	for _, id := range p.Policy.KeepIDs {
		if !ids[id] {
			s := strconv.FormatInt(id, 10)
			add("--keep-id", s, true, fmt.Sprintf("--keep-id %d matches no version of %s: it keeps nothing (%s with their IDs)", id, scope, list), nearStrings(s, idList))
		}
	}
	for _, c := range []struct {
		flag, effect string
		protective   bool
		pats         []string
	}{{"--exclude", "it keeps nothing", true, p.Policy.Exclude}, {"--include", "it selects nothing", false, p.Policy.Include}} {
		for _, s := range c.pats {
			pat, err := retention.ParsePattern(s)
			if err != nil || slices.ContainsFunc(tagList, pat.Match) {
				continue
			}
			add(c.flag, s, c.protective, fmt.Sprintf("%s %s matches no tag of %s: %s (%s with their tags)", c.flag, s, scope, c.effect, list), nearPattern(s, tagList))
		}
	}
	if g := p.Policy.GroupBy; g != "" {
		grouped := false
		for _, pp := range p.Packages {
			for _, gr := range pp.Groups {
				if gr.Group != "(other tags)" && gr.Group != "(untagged)" {
					grouped = true
				}
			}
		}
		if !grouped && len(tagList) > 0 {
			add("--group-by", g, true, fmt.Sprintf("--group-by %s matches no tag of %s: every tagged image falls in one group, \"(other tags)\" (%s with their tags)", g, scope, list),
				nearPattern(g, tagList))
		}
	}
	slices.SortFunc(out, func(a, b unmatched) int { return cmp.Compare(a.text, b.text) })
	return out
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// nearStrings are up to three of known closest to v: equal but for case,
// or within an edit distance of 2 (1 for short values).
func nearStrings(v string, known []string) []string {
	type cand struct {
		s    string
		d, a int // distance; affinity: common prefix and suffix
	}
	limit := 2
	if len(v) <= 4 {
		limit = 1
	}
	var cs []cand
	for _, k := range known {
		switch d := editdistance.Levenshtein(v, k); {
		case strings.EqualFold(v, k):
			cs = append(cs, cand{k, 0, 0})
		case d <= limit:
			cs = append(cs, cand{k, d, affinity(v, k)})
		}
	}
	// The closest first, and among them those sharing the longest ends:
	// 126000006 is 1260000006 with a 0 dropped, not 1260000016.
	slices.SortStableFunc(cs, func(a, b cand) int { return cmp.Or(cmp.Compare(a.d, b.d), cmp.Compare(b.a, a.a)) })
	var out []string
	for _, c := range cs {
		if c.d > cs[0].d || c.a < cs[0].a || len(out) == 3 {
			break
		}
		out = append(out, c.s)
	}
	return out
}

// nearPattern names tags a pattern matches when case is ignored, or, for
// a literal, tags within a small edit distance: "v1.0.0, v1.1.0 and 4 more
// (matching V1.* ignoring case)".
func nearPattern(s string, tags []string) []string {
	var fold retention.Pattern
	var err error
	if rest, ok := strings.CutPrefix(s, "re:"); ok {
		fold, err = retention.ParsePattern("re:(?i)" + rest)
	} else {
		fold, err = retention.ParsePattern(strings.ToLower(s))
	}
	var hits []string
	if err == nil {
		for _, t := range tags {
			if fold.Match(t) || (!strings.HasPrefix(s, "re:") && fold.Match(strings.ToLower(t))) {
				hits = append(hits, t)
			}
		}
	}
	if len(hits) == 0 {
		return nearStrings(strings.TrimPrefix(s, "glob:"), tags)
	}
	if len(hits) > 3 {
		return []string{fmt.Sprintf("%s and %d more (matching %s ignoring case)", strings.Join(hits[:2], ", "), len(hits)-2, s)}
	}
	return []string{strings.Join(hits, ", ") + " (ignoring case)"}
}

// refuseUnmatched is the error of a --yes run with protective values that
// match nothing (exit 2, before any change).
func refuseUnmatched(us []unmatched) error {
	var parts []string
	for _, u := range us {
		if u.protective {
			parts = append(parts, u.text)
		}
	}
	if len(parts) == 0 {
		return nil
	}
	return usagef("refusing to change anything, as a protective value that matches nothing protects nothing (fix it, or pass --allow-unmatched to go ahead): %s",
		strings.Join(parts, "; and "))
}

// affinity is the length of the common prefix plus that of the common
// suffix of a and b.
func affinity(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	m := 0
	for m < len(a) && m < len(b) && a[len(a)-1-m] == b[len(b)-1-m] {
		m++
	}
	return n + m
}
