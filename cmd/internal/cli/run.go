package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/retention"
)

// preflight checks the token's classic scopes for op before any change, so
// a token that cannot do it fails at once (exit 2) naming the scopes,
// instead of once per item. A token GitHub reports no classic scopes for
// (fine-grained, GitHub App, the Actions GITHUB_TOKEN) is "unknown": the
// run goes ahead and GitHub's answers decide. A server without /rate_limit
// (GHES with rate limiting off) is no reason to stop either. enforce=false
// only notes what is missing (a dry run). extra are scopes needed besides
// op's (write:packages to push an untag's placeholder).
func (a *app) preflight(ctx context.Context, c *ghpackages.Client, op ghpackages.Operation, typ ghpackages.PackageType, what string, enforce bool, extra ...ghpackages.Scope) error {
	have, _, err := c.TokenScopes(ctx)
	if err == nil {
		a.tokenScopes = have
	}
	switch {
	case errors.Is(err, ghpackages.ErrUnauthorized):
		return err
	case err != nil:
		return nil
	case have == nil:
		if enforce && op != ghpackages.OperationRead {
			a.warnf("GitHub reports no classic scopes for this token (fine-grained, App or Actions token): trying; " +
				"an Actions GITHUB_TOKEN can change only packages whose Manage Actions access gives this repository the Admin role")
		}
		return nil
	}
	if m := ghpackages.MissingScopes(have, ghpackages.RequiredScopes(ghpackages.OperationRead, typ)); len(m) > 0 {
		return scopeError{what: "read " + string(typ) + " packages", missing: m}
	}
	m := ghpackages.MissingScopes(have, append(ghpackages.RequiredScopes(op, typ), extra...))
	switch {
	case len(m) == 0:
	case enforce:
		return scopeError{what: what, missing: m}
	default:
		a.warnf("the token lacks %s, which --yes needs", scopeList(m))
	}
	return nil
}

// Replayed deletes: when a DELETE's first answer was lost and its retry got
// 404, the SDK settles it. DeleteVersion re-reads: gone from a readable
// package is a success with Response.Replayed ("deleted", replayed); a
// version that still reads is a plain not-found (retention reports it
// "failed"); anything else (and every replayed package Delete) is an error
// matching ghpackages.ErrDeleteUnconfirmed, which retention reports
// "gone-unconfirmed" and 'ghpkg restore --report' restores.

// isUnconfirmedDelete reports whether a delete's error says its outcome is
// unknown (replayed, then 404, and not provable by a read).
func isUnconfirmedDelete(err error) bool { return errors.Is(err, ghpackages.ErrDeleteUnconfirmed) }

// recheck explains and, where a read can tell more, re-reads the deletes a
// 404 answered, so the report does not claim more than is known:
//   - a replayed delete the SDK could not confirm is "gone-unconfirmed"
//     (retention's outcome): say why.
//   - a replayed delete of a version the SDK read back is "failed"
//     (retention's outcome): say the token may read but not delete it.
//   - a plain 404 ("already-gone"): if the version (package) can still be
//     read, the delete failed (the token sees it but may not delete it:
//     deleting needs admin on the package); if it is gone while its
//     package is readable, it is confirmed gone and stays "already-gone";
//     if the package cannot be read either, a 404 cannot tell gone from
//     invisible: "gone-unconfirmed".
//
// Restores need no re-read here: retention.Restore (and single) report a
// restore that found the item active "already-active".
func (a *app) recheck(ctx context.Context, api *ghpackages.OwnerPackages, items []itemJSON) {
	for i := range items {
		it := &items[i]
		if !strings.HasPrefix(it.Action, "delete-") {
			continue
		}
		switch {
		case it.Outcome == retention.OutcomeGoneUnconfirmed && isUnconfirmedDelete(it.err):
			it.Error = firstLine(it.Error) + " (the first attempt's answer was lost and the retry got 404: deleted then, or not visible to the token)"
		case it.Outcome == retention.OutcomeFailed && errors.Is(it.err, ghpackages.ErrNotFound):
			stillThere(it)
		case it.Outcome != retention.OutcomeAlreadyGone:
		case ctx.Err() != nil:
			it.Outcome = retention.OutcomeGoneUnconfirmed
			it.Error = orText(firstLine(it.Error), "404") + " (not re-read: the run was stopped)"
		default:
			exists, pkgReadable, err := a.lookup(ctx, api, ghpackages.PackageType(it.Type), it.Package, it.VersionID)
			switch {
			case err != nil:
				it.Outcome, it.Error = retention.OutcomeGoneUnconfirmed, fmt.Sprintf("%s; re-reading it failed: %v", orText(it.Error, "404"), err)
			case exists:
				it.Outcome = retention.OutcomeFailed
				stillThere(it)
			case pkgReadable:
				it.Error = ""
				it.Status = 0
			default:
				it.Outcome = retention.OutcomeGoneUnconfirmed
				if it.Error == "" {
					it.Error = "the retried delete got 404 and the package cannot be read: gone, or not visible to the token"
				} else {
					it.Error = firstLine(it.Error) + " (and the package cannot be read: gone, or not visible to the token)"
				}
			}
		}
	}
}

