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

// Untag in Apply. For each package with ActionUntag versions (or a
// placeholder left by an earlier run), Apply reports one StepUntag item
// per version and one StepDeletePlaceholder item per placeholder, before
// the package's deletes, and they share the package's watch (watch.go)
// with those deletes:
//
//  1. Each StepUntag item reads where its tags point now (a HEAD each)
//     and moves every tag that still points at its version to the
//     placeholder (a push per tag); a tag that moved elsewhere since the
//     plan stays where it is. The item is OutcomeUntagPending until the
//     placeholder goes.
//  2. The StepDeletePlaceholder item finds the placeholder's version,
//     passes the watch's check (watch.refresh, then watch.safe, as every
//     delete does) and deletes it, which removes every tag on it: the
//     untag items become OutcomeUntagged. When the delete fails (a token
//     that may push but not delete, say), the tags still on the
//     placeholder are pushed back onto their images (one another job moved
//     since stays where it is) and the untag items fail; when the run
//     stops first, they stay OutcomeUntagPending and the next NewPlan
//     finds the placeholder and deletes it.
//
// A version only ever loses tags here, never its manifest, so nothing an
// image needs goes; and a version left with no tag is not deleted in the
// same run (the plan decided it while it was tagged).

// isUntagStep reports whether a decision makes untag steps: tags to
// remove, or a placeholder to delete.
func isUntagStep(d Decision) bool {
	return d.Action == ActionUntag || d.Action == ActionDelete && d.Placeholder
}

// untagRun is one package's untag steps in Apply.
type untagRun struct {
	api   *ghpackages.OwnerPackages
	seg   *segment
	o     runConfig
	mover TagMover
	typ   ghpackages.PackageType
	pkg   string
	repo  string
	// all is Apply's item list; untag and placeholder are this package's
	// items in it, by index.
	all         *[]Item
	untag       []int
	placeholder []int
	// pushed is set once this run pushed the placeholder.
	pushed bool
}

// untagItems appends pp's untag and placeholder items to items and
// records them in at. seg is the package's segment, whose watch the steps
// share with its deletes; all points at Apply's final item list.
func untagItems(pp *PackagePlan, seg *segment, api *ghpackages.OwnerPackages, o runConfig, items []Item, at map[int]*untagRun, all *[]Item) ([]Item, error) {
	u := &untagRun{api: api, seg: seg, o: o, typ: pp.Type, pkg: pp.Name, repo: seg.repo, all: all}
	placeholders := map[string]*Decision{}
	for i := range pp.Versions {
		v := &pp.Versions[i]
		if v.Action == ActionUntag {
			if u.mover == nil {
				m, ok := o.resolver.(TagMover)
				if !ok {
					return nil, ErrNoTagMover
				}
				u.mover = m
			}
			at[len(items)] = u
			u.untag = append(u.untag, len(items))
			items = append(items, Item{Type: pp.Type, Package: pp.Name, Repository: u.repo, VersionID: v.ID, Version: v.Name, Tags: slices.Clone(v.Untag), Step: StepUntag, Reason: v.Reason})
		}
		if v.Action == ActionDelete && v.Placeholder {
			placeholders[v.Name] = v
		}
	}
	// The placeholder this run pushes, then any other left behind.
	digests := slices.Sorted(func(yield func(string) bool) {
		for d := range placeholders {
			if d != PlaceholderDigest() && !yield(d) {
				return
			}
		}
	})
	if len(u.untag) > 0 || placeholders[PlaceholderDigest()] != nil {
		digests = append([]string{PlaceholderDigest()}, digests...)
	}
	for _, d := range digests {
		it := Item{Type: pp.Type, Package: pp.Name, Repository: u.repo, Version: d, Step: StepDeletePlaceholder, Reason: "the placeholder the tags were moved to: deleting it removes them"}
		if v := placeholders[d]; v != nil {
			it.VersionID, it.Tags, it.Reason = v.ID, v.Tags, v.Reason
		}
		at[len(items)] = u
		u.placeholder = append(u.placeholder, len(items))
		items = append(items, it)
	}
	return items, nil
}

