package retention

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// Action is what a plan decides for a version: ActionKeep, ActionDelete or
// ActionUntag. (What a run did is an Item's Step and Outcome.)
type Action string

// Actions.
const (
	// ActionKeep leaves the version alone.
	ActionKeep Action = "keep"
	// ActionDelete deletes the version (or, with
	// PackageDecision.DeletePackage, the whole package).
	ActionDelete Action = "delete"
	// ActionUntag keeps the version and removes the tags listed in
	// Decision.Untag from it (Policy.Untag, NewUntagPlan); its other tags
	// stay.
	ActionUntag Action = "untag"
)

// Decision is the plan for one version, with the rule that decided it.
type Decision struct {
	// ID, Name (a container image's digest), Tags (never nil) and
	// CreatedAt describe the version. For container images Tags are the
	// tags the REST listing and the registry give the version, together.
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Tags      []string  `json:"tags"`
	CreatedAt time.Time `json:"created_at"`
	// Action is ActionKeep, ActionDelete or ActionUntag.
	Action Action `json:"action"`
	// Reason names the rule that decided Action, for people to read.
	Reason string `json:"reason"`
	// Untag, for ActionUntag, lists the tags to remove.
	Untag []string `json:"untag,omitempty"`
	// Placeholder marks the placeholder of an untag that did not finish
	// (see TagMover): deleting it removes the tags it carries.
	Placeholder bool `json:"placeholder,omitempty"`
	// Groups are the Policy.GroupBy groups the version counts in, for an
	// image when GroupBy is set.
	Groups []string `json:"groups,omitempty"`
	// SizeBytes is the version's size in the registry (see Storage): its
	// manifest and, for an image, its config and layers. Nil when unknown
	// (not a container, the registry was not read or no longer has it).
	SizeBytes *int64 `json:"size_bytes,omitempty"`
}

// keeps reports whether the version stays: kept, or only losing tags.
func (d *Decision) keeps() bool { return d.Action != ActionDelete }

// remainingTags returns the tags the version keeps.
func (d *Decision) remainingTags() []string {
	if d.Action == ActionDelete {
		return nil
	}
	return slices.DeleteFunc(slices.Clone(d.Tags), func(t string) bool { return slices.Contains(d.Untag, t) })
}

// PackageDecision is the plan for one package's versions.
type PackageDecision struct {
	// Versions are the package's active versions, oldest first (by
	// created_at, then ID).
	Versions []Decision `json:"versions"`
	// DeletePackage is set when the policy deletes every version and
	// allows deleting the package; the package is then deleted whole, in
	// one call, and PackageReason says why.
	DeletePackage bool   `json:"delete_package,omitempty"`
	PackageReason string `json:"package_reason,omitempty"`
	// Groups count the images of each Policy.GroupBy group, and how many
	// of them stay, when GroupBy is set; in group name order.
	Groups []GroupCount `json:"groups,omitempty"`
}

// GroupCount is what the plan keeps of one GroupBy group.
type GroupCount struct {
	// Group is the text the GroupBy pattern captured, or GroupOther or
	// GroupUntagged.
	Group string `json:"group"`
	// Images counts the group's images; Kept how many of them stay.
	Images int `json:"images"`
	Kept   int `json:"kept"`
}

// Untags counts the tags planned for removal.
func (d *PackageDecision) Untags() int {
	n := 0
	for _, v := range d.Versions {
		if v.Action == ActionUntag {
			n += len(v.Untag)
		}
	}
	return n
}

// Deletes counts the versions planned for deletion.
func (d *PackageDecision) Deletes() int {
	n := 0
	for _, v := range d.Versions {
		if v.Action == ActionDelete {
			n++
		}
	}
	return n
}