// stillThere explains a failed delete answered 404 of something that can
// still be read.
func stillThere(it *itemJSON) {
	it.Error = fmt.Sprintf("%s, but it still exists: the token can read %s but not delete it (deleting needs admin on the package; "+
		"for the Actions GITHUB_TOKEN: Package settings → Manage Actions access → this repository, role Admin)", orText(firstLine(it.Error), "the delete was answered 404"), it.Package)
	if it.Status == 0 {
		it.Status = 404
	}
}

// active reports whether a version (or, for versionID 0, a package) is
// active; a read that fails says no.
func (a *app) active(ctx context.Context, api *ghpackages.OwnerPackages, typ ghpackages.PackageType, name string, versionID int64) bool {
	exists, _, err := a.lookup(ctx, api, typ, name, versionID)
	return err == nil && exists
}

// lookup reads a version (or, for versionID 0, a package): exists when it is
// active; pkgReadable when its package can be read.
func (a *app) lookup(ctx context.Context, api *ghpackages.OwnerPackages, typ ghpackages.PackageType, name string, versionID int64) (exists, pkgReadable bool, err error) {
	if versionID != 0 {
		_, _, err = api.GetVersion(ctx, typ, name, versionID)
		switch {
		case err == nil:
			return true, true, nil
		case !errors.Is(err, ghpackages.ErrNotFound):
			return false, false, err
		}
	}
	_, _, err = api.Get(ctx, typ, name)
	switch {
	case err == nil:
		return versionID == 0, true, nil
	case errors.Is(err, ghpackages.ErrNotFound):
		return false, false, nil
	}
	return false, false, err
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// single runs one delete or restore and reports it like a one-item run.
func (a *app) single(ctx context.Context, api *ghpackages.OwnerPackages, owner ghpackages.Owner, action, name string, typ ghpackages.PackageType, id int64,
	do func() (*ghpackages.Response, error)) (int, error) {
	it := itemJSON{Type: string(typ), Package: name, VersionID: id, Action: action}
	start := a.env.Now().UTC()
	if err := a.beginJournal("", owner, nil); err != nil {
		return 0, err
	}
	resp, err := do()
	it.At = a.env.Now().UTC()
	var apiErr *ghpackages.Error
	if errors.As(err, &apiErr) {
		it.Status = apiErr.StatusCode
	}
	switch {
	case err == nil && strings.HasPrefix(action, "delete-"):
		it.Outcome, it.Replayed = retention.OutcomeDeleted, resp != nil && resp.Replayed
	case err == nil:
		it.Outcome = retention.OutcomeRestored
	case errors.Is(err, ghpackages.ErrRateLimited), ctx.Err() != nil:
		it.Outcome, it.Error, it.err = retention.OutcomeNotAttempted, err.Error(), err
	case strings.HasPrefix(action, "delete-") && isUnconfirmedDelete(err):
		it.Outcome, it.Error, it.err = retention.OutcomeGoneUnconfirmed, err.Error(), err
	case strings.HasPrefix(action, "delete-") && errors.Is(err, ghpackages.ErrNotFound):
		it.Outcome, it.Error, it.err = retention.OutcomeAlreadyGone, err.Error(), err
	case strings.HasPrefix(action, "restore-") && errors.Is(err, ghpackages.ErrNotFound) && a.active(context.WithoutCancel(ctx), api, typ, name, id):
		// GitHub answers 404 to restoring what is not deleted.
		it.Outcome, it.Status = retention.OutcomeAlreadyActive, 0
	default:
		// A refusal (the last version, over 5,000 downloads) fails the
		// one operation asked for; prune reports such versions retained.
		it.Outcome, it.Error, it.err = retention.OutcomeFailed, explain(err).Error(), err
		if advice := itemAdvice(err, name); advice != "" {
			it.Error = firstLine(err.Error()) + "\n" + advice
		}
	}
	rep := &reportJSON{OwnerKind: string(owner.Kind()), OwnerName: owner.Name(), StartedAt: start, Items: []itemJSON{it}}
	if it.Outcome == retention.OutcomeNotAttempted {
		rep.Stopped = "stopped: " + firstLine(err.Error())
	}
	a.recheck(context.WithoutCancel(ctx), api, rep.Items)
	rep.FinishedAt = a.env.Now().UTC()
	a.journalItem(rep.Items[0])
	path, reported := a.endJournal(rep)
	code := a.reportLost(a.emitRun(ctx, runOutput{head: a.head(ownerOf(owner), typ), Report: rep}, true), path, reported, false)
	if final := rep.Items[0]; final.Outcome == retention.OutcomeFailed {
		if len(missingScopes(err)) > 0 || errors.Is(err, ghpackages.ErrUnauthorized) {
			return ExitUsage, nil
		}
		return ExitFailed, nil
	}
	return code, nil
}

// tally fills out's summary and, for a run that ended early, Stopped.
func tally(ctx context.Context, out *runOutput) {
	s := &out.Summary
	if out.Plan != nil {
		s.Planned = out.Plan.deletes()
		s.PlannedUntags = out.Plan.untags()
		for _, pp := range out.Plan.Packages {
			s.Withheld += pp.Withheld
			if pp.DeletePackage {
				continue
			}
			for _, v := range pp.Versions {
				if v.Action != "delete" {
					s.Kept++
				}
				if v.Placeholder && v.Action == "delete" {
					s.PlannedUntags += len(v.Tags)
				}
			}
		}
	}
	rep := out.Report
	if rep == nil {
		return
	}
	if out.Plan == nil {
		s.Planned = len(rep.Items)
	}
	// Tags count once each: an untag step's, or one a deleted placeholder
	// carried. A placeholder's delete counts only when it went wrong: the
	// untag items say the rest.
	removed := map[string]bool{}
	for _, it := range rep.Items {
		switch retention.Step(it.Action) {
		case retention.StepUntag:
			switch it.Outcome {
			case retention.OutcomeUntagged:
				for _, t := range it.Tags {
					removed[it.Package+":"+t] = true
				}
			case retention.OutcomeUntagPending:
				s.UntagPending += len(it.Tags)
			case retention.OutcomeFailed:
				s.Failed++
			case retention.OutcomeSkipped:
				s.Skipped++
			case retention.OutcomeNotAttempted:
				s.NotAttempted++
			}
			continue
		case retention.StepDeletePlaceholder:
			switch it.Outcome {
			case retention.OutcomeDeleted, retention.OutcomeAlreadyGone:
				for _, t := range it.Tags {
					removed[it.Package+":"+t] = true
				}
			case retention.OutcomeGoneUnconfirmed:
				s.GoneUnconfirmed++
			case retention.OutcomeFailed:
				s.Failed++
			case retention.OutcomeRetained:
				s.Retained++
			case retention.OutcomeNotAttempted:
				s.NotAttempted++
			}
			continue
		}
		switch it.Outcome {
		case retention.OutcomeDeleted:
			s.Deleted++
		case retention.OutcomeAlreadyGone:
			s.AlreadyGone++
		case retention.OutcomeGoneUnconfirmed:
			s.GoneUnconfirmed++
		case retention.OutcomeRetained:
			s.Retained++
		case retention.OutcomeFailed:
			s.Failed++
		case retention.OutcomeNotAttempted:
			s.NotAttempted++
		case retention.OutcomeRestored:
			s.Restored++
		case retention.OutcomeAlreadyActive:
			s.AlreadyActive++
		case retention.OutcomeExpired:
			s.Expired++
		case retention.OutcomeSkipped:
			s.Skipped++
		case retention.OutcomeHealed:
			s.Healed++
		}
	}
	s.Untagged = len(removed)
	if rep.Stopped != "" && out.Stopped == nil {
		out.Stopped = &stopped{Reason: stopReason(ctx, rep.Stopped), Message: rep.Stopped, Done: len(rep.Items) - s.NotAttempted, Left: s.NotAttempted}
		if out.Stopped.Reason == "max_wait" {
			out.Stopped.Message = "stopped: rate-limit waits would exceed --max-wait"
		}
	}
}

// stopReason names why a run stopped: --max-wait, cancellation, or a rate
// limit the client could not wait out.
func stopReason(ctx context.Context, msg string) string {
	switch {
	case errors.Is(context.Cause(ctx), errMaxWait):
		return "max_wait"
	case ctx.Err() != nil:
		return "canceled"
	case strings.Contains(msg, "rate limit"):
		return "rate_limit"
	}
	return "canceled"
}

// emitRun prints the outcome of delete, restore or prune (as a table or
// JSON), appends it to the step summary and returns the exit code: 1 when
// an item failed or the run stopped early, else 0. brief prints a single
// operation's outcome as one line.
func (a *app) emitRun(ctx context.Context, out runOutput, brief bool) int {
	tally(ctx, &out)
	out.Summary.RegistryWaits = a.registryWaitCount()
	a.progressBreak()
	line := summaryLine(out)
	if brief && out.Report != nil && len(out.Report.Items) == 1 && out.Report.Items[0].Error != "" {
		fmt.Fprintf(a.env.Stderr, "ghpkg %s: %s\n", a.name, out.Report.Items[0].Error)
	}
	withheld := withheldLine(out)
	if a.asJSON {
		if err := a.printJSON(out); err != nil {
			// The document holds the report restore needs: it must reach
			// the user some other way.
			raw, _ := json.MarshalIndent(out, "", "  ")
			a.lastWords(fmt.Sprintf("ghpkg %s: writing the --json output failed: %v; %s", a.name, err, a.rescue("output", append(raw, '\n'), out.Report != nil && len(out.Report.Items) > 0)))
			return ExitFailed
		}
	} else {
		a.textRun(out, brief, line)
		if withheld != "" {
			fmt.Fprintln(a.env.Stdout, withheld)
		}
	}
	if out.Report != nil && !brief {
		a.reportErrorsOnce(out.Report.Items)
	}
	if withheld != "" {
		line += "\n\n" + withheld
	}
	a.appendSummary(a.markdownRun(out, line))
	code := ExitOK
	if out.Summary.Failed > 0 {
		code = ExitFailed
	}
	if withheld != "" {
		// Incomplete: the cleanup asked for did not happen, and the next
		// run will not do it either until the cause is fixed.
		code = ExitFailed
		if a.asJSON {
			fmt.Fprintf(a.env.Stderr, "ghpkg %s: exit 1: %s\n", a.name, withheld)
		}
	}
	if out.Verify != nil {
		if a.asJSON {
			code = max(code, a.emitVerifyQuiet(out.Verify))
		} else if !a.verifyLines(out.Verify, true) {
			code = ExitFailed
		}
	}
	if n := out.Summary.GoneUnconfirmed; n > 0 {
		a.warnf("%d answered 404 and could not be confirmed gone: the token may not see them (see the report's error column)", n)
	}
	if st := out.Stopped; st != nil {
		code = ExitFailed
		switch st.Reason {
		case "rate_limit":
			fmt.Fprintf(a.env.Stderr, "ghpkg %s: stopped at the rate limit; %d done, %d left; rerun to resume\n", a.name, st.Done, st.Left)
		case "max_wait":
			fmt.Fprintf(a.env.Stderr, "ghpkg %s: stopped: rate-limit waits would exceed --max-wait; %d done, %d left; rerun to resume\n", a.name, st.Done, st.Left)
		default:
			fmt.Fprintf(a.env.Stderr, "ghpkg %s: %s; %d done, %d left; rerun to resume\n", a.name, st.Message, st.Done, st.Left)
		}
	}
	return code
}

func (a *app) textRun(out runOutput, brief bool, line string) {
	if brief && out.Report != nil && len(out.Report.Items) == 1 {
		it := out.Report.Items[0]
		fmt.Fprintf(a.env.Stdout, "%s: %s\n", it.Outcome, describe(it))
		return
	}
	switch {
	case out.Report != nil && len(out.Report.Items) == 0:
		// Nothing was attempted: the summary says so, without an empty
		// table.
		fmt.Fprintf(a.env.Stdout, "%s\n", line)
		return
	case out.Report != nil:
		rows := make([][]string, 0, len(out.Report.Items))
		for _, it := range out.Report.Items {
			rows = append(rows, []string{it.Package, idOf(it.VersionID), short(it.Version), tagsOf(it.Tags), string(it.Outcome), detailOf(it)})
		}
		a.table("PACKAGE\tID\tVERSION\tTAGS\tOUTCOME\tDETAIL", rows)
	case out.Plan != nil:
		a.textPlan(out.Plan)
	}
	fmt.Fprintf(a.env.Stdout, "\n%s\n", line)
}

// reportErrorsOnce prints the errors of a run's failed items on stderr,
// once per package, status and advice, with how many items each hit.
func (a *app) reportErrorsOnce(items []itemJSON) {
	type group struct {
		pkg, example, advice string
		status, n            int
	}
	var groups []*group
	index := map[string]*group{}
	for _, it := range items {
		if it.Outcome != retention.OutcomeFailed || it.Error == "" {
			continue
		}
		first, advice, _ := strings.Cut(it.Error, "\n")
		key := fmt.Sprintf("%s|%d|%s", it.Package, it.Status, advice)
		g := index[key]
		if g == nil {
			g = &group{pkg: it.Package, example: first, advice: advice, status: it.Status}
			index[key] = g
			groups = append(groups, g)
		}
		g.n++
	}
	for _, g := range groups {
		fmt.Fprintf(a.env.Stderr, "ghpkg %s: %d failed in %s: %s\n", a.name, g.n, g.pkg, g.example)
		if g.advice != "" {
			fmt.Fprintf(a.env.Stderr, "  %s\n", strings.ReplaceAll(g.advice, "\n", "\n  "))
		}
	}
}

// textPlan prints a dry run: the versions the plan deletes (or every
// version with --show all), then a line per package with the kept counts
// by reason.
func (a *app) textPlan(p *planJSON) {
	now := a.env.Now()
	var rows [][]string
	for _, pp := range p.Packages {
		if pp.DeletePackage {
			rows = append(rows, []string{pp.Name, "*", "", "", "", "delete package", pp.PackageReason})
			continue
		}
		for _, v := range pp.Versions {
			if v.Action == "delete" || v.Action == "untag" || a.showAll {
				rows = append(rows, []string{pp.Name, strconv.FormatInt(v.ID, 10), short(v.Name), tagsOf(v.Tags), age(now, v.CreatedAt), v.Action, v.Reason})
			}
		}
	}
	if len(rows) > 0 {
		a.table("PACKAGE\tID\tVERSION\tTAGS\tAGE\tPLAN\tREASON", rows)
		fmt.Fprintln(a.env.Stdout)
	}
	for _, pp := range p.Packages {
		del, placeholders := 0, 0
		for _, v := range pp.Versions {
			switch {
			case v.Action == "delete" && v.Placeholder:
				placeholders++
			case v.Action == "delete":
				del++
			}
		}
		if pp.DeletePackage {
			fmt.Fprintf(a.env.Stdout, "%s: delete the package (%d versions)\n", pp.Name, len(pp.Versions))
			continue
		}
		fmt.Fprintf(a.env.Stdout, "%s: delete %d, keep %d%s\n", pp.Name, del, len(pp.Versions)-del-placeholders, keptBreakdown(pp.KeptByReason))
		var untags []string
		for _, v := range pp.Versions {
			for _, t := range v.Untag {
				untags = append(untags, t+" ("+short(v.Name)+")")
			}
			if v.Placeholder && v.Action == "delete" {
				for _, t := range v.Tags {
					untags = append(untags, t+" (on an unfinished untag's placeholder)")
				}
			}
		}
		if len(untags) > 0 {
			fmt.Fprintf(a.env.Stdout, "  tags to remove: %s\n", strings.Join(untags, ", "))
		}
		if placeholders > 0 {
			fmt.Fprintf(a.env.Stdout, "  and %s left by an untag that did not finish, to delete\n", plural(placeholders, "placeholder"))
		}
		if len(pp.Groups) > 0 {
			parts := make([]string, len(pp.Groups))
			for i, g := range pp.Groups {
				parts[i] = fmt.Sprintf("%s keep %d of %d", groupName(g.Group), g.Kept, g.Images)
			}
			fmt.Fprintf(a.env.Stdout, "  images per --group-by group: %s\n", strings.Join(parts, " | "))
		}
	}
}

// groupName writes a group for the summary: captured text quoted.
func groupName(g string) string {
	if strings.HasPrefix(g, "(") {
		return g
	}
	return strconv.Quote(g)
}

// keptBreakdown renders kept counts by reason, largest first, apart by
// " | " (reasons hold ";" and ","): ": 30 not older than 30d | 5 tag is on
// the keep list".
func keptBreakdown(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	type kv struct {
		k string
		n int
	}
	var all []kv
	for k, n := range m {
		all = append(all, kv{k, n})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].n != all[j].n {
			return all[i].n > all[j].n
		}
		return all[i].k < all[j].k
	})
	parts := make([]string, len(all))
	for i, e := range all {
		parts[i] = fmt.Sprintf("%d %s", e.n, e.k)
	}
	return ": " + strings.Join(parts, " | ")
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
			rows = append(rows, []string{it.Type, it.Package, idOf(it.VersionID), "`" + short(it.Version) + "`", tagsOf(it.Tags), it.Action, string(it.Outcome), detailOf(it)})
		}
		b.WriteString(markdownTable([]string{"type", "package", "id", "version", "tags", "action", "outcome", "detail"}, rows))
	case out.Plan != nil:
		var rows [][]string
		for _, pp := range out.Plan.Packages {
			if pp.DeletePackage {
				rows = append(rows, []string{pp.Type, pp.Name, "*", "", "", "", "delete package", pp.PackageReason})
				continue
			}
			for _, v := range pp.Versions {
				switch v.Action {
				case "delete":
					rows = append(rows, []string{pp.Type, pp.Name, strconv.FormatInt(v.ID, 10), "`" + short(v.Name) + "`", tagsOf(v.Tags), age(now, v.CreatedAt), "would delete", v.Reason})
				case "untag":
					rows = append(rows, []string{pp.Type, pp.Name, strconv.FormatInt(v.ID, 10), "`" + short(v.Name) + "`", tagsOf(v.Tags), age(now, v.CreatedAt), "would remove " + tagsOf(v.Untag), v.Reason})
				}
			}
		}
		b.WriteString(markdownTable([]string{"type", "package", "id", "version", "tags", "age", "plan", "reason"}, rows))
	}
	fmt.Fprintf(&b, "\n%s\n\n", line)
	return b.String()
}