// do carries out item i, one of the package's untag items.
func (u *untagRun) do(ctx context.Context, i int, it *Item) (*ghpackages.Response, error) {
	if err := u.seg.open(ctx, u.o, u.api, *u.all, i); err != nil {
		if it.Step == StepUntag || stopsRun(ctx, err) {
			return nil, err
		}
		return u.failed(ctx, it, nil, err)
	}
	if it.Step == StepUntag {
		return nil, u.moveTags(ctx, it)
	}
	return u.deletePlaceholder(ctx, it)
}

// tagsNow returns where tags point now in g's repository ("" for a tag
// that is gone): a HEAD each where the resolver reads one tag at a time
// (*RegistryResolver), else the whole tag list read again.
func tagsNow(ctx context.Context, g *repoGraph, tags []string) (map[string]string, error) {
	out := make(map[string]string, len(tags))
	if tr, ok := g.resolver.(tagReader); ok {
		digests := make([]string, len(tags))
		if err := forEach(ctx, len(tags), func(i int) error {
			var err error
			digests[i], err = tr.head(ctx, g.repo, tags[i])
			return err
		}); err != nil {
			return nil, err
		}
		for i, t := range tags {
			out[t] = digests[i]
		}
		return out, nil
	}
	if err := g.loadTags(ctx); err != nil {
		return nil, err
	}
	all := g.tagNames()
	for _, t := range tags {
		out[t] = all[t]
	}
	return out, nil
}

// moveTags moves it.Tags from it.Version to the placeholder. It sets the
// outcome itself, except for a refusal or error before any tag moved,
// which it returns.
func (u *untagRun) moveTags(ctx context.Context, it *Item) error {
	now, err := tagsNow(ctx, u.seg.w.g, it.Tags)
	if err != nil {
		return fmt.Errorf("retention: not untagged: the registry's tags could not be read again: %w", err)
	}
	var move, already, notes []string
	for _, t := range it.Tags {
		switch d := now[t]; d {
		case it.Version:
			move = append(move, t)
		case PlaceholderDigest():
			already = append(already, t)
		case "":
			notes = append(notes, fmt.Sprintf("tag %s was already gone", t))
		default:
			notes = append(notes, fmt.Sprintf("tag %s points at %s since the plan: not removed", t, shortDigest(d)))
		}
	}
	if len(move) == 0 && len(already) == 0 {
		return &skipError{why: strings.Join(notes, "; "), not: "untagged"}
	}
	var moved []string
	for _, t := range move {
		// Read the tag again just before its PUT: a push since the read
		// above keeps its tag (registries have no conditional tag PUT, so
		// a push between this read and the PUT is the window that
		// remains).
		before, err := tagsNow(ctx, u.seg.w.g, []string{t})
		if err == nil && before[t] != it.Version {
			switch d := before[t]; d {
			case PlaceholderDigest():
				already = append(already, t)
			case "":
				notes = append(notes, fmt.Sprintf("tag %s was already gone", t))
			default:
				notes = append(notes, fmt.Sprintf("tag %s was pushed again (%s) just before its untag: not removed", t, shortDigest(d)))
				u.seg.w.g.setTag(t, d)
				u.seg.w.needed = nil
			}
			continue
		}
		if err != nil {
			err = fmt.Errorf("retention: not untagged: reading tag %s again before its untag: %w", t, err)
		} else if err = u.mover.PushPlaceholder(ctx, u.repo, t); err != nil {
			err = fmt.Errorf("retention: not untagged: pushing the placeholder under %s: %w", t, err)
		}
		if err != nil {
			stuck, _ := u.putBack(ctx, it.Version, moved)
			if len(stuck) == 0 && len(already) == 0 {
				return err
			}
			it.Tags = append(already, stuck...)
			it.Outcome = OutcomeUntagPending
			setErr(it, fmt.Errorf("%w; %s point(s) at the placeholder until a run deletes it", err, strings.Join(it.Tags, ", ")))
			return nil
		}
		u.pushed = true
		// And once after it: a push that landed since keeps its tag, and
		// the tag is not counted as moved.
		if after, err := tagsNow(ctx, u.seg.w.g, []string{t}); err == nil && after[t] != PlaceholderDigest() {
			if d := after[t]; d != "" {
				notes = append(notes, fmt.Sprintf("tag %s was pushed again (%s) during its untag: left there", t, shortDigest(d)))
				u.seg.w.g.setTag(t, d)
			} else {
				notes = append(notes, fmt.Sprintf("tag %s was gone right after its untag", t))
				u.seg.w.g.setTag(t, "")
			}
			u.seg.w.needed = nil
			continue
		}
		u.seg.w.g.setTag(t, PlaceholderDigest())
		u.seg.w.needed = nil
		moved = append(moved, t)
	}
	if len(moved) == 0 && len(already) == 0 {
		return &skipError{why: strings.Join(notes, "; "), not: "untagged"}
	}
	it.Tags = append(already, moved...)
	it.Outcome = OutcomeUntagPending
	it.Error = strings.Join(notes, "; ")
	return nil
}

