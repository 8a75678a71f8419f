package retention

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// Option configures NewPlan, Apply and Restore.
type Option func(*options)

type options struct {
	resolver ManifestResolver
	now      func() time.Time
	progress func(Item)
}

// WithResolver sets the registry resolver NewPlan uses for container packages
// (see NewRegistryResolver). Without one, NewPlan keeps every untagged version
// of a container package, unless the policy sets SkipReferenceCheck.
func WithResolver(r ManifestResolver) Option { return func(o *options) { o.resolver = r } }

// WithNow sets the clock NewPlan ages versions by and reports are stamped with.
func WithNow(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithProgress calls f after each item Apply or Restore finishes.
func WithProgress(f func(Item)) Option { return func(o *options) { o.progress = f } }

func collect(opts []Option) options {
	o := options{now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// Plan is what a cleanup would do; NewPlan computes it and Apply carries it
// out. Its JSON form (for dry runs and for review before applying) is:
//
//	{
//	  "owner_kind": "org" | "user" | "authenticated",
//	  "owner_name": "octo-org",             // empty for "authenticated"
//	  "created_at": "2026-11-24T03:17:00Z", // the "now" versions were aged by
//	  "policy": { …Policy… },
//	  "packages": [{
//	    "type": "container", "name": "app",
//	    "delete_package": false, "package_reason": "",
//	    "versions": [{                      // oldest first: created_at, then id
//	      "id": 1260000042, "name": "sha256:…", "tags": ["v1"],
//	      "created_at": "…", "action": "keep" | "delete", "reason": "…"
//	    }]
//	  }]
//	}
type Plan struct {
	// OwnerKind and OwnerName are ghpackages.Owner's Kind and Name.
	OwnerKind string `json:"owner_kind"`
	OwnerName string `json:"owner_name,omitempty"`
	// CreatedAt is the time versions were aged by.
	CreatedAt time.Time `json:"created_at"`
	// Policy is the validated policy the plan follows.
	Policy Policy `json:"policy"`
	// Packages are the selected packages, in name order.
	Packages []PackagePlan `json:"packages"`
}

// PackagePlan is the plan for one package.
type PackagePlan struct {
	// Type and Name name the package.
	Type ghpackages.PackageType `json:"type"`
	Name string                 `json:"name"`
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
// before deciding (deleting while paging would skip versions). For
// container packages it then asks the registry (WithResolver) which
// manifests the kept versions reference, keeps those, and decides again,
// until the kept set stops growing; if the registry cannot be read, or no
// resolver is given, no untagged version of that package is deleted. Tags
// of the form "sha256-<hex>[.suffix]" (cosign signatures, attestations,
// SBOMs and the OCI referrers tag schema) follow their subject: they are
// kept with a kept digest.
//
// The plan is deterministic for the same versions, registry contents and
// clock: packages in name order, versions oldest first.
func NewPlan(ctx context.Context, client *ghpackages.Client, owner ghpackages.Owner, policy Policy, opts ...Option) (*Plan, error) {
	if err := policy.Validate(); err != nil {
		return nil, err
	}
	o := collect(opts)
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
	for _, pkg := range pkgs {
		versions, err := ghpackages.Collect(api.AllVersions(ctx, policy.Type, pkg.Name, &ghpackages.ListVersionsOptions{PerPage: 100}))
		if err != nil {
			return nil, fmt.Errorf("retention: listing versions of %s: %w", pkg.Name, err)
		}
		login := owner.Name()
		if pkg.Owner != nil && pkg.Owner.Login != "" {
			login = pkg.Owner.Login
		}
		repo := strings.ToLower(login + "/" + pkg.Name)
		d, err := decideWithReferences(ctx, versions, &policy, now, o.resolver, repo, budget)
		if err != nil {
			return nil, err
		}
		if budget >= 0 {
			budget -= d.deletions()
		}
		plan.Packages = append(plan.Packages, PackagePlan{Type: policy.Type, Name: pkg.Name, PackageDecision: d})
	}
	return plan, nil
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
		all, err := ghpackages.Collect(api.All(ctx, p.Type, &ghpackages.ListOptions{PerPage: 100}))
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

// referrerSubject returns the subject digest a cosign-style tag
// ("sha256-<hex>.sig", ".att", ".sbom", …) or an OCI referrers fallback tag
// ("sha256-<hex>") names.
func referrerSubject(tag string) (string, bool) {
	rest, ok := strings.CutPrefix(tag, "sha256-")
	if !ok || len(rest) < 64 {
		return "", false
	}
	hexPart, suffix := rest[:64], rest[64:]
	if suffix != "" && (suffix[0] != '.' || len(suffix) == 1) {
		return "", false
	}
	for _, c := range hexPart {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return "", false
		}
	}
	return "sha256:" + hexPart, true
}

// decideWithReferences runs DecideWithin, protecting what kept versions
// reference, until nothing new is protected. It reads the registry only
// for container packages; budget is as for DecideWithin.
func decideWithReferences(ctx context.Context, versions []*ghpackages.PackageVersion, p *Policy, now time.Time, resolver ManifestResolver, repo string, budget int) (PackageDecision, error) {
	protected := map[string]string{}
	if p.Type != ghpackages.Container || p.SkipReferenceCheck {
		return DecideWithin(versions, p, p.Type, now, protected, budget), nil
	}
	referrers := map[string][]string{} // subject digest → names of versions tagged after it
	for _, v := range versions {
		for _, t := range v.Tags() {
			if subject, ok := referrerSubject(t); ok && subject != v.Name {
				referrers[subject] = append(referrers[subject], v.Name)
			}
		}
	}
	resolved := map[string]bool{}
	// Protection only grows, so this ends: at most one round per version.
	for {
		if err := ctx.Err(); err != nil {
			return PackageDecision{}, err
		}
		d := DecideWithin(versions, p, p.Type, now, protected, budget)
		grew := false
		var lookupErr error
		for _, v := range d.Versions {
			if v.Action != Keep || resolved[v.Name] {
				continue
			}
			resolved[v.Name] = true
			for _, r := range referrers[v.Name] {
				if _, ok := protected[r]; !ok {
					protected[r] = "signature, attestation or referrer of kept " + shortDigest(v.Name)
					grew = true
				}
			}
			if resolver == nil {
				continue
			}
			children, err := resolver.Children(ctx, repo, v.Name)
			if err != nil {
				if ctx.Err() != nil {
					return PackageDecision{}, ctx.Err()
				}
				lookupErr = fmt.Errorf("%s: %w", shortDigest(v.Name), err)
				break
			}
			for _, c := range children {
				if _, ok := protected[c]; !ok {
					protected[c] = "referenced by kept image index " + shortDigest(v.Name)
					grew = true
				}
			}
		}
		switch {
		case lookupErr != nil:
			return failSafe(d, p, fmt.Sprintf("untagged, kept to be safe: the registry lookup of kept manifest %v failed", lookupErr), budget), nil
		case grew:
			continue
		case resolver == nil && slices.ContainsFunc(d.Versions, func(v Decision) bool { return v.Action == Keep }):
			return failSafe(d, p, "untagged, kept to be safe: no registry resolver to check which untagged manifests kept images use", budget), nil
		default:
			return d, nil
		}
	}
}

// failSafe keeps every untagged version planned for deletion, then applies
// the last-version rules and the budget again.
func failSafe(d PackageDecision, p *Policy, reason string, budget int) PackageDecision {
	for i, v := range d.Versions {
		if v.Action == Delete && len(v.Tags) == 0 {
			d.Versions[i].Action = Keep
			d.Versions[i].Reason = reason
		}
	}
	applyLastVersionRules(&d, p, p.Type)
	if budget >= 0 {
		capDeletes(&d, budget, p.MaxDelete)
	}
	return d
}

func shortDigest(d string) string {
	if len(d) > 19 {
		return d[:19] + "…"
	}
	return d
}
