package retention

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// ManifestResolver reads container manifests from the registry, to find
// which untagged versions a kept image still needs.
type ManifestResolver interface {
	// Children returns the digests of the manifests that the manifest
	// repository@digest references: the per-platform manifests and
	// attestation manifests of an image index or manifest list. A plain
	// image manifest has none.
	Children(ctx context.Context, repository, digest string) ([]string, error)
}

// Option configures Plan, Apply and Restore.
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

// Plan is what a cleanup would do. It is JSON-serialisable.
type Plan struct {
	OwnerKind string        `json:"owner_kind"`
	OwnerName string        `json:"owner_name,omitempty"`
	CreatedAt time.Time     `json:"created_at"`
	Policy    Policy        `json:"policy"`
	Packages  []PackagePlan `json:"packages"`
}

// PackagePlan is the plan for one package.
type PackagePlan struct {
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
		if pp.DeletePackage {
			n++
		} else {
			n += pp.Deletes()
		}
	}
	return n
}

// NewPlan computes, without changing anything, what policy would delete from
// owner's packages. It reads every version of each selected package before
// deciding (deleting while paging would skip versions), and for container
// packages asks the registry which untagged manifests kept images reference.
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
	plan := &Plan{OwnerKind: owner.Kind(), OwnerName: owner.Name(), CreatedAt: now, Policy: policy}
	budget := policy.MaxDelete
	for _, pkg := range pkgs {
		versions, err := ghpackages.Collect(api.AllVersions(ctx, policy.Type, pkg.Name, &ghpackages.ListVersionsOptions{PerPage: 100}))
		if err != nil {
			return nil, fmt.Errorf("retention: listing versions of %s: %w", pkg.Name, err)
		}
		repo := ""
		if pkg.Owner != nil {
			repo = strings.ToLower(pkg.Owner.Login + "/" + pkg.Name)
		}
		d, err := decideWithReferences(ctx, versions, &policy, now, o.resolver, repo)
		if err != nil {
			return nil, err
		}
		pp := PackagePlan{Type: policy.Type, Name: pkg.Name, PackageDecision: d}
		if policy.MaxDelete > 0 {
			budget = capDeletes(&pp, budget, policy.MaxDelete)
		}
		plan.Packages = append(plan.Packages, pp)
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
			pkg, _, err := api.Get(ctx, p.Type, pat.String())
			if err != nil {
				return nil, fmt.Errorf("retention: package %s: %w", pat, err)
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

// capDeletes keeps the deletions past the run's budget, oldest deleted
// first, and returns the budget left.
func capDeletes(pp *PackagePlan, budget, max int) int {
	if pp.DeletePackage {
		if budget >= 1 {
			return budget - 1
		}
		pp.DeletePackage = false
		pp.PackageReason = ""
		for i := range pp.Versions {
			pp.Versions[i].Action = Keep
			pp.Versions[i].Reason = fmt.Sprintf("the run's limit of %d deletions is reached", max)
		}
		return 0
	}
	for i := range pp.Versions {
		if pp.Versions[i].Action != Delete {
			continue
		}
		if budget > 0 {
			budget--
			continue
		}
		pp.Versions[i].Action = Keep
		pp.Versions[i].Reason = fmt.Sprintf("the run's limit of %d deletions is reached", max)
	}
	return budget
}

// decideWithReferences runs Decide, protecting what kept versions reference,
// until nothing new is protected.
func decideWithReferences(ctx context.Context, versions []*ghpackages.PackageVersion, p *Policy, now time.Time, resolver ManifestResolver, repo string) (PackageDecision, error) {
	protected := map[string]string{}
	if p.Type != ghpackages.Container || p.SkipReferenceCheck {
		return Decide(versions, p, p.Type, now, protected), nil
	}
	// Signatures and attestations stored as tags "sha256-<hex>.sig|.att|.sbom"
	// belong to the subject digest.
	referrers := map[string][]string{} // subject digest → referrer version names
	for _, v := range versions {
		for _, t := range v.Tags() {
			if hexPart, ok := strings.CutPrefix(t, "sha256-"); ok {
				if dot := strings.IndexByte(hexPart, '.'); dot > 0 {
					subject := "sha256:" + hexPart[:dot]
					referrers[subject] = append(referrers[subject], v.Name)
				}
			}
		}
	}
	resolved := map[string]bool{}
	for {
		d := Decide(versions, p, p.Type, now, protected)
		grew := false
		var lookupErr error
		for _, v := range d.Versions {
			if v.Action != Keep || resolved[v.Name] {
				continue
			}
			resolved[v.Name] = true
			for _, r := range referrers[v.Name] {
				if _, ok := protected[r]; !ok {
					protected[r] = "signature or attestation of kept " + shortDigest(v.Name)
					grew = true
				}
			}
			if resolver == nil {
				continue
			}
			children, err := resolver.Children(ctx, repo, v.Name)
			if err != nil {
				lookupErr = err
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
			return failSafe(d, p, fmt.Sprintf("kept: the registry lookup of a kept image failed, so no untagged version is deleted (%v)", lookupErr)), nil
		case resolver == nil:
			return failSafe(d, p, "kept: no registry resolver to check multi-arch references, so no untagged version is deleted"), nil
		case !grew:
			return d, nil
		}
	}
}

// failSafe keeps every untagged version planned for deletion, then applies
// the last-version rules again.
func failSafe(d PackageDecision, p *Policy, reason string) PackageDecision {
	for i, v := range d.Versions {
		if v.Action == Delete && len(v.Tags) == 0 {
			d.Versions[i].Action = Keep
			d.Versions[i].Reason = reason
		}
	}
	if d.DeletePackage && d.Deletes() < len(d.Versions) {
		d.DeletePackage = false
		d.PackageReason = ""
	}
	applyLastVersionRules(&d, p, p.Type)
	return d
}

func shortDigest(d string) string {
	if len(d) > 19 {
		return d[:19] + "…"
	}
	return d
}
