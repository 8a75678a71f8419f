package retention

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
)

// repoGraph is one run's view of one registry repository: its tags and
// the manifests read so far, cached by digest (a digest's content never
// changes). Read failures are recorded, not returned, so that callers
// can decide what they make unsafe.
type repoGraph struct {
	resolver ManifestResolver
	repo     string

	mu        sync.Mutex
	tags      map[string]string // tag → digest
	manifests map[string]Manifest
	referrers map[string][]string
	subjects  map[string][]string // subject digest → manifests read that name it
	missing   map[string]bool     // digests the registry does not have
	failed    map[string]error    // digests that could not be read
	// extraTags are tags known from elsewhere (the REST listing), digest →
	// tags, for the signature tag schema.
	extraTags map[string][]string
	// memo caches refs by digest, and sigs the targets of signature-style
	// tags by the digest they name; both are dropped when the graph
	// changes.
	memo map[string][]string
	sigs map[string][]string
	// vouched marks digests known to exist without asking the registry:
	// the package's active versions (GitHub's listing) and what the tags
	// point at. A cached manifest is used for them as it is; for any other
	// digest the registry is asked whether it still has it.
	vouched map[string]bool
}

func newRepoGraph(r ManifestResolver, repo string) *repoGraph {
	return &repoGraph{resolver: r, repo: repo, tags: map[string]string{}, manifests: map[string]Manifest{},
		referrers: map[string][]string{}, subjects: map[string][]string{}, missing: map[string]bool{}, failed: map[string]error{},
		extraTags: map[string][]string{}, vouched: map[string]bool{}}
}

// clone returns a copy of g that can be read and changed on its own.
func (g *repoGraph) clone() *repoGraph {
	g.mu.Lock()
	defer g.mu.Unlock()
	return &repoGraph{resolver: g.resolver, repo: g.repo, tags: maps.Clone(g.tags), manifests: maps.Clone(g.manifests),
		referrers: maps.Clone(g.referrers), subjects: maps.Clone(g.subjects), missing: maps.Clone(g.missing), failed: maps.Clone(g.failed),
		extraTags: maps.Clone(g.extraTags), vouched: maps.Clone(g.vouched)}
}

// vouch marks digests as known to exist (see repoGraph.vouched). A
// digest found missing earlier exists again (pushed again, restored): it
// is no longer missing, so the next walk reads it.
func (g *repoGraph) vouch(digests ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, d := range digests {
		g.vouched[d] = true
		delete(g.missing, d)
	}
}

// unmiss forgets that digest was found missing, so that the next walk
// asks the registry again; it reports whether it was.
func (g *repoGraph) unmiss(digest string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	was := g.missing[digest]
	delete(g.missing, digest)
	return was
}

// loadTags reads the repository's tags again.
func (g *repoGraph) loadTags(ctx context.Context) error {
	tags, err := g.resolver.Tags(ctx, g.repo)
	if err != nil {
		return err
	}
	g.mu.Lock()
	g.tags = tags
	for _, d := range tags {
		g.vouched[d] = true
		delete(g.missing, d)
	}
	g.changedLocked()
	g.mu.Unlock()
	return nil
}

// changedLocked drops what is derived from the graph; g.mu is held.
func (g *repoGraph) changedLocked() { g.memo, g.sigs = nil, nil }

// forget drops what is derived from the graph, to free its memory.
func (g *repoGraph) forget() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.changedLocked()
}

// addExtraTags records tags known from the REST listing for digest.
func (g *repoGraph) addExtraTags(digest string, tags []string) {
	if len(tags) == 0 {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, t := range tags {
		if !slices.Contains(g.extraTags[digest], t) {
			g.extraTags[digest] = append(g.extraTags[digest], t)
		}
	}
	g.changedLocked()
}

// setTag points tag at digest (a tag seen since the tags were read), or
// removes it for "".
func (g *repoGraph) setTag(tag, digest string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.changedLocked()
	if digest == "" {
		delete(g.tags, tag)
		return
	}
	g.tags[tag] = digest
	g.vouched[digest] = true
	delete(g.missing, digest)
}

// gone records that digest was deleted, with every tag on it (as GitHub
// deletes them with its version).
func (g *repoGraph) gone(digest string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for t, d := range g.tags {
		if d == digest {
			delete(g.tags, t)
		}
	}
	delete(g.vouched, digest)
	g.missing[digest] = true
	g.changedLocked()
}

// tagNames returns the tag names read so far.
func (g *repoGraph) tagNames() map[string]string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return maps.Clone(g.tags)
}

