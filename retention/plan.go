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

// Plan is what a cleanup would do; NewPlan computes it and Apply carries it
// out. Its JSON form (for dry runs and for review before applying) is:
//
//	{
//	  "owner_kind": "org" | "user" | "authenticated",
//	  "owner_name": "octo-org",             // empty for "authenticated"
//	  "created_at": "2026-11-24T03:17:00Z", // the "now" versions were aged by
//	  "warnings": ["…"],                    // what could not be checked, and what was kept for it
//	  "withheld": 10,                       // deletions withheld: safety not proven (absent when 0)
//	  "policy": { …Policy… },
//	  "packages": [{
//	    "type": "container", "name": "app",
//	    "repository": "octo-org/app",       // container packages: the registry repository
//	    "withheld": 10,                     // this package's withheld deletions (absent when 0)
//	    "withheld_reason": "the registry's tags could not be read (…)",
//	    "delete_package": false, "package_reason": "",
//	    "groups": [{"group": "1", "images": 4, "kept": 2}], // with GroupBy
//	    "storage": {"freed_bytes": 1048576, "kept_bytes": 4194304}, // null: unknown (see Storage)
//	    "versions": [{                      // oldest first: created_at, then id
//	      "id": 1260000042, "name": "sha256:…", "tags": ["v1", "sha-1a2b"],
//	      "created_at": "…", "action": "keep" | "delete" | "untag", "reason": "…",
//	      "untag": ["sha-1a2b"],            // action untag: the tags it removes
//	      "placeholder": true,              // an unfinished untag's placeholder
//	      "groups": ["1"],                  // with GroupBy
//	      "size_bytes": 524288              // container images: see Storage (absent: unknown)
//	    }]
//	  }],
//	  "untag": ["sha-1a2b"]                 // NewUntagPlan: the tags asked for
//	}
type Plan struct {
	// OwnerKind and OwnerName are ghpackages.Owner's Kind and Name.
	OwnerKind ghpackages.OwnerKind `json:"owner_kind"`
	OwnerName string               `json:"owner_name,omitempty"`
	// CreatedAt is the time versions were aged by.
	CreatedAt time.Time `json:"created_at"`
	// Warnings say, once each, what the planner could not check (a
	// registry that could not be read, a listing that kept changing) and
	// what it kept because of it. Versions kept for a warning have a
	// short reason pointing here.
	Warnings []string `json:"warnings,omitempty"`
	// Withheld counts the deletions (and tag removals, with Untag) the
	// policy selected that the plan withholds because it could not prove
	// them safe, over all packages (the sum of PackagePlan.Withheld). A plan that withholds deletions
	// is incomplete: the cleanup it describes did not happen, so callers
	// should report it as a failure, not as "nothing to do" (ghpkg exits
	// 1). Zero when every selected deletion was proven safe.
	Withheld int `json:"withheld,omitempty"`
	// Policy is the validated policy the plan follows (for a plan
	// NewUntagPlan made: the package type and name only).
	Policy Policy `json:"policy"`
	// Untag, for a plan NewUntagPlan made, lists the tags asked to be
	// removed.
	Untag []string `json:"untag,omitempty"`
	// Packages are the selected packages, in name order.
	Packages []PackagePlan `json:"packages"`

	// readings are the registry readings NewPlan made, by package name,
	// for Apply with WithFreshPlan; a decoded plan has none.
	readings map[string]*repoGraph
	// sizes are the manifests' sizes NewPlan read, by package name, for
	// StorageDeleted; a decoded plan has none.
	sizes map[string]*packageSizes
}

