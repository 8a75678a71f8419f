package retention

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// groupsOf returns the GroupBy groups of an image with tags, sorted: the
// captured text of each tag the pattern matches, GroupOther when some tag
// does not match; without tags, GroupUntagged when untagged images count
// (KeepNewest), else none.
func groupsOf(by Pattern, tags []string, untagged bool) []string {
	if len(tags) == 0 {
		if !untagged {
			return nil
		}
		return []string{GroupUntagged}
	}
	var out []string
	for _, t := range tags {
		g, ok := by.Group(t)
		if !ok {
			g = GroupOther
		}
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	slices.Sort(out)
	return out
}

// groupLabel names a group in a reason: the captured text quoted, the
// special groups as they are.
func groupLabel(g string) string {
	if strings.HasPrefix(g, "(") {
		return g
	}
	return fmt.Sprintf("%q", g)
}

// countGroups fills the plan's per-group counts of images and of those
// that stay, when GroupBy is set.
func (dc *decider) countGroups() {
	if !dc.p.GroupBy.valid() {
		return
	}
	by := map[string]*GroupCount{}
	for _, v := range dc.out.Versions {
		for _, g := range v.Groups {
			c := by[g]
			if c == nil {
				c = &GroupCount{Group: g}
				by[g] = c
			}
			c.Images++
			if v.keeps() {
				c.Kept++
			}
		}
	}
	dc.out.Groups = make([]GroupCount, 0, len(by))
	for _, g := range slices.Sorted(maps.Keys(by)) {
		dc.out.Groups = append(dc.out.Groups, *by[g])
	}
}