// walk reads every manifest reachable from start (through refs, and up to
// each manifest's subject) that has not been read yet. It returns only
// ctx's error.
func (g *repoGraph) walk(ctx context.Context, start []string) error {
	frontier := slices.Clone(start)
	for len(frontier) > 0 {
		var todo []string
		queued := map[string]bool{}
		g.mu.Lock()
		for _, d := range frontier {
			if _, ok := g.manifests[d]; ok || g.missing[d] || g.failed[d] != nil || queued[d] {
				continue
			}
			queued[d] = true
			todo = append(todo, d)
		}
		g.mu.Unlock()
		slices.Sort(todo)
		err := forEach(ctx, len(todo), func(i int) error {
			g.read(ctx, todo[i])
			return ctx.Err()
		})
		if err != nil {
			return err
		}
		frontier = frontier[:0]
		for _, d := range todo {
			frontier = append(frontier, g.refs(d)...)
			// Up to the subject too: a referrer nobody lists (no
			// referrers API, no tag) is only known from what names it.
			g.mu.Lock()
			if s := g.manifests[d].Subject; s != "" {
				frontier = append(frontier, s)
			}
			g.mu.Unlock()
		}
	}
	return nil
}

// cachingResolver is a resolver with a manifest cache (a
// *RegistryResolver with RegistryConfig.Cache).
type cachingResolver interface {
	cached(digest string) (Manifest, bool)
	exists(ctx context.Context, repository, digest string) (bool, error)
}

// read reads one manifest and its referrers into the graph: from the
// manifest cache when the resolver has one that holds it (asking the
// registry with a HEAD whether it still has a digest nothing vouches
// for), else from the registry.
func (g *repoGraph) read(ctx context.Context, d string) {
	if !validDigest(d) {
		g.mu.Lock()
		g.failed[d] = fmt.Errorf("%q is not a sha256 digest", d)
		g.mu.Unlock()
		return
	}
	var m Manifest
	var err error
	cached := false
	if c, ok := g.resolver.(cachingResolver); ok {
		if m, cached = c.cached(d); cached {
			g.mu.Lock()
			vouched := g.vouched[d]
			g.mu.Unlock()
			if !vouched {
				var present bool
				present, err = c.exists(ctx, g.repo, d)
				if err == nil && !present {
					err = &RegistryError{Method: "HEAD", URL: g.repo + "@" + d, StatusCode: 404}
				}
			}
		}
	}
	if !cached {
		m, err = g.resolver.Manifest(ctx, g.repo, d)
	}
	if errors.Is(err, ErrManifestUnknown) {
		g.mu.Lock()
		g.missing[d] = true
		g.mu.Unlock()
		return
	}
	if err != nil {
		g.mu.Lock()
		g.failed[d] = err
		g.mu.Unlock()
		return
	}
	refs, err := g.resolver.Referrers(ctx, g.repo, d)
	g.mu.Lock()
	defer g.mu.Unlock()
	if err != nil {
		g.failed[d] = err
		return
	}
	g.manifests[d] = m
	if len(refs) > 0 {
		g.referrers[d] = refs
	}
	if m.Subject != "" {
		g.subjects[m.Subject] = append(g.subjects[m.Subject], d)
	}
	g.changedLocked()
}

// children returns the manifests d lists (an index's or manifest list's):
// the references whose loss breaks d.
func (g *repoGraph) children(d string) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.manifests[d].Children
}

// names returns the manifests d names, as far as it has been read: its
// children and its subject.
func (g *repoGraph) names(d string) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	m := g.manifests[d]
	if m.Subject == "" {
		return m.Children
	}
	return append(slices.Clone(m.Children), m.Subject)
}

