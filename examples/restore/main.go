// Command restore lists the deleted versions of a package (restorable for 30
// days) and restores one: the one given with -id, or, with -latest, the most
// recently deleted.
//
//	go run ./examples/restore -latest               # the built-in fake server, no token needed
//	GITHUB_TOKEN=... go run ./examples/restore -org my-org -package my-image -id 1260000042
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/internal/exampleenv"
)

func main() { exampleenv.Main("restore", run) }

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	var f exampleenv.Flags
	f.Register(fs)
	id := fs.Int64("id", 0, "ID of the deleted version to restore")
	latest := fs.Bool("latest", false, "restore the most recently deleted version")
	if err := exampleenv.Parse(fs, args); err != nil {
		return err
	}
	env, err := exampleenv.Connect(&f, out)
	if err != nil {
		return err
	}
	defer env.Close()

	deleted, err := ghpackages.Collect(env.Packages.AllVersions(ctx, env.Type, f.Package,
		&ghpackages.PackageVersionListOptions{State: ghpackages.StateDeleted, PerPage: 100}))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\ndeleted versions of %s %s (restorable for 30 days after deletion):\n", env.Type, f.Package)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  ID\tNAME\tTAGS\tDELETED AT")
	var newest *ghpackages.PackageVersion
	for _, v := range deleted {
		when := "?"
		if v.DeletedAt != nil {
			when = v.DeletedAt.UTC().Format("2006-01-02 15:04")
			if newest == nil || newest.DeletedAt == nil || v.DeletedAt.After(*newest.DeletedAt) ||
				(v.DeletedAt.Equal(*newest.DeletedAt) && cmp.Less(newest.ID, v.ID)) {
				newest = v
			}
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\n", v.ID, v.Name, strings.Join(v.Tags(), ","), when)
	}
	tw.Flush()
	if len(deleted) == 0 {
		fmt.Fprintln(out, "  none")
		return nil
	}

	target := *id
	if target == 0 && *latest && newest != nil {
		target = newest.ID
	}
	if target == 0 {
		fmt.Fprintln(out, "\nnothing restored: pass -id ID, or -latest for the most recently deleted version")
		return nil
	}
	if err := restore(ctx, env, f.Package, target); err != nil {
		return err
	}
	v, _, err := env.Packages.GetVersion(ctx, env.Type, f.Package, target)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nrestored version %d (%s); it is active again, tags: %s\n", v.ID, v.Name, strings.Join(v.Tags(), ","))
	return nil
}

func restore(ctx context.Context, env *exampleenv.Env, name string, id int64) error {
	_, err := env.Packages.RestoreVersion(ctx, env.Type, name, id)
	switch {
	case errors.Is(err, ghpackages.ErrNotFound):
		return fmt.Errorf("%w\nthe version is not deleted, was deleted more than 30 days ago, or the token lacks admin permission on the package", err)
	case errors.Is(err, ghpackages.ErrForbidden):
		var apiErr *ghpackages.Error
		if errors.As(err, &apiErr) && len(apiErr.MissingScopes) > 0 {
			return fmt.Errorf("%w\nadd these scopes to the token: %v", err, apiErr.MissingScopes)
		}
	}
	return err
}