// DecideInput is what Decide decides from. Only Versions, Policy and Now
// are required.
type DecideInput struct {
	// Versions are the package's active versions, in any order.
	Versions []*ghpackages.PackageVersion
	// Policy is the policy to apply; it should be valid (Policy.Validate).
	Policy *Policy
	// Type is the package's type; Policy.Type when empty.
	Type ghpackages.PackageType
	// Now is the time versions are aged by.
	Now time.Time
	// Refs maps a container manifest digest to the digests that must stay
	// while it stays: the children of an image index or manifest list,
	// the manifests whose OCI subject it is, and the manifests tagged
	// after it ("sha256-<hex>.sig", ".att", the referrers tag schema).
	// Keys and values need not be versions of the package (an index that
	// has no package version still links its children). NewPlan reads it
	// from the registry.
	Refs map[string][]string
	// Protected maps digests that stay whatever the policy says to why
	// (for example a registry tag on a manifest that is no package
	// version). A protected version is kept, and so is everything Refs
	// reaches from a protected digest.
	Protected map[string]string
	// RegistryTags maps digests to tags the registry gives them; a
	// version is decided on its listed tags and these together.
	RegistryTags map[string][]string
	// Broken maps container manifests that are already broken to what is
	// wrong with them; the policy's DeleteGhostImages,
	// DeletePartialImages and DeleteOrphanedReferrers decide whether they
	// go. NewPlan reads it from the registry.
	Broken map[string]Condition
	// Placeholders are the digests of untag placeholders (see TagMover):
	// their versions are deleted, whatever the policy says, to finish the
	// untag that pushed them. NewPlan reads it from the registry.
	Placeholders map[string]bool
	// Limit caps the deletions: whole images go first (versions nothing
	// references), then their parts, oldest first within each; the rest
	// are kept with that reason, and so is what they need. 0 means no cap.
	// (Policy.MaxDelete caps a whole run; NewPlan shares it out over the
	// run's packages.)
	Limit int
}

// Condition is what is wrong with a container manifest that is already
// broken.
type Condition string

// Conditions.
const (
	// ConditionGhostImage is an image index or manifest list none of
	// whose listed manifests exist.
	ConditionGhostImage Condition = "ghost-image"
	// ConditionPartialImage is an image index or manifest list of which
	// some manifest, at any depth, is missing.
	ConditionPartialImage Condition = "partial-image"
	// ConditionOrphanedReferrer is a signature, attestation or other
	// referrer whose subject is gone.
	ConditionOrphanedReferrer Condition = "orphaned-referrer"
)

// optedIn reports whether the policy deletes manifests in condition c, and
// the reason it gives.
func (p *Policy) optedIn(c Condition) (bool, string) {
	switch c {
	case ConditionGhostImage:
		return p.DeleteGhostImages, "ghost image: none of the manifests it lists exist (DeleteGhostImages)"
	case ConditionPartialImage:
		return p.DeletePartialImages, "partial image: some manifest it needs is missing (DeletePartialImages)"
	case ConditionOrphanedReferrer:
		return p.DeleteOrphanedReferrers, "orphaned signature or attestation: its subject is gone (DeleteOrphanedReferrers)"
	}
	return false, ""
}

// Decide applies a policy to one package's active versions. It does no
// I/O, so it can be tested with hand-built versions.
//
// Everything Refs reaches from a kept version or a protected digest is
// kept, with the kept image it is needed by as the reason; KeepNewest and
// its tagged and untagged variants count images, not manifests: a
// version that another manifest references (a platform image of an index,
// a signature) is part of that image, not one of its own. The last-version
// rules are applied last: GitHub refuses to delete a package's last
// version, and a container package's last tagged version, so the newest
// such image is kept unless Policy.DeletePackageWhenEmpty plans the
// package's deletion instead.
func Decide(in DecideInput) PackageDecision {
	budget := -1
	if in.Limit > 0 {
		budget = in.Limit
	}
	return decide(in, budget)
}

// decider holds one Decide call's state.
type decider struct {
	in     DecideInput
	p      *Policy
	typ    ghpackages.PackageType
	sorted []*ghpackages.PackageVersion
	// tags are the sorted versions' tags: the listing's and the
	// registry's together.
	tags [][]string
	out  PackageDecision
	// member marks digests that another manifest references.
	member map[string]bool
}

