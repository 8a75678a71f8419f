package retention

import (
	"context"
	"fmt"
	"maps"
	"slices"
)

// VerifyResult is what Verify found in one repository.
type VerifyResult struct {
	// Repository is the repository checked ("owner/package").
	Repository string `json:"repository"`
	// Tags and Manifests count the tags checked and the distinct manifests
	// read.
	Tags      int `json:"tags"`
	Manifests int `json:"manifests"`
	// Broken lists the tags whose image is not whole, by tag name; empty
	// (never nil) when every tag is whole.
	Broken []BrokenTag `json:"broken"`
	// Placeholders lists, sorted, the tags that point at an untag
	// placeholder (see TagMover): an untag stopped between moving them
	// and deleting the placeholder, and the next NewPlan (or
	// NewUntagPlan) of the package finishes it. Empty, never nil.
	Placeholders []string `json:"placeholders"`
	// Empty lists, sorted, the tags that point at an image index (or
	// manifest list) with no manifests: nothing can run from them. It is
	// what another tool's untag placeholder, or one an older version of
	// this package pushed, looks like. Empty, never nil.
	Empty []string `json:"empty"`
}

// OK reports whether every tag is whole: none broken, none left on an
// untag placeholder, none on an empty image index.
func (r *VerifyResult) OK() bool {
	return len(r.Broken) == 0 && len(r.Placeholders) == 0 && len(r.Empty) == 0
}

// emptyIndex reports whether m is an image index or manifest list that
// lists no manifests.
func emptyIndex(m Manifest) bool {
	return len(m.Children) == 0 && (m.MediaType == mediaOCIIndex || m.MediaType == mediaDockerList)
}

// BrokenTag is a tag that points at an image with manifests missing.
type BrokenTag struct {
	// Tag and Digest are the tag and the manifest it points at.
	Tag    string `json:"tag"`
	Digest string `json:"digest"`
	// Missing are the missing manifests, by digest.
	Missing []MissingManifest `json:"missing"`
}

// MissingManifest is a manifest a tag needs that the registry does not
// have.
type MissingManifest struct {
	// Digest is the missing manifest's digest.
	Digest string `json:"digest"`
	// Via is the chain of manifests from the tag's to the index that
	// lists the missing one; empty when the tag's own manifest is missing.
	Via []string `json:"via"`
}

// Verify proves that every tag of repository ("owner/package",
// lower-case, as for ManifestResolver) points at a whole image: it reads
// every tag, then every manifest reachable from it — image index and
// manifest list children at any depth, OCI referrers and their children —
// and lists the tags for which some manifest is missing, and the tags left
// on an untag placeholder by an interrupted untag. Manifests are read
// once each, a few at a time. An error means the registry could not be
// read well enough to prove anything (a manifest that could not be read is
// an error, not a missing manifest); the result is then nil.
//
// Referrers and "sha256-<hex>.sig"/".att" signature tags are not required
// to exist (a subject may simply have none); signature tags are checked as
// tags in their own right.
func Verify(ctx context.Context, resolver ManifestResolver, repository string) (*VerifyResult, error) {
	if resolver == nil {
		return nil, fmt.Errorf("retention: Verify needs a resolver")
	}
	g := newRepoGraph(resolver, repository)
	if err := g.loadTags(ctx); err != nil {
		return nil, fmt.Errorf("retention: verifying %s: %w", repository, err)
	}
	if err := g.walk(ctx, g.roots()); err != nil {
		return nil, err
	}
	if n, d, err := g.firstFailure(); n > 0 {
		return nil, fmt.Errorf("retention: verifying %s: %d manifest(s) could not be read (first: %s): %w", repository, n, d, err)
	}
	res := &VerifyResult{Repository: repository, Broken: []BrokenTag{}, Placeholders: []string{}, Empty: []string{}}
	g.mu.Lock()
	tags := make(map[string]string, len(g.tags))
	for t, d := range g.tags {
		tags[t] = d
		switch m, ok := g.manifests[d]; {
		case m.Placeholder:
			res.Placeholders = append(res.Placeholders, t)
		case ok && emptyIndex(m):
			res.Empty = append(res.Empty, t)
		}
	}
	slices.Sort(res.Placeholders)
	slices.Sort(res.Empty)
	res.Manifests = len(g.manifests) + len(g.missing)
	g.mu.Unlock()
	res.Tags = len(tags)
	for _, t := range slices.Sorted(maps.Keys(tags)) {
		if missing := g.missingFrom(tags[t]); len(missing) > 0 {
			res.Broken = append(res.Broken, BrokenTag{Tag: t, Digest: tags[t], Missing: missing})
		}
	}
	return res, nil
}