// putBack points the tags that are still on the placeholder at digest
// again (read first, a HEAD each) and returns those it could not put back.
// A tag that no longer points at the placeholder (another job pushed it
// elsewhere since, or it is gone) is left where it is, in left: putting
// it back would take it from the image its owner just pushed. When the
// tags cannot be read, none is put back.
func (u *untagRun) putBack(ctx context.Context, digest string, tags []string) (stuck, left []string) {
	now, err := tagsNow(ctx, u.seg.w.g, tags)
	if err != nil {
		return tags, nil
	}
	for _, t := range tags {
		switch now[t] {
		case PlaceholderDigest():
		case digest:
			u.seg.w.g.setTag(t, digest)
			u.seg.w.needed = nil
			continue
		default:
			left = append(left, t)
			continue
		}
		if err := u.mover.Retag(ctx, u.repo, t, digest); err != nil {
			stuck = append(stuck, t)
			continue
		}
		u.seg.w.g.setTag(t, digest)
		u.seg.w.needed = nil
	}
	return stuck, left
}

// deletePlaceholder deletes the placeholder it names, after the watch's
// check, and settles the package's untag items.
func (u *untagRun) deletePlaceholder(ctx context.Context, it *Item) (*ghpackages.Response, error) {
	w := u.seg.w
	ours := it.Version == PlaceholderDigest()
	pending := u.pending()
	if ours && it.VersionID == 0 && !u.pushed && len(pending) == 0 {
		return nil, &skipError{why: "no tag was moved to the placeholder (see the untag items)"}
	}
	if ours && u.pushed || it.VersionID == 0 {
		id, err := u.findVersion(ctx, it.Version)
		switch {
		case stopsRun(ctx, err):
			return nil, err // the run stops; the tags stay on the placeholder
		case err != nil:
			return u.failed(ctx, it, nil, fmt.Errorf("retention: not deleted: listing the package's versions to find the placeholder: %w", err))
		case id == 0:
			return u.failed(ctx, it, nil, errors.New("retention: not deleted: the placeholder has no package version (yet?)"))
		}
		it.VersionID = id
	}
	if err := w.refresh(ctx); err != nil {
		if stopsRun(ctx, err) {
			return nil, err
		}
		return u.failed(ctx, it, nil, err)
	}
	// Every tag on a placeholder is one someone chose to remove, and the
	// placeholder's version is no image anything needs.
	it.Tags = slices.Clone(w.g.tagsByDigest()[it.Version])
	w.planned[it.Version], w.pending[it.Version] = it.Tags, true
	delete(w.pushed, it.Version)
	w.needed = nil
	if err := w.safe(it.Version, nil); err != nil {
		w.done(it.Version, false, describeStay(OutcomeSkipped, err))
		return u.failed(ctx, it, nil, err)
	}
	resp, err := u.api.DeleteVersion(ctx, it.Type, it.Package, it.VersionID)
	switch {
	case err == nil:
		it.Outcome, it.Replayed = OutcomeDeleted, resp != nil && resp.Replayed
	case stopsRun(ctx, err):
		w.done(it.Version, false, describeStay(OutcomeNotAttempted, err))
		return resp, err // the run stops; the tags stay on the placeholder
	case errors.Is(err, ghpackages.ErrDeleteUnconfirmed):
		it.Outcome = OutcomeGoneUnconfirmed
		setErr(it, err)
	case errors.Is(err, ghpackages.ErrNotFound) && !(resp != nil && resp.Replayed) && !u.active(ctx, it):
		it.Outcome = OutcomeAlreadyGone
		setErr(it, err)
	default:
		w.done(it.Version, false, describeStay(OutcomeFailed, err))
		return u.failed(ctx, it, resp, err)
	}
	w.done(it.Version, true, "")
	for _, j := range pending {
		(*u.all)[j].Outcome = OutcomeUntagged
	}
	return resp, nil
}

