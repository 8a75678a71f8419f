package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/retention"
)

// command registers its flags on fs and returns the function that runs it.
type command func(a *app, fs *flag.FlagSet) func(ctx context.Context) (int, error)

var commands = map[string]command{
	"packages": packagesCmd,
	"versions": versionsCmd,
	"get":      getCmd,
	"delete":   deleteCmd,
	"restore":  restoreCmd,
	"prune":    pruneCmd,
	"scopes":   scopesCmd,
}

// packageTarget is target for the commands that take one PACKAGE argument.
func (a *app) packageTarget(ctx context.Context) (string, *ghpackages.Client, ghpackages.Owner, ghpackages.PackageType, error) {
	if len(a.args) != 1 {
		return "", nil, ghpackages.Owner{}, "", usagef("want exactly one PACKAGE argument, got %d", len(a.args))
	}
	c, owner, typ, err := a.target(ctx)
	return a.args[0], c, owner, typ, err
}

func packagesCmd(a *app, fs *flag.FlagSet) func(context.Context) (int, error) {
	visibility := fs.String("visibility", "", "only public, private or internal packages")
	return func(ctx context.Context) (int, error) {
		if len(a.args) != 0 {
			return 0, usagef("packages takes no arguments, got %q", a.args)
		}
		c, owner, typ, err := a.target(ctx)
		if err != nil {
			return 0, err
		}
		pkgs, err := ghpackages.Collect(c.Packages(owner).All(ctx, typ, &ghpackages.ListOptions{Visibility: ghpackages.Visibility(*visibility), PerPage: 100}))
		if err != nil {
			return 0, err
		}
		if a.asJSON {
			if pkgs == nil {
				pkgs = []*ghpackages.Package{}
			}
			return 0, a.printJSON(packagesOutput{head: a.head(ownerOf(owner), typ), Packages: pkgs})
		}
		now := a.env.Now()
		rows := make([][]string, 0, len(pkgs))
		for _, p := range pkgs {
			rows = append(rows, []string{p.Name, string(p.Visibility), strconv.FormatInt(p.VersionCount, 10), age(now, p.UpdatedAt)})
		}
		a.table("NAME\tVISIBILITY\tVERSIONS\tUPDATED", rows)
		return 0, nil
	}
}

func versionsCmd(a *app, fs *flag.FlagSet) func(context.Context) (int, error) {
	state := fs.String("state", "active", "active, or deleted (restorable for 30 days)")
	return func(ctx context.Context) (int, error) {
		st := ghpackages.VersionState(*state)
		if !st.Valid() {
			return 0, usagef("unknown --state %q (want active or deleted)", *state)
		}
		name, c, owner, typ, err := a.packageTarget(ctx)
		if err != nil {
			return 0, err
		}
		vs, err := ghpackages.Collect(c.Packages(owner).AllVersions(ctx, typ, name, &ghpackages.ListVersionsOptions{State: st, PerPage: 100}))
		if err != nil {
			return 0, err
		}
		if a.asJSON {
			if vs == nil {
				vs = []*ghpackages.PackageVersion{}
			}
			return 0, a.printJSON(versionsOutput{head: a.head(ownerOf(owner), typ), Package: name, State: string(st), Versions: vs})
		}
		now := a.env.Now()
		rows := make([][]string, 0, len(vs))
		for _, v := range vs {
			row := []string{strconv.FormatInt(v.ID, 10), short(v.Name), tagsOf(v.Tags()), age(now, v.CreatedAt)}
			if st == ghpackages.StateDeleted {
				deleted := "-"
				if v.DeletedAt != nil {
					deleted = age(now, *v.DeletedAt) + " ago"
				}
				row = append(row, deleted)
			}
			rows = append(rows, row)
		}
		header := "ID\tNAME\tTAGS\tAGE"
		if st == ghpackages.StateDeleted {
			header += "\tDELETED"
		}
		a.table(header, rows)
		return 0, nil
	}
}

