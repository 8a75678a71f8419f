package retention

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// HealTimeout bounds Apply's final check (and its restores) when the
// run's context has ended (cancelled, or past its deadline): the check
// then runs on a context of its own, which keeps the values of the run's
// context but not its end, and ends after HealTimeout. A run whose context
// is still live checks within it.
const HealTimeout = 30 * time.Second

// healContext returns the context the final check runs in (see
// HealTimeout).
func healContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx.Err() == nil {
		return ctx, func() {}
	}
	return context.WithTimeout(context.WithoutCancel(ctx), HealTimeout)
}

// heal is Apply's final check of the packages it deleted container
// versions from, after the last step (also when the run stopped): for
// each package, the registry's tags are read again whole (the tag list
// and a HEAD per tag; the manifests they reach come from the cache, or
// a GET when not in it), and every tag is checked for a manifest it needs
// (at any depth of an index) that this run deleted. A tag that vanished
// while the image it was on is still there was moved onto a version this
// run deleted (GitHub deletes a version's tags with it): the package's
// deleted versions, which keep their tags, are listed (once per run, the
// pages until this run's deletes are found) to find which, and to find
// a tag put on a version under a new name between its check and its
// DELETE, which went with it. Every package is checked
// before the first restore, so that WithHealStart can say how many
// restores follow. Such versions are restored (unless WithoutHealing),
// what each names first (see restoreOrder), and the tags read again: each
// restored version is reported OutcomeHealed, and what stays broken
// OutcomeFailed, naming the tag, the missing manifests and the version
// IDs to restore by hand.
func heal(ctx context.Context, o runConfig, api *ghpackages.OwnerPackages, rep *Report, segs map[int]*segment) {
	var order []*segment
	for _, i := range slices.Sorted(maps.Keys(segs)) {
		if seg := segs[i]; !slices.Contains(order, seg) {
			order = append(order, seg)
		}
	}
	if len(order) == 0 {
		return
	}
	hctx, cancel := healContext(ctx)
	defer cancel()
	var work []*healWork
	total := 0
	for _, seg := range order {
		hw, failed := seg.check(hctx, api, rep.Items)
		if failed != nil {
			rep.Items = append(rep.Items, seg.failed(o, nil, failed))
		}
		if hw != nil {
			work = append(work, hw)
			total += len(hw.restore)
		}
	}
	if total > 0 && o.healStart != nil {
		o.healStart(total)
	}
	for _, hw := range work {
		rep.Items = append(rep.Items, hw.heal(hctx, o, api)...)
	}
}

// brokenTag is a tag that needs manifests this run deleted.
type brokenTag struct {
	tag, digest string
	// need are the deleted digests it needs; vanished marks a tag that
	// is gone from the registry (it was on a deleted version).
	need     []string
	vanished bool
}

// healWork is what the final check found in one package: the tags this
// run broke, and the versions to restore, in the order to restore them.
type healWork struct {
	seg     *segment
	deleted map[string]*Item // digest → its delete item
	broken  []brokenTag
	restore []string            // digests, what each names first
	needers map[string][]string // digest → the tags that need it
}

