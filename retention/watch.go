package retention

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// watch is Apply's view of one container package while it changes it:
// the registry's tags and the manifests they reach, the versions GitHub
// lists, and what Apply has done so far. Every step that removes a
// manifest (a version delete; any later kind of step the same way) asks
// it first whether that is still safe (safe), after it has brought itself
// up to date (refresh) at a cost that does not grow with the repository:
//
//   - the registry's tag names (one request: the list is asked for in
//     pages of 10,000), and a HEAD of each tag that is new since the last
//     look;
//   - the package's newest versions (one REST request, more only while a
//     whole page is new): every manifest pushed since the plan becomes a
//     version (a new index over old platform images, a signature, an
//     attestation), and its manifest is read (the cache has it, or a GET);
//   - before a version's delete, the version itself (one REST request):
//     its tags now, so a tag moved onto it since the plan is seen.
//
// What it does not see: a tag moved, without a push of a new manifest,
// onto a manifest that is neither about to be deleted nor a version GitHub
// lists. Tags are read whole (a HEAD each) once, when the watch is made
// from a plan that was not made in this process just before.
type watch struct {
	g   *repoGraph
	api *ghpackages.OwnerPackages
	typ ghpackages.PackageType
	pkg string

	// planned maps the digests planned for deletion to their planned tags.
	planned map[string][]string
	// pending marks the planned digests not processed yet.
	pending map[string]bool
	// stayed maps planned digests that were processed but are still there
	// (the delete failed, was refused or skipped) to why.
	stayed map[string]string
	// known marks the version IDs of the plan's listing and those seen
	// since; pushed maps the digests of versions that are new since the
	// plan to how to name them.
	known  map[int64]bool
	pushed map[string]string
	// ids maps the plan's digests to their version IDs, and removed marks
	// the IDs this run deleted: listed again, such a version was restored
	// since.
	ids     map[string]int64
	removed map[int64]bool
	// lastSeen maps every tag the watch has seen, removed ones too, to
	// the digest it last saw it on: for the final check (heal.go).
	lastSeen map[string]string
	// baseTags are the tag names the plan knew of, and signed maps planned
	// digests to the signature or attestation that names them and is new
	// since the plan.
	baseTags map[string]bool
	signed   map[string]string
	// needed is what the roots reach, digest → the root's description,
	// and byDigest the tags by digest; both nil when the graph changed
	// since they were computed.
	needed   map[string]string
	byDigest map[string][]string
}

// newWatch makes the watch of a package from the plan's own registry
// reading (from, when the plan was made just before in this process), or
// by reading the registry's tags and the manifests they reach again.
func newWatch(ctx context.Context, resolver ManifestResolver, api *ghpackages.OwnerPackages, pp *PackagePlan, repo string, from *repoGraph) (*watch, error) {
	w := &watch{api: api, typ: pp.Type, pkg: pp.Name, planned: map[string][]string{}, pending: map[string]bool{}, stayed: map[string]string{},
		known: map[int64]bool{}, pushed: map[string]string{}, baseTags: map[string]bool{}, signed: map[string]string{},
		ids: map[string]int64{}, removed: map[int64]bool{}}
	var names []string
	for _, v := range pp.Versions {
		w.known[v.ID] = true
		w.ids[v.Name] = v.ID
		names = append(names, v.Name)
		for _, t := range v.Tags {
			w.baseTags[t] = true
		}
		if v.Action == ActionDelete {
			w.planned[v.Name] = v.Tags
			w.pending[v.Name] = true
		}
	}
	if from != nil {
		w.g = from.clone()
		w.lastSeen = w.g.tagNames()
		for t := range w.lastSeen {
			w.baseTags[t] = true
		}
		return w, nil
	}
	w.g = newRepoGraph(resolver, repo)
	w.g.vouch(names...)
	if err := w.g.loadTags(ctx); err != nil {
		return nil, fmt.Errorf("retention: not deleted: the registry could not be read to order and re-check the deletes: %w", err)
	}
	start := w.g.roots()
	for d := range w.pending {
		start = append(start, d)
	}
	if err := w.g.walk(ctx, start); err != nil {
		return nil, err
	}
	if n, d, err := w.g.firstFailure(); n > 0 {
		return nil, fmt.Errorf("retention: not deleted: %d manifest(s) could not be read from the registry to order and re-check the deletes (first: %s: %w)", n, shortDigest(d), err)
	}
	// Signatures present now that the plan did not know of are new.
	w.lastSeen = w.g.tagNames()
	for t, d := range w.lastSeen {
		w.noteTag(t, d)
	}
	return w, nil
}