func getCmd(a *app, fs *flag.FlagSet) func(context.Context) (int, error) {
	id := fs.Int64("id", 0, "a version ID: show that version")
	return func(ctx context.Context) (int, error) {
		name, c, owner, typ, err := a.packageTarget(ctx)
		if err != nil {
			return 0, err
		}
		api := c.Packages(owner)
		out := getOutput{head: a.head(ownerOf(owner), typ), Package: name}
		if *id != 0 {
			v, _, err := api.GetVersion(ctx, typ, name, *id)
			if err != nil {
				return 0, err
			}
			if a.asJSON {
				out.Version = v
				return 0, a.printJSON(out)
			}
			fmt.Fprintf(a.env.Stdout, "version %d of %s %s\n  name:    %s\n  tags:    %s\n  created: %s\n  url:     %s\n",
				v.ID, typ, name, v.Name, tagsOf(v.Tags()), v.CreatedAt.UTC().Format("2006-01-02 15:04:05Z"), v.HTMLURL)
			return 0, nil
		}
		p, _, err := api.Get(ctx, typ, name)
		if err != nil {
			return 0, err
		}
		if a.asJSON {
			out.Info = p
			return 0, a.printJSON(out)
		}
		fmt.Fprintf(a.env.Stdout, "%s %s (id %d)\n  visibility: %s\n  versions:   %d\n  updated:    %s\n  url:        %s\n",
			p.PackageType, p.Name, p.ID, p.Visibility, p.VersionCount, p.UpdatedAt.UTC().Format("2006-01-02 15:04:05Z"), p.HTMLURL)
		if p.Repository != nil {
			fmt.Fprintf(a.env.Stdout, "  repository: %s\n", p.Repository.FullName)
		}
		return 0, nil
	}
}

// single runs one delete or restore and reports it like a one-item run.
func (a *app) single(ctx context.Context, owner ghpackages.Owner, action, name string, typ ghpackages.PackageType, id int64, do func() (*ghpackages.Response, error)) (int, error) {
	it := retention.Item{Type: typ, Package: name, VersionID: id, Step: retention.Step(action)}
	rep := &retention.Report{OwnerKind: owner.Kind(), OwnerName: owner.Name(), StartedAt: a.env.Now()}
	resp, err := do()
	it.At = a.env.Now()
	switch {
	case err != nil:
		err = explain(err)
		it.Outcome, it.Error = retention.Failed, err.Error()
	case action == "delete-version" || action == "delete-package":
		it.Outcome, it.Replayed = retention.Deleted, resp != nil && resp.Replayed
	default:
		it.Outcome = retention.Restored
	}
	rep.FinishedAt = it.At
	rep.Items = []retention.Item{it}
	code := a.emitRun(ctx, runOutput{head: a.head(ownerOf(owner), typ), Report: rep}, true)
	if err != nil {
		return exitCode(err), err
	}
	return code, nil
}

func deleteCmd(a *app, fs *flag.FlagSet) func(context.Context) (int, error) {
	id := fs.Int64("id", 0, "delete only this version (default: the whole package)")
	yes := fs.Bool("yes", false, "really delete (required)")
	return func(ctx context.Context) (int, error) {
		if !*yes {
			return 0, usagef("refusing to delete without --yes (deleted packages and versions can be restored for 30 days)")
		}
		name, c, owner, typ, err := a.packageTarget(ctx)
		if err != nil {
			return 0, err
		}
		api := c.Packages(owner)
		if *id != 0 {
			return a.single(ctx, owner, "delete-version", name, typ, *id, func() (*ghpackages.Response, error) { return api.DeleteVersion(ctx, typ, name, *id) })
		}
		return a.single(ctx, owner, "delete-package", name, typ, 0, func() (*ghpackages.Response, error) { return api.Delete(ctx, typ, name) })
	}
}

func restoreCmd(a *app, fs *flag.FlagSet) func(context.Context) (int, error) {
	id := fs.Int64("id", 0, "restore only this version (default: the whole package)")
	report := fs.String("report", "", "restore everything a run deleted, from its JSON report (- for stdin)")
	return func(ctx context.Context) (int, error) {
		if *report != "" {
			if len(a.args) != 0 || *id != 0 {
				return 0, usagef("--report takes no PACKAGE and no --id")
			}
			return a.restoreReport(ctx, *report)
		}
		name, c, owner, typ, err := a.packageTarget(ctx)
		if err != nil {
			return 0, err
		}
		api := c.Packages(owner)
		if *id != 0 {
			return a.single(ctx, owner, "restore-version", name, typ, *id, func() (*ghpackages.Response, error) { return api.RestoreVersion(ctx, typ, name, *id) })
		}
		return a.single(ctx, owner, "restore-package", name, typ, 0, func() (*ghpackages.Response, error) { return api.Restore(ctx, typ, name, nil) })
	}
}