// check checks one package after the run (see heal). It returns the work
// to do (nil when no tag needs what the run deleted), or the error that
// kept it from telling.
func (seg *segment) check(ctx context.Context, api *ghpackages.OwnerPackages, items []Item) (*healWork, error) {
	w := seg.w
	if w == nil {
		return nil, nil
	}
	deleted := map[string]*Item{}
	for k := seg.start; k < seg.end; k++ {
		if it := &items[k]; it.undoable() {
			deleted[it.Version] = it
		}
	}
	if len(deleted) == 0 {
		return nil, nil
	}
	// The tags the run removed on purpose (its untag steps) are not
	// missed.
	before := maps.Clone(w.lastSeen)
	for _, it := range items {
		if it.Package == seg.pp.Name && it.Type == seg.pp.Type && (it.Step == StepUntag || it.Step == StepDeletePlaceholder) {
			for _, t := range it.Tags {
				delete(before, t)
			}
		}
	}
	for t, d := range before {
		if d == PlaceholderDigest() {
			delete(before, t)
		}
	}
	broken, err := seg.brokenTags(ctx, api, deleted, before)
	if err != nil {
		return nil, fmt.Errorf("retention: the final check could not tell whether the tags are whole: %w; versions this run deleted: %s",
			err, idList(deleted, slices.Sorted(maps.Keys(deleted))))
	}
	if len(broken) == 0 {
		return nil, nil
	}
	needers := map[string][]string{}
	for _, b := range broken {
		for _, d := range b.need {
			needers[d] = append(needers[d], b.tag)
		}
	}
	return &healWork{seg: seg, deleted: deleted, broken: broken, needers: needers,
		restore: restoreOrder(w.g, deleted, slices.Collect(maps.Keys(needers)))}, nil
}

// failed is the final check's report of what it could not heal in the
// package: err, about tags.
func (seg *segment) failed(o runConfig, tags []string, err error) Item {
	return Item{Type: seg.pp.Type, Package: seg.pp.Name, Repository: seg.repo, Tags: tags, Step: StepRestoreVersion,
		Outcome: OutcomeFailed, Reason: "final check", Err: err, Error: err.Error(), At: o.now()}
}

// heal restores the versions hw found needed (unless WithoutHealing),
// reads the broken tags again, and returns the items that report it.
func (hw *healWork) heal(ctx context.Context, o runConfig, api *ghpackages.OwnerPackages) []Item {
	g := hw.seg.w.g
	var out []Item
	restored := map[string]bool{}
	for _, d := range hw.restore {
		del := hw.deleted[d]
		it := Item{Type: del.Type, Package: del.Package, VersionID: del.VersionID, Version: d, Tags: hw.needers[d], Step: StepRestoreVersion,
			Reason: "final check: deleted by this run, needed by tag " + strings.Join(hw.needers[d], ", ")}
		var err error
		if o.noHeal {
			err = errors.New("healing is off (WithoutHealing)")
		} else {
			var resp *ghpackages.Response
			resp, err = api.RestoreVersion(ctx, del.Type, del.Package, del.VersionID)
			if err == nil {
				it.Replayed = resp != nil && resp.Replayed
			} else if errors.Is(err, ghpackages.ErrNotFound) && active(ctx, api, &it) {
				err = nil // restored by someone else meanwhile
			}
		}
		it.At = o.now()
		if err != nil {
			it.Outcome, it.Err, it.Error = OutcomeFailed, err, "not restored: "+err.Error()
			var apiErr *ghpackages.Error
			if errors.As(err, &apiErr) {
				it.Status = apiErr.StatusCode
			}
		} else {
			it.Outcome = OutcomeHealed
			restored[d] = true
			g.vouch(d)
		}
		if o.progress != nil {
			o.progress(it)
		}
		out = append(out, it)
	}
	// Check again: each broken tag must point at a whole image now.
	for _, b := range hw.broken {
		if len(b.need) == 0 && hw.deleted[b.digest] != nil {
			err := fmt.Errorf("retention: tag %s was moved during the run onto %s, which this run deleted (version %s) and which is back without the tag; put the tag on it again by hand",
				b.tag, shortDigest(b.digest), idList(hw.deleted, []string{b.digest}))
			out = append(out, hw.seg.failed(o, []string{b.tag}, err))
			continue
		}
		if len(b.need) == 0 {
			err := fmt.Errorf("retention: tag %s vanished during the run while its image %s stayed: it was moved onto a version this run deleted, which GitHub's listing does not name yet; restore the one it was on (of versions %s) by hand",
				b.tag, shortDigest(b.digest), idList(hw.deleted, slices.Sorted(maps.Keys(hw.deleted))))
			out = append(out, hw.seg.failed(o, []string{b.tag}, err))
			continue
		}
		var missing []string
		var readErr error
		for _, d := range b.need {
			ok := restored[d]
			if ok {
				there, err := stillThere(ctx, g, d)
				ok = err == nil && there
				readErr = cmp.Or(readErr, err)
			}
			if !ok {
				missing = append(missing, d)
			}
		}
		if len(missing) == 0 && b.vanished {
			got, err := tagsNow(ctx, g, []string{b.tag})
			if err != nil || got[b.tag] == "" {
				missing = b.need
				readErr = cmp.Or(readErr, err)
			}
		}
		if len(missing) > 0 {
			err := fmt.Errorf("retention: tag %s (%s) is broken: it needs %s, which this run deleted; restore version(s) %s by hand",
				b.tag, shortDigest(b.digest), digestList(missing), idList(hw.deleted, missing))
			if readErr != nil {
				err = fmt.Errorf("%w (after the restores, reading the registry again failed: %w)", err, readErr)
			}
			out = append(out, hw.seg.failed(o, []string{b.tag}, err))
		}
	}
	return out
}

