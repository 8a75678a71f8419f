package retention

import (
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
// deleted versions are listed to find which. Such versions are restored
// (unless WithoutHealing), and the tags read again: each restored version
// is reported OutcomeHealed, and what stays broken OutcomeFailed, naming
// the tag, the missing manifests and the version IDs to restore by hand.
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
	for _, seg := range order {
		rep.Items = append(rep.Items, seg.heal(hctx, o, api, rep.Items)...)
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

// heal checks one package after the run (see heal) and returns the items
// that report what it did.
func (seg *segment) heal(ctx context.Context, o runConfig, api *ghpackages.OwnerPackages, items []Item) []Item {
	w := seg.w
	if w == nil {
		return nil
	}
	deleted := map[string]*Item{} // digest → its delete item
	for k := seg.start; k < seg.end; k++ {
		if it := &items[k]; it.Outcome == OutcomeDeleted || it.Outcome == OutcomeGoneUnconfirmed {
			deleted[it.Version] = it
		}
	}
	if len(deleted) == 0 {
		return nil
	}
	fail := func(format string, args ...any) []Item {
		err := fmt.Errorf(format, args...)
		return []Item{{Type: seg.pp.Type, Package: seg.pp.Name, Repository: seg.repo, Step: StepRestoreVersion, Outcome: OutcomeFailed,
			Reason: "final check", Err: err, Error: err.Error(), At: o.now()}}
	}
	g := w.g
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
		return fail("retention: the final check could not tell whether the tags are whole (%v); versions this run deleted: %s", err, idList(deleted, slices.Sorted(maps.Keys(deleted))))
	}
	if len(broken) == 0 {
		return nil
	}
	// The versions to restore, each with the tags that need it.
	needers := map[string][]string{}
	for _, b := range broken {
		for _, d := range b.need {
			needers[d] = append(needers[d], b.tag)
		}
	}
	var out []Item
	restored := map[string]bool{}
	for _, d := range slices.Sorted(maps.Keys(needers)) {
		del := deleted[d]
		it := Item{Type: del.Type, Package: del.Package, VersionID: del.VersionID, Version: d, Tags: needers[d], Step: StepRestoreVersion,
			Reason: "final check: deleted by this run, needed by tag " + strings.Join(needers[d], ", ")}
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
	tr, _ := g.resolver.(tagReader)
	for _, b := range broken {
		var missing []string
		for _, d := range b.need {
			ok := restored[d]
			if ok && tr != nil {
				got, err := tr.head(ctx, g.repo, d)
				ok = err == nil && got == d
			}
			if !ok {
				missing = append(missing, d)
			}
		}
		if ok := len(missing) == 0; ok && b.vanished && tr != nil {
			got, err := tr.head(ctx, g.repo, b.tag)
			if err != nil || got == "" {
				missing = b.need
			}
		}
		if len(b.need) == 0 {
			all := slices.Sorted(maps.Keys(deleted))
			err := fmt.Errorf("retention: tag %s vanished during the run while its image %s stayed: it was moved onto a version this run deleted, which GitHub's listing does not name yet; restore the one it was on (of versions %s) by hand",
				b.tag, shortDigest(b.digest), idList(deleted, all))
			out = append(out, Item{Type: seg.pp.Type, Package: seg.pp.Name, Repository: seg.repo, Tags: []string{b.tag}, Step: StepRestoreVersion,
				Outcome: OutcomeFailed, Reason: "final check", Err: err, Error: err.Error(), At: o.now()})
			continue
		}
		if len(missing) > 0 {
			err := fmt.Errorf("retention: tag %s (%s) is broken: it needs %s, which this run deleted; restore version(s) %s by hand",
				b.tag, shortDigest(b.digest), digestList(missing), idList(deleted, missing))
			out = append(out, Item{Type: seg.pp.Type, Package: seg.pp.Name, Repository: seg.repo, Tags: []string{b.tag}, Step: StepRestoreVersion,
				Outcome: OutcomeFailed, Reason: "final check", Err: err, Error: err.Error(), At: o.now()})
		}
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
	// Still missing: a deleted digest that no tag points at (a tag on it
	// unmarks it) may have been restored by someone; a HEAD tells.
	gone := func(d string) bool {
		g.mu.Lock()
		miss := g.missing[d]
		g.mu.Unlock()
		return miss
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
	needs := func(d string) []string {
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
		return need
	}
	var broken []brokenTag
	for _, t := range slices.Sorted(maps.Keys(now)) {
		d := now[t]
		if need := needs(d); len(need) > 0 {
			broken = append(broken, brokenTag{tag: t, digest: d, need: needs(d)})
		}
	}
	// Tags that vanished while their image stayed.
	var vanished []string
	tr, _ := g.resolver.(tagReader)
	for _, t := range slices.Sorted(maps.Keys(before)) {
		if _, ok := now[t]; ok || deleted[before[t]] != nil {
			continue
		}
		// Is its image still there? (Else it went with it, deleted by
		// someone else.)
		if tr != nil {
			got, err := tr.head(ctx, g.repo, before[t])
			if err != nil {
				return nil, err
			}
			if got == "" {
				continue
			}
		} else if _, err := g.resolver.Manifest(ctx, g.repo, before[t]); errors.Is(err, ErrManifestUnknown) {
			continue
		} else if err != nil {
			return nil, err
		}
		vanished = append(vanished, t)
	}
	if len(vanished) == 0 {
		return broken, nil
	}
	// Which deleted version carried it: GitHub's deleted versions keep
	// their tags.
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
		}
		if left--; left == 0 {
			break
		}
	}
	for _, t := range vanished {
		if d, ok := carried[t]; ok {
			broken = append(broken, brokenTag{tag: t, digest: d, need: needs(d), vanished: true})
			continue
		}
		// GitHub's listing does not say (yet): any of them may.
		broken = append(broken, brokenTag{tag: t, digest: before[t], vanished: true})
	}
	return broken, nil
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