// withheldLine says which deletions the plan withheld, and why, grouping
// packages by reason: "withheld 10 deletions in 1 package: team/app (the
// registry's tags could not be read (…))"; "" when none were.
func withheldLine(out runOutput) string {
	if out.Plan == nil || out.Summary.Withheld == 0 {
		return ""
	}
	var order []string
	byReason := map[string][]string{}
	pkgs := 0
	for _, pp := range out.Plan.Packages {
		if pp.Withheld == 0 {
			continue
		}
		pkgs++
		if _, ok := byReason[pp.WithheldReason]; !ok {
			order = append(order, pp.WithheldReason)
		}
		byReason[pp.WithheldReason] = append(byReason[pp.WithheldReason], fmt.Sprintf("%s (%d)", pp.Name, pp.Withheld))
	}
	parts := make([]string, len(order))
	for i, r := range order {
		parts[i] = strings.Join(byReason[r], ", ") + ": " + r
	}
	return fmt.Sprintf("withheld %s in %s: %s; the policy's deletions there wait until their safety can be proven: fix that and rerun",
		plural(out.Summary.Withheld, "deletion"), plural(pkgs, "package"), strings.Join(parts, "; "))
}

// plural renders "1 package" or "2 packages".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// summaryLine says in one line what a run did or would do, and (prune)
// what it frees.
func summaryLine(out runOutput) string { return withStorage(countsLine(out), out) }

