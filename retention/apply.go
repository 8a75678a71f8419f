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

// Outcome is what happened to one item of a run.
type Outcome string

// Outcomes.
const (
	// OutcomeDeleted: the delete succeeded (or a retried delete found it
	// done).
	OutcomeDeleted Outcome = "deleted"
	// OutcomeAlreadyGone: the version or package was not found (deleted by
	// someone else, or invisible to the token).
	OutcomeAlreadyGone Outcome = "already-gone"
	// OutcomeGoneUnconfirmed: the delete's first answer was lost (a dropped
	// connection, a 5xx), it was sent again, and the resend was answered
	// 404; no read could tell "deleted, most likely by the first attempt"
	// from "not visible to the token" (ghpackages.ErrDeleteUnconfirmed).
	// It is not a failure, and Restore restores it like OutcomeDeleted.
	OutcomeGoneUnconfirmed Outcome = "gone-unconfirmed"
	// OutcomeRetained: GitHub refused to delete it for a reason that is
	// not a failure: the last (tagged) version, or a public version with
	// more than 5,000 downloads.
	OutcomeRetained Outcome = "retained"
	// OutcomeFailed: the operation failed; Error says why.
	OutcomeFailed Outcome = "failed"
	// OutcomeNotAttempted: the run stopped (rate limit, cancellation)
	// first.
	OutcomeNotAttempted Outcome = "not-attempted"
	// OutcomeRestored: Restore brought it back.
	OutcomeRestored Outcome = "restored"
	// OutcomeAlreadyActive: Restore was answered 404 and a read found the
	// version (or package) active, or found the tags of a StepRestoreTags
	// item on their image already: there was nothing to restore. It is
	// not a failure, so restoring from the same report twice succeeds.
	OutcomeAlreadyActive Outcome = "already-active"
	// OutcomeExpired: deleted more than 30 days ago; GitHub no longer
	// restores it.
	OutcomeExpired Outcome = "expired"
	// OutcomeSkipped: Apply's check before the delete found that it is no
	// longer safe: the registry now needs the version (a tag moved to it,
	// an image that stays references it, one pushed since the plan lists
	// it, or an index it belongs to was not deleted), or it was signed or
	// attested since the plan. It was not deleted; Error says why.
	OutcomeSkipped Outcome = "skipped"
	// OutcomeUntagged: an untag step removed the item's Tags from its
	// version (the placeholder they were moved to was deleted).
	OutcomeUntagged Outcome = "untagged"
	// OutcomeHealed: Apply's final check found a tag that needed this
	// version, which the run had deleted (a push the checks before the
	// delete could not see), and restored it (a StepRestoreVersion item
	// after the deletes; Tags are the tags that needed it).
	OutcomeHealed Outcome = "healed"
	// OutcomeUntagPending: an untag step moved the item's Tags to the
	// placeholder, but the placeholder's version was not deleted (the run
	// stopped first, or the tags could not be put back after its delete
	// failed): the tags point at the placeholder until a later NewPlan or
	// NewUntagPlan run deletes it; Verify reports them.
	OutcomeUntagPending Outcome = "untag-pending"
)

// Step is the kind of operation a report item is: what was attempted, as
// opposed to a plan's Action (keep, delete or untag) and the item's
// Outcome.
type Step string

// Steps.
const (
	StepDeleteVersion  Step = "delete-version"
	StepDeletePackage  Step = "delete-package"
	StepRestoreVersion Step = "restore-version"
	StepRestorePackage Step = "restore-package"
	// StepUntag removes the item's Tags from its version (Version is the
	// digest they pointed at) by moving them to the package's placeholder.
	StepUntag Step = "untag"
	// StepDeletePlaceholder deletes the placeholder's version, which
	// removes the tags on it; Restore never restores it.
	StepDeletePlaceholder Step = "delete-placeholder"
	// StepRestoreTags puts an untag step's tags back on their image.
	StepRestoreTags Step = "restore-tags"
)