// PackagePlan is the plan for one package.
type PackagePlan struct {
	// Type and Name name the package.
	Type ghpackages.PackageType `json:"type"`
	Name string                 `json:"name"`
	// Repository is a container package's registry repository
	// ("owner/name", lower-case), which Apply checks deletes against.
	Repository string `json:"repository,omitempty"`
	// Withheld counts the deletions (and tag removals) the policy selected
	// in this package that the plan withholds because their safety could
	// not be proven:
	// the registry could not be read (unreachable, refusing the token,
	// answering errors, or not holding the package's manifests), or the
	// version listing kept changing. Every version of the package is
	// then kept, with a reason pointing at Plan.Warnings, and
	// WithheldReason says why (the same words as the warning). A later
	// run deletes them once the cause is gone. Deleting a whole package
	// needs no registry and withholds nothing.
	Withheld       int    `json:"withheld,omitempty"`
	WithheldReason string `json:"withheld_reason,omitempty"`
	// Storage is what the package's plan frees and keeps (see Storage);
	// unknown for package types other than container and when the
	// registry was not read.
	Storage Storage `json:"storage"`
	PackageDecision
}

// Owner returns the owner the plan is for.
func (p *Plan) Owner() (ghpackages.Owner, error) {
	return ghpackages.ParseOwner(p.OwnerKind, p.OwnerName)
}

// Deletes counts the deletions planned: versions, and whole packages as one
// each.
func (p *Plan) Deletes() int {
	n := 0
	for _, pp := range p.Packages {
		n += pp.deletions()
	}
	return n
}

// Untags counts the tags planned for removal.
func (p *Plan) Untags() int {
	n := 0
	for _, pp := range p.Packages {
		n += pp.Untags()
	}
	return n
}

// deletions counts the API calls a package's plan makes.
func (d *PackageDecision) deletions() int {
	if d.DeletePackage {
		return 1
	}
	return d.Deletes()
}

// NewPlan computes, without changing anything, what policy would delete from
// owner's packages (see ghpackages.OrgOwner, UserOwner and
// AuthenticatedOwner). It reads every version of each selected package
// before deciding (deleting while paging would skip versions), and reads
// the listing again until two readings agree, so that versions deleted
// meanwhile by someone else cannot hide others.
//
// For container packages it then reads the registry (WithResolver): every
// tag, and every manifest that a tag or a version names, following image
// indexes, Docker manifest lists, OCI referrers (the referrers API when
// the registry has it, else the "sha256-<hex>" tag schema) and
// "sha256-<hex>.sig"/".att" tags, at any depth. The registry's tags count
// as the versions' tags, and a tagged manifest that has no package version
// still protects what it references. Everything a kept image needs is
// kept (see Decide). A manifest that does not exist (a version whose
// manifest is gone) is nothing more than a version to decide on; but if
// the registry cannot be read (an error, a refusal, no resolver), every
// version of the package is kept, and Plan.Warnings says so once.
//
// Packages are read 8 at a time. Registry lookups run a few at a time
// (more while the registry keeps up), authenticate once per repository and
// read each manifest once per call, or never with a manifest cache that
// holds it (RegistryConfig.Cache); the plan keeps what it read of the
// registry for Apply with WithFreshPlan. The plan is deterministic for the
// same versions, registry contents and clock: packages in name order,
// versions oldest first.
func NewPlan(ctx context.Context, client *ghpackages.Client, owner ghpackages.Owner, policy Policy, opts ...PlanOption) (*Plan, error) {
	if err := policy.Validate(); err != nil {
		return nil, err
	}
	o := planOptions(opts)
	now := o.now()
	api := client.Packages(owner)
	pkgs, err := selectPackages(ctx, api, &policy)
	if err != nil {
		return nil, err
	}
	plan := &Plan{OwnerKind: owner.Kind(), OwnerName: owner.Name(), CreatedAt: now, Policy: policy, Packages: []PackagePlan{}}
	budget := -1
	if policy.MaxDelete > 0 {
		budget = policy.MaxDelete
	}
	reads, err := readPackages(ctx, api, o.resolver, owner, &policy, pkgs, now)
	if err != nil {
		return nil, err
	}
	var concerns concerns
	for i, pkg := range pkgs {
		r := reads[i]
		reads[i] = nil
		stable, in, unsafe, repo := r.stable, r.in, r.unsafe, r.repo
		if unsafe == nil && r.graph != nil {
			if plan.readings == nil {
				plan.readings = map[string]*repoGraph{}
			}
			plan.readings[pkg.Name] = r.graph
		}
		d := decide(in, budget)
		pp := PackagePlan{Type: policy.Type, Name: pkg.Name, Repository: repo}
		// Deleting a whole package cannot break what stays: nothing does.
		if unsafe != nil && !(stable && d.DeletePackage) {
			withheld := d.deletions() + d.Untags()
			keepAll(&d, "kept: "+unsafe.short())
			concerns.add(*unsafe, pkg.Name, withheld)
			if withheld > 0 {
				pp.Withheld, pp.WithheldReason = withheld, unsafe.String()
				plan.Withheld += withheld
			}
		}
		if budget >= 0 {
			budget -= d.deletions()
		}
		pp.PackageDecision = d
		if unsafe == nil && r.graph != nil {
			ps := newPackageSizes(r.graph)
			setStorage(&pp, ps)
			if ps != nil {
				if plan.sizes == nil {
					plan.sizes = map[string]*packageSizes{}
				}
				plan.sizes[pkg.Name] = ps
			}
		}
		plan.Packages = append(plan.Packages, pp)
	}
	plan.Warnings = concerns.warnings()
	return plan, nil
}