// readReport reads a report: a bare retention.Report (prune --report) or a
// whole --json document of delete, restore or prune.
func readReport(r io.Reader) (*retention.Report, error) {
	raw, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, err
	}
	var doc struct {
		Schema string          `json:"schema"`
		Report json.RawMessage `json:"report"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	if doc.Schema != "" {
		if len(doc.Report) == 0 || bytes.Equal(doc.Report, []byte("null")) {
			return nil, fmt.Errorf("the %s document has no report (a dry run deletes nothing)", doc.Schema)
		}
		raw = doc.Report
	}
	var rep retention.Report
	if err := json.Unmarshal(raw, &rep); err != nil {
		return nil, err
	}
	if rep.OwnerKind == "" {
		return nil, fmt.Errorf("no owner_kind: not a ghpkg report")
	}
	return &rep, nil
}

func (a *app) restoreReport(ctx context.Context, path string) (int, error) {
	var in io.Reader = a.env.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return 0, usagef("reading --report: %v", err)
		}
		defer f.Close()
		in = f
	}
	deleted, err := readReport(in)
	if err != nil {
		return 0, usagef("--report %s: %v", path, err)
	}
	owner, err := ghpackages.ParseOwner(deleted.OwnerKind, deleted.OwnerName)
	if err != nil {
		return 0, usagef("--report %s: %v", path, err)
	}
	c, err := a.client()
	if err != nil {
		return 0, err
	}
	rep, err := retention.Restore(ctx, c, deleted, retention.WithNow(a.env.Now), retention.WithProgress(a.progress(deleted.Count(retention.Deleted))))
	if err != nil {
		return 0, err
	}
	var typ ghpackages.PackageType
	if len(rep.Items) > 0 {
		typ = rep.Items[0].Type
	}
	return a.emitRun(ctx, runOutput{head: a.head(ownerOf(owner), typ), Report: rep}, false), nil
}

// commandOps says which operation each command performs, for scopes.
var commandOps = []struct {
	command string
	op      ghpackages.Operation
}{
	{"packages", ghpackages.OperationRead},
	{"versions", ghpackages.OperationRead},
	{"get", ghpackages.OperationRead},
	{"delete", ghpackages.OperationDelete},
	{"prune", ghpackages.OperationDelete},
	{"restore", ghpackages.OperationRestore},
}

func scopesCmd(a *app, fs *flag.FlagSet) func(context.Context) (int, error) {
	only := fs.String("for", "", "check only this command's needs (packages, versions, get, delete, prune, restore)")
	return func(ctx context.Context) (int, error) {
		typ, err := a.packageType()
		if err != nil {
			return 0, err
		}
		var needs []scopeNeed
		for _, co := range commandOps {
			if *only == "" || *only == co.command {
				needs = append(needs, scopeNeed{Command: co.command, Operation: co.op, Needs: ghpackages.RequiredScopes(co.op, typ), Missing: []ghpackages.Scope{}})
			}
		}
		if len(needs) == 0 {
			return 0, usagef("unknown --for %q (want packages, versions, get, delete, prune or restore)", *only)
		}
		c, err := a.client()
		if err != nil {
			return 0, err
		}
		have, _, err := c.TokenScopes(ctx)
		if err != nil {
			return 0, err
		}
		missingAny := false
		for i := range needs {
			switch {
			case have == nil:
				needs[i].Status = "unknown"
			default:
				if m := ghpackages.MissingScopes(have, needs[i].Needs); len(m) > 0 {
					needs[i].Missing, needs[i].Status, missingAny = m, "missing", true
				} else {
					needs[i].Status = "ok"
				}
			}
		}
		code := ExitOK
		if missingAny {
			code = ExitUsage
		}
		out := scopesOutput{head: a.head(nil, typ), TokenKind: "classic", TokenScopes: have, Commands: needs}
		if have == nil {
			out.TokenKind, out.TokenScopes = "fine-grained", []ghpackages.Scope{}
		}
		var missingErr error
		if missingAny {
			missingErr = scopeError{what: "run every command listed", missing: allMissing(needs)}
		}
		if a.asJSON {
			if err := a.printJSON(out); err != nil {
				return code, err
			}
			return code, missingErr
		}
		if have == nil {
			fmt.Fprintln(a.env.Stdout, "GitHub reports no classic scopes for this token: it is a fine-grained, GitHub App or Actions token.")
			fmt.Fprintln(a.env.Stdout, "Such tokens can read packages, but fine-grained and App tokens cannot delete package versions, and an Actions")
			fmt.Fprintln(a.env.Stdout, "GITHUB_TOKEN only with admin on the package: use a classic token with delete:packages for delete and prune.")
			fmt.Fprintln(a.env.Stdout)
		} else {
			fmt.Fprintf(a.env.Stdout, "token scopes: %s\n\n", orNone(scopeList(have)))
		}
		rows := make([][]string, 0, len(needs))
		for _, n := range needs {
			status := n.Status
			if n.Status == "missing" {
				status = "missing " + scopeList(n.Missing)
			}
			rows = append(rows, []string{n.Command, scopeList(n.Needs), status})
		}
		a.table(fmt.Sprintf("COMMAND\tNEEDS (%s)\tTOKEN", typ), rows)
		return code, missingErr
	}
}

// allMissing unions the missing scopes of needs, in order of appearance.
func allMissing(needs []scopeNeed) []ghpackages.Scope {
	seen := map[ghpackages.Scope]bool{}
	var out []ghpackages.Scope
	for _, n := range needs {
		for _, s := range n.Missing {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
