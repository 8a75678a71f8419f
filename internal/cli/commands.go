package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

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
		c, owner, typ, err := a.target(ctx)
		if err != nil {
			return 0, err
		}
		pkgs, err := ghpackages.Collect(c.Packages(owner).All(ctx, typ, &ghpackages.ListOptions{Visibility: ghpackages.Visibility(*visibility), PerPage: 100}))
		if err != nil {
			return 0, explain(err)
		}
		if a.asJSON {
			if pkgs == nil {
				pkgs = []*ghpackages.Package{}
			}
			return 0, a.printJSON(pkgs)
		}
		now := a.env.Now()
		var rows [][]string
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
		name, c, owner, typ, err := a.packageTarget(ctx)
		if err != nil {
			return 0, err
		}
		vs, err := ghpackages.Collect(c.Packages(owner).AllVersions(ctx, typ, name, &ghpackages.ListVersionsOptions{State: ghpackages.VersionState(*state), PerPage: 100}))
		if err != nil {
			return 0, explain(err)
		}
		if a.asJSON {
			if vs == nil {
				vs = []*ghpackages.PackageVersion{}
			}
			return 0, a.printJSON(vs)
		}
		now := a.env.Now()
		rows := make([][]string, 0, len(vs))
		for _, v := range vs {
			row := []string{strconv.FormatInt(v.ID, 10), short(v.Name), tagsOf(v.Tags()), age(now, v.CreatedAt)}
			if v.DeletedAt != nil {
				row = append(row, age(now, *v.DeletedAt)+" ago")
			}
			rows = append(rows, row)
		}
		header := "ID\tNAME\tTAGS\tAGE"
		if *state == string(ghpackages.StateDeleted) {
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
		if *id != 0 {
			v, _, err := api.GetVersion(ctx, typ, name, *id)
			if err != nil {
				return 0, explain(err)
			}
			if a.asJSON {
				return 0, a.printJSON(v)
			}
			fmt.Fprintf(a.env.Stdout, "version %d of %s %s\n  name:    %s\n  tags:    %s\n  created: %s\n  url:     %s\n",
				v.ID, typ, name, v.Name, tagsOf(v.Tags()), v.CreatedAt.UTC().Format("2006-01-02 15:04:05Z"), v.HTMLURL)
			return 0, nil
		}
		p, _, err := api.Get(ctx, typ, name)
		if err != nil {
			return 0, explain(err)
		}
		if a.asJSON {
			return 0, a.printJSON(p)
		}
		fmt.Fprintf(a.env.Stdout, "%s %s (id %d)\n  visibility: %s\n  versions:   %d\n  updated:    %s\n  url:        %s\n",
			p.PackageType, p.Name, p.ID, p.Visibility, p.VersionCount, p.UpdatedAt.UTC().Format("2006-01-02 15:04:05Z"), p.HTMLURL)
		if p.Repository != nil {
			fmt.Fprintf(a.env.Stdout, "  repository: %s\n", p.Repository.FullName)
		}
		return 0, nil
	}
}

// single runs one delete or restore and reports it as an Item.
func (a *app) single(action, name string, typ ghpackages.PackageType, id int64, do func() (*ghpackages.Response, error)) (int, error) {
	it := retention.Item{Type: typ, Package: name, VersionID: id, Action: action, Outcome: retention.Deleted, At: a.env.Now()}
	if strings.HasPrefix(action, "restore") {
		it.Outcome = retention.Restored
	}
	if _, err := do(); err != nil {
		it.Outcome, it.Error = retention.Failed, err.Error()
		if a.asJSON {
			_ = a.printJSON(it)
		}
		return 0, explain(err)
	}
	if a.asJSON {
		return 0, a.printJSON(it)
	}
	what := "package " + name
	if id != 0 {
		what = fmt.Sprintf("version %d of %s", id, name)
	}
	fmt.Fprintf(a.env.Stdout, "%s: %s\n", it.Outcome, what)
	a.appendSummary(fmt.Sprintf("ghpkg %s: %s %s %s\n\n", action, it.Outcome, typ, what))
	return 0, nil
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
			return a.single("delete-version", name, typ, *id, func() (*ghpackages.Response, error) { return api.DeleteVersion(ctx, typ, name, *id) })
		}
		return a.single("delete-package", name, typ, 0, func() (*ghpackages.Response, error) { return api.Delete(ctx, typ, name) })
	}
}

