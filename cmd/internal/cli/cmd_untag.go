package cli

import (
	"context"
	"errors"
	"strings"

	"github.com/spf13/cobra"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/retention"
)

// untagFlags are untag's flags.
type untagFlags struct {
	yes, dryRun bool
	reportFile  string
	registry    string
	run         runFlags
}

const untagLong = `Remove TAGs from the container image PACKAGE without deleting the image: the
image keeps its other tags (a multi-arch image keeps its platform images).
TAGs are exact tags, not patterns ('ghpkg prune --untag --include PATTERN'
removes tags by pattern). Without --yes it is a dry run that shows the plan.

ghcr.io does not delete tags through the registry, so each tag is moved to a
small placeholder manifest (one push per tag; all tags of a run share one
placeholder) and the placeholder's package version is then deleted, which
removes the tags with it. The image that loses its last tag is kept, as an
untagged version a later prune may delete.

Needs a token that may push and delete: a classic token with
write:packages and delete:packages (checked first, exit 2 without). The
Actions GITHUB_TOKEN needs 'permissions: packages: write' and the Admin
role for this repository under the package's Manage Actions access: with
Write only, the placeholder is pushed but cannot be deleted, and ghpkg puts
the tags back and reports the untag failed.

If a run stops between the push and the delete (a limit, a cancel), the
tags point at the placeholder: the report says "untag-pending", 'ghpkg
verify' names them, and the next 'ghpkg untag' or 'ghpkg prune' of the
package deletes the placeholder. 'ghpkg restore --report FILE' puts
removed tags back on their image. --report FILE is checked before any
change and is the run's undo journal until the run ends ('ghpkg help
prune', Undo journal).`

func (a *app) untagCommand() *cobra.Command {
	var f untagFlags
	cmd := &cobra.Command{
		Use:   "untag PACKAGE TAG... [--yes]",
		Short: "Remove tags from a container image, keeping the image",
		Long:  untagLong,
		Example: `  # what would happen: stable leaves the multi-arch image it tags, which keeps
  # its other tags (v1.9.0, latest) and its platform images
  ghpkg untag team/app stable --org octo-org

  # do it, with a report to undo it from ('ghpkg restore --report untag.json')
  ghpkg untag team/app stable --org octo-org --yes --report untag.json`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usagef("want a PACKAGE and one or more TAGs, got %d argument(s)", len(args))
			}
			if err := checkPackageName("untag", args[0]); err != nil {
				return err
			}
			for _, t := range args[1:] {
				if err := checkUntagTag(t); err != nil {
					return err
				}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.yes, "yes", false, "remove the tags (without it, untag only shows the plan)")
	fl.BoolVar(&f.dryRun, "dry-run", true, "only show the plan; on unless --yes")
	fl.StringVar(&f.reportFile, "report", "", "also write the run's report to `FILE` (for 'ghpkg restore --report FILE')")
	fl.StringVar(&f.registry, "registry", "", "container registry `HOST` (default: ghcr.io, or containers.HOST for --base-url)")
	a.addRunFlags(cmd, &f.run)
	cmd.RunE = a.action(func(ctx context.Context, cmd *cobra.Command, args []string) (int, error) {
		return a.untag(ctx, cmd, args, &f)
	})
	return cmd
}

func (a *app) untag(ctx context.Context, cmd *cobra.Command, args []string, f *untagFlags) (int, error) {
	typ := a.packageType()
	if typ != ghpackages.Container {
		return 0, usagef("untag moves tags in the container registry: --type container only (--type is %s)", typ)
	}
	dryRunSet := cmd.Flags().Changed("dry-run")
	if dryRunSet && !f.dryRun && !f.yes {
		return 0, usagef("--dry-run=false removes nothing without --yes")
	}
	apply := f.yes && !(dryRunSet && f.dryRun)
	name, tags := args[0], args[1:]
	if f.reportFile != "" {
		if err := a.checkReportPath(f.reportFile); err != nil {
			return 0, err
		}
		if !apply {
			a.warnf("--report %s: a dry run changes nothing, so it writes no report", f.reportFile)
		}
	}
	ctx, c, owner, _, err := a.target(ctx, &f.run)
	if err != nil {
		return 0, err
	}
	if err := a.preflight(ctx, c, ghpackages.OperationDelete, typ, "remove tags (push a placeholder and delete its version)", apply, untagScopes...); err != nil {
		return 0, err
	}
	resolver := retention.WithResolver(a.resolver(f.registry, nil))
	now := retention.WithNow(a.env.Now)
	out := runOutput{head: a.head(ownerOf(owner), typ), DryRun: !apply}
	a.startProgress("planning", 0)
	plan, err := retention.NewUntagPlan(ctx, c, owner, name, tags, resolver, now)
	a.endProgress()
	switch {
	case errors.Is(err, retention.ErrTagNotFound):
		return 0, usagef("%s ('ghpkg versions %s' lists the tags)", strings.TrimPrefix(err.Error(), retention.ErrTagNotFound.Error()+": "), name)
	case err != nil:
		if code, ok := a.planStopped(ctx, out, err); ok {
			return code, nil
		}
		return 0, a.checkOwner(ctx, c, owner, err)
	}
	out.Plan = a.planOf(plan, f.registry)
	if !apply {
		return a.emitRun(ctx, out, false), nil
	}
	if f.reportFile != "" || steps(plan) > 0 {
		if err := a.beginJournal(f.reportFile, owner, out.Plan); err != nil {
			return 0, err
		}
	}
	rep, err := retention.Apply(ctx, c, plan, append([]retention.ApplyOption{resolver, now, retention.WithFreshPlan()}, a.retentionProgress("untagging", steps(plan)).applyOptions()...)...)
	a.endProgress()
	if err != nil {
		a.dropJournal()
		return 0, err
	}
	out.Report = reportOf(rep)
	a.recheck(ctx, c.Packages(owner), out.Report.Items)
	path, reported := a.endJournal(out.Report)
	return a.reportLost(a.emitRun(ctx, out, false), path, reported, f.reportFile != ""), nil
}

// steps counts the items Apply reports for plan: its deletions, its untag
// steps, and a placeholder delete per package that removes tags.
func steps(plan *retention.Plan) int {
	n := plan.Deletes()
	for _, pp := range plan.Packages {
		untags := 0
		for _, v := range pp.Versions {
			if v.Action == retention.ActionUntag {
				untags++
			}
		}
		if untags > 0 {
			n += untags + 1
		}
	}
	return n
}

// checkUntagTag refuses a TAG of untag that cannot be one exact tag as the
// user meant it: a pattern, a list, an image reference.
func checkUntagTag(t string) error {
	switch {
	case isPatternSyntax(t):
		return usagef("TAG %q: untag takes exact tags; to remove tags by pattern use 'ghpkg prune --untag --include PATTERN'", t)
	case strings.Contains(t, ","):
		return usagef("TAG %q holds several tags: give one per argument (ghpkg untag PACKAGE %s)", t, strings.Join(strings.Split(t, ","), " "))
	case strings.HasPrefix(t, "sha256:"):
		return usagef("TAG %q is a digest, not a tag: 'ghpkg versions PACKAGE' lists the tags of each version", t)
	case strings.ContainsAny(t, ":@"):
		i := strings.LastIndexAny(t, ":@")
		return usagef("TAG %q is an image reference: give just the tag (%s), and the package as PACKAGE", t, t[i+1:])
	case !retention.ValidTag(t):
		return usagef("TAG %q is not a tag (up to 128 letters, digits, _, . and -, not starting with . or -)", t)
	}
	return nil
}