// Item is one operation of a run, as reported.
type Item struct {
	// Type and Package name the package; Repository, for untag steps,
	// is its registry repository ("owner/package", lower-case).
	Type       ghpackages.PackageType `json:"type"`
	Package    string                 `json:"package"`
	Repository string                 `json:"repository,omitempty"`
	// VersionID, Version and Tags describe the version; VersionID is 0
	// for a whole-package operation.
	VersionID int64    `json:"version_id,omitempty"`
	Version   string   `json:"version,omitempty"`
	Tags      []string `json:"tags,omitempty"`
	// Step is the operation: StepDeleteVersion, StepDeletePackage,
	// StepRestoreVersion or StepRestorePackage. (Its JSON name, "action",
	// predates the Go name and stays for the report format.)
	Step Step `json:"action"`
	// Reason is the plan's reason for the deletion (for a restore: when
	// the item was deleted).
	Reason string `json:"reason,omitempty"`
	// Outcome is what happened.
	Outcome Outcome `json:"outcome"`
	// Error is the error text, for OutcomeFailed, OutcomeRetained,
	// OutcomeAlreadyGone, OutcomeGoneUnconfirmed, OutcomeSkipped and an
	// interrupted OutcomeNotAttempted item.
	Error string `json:"error,omitempty"`
	// Status is the HTTP status of the API's error answer, if any.
	Status int `json:"status,omitempty"`
	// Err is the error itself, for errors.Is and errors.As (for example
	// ghpackages.ErrForbidden or *ghpackages.Error); it is not serialised.
	Err error `json:"-"`
	// Replayed is set when an operation was sent again after its first
	// answer was lost and the client confirmed the first attempt had gone
	// through (see ghpackages.Response.Replayed): outcome OutcomeDeleted
	// (or OutcomeRestored) all the same.
	Replayed bool `json:"replayed,omitempty"`
	// At is when the operation finished; zero for OutcomeNotAttempted
	// items that were never sent.
	At time.Time `json:"at"`
}

// Report is the result of Apply or Restore. Its JSON form is the stable
// report format, which a later Restore reads back:
//
//	{
//	  "owner_kind": "org" | "user" | "authenticated",
//	  "owner_name": "octo-org",               // empty for "authenticated"
//	  "started_at": "2026-11-24T03:17:00Z",
//	  "finished_at": "2026-11-24T03:19:41Z",
//	  "stopped": "",                          // why the run ended early, if it did
//	  "items": [{
//	    "type": "container", "package": "app",
//	    "repository": "octo-org/app",         // untag steps
//	    "version_id": 1260000042,             // absent for a whole package
//	    "version": "sha256:…", "tags": ["pr-12"],
//	    "action": "delete-version" | "delete-package" | "restore-version" | "restore-package" |
//	              "untag" | "delete-placeholder" | "restore-tags",
//	    "reason": "…", "outcome": "deleted" | "already-gone" | "gone-unconfirmed" |
//	                              "retained" | "failed" | "not-attempted" | "restored" |
//	                              "already-active" | "expired" | "skipped" |
//	                              "untagged" | "untag-pending" | "healed",
//	    "error": "…", "status": 404,          // on errors only
//	    "replayed": true,                     // only when set
//	    "at": "2026-11-24T03:17:01Z"
//	  }]
//	}
//
// New fields may be added; existing ones keep their names and meaning.
type Report struct {
	// OwnerKind and OwnerName are the owner, as in Plan.
	OwnerKind ghpackages.OwnerKind `json:"owner_kind"`
	OwnerName string               `json:"owner_name,omitempty"`
	// StartedAt and FinishedAt bound the run.
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// Stopped says why the run ended before its last item, if it did.
	Stopped string `json:"stopped,omitempty"`
	// Items are the run's operations in the order they were carried out.
	Items []Item `json:"items"`
}

// Count returns how many items had outcome o.
func (r *Report) Count(o Outcome) int {
	n := 0
	for _, it := range r.Items {
		if it.Outcome == o {
			n++
		}
	}
	return n
}

// Failed reports whether any item's outcome is OutcomeFailed. The other
// outcomes are not failures: OutcomeGoneUnconfirmed and
// OutcomeAlreadyActive leave things as asked, OutcomeRetained and
// OutcomeSkipped are refusals on purpose, and OutcomeNotAttempted comes
// with Report.Stopped.
func (r *Report) Failed() bool { return r.Count(OutcomeFailed) > 0 }

// ErrNoResolver is returned by Apply for a plan that deletes container
// versions it checked against a registry, when no resolver was given to
// re-check them with.
var ErrNoResolver = errors.New("retention: the plan deletes container versions checked against the registry; pass WithResolver so Apply can re-check each delete")