// stopsRun reports whether err stops the run (see run): a rate limit the
// client could not wait out, or ctx ending. The placeholder is then not
// deleted and its tags are not put back: they stay on it, untag-pending,
// for the next run.
func stopsRun(ctx context.Context, err error) bool {
	return err != nil && (errors.Is(err, ghpackages.ErrRateLimited) || ctx.Err() != nil)
}

// active reports whether the placeholder's version can still be read.
func (u *untagRun) active(ctx context.Context, it *Item) bool {
	v, _, err := u.api.GetVersion(ctx, it.Type, it.Package, it.VersionID)
	return err == nil && v.DeletedAt == nil
}

// failed settles a placeholder that could not be deleted: the tags this
// run moved go back to their images (their untag items fail), and those
// that cannot stay pending.
func (u *untagRun) failed(ctx context.Context, it *Item, resp *ghpackages.Response, err error) (*ghpackages.Response, error) {
	var skip *skipError
	switch {
	case errors.As(err, &skip):
		it.Outcome = OutcomeSkipped
	case errors.Is(err, ghpackages.ErrLastVersion):
		it.Outcome = OutcomeRetained
	default:
		it.Outcome = OutcomeFailed
	}
	setErr(it, err)
	if it.Version != PlaceholderDigest() {
		return resp, nil // left by an earlier run: nothing of ours to put back
	}
	for _, j := range u.pending() {
		ut := &(*u.all)[j]
		stuck, left := u.putBack(ctx, ut.Version, ut.Tags)
		if len(stuck) == 0 {
			ut.Outcome = OutcomeFailed
			moved := ""
			if len(left) > 0 {
				moved = fmt.Sprintf(" (except %s, which no longer pointed at the placeholder: left where it is)", strings.Join(left, ", "))
			}
			setErr(ut, fmt.Errorf("retention: not untagged: the placeholder could not be deleted (%w); the tags were put back on the image%s", err, moved))
			continue
		}
		ut.Tags = stuck
		setErr(ut, fmt.Errorf("retention: the placeholder could not be deleted (%w), and %s could not be put back: they point at the placeholder until a run deletes it", err, strings.Join(stuck, ", ")))
	}
	return resp, nil
}

// pending returns the indexes of the package's untag items whose tags are
// on the placeholder.
func (u *untagRun) pending() []int {
	var out []int
	for _, j := range u.untag {
		if (*u.all)[j].Outcome == OutcomeUntagPending {
			out = append(out, j)
		}
	}
	return out
}

// findVersion returns the ID of the active version named digest, or 0.
func (u *untagRun) findVersion(ctx context.Context, digest string) (int64, error) {
	for v, err := range u.api.AllVersions(ctx, u.typ, u.pkg, &ghpackages.PackageVersionListOptions{PerPage: 100}) {
		if err != nil {
			return 0, err
		}
		if v.Name == digest && v.DeletedAt == nil {
			return v.ID, nil
		}
	}
	return 0, nil
}

// setErr records err on it as run does.
func setErr(it *Item, err error) {
	it.Err, it.Error = err, err.Error()
	var apiErr *ghpackages.Error
	if errors.As(err, &apiErr) {
		it.Status = apiErr.StatusCode
	}
}

