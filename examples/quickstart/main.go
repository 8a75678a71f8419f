// Command quickstart lists an owner's packages, gets one, and walks all of
// its versions with their tags and ages, showing how the SDK's typed errors
// read. It only reads.
//
//	go run ./examples/quickstart                    # the built-in fake server, no token needed
//	GITHUB_TOKEN=... go run ./examples/quickstart -org my-org -type container -package my-image
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/internal/exampleenv"
)

func main() { exampleenv.Main("quickstart", run) }

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	var f exampleenv.Flags
	f.Register(fs)
	if err := exampleenv.Parse(fs, args); err != nil {
		return err
	}
	env, err := exampleenv.Connect(&f, out)
	if err != nil {
		return err
	}
	defer env.Close()
	now := time.Now()

	// 1. The owner's packages of the chosen type.
	pkgs, err := ghpackages.Collect(env.Packages.All(ctx, env.Type, nil))
	if err != nil {
		return explain(err)
	}
	fmt.Fprintf(out, "\n%s packages of %s:\n", env.Type, env.Owner)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tVISIBILITY\tVERSIONS\tUPDATED")
	for _, p := range pkgs {
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%s ago\n", p.Name, p.Visibility, p.VersionCount, age(now, p.UpdatedAt))
	}
	tw.Flush()

	// 2. One package in detail.
	pkg, _, err := env.Packages.Get(ctx, env.Type, f.Package)
	if err != nil {
		return explain(err)
	}
	fmt.Fprintf(out, "\n%s (id %d): %s, %d versions, %s\n", pkg.Name, pkg.ID, pkg.Visibility, pkg.VersionCount, pkg.HTMLURL)
	if pkg.Repository != nil {
		fmt.Fprintf(out, "  linked to repository %s\n", pkg.Repository.FullName)
	}

	// 3. Every version, newest first, fetched lazily page by page.
	fmt.Fprintln(out, "\nversions:")
	tw = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  ID\tNAME\tTAGS\tAGE")
	n := 0
	for v, err := range env.Packages.AllVersions(ctx, env.Type, f.Package, &ghpackages.PackageVersionListOptions{PerPage: 100}) {
		if err != nil {
			tw.Flush()
			return explain(err)
		}
		n++
		tags := strings.Join(v.Tags(), ",")
		if tags == "" && (env.Type == ghpackages.Container || env.Type == ghpackages.Docker) {
			tags = "(untagged)"
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\n", v.ID, short(v.Name), tags, age(now, v.CreatedAt))
	}
	tw.Flush()
	fmt.Fprintf(out, "  %d versions\n", n)

	// 4. What a typed error looks like: a package that does not exist.
	_, _, err = env.Packages.Get(ctx, env.Type, f.Package+"-does-not-exist")
	switch {
	case errors.Is(err, ghpackages.ErrNotFound):
		var apiErr *ghpackages.Error
		errors.As(err, &apiErr)
		fmt.Fprintf(out, "\nlooking up a missing package: errors.Is(err, ErrNotFound) = true; status %d, message %q\n", apiErr.StatusCode, apiErr.Message)
	case err != nil:
		return explain(err)
	}
	return nil
}

// explain adds what a program would do about the common errors.
func explain(err error) error {
	var rl *ghpackages.RateLimitError
	switch {
	case errors.As(err, &rl):
		return fmt.Errorf("%w\nrate limited: try again after %s", err, rl.Rate.Reset.Format(time.RFC3339))
	case errors.Is(err, ghpackages.ErrUnauthorized):
		return fmt.Errorf("%w\ncheck GITHUB_TOKEN", err)
	case errors.Is(err, ghpackages.ErrNotFound):
		return fmt.Errorf("%w\ncheck -org/-user, -type and -package; GitHub also answers 404 for packages the token cannot see", err)
	}
	return err
}

func short(name string) string {
	if strings.HasPrefix(name, "sha256:") && len(name) > 19 {
		return name[:19] + "…"
	}
	return name
}

func age(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	case d >= time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	default:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
}
