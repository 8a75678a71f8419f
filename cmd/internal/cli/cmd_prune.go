package cli

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/retention"
)

// pruneFlags are prune's policy and run flags.
type pruneFlags struct {
	keep, keepTagged          count
	keepUntagged              count
	maxDelete                 capCount
	allowUnmatched            bool
	olderThan                 string
	allAges                   bool
	untagged, tagged, anyTags bool
	include, exclude          []string
	keepTags, keepNames       []string
	keepIDs                   ids
	deletePkg, skipRefs       bool
	ghosts, partial, orphans  bool
	untag                     bool
	groupBy                   string
	grace                     string
	registry                  string
	yes, dryRun               bool
	reportFile                string
	show                      string
	verify                    bool
	run                       runFlags
	cache                     cacheFlags
}

const pruneLong = `Plan a cleanup of the owner's packages of --type and, with --yes, carry it out.

PACKAGE arguments are names or patterns (globs such as 'team/*', or
're:REGEXP'); without any, every package of the type is considered. The
Actions GITHUB_TOKEN cannot list packages: give literal names.

Policy: a version is deleted when it is older than --older-than (or any age
with --all-ages), is selected by --untagged-only (the default),
--tagged-only or --any-tags, has no tag that an --exclude matches, is not
one of the --keep (--keep-tagged, --keep-untagged) newest images, and is
not on a --keep-tag/--keep-name/--keep-id list. --include narrows the
selection to tagged versions whose every tag matches (deleting a version
deletes all its tags): untagged versions are kept, with --any-tags too.
GitHub refuses to delete a package's last version (for containers its last
tagged version): the newest such version is kept, or with
--delete-package-when-empty the whole package is deleted. Untagged container
manifests that a kept multi-arch image or signature references are kept
(the registry is asked; --registry sets its host).

Tags: deleting a version removes all its tags, so --include deletes a tagged
version only when every tag matches. With --untag, a version whose tags only
partly match (--include, and no --exclude) loses the matching tags instead
and keeps the rest; the version itself stays. A tag is removed by pushing a
small placeholder manifest under it and deleting the placeholder's version,
so --untag --yes needs write:packages besides delete:packages.
--group-by re:REGEXP makes --keep and --keep-tagged count per group: the
text its one capture group matches in a tag names the image's group (an
image in several groups counts in each; tags it does not match form one
group, untagged images another).

Grace: untagged container versions younger than --grace (default 1h) are
never deleted, whatever the age flags say: a multi-arch push uploads its
platform manifests, untagged, before the index that tags them. --grace 0
turns it off.

Without --yes it is a dry run: it lists the versions it would delete and a
line per package with what it keeps and why (--show all lists every
version). Progress goes to stderr. Images are deleted before the manifests
they reference (an index before its platform manifests, a subject before
its signatures), other versions newest first.

` + valuesRule + "\n\n" + unmatchedRule + "\n\n" + unitsRule + "\n\n" + journalHelp

