package retention

import (
	"context"
	"slices"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// UsageKind is what a package version is, for ReadUsage.
type UsageKind string

// Usage kinds, in the order ReadUsage reports them.
const (
	// KindTagged is a tagged image (or, for other package types, any
	// version).
	KindTagged UsageKind = "tagged"
	// KindPart is an untagged manifest a tagged image needs: a platform
	// image or attestation manifest of a multi-arch index.
	KindPart UsageKind = "platform-or-attestation"
	// KindSignature is a signature, SBOM or attestation that names its
	// subject (an OCI subject, or a "sha256-<hex>.sig"/".att" tag).
	KindSignature UsageKind = "signature"
	// KindOrphan is an untagged manifest no tagged image needs.
	KindOrphan UsageKind = "untagged-orphan"
	// KindGhost is an image index none of whose manifests exist any more.
	KindGhost UsageKind = "ghost"
)

// UsageKinds lists the kinds in report order.
func UsageKinds() []UsageKind {
	return []UsageKind{KindTagged, KindPart, KindSignature, KindOrphan, KindGhost}
}

// AgeBucket is a version's age class: younger than its bound.
type AgeBucket struct {
	// Name is "<1d", "<1w", "<30d", "<90d" or "older".
	Name string
	// Below is the bucket's bound; 0 for "older".
	Below time.Duration
}

// AgeBuckets returns the age classes ReadUsage counts by, youngest first.
func AgeBuckets() []AgeBucket {
	return []AgeBucket{{"<1d", 24 * time.Hour}, {"<1w", 7 * 24 * time.Hour}, {"<30d", 30 * 24 * time.Hour},
		{"<90d", 90 * 24 * time.Hour}, {"older", 0}}
}

// ageBucket returns the name of the bucket of a version created at
// created.
func ageBucket(now, created time.Time) string {
	age := now.Sub(created)
	for _, b := range AgeBuckets() {
		if b.Below == 0 || age < b.Below {
			return b.Name
		}
	}
	return "older"
}

// VersionUsage is one version as ReadUsage sees it.
type VersionUsage struct {
	// ID, Name, Tags (the listing's and the registry's, never nil) and
	// CreatedAt describe the version.
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Tags      []string  `json:"tags"`
	CreatedAt time.Time `json:"created_at"`
	// Kind is what the version is.
	Kind UsageKind `json:"kind"`
	// Age is the AgeBucket name.
	Age string `json:"age"`
	// SizeBytes is the version's size (see Storage); nil when unknown.
	SizeBytes *int64 `json:"size_bytes,omitempty"`
}

// UsageRow counts a package's versions of one kind or age: Bytes are
// their manifests plus each distinct blob they list once (nil when
// unknown).
type UsageRow struct {
	// Name is the UsageKind or the AgeBucket name.
	Name     string `json:"name"`
	Versions int    `json:"versions"`
	Bytes    *int64 `json:"bytes"`
}

// PackageUsage is what one package holds.
type PackageUsage struct {
	// Type, Name and (container) Repository name the package.
	Type       ghpackages.PackageType `json:"type"`
	Name       string                 `json:"name"`
	Repository string                 `json:"repository,omitempty"`
	// Versions counts the package's active versions; Bytes is what its
	// registry repository holds, each blob once (nil when unknown).
	Versions int    `json:"versions"`
	Bytes    *int64 `json:"bytes"`
	// ByKind has a row per UsageKinds entry, ByAge one per AgeBuckets
	// entry, always all of them, in that order.
	ByKind []UsageRow `json:"by_kind"`
	ByAge  []UsageRow `json:"by_age"`
	// Warning says why kinds or sizes could not be told (the registry
	// could not be read), if so.
	Warning string `json:"warning,omitempty"`
	// Detail lists the versions, oldest first.
	Detail []VersionUsage `json:"-"`
}

// ReadUsage reads what owner's packages of type typ (those patterns
// match; all when none) hold, without changing anything: per package, the
// versions and bytes by kind and by age. For container packages it reads
// the registry as NewPlan does (WithResolver, WithNow apply; a manifest
// cache saves the reads), so that kinds and sizes are those a plan would
// see; for other types bytes are unknown and every version is
// KindTagged.
func ReadUsage(ctx context.Context, client *ghpackages.Client, owner ghpackages.Owner, typ ghpackages.PackageType, patterns []Pattern,
	opts ...PlanOption) ([]PackageUsage, error) {
	o := planOptions(opts)
	now := o.now()
	// Reading the ghosts needs the flag that plans them.
	policy := Policy{Type: typ, Packages: patterns, DeleteGhostImages: true}
	api := client.Packages(owner)
	pkgs, err := selectPackages(ctx, api, &policy)
	if err != nil {
		return nil, err
	}
	reads, err := readPackages(ctx, api, o.resolver, owner, &policy, pkgs, now)
	if err != nil {
		return nil, err
	}
	out := make([]PackageUsage, 0, len(pkgs))
	for i, pkg := range pkgs {
		out = append(out, usageOf(typ, pkg.Name, reads[i], now))
		reads[i] = nil
	}
	return out, nil
}

// usageOf classifies one package's versions and counts them.
func usageOf(typ ghpackages.PackageType, name string, r *packageRead, now time.Time) PackageUsage {
	pu := PackageUsage{Type: typ, Name: name, Repository: r.repo, Versions: len(r.in.Versions)}
	if r.unsafe != nil {
		pu.Warning = r.unsafe.String()
	}
	var ps *packageSizes
	if r.unsafe == nil && r.graph != nil {
		ps = newPackageSizes(r.graph)
	}
	container := typ == ghpackages.Container && r.unsafe == nil && r.graph != nil
	tags := func(v *ghpackages.PackageVersion) []string {
		return unionTags(v.Tags(), r.in.RegistryTags[v.Name])
	}
	// What tagged manifests need, at any depth.
	var roots []string
	for d := range r.in.RegistryTags {
		roots = append(roots, d)
	}
	for _, v := range r.in.Versions {
		if t := tags(v); len(t) > 0 {
			if _, sig := tagSubject(t); !sig {
				roots = append(roots, v.Name)
			}
		}
	}
	needed := map[string]bool{}
	queue := slices.Clone(roots)
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		for _, c := range r.in.Refs[d] {
			if !needed[c] {
				needed[c] = true
				queue = append(queue, c)
			}
		}
	}
	var subjects map[string]string
	if container {
		r.graph.mu.Lock()
		subjects = map[string]string{}
		for d, m := range r.graph.manifests {
			if m.Subject != "" {
				subjects[d] = m.Subject
			}
		}
		r.graph.mu.Unlock()
	}
	versions := slices.Clone(r.in.Versions)
	slices.SortFunc(versions, compareVersions)
	members := map[string][]string{} // row name → digests
	for _, v := range versions {
		t := tags(v)
		kind := KindTagged
		_, sigTag := tagSubject(t)
		switch {
		case !container:
		case r.in.Broken[v.Name] == ConditionGhostImage:
			kind = KindGhost
		case sigTag || subjects[v.Name] != "":
			kind = KindSignature
		case len(t) > 0:
		case needed[v.Name]:
			kind = KindPart
		default:
			kind = KindOrphan
		}
		vu := VersionUsage{ID: v.ID, Name: v.Name, Tags: orEmpty(t), CreatedAt: v.CreatedAt.UTC(), Kind: kind, Age: ageBucket(now, v.CreatedAt)}
		if ps != nil {
			vu.SizeBytes = ps.versionSize(v.Name)
		}
		pu.Detail = append(pu.Detail, vu)
		members["kind:"+string(kind)] = append(members["kind:"+string(kind)], v.Name)
		members["age:"+vu.Age] = append(members["age:"+vu.Age], v.Name)
	}
	row := func(key, name string) UsageRow {
		ds := members[key]
		ur := UsageRow{Name: name, Versions: len(ds)}
		if ps != nil {
			in := map[string]bool{}
			for _, d := range ds {
				in[d] = true
			}
			ur.Bytes = ps.count(func(d string) bool { return !in[d] }).KeptBytes
		}
		return ur
	}
	for _, k := range UsageKinds() {
		pu.ByKind = append(pu.ByKind, row("kind:"+string(k), string(k)))
	}
	for _, b := range AgeBuckets() {
		pu.ByAge = append(pu.ByAge, row("age:"+b.Name, b.Name))
	}
	if ps != nil {
		pu.Bytes = ps.count(func(string) bool { return false }).KeptBytes
	}
	return pu
}

// orEmpty returns t, or an empty slice for nil (JSON [] rather than null).
func orEmpty(t []string) []string {
	if t == nil {
		return []string{}
	}
	return t
}