// Apply carries out plan: it deletes the planned packages and versions, one
// at a time, through client (whose pacing and retry policy apply), and
// touches nothing outside the plan. Packages go in plan order.
//
// Container versions go parents first: an image index or manifest list
// before the manifests it lists, at any depth (read again from the
// registry), so a run that stops after any delete never leaves a tag
// pointing at a broken image; otherwise newest first. Before each container
// delete Apply checks that it is still safe, at a cost that does not grow
// with the repository: it reads the registry's tag names (one request)
// and the digest of each tag new since it last looked, the package's
// newest versions (one REST request: what was pushed since the plan, whose
// manifests it reads), and the version itself (one REST request: its tags
// now). It skips the version (OutcomeSkipped) when a tag has moved to it
// since the plan, a manifest that stays now needs it (an index pushed over
// old platform images and tagged, for example), a signature or
// attestation of it was pushed since the plan, or a version it belongs to
// was not deleted (a failed delete of its index keeps the index whole). A
// registry it cannot read fails the affected deletes. The tags are read
// whole (a request per tag) once per package, before its first delete,
// unless WithFreshPlan says the plan's own reading is current.
//
// After the last step (also when the run stopped, then within HealTimeout)
// Apply checks what it touched, and heals: for each container package it
// deleted versions from, it reads every tag again (the tag list and a
// HEAD per tag, once per run) and restores each deleted version a tag now
// needs — one a push GitHub's listing did not show yet made a tag need,
// say — reporting it as a StepRestoreVersion item with OutcomeHealed
// (WithoutHealing turns the restores off). What it cannot heal is an
// OutcomeFailed item naming the tag, the missing manifests and the
// version IDs to restore by hand.
//
// Before deleting a whole package Apply lists its versions again and skips
// the package when a version, or a tag, was added since the plan.
//
// A package's tag removals (ActionUntag, and placeholders left by an
// untag that did not finish) come before its deletes: a StepUntag item
// per version, which moves the tags that still point at it to the
// placeholder (pushed through the resolver, which must be a TagMover), then
// a StepDeletePlaceholder item, which deletes the placeholder's version
// and so the tags; the untag items are then OutcomeUntagged. If that
// delete fails, the tags still on the placeholder are pushed back onto
// their images and the untag items fail; if the run stops first, they are
// OutcomeUntagPending.
//
// Outcomes: OutcomeDeleted; OutcomeAlreadyGone for a 404 (deleted
// meanwhile, or not visible to the token); OutcomeGoneUnconfirmed when the
// client resent a DELETE whose answer was lost and got 404 that no read
// could settle (see ghpackages.ErrDeleteUnconfirmed; a version the client
// read back as still there is OutcomeFailed); OutcomeRetained when GitHub
// refuses to delete the last (tagged) version or a version with more than
// 5,000 downloads; OutcomeSkipped; OutcomeFailed otherwise, with the typed
// error in Item.Err. A rate limit the client could not wait out, or ctx
// ending, stops the run: the rest is reported OutcomeNotAttempted and
// Report.Stopped says why, so the next run can resume. The error is
// non-nil only for a plan that cannot be applied at all.
func Apply(ctx context.Context, client *ghpackages.Client, plan *Plan, opts ...ApplyOption) (*Report, error) {
	owner, err := plan.Owner()
	if err != nil {
		return nil, err
	}
	o := applyOptions(opts)
	checked := plan.Policy.Type == ghpackages.Container && !plan.Policy.SkipReferenceCheck
	api := client.Packages(owner)
	var items []Item
	segs := map[int]*segment{}             // item index → its package's checked deletes
	untags := map[int]*untagRun{}          // item index → its package's untag steps
	wholes := map[int]map[int64][]string{} // item index → the planned versions (and tags) of a package deleted whole
	for i := range plan.Packages {
		pp := &plan.Packages[i]
		if pp.DeletePackage {
			ids := map[int64][]string{}
			for _, v := range pp.Versions {
				ids[v.ID] = v.Tags
			}
			wholes[len(items)] = ids
			items = append(items, Item{Type: pp.Type, Package: pp.Name, Step: StepDeletePackage, Reason: pp.PackageReason})
			continue
		}
		var dels []Decision
		for _, v := range slices.Backward(pp.Versions) {
			if v.Action == ActionDelete && !v.Placeholder {
				dels = append(dels, v)
			}
		}
		hasUntag := slices.ContainsFunc(pp.Versions, isUntagStep)
		if len(dels) == 0 && !hasUntag {
			continue
		}
		checkedHere := checked && pp.Type == ghpackages.Container
		if checkedHere && o.resolver == nil {
			return nil, ErrNoResolver
		}
		var seg *segment
		if checkedHere {
			repo := pp.Repository
			if repo == "" {
				repo = strings.ToLower(plan.OwnerName + "/" + pp.Name)
			}
			seg = &segment{pp: pp, repo: repo, dels: dels}
			if o.fresh {
				seg.from = plan.readings[pp.Name]
			}
			if hasUntag {
				// The tags go first: the package's untag steps, then its
				// placeholder's delete (untag_apply.go), sharing the
				// package's watch with its deletes.
				if items, err = untagItems(pp, seg, api, o, items, untags, &items); err != nil {
					return nil, err
				}
			}
			seg.start, seg.end = len(items), len(items)+len(dels)
		}
		for _, v := range dels {
			if seg != nil {
				segs[len(items)] = seg
			}
			items = append(items, Item{Type: pp.Type, Package: pp.Name, VersionID: v.ID, Version: v.Name, Tags: v.Tags, Step: StepDeleteVersion, Reason: v.Reason})
		}
	}
	rep := run(ctx, plan.OwnerKind, plan.OwnerName, items, o, func(i int, it *Item) (*ghpackages.Response, error) {
		if u := untags[i]; u != nil {
			return u.do(ctx, i, it)
		}
		if ids := wholes[i]; ids != nil {
			if err := noNewVersions(ctx, api, it, ids); err != nil {
				return nil, err
			}
		}
		seg := segs[i]
		if seg == nil {
			if it.VersionID == 0 {
				return api.Delete(ctx, it.Type, it.Package)
			}
			return api.DeleteVersion(ctx, it.Type, it.Package, it.VersionID)
		}
		if err := seg.open(ctx, o, api, items, i); err != nil {
			return nil, err
		}
		if err := seg.w.checkVersion(ctx, it); err != nil {
			var skip *skipError
			switch {
			case errors.As(err, &skip):
				seg.w.done(it.Version, false, describeStay(OutcomeSkipped, err))
			case errors.Is(err, ghpackages.ErrNotFound):
				seg.w.done(it.Version, true, "")
			default:
				seg.w.done(it.Version, false, describeStay(OutcomeFailed, err))
			}
			return nil, err
		}
		resp, err := api.DeleteVersion(ctx, it.Type, it.Package, it.VersionID)
		switch {
		case err == nil, errors.Is(err, ghpackages.ErrDeleteUnconfirmed), errors.Is(err, ghpackages.ErrNotFound) && (resp == nil || !resp.Replayed):
			seg.w.done(it.Version, true, "")
		case errors.Is(err, ghpackages.ErrLastVersion), errors.Is(err, ghpackages.ErrTooManyDownloads):
			seg.w.done(it.Version, false, describeStay(OutcomeRetained, err))
		default:
			seg.w.done(it.Version, false, describeStay(OutcomeFailed, err))
		}
		return resp, err
	}, func(it *Item, resp *ghpackages.Response, err error) {
		var skip *skipError
		switch {
		case it.Outcome != "":
			// An untag step reports its own outcome.
		case errors.As(err, &skip):
			it.Outcome = OutcomeSkipped
		case err == nil:
			it.Outcome = OutcomeDeleted
			it.Replayed = resp != nil && resp.Replayed
		case errors.Is(err, ghpackages.ErrLastVersion), errors.Is(err, ghpackages.ErrTooManyDownloads):
			it.Outcome = OutcomeRetained
		case errors.Is(err, ghpackages.ErrDeleteUnconfirmed):
			it.Outcome = OutcomeGoneUnconfirmed
		case errors.Is(err, ghpackages.ErrNotFound) && resp != nil && resp.Replayed:
			// DeleteVersion read the version back after the resend's 404
			// and found it still there: the token may read it but not
			// delete it.
			it.Outcome = OutcomeFailed
		case errors.Is(err, ghpackages.ErrNotFound):
			it.Outcome = OutcomeAlreadyGone
		default:
			it.Outcome = OutcomeFailed
		}
	})
	heal(ctx, o, api, rep, segs)
	rep.FinishedAt = o.now()
	return rep, nil
}