// decide is Decide with a budget of at most budget deletions (a negative
// budget means no cap). A whole-package deletion counts as one.
func decide(in DecideInput, budget int) PackageDecision {
	dc := &decider{in: in, p: in.Policy, typ: in.Type}
	if dc.typ == "" {
		dc.typ = dc.p.Type
	}
	dc.sorted = slices.Clone(in.Versions)
	slices.SortFunc(dc.sorted, compareVersions)
	dc.member = map[string]bool{}
	for from, tos := range in.Refs {
		for _, to := range tos {
			if to != from {
				dc.member[to] = true
			}
		}
	}
	dc.tags = make([][]string, len(dc.sorted))
	for i, v := range dc.sorted {
		dc.tags[i] = unionTags(v.Tags(), in.RegistryTags[v.Name])
	}
	dc.out = PackageDecision{Versions: make([]Decision, len(dc.sorted))}
	ranks := dc.imageRanks()
	for i, v := range dc.sorted {
		d := Decision{ID: v.ID, Name: v.Name, Tags: dc.tags[i], CreatedAt: v.CreatedAt, Placeholder: in.Placeholders[v.Name], Groups: ranks[i].groups}
		d.Action, d.Reason, d.Untag = dc.decideOne(v, d.Tags, ranks[i])
		dc.out.Versions[i] = d
	}
	dc.close()
	dc.applyLastVersionRules()
	if budget >= 0 {
		capDeletes(&dc.out, budget, dc.p.MaxDelete, dc.member)
		dc.close()
	}
	dc.countGroups()
	return dc.out
}

