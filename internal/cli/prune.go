package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/ghpackages/ghpackages-go/retention"
)

// multi collects a repeatable string flag.
type multi []string

// String joins the values.
func (m *multi) String() string { return strings.Join(*m, ",") }

// Set adds a value.
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func patterns(src []string) ([]retention.Pattern, error) {
	out := make([]retention.Pattern, 0, len(src))
	for _, s := range src {
		p, err := retention.ParsePattern(s)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func pruneCmd(a *app, fs *flag.FlagSet) func(context.Context) (int, error) {
	keep := fs.Int("keep", 0, "always keep the N newest versions of each package")
	olderThan := fs.String("older-than", "", "delete only versions older than this (30d, 2w, 12h)")
	all := fs.Bool("all-ages", false, "delete matching versions of any age (instead of --older-than)")
	untagged := fs.Bool("untagged-only", false, "delete untagged versions only (the default)")
	tagged := fs.Bool("tagged-only", false, "delete tagged versions only")
	anyTags := fs.Bool("any-tags", false, "delete tagged and untagged versions")
	var include, exclude, keepTags multi
	fs.Var(&include, "include", "delete tagged versions only if a tag matches (glob, or re:REGEXP); repeatable")
	fs.Var(&exclude, "exclude", "keep versions with a tag matching (glob, or re:REGEXP); repeatable")
	fs.Var(&keepTags, "keep-tag", "keep the version with this exact tag; repeatable")
	maxDelete := fs.Int("max-delete", 0, "delete at most N versions this run (0: no cap)")
	deletePkg := fs.Bool("delete-package-when-empty", false, "delete a package whose every version the policy deletes")
	skipRefs := fs.Bool("skip-reference-check", false, "UNSAFE for multi-arch images: don't ask the registry which untagged manifests kept images use")
	registry := fs.String("registry", "ghcr.io", "container registry host for the multi-arch check")
	yes := fs.Bool("yes", false, "carry the plan out (without it, prune only shows the plan)")
	dryRun := fs.Bool("dry-run", true, "only show the plan; --yes turns this off")
	reportFile := fs.String("report", "", "write the JSON report to FILE (for 'ghpkg restore --report FILE')")
	return func(ctx context.Context) (int, error) {
		c, owner, typ, err := a.target(ctx)
		if err != nil {
			return 0, err
		}
		policy := retention.Policy{Type: typ, KeepNewest: *keep, MaxDelete: *maxDelete, DeletePackageWhenEmpty: *deletePkg,
			SkipReferenceCheck: *skipRefs, KeepTags: keepTags, DeleteAllMatching: *all}
		if *olderThan != "" {
			if policy.OlderThan, err = retention.ParseAge(*olderThan); err != nil {
				return 0, err
			}
		}
		switch n := btoi(*untagged) + btoi(*tagged) + btoi(*anyTags); {
		case n > 1:
			return 0, usagef("give one of --untagged-only, --tagged-only, --any-tags")
		case *tagged:
			policy.Tags = retention.TaggedOnly
		case *anyTags:
			policy.Tags = retention.AnyTags
		default:
			policy.Tags = retention.UntaggedOnly
		}
		if policy.IncludeTags, err = patterns(include); err != nil {
			return 0, err
		}
		if policy.ExcludeTags, err = patterns(exclude); err != nil {
			return 0, err
		}
		if policy.Packages, err = patterns(a.args); err != nil {
			return 0, err
		}
		if err := policy.Validate(); err != nil {
			return 0, err
		}
		tok, _ := a.token()
		resolver := retention.NewRegistryResolver(retention.RegistryConfig{Host: *registry, Token: tok})
		plan, err := retention.NewPlan(ctx, c, owner, policy, retention.WithResolver(resolver), retention.WithNow(a.env.Now))
		if err != nil {
			return 0, explain(err)
		}
		if !*yes || (*dryRun && flagSet(fs, "dry-run")) {
			return a.showPlan(plan)
		}
		rep, err := retention.Apply(ctx, c, plan, retention.WithNow(a.env.Now), retention.WithProgress(a.progress(plan.Deletes())))
		if err != nil {
			return 0, err
		}
		if *reportFile != "" {
			raw, _ := json.MarshalIndent(rep, "", "  ")
			if err := os.WriteFile(*reportFile, append(raw, '\n'), 0o644); err != nil {
				fmt.Fprintf(a.env.Stderr, "ghpkg prune: writing --report: %v\n", err)
			}
		}
		return a.finish(rep, plan)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// flagSet reports whether the flag was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// showPlan prints a dry run.
func (a *app) showPlan(plan *retention.Plan) (int, error) {
	if a.asJSON {
		return 0, a.printJSON(map[string]any{"dry_run": true, "plan": plan})
	}
	now := a.env.Now()
	var rows [][]string
	var md strings.Builder
	md.WriteString("### ghpkg prune (dry run)\n\n| package | version | tags | age | plan | reason |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, pp := range plan.Packages {
		if pp.DeletePackage {
			rows = append(rows, []string{pp.Name, "*", "", "", "delete package", pp.PackageReason})
			fmt.Fprintf(&md, "| %s | * | | | delete package | %s |\n", pp.Name, pp.PackageReason)
			continue
		}
		for _, v := range pp.Versions {
			action := "keep"
			if v.Action == retention.Delete {
				action = "would delete"
				fmt.Fprintf(&md, "| %s | %d `%s` | %s | %s | %s | %s |\n", pp.Name, v.ID, short(v.Name), tagsOf(v.Tags), age(now, v.CreatedAt), action, v.Reason)
			}
			rows = append(rows, []string{pp.Name, strconv.FormatInt(v.ID, 10), short(v.Name), tagsOf(v.Tags), age(now, v.CreatedAt), action, v.Reason})
		}
	}
	a.table("PACKAGE\tID\tVERSION\tTAGS\tAGE\tPLAN\tREASON", rows)
	summary := fmt.Sprintf("would delete %d of %d versions in %d packages; dry run, nothing changed: pass --yes to delete", plan.Deletes(), countVersions(plan), len(plan.Packages))
	fmt.Fprintf(a.env.Stdout, "\n%s\n", summary)
	fmt.Fprintf(&md, "\n%s\n\n", summary)
	a.appendSummary(md.String())
	return 0, nil
}

func countVersions(p *retention.Plan) int {
	n := 0
	for _, pp := range p.Packages {
		n += len(pp.Versions)
	}
	return n
}

// finish prints a report of Apply or Restore and returns the exit code:
// failures make it 1; a run stopped at the rate limit is a clean partial
// result, to resume on the next run.
func (a *app) finish(rep *retention.Report, plan *retention.Plan) (int, error) {
	if a.asJSON {
		out := map[string]any{"dry_run": false, "report": rep}
		if plan != nil {
			out["plan"] = plan
		}
		if err := a.printJSON(out); err != nil {
			return 0, err
		}
	} else {
		var rows [][]string
		for _, it := range rep.Items {
			id := "*"
			if it.VersionID != 0 {
				id = strconv.FormatInt(it.VersionID, 10)
			}
			detail := it.Reason
			if it.Error != "" {
				detail = it.Error
			}
			rows = append(rows, []string{it.Package, id, short(it.Version), tagsOf(it.Tags), string(it.Outcome), detail})
		}
		a.table("PACKAGE\tID\tVERSION\tTAGS\tOUTCOME\tDETAIL", rows)
		fmt.Fprintf(a.env.Stdout, "\n%s\n", summaryLine(rep))
	}
	var md strings.Builder
	md.WriteString("### ghpkg\n\n| package | version | tags | outcome | detail |\n| --- | --- | --- | --- | --- |\n")
	for _, it := range rep.Items {
		detail := it.Reason
		if it.Error != "" {
			detail = strings.ReplaceAll(it.Error, "|", "/")
		}
		fmt.Fprintf(&md, "| %s | %d `%s` | %s | %s | %s |\n", it.Package, it.VersionID, short(it.Version), tagsOf(it.Tags), it.Outcome, detail)
	}
	fmt.Fprintf(&md, "\n%s\n\n", summaryLine(rep))
	a.appendSummary(md.String())
	if rep.Stopped != "" {
		fmt.Fprintf(a.env.Stderr, "%s\nrun again later to continue with the rest\n", rep.Stopped)
	}
	if rep.Failed() {
		return ExitFailed, nil
	}
	return ExitOK, nil
}

func summaryLine(rep *retention.Report) string {
	var parts []string
	for _, o := range []retention.Outcome{retention.Deleted, retention.Restored, retention.AlreadyGone, retention.Retained, retention.Expired, retention.Failed, retention.NotAttempted} {
		if n := rep.Count(o); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o))
		}
	}
	if len(parts) == 0 {
		return "nothing to do"
	}
	return strings.Join(parts, ", ")
}

// progress reports finished items on stderr: a bar on a terminal, else a
// line every 10 items and at the end (CI logs).
func (a *app) progress(total int) func(retention.Item) {
	done := 0
	return func(it retention.Item) {
		done++
		if a.env.StderrIsTerminal {
			width := 30
			filled := width * done / max(total, 1)
			fmt.Fprintf(a.env.Stderr, "\r[%s%s] %d/%d", strings.Repeat("#", filled), strings.Repeat(" ", width-filled), done, total)
			if done == total {
				fmt.Fprintln(a.env.Stderr)
			}
			return
		}
		if done%10 == 0 || done == total {
			fmt.Fprintf(a.env.Stderr, "progress: %d/%d done\n", done, total)
		}
	}
}