func (a *app) pruneCommand() *cobra.Command {
	var f pruneFlags
	cmd := &cobra.Command{
		Use:   "prune [PACKAGE|PATTERN...] --older-than AGE [policy flags]",
		Short: "Plan a cleanup by policy; carry it out with --yes",
		Long:  pruneLong,
		Example: `  # what would go: untagged versions older than 30 days, keeping the 10 newest images
  ghpkg prune team/app --org octo-org --older-than 30d --keep 10

  # do it, with a report to undo it from ('ghpkg restore --report run.json')
  ghpkg prune team/app --org octo-org --older-than 30d --keep 10 --yes --report run.json

  # nightly builds older than two weeks, except anything tagged latest
  # (--include selects tagged versions only: untagged ones stay)
  ghpkg prune 'team/*' --org octo-org --any-tags --include 'nightly-*' --exclude latest --older-than 2w

  # every version older than 30 days, tagged or not, of all the organization's
  # container packages, except the release v1.0.0 and version 1260000006,
  # listing every version with its reason
  ghpkg prune --org octo-org --any-tags --older-than 30d --keep-tag v1.0.0 --keep-id 1260000006 --show all

  # keep the 2 newest images of each major version (v1.x, v2.x, ...) and the 2
  # newest of the other tags; older tagged images go, untagged ones stay
  ghpkg prune team/app --org octo-org --tagged-only --all-ages --group-by 're:^v([0-9]+)\.' --keep-tagged 2

  # remove the tag stable from images older than a day: the images stay, with
  # their other tags (--untag; build tags: --include 'sha-*')
  ghpkg prune team/app --org octo-org --tagged-only --include stable --untag --older-than 1d`,
	}
	fl := cmd.Flags()
	fl.Var(&f.keep, "keep", "always keep the N newest images of each package (a multi-arch image with its platform manifests and signatures counts once)")
	fl.Var(&f.keepTagged, "keep-tagged", "always keep the N newest tagged images of each package")
	fl.Var(&f.keepUntagged, "keep-untagged", "always keep the N newest untagged images of each package")
	fl.StringVar(&f.olderThan, "older-than", "", "delete only versions older than `AGE` (30d, 2w, 12h, 90min)")
	fl.BoolVar(&f.allAges, "all-ages", false, "delete matching versions of any age (instead of --older-than)")
	fl.BoolVar(&f.untagged, "untagged-only", false, "delete untagged versions only (the default)")
	fl.BoolVar(&f.tagged, "tagged-only", false, "delete tagged versions only")
	fl.BoolVar(&f.anyTags, "any-tags", false, "delete tagged and untagged versions")
	fl.StringArrayVar(&f.include, "include", nil, "with --tagged-only or --any-tags: delete only tagged versions whose every tag matches a `PATTERN` (glob, or re:REGEXP); untagged versions are kept; repeatable")
	fl.StringArrayVar(&f.exclude, "exclude", nil, "keep every version with a tag matching `PATTERN` (glob, or re:REGEXP); repeatable")
	fl.StringArrayVar(&f.keepTags, "keep-tag", nil, "keep the version with this exact `TAG` (not a pattern: see --exclude); repeatable")
	fl.StringArrayVar(&f.keepNames, "keep-name", nil, "keep the version with this exact `NAME` (for containers the full sha256 digest); repeatable")
	fl.Var(&f.keepIDs, "keep-id", "keep the version with this exact ID (the tables' ID column); repeatable")
	fl.Var(&f.maxDelete, "max-delete", "delete at most N versions this run, oldest first (1 or more; omit for no cap)")
	fl.BoolVar(&f.allowUnmatched, "allow-unmatched", false, "with --yes: go ahead although a --keep-id, --keep-name, --keep-tag, --exclude or --group-by value matches nothing")
	fl.BoolVar(&f.deletePkg, "delete-package-when-empty", false, "delete a package whose every version the policy deletes")
	fl.BoolVar(&f.ghosts, "delete-ghost-images", false, "containers: also delete image indexes none of whose manifests exist any more, whatever their tags and age")
	fl.BoolVar(&f.partial, "delete-partial-images", false, "containers: also delete image indexes with a manifest missing at any depth, whatever their tags and age")
	fl.BoolVar(&f.orphans, "delete-orphaned-referrers", false, "containers: also delete signatures and attestations whose subject is gone")
	fl.BoolVar(&f.skipRefs, "skip-reference-check", false, "UNSAFE for multi-arch images: don't ask the registry which untagged manifests kept images use")
	fl.StringVar(&f.registry, "registry", "", "container registry `HOST` for the multi-arch check (default: ghcr.io, or containers.HOST for --base-url)")
	fl.BoolVar(&f.yes, "yes", false, "carry the plan out (without it, prune only shows the plan)")
	fl.BoolVar(&f.dryRun, "dry-run", true, "only show the plan; the default without --yes (--yes --dry-run is refused)")
	fl.StringVar(&f.reportFile, "report", "", "also write the run's report to `FILE` (for 'ghpkg restore --report FILE')")
	fl.Var(newEnum(&f.show, "deletes", "deletes", "all"), "show", "dry run: list the versions to delete, or all versions with their reasons")
	_ = cmd.RegisterFlagCompletionFunc("show", fixedCompletion("deletes", "all"))
	fl.BoolVar(&f.untag, "untag", false, "containers, with --include/--exclude: a version whose tags only partly match loses the matching tags and stays (needs write:packages)")
	fl.StringVar(&f.groupBy, "group-by", "", "count --keep and --keep-tagged per group: re:`REGEXP` with one capture group, whose text in a tag names the group")
	fl.StringVar(&f.grace, "grace", "1h", "never delete untagged container versions younger than `AGE` (a push in progress); 0 turns it off")
	fl.BoolVar(&f.verify, "verify", false, "container packages: afterwards, prove every tag still points at a whole image (as 'ghpkg verify'); exit 1 if not")
	a.addRunFlags(cmd, &f.run)
	a.addCacheFlags(cmd, &f.cache)
	cmd.RunE = a.action(func(ctx context.Context, cmd *cobra.Command, args []string) (int, error) {
		return a.prune(ctx, cmd, args, &f)
	})
	return cmd
}

