package retention

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// Untag in the planner: which tags of a version go (Policy.Untag).

// included reports whether tag t matches an include pattern, or there are
// none.
func (p *Policy) included(t string) bool {
	return len(p.IncludeTags) == 0 || slices.ContainsFunc(p.IncludeTags, func(pat Pattern) bool { return pat.Match(t) })
}

// excludedBy returns the exclude pattern t matches, if any.
func (p *Policy) excludedBy(t string) (Pattern, bool) {
	for _, pat := range p.ExcludeTags {
		if pat.Match(t) {
			return pat, true
		}
	}
	return Pattern{}, false
}

// isSignatureTag reports whether t is a signature, attestation or
// referrers-schema tag ("sha256-<hex>[.suffix]"), which follows its
// subject and is never removed on its own.
func isSignatureTag(t string) bool {
	_, ok := tagSubject([]string{t})
	return ok
}

// untagOne decides a tagged version that the policy would delete if all
// its tags matched, but of whose tags only some do (why says which one
// does not): with Untag, the matching ones go.
func (dc *decider) untagOne(tags []string, age time.Duration, why string) (Action, string, []string) {
	p := dc.p
	var remove, stay []string
	for _, t := range tags {
		if _, ex := p.excludedBy(t); ex || !p.included(t) || isSignatureTag(t) {
			stay = append(stay, t)
		} else {
			remove = append(remove, t)
		}
	}
	if len(remove) == 0 {
		return ActionKeep, why, nil
	}
	if p.OlderThan > 0 && age <= p.OlderThan {
		return ActionKeep, fmt.Sprintf("created %s ago, not older than %s", roundAge(age), roundAge(p.OlderThan)), nil
	}
	first := stay[0]
	because := "matches no include pattern"
	if pat, ex := p.excludedBy(first); ex {
		because = "matches exclude pattern " + pat.String()
	} else if isSignatureTag(first) {
		because = "a signature tag goes with its subject"
	}
	stays := fmt.Sprintf("tag %s stays (%s)", first, because)
	if len(stay) > 1 {
		stays = fmt.Sprintf("tags %s stay (%s: %s)", strings.Join(stay, ", "), first, because)
	}
	when := "matched by the policy"
	if p.OlderThan > 0 {
		when = fmt.Sprintf("created %s ago, older than %s", roundAge(age), roundAge(p.OlderThan))
	}
	return ActionUntag, fmt.Sprintf("removes %s, %s; %s", tagList(remove), when, stays), remove
}

// tagList writes "tag a" or "tags a, b".
func tagList(tags []string) string {
	if len(tags) == 1 {
		return "tag " + tags[0]
	}
	return "tags " + strings.Join(tags, ", ")
}

// ErrTagNotFound is matched by NewUntagPlan's error for a tag the package
// does not have.
var ErrTagNotFound = errors.New("retention: no such tag")

