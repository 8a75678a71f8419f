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
	// Keep leaves the version alone.
	Keep Action = "keep"
	// Delete deletes the version (or, with PackageDecision.DeletePackage,
	// the whole package).
	Delete Action = "delete"
)

// Decision is the plan for one version, with the rule that decided it.
type Decision struct {
	// ID, Name (a container image's digest), Tags (never nil) and
	// CreatedAt describe the version.
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Tags      []string  `json:"tags"`
	CreatedAt time.Time `json:"created_at"`
	// Action is Keep or Delete.
	Action Action `json:"action"`
	// Reason names the rule that decided Action, for people to read.
	Reason string `json:"reason"`
}

// PackageDecision is the plan for one package's versions.
type PackageDecision struct {
	// Versions are the package's active versions, oldest first (by
	// created_at, then ID). Apply deletes them in the reverse order.
	Versions []Decision `json:"versions"`
	// DeletePackage is set when the policy deletes every version and
	// allows deleting the package; the package is then deleted whole, in
	// one call, and PackageReason says why.
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
// does no I/O, so it can be tested with hand-built versions. typ is the
// package's type (normally p.Type). protected maps version names (digests)
// that something kept references to the reason; such versions are kept.
// The last-version rules are applied last: GitHub refuses to delete a
// package's last version, and a container package's last tagged version,
// so the newest such version is kept unless p.DeletePackageWhenEmpty plans
// the package's deletion instead.
//
// MaxDelete is not applied here: it caps a whole run (see NewPlan and
// DecideWithin).
func Decide(versions []*ghpackages.PackageVersion, p *Policy, typ ghpackages.PackageType, now time.Time, protected map[string]string) PackageDecision {
	return DecideWithin(versions, p, typ, now, protected, -1)
}

// DecideWithin is Decide with a budget of at most budget deletions (a
// negative budget means no cap): deletions past it, the newest ones, are
// kept with the reason that the run's MaxDelete is reached. A planned
// whole-package deletion counts as one.
func DecideWithin(versions []*ghpackages.PackageVersion, p *Policy, typ ghpackages.PackageType, now time.Time, protected map[string]string, budget int) PackageDecision {
	sorted := slices.Clone(versions)
	slices.SortFunc(sorted, compareVersions)
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
	if budget >= 0 {
		capDeletes(&out, budget, p.MaxDelete)
	}
	return out
}

// compareVersions orders versions oldest first: by created_at, then ID.
func compareVersions(a, b *ghpackages.PackageVersion) int {
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
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
	if len(p.IncludeTags) > 0 && len(tags) > 0 {
		for _, t := range tags {
			if !slices.ContainsFunc(p.IncludeTags, func(pat Pattern) bool { return pat.Match(t) }) {
				return Keep, fmt.Sprintf("tag %s matches no include pattern (deleting the version would delete all its tags)", t)
			}
		}
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

// applyLastVersionRules keeps what GitHub would refuse to delete, or plans
// deleting the whole package when the policy deletes every version and
// allows it.
func applyLastVersionRules(out *PackageDecision, p *Policy, typ ghpackages.PackageType) {
	vs := out.Versions
	if len(vs) == 0 {
		return
	}
	if out.Deletes() == len(vs) && p.DeletePackageWhenEmpty {
		out.DeletePackage = true
		out.PackageReason = "the policy deletes every version and allows deleting the package"
		return
	}
	out.DeletePackage, out.PackageReason = false, ""
	// A container package must keep a tagged version if it has one; that
	// also keeps it from losing its last version.
	if typ == ghpackages.Container {
		newestTagged := -1
		for i, v := range vs {
			if len(v.Tags) == 0 {
				continue
			}
			if v.Action == Keep {
				newestTagged = -1
				break
			}
			newestTagged = i
		}
		if newestTagged >= 0 {
			vs[newestTagged].Action = Keep
			vs[newestTagged].Reason = "the last tagged version: GitHub refuses to delete it (set DeletePackageWhenEmpty to delete the package when every version goes)"
		}
	}
	if out.Deletes() == len(vs) {
		vs[len(vs)-1].Action = Keep
		vs[len(vs)-1].Reason = "the last version: GitHub refuses to delete it (set DeletePackageWhenEmpty to delete the package)"
	}
}

// capDeletes keeps the deletions past budget (the newest ones) and returns
// how many deletions are left planned.
func capDeletes(d *PackageDecision, budget, maxDelete int) int {
	reason := fmt.Sprintf("within the policy, but the run's limit of %d deletions is reached", maxDelete)
	if d.DeletePackage {
		if budget >= 1 {
			return 1
		}
		d.DeletePackage, d.PackageReason = false, ""
		for i := range d.Versions {
			d.Versions[i].Action, d.Versions[i].Reason = Keep, reason
		}
		return 0
	}
	n := 0
	for i := range d.Versions {
		if d.Versions[i].Action != Delete {
			continue
		}
		if n < budget {
			n++
			continue
		}
		d.Versions[i].Action, d.Versions[i].Reason = Keep, reason
	}
	return n
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