func restoreCmd(a *app, fs *flag.FlagSet) func(context.Context) (int, error) {
	id := fs.Int64("id", 0, "restore only this version (default: the whole package)")
	report := fs.String("report", "", "restore everything a 'ghpkg prune --report FILE' run deleted")
	return func(ctx context.Context) (int, error) {
		if *report != "" {
			return a.restoreReport(ctx, *report)
		}
		name, c, owner, typ, err := a.packageTarget(ctx)
		if err != nil {
			return 0, err
		}
		api := c.Packages(owner)
		if *id != 0 {
			return a.single("restore-version", name, typ, *id, func() (*ghpackages.Response, error) { return api.RestoreVersion(ctx, typ, name, *id) })
		}
		return a.single("restore-package", name, typ, 0, func() (*ghpackages.Response, error) { return api.Restore(ctx, typ, name, nil) })
	}
}

func (a *app) restoreReport(ctx context.Context, path string) (int, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, usagef("reading --report: %v", err)
	}
	var rep retention.Report
	if err := json.Unmarshal(raw, &rep); err != nil {
		return 0, usagef("--report %s is not a ghpkg report: %v", path, err)
	}
	c, err := a.client()
	if err != nil {
		return 0, err
	}
	out, err := retention.Restore(ctx, c, &rep, retention.WithNow(a.env.Now), retention.WithProgress(a.progress(rep.Count(retention.Deleted))))
	if err != nil {
		return 0, err
	}
	return a.finish(out, nil)
}

func scopesCmd(a *app, fs *flag.FlagSet) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		typ, err := a.packageType()
		if err != nil {
			return 0, err
		}
		c, err := a.client()
		if err != nil {
			return 0, err
		}
		have, _, err := c.TokenScopes(ctx)
		if err != nil {
			return 0, explain(err)
		}
		type need struct {
			Commands string             `json:"commands"`
			Needs    []ghpackages.Scope `json:"needs"`
			Missing  []ghpackages.Scope `json:"missing"`
		}
		needs := []need{
			{Commands: "packages, versions, get", Needs: ghpackages.RequiredScopes(ghpackages.OperationRead, typ)},
			{Commands: "delete, prune", Needs: ghpackages.RequiredScopes(ghpackages.OperationDelete, typ)},
			{Commands: "restore", Needs: ghpackages.RequiredScopes(ghpackages.OperationRestore, typ)},
		}
		missingAny := false
		for i := range needs {
			if have != nil {
				needs[i].Missing = ghpackages.MissingScopes(have, needs[i].Needs)
			}
			missingAny = missingAny || len(needs[i].Missing) > 0
		}
		code := ExitOK
		if missingAny {
			code = ExitUsage
		}
		if a.asJSON {
			return code, a.printJSON(map[string]any{"type": typ, "classic": have != nil, "token_scopes": have, "commands": needs})
		}
		if have == nil {
			fmt.Fprintln(a.env.Stdout, "The token reports no classic scopes: it is a fine-grained or GitHub App token.")
			fmt.Fprintln(a.env.Stdout, "Such tokens can read packages, but GitHub does not let them delete package versions; use a classic token with delete:packages for delete and prune.")
		} else {
			fmt.Fprintf(a.env.Stdout, "token scopes: %s\n\n", orNone(scopeList(have)))
		}
		var rows [][]string
		for _, n := range needs {
			status := "ok"
			switch {
			case have == nil:
				status = "unknown"
			case len(n.Missing) > 0:
				status = "missing " + scopeList(n.Missing)
			}
			rows = append(rows, []string{n.Commands, scopeList(n.Needs), status})
		}
		a.table(fmt.Sprintf("COMMANDS (%s)\tNEEDS\tTOKEN", typ), rows)
		return code, nil
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