// segment is the checked deletes of one container package: items
// start to end, put in order and checked by its watch, made before the
// package's first step (its first untag step, or its first delete).
type segment struct {
	pp         *PackagePlan
	repo       string
	start, end int
	dels       []Decision // newest first
	from       *repoGraph // the plan's reading, with WithFreshPlan
	w          *watch
	err        error // the watch could not be made
}

// open makes the package's watch before its first step (item i): it
// reads the registry (or takes the plan's reading) and puts the deletes in
// order, parents first. When the watch cannot be made, the deletes after
// item i fail with its error, which open returns.
func (seg *segment) open(ctx context.Context, o runConfig, api *ghpackages.OwnerPackages, items []Item, i int) error {
	if seg.w == nil && seg.err == nil {
		seg.w, seg.err = newWatch(ctx, o.resolver, api, seg.pp, seg.repo, seg.from)
		if seg.err == nil {
			order := seg.w.order(seg.dels)
			for k, v := range order {
				items[seg.start+k] = Item{Type: seg.pp.Type, Package: seg.pp.Name, VersionID: v.ID, Version: v.Name, Tags: v.Tags, Step: StepDeleteVersion, Reason: v.Reason}
			}
		} else if ctx.Err() == nil {
			for k := max(i+1, seg.start); k < seg.end; k++ {
				items[k].Outcome, items[k].Err, items[k].Error, items[k].At = OutcomeFailed, seg.err, seg.err.Error(), o.now()
			}
		}
	}
	return seg.err
}

