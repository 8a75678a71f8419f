package retention

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// Action is what a plan does with a version.
type Action string

// Actions.
const (
	Keep   Action = "keep"
	Delete Action = "delete"
)

// Decision is the plan for one version, with the rule that decided it.
type Decision struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Tags      []string  `json:"tags"`
	CreatedAt time.Time `json:"created_at"`
	Action    Action    `json:"action"`
	Reason    string    `json:"reason"`
}

// PackageDecision is the plan for one package's versions.
type PackageDecision struct {
	// Versions are the package's active versions, oldest first (by
	// created_at, then ID): the order deletions are carried out in.
	Versions []Decision `json:"versions"`
	// DeletePackage is set when the policy deletes every version and
	// allows deleting the package; the package is then deleted whole.
	DeletePackage bool   `json:"delete_package,omitempty"`
	PackageReason string `json:"package_reason,omitempty"`
}

// Deletes counts the versions planned for deletion.
func (d *PackageDecision) Deletes() int {
	n := 0
	for _, v := range d.Versions {
		if v.Action == Delete {
			n++
		}
	}
	return n
}

// Decide applies policy p to a package's active versions at time now. It
// does no I/O. protected maps version names (digests) that something kept
// references to the reason; such versions are kept. The last-version rules
// are applied last: GitHub refuses to delete a package's last version, and
// a container's last tagged version, so the newest such version is kept
// unless p.DeletePackageWhenEmpty plans the package's deletion instead.
// MaxDelete is not applied here: it caps a whole run (see NewPlan).
func Decide(versions []*ghpackages.PackageVersion, p *Policy, typ ghpackages.PackageType, now time.Time, protected map[string]string) PackageDecision {
	sorted := slices.Clone(versions)
	slices.SortFunc(sorted, func(a, b *ghpackages.PackageVersion) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	out := PackageDecision{Versions: make([]Decision, len(sorted))}
	for i, v := range sorted {
		d := Decision{ID: v.ID, Name: v.Name, Tags: slices.Clone(v.Tags()), CreatedAt: v.CreatedAt}
		if d.Tags == nil {
			d.Tags = []string{}
		}
		d.Action, d.Reason = decideOne(v, d.Tags, p, now, protected, len(sorted)-i)
		out.Versions[i] = d
	}
	applyLastVersionRules(&out, p, typ)
	return out
}

// decideOne applies the rules to one version; rank is 1 for the newest.
func decideOne(v *ghpackages.PackageVersion, tags []string, p *Policy, now time.Time, protected map[string]string, rank int) (Action, string) {
	if rank <= p.KeepNewest {
		return Keep, fmt.Sprintf("one of the %d newest versions", p.KeepNewest)
	}
	if slices.Contains(p.KeepIDs, v.ID) {
		return Keep, fmt.Sprintf("ID %d is on the keep list", v.ID)
	}
	if slices.Contains(p.KeepNames, v.Name) {
		return Keep, fmt.Sprintf("name %s is on the keep list", v.Name)
	}
	for _, t := range tags {
		if slices.Contains(p.KeepTags, t) {
			return Keep, fmt.Sprintf("tag %s is on the keep list", t)
		}
		for _, pat := range p.ExcludeTags {
			if pat.Match(t) {
				return Keep, fmt.Sprintf("tag %s matches exclude pattern %s", t, pat)
			}
		}
	}
	if why, ok := protected[v.Name]; ok {
		return Keep, why
	}
	switch sel := p.tagSelection(); {
	case sel == UntaggedOnly && len(tags) > 0:
		return Keep, "tagged; the policy deletes untagged versions only"
	case sel == TaggedOnly && len(tags) == 0:
		return Keep, "untagged; the policy deletes tagged versions only"
	}
	if len(p.IncludeTags) > 0 && len(tags) > 0 && !anyMatch(p.IncludeTags, tags) {
		return Keep, "no tag matches the include patterns"
	}
	age := now.Sub(v.CreatedAt)
	if p.OlderThan > 0 && age <= p.OlderThan {
		return Keep, fmt.Sprintf("created %s ago, not older than %s", roundAge(age), roundAge(p.OlderThan))
	}
	what := "untagged"
	if len(tags) > 0 {
		what = "tagged " + strings.Join(tags, ", ")
	}
	if p.OlderThan > 0 {
		return Delete, fmt.Sprintf("%s, created %s ago, older than %s", what, roundAge(age), roundAge(p.OlderThan))
	}
	return Delete, what + ", matched by the policy"
}

func anyMatch(pats []Pattern, tags []string) bool {
	for _, t := range tags {
		for _, p := range pats {
			if p.Match(t) {
				return true
			}
		}
	}
	return false
}

// applyLastVersionRules keeps what GitHub would refuse to delete.
func applyLastVersionRules(out *PackageDecision, p *Policy, typ ghpackages.PackageType) {
	vs := out.Versions
	if len(vs) == 0 {
		return
	}
	if out.Deletes() == len(vs) {
		if p.DeletePackageWhenEmpty {
			out.DeletePackage = true
			out.PackageReason = "the policy deletes every version and allows deleting the package"
			return
		}
		vs[len(vs)-1].Action = Keep
		vs[len(vs)-1].Reason = "the last version: GitHub refuses to delete it (set DeletePackageWhenEmpty to delete the package)"
	}
	if typ != ghpackages.Container {
		return
	}
	newestTaggedDelete := -1
	for i, v := range vs {
		if len(v.Tags) == 0 {
			continue
		}
		if v.Action == Keep {
			return // a tagged version stays
		}
		newestTaggedDelete = i
	}
	if newestTaggedDelete >= 0 {
		vs[newestTaggedDelete].Action = Keep
		vs[newestTaggedDelete].Reason = "the last tagged version: GitHub refuses to delete it"
	}
}

// roundAge renders a duration in days, hours or minutes.
func roundAge(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	default:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	}
}