// packageRead is what the planner read of one package before deciding.
type packageRead struct {
	in     DecideInput
	stable bool
	unsafe *concern // why nothing of this package may be deleted
	repo   string
	graph  *repoGraph
}

// planConcurrency is how many packages are read at once. Each reads its
// listing a page at a time and its registry through the resolver's own
// bound, so an organization's 300 packages take 300/8 times one.
const planConcurrency = 8

// readPackages lists each package's versions (until two readings agree)
// and reads its registry, planConcurrency packages at a time. The error
// is the first package's in name order (or ctx's).
func readPackages(ctx context.Context, api *ghpackages.OwnerPackages, resolver ManifestResolver, owner ghpackages.Owner, policy *Policy,
	pkgs []*ghpackages.Package, now time.Time) ([]*packageRead, error) {
	inner, cancel := context.WithCancel(ctx)
	defer cancel()
	reads := make([]*packageRead, len(pkgs))
	errs := make([]error, len(pkgs))
	_ = forEachN(inner, len(pkgs), planConcurrency, func(i int) error {
		reads[i], errs[i] = readPackage(inner, api, resolver, owner, policy, pkgs[i], now)
		if errs[i] != nil {
			cancel() // the others' work would be thrown away
		}
		return nil
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var first error
	for _, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, context.Canceled):
			// Stopped because another package failed.
			if first == nil {
				first = err
			}
		default:
			return nil, err
		}
	}
	if first != nil {
		return nil, first
	}
	return reads, nil
}

// readPackage reads one package for NewPlan.
func readPackage(ctx context.Context, api *ghpackages.OwnerPackages, resolver ManifestResolver, owner ghpackages.Owner, policy *Policy,
	pkg *ghpackages.Package, now time.Time) (*packageRead, error) {
	versions, stable, err := listStable(ctx, api, policy.Type, pkg.Name)
	if err != nil {
		return nil, fmt.Errorf("retention: listing versions of %s: %w", pkg.Name, err)
	}
	r := &packageRead{in: DecideInput{Versions: versions, Policy: policy, Type: policy.Type, Now: now}, stable: stable}
	if !stable {
		r.unsafe = &concern{kind: "the version listing changed on every reading (another job is deleting or pushing)"}
	}
	if policy.Type == ghpackages.Container {
		r.repo = repository(owner, pkg)
	}
	if r.unsafe == nil && policy.Type == ghpackages.Container && !policy.SkipReferenceCheck {
		r.unsafe, r.graph, err = readRegistry(ctx, resolver, r.repo, &r.in)
		if err != nil {
			return nil, err
		}
	}
	return r, nil
}