// noNewVersions lists a package's versions before it is deleted whole and
// returns a *skipError when some version is not in the plan (pushed since)
// or carries a tag the plan did not see: deleting the package would
// delete them too.
func noNewVersions(ctx context.Context, api *ghpackages.OwnerPackages, it *Item, planned map[int64][]string) error {
	var added []string
	for v, err := range api.AllVersions(ctx, it.Type, it.Package, &ghpackages.PackageVersionListOptions{PerPage: 100}) {
		if err != nil {
			if errors.Is(err, ghpackages.ErrNotFound) {
				return nil // gone already: the delete will say so
			}
			return fmt.Errorf("retention: not deleted: listing the package's versions again: %w", err)
		}
		if tags, ok := planned[v.ID]; !ok || !subset(v.Tags(), tags) {
			added = append(added, describeImage(v.Name, v.Tags()))
		}
	}
	if len(added) > 0 {
		if len(added) > 3 {
			added = append(added[:3], fmt.Sprintf("and %d more", len(added)-3))
		}
		return &skipError{why: "versions or tags were added since the plan (" + strings.Join(added, "; ") + "); deleting the package would delete them too"}
	}
	return nil
}

// skipError is a re-check's refusal to make a change: a delete, or, when
// not says so, an untag or a tag restore ("untagged", "restored").
type skipError struct {
	why string
	not string // the change withheld; "" is "deleted"
}

func (e *skipError) Error() string {
	if e.not == "" {
		return "not deleted: " + e.why
	}
	return "not " + e.not + ": " + e.why
}

// restoreWindow is how long GitHub keeps deleted packages and versions.
const restoreWindow = 30 * 24 * time.Hour