// noteTag records a signature-style tag that is new since the plan on a
// planned digest.
func (w *watch) noteTag(tag, target string) {
	if w.baseTags[tag] {
		return
	}
	s, ok := tagSubject([]string{tag})
	if _, planned := w.planned[s]; ok && planned {
		if _, done := w.signed[s]; !done {
			w.signed[s] = "tag " + tag + " (" + shortDigest(target) + ")"
		}
	}
}

// refresh brings the watch up to date before a step (see watch).
func (w *watch) refresh(ctx context.Context) error {
	if err := w.refreshTags(ctx); err != nil {
		return fmt.Errorf("retention: not deleted: the registry's tags could not be read again: %w", err)
	}
	if err := w.refreshVersions(ctx); err != nil {
		return err
	}
	if n, d, err := w.g.firstFailure(); n > 0 {
		return fmt.Errorf("retention: not deleted: %d manifest(s) could not be read from the registry (first: %s: %w)", n, shortDigest(d), err)
	}
	return nil
}

// tagReader is a resolver that lists tag names and reads one tag at a
// time (*RegistryResolver); with others every tag is read again.
type tagReader interface {
	tagNames(ctx context.Context, repository string) ([]string, error)
	head(ctx context.Context, repository, ref string) (string, error)
}

// refreshTags reads the tag names, HEADs the new ones and forgets the
// removed ones, and reads what new tags point at.
func (w *watch) refreshTags(ctx context.Context) error {
	g := w.g
	before := g.tagNames()
	tr, ok := g.resolver.(tagReader)
	if !ok {
		if err := g.loadTags(ctx); err != nil {
			return err
		}
	} else {
		names, err := tr.tagNames(ctx, g.repo)
		if err != nil {
			return err
		}
		var added []string
		seen := make(map[string]bool, len(names))
		for _, n := range names {
			seen[n] = true
			if _, ok := before[n]; !ok {
				added = append(added, n)
			}
		}
		for n := range before {
			if !seen[n] {
				g.setTag(n, "")
			}
		}
		digests := make([]string, len(added))
		if err := forEach(ctx, len(added), func(i int) error {
			var err error
			digests[i], err = tr.head(ctx, g.repo, added[i])
			return err
		}); err != nil {
			return err
		}
		for i, n := range added {
			if digests[i] != "" {
				g.setTag(n, digests[i])
			}
		}
	}
	after := g.tagNames()
	var targets []string
	for t, d := range after {
		if before[t] != d {
			w.lastSeen[t] = d
			w.needed = nil
			w.noteTag(t, d)
			targets = append(targets, d)
		}
	}
	if len(after) != len(before) {
		w.needed = nil
	}
	return g.walk(ctx, targets)
}

// versionPage is how many of the newest versions a refresh reads at once.
const versionPage = 50