// concern is why the planner could not prove a package safe to clean up.
type concern struct {
	kind   string // what went wrong, the same words for every package
	detail string // the first error, if any
}

// String is what went wrong, with the first error if any.
func (c concern) String() string {
	if c.detail == "" {
		return c.kind
	}
	return c.kind + " (" + c.detail + ")"
}

// short is the reason of the versions kept for c.
func (c concern) short() string {
	if strings.Contains(c.kind, "listing") {
		return "the version listing kept changing (see the plan's warnings)"
	}
	return "the registry could not be read (see the plan's warnings)"
}

// concerns gathers the run's concerns, one warning per kind.
type concerns struct {
	order []string
	by    map[string]*concernGroup
}

type concernGroup struct {
	detail   string
	packages []string
	withheld int
}

func (cs *concerns) add(c concern, pkg string, withheld int) {
	if cs.by == nil {
		cs.by = map[string]*concernGroup{}
	}
	g, ok := cs.by[c.kind]
	if !ok {
		g = &concernGroup{detail: c.detail}
		cs.by[c.kind] = g
		cs.order = append(cs.order, c.kind)
	}
	g.packages = append(g.packages, pkg)
	g.withheld += withheld
}

// warnings writes one warning per kind of concern: which packages, why,
// and the consequence.
func (cs *concerns) warnings() []string {
	var out []string
	for _, kind := range cs.order {
		g := cs.by[kind]
		what := "every version of it was kept"
		if len(g.packages) > 1 {
			what = "every version of them was kept"
		}
		detail := ""
		if g.detail != "" {
			detail = " (" + g.detail + ")"
		}
		out = append(out, fmt.Sprintf("%s: %s%s; %s, withholding %d deletion(s) the policy asked for", strings.Join(g.packages, ", "), kind, detail, what, g.withheld))
	}
	return out
}

// repository is the registry repository of a container package:
// "owner/package", lower-case.
func repository(owner ghpackages.Owner, pkg *ghpackages.Package) string {
	login := owner.Name()
	if pkg.Owner != nil && pkg.Owner.Login != "" {
		login = pkg.Owner.Login
	}
	return strings.ToLower(login + "/" + pkg.Name)
}

// keepAll keeps every version, with all its tags, with reason.
func keepAll(d *PackageDecision, reason string) {
	d.DeletePackage, d.PackageReason = false, ""
	for i := range d.Versions {
		if v := &d.Versions[i]; v.Action == ActionDelete || v.Action == ActionUntag {
			v.Action, v.Reason, v.Untag = ActionKeep, reason, nil
		}
	}
}

// listStable lists a package's versions until two consecutive readings
// agree (at most four readings); stable is false when they never did.
// Pages are taken in as they come, and each version is kept with only
// what deciding needs (see slim), so a reading costs about a page of
// memory more than its result.
func listStable(ctx context.Context, api *ghpackages.OwnerPackages, typ ghpackages.PackageType, name string) (versions []*ghpackages.PackageVersion, stable bool, err error) {
	var prev []int64
	for range 4 {
		versions = versions[:0:0]
		for v, err := range api.AllVersions(ctx, typ, name, &ghpackages.PackageVersionListOptions{PerPage: 100}) {
			if err != nil {
				return nil, false, err
			}
			versions = append(versions, slim(v))
		}
		ids := make([]int64, len(versions))
		for i, v := range versions {
			ids[i] = v.ID
		}
		slices.Sort(ids)
		if prev != nil && slices.Equal(ids, prev) {
			return slices.Clip(versions), true, nil
		}
		prev = ids
	}
	return slices.Clip(versions), false, nil
}

