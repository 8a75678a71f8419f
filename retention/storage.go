package retention

import (
	"slices"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// Storage is what a plan (or a run) frees in a container registry and
// what stays, in bytes. A nil count is unknown: the package type's sizes
// are not given by the API (every type but container), the registry was
// not read (Policy.SkipReferenceCheck, or it could not be read), a
// resolver gave no sizes, or the plan was decoded rather than computed.
// It is never 0 for unknown.
//
// The rule, per package: a version's bytes are its manifest's length
// plus, for an image manifest, the sizes its config and layers are given
// in it (an index counts its own bytes only: its children are versions
// of their own). A plan frees the bytes of every manifest it deletes plus
// each distinct blob (config or layer) that a deleted manifest references
// and no manifest that stays in the same repository references: a layer
// shared with a kept image frees nothing. Kept is the same count over
// the manifests that stay. It is an estimate of what the registry can
// drop, from the manifests the plan read (no request of its own): a blob
// shared with another package of the owner may stay stored, and billed.
type Storage struct {
	// FreedBytes is what the deletions free; nil when unknown.
	FreedBytes *int64 `json:"freed_bytes"`
	// KeptBytes is what stays; nil when unknown.
	KeptBytes *int64 `json:"kept_bytes"`
}

// Known reports whether both counts are known.
func (s Storage) Known() bool { return s.FreedBytes != nil && s.KeptBytes != nil }

// add adds o to s; an unknown count makes the sum unknown.
func (s Storage) add(o Storage) Storage {
	sum := func(a, b *int64) *int64 {
		if a == nil || b == nil {
			return nil
		}
		return ptr(*a + *b)
	}
	return Storage{FreedBytes: sum(s.FreedBytes, o.FreedBytes), KeptBytes: sum(s.KeptBytes, o.KeptBytes)}
}

func ptr(n int64) *int64 { return &n }

// zeroStorage is the storage of nothing: known, 0 and 0.
func zeroStorage() Storage { return Storage{FreedBytes: ptr(0), KeptBytes: ptr(0)} }

// Storage returns what the plan frees and keeps over all its packages
// (see Storage): unknown when any package's is.
func (p *Plan) Storage() Storage {
	total := zeroStorage()
	for _, pp := range p.Packages {
		total = total.add(pp.Storage)
	}
	return total
}

// Blob is a blob (an image's config or a layer) a manifest references,
// with the size the manifest gives it.
type Blob struct {
	Digest string `json:"digest"`
	Size   int64  `json:"size"`
}

// packageSizes counts storage over what the planner read of one
// repository: every manifest of its reading (version or not), by digest.
// It shares the reading the plan keeps for Apply rather than copying it.
type packageSizes struct {
	g *repoGraph
}

// newPackageSizes returns the sizes of g's manifests, or nil when some
// manifest's size is not known (a resolver that does not give sizes).
func newPackageSizes(g *repoGraph) *packageSizes {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, m := range g.manifests {
		if m.Size <= 0 {
			return nil
		}
	}
	return &packageSizes{g: g}
}

// versionSize returns a version's bytes: nil when its manifest was not
// read (the registry does not have it).
func (ps *packageSizes) versionSize(digest string) *int64 {
	if ps == nil {
		return nil
	}
	ps.g.mu.Lock()
	m, ok := ps.g.manifests[digest]
	ps.g.mu.Unlock()
	if !ok || m.Size <= 0 {
		return nil
	}
	n := m.Size
	for _, b := range m.Blobs {
		n += b.Size
	}
	return &n
}

// count applies the rule to the manifests for which deleted is true: what
// they free and what the others keep.
func (ps *packageSizes) count(deleted func(digest string) bool) Storage {
	if ps == nil {
		return Storage{}
	}
	ps.g.mu.Lock()
	defer ps.g.mu.Unlock()
	var freed, kept int64
	keptBlobs := map[string]bool{}
	for d, m := range ps.g.manifests {
		if deleted(d) {
			freed += m.Size
			continue
		}
		kept += m.Size
		for _, b := range m.Blobs {
			if !keptBlobs[b.Digest] {
				keptBlobs[b.Digest] = true
				kept += b.Size
			}
		}
	}
	freedBlobs := map[string]bool{}
	for d, m := range ps.g.manifests {
		if !deleted(d) {
			continue
		}
		for _, b := range m.Blobs {
			if !keptBlobs[b.Digest] && !freedBlobs[b.Digest] {
				freedBlobs[b.Digest] = true
				freed += b.Size
			}
		}
	}
	return Storage{FreedBytes: &freed, KeptBytes: &kept}
}

// setStorage fills pp's storage and its versions' sizes from ps (nil:
// unknown).
func setStorage(pp *PackagePlan, ps *packageSizes) {
	if ps == nil || pp.Type != ghpackages.Container {
		pp.Storage = Storage{}
		return
	}
	deleted := map[string]bool{}
	for i := range pp.Versions {
		v := &pp.Versions[i]
		v.SizeBytes = ps.versionSize(v.Name)
		if pp.DeletePackage || v.Action == ActionDelete {
			deleted[v.Name] = true
		}
	}
	if pp.DeletePackage {
		// Everything the repository holds goes with the package.
		pp.Storage = ps.count(func(string) bool { return true })
		return
	}
	pp.Storage = ps.count(func(d string) bool { return deleted[d] })
}

// StorageDeleted counts storage as the run r actually left it: the
// versions (and packages) r deleted free their bytes, everything else of
// the plan's packages is kept, by the rule of Storage. A version Apply's
// final check restored (OutcomeHealed) is kept. Counts are unknown
// for a plan NewPlan did not compute in this process (decoded from JSON),
// and for packages whose plan storage is unknown.
func (p *Plan) StorageDeleted(r *Report) Storage {
	gone := map[string]map[string]bool{} // package → version digests deleted
	whole := map[string]bool{}
	for _, it := range r.Items {
		if it.Step == StepRestoreVersion && it.Outcome == OutcomeHealed {
			// Apply's final check put it back: not freed. (Its items
			// come after the deletes.)
			delete(gone[it.Package], it.Version)
			continue
		}
		if it.Outcome != OutcomeDeleted && it.Outcome != OutcomeGoneUnconfirmed {
			continue
		}
		switch it.Step {
		case StepDeletePackage:
			whole[it.Package] = true
		case StepDeleteVersion, StepDeletePlaceholder:
			if gone[it.Package] == nil {
				gone[it.Package] = map[string]bool{}
			}
			gone[it.Package][it.Version] = true
		}
	}
	total := zeroStorage()
	for _, pp := range p.Packages {
		ps := p.sizes[pp.Name]
		if ps == nil || pp.Type != ghpackages.Container || !pp.Storage.Known() {
			return Storage{}
		}
		if whole[pp.Name] {
			total = total.add(ps.count(func(string) bool { return true }))
			continue
		}
		g := gone[pp.Name]
		total = total.add(ps.count(func(d string) bool { return g[d] }))
	}
	return total
}

// blobsOf returns the config and layers of an image manifest's body (nil
// for an index), as parseManifest reads them.
func blobsOf(config *Blob, layers []Blob) []Blob {
	if config == nil && len(layers) == 0 {
		return nil
	}
	out := make([]Blob, 0, len(layers)+1)
	if config != nil {
		out = append(out, *config)
	}
	return append(out, slices.Clip(layers)...)
}