func unionTags(listed, registry []string) []string {
	out := make([]string, 0, len(listed)+len(registry))
	out = append(out, listed...)
	for _, t := range registry {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
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

// imageRank is a version's rank among the package's images, newest = 1;
// 0 for a version that is part of another image (or an untag
// placeholder). With GroupBy, group is its best rank in any of its
// groups, groupName that group, and groups all of them.
type imageRank struct {
	all, tagged, untagged int
	group                 int
	groupName             string
	groups                []string
}

func (dc *decider) imageRanks() []imageRank {
	ranks := make([]imageRank, len(dc.sorted))
	var all, tagged, untagged int
	inGroup := map[string]int{}
	for i := len(dc.sorted) - 1; i >= 0; i-- {
		v := dc.sorted[i]
		if dc.member[v.Name] || dc.in.Placeholders[v.Name] {
			continue
		}
		all++
		ranks[i].all = all
		if len(dc.tags[i]) > 0 {
			tagged++
			ranks[i].tagged = tagged
		} else {
			untagged++
			ranks[i].untagged = untagged
		}
		if dc.p.GroupBy.valid() {
			r := &ranks[i]
			r.groups = groupsOf(dc.p.GroupBy, dc.tags[i], dc.p.KeepNewest > 0)
			for _, g := range r.groups {
				inGroup[g]++
				if r.group == 0 || inGroup[g] < r.group {
					r.group, r.groupName = inGroup[g], g
				}
			}
		}
	}
	return ranks
}

// decideOne applies the rules to one version: the action, its reason and,
// for ActionUntag, the tags to remove.
func (dc *decider) decideOne(v *ghpackages.PackageVersion, tags []string, rank imageRank) (Action, string, []string) {
	p, now := dc.p, dc.in.Now
	if dc.in.Placeholders[v.Name] {
		if len(tags) == 0 {
			return ActionDelete, "an untag placeholder (no tags left on it)", nil
		}
		return ActionDelete, fmt.Sprintf("the placeholder of an untag that did not finish: deleting it removes %s", tagList(tags)), nil
	}
	grouped := p.GroupBy.valid()
	switch {
	case grouped && rank.group > 0 && rank.group <= p.KeepNewest:
		return ActionKeep, fmt.Sprintf("one of the %d newest images of group %s (GroupBy)", p.KeepNewest, groupLabel(rank.groupName)), nil
	case grouped && rank.tagged > 0 && rank.group > 0 && rank.group <= p.KeepNewestTagged:
		return ActionKeep, fmt.Sprintf("one of the %d newest tagged images of group %s (GroupBy)", p.KeepNewestTagged, groupLabel(rank.groupName)), nil
	case !grouped && rank.all > 0 && rank.all <= p.KeepNewest:
		return ActionKeep, fmt.Sprintf("one of the %d newest images", p.KeepNewest), nil
	case !grouped && rank.tagged > 0 && rank.tagged <= p.KeepNewestTagged:
		return ActionKeep, fmt.Sprintf("one of the %d newest tagged images", p.KeepNewestTagged), nil
	case rank.untagged > 0 && rank.untagged <= p.KeepNewestUntagged:
		return ActionKeep, fmt.Sprintf("one of the %d newest untagged images", p.KeepNewestUntagged), nil
	}
	if slices.Contains(p.KeepIDs, v.ID) {
		return ActionKeep, fmt.Sprintf("ID %d is on the keep list", v.ID), nil
	}
	if slices.Contains(p.KeepNames, v.Name) {
		return ActionKeep, fmt.Sprintf("name %s is on the keep list", v.Name), nil
	}
	// With Untag, an excluded tag keeps the version but not its other
	// tags: remember the first, and go on.
	excluded := ""
	for _, t := range tags {
		if slices.Contains(p.KeepTags, t) {
			return ActionKeep, fmt.Sprintf("tag %s is on the keep list", t), nil
		}
		for _, pat := range p.ExcludeTags {
			if pat.Match(t) {
				why := fmt.Sprintf("tag %s matches exclude pattern %s", t, pat)
				if !p.Untag {
					return ActionKeep, why, nil
				}
				if excluded == "" {
					excluded = why
				}
			}
		}
	}
	if why, ok := dc.in.Protected[v.Name]; ok {
		return ActionKeep, why, nil
	}
	age := now.Sub(v.CreatedAt)
	if g := p.grace(); g > 0 && len(tags) == 0 && age < g && (dc.typ == ghpackages.Container || dc.typ == ghpackages.Docker) {
		return ActionKeep, fmt.Sprintf("untagged, created %s ago: within the %s grace for pushes in progress (Grace)", roundAge(age), FormatAge(g)), nil
	}
	if c, ok := dc.in.Broken[v.Name]; ok && excluded == "" {
		if yes, why := p.optedIn(c); yes {
			return ActionDelete, why, nil
		}
	}
	switch sel := p.tagSelection(); {
	case sel == UntaggedOnly && len(tags) > 0:
		return ActionKeep, "tagged; the policy deletes untagged versions only", nil
	case sel == TaggedOnly && len(tags) == 0:
		return ActionKeep, "untagged; the policy deletes tagged versions only", nil
	}
	notIncluded := ""
	if len(p.IncludeTags) > 0 {
		if len(tags) == 0 {
			return ActionKeep, "untagged; IncludeTags selects tagged versions only", nil
		}
		for _, t := range tags {
			if !p.included(t) {
				notIncluded = fmt.Sprintf("tag %s matches no include pattern (deleting the version would delete all its tags)", t)
				break
			}
		}
	}
	if excluded != "" || notIncluded != "" {
		why := cmp.Or(excluded, notIncluded)
		if !p.Untag {
			return ActionKeep, why, nil
		}
		return dc.untagOne(tags, age, why)
	}
	if p.OlderThan > 0 && age <= p.OlderThan {
		return ActionKeep, fmt.Sprintf("created %s ago, not older than %s", roundAge(age), roundAge(p.OlderThan)), nil
	}
	what := "untagged"
	if len(tags) > 0 {
		what = "tagged " + strings.Join(tags, ", ")
	}
	if p.OlderThan > 0 {
		return ActionDelete, fmt.Sprintf("%s, created %s ago, older than %s", what, roundAge(age), roundAge(p.OlderThan)), nil
	}
	return ActionDelete, what + ", matched by the policy", nil
}

// close keeps every version that Refs reaches from a kept version or a
// protected digest, naming the kept image it is needed by.
func (dc *decider) close() {
	if len(dc.in.Refs) == 0 && len(dc.in.Protected) == 0 {
		return
	}
	label := map[string]string{} // reached digest → the root it was reached from
	var queue []string
	for _, v := range dc.out.Versions {
		if v.keeps() {
			if _, ok := label[v.Name]; !ok {
				label[v.Name] = describeImage(v.Name, v.Tags)
				queue = append(queue, v.Name)
			}
		}
	}
	for _, d := range slices.Sorted(maps.Keys(dc.in.Protected)) {
		if _, ok := label[d]; !ok {
			label[d] = describeImage(d, dc.in.RegistryTags[d])
			queue = append(queue, d)
		}
	}
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		for _, c := range dc.in.Refs[d] {
			if _, ok := label[c]; !ok {
				label[c] = label[d]
				queue = append(queue, c)
			}
		}
	}
	for i, v := range dc.out.Versions {
		if v.Action == ActionDelete {
			if root, ok := label[v.Name]; ok {
				dc.out.Versions[i].Action = ActionKeep
				dc.out.Versions[i].Reason = "needed by kept " + root
			}
		}
	}
}

// describeImage names a manifest for a reason: its short digest and tags.
func describeImage(digest string, tags []string) string {
	s := shortDigest(digest)
	if len(tags) > 0 {
		if len(tags) > 3 {
			tags = append(slices.Clone(tags[:3]), "…")
		}
		s += " (" + strings.Join(tags, ", ") + ")"
	}
	return s
}

// applyLastVersionRules keeps what GitHub would refuse to delete, or plans
// deleting the whole package when the policy deletes every version and
// allows it.
func (dc *decider) applyLastVersionRules() {
	out := &dc.out
	vs := out.Versions
	if len(vs) == 0 {
		return
	}
	if out.Deletes() == len(vs) && dc.p.DeletePackageWhenEmpty && len(dc.in.Protected) == 0 {
		out.DeletePackage = true
		out.PackageReason = "the policy deletes every version and allows deleting the package"
		return
	}
	out.DeletePackage, out.PackageReason = false, ""
	// newest returns the index of the newest version planned for deletion
	// that ok accepts, preferring images to untag placeholders, and whole
	// images to their parts.
	score := func(v Decision) int {
		n := 0
		if !v.Placeholder {
			n += 2
		}
		if !dc.member[v.Name] {
			n++
		}
		return n
	}
	newest := func(ok func(Decision) bool) int {
		best := -1
		for i, v := range vs {
			if v.Action != ActionDelete || !ok(v) {
				continue
			}
			if best < 0 || score(v) >= score(vs[best]) {
				best = i
			}
		}
		return best
	}
	// A container package must keep a tagged version if it has one; that
	// also keeps it from losing its last version. A version that only
	// loses some tags keeps the rest.
	if dc.typ == ghpackages.Container && !slices.ContainsFunc(vs, func(v Decision) bool { return len(v.remainingTags()) > 0 }) {
		if i := newest(func(v Decision) bool { return len(v.Tags) > 0 }); i >= 0 {
			vs[i].Action = ActionKeep
			vs[i].Reason = "the last tagged version: GitHub refuses to delete it (set DeletePackageWhenEmpty to delete the package when every version goes)"
			dc.close()
		}
	}
	if out.Deletes() == len(vs) {
		i := newest(func(Decision) bool { return true })
		vs[i].Action = ActionKeep
		vs[i].Reason = "the last version: GitHub refuses to delete it (set DeletePackageWhenEmpty to delete the package)"
		dc.close()
	}
}

// capDeletes keeps the deletions past budget and returns how many
// deletions are left planned. Whole images (versions nothing references)
// go first, then their parts, oldest first within each, so the cap
// rarely keeps an index while planning its children.
func capDeletes(d *PackageDecision, budget, maxDelete int, member map[string]bool) int {
	reason := fmt.Sprintf("within the policy, but the run's limit of %d deletions is reached", maxDelete)
	if d.DeletePackage {
		if budget >= 1 {
			return 1
		}
		d.DeletePackage, d.PackageReason = false, ""
		for i := range d.Versions {
			d.Versions[i].Action, d.Versions[i].Reason = ActionKeep, reason
		}
		return 0
	}
	var order []int
	for _, parts := range []bool{false, true} {
		for i, v := range d.Versions {
			if v.Action == ActionDelete && member[v.Name] == parts {
				order = append(order, i)
			}
		}
	}
	n := 0
	for _, i := range order {
		if n < budget {
			n++
			continue
		}
		d.Versions[i].Action, d.Versions[i].Reason = ActionKeep, reason
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

func shortDigest(d string) string {
	if len(d) > 19 {
		return d[:19] + "…"
	}
	return d
}