// refs returns everything that must stay while d stays: its children,
// its referrers (from the referrers API, and the manifests read that name
// it as their subject, for registries without the API), and the
// manifests tagged after it. The slice must not be modified.
func (g *repoGraph) refs(d string) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if out, ok := g.memo[d]; ok {
		return out
	}
	if g.sigs == nil {
		g.sigs = map[string][]string{}
		add := func(t, target string) {
			if s, ok := tagSubject([]string{t}); ok && s != target {
				g.sigs[s] = append(g.sigs[s], target)
			}
		}
		for t, target := range g.tags {
			add(t, target)
		}
		for target, tags := range g.extraTags {
			for _, t := range tags {
				add(t, target)
			}
		}
	}
	if g.memo == nil {
		g.memo = map[string][]string{}
	}
	out := slices.Concat(g.manifests[d].Children, g.referrers[d], g.subjects[d], g.sigs[d])
	slices.Sort(out)
	out = slices.Compact(out)
	g.memo[d] = out
	return out
}

// refMap returns refs for every digest read.
func (g *repoGraph) refMap() map[string][]string {
	g.mu.Lock()
	var ds []string
	for d := range g.manifests {
		ds = append(ds, d)
	}
	g.mu.Unlock()
	out := make(map[string][]string, len(ds))
	for _, d := range ds {
		if r := g.refs(d); len(r) > 0 {
			out[d] = r
		}
	}
	return out
}

// tagsByDigest returns the registry's tags per digest, sorted.
func (g *repoGraph) tagsByDigest() map[string][]string {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := map[string][]string{}
	for t, d := range g.tags {
		out[d] = append(out[d], t)
	}
	for _, ts := range out {
		slices.Sort(ts)
	}
	return out
}

// tagTargets returns the digests the registry's tags point at, sorted.
func (g *repoGraph) tagTargets() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for _, d := range g.tags {
		out = append(out, d)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// firstFailure returns how many digests could not be read and the first
// of them (by digest) with its error.
func (g *repoGraph) firstFailure() (int, string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.failed) == 0 {
		return 0, "", nil
	}
	ds := slices.Sorted(maps.Keys(g.failed))
	return len(ds), ds[0], g.failed[ds[0]]
}

// reach returns every digest refs reaches from roots, roots included.
func (g *repoGraph) reach(roots []string) map[string]string {
	seen := map[string]string{}
	queue := slices.Clone(roots)
	for _, r := range roots {
		seen[r] = r
	}
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		for _, c := range g.refs(d) {
			if _, ok := seen[c]; !ok {
				seen[c] = seen[d]
				queue = append(queue, c)
			}
		}
	}
	return seen
}

// missingBelowLocked reports whether some manifest under d (children, at
// any depth) is missing. g.mu must be held.
func (g *repoGraph) missingBelowLocked(d string) bool {
	seen := map[string]bool{d: true}
	queue := []string{d}
	for len(queue) > 0 {
		x := queue[0]
		queue = queue[1:]
		if g.missing[x] {
			return true
		}
		for _, c := range g.manifests[x].Children {
			if !seen[c] {
				seen[c] = true
				queue = append(queue, c)
			}
		}
	}
	return false
}

// tagSubjects returns the digests that signature-style tags
// ("sha256-<hex>.sig", the referrers tag schema) name, registry's and
// extra tags alike, sorted.
func (g *repoGraph) tagSubjects() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	add := func(t string) {
		if s, ok := tagSubject([]string{t}); ok {
			out = append(out, s)
		}
	}
	for t := range g.tags {
		add(t)
	}
	for _, tags := range g.extraTags {
		for _, t := range tags {
			add(t)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// roots returns what a walk starts from: the tags' targets and the
// digests signature-style tags name.
func (g *repoGraph) roots() []string {
	return append(g.tagTargets(), g.tagSubjects()...)
}

// placeholders returns the digests among names whose manifests are untag
// placeholders.
func (g *repoGraph) placeholders(names map[string]bool) map[string]bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out map[string]bool
	for d, m := range g.manifests {
		if m.Placeholder && names[d] {
			if out == nil {
				out = map[string]bool{}
			}
			out[d] = true
		}
	}
	return out
}