// tagRestore is Restore's putting tags back: a StepUntag item becomes a
// StepRestoreTags item that pushes the image again under each tag.
type tagRestore struct {
	o     runConfig
	owner string // the report's owner name, for items without Repository
	wants bool
	// graphs are the repositories' tags, read once per package.
	graphs map[string]*repoGraph
}

// item returns the restore item for an untag item that removed tags.
func (r *tagRestore) item(it Item) (Item, bool) {
	if it.Outcome != OutcomeUntagged && it.Outcome != OutcomeUntagPending || len(it.Tags) == 0 {
		return Item{}, false
	}
	r.wants = true
	return Item{Type: it.Type, Package: it.Package, Repository: it.Repository, VersionID: it.VersionID, Version: it.Version, Tags: slices.Clone(it.Tags),
		Step: StepRestoreTags, Reason: "untagged at " + it.At.UTC().Format(time.RFC3339)}, true
}

// ready reports whether the tags can be put back: it needs a TagMover.
func (r *tagRestore) ready() error {
	if !r.wants {
		return nil
	}
	if _, ok := r.o.resolver.(TagMover); !ok {
		return ErrNoTagMover
	}
	return nil
}

// restore puts it.Tags back on it.Version, except a tag that now points
// at another image (pushed since): that one stays where it is.
func (r *tagRestore) restore(ctx context.Context, it *Item) error {
	repo := it.Repository
	if repo == "" {
		repo = strings.ToLower(r.owner + "/" + it.Package)
	}
	if r.graphs == nil {
		r.graphs = map[string]*repoGraph{}
	}
	g := r.graphs[repo]
	if g == nil {
		g = newRepoGraph(r.o.resolver, repo)
		r.graphs[repo] = g
	}
	now, err := tagsNow(ctx, g, it.Tags)
	if err != nil {
		return fmt.Errorf("retention: not restored: the registry's tags could not be read: %w", err)
	}
	var put, there, notes []string
	for _, t := range it.Tags {
		switch d := now[t]; {
		case d == it.Version:
			there = append(there, t)
		case d == "" || d == PlaceholderDigest():
			put = append(put, t)
		default:
			if m, err := r.o.resolver.Manifest(ctx, repo, d); err == nil && m.Placeholder {
				put = append(put, t)
				continue
			}
			notes = append(notes, fmt.Sprintf("tag %s now points at %s: left there", t, shortDigest(d)))
		}
	}
	if len(put) == 0 {
		if len(there) > 0 {
			it.Tags, it.Outcome, it.Error = there, OutcomeAlreadyActive, strings.Join(notes, "; ")
			return nil
		}
		return &skipError{why: strings.Join(notes, "; "), not: "restored"}
	}
	mover := r.o.resolver.(TagMover)
	done := there
	for _, t := range put {
		if err := mover.Retag(ctx, repo, t, it.Version); err != nil {
			if errors.Is(err, ErrManifestUnknown) {
				err = fmt.Errorf("%w (its version was deleted: restore it first)", err)
			}
			it.Tags = done
			if len(done) == 0 {
				return fmt.Errorf("retention: not restored: pushing %s again under %s: %w", shortDigest(it.Version), t, err)
			}
			it.Outcome = OutcomeRestored
			setErr(it, fmt.Errorf("retention: pushing %s again under %s: %w", shortDigest(it.Version), t, err))
			return nil
		}
		done = append(done, t)
	}
	it.Tags = done
	it.Outcome = OutcomeRestored
	it.Error = strings.Join(notes, "; ")
	return nil
}

// record sets a StepRestoreTags item's outcome from restore's error.
func (r *tagRestore) record(it *Item, err error) {
	var skip *skipError
	switch {
	case it.Outcome != "":
	case errors.As(err, &skip):
		it.Outcome = OutcomeSkipped
	case err == nil:
		it.Outcome = OutcomeRestored
	default:
		it.Outcome = OutcomeFailed
	}
}