// Restore restores what an earlier run deleted, from its report: every item
// with outcome OutcomeDeleted or OutcomeGoneUnconfirmed (which the run most
// likely deleted), newest deletion first, unless deleted more than 30 days
// ago (reported OutcomeExpired). It stops like Apply does.
//
// Outcomes: OutcomeRestored; OutcomeAlreadyActive when GitHub answers 404
// and a read finds the version (or package) active, so restoring from the
// same report twice succeeds; OutcomeFailed otherwise (a 404 for something
// that cannot be read either, or a package name now in use by another
// package), with the typed error in Item.Err.
func Restore(ctx context.Context, client *ghpackages.Client, deleted *Report, opts ...RestoreOption) (*Report, error) {
	owner, err := ghpackages.ParseOwner(deleted.OwnerKind, deleted.OwnerName)
	if err != nil {
		return nil, err
	}
	o := restoreOptions(opts)
	now := o.now()
	var items []Item
	tags := &tagRestore{o: o, owner: deleted.OwnerName}
	for i := len(deleted.Items) - 1; i >= 0; i-- {
		it := deleted.Items[i]
		switch {
		case it.Step == StepUntag:
			if r, ok := tags.item(it); ok {
				items = append(items, r)
			}
			continue
		case it.Step == StepDeletePlaceholder:
			continue // restoring it would put removed tags back on the placeholder
		case it.Outcome != OutcomeDeleted && it.Outcome != OutcomeGoneUnconfirmed:
			continue
		}
		r := Item{Type: it.Type, Package: it.Package, VersionID: it.VersionID, Version: it.Version, Tags: it.Tags,
			Step: StepRestoreVersion, Reason: "deleted at " + it.At.UTC().Format(time.RFC3339)}
		if it.VersionID == 0 {
			r.Step = StepRestorePackage
		}
		if now.Sub(it.At) > restoreWindow {
			r.Outcome, r.At = OutcomeExpired, now
		}
		items = append(items, r)
	}
	if err := tags.ready(); err != nil {
		return nil, err
	}
	api := client.Packages(owner)
	return run(ctx, deleted.OwnerKind, deleted.OwnerName, items, o, func(_ int, it *Item) (*ghpackages.Response, error) {
		if it.Step == StepRestoreTags {
			return nil, tags.restore(ctx, it)
		}
		if it.VersionID == 0 {
			return api.Restore(ctx, it.Type, it.Package, nil)
		}
		return api.RestoreVersion(ctx, it.Type, it.Package, it.VersionID)
	}, func(it *Item, resp *ghpackages.Response, err error) {
		switch {
		case it.Step == StepRestoreTags:
			tags.record(it, err)
		case err == nil:
			it.Outcome = OutcomeRestored
			it.Replayed = resp != nil && resp.Replayed
		case errors.Is(err, ghpackages.ErrNotFound) && active(ctx, api, it):
			// GitHub answers 404 to restoring what is not deleted.
			it.Outcome = OutcomeAlreadyActive
			it.Err, it.Error, it.Status = nil, "", 0
		default:
			it.Outcome = OutcomeFailed
		}
	}), nil
}

// active reports whether it's version (or, for VersionID 0, package) can
// be read as active. A read that fails says no.
func active(ctx context.Context, api *ghpackages.OwnerPackages, it *Item) bool {
	if it.VersionID != 0 {
		v, _, err := api.GetVersion(ctx, it.Type, it.Package, it.VersionID)
		return err == nil && v.DeletedAt == nil
	}
	_, _, err := api.Get(ctx, it.Type, it.Package)
	return err == nil
}

// run executes items in order, serially, and stops on a rate limit the
// client could not wait out or when ctx ends. Items that already have an
// outcome are reported as they are.
func run(ctx context.Context, kind ghpackages.OwnerKind, name string, items []Item, o runConfig,
	do func(int, *Item) (*ghpackages.Response, error), record func(*Item, *ghpackages.Response, error)) *Report {
	rep := &Report{OwnerKind: kind, OwnerName: name, StartedAt: o.now(), Items: items}
	if rep.Items == nil {
		rep.Items = []Item{}
	}
	for i := range rep.Items {
		it := &rep.Items[i]
		if it.Outcome != "" {
			continue
		}
		if rep.Stopped != "" {
			it.Outcome = OutcomeNotAttempted
			continue
		}
		if err := ctx.Err(); err != nil {
			rep.Stopped = fmt.Sprintf("stopped: %v", err)
			it.Outcome = OutcomeNotAttempted
			continue
		}
		resp, err := do(i, it)
		it.At = o.now()
		if err != nil {
			it.Err, it.Error = err, err.Error()
			var apiErr *ghpackages.Error
			if errors.As(err, &apiErr) {
				it.Status = apiErr.StatusCode
			}
		}
		switch {
		case errors.Is(err, ghpackages.ErrRateLimited):
			rep.Stopped = "stopped at the rate limit; run again later to continue: " + err.Error()
			it.Outcome = OutcomeNotAttempted
			continue
		case err != nil && ctx.Err() != nil:
			rep.Stopped = fmt.Sprintf("stopped: %v", ctx.Err())
			it.Outcome = OutcomeNotAttempted
			continue
		}
		record(it, resp, err)
		if o.progress != nil {
			o.progress(*it)
		}
	}
	rep.FinishedAt = o.now()
	return rep
}

// subset reports whether every element of a is in b.
func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}