// restoreOrder returns the digests ds in the order to restore them: what
// each names (an index's children at any depth, attestation manifests
// among them; the subject of a referrer, and of a signature by its tag)
// comes before it, so that no restored manifest ever names one still
// deleted. Digests no order binds go by digest.
func restoreOrder(g *repoGraph, deleted map[string]*Item, ds []string) []string {
	want := map[string]bool{}
	for _, d := range ds {
		want[d] = true
	}
	var out []string
	seen := map[string]bool{}
	var visit func(d string)
	visit = func(d string) {
		if seen[d] {
			return
		}
		seen[d] = true
		for _, x := range g.names(d) {
			visit(x)
		}
		if it := deleted[d]; it != nil {
			if s, ok := tagSubject(it.Tags); ok {
				visit(s)
			}
		}
		if want[d] {
			out = append(out, d)
		}
	}
	for _, d := range slices.Sorted(slices.Values(ds)) {
		visit(d)
	}
	return out
}

// brokenTags reads the registry's tags again and returns those that need
// a manifest this run deleted (deleted, by digest), by tag name.
func (seg *segment) brokenTags(ctx context.Context, api *ghpackages.OwnerPackages, deleted map[string]*Item, before map[string]string) ([]brokenTag, error) {
	g := seg.w.g
	if err := g.loadTags(ctx); err != nil {
		return nil, err
	}
	now := g.tagNames()
	targets := g.tagTargets()
	if err := g.walk(ctx, targets); err != nil {
		return nil, err
	}
	// Gone: deleted by this run and not in the registry now. The graph
	// says which it deleted and has not seen since (a tag on it now
	// unmarks it); the registry is asked about those a tag reaches (a
	// HEAD each): a push may have uploaded one again (a new index
	// re-uploads a child the registry lacks), and then nothing is to be
	// restored. One someone else restored meanwhile, untagged, still
	// counts as gone: its restore then finds it active (healWork.heal).
	var readErr error
	present := map[string]bool{}
	gone := func(d string) bool {
		g.mu.Lock()
		miss := g.missing[d]
		g.mu.Unlock()
		if !miss {
			return false
		}
		there, ok := present[d]
		if !ok && readErr == nil {
			there, readErr = stillThere(ctx, g, d)
			present[d] = there
		}
		return !there
	}
	// What a tag needs: what its image lists at any depth, and the
	// referrers and signatures of those, as the checks before each delete
	// count them.
	// A signature this run deleted took its tag, which named its
	// subject, with it: its planned tags still say.
	sigs := map[string][]string{} // subject → deleted signatures
	for d, it := range deleted {
		for _, t := range it.Tags {
			if sub, ok := tagSubject([]string{t}); ok {
				sigs[sub] = append(sigs[sub], d)
			}
		}
	}
	memo := map[string][]string{} // many tags share an image
	needs := func(d string) []string {
		if need, ok := memo[d]; ok {
			return need
		}
		reached := map[string]bool{}
		for next := []string{d}; len(next) > 0; {
			var more []string
			for x := range g.reach(next) {
				if !reached[x] {
					reached[x] = true
					more = append(more, sigs[x]...)
				}
			}
			next = slices.DeleteFunc(more, func(x string) bool { return reached[x] })
		}
		var need []string
		for _, x := range slices.Sorted(maps.Keys(reached)) {
			if deleted[x] != nil && gone(x) {
				need = append(need, x)
			}
		}
		memo[d] = need
		return need
	}
	var broken []brokenTag
	for _, t := range slices.Sorted(maps.Keys(now)) {
		d := now[t]
		if need := needs(d); len(need) > 0 {
			broken = append(broken, brokenTag{tag: t, digest: d, need: need})
		}
	}
	if readErr != nil {
		return nil, readErr
	}
	// Tags that vanished while their image stayed.
	var vanished []string
	for _, t := range slices.Sorted(maps.Keys(before)) {
		if _, ok := now[t]; ok || deleted[before[t]] != nil {
			continue
		}
		// Is its image still there? (Else it went with it, deleted by
		// someone else.)
		there, err := stillThere(ctx, g, before[t])
		if err != nil {
			return nil, err
		}
		if there {
			vanished = append(vanished, t)
		}
	}
	// Which deleted version carried it: GitHub's deleted versions keep
	// their tags. The listing is read also when no tag vanished: a tag
	// pushed under a new name onto a version between its check and its
	// DELETE went with it and was never seen in the registry; the
	// version's deleted entry still names it.
	carried := map[string]string{} // tag → digest this run deleted
	ids := map[int64]string{}
	for d, it := range deleted {
		ids[it.VersionID] = d
	}
	left := len(ids)
	for v, err := range api.AllVersions(ctx, seg.pp.Type, seg.pp.Name, &ghpackages.PackageVersionListOptions{State: ghpackages.StateDeleted, PerPage: 100}) {
		if err != nil {
			return nil, err
		}
		d, ok := ids[v.ID]
		if !ok {
			continue
		}
		for _, t := range v.Tags() {
			carried[t] = d
			if _, there := now[t]; !there && !slices.Contains(deleted[d].Tags, t) && !slices.Contains(vanished, t) {
				vanished = append(vanished, t) // put on it during the run
			}
		}
		if left--; left == 0 {
			break
		}
	}
	slices.Sort(vanished)
	for _, t := range vanished {
		if d, ok := carried[t]; ok {
			// On a version this run deleted. (Needing nothing: the
			// version is back, but without the tag.)
			broken = append(broken, brokenTag{tag: t, digest: d, need: needs(d), vanished: true})
			continue
		}
		// GitHub's listing does not say (yet): any of them may.
		broken = append(broken, brokenTag{tag: t, digest: before[t], vanished: true})
	}
	if readErr != nil {
		return nil, readErr
	}
	return broken, nil
}

// stillThere asks the registry whether it has g's repository@d: a HEAD
// with a resolver that reads tags one at a time, else a read.
func stillThere(ctx context.Context, g *repoGraph, d string) (bool, error) {
	if tr, ok := g.resolver.(tagReader); ok {
		got, err := tr.head(ctx, g.repo, d)
		return got != "", err
	}
	_, err := g.resolver.Manifest(ctx, g.repo, d)
	if errors.Is(err, ErrManifestUnknown) {
		return false, nil
	}
	return err == nil, err
}

// digestList names digests, short.
func digestList(ds []string) string {
	var s []string
	for _, d := range ds {
		s = append(s, shortDigest(d))
	}
	return strings.Join(s, ", ")
}

// idList names the version IDs of digests.
func idList(deleted map[string]*Item, ds []string) string {
	var s []string
	for _, d := range ds {
		if it := deleted[d]; it != nil {
			s = append(s, strconv.FormatInt(it.VersionID, 10))
		}
	}
	if len(s) == 0 {
		return "(unknown)"
	}
	return strings.Join(s, ", ")
}