// refreshVersions reads the package's newest versions and takes in those
// that are new since the plan: their manifests (and what they reach) are
// read, and they count as roots.
func (w *watch) refreshVersions(ctx context.Context) error {
	var fresh []string
	for page := 1; ; page++ {
		vs, resp, err := w.api.ListVersions(ctx, w.typ, w.pkg, &ghpackages.PackageVersionListOptions{PerPage: versionPage, Page: page})
		if err != nil {
			return fmt.Errorf("retention: not deleted: the package's newest versions could not be read: %w", err)
		}
		allNew := len(vs) > 0
		for _, v := range vs {
			restored := w.removed[v.ID]
			if w.known[v.ID] && !restored {
				allNew = false
				continue
			}
			w.known[v.ID] = true
			w.pushed[v.Name] = describeImage(v.Name, v.Tags()) + ", pushed since the plan"
			if restored {
				// Deleted by this run and listed again: restored since,
				// whatever the plan knew of it, and its tags are those
				// GitHub gives it now.
				delete(w.removed, v.ID)
				allNew = false
				w.pushed[v.Name] = describeImage(v.Name, v.Tags()) + ", restored since this run deleted it"
				for _, t := range v.Tags() {
					w.g.setTag(t, v.Name)
				}
			}
			w.g.vouch(v.Name)
			w.g.addExtraTags(v.Name, v.Tags())
			for _, t := range v.Tags() {
				w.noteTag(t, v.Name)
			}
			fresh = append(fresh, v.Name)
		}
		if !allNew || resp == nil || resp.NextPage == 0 {
			break
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	w.needed = nil
	if err := w.g.walk(ctx, fresh); err != nil {
		return err
	}
	// A new manifest whose subject is a planned one attests or signs it.
	w.g.mu.Lock()
	for _, d := range fresh {
		if s := w.g.manifests[d].Subject; s != "" && (w.pending[s] || w.planned[s] != nil) {
			if _, done := w.signed[s]; !done {
				w.signed[s] = shortDigest(d) + ", whose subject it is"
			}
		}
	}
	w.g.mu.Unlock()
	return nil
}

// safe reports whether removing digest (with the tags planned to go with
// it) is still safe: nil, a *skipError saying why not, or the error that
// kept it from telling. nowTags, if not nil, are the tags GitHub gives the
// version now.
func (w *watch) safe(digest string, nowTags []string) error {
	for _, t := range nowTags {
		if !slices.Contains(w.planned[digest], t) {
			return &skipError{why: fmt.Sprintf("tagged %s since the plan", t)}
		}
	}
	if w.needed == nil {
		w.byDigest = w.g.tagsByDigest()
	}
	byDigest := w.byDigest
	for _, t := range byDigest[digest] {
		if !slices.Contains(w.planned[digest], t) {
			return &skipError{why: fmt.Sprintf("tagged %s in the registry since the plan", t)}
		}
	}
	if by, ok := w.signed[digest]; ok {
		return &skipError{why: "signed or attested since the plan: " + by}
	}
	if root, ok := w.reach(byDigest)[digest]; ok {
		return &skipError{why: "now needed by " + root}
	}
	return nil
}

// reach returns what the roots reach, by the root's description: what
// the tags point at (except manifests still to be deleted with exactly
// their planned tags), manifests pushed since the plan, and planned
// manifests that were not deleted.
func (w *watch) reach(byDigest map[string][]string) map[string]string {
	if w.needed != nil {
		return w.needed
	}
	label := map[string]string{}
	var roots []string
	add := func(d, why string) {
		if _, ok := label[d]; !ok {
			label[d] = why
			roots = append(roots, d)
		}
	}
	for _, d := range slices.Sorted(maps.Keys(byDigest)) {
		if !w.pending[d] || !subset(byDigest[d], w.planned[d]) {
			add(d, describeImage(d, byDigest[d]))
		}
	}
	for _, d := range slices.Sorted(maps.Keys(w.pushed)) {
		add(d, w.pushed[d])
	}
	for _, d := range slices.Sorted(maps.Keys(w.stayed)) {
		add(d, describeImage(d, byDigest[d])+", which was not deleted ("+w.stayed[d]+")")
	}
	reached := w.g.reach(roots)
	w.needed = make(map[string]string, len(reached))
	for d, root := range reached {
		w.needed[d] = label[root]
	}
	return w.needed
}

// checkVersion is the check before a version's delete: the watch brought
// up to date, the version read again (one REST request: its tags now, or
// a 404 when it is gone already), then safe.
func (w *watch) checkVersion(ctx context.Context, it *Item) error {
	if err := w.refresh(ctx); err != nil {
		return err
	}
	v, _, err := w.api.GetVersion(ctx, it.Type, it.Package, it.VersionID)
	if errors.Is(err, ghpackages.ErrNotFound) {
		return err // gone already: reported as such, nothing deleted
	}
	if err != nil {
		return fmt.Errorf("retention: not deleted: the version could not be read again: %w", err)
	}
	if v.Name != it.Version {
		return &skipError{why: fmt.Sprintf("version %d is now %s, not %s", it.VersionID, shortDigest(v.Name), shortDigest(it.Version))}
	}
	// A version whose manifest the registry did not have when it was read
	// (decided on without it) may have it now: read it again, so that a
	// subject or children it names count before it goes.
	if w.g.unmiss(it.Version) {
		w.needed = nil
		if err := w.g.walk(ctx, []string{it.Version}); err != nil {
			return err
		}
		if n, d, err := w.g.firstFailure(); n > 0 {
			return fmt.Errorf("retention: not deleted: %d manifest(s) could not be read from the registry (first: %s: %w)", n, shortDigest(d), err)
		}
	}
	return w.safe(it.Version, nonNilTags(v.Tags()))
}

func nonNilTags(t []string) []string {
	if t == nil {
		return []string{}
	}
	return t
}

// done records a step's outcome for digest: removed, or still there
// because of why.
func (w *watch) done(digest string, removed bool, why string) {
	delete(w.pending, digest)
	if removed {
		w.g.gone(digest)
		if id, ok := w.ids[digest]; ok {
			w.removed[id] = true
		}
	} else {
		w.stayed[digest] = why
	}
	w.needed = nil
}

// order returns dels (newest first) reordered so that every manifest
// comes after the planned manifests that list it.
func (w *watch) order(dels []Decision) []Decision {
	g := w.g
	// Kahn's algorithm over the edges between planned manifests, direct
	// or through manifests that stay — an index before what it lists, a
	// subject before its referrers and signatures — taking the newest
	// ready one each time. Only tags can make a cycle (a signature tag on
	// an index that lists its subject); then a manifest no planned index
	// lists goes first.
	all, hard := map[string]int{}, map[string]int{}
	// below returns the planned manifests next reached from d, through
	// manifests that stay (an index with no package version, say).
	below := func(d string, next func(string) []string) []string {
		var out []string
		seen := map[string]bool{d: true}
		queue := []string{d}
		for len(queue) > 0 {
			x := queue[0]
			queue = queue[1:]
			for _, c := range next(x) {
				if seen[c] {
					continue
				}
				seen[c] = true
				if w.pending[c] {
					out = append(out, c)
				} else {
					queue = append(queue, c)
				}
			}
		}
		return out
	}
	type edges struct{ refs, children []string }
	out := make([]edges, len(dels))
	index := make(map[string][]int, len(dels))
	for i, v := range dels {
		out[i] = edges{below(v.Name, g.refs), below(v.Name, g.children)}
		index[v.Name] = append(index[v.Name], i)
		for _, c := range out[i].refs {
			all[c]++
		}
		for _, c := range out[i].children {
			hard[c]++
		}
	}
	done := make([]bool, len(dels))
	ready := &indexHeap{}
	for i, v := range dels {
		if all[v.Name] == 0 {
			heap.Push(ready, i)
		}
	}
	order := make([]Decision, 0, len(dels))
	for len(order) < len(dels) {
		next := -1
		for ready.Len() > 0 && next < 0 {
			if i := heap.Pop(ready).(int); !done[i] {
				next = i
			}
		}
		if next < 0 { // a cycle: the newest no planned index lists, else the newest
			for _, ok := range []func(string) bool{func(d string) bool { return hard[d] == 0 }, func(string) bool { return true }} {
				for i, v := range dels {
					if !done[i] && ok(v.Name) {
						next = i
						break
					}
				}
				if next >= 0 {
					break
				}
			}
		}
		done[next] = true
		order = append(order, dels[next])
		for _, c := range out[next].refs {
			if all[c]--; all[c] == 0 {
				for _, i := range index[c] {
					if !done[i] {
						heap.Push(ready, i)
					}
				}
			}
		}
		for _, c := range out[next].children {
			hard[c]--
		}
	}
	return order
}

// indexHeap is a min-heap of indexes into dels (newest first): the
// newest ready one comes out first.
type indexHeap []int

func (h indexHeap) Len() int           { return len(h) }
func (h indexHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h indexHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *indexHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *indexHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// describeStay says why a planned manifest is still there after its step.
func describeStay(o Outcome, err error) string {
	switch o {
	case OutcomeSkipped:
		var skip *skipError
		if errors.As(err, &skip) {
			return "skipped: " + skip.why
		}
		return "skipped"
	case OutcomeRetained:
		return "GitHub refused to delete it"
	case OutcomeNotAttempted:
		return "not attempted"
	}
	if err != nil {
		return "its delete failed: " + strings.SplitN(err.Error(), "\n", 2)[0]
	}
	return string(o)
}