// policy builds the retention policy from the flags, checking each flag
// itself so errors name what the user typed.
func (f *pruneFlags) policy(typ ghpackages.PackageType, args []string) (retention.Policy, error) {
	p := retention.Policy{Type: typ, KeepNewest: int(f.keep), KeepNewestTagged: int(f.keepTagged), KeepNewestUntagged: int(f.keepUntagged), MaxDelete: int(f.maxDelete), DeletePackageWhenEmpty: f.deletePkg,
		SkipReferenceCheck: f.skipRefs, DeleteGhostImages: f.ghosts, DeletePartialImages: f.partial, DeleteOrphanedReferrers: f.orphans, KeepTags: f.keepTags, KeepNames: f.keepNames, KeepIDs: f.keepIDs, DeleteAllMatching: f.allAges}
	if f.olderThan != "" {
		d, err := olderThanValue(f.olderThan)
		if err != nil {
			return p, err
		}
		p.OlderThan = d
	}
	if f.olderThan == "" && !f.allAges {
		return p, usagef("give --older-than AGE (e.g. 30d), or --all-ages to delete regardless of age")
	}
	if f.olderThan != "" && f.allAges {
		return p, usagef("give one of --older-than and --all-ages")
	}
	switch n := btoi(f.untagged) + btoi(f.tagged) + btoi(f.anyTags); {
	case n > 1:
		return p, usagef("give one of --untagged-only, --tagged-only, --any-tags")
	case f.tagged:
		p.Tags = retention.TaggedOnly
	case f.anyTags:
		p.Tags = retention.AnyTags
	default:
		p.Tags = retention.UntaggedOnly
	}
	if len(f.include) > 0 && p.Tags == retention.UntaggedOnly {
		return p, usagef("--include selects tagged versions: add --tagged-only or --any-tags")
	}
	p.Untag = f.untag
	if f.untag {
		switch {
		case p.Tags == retention.UntaggedOnly:
			return p, usagef("--untag removes tags of tagged versions: add --tagged-only or --any-tags, and --include or --exclude to say which tags go")
		case len(f.include) == 0 && len(f.exclude) == 0:
			return p, usagef("--untag needs --include or --exclude to say which tags go (e.g. --include 'sha-*')")
		case typ != ghpackages.Container:
			return p, usagef("--untag removes tags through the container registry: --type container only (--type is %s)", typ)
		case f.skipRefs:
			return p, usagef("--untag needs the registry, which --skip-reference-check skips")
		}
	}
	if f.groupBy != "" {
		if !strings.HasPrefix(f.groupBy, "re:") {
			return p, usagef("--group-by %q: want re:REGEXP with one capture group, e.g. --group-by 're:^v([0-9]+)\\.' (groups v1.2.3 as 1)", f.groupBy)
		}
		pat, err := retention.ParsePattern(f.groupBy)
		if err != nil {
			return p, usagef("--group-by %q: %s", f.groupBy, strings.TrimPrefix(err.Error(), retention.ErrInvalidPolicy.Error()+": "))
		}
		p.GroupBy = pat
		if f.keep == 0 && f.keepTagged == 0 {
			return p, usagef("--group-by counts --keep and --keep-tagged per group: give one of them (e.g. --keep-tagged 2)")
		}
	}
	switch g := strings.TrimSpace(f.grace); {
	case g == "0" || g == "off":
		p.Grace = -1
	case strings.HasPrefix(g, "-"):
		return p, usagef("--grace %s: a grace window cannot be negative (0 turns it off)", f.grace)
	default:
		d, err := ageValue("--grace", g)
		var ue usageError
		switch {
		case errors.As(err, &ue):
			return p, err
		case err != nil:
			return p, usagef("--grace %q: want an age such as 1h, 30min or 2d (0 turns it off)", f.grace)
		}
		if d == 0 {
			d = -1
		}
		p.Grace = d
	}
	if p.Tags == retention.TaggedOnly && typ != ghpackages.Container && typ != ghpackages.Docker {
		return p, usagef("--tagged-only: only container and docker versions have tags (--type is %s)", typ)
	}
	for _, c := range []struct {
		flag string
		src  []string
		dst  *[]retention.Pattern
	}{{"--include", f.include, &p.IncludeTags}, {"--exclude", f.exclude, &p.ExcludeTags}, {"PACKAGE", args, &p.Packages}} {
		for _, s := range c.src {
			if err := checkPatternValue(c.flag, s, c.flag == "PACKAGE"); err != nil {
				return p, err
			}
			pat, err := retention.ParsePattern(s)
			if err != nil {
				return p, usagef("%s %q: %s", c.flag, s, strings.TrimPrefix(err.Error(), retention.ErrInvalidPolicy.Error()+": "))
			}
			*c.dst = append(*c.dst, pat)
		}
	}
	for _, t := range f.keepTags {
		if err := checkKeepTag(t); err != nil {
			return p, err
		}
	}
	for _, n := range f.keepNames {
		if err := checkKeepName(n, typ); err != nil {
			return p, err
		}
	}
	if err := p.Validate(); err != nil {
		return p, err
	}
	return p, nil
}