// countsLine says in one line what a run did or would do.
func countsLine(out runOutput) string {
	s := out.Summary
	if out.Report == nil {
		if out.Plan == nil {
			return "stopped while planning; nothing deleted; rerun to resume"
		}
		if len(out.Plan.Untag) > 0 {
			return fmt.Sprintf("would remove %d tag(s) and delete no image; dry run, nothing changed: pass --yes to remove them", s.PlannedUntags)
		}
		wholes, inWholes := 0, 0
		for _, pp := range out.Plan.Packages {
			if pp.DeletePackage {
				wholes++
				inWholes += len(pp.Versions)
			}
		}
		what := fmt.Sprintf("%d", s.Planned)
		if wholes > 0 {
			// A whole package is one deletion of all its versions.
			what = fmt.Sprintf("%s (%s)", plural(wholes, "whole package"), plural(inWholes, "version"))
			if n := s.Planned - wholes; n > 0 {
				what = fmt.Sprintf("%s and %s,", plural(n, "version"), what)
			}
		}
		placeholders := 0
		for _, pp := range out.Plan.Packages {
			for _, v := range pp.Versions {
				if v.Placeholder && v.Action == "delete" && !pp.DeletePackage {
					placeholders++
				}
			}
		}
		if s.PlannedUntags > 0 || placeholders > 0 {
			untags := fmt.Sprintf("removing %d tag(s) from kept versions", s.PlannedUntags)
			if placeholders > 0 {
				untags = fmt.Sprintf("removing %d tag(s) (deleting %s of an untag that did not finish)", s.PlannedUntags, plural(placeholders, "placeholder"))
			}
			return fmt.Sprintf("would delete %s and keep %d versions in %d package(s), %s; dry run, nothing changed: pass --yes to carry it out",
				what, s.Kept, len(out.Plan.Packages), untags)
		}
		return fmt.Sprintf("would delete %s and keep %d versions in %d package(s); dry run, nothing changed: pass --yes to delete",
			what, s.Kept, len(out.Plan.Packages))
	}
	var parts []string
	for _, c := range []struct {
		n    int
		name string
	}{{s.Deleted, "deleted"}, {s.Untagged, "tag(s) removed"}, {s.UntagPending, "tag(s) left on the untag placeholder"}, {s.Restored, "restored"}, {s.AlreadyGone, "already gone"}, {s.GoneUnconfirmed, "gone (not confirmed)"},
		{s.AlreadyActive, "already active"}, {s.Retained, "retained"}, {s.Skipped, "skipped"}, {s.Healed, "healed (restored by the final check)"}, {s.Expired, "expired"}, {s.Failed, "failed"}, {s.NotAttempted, "not attempted"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.name))
		}
	}
	if len(parts) == 0 {
		if s.Withheld > 0 {
			return "nothing deleted"
		}
		return "nothing to do"
	}
	line := strings.Join(parts, ", ")
	if st := out.Stopped; st != nil {
		line += fmt.Sprintf("; stopped (%s); %d done, %d left; rerun to resume", strings.ReplaceAll(st.Reason, "_", " "), st.Done, st.Left)
	}
	return line
}

func describe(it itemJSON) string {
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

// detailOf is what a report row says about an item: its error's first
// line, or else the reason it was planned.
func detailOf(it itemJSON) string {
	if it.Error != "" {
		return firstLine(it.Error)
	}
	return it.Reason
}

// retentionProgress adapts the progress reporter to retention's hook.
func (a *app) retentionProgress(verb string, total int) func(retention.Item) {
	p := a.startProgress(verb, total)
	return func(it retention.Item) {
		p.step(it.Outcome == retention.OutcomeFailed)
	}
}