// slim returns the part of v that deciding reads: its ID, name, creation
// time and tags (URLs, descriptions and the rest are dropped).
func slim(v *ghpackages.PackageVersion) *ghpackages.PackageVersion {
	out := &ghpackages.PackageVersion{ID: v.ID, Name: v.Name, CreatedAt: v.CreatedAt}
	if m := v.Metadata; m != nil {
		out.Metadata = &ghpackages.VersionMetadata{PackageType: m.PackageType}
		if m.Container != nil && len(m.Container.Tags) > 0 {
			out.Metadata.Container = &ghpackages.ContainerMetadata{Tags: m.Container.Tags}
		}
		if m.Docker != nil && len(m.Docker.Tags) > 0 {
			out.Metadata.Docker = &ghpackages.DockerMetadata{Tags: m.Docker.Tags}
		}
	}
	return out
}

// readRegistry reads repo's tags and manifests into in (Refs, Protected,
// RegistryTags, Broken). It returns a concern when the registry could not
// be read well enough to delete anything, and an error only for ctx's.
func readRegistry(ctx context.Context, resolver ManifestResolver, repo string, in *DecideInput) (*concern, *repoGraph, error) {
	if resolver == nil {
		return &concern{kind: "no registry to read (no resolver), so which manifests kept images need is unknown"}, nil, nil
	}
	g := newRepoGraph(resolver, repo)
	if err := g.loadTags(ctx); err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return &concern{kind: "the registry's tags could not be read", detail: err.Error()}, nil, nil
	}
	names := map[string]bool{}
	var start []string
	for _, v := range in.Versions {
		names[v.Name] = true
		start = append(start, v.Name)
		g.addExtraTags(v.Name, v.Tags())
	}
	// The listing vouches for its versions: a cached manifest of one is
	// used without asking the registry whether it still has it.
	g.vouch(start...)
	start = append(start, g.roots()...)
	if err := g.walk(ctx, start); err != nil {
		return nil, nil, err
	}
	if c := implausible(g, in.Versions, repo); c != nil {
		return c, nil, nil
	}
	if c := unreadable(g); c != nil {
		return c, nil, nil
	}
	if p := in.Policy; p.DeleteGhostImages || p.DeletePartialImages || p.DeleteOrphanedReferrers {
		broken, err := brokenManifests(ctx, g, in.Versions)
		if err != nil {
			return nil, nil, err
		}
		if c := unreadable(g); c != nil {
			return c, nil, nil
		}
		in.Broken = broken
	}
	in.Refs = g.refMap()
	g.forget() // Refs holds them for deciding; Apply builds its own as it needs
	in.RegistryTags = g.tagsByDigest()
	in.Placeholders = g.placeholders(names)
	// A tag on a manifest that is no package version (the listing is
	// behind, or the registry holds more than the API shows) still needs
	// everything under it.
	for d, tags := range in.RegistryTags {
		if !names[d] {
			if in.Protected == nil {
				in.Protected = map[string]string{}
			}
			in.Protected[d] = "tagged " + strings.Join(tags, ", ") + " in the registry"
		}
	}
	return nil, g, nil
}

// unreadable returns a concern when some manifest could not be read.
func unreadable(g *repoGraph) *concern {
	n, d, err := g.firstFailure()
	if n == 0 {
		return nil
	}
	return &concern{kind: "some manifests could not be read from the registry, and a kept image might need any version",
		detail: fmt.Sprintf("%d, the first %s: %v", n, shortDigest(d), err)}
}