func (a *app) prune(ctx context.Context, cmd *cobra.Command, args []string, f *pruneFlags) (int, error) {
	typ := a.packageType()
	policy, err := f.policy(typ, args)
	if err != nil {
		return 0, err
	}
	dryRunSet := cmd.Flags().Changed("dry-run")
	switch {
	case dryRunSet && !f.dryRun && !f.yes:
		return 0, usagef("--dry-run=false deletes nothing without --yes")
	case dryRunSet && f.dryRun && f.yes:
		return 0, usagef("--yes and --dry-run contradict each other: drop --dry-run to delete, or --yes to only plan")
	}
	apply := f.yes
	if f.reportFile != "" {
		if err := a.checkReportPath(f.reportFile); err != nil {
			return 0, err
		}
		if !apply {
			a.warnf("--report %s: a dry run deletes nothing, so it writes no report", f.reportFile)
		}
	}
	cache, err := a.openCache(cmd, &f.cache)
	if err != nil {
		return 0, err
	}
	a.showAll = f.show == "all"
	if f.skipRefs && typ == ghpackages.Container {
		a.warnf("--skip-reference-check: untagged manifests that kept multi-arch images or signatures use may be deleted, breaking those images")
	}

	ctx, c, owner, _, err := a.target(ctx, &f.run)
	if err != nil {
		return 0, err
	}
	what, extra := "delete "+string(typ)+" package versions", []ghpackages.Scope(nil)
	if policy.Untag {
		what, extra = "delete "+string(typ)+" package versions and remove tags (pushing a placeholder)", untagScopes
	}
	if err := a.preflight(ctx, c, ghpackages.OperationDelete, typ, what, apply, extra...); err != nil {
		return 0, err
	}
	now := retention.WithNow(a.env.Now)
	planOpts := []retention.PlanOption{now}
	// The plan is applied at once: Apply starts from its registry reading.
	applyOpts := []retention.ApplyOption{now, retention.WithFreshPlan()}
	if apply && typ == ghpackages.Container && !f.skipRefs && a.tokenScopes != nil &&
		len(ghpackages.MissingScopes(a.tokenScopes, []ghpackages.Scope{ghpackages.ScopeWritePackages})) > 0 {
		// Restoring a version needs write:packages.
		a.warnf("healing is off: the token lacks write:packages, so a tag the final check finds broken by this run's deletes is reported (exit 1), not restored")
		applyOpts = append(applyOpts, retention.WithoutHealing())
	}
	var resolver retention.ManifestResolver
	if typ == ghpackages.Container && (!f.skipRefs || f.verify) {
		resolver = a.resolver(f.registry, cache)
	}
	if typ == ghpackages.Container && !f.skipRefs {
		planOpts = append(planOpts, retention.WithResolver(resolver))
		applyOpts = append(applyOpts, retention.WithResolver(resolver))
	}
	out := runOutput{head: a.head(ownerOf(owner), typ), DryRun: !apply}
	a.startProgress("planning", 0)
	plan, err := retention.NewPlan(ctx, c, owner, policy, planOpts...)
	a.endProgress()
	if err != nil {
		if code, ok := a.planStopped(ctx, out, err); ok {
			return code, nil
		}
		return 0, a.checkOwner(ctx, c, owner, err)
	}
	out.Plan = a.planOf(plan, f.registry)
	storage := plan.Storage()
	out.Summary.Storage = &storage
	unmatchedVals := unmatchedValues(out.Plan)
	if apply && !f.allowUnmatched && steps(plan) > 0 {
		// Before any change: a protective value that matches nothing is
		// a typo until the user says otherwise.
		if err := refuseUnmatched(unmatchedVals); err != nil {
			return 0, err
		}
	}
	warnings := unmatchedPackages(args, out.Plan)
	for _, u := range unmatchedVals {
		warnings = append(warnings, u.text)
	}
	for _, w := range warnings {
		out.Plan.Warnings = append(out.Plan.Warnings, w)
		a.warnf("%s", w)
	}
	if !apply {
		a.verifyAfter(ctx, f, resolver, plan, &out)
		return a.emitRun(ctx, out, false), nil
	}
	if f.reportFile != "" || steps(plan) > 0 {
		// The last check before the first delete: the record restore
		// needs is on disk, and grows with every request.
		if err := a.beginJournal(f.reportFile, owner, out.Plan); err != nil {
			return 0, err
		}
	}
	rep, err := retention.Apply(ctx, c, plan, append(applyOpts, a.retentionProgress("deleting", steps(plan)).applyOptions()...)...)
	a.endProgress()
	if err != nil {
		a.dropJournal()
		return 0, err
	}
	out.Report = reportOf(rep)
	freed := plan.StorageDeleted(rep)
	out.Summary.Storage = &freed
	a.recheck(ctx, c.Packages(owner), out.Report.Items)
	path, reported := a.endJournal(out.Report)
	a.verifyAfter(ctx, f, resolver, plan, &out)
	code := a.emitRun(ctx, out, false)
	return a.reportLost(code, path, reported, f.reportFile != ""), nil
}

