package cli

import (
	"context"
	"strconv"

	"github.com/spf13/cobra"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

func (a *app) packagesCommand() *cobra.Command {
	var visibility string
	cmd := &cobra.Command{
		Use:   "packages",
		Short: "List the owner's packages of --type",
		Long: `List the owner's packages of one type (--type, default container), with
their visibility, version count and last update.

Listing needs read:packages. The Actions GITHUB_TOKEN cannot list an owner's
packages: name them instead ('ghpkg get PACKAGE').`,
		Example: `  # octo-org's container packages
  ghpkg packages --org octo-org

  # only the public ones
  ghpkg packages --org octo-org --visibility public

  # a user's rubygems packages, as JSON
  ghpkg packages --user octocat --type rubygems --json`,
		Args: noArgs,
	}
	cmd.Flags().Var(newEnum(&visibility, "", "public", "private", "internal"), "visibility", "only packages with this visibility")
	_ = cmd.RegisterFlagCompletionFunc("visibility", fixedCompletion("public", "private", "internal"))
	cmd.RunE = a.action(func(ctx context.Context, _ *cobra.Command, _ []string) (int, error) {
		ctx, c, owner, typ, err := a.target(ctx, nil)
		if err != nil {
			return 0, err
		}
		pkgs, err := ghpackages.Collect(c.Packages(owner).All(ctx, typ, &ghpackages.PackageListOptions{Visibility: ghpackages.Visibility(visibility), PerPage: 100}))
		if err != nil {
			return 0, a.checkOwner(ctx, c, owner, err)
		}
		if a.asJSON {
			out := packagesOutput{head: a.head(ownerOf(owner), typ), Packages: make([]packageJSON, 0, len(pkgs))}
			for _, p := range pkgs {
				out.Packages = append(out.Packages, packageOf(p))
			}
			return 0, a.printJSON(out)
		}
		now := a.env.Now()
		rows := make([][]string, 0, len(pkgs))
		for _, p := range pkgs {
			rows = append(rows, []string{p.Name, string(p.Visibility), strconv.FormatInt(p.VersionCount, 10), age(now, p.UpdatedAt)})
		}
		a.table("NAME\tVISIBILITY\tVERSIONS\tUPDATED", rows)
		if len(pkgs) == 0 {
			a.warnf("no %s packages found for %s", typ, describeOwner(owner))
		}
		return 0, nil
	})
	return cmd
}

// describeOwner names an owner in messages.
func describeOwner(o ghpackages.Owner) string {
	if o.Name() == "" {
		return "the token's account"
	}
	return string(o.Kind()) + " " + o.Name()
}