// selectPackages returns the packages the policy names, in name order.
func selectPackages(ctx context.Context, api *ghpackages.OwnerPackages, p *Policy) ([]*ghpackages.Package, error) {
	allLiteral := len(p.Packages) > 0
	for _, pat := range p.Packages {
		allLiteral = allLiteral && pat.IsLiteral()
	}
	var out []*ghpackages.Package
	if allLiteral {
		for _, pat := range p.Packages {
			pkg, _, err := api.Get(ctx, p.Type, pat.Literal())
			if err != nil {
				return nil, fmt.Errorf("retention: package %s: %w", pat.Literal(), err)
			}
			out = append(out, pkg)
		}
	} else {
		all, err := ghpackages.Collect(api.All(ctx, p.Type, &ghpackages.PackageListOptions{PerPage: 100}))
		if err != nil {
			return nil, fmt.Errorf("retention: listing %s packages: %w", p.Type, err)
		}
		for _, pkg := range all {
			if len(p.Packages) == 0 || slices.ContainsFunc(p.Packages, func(pat Pattern) bool { return pat.Match(pkg.Name) }) {
				out = append(out, pkg)
			}
		}
	}
	slices.SortFunc(out, func(a, b *ghpackages.Package) int { return strings.Compare(a.Name, b.Name) })
	return slices.CompactFunc(out, func(a, b *ghpackages.Package) bool { return a.Name == b.Name }), nil
}

// implausible returns a concern when the registry's answers do not fit
// the listing — no tags while versions are tagged, or none of the
// versions' manifests — as from a wrong registry host: then "missing"
// cannot be trusted to mean "gone".
func implausible(g *repoGraph, versions []*ghpackages.PackageVersion, repo string) *concern {
	if len(versions) == 0 {
		return nil
	}
	tagged, present := false, false
	g.mu.Lock()
	noTags := len(g.tags) == 0
	for _, v := range versions {
		tagged = tagged || len(v.Tags()) > 0
		if _, ok := g.manifests[v.Name]; ok || g.failed[v.Name] != nil {
			present = true
		}
	}
	g.mu.Unlock()
	switch {
	case !present:
		return &concern{kind: "the registry has none of the package's manifests (is it the right registry?)", detail: "repository " + repo}
	case tagged && noTags:
		return &concern{kind: "the registry lists no tags while the package has tagged versions (is it the right registry?)", detail: "repository " + repo}
	}
	return nil
}

// brokenManifests classifies the versions that are already broken: ghost
// and partial images, orphaned referrers. It reads the subjects the
// versions name (whether they exist) first.
func brokenManifests(ctx context.Context, g *repoGraph, versions []*ghpackages.PackageVersion) (map[string]Condition, error) {
	subjectOf := map[string]string{}
	var subjects []string
	g.mu.Lock()
	for _, v := range versions {
		if m, ok := g.manifests[v.Name]; ok && m.Subject != "" {
			subjectOf[v.Name] = m.Subject
		} else if s, ok := tagSubject(v.Tags()); ok {
			subjectOf[v.Name] = s
		}
	}
	for _, s := range subjectOf {
		subjects = append(subjects, s)
	}
	g.mu.Unlock()
	if err := g.walk(ctx, subjects); err != nil {
		return nil, err
	}
	out := map[string]Condition{}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, v := range versions {
		if s, ok := subjectOf[v.Name]; ok && g.missing[s] {
			out[v.Name] = ConditionOrphanedReferrer
			continue
		}
		m, ok := g.manifests[v.Name]
		if !ok || len(m.Children) == 0 {
			continue
		}
		gone := 0
		for _, c := range m.Children {
			if g.missing[c] {
				gone++
			}
		}
		switch {
		case gone == len(m.Children):
			out[v.Name] = ConditionGhostImage
		case gone > 0 || g.missingBelowLocked(v.Name):
			out[v.Name] = ConditionPartialImage
		}
	}
	return out, nil
}

// tagSubject returns the subject a version's tags name when every tag is
// a signature-style tag of the same digest.
func tagSubject(tags []string) (string, bool) {
	subject := ""
	for _, t := range tags {
		rest, ok := strings.CutPrefix(t, "sha256-")
		if !ok || len(rest) < 64 || !isLowerHex(rest[:64]) || len(rest) > 64 && rest[64] != '.' {
			return "", false
		}
		s := "sha256:" + rest[:64]
		if subject != "" && s != subject {
			return "", false
		}
		subject = s
	}
	return subject, subject != ""
}