// verifyAfter runs --verify on the plan's container packages.
func (a *app) verifyAfter(ctx context.Context, f *pruneFlags, resolver retention.ManifestResolver, plan *retention.Plan, out *runOutput) {
	if !f.verify || plan.Policy.Type != ghpackages.Container || ctx.Err() != nil {
		return
	}
	var targets []verifyTarget
	for _, pp := range plan.Packages {
		if pp.Repository != "" {
			targets = append(targets, verifyTarget{pp.Name, pp.Repository})
		}
	}
	out.Verify = a.verify(ctx, resolver, targets)
}

// planOf converts a plan to ghpkg's output form: field names become flag
// names in reasons, each package gets its kept counts by reason, and the
// plan's warnings (a registry that could not be read, a listing that kept
// changing) go to stderr once each, with the fix.
func (a *app) planOf(p *retention.Plan, registry string) *planJSON {
	pol := p.Policy
	out := &planJSON{OwnerKind: string(p.OwnerKind), OwnerName: p.OwnerName, CreatedAt: p.CreatedAt.UTC(), Warnings: nonNil(p.Warnings), Packages: []packagePlanJSON{},
		Policy: policyJSON{Type: string(pol.Type), Packages: patternStrings(pol.Packages), KeepNewest: pol.KeepNewest, KeepTagged: pol.KeepNewestTagged, KeepUntagged: pol.KeepNewestUntagged, AllAges: pol.DeleteAllMatching,
			Tags: string(pol.Tags), Include: patternStrings(pol.IncludeTags), Exclude: patternStrings(pol.ExcludeTags),
			KeepTags: nonNil(pol.KeepTags), KeepNames: nonNil(pol.KeepNames), KeepIDs: nonNil(pol.KeepIDs), MaxDelete: pol.MaxDelete,
			DeletePackageWhenEmpty: pol.DeletePackageWhenEmpty, DeleteGhostImages: pol.DeleteGhostImages, DeletePartialImages: pol.DeletePartialImages,
			DeleteOrphanedReferrers: pol.DeleteOrphanedReferrers, SkipReferenceCheck: pol.SkipReferenceCheck,
			Untag: pol.Untag, GroupBy: pol.GroupBy.String(), Grace: graceFlag(pol.Grace)}, Untag: p.Untag}
	if pol.OlderThan > 0 {
		out.Policy.OlderThan = ageString(pol.OlderThan)
	}
	for _, pp := range p.Packages {
		pj := packagePlanJSON{Type: string(pp.Type), Name: pp.Name, Withheld: pp.Withheld, WithheldReason: pp.WithheldReason,
			DeletePackage: pp.DeletePackage, PackageReason: flagWords(pp.PackageReason),
			KeptByReason: map[string]int{}, Versions: make([]decisionJSON, 0, len(pp.Versions)), Storage: pp.Storage}
		for _, v := range pp.Versions {
			reason := minWords(strings.ReplaceAll(flagWords(v.Reason), "(see the plan's warnings)", "(see the warning on stderr)"))
			pj.Versions = append(pj.Versions, decisionJSON{ID: v.ID, Name: v.Name, Tags: nonNil(v.Tags), CreatedAt: v.CreatedAt.UTC(), Action: string(v.Action), Reason: reason,
				Untag: v.Untag, Placeholder: v.Placeholder, Groups: v.Groups, SizeBytes: v.SizeBytes})
			switch {
			case pp.DeletePackage || v.Action == retention.ActionDelete:
			case v.Action == retention.ActionUntag:
				pj.KeptByReason["kept, losing some tags"]++
			default:
				pj.KeptByReason[reasonKind(reason)]++
			}
		}
		for _, g := range pp.Groups {
			pj.Groups = append(pj.Groups, groupJSON{Group: g.Group, Images: g.Images, Kept: g.Kept})
		}
		out.Packages = append(out.Packages, pj)
	}
	for _, w := range p.Warnings {
		fix := ""
		if strings.Contains(w, "registry") {
			which := fmt.Sprintf("--registry (default %s)", registryOr(registry, a.baseURL))
			if registry != "" {
				which = "--registry " + registry
			}
			fix = fmt.Sprintf(". Check %s and that the token can read the registry; --skip-reference-check skips the check but can break multi-arch images", which)
		}
		a.warnf("%s%s", flagWords(w), fix)
	}
	return out
}

