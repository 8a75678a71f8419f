package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/retention"
)

// multi collects a repeatable string flag.
type multi []string

// String joins the values.
func (m *multi) String() string { return strings.Join(*m, ",") }

// Set adds a value.
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// ids collects a repeatable version-ID flag.
type ids []int64

// String joins the values.
func (m *ids) String() string {
	parts := make([]string, len(*m))
	for i, id := range *m {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

// Set adds a value.
func (m *ids) Set(v string) error {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("want a positive version ID, got %q", v)
	}
	*m = append(*m, id)
	return nil
}

func patterns(flagName string, src []string) ([]retention.Pattern, error) {
	out := make([]retention.Pattern, 0, len(src))
	for _, s := range src {
		p, err := retention.ParsePattern(s)
		if err != nil {
			return nil, usagef("%s %q: %v", flagName, s, err)
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
	var include, exclude, keepTags, keepNames multi
	var keepIDs ids
	fs.Var(&include, "include", "with --any-tags or --tagged-only: delete a tagged version only if every tag matches (glob, or re:REGEXP); repeatable")
	fs.Var(&exclude, "exclude", "keep versions with a tag matching (glob, or re:REGEXP); repeatable")
	fs.Var(&keepTags, "keep-tag", "keep the version with this exact tag; repeatable")
	fs.Var(&keepNames, "keep-name", "keep the version with this exact name (digest); repeatable")
	fs.Var(&keepIDs, "keep-id", "keep the version with this ID; repeatable")
	maxDelete := fs.Int("max-delete", 0, "delete at most N versions this run, oldest first (0: no cap)")
	deletePkg := fs.Bool("delete-package-when-empty", false, "delete a package whose every version the policy deletes")
	skipRefs := fs.Bool("skip-reference-check", false, "UNSAFE for multi-arch images: don't ask the registry which untagged manifests kept images use")
	registry := fs.String("registry", "", "container registry host for the multi-arch check (default: ghcr.io, or containers.HOST for --base-url)")
	yes := fs.Bool("yes", false, "carry the plan out (without it, prune only shows the plan)")
	dryRun := fs.Bool("dry-run", true, "only show the plan; on unless --yes")
	reportFile := fs.String("report", "", "also write the run's JSON report to FILE (for 'ghpkg restore --report FILE')")
	return func(ctx context.Context) (int, error) {
		typ, err := a.packageType()
		if err != nil {
			return 0, err
		}
		policy := retention.Policy{Type: typ, KeepNewest: *keep, MaxDelete: *maxDelete, DeletePackageWhenEmpty: *deletePkg,
			SkipReferenceCheck: *skipRefs, KeepTags: keepTags, KeepNames: keepNames, KeepIDs: keepIDs, DeleteAllMatching: *all}
		if *olderThan != "" {
			if policy.OlderThan, err = retention.ParseAge(*olderThan); err != nil {
				return 0, usagef("--older-than: %v", err)
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
		if policy.IncludeTags, err = patterns("--include", include); err != nil {
			return 0, err
		}
		if policy.ExcludeTags, err = patterns("--exclude", exclude); err != nil {
			return 0, err
		}
		if policy.Packages, err = patterns("PACKAGE", a.args); err != nil {
			return 0, err
		}
		if err := policy.Validate(); err != nil {
			return 0, err
		}
		dryRunSet := flagSet(fs, "dry-run")
		if dryRunSet && !*dryRun && !*yes {
			return 0, usagef("--dry-run=false deletes nothing without --yes")
		}
		apply := *yes && !(dryRunSet && *dryRun)

		c, owner, _, err := a.target(ctx)
		if err != nil {
			return 0, err
		}
		if err := a.preflight(ctx, c, typ, apply); err != nil {
			return 0, err
		}
		opts := []retention.PlanOption{retention.WithNow(a.env.Now)}
		applyOpts := []retention.ApplyOption{retention.WithNow(a.env.Now)}
		if typ == ghpackages.Container && !*skipRefs {
			host := *registry
			if host == "" {
				host = defaultRegistry(a.baseURL)
			}
			tok, _ := a.token()
			resolver := retention.WithResolver(retention.NewRegistryResolver(retention.RegistryConfig{Host: host, Token: tok}))
			opts = append(opts, resolver)
			applyOpts = append(applyOpts, resolver)
		}
		out := runOutput{head: a.head(ownerOf(owner), typ), DryRun: !apply}
		plan, err := retention.NewPlan(ctx, c, owner, policy, opts...)
		if err != nil {
			var rl *ghpackages.RateLimitError
			if errors.As(err, &rl) && ctx.Err() == nil {
				// Nothing was deleted: a clean stop, to resume next run.
				out.DryRun = true
				out.Stopped = &stopped{Reason: "rate_limit", Message: "stopped at the rate limit while planning: " + rl.Error()}
				return a.emitRun(ctx, out, false), nil
			}
			return 0, err
		}
		out.Plan = plan
		if !apply {
			return a.emitRun(ctx, out, false), nil
		}
		rep, err := retention.Apply(ctx, c, plan, append(applyOpts, retention.WithProgress(a.progress(plan.Deletes())))...)
		if err != nil {
			return 0, err
		}
		if *reportFile != "" {
			raw, _ := json.MarshalIndent(rep, "", "  ")
			if err := os.WriteFile(*reportFile, append(raw, '\n'), 0o600); err != nil {
				fmt.Fprintf(a.env.Stderr, "ghpkg prune: writing --report: %v\n", err)
			}
		}
		out.Report = rep
		return a.emitRun(ctx, out, false), nil
	}
}

// preflight checks the token's classic scopes before a prune, so a token
// that cannot delete fails at once, naming the scopes, instead of once per
// version. Tokens without classic scopes (fine-grained, App, Actions) get a
// warning; a server without /rate_limit (GHES with rate limiting off) is no
// reason to stop.
func (a *app) preflight(ctx context.Context, c *ghpackages.Client, typ ghpackages.PackageType, apply bool) error {
	have, _, err := c.TokenScopes(ctx)
	switch {
	case errors.Is(err, ghpackages.ErrUnauthorized):
		return err
	case err != nil:
		return nil
	case have == nil:
		if apply {
			fmt.Fprintln(a.env.Stderr, "ghpkg prune: warning: the token has no classic scopes; fine-grained and App tokens cannot delete package versions, and an Actions GITHUB_TOKEN only with admin on the package")
		}
		return nil
	}
	if m := ghpackages.MissingScopes(have, ghpackages.RequiredScopes(ghpackages.OperationRead, typ)); len(m) > 0 {
		return scopeError{what: "read " + string(typ) + " packages", missing: m}
	}
	m := ghpackages.MissingScopes(have, ghpackages.RequiredScopes(ghpackages.OperationDelete, typ))
	switch {
	case len(m) == 0:
	case apply:
		return scopeError{what: "delete " + string(typ) + " package versions", missing: m}
	default:
		fmt.Fprintf(a.env.Stderr, "ghpkg prune: note: the token lacks %s, which --yes needs\n", scopeList(m))
	}
	return nil
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

// tally fills out's summary and, for a run that ended early, Stopped.
func tally(ctx context.Context, out *runOutput) {
	s := &out.Summary
	if out.Plan != nil {
		s.Planned = out.Plan.Deletes()
		for _, pp := range out.Plan.Packages {
			if pp.DeletePackage {
				continue
			}
			s.Kept += len(pp.Versions) - pp.Deletes()
		}
	}
	rep := out.Report
	if rep == nil {
		return
	}
	if out.Plan == nil {
		s.Planned = len(rep.Items)
	}
	for _, it := range rep.Items {
		switch it.Outcome {
		case retention.Deleted:
			s.Deleted++
		case retention.AlreadyGone:
			s.AlreadyGone++
		case retention.Retained:
			s.Retained++
		case retention.Failed:
			s.Failed++
		case retention.NotAttempted:
			s.NotAttempted++
		case retention.Restored:
			s.Restored++
		case retention.Expired:
			s.Expired++
		}
	}
	if rep.Stopped != "" {
		// Apply and Restore stop early only at a rate limit or when ctx
		// ends.
		reason := "rate_limit"
		if ctx.Err() != nil {
			reason = "canceled"
		}
		out.Stopped = &stopped{Reason: reason, Message: rep.Stopped, Done: len(rep.Items) - s.NotAttempted, Left: s.NotAttempted}
	}
}

// emitRun prints the outcome of delete, restore or prune (as a table or
// JSON), appends it to the step summary and returns the exit code: 1 when
// an item failed or the run was canceled; a stop at the rate limit is a
// clean partial result, to resume on the next run. brief prints a single
// operation's outcome as one line.
func (a *app) emitRun(ctx context.Context, out runOutput, brief bool) int {
	tally(ctx, &out)
	if a.barOpen {
		// A run that stopped early left the progress bar's line open.
		fmt.Fprintln(a.env.Stderr)
		a.barOpen = false
	}
	line := summaryLine(out)
	if a.asJSON {
		if err := a.printJSON(out); err != nil {
			fmt.Fprintf(a.env.Stderr, "ghpkg %s: %v\n", a.name, err)
			return ExitFailed
		}
	} else {
		a.textRun(out, brief, line)
	}
	a.appendSummary(a.markdownRun(out, line))
	code := ExitOK
	if out.Summary.Failed > 0 {
		code = ExitFailed
	}
	if st := out.Stopped; st != nil {
		switch st.Reason {
		case "rate_limit":
			fmt.Fprintf(a.env.Stderr, "ghpkg %s: stopped at the rate limit; %d done, %d left; rerun to resume\n", a.name, st.Done, st.Left)
		default:
			fmt.Fprintf(a.env.Stderr, "ghpkg %s: %s; %d done, %d left\n", a.name, st.Message, st.Done, st.Left)
			code = ExitFailed
		}
	}
	return code
}

func (a *app) textRun(out runOutput, brief bool, line string) {
	if brief && out.Report != nil && len(out.Report.Items) == 1 {
		it := out.Report.Items[0]
		if it.Outcome != retention.Failed {
			fmt.Fprintf(a.env.Stdout, "%s: %s\n", it.Outcome, describe(it))
		}
		return
	}
	now := a.env.Now()
	switch {
	case out.Report != nil:
		rows := make([][]string, 0, len(out.Report.Items))
		for _, it := range out.Report.Items {
			detail := detailOf(it)
			rows = append(rows, []string{it.Package, idOf(it.VersionID), short(it.Version), tagsOf(it.Tags), string(it.Outcome), detail})
		}
		a.table("PACKAGE\tID\tVERSION\tTAGS\tOUTCOME\tDETAIL", rows)
	case out.Plan != nil:
		var rows [][]string
		for _, pp := range out.Plan.Packages {
			if pp.DeletePackage {
				rows = append(rows, []string{pp.Name, "*", "", "", "", "delete package", pp.PackageReason})
				continue
			}
			for _, v := range pp.Versions {
				action := "keep"
				if v.Action == retention.Delete {
					action = "delete"
				}
				rows = append(rows, []string{pp.Name, strconv.FormatInt(v.ID, 10), short(v.Name), tagsOf(v.Tags), age(now, v.CreatedAt), action, v.Reason})
			}
		}
		a.table("PACKAGE\tID\tVERSION\tTAGS\tAGE\tPLAN\tREASON", rows)
	}
	fmt.Fprintf(a.env.Stdout, "\n%s\n", line)
}

// markdownRun renders the step summary of a run: the operations carried
// out, or in a dry run the deletions planned.
func (a *app) markdownRun(out runOutput, line string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### ghpkg %s", a.name)
	if out.Owner != nil {
		switch {
		case out.Owner.Name != "":
			fmt.Fprintf(&b, ": %s %s", out.Owner.Kind, out.Owner.Name)
		default:
			b.WriteString(": the authenticated user")
		}
	}
	if out.DryRun {
		b.WriteString(" (dry run)")
	}
	b.WriteString("\n\n")
	now := a.env.Now()
	switch {
	case out.Report != nil:
		rows := make([][]string, 0, len(out.Report.Items))
		for _, it := range out.Report.Items {
			detail := detailOf(it)
			rows = append(rows, []string{string(it.Type), it.Package, idOf(it.VersionID), "`" + short(it.Version) + "`", tagsOf(it.Tags), string(it.Step), string(it.Outcome), detail})
		}
		b.WriteString(markdownTable([]string{"type", "package", "id", "version", "tags", "action", "outcome", "detail"}, rows))
	case out.Plan != nil:
		var rows [][]string
		for _, pp := range out.Plan.Packages {
			if pp.DeletePackage {
				rows = append(rows, []string{string(pp.Type), pp.Name, "*", "", "", "", "delete package", pp.PackageReason})
				continue
			}
			for _, v := range pp.Versions {
				if v.Action == retention.Delete {
					rows = append(rows, []string{string(pp.Type), pp.Name, strconv.FormatInt(v.ID, 10), "`" + short(v.Name) + "`", tagsOf(v.Tags), age(now, v.CreatedAt), "would delete", v.Reason})
				}
			}
		}
		b.WriteString(markdownTable([]string{"type", "package", "id", "version", "tags", "age", "plan", "reason"}, rows))
	}
	fmt.Fprintf(&b, "\n%s\n\n", line)
	return b.String()
}

// summaryLine says in one line what a run did or would do.
func summaryLine(out runOutput) string {
	s := out.Summary
	if out.Report == nil {
		if out.Plan == nil {
			return "stopped at the rate limit while planning; nothing deleted; rerun to resume"
		}
		return fmt.Sprintf("would delete %d and keep %d versions in %d package(s); dry run, nothing changed: pass --yes to delete",
			s.Planned, s.Kept, len(out.Plan.Packages))
	}
	var parts []string
	for _, c := range []struct {
		n    int
		name string
	}{{s.Deleted, "deleted"}, {s.Restored, "restored"}, {s.AlreadyGone, "already gone"}, {s.Retained, "retained"},
		{s.Expired, "expired"}, {s.Failed, "failed"}, {s.NotAttempted, "not attempted"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.name))
		}
	}
	if len(parts) == 0 {
		return "nothing to do"
	}
	line := strings.Join(parts, ", ")
	if st := out.Stopped; st != nil && st.Reason == "rate_limit" {
		line += fmt.Sprintf("; stopped at the rate limit; %d done, %d left; rerun to resume", st.Done, st.Left)
	}
	return line
}

func describe(it retention.Item) string {
	if it.VersionID == 0 {
		return fmt.Sprintf("package %s", it.Package)
	}
	return fmt.Sprintf("version %d of %s", it.VersionID, it.Package)
}

func idOf(id int64) string {
	if id == 0 {
		return "*"
	}
	return strconv.FormatInt(id, 10)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// progress reports finished items on stderr: a bar on a terminal; else a
// line every 10 items, every 30 seconds and at the end (CI logs).
func (a *app) progress(total int) func(retention.Item) {
	done := 0
	now := a.env.Now
	if now == nil {
		now = time.Now
	}
	last := now()
	return func(it retention.Item) {
		done++
		if a.env.StderrIsTerminal {
			width := 30
			filled := width * min(done, total) / max(total, 1)
			fmt.Fprintf(a.env.Stderr, "\r[%s%s] %d/%d", strings.Repeat("#", filled), strings.Repeat(" ", width-filled), done, total)
			a.barOpen = done < total
			if !a.barOpen {
				fmt.Fprintln(a.env.Stderr)
			}
			return
		}
		if t := now(); done%10 == 0 || done == total || t.Sub(last) >= 30*time.Second {
			last = t
			fmt.Fprintf(a.env.Stderr, "progress: %d/%d done\n", done, total)
		}
	}
}

// detailOf is what a report row says about an item: its error's first
// line, or else the reason it was planned.
func detailOf(it retention.Item) string {
	if it.Error != "" {
		return firstLine(it.Error)
	}
	return it.Reason
}