// missingFrom walks from root through children and referrers and returns
// the missing manifests, each with the chain that leads to it.
func (g *repoGraph) missingFrom(root string) []MissingManifest {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []MissingManifest
	seen := map[string]bool{root: true}
	type step struct {
		d   string
		via []string
	}
	queue := []step{{root, []string{}}}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if g.missing[s.d] {
			out = append(out, MissingManifest{Digest: s.d, Via: s.via})
			continue
		}
		next := slices.Concat(g.manifests[s.d].Children, g.referrers[s.d])
		for _, c := range next {
			if !seen[c] {
				seen[c] = true
				queue = append(queue, step{c, append(slices.Clone(s.via), s.d)})
			}
		}
	}
	slices.SortFunc(out, func(a, b MissingManifest) int {
		if a.Digest < b.Digest {
			return -1
		}
		if a.Digest > b.Digest {
			return 1
		}
		return 0
	})
	return out
}

// Dependent is a tag whose image needs a manifest: deleting the manifest
// would break the image the tag points at.
type Dependent struct {
	// Tag is the tag; Digest is the manifest it points at (an image index,
	// say, whose platform manifest the needed one is).
	Tag    string `json:"tag"`
	Digest string `json:"digest"`
}

// NeededBy reports which tags of repository ("owner/package", lower-case)
// need the manifest digest, other than the tags on digest itself: the tags
// whose images reach it as a child of an image index or manifest list at
// any depth, an attestation, a referrer, or a signature tagged after a
// subject ("sha256-<hex>.sig"). Deleting digest would break those images;
// an empty result means no tag needs it. It reads every tag and every
// manifest reachable from them, as NewPlan does, and changes nothing. An
// error means the registry could not be read well enough to tell (a
// manifest that could not be read is an error, not a missing one): the
// answer is then unknown, not "nothing". The result is sorted by tag.
func NeededBy(ctx context.Context, resolver ManifestResolver, repository, digest string) ([]Dependent, error) {
	if resolver == nil {
		return nil, fmt.Errorf("retention: NeededBy needs a resolver")
	}
	g := newRepoGraph(resolver, repository)
	if err := g.loadTags(ctx); err != nil {
		return nil, fmt.Errorf("retention: reading the tags of %s: %w", repository, err)
	}
	if err := g.walk(ctx, append(g.roots(), digest)); err != nil {
		return nil, err
	}
	if n, d, err := g.firstFailure(); n > 0 {
		return nil, fmt.Errorf("retention: reading %s: %d manifest(s) could not be read (first: %s): %w", repository, n, d, err)
	}
	g.mu.Lock()
	tags := make(map[string]string, len(g.tags))
	maps.Copy(tags, g.tags)
	g.mu.Unlock()
	out := []Dependent{}
	reached := map[string]bool{} // targets known to reach digest
	for _, t := range slices.Sorted(maps.Keys(tags)) {
		target := tags[t]
		if target == digest {
			continue
		}
		needs, ok := reached[target]
		if !ok {
			_, needs = g.reach([]string{target})[digest]
			reached[target] = needs
		}
		if needs {
			out = append(out, Dependent{Tag: t, Digest: target})
		}
	}
	return out, nil
}

// Media types of an image index and a Docker manifest list.
const (
	mediaOCIIndex   = "application/vnd.oci.image.index.v1+json"
	mediaDockerList = "application/vnd.docker.distribution.manifest.list.v2+json"
)