// NewUntagPlan plans removing tags from the container package pkg of
// owner: each tag goes from the version that carries it, which stays with
// its other tags. A version that loses its last tag is not deleted: a
// later NewPlan decides on it as an untagged version. Apply carries the
// plan out as it does Policy.Untag's steps (see TagMover); it changes
// nothing itself.
//
// It reads the package's versions and its registry as NewPlan does, so
// WithResolver is required; a tag the registry and the listing disagree on
// is found where the registry says. Placeholders left by an untag that did
// not finish are planned for deletion too, and a tag already on one is
// not an error: deleting the placeholder finishes removing it.
//
// It refuses, with an error matching ErrInvalidPolicy, no tags, an invalid
// tag, a signature or attestation tag ("sha256-<hex>.sig", which goes with
// its subject), and tags whose removal would leave the package with no
// tagged version (GitHub refuses to delete the last tagged version, so the
// placeholder could not go: delete the package instead); with
// ErrTagNotFound, tags the package does not have.
func NewUntagPlan(ctx context.Context, client *ghpackages.Client, owner ghpackages.Owner, pkg string, tags []string, opts ...PlanOption) (*Plan, error) {
	if len(tags) == 0 {
		return nil, fmt.Errorf("%w: no tags to remove", ErrInvalidPolicy)
	}
	var asked []string
	for _, t := range tags {
		switch {
		case !ValidTag(t):
			return nil, fmt.Errorf("%w: %q is not a valid tag (up to 128 letters, digits, _, . and -, not starting with . or -)", ErrInvalidPolicy, t)
		case isSignatureTag(t):
			return nil, fmt.Errorf("%w: %s is a signature or attestation tag: it goes with the image it signs, not on its own", ErrInvalidPolicy, t)
		case !slices.Contains(asked, t):
			asked = append(asked, t)
		}
	}
	o := planOptions(opts)
	if o.resolver == nil {
		return nil, ErrNoResolver
	}
	now := o.now()
	api := client.Packages(owner)
	p, _, err := api.Get(ctx, ghpackages.Container, pkg)
	if err != nil {
		return nil, fmt.Errorf("retention: package %s: %w", pkg, err)
	}
	repo := repository(owner, p)
	versions, stable, err := listStable(ctx, api, ghpackages.Container, pkg)
	if err != nil {
		return nil, fmt.Errorf("retention: listing versions of %s: %w", pkg, err)
	}
	if !stable {
		return nil, fmt.Errorf("retention: %s: the version listing changed on every reading (another job is deleting or pushing); try again", pkg)
	}
	policy := Policy{Type: ghpackages.Container, Packages: []Pattern{{src: pkg, glob: pkg}}}
	in := DecideInput{Versions: versions, Policy: &policy, Type: ghpackages.Container, Now: now}
	c, g, err := readRegistry(ctx, o.resolver, repo, &in)
	if err != nil {
		return nil, err
	}
	if c != nil {
		detail := ""
		if c.detail != "" {
			detail = " (" + c.detail + ")"
		}
		return nil, fmt.Errorf("retention: %s: %s%s: no tag can be removed safely without it", pkg, c.kind, detail)
	}
	// Where each tag points: the registry's word first, then the listing's.
	where := map[string]string{}
	for d, ts := range in.RegistryTags {
		for _, t := range ts {
			where[t] = d
		}
	}
	byName := map[string]*ghpackages.PackageVersion{}
	for _, v := range versions {
		byName[v.Name] = v
		for _, t := range v.Tags() {
			if _, ok := where[t]; !ok {
				where[t] = v.Name
			}
		}
	}
	var missing []string
	remove := map[string][]string{} // digest → tags to remove from it
	for _, t := range asked {
		d, ok := where[t]
		switch {
		case !ok:
			missing = append(missing, t)
		case byName[d] == nil:
			return nil, fmt.Errorf("retention: %s: tag %s points at %s, which is no package version: the API cannot remove it", pkg, t, shortDigest(d))
		case !in.Placeholders[d]:
			remove[d] = append(remove[d], t)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: %s has no %s", ErrTagNotFound, pkg, tagList(missing))
	}
	sorted := slices.Clone(versions)
	slices.SortFunc(sorted, compareVersions)
	d := PackageDecision{Versions: make([]Decision, len(sorted))}
	tagged := false
	for i, v := range sorted {
		dv := Decision{ID: v.ID, Name: v.Name, Tags: unionTags(v.Tags(), in.RegistryTags[v.Name]), CreatedAt: v.CreatedAt, Placeholder: in.Placeholders[v.Name],
			Action: ActionKeep, Reason: "none of its tags was named"}
		switch {
		case dv.Placeholder:
			dv.Action = ActionDelete
			dv.Reason = "an untag placeholder (no tags left on it)"
			if len(dv.Tags) > 0 {
				dv.Reason = fmt.Sprintf("the placeholder of an untag that did not finish: deleting it removes %s", tagList(dv.Tags))
			}
		case len(remove[v.Name]) > 0:
			dv.Action, dv.Untag = ActionUntag, remove[v.Name]
			dv.Reason = "removes " + tagList(dv.Untag) + ", as asked"
			if len(dv.remainingTags()) == 0 {
				dv.Reason += "; no tag stays: the version is kept, untagged, for a later prune to decide on"
			}
		}
		tagged = tagged || !dv.Placeholder && len(dv.remainingTags()) > 0
		d.Versions[i] = dv
	}
	if !tagged && len(remove) > 0 {
		return nil, fmt.Errorf("%w: removing %s would leave %s with no tagged version, and GitHub refuses to delete a package's last tagged version (the placeholder the tags move to): delete the package instead", ErrInvalidPolicy, tagList(asked), pkg)
	}
	return &Plan{OwnerKind: owner.Kind(), OwnerName: owner.Name(), CreatedAt: now, Policy: policy, Untag: asked,
		Packages: []PackagePlan{{Type: ghpackages.Container, Name: p.Name, Repository: repo, PackageDecision: d}},
		readings: map[string]*repoGraph{p.Name: g}}, nil
}