// untagScopes are the scopes removing a tag needs besides deleting: the
// placeholder is pushed.
var untagScopes = []ghpackages.Scope{ghpackages.ScopeWritePackages}

// graceFlag writes a policy's grace window as --grace takes it: "1h",
// "30m", "2d", or "off".
func graceFlag(d time.Duration) string {
	switch {
	case d < 0:
		return "off"
	case d == 0:
		d = retention.DefaultGrace
	}
	return ageString(d)
}

func registryOr(flag, baseURL string) string {
	if flag != "" {
		return flag
	}
	return defaultRegistry(baseURL)
}

func patternStrings(ps []retention.Pattern) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

var (
	reCreated = regexp.MustCompile(`created \S+ ago, `)
	reDigest  = regexp.MustCompile(`sha256:[0-9a-f]+…?`)
	reWhich   = regexp.MustCompile(`^(tag|name|ID) \S+ `)
	rePattern = regexp.MustCompile(`pattern \S+`)
)

// reasonKind groups reasons that differ only in the version they name:
// "created 3d ago, not older than 30d" → "not older than 30d".
func reasonKind(r string) string {
	if strings.HasPrefix(r, "needed by kept ") || strings.HasPrefix(r, "referenced by kept ") {
		return "needed by a kept image"
	}
	if i := strings.Index(r, " newest tagged images of group "); i > 0 {
		return r[:i] + " newest tagged images of their group"
	}
	if i := strings.Index(r, " newest images of group "); i > 0 {
		return r[:i] + " newest images of their group"
	}
	if strings.Contains(r, "grace for pushes in progress") {
		r = r[strings.Index(r, "within the "):]
	}
	// The explanation goes first, before the pattern's own text could
	// run into it.
	if i := strings.Index(r, " (deleting the version"); i > 0 {
		r = r[:i]
	}
	r = reCreated.ReplaceAllString(r, "")
	r = reDigest.ReplaceAllString(r, "…")
	r = reWhich.ReplaceAllString(r, "$1 ")
	r = rePattern.ReplaceAllString(r, "pattern")
	return r
}

// unmatchedPackages returns a warning for each PACKAGE pattern that
// matched no package, and for an owner without packages of the type.
func unmatchedPackages(args []string, p *planJSON) []string {
	var out []string
	for _, s := range args {
		pat, err := retention.ParsePattern(s)
		if err != nil || pat.IsLiteral() {
			continue
		}
		matched := false
		for _, pp := range p.Packages {
			matched = matched || pat.Match(pp.Name)
		}
		if !matched {
			out = append(out, fmt.Sprintf("%s matches no %s package of %s (%s lists them)", s, p.Policy.Type, describeOwnerJSON(p.OwnerKind, p.OwnerName), packagesCommand(p)))
		}
	}
	if len(p.Packages) == 0 && len(args) == 0 {
		out = append(out, fmt.Sprintf("no %s packages found for %s", p.Policy.Type, describeOwnerJSON(p.OwnerKind, p.OwnerName)))
	}
	return out
}

// packagesCommand is the 'ghpkg packages' command listing the plan's
// owner's packages of its type.
func packagesCommand(p *planJSON) string {
	cmd := "'ghpkg packages"
	if p.OwnerName != "" {
		cmd += fmt.Sprintf(" --%s %s", p.OwnerKind, p.OwnerName)
	}
	if p.Policy.Type != string(ghpackages.Container) {
		cmd += " --type " + p.Policy.Type
	}
	return cmd + "'"
}

func describeOwnerJSON(kind, name string) string {
	if name == "" {
		return "the token's account"
	}
	return fmt.Sprintf("%s %s", kind, name)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// planStopped reports a plan that ended on a rate limit or with the run
// (--max-wait, a signal) as a clean stop: nothing was changed, and the next
// run resumes. ok is false for any other error, which the caller reports.
func (a *app) planStopped(ctx context.Context, out runOutput, err error) (code int, ok bool) {
	var rl *ghpackages.RateLimitError
	if !errors.As(err, &rl) && ctx.Err() == nil {
		return 0, false
	}
	out.DryRun = true
	msg := "stopped while planning: " + err.Error()
	out.Stopped = &stopped{Reason: stopReason(ctx, msg), Message: msg}
	return a.emitRun(ctx, out, false), true
}
