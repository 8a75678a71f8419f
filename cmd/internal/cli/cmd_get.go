package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

func (a *app) getCommand() *cobra.Command {
	var id versionID
	cmd := &cobra.Command{
		Use:   "get PACKAGE",
		Short: "Show a package, or one of its versions",
		Long: `Show PACKAGE (visibility, version count, last update, repository), or with
--id one version of it (name, tags, creation time).`,
		Example: `  # the package: visibility, version count, repository
  ghpkg get team/app --org octo-org

  # one version as JSON: the multi-arch image tagged latest
  ghpkg get team/app --org octo-org --id 1260000044 --json

  # a package of the token's own account (no --org, --user or --owner)
  ghpkg get octo-name --type rubygems`,
		Args: onePackage,
	}
	cmd.Flags().Var(&id, "id", "show only this version")
	cmd.RunE = a.action(func(ctx context.Context, _ *cobra.Command, args []string) (int, error) {
		name := args[0]
		ctx, c, owner, typ, err := a.target(ctx, nil)
		if err != nil {
			return 0, err
		}
		api := c.Packages(owner)
		out := getOutput{head: a.head(ownerOf(owner), typ), Package: name}
		if id != 0 {
			v, _, err := api.GetVersion(ctx, typ, name, int64(id))
			if err != nil {
				if errors.Is(err, ghpackages.ErrNotFound) {
					if _, _, perr := api.Get(ctx, typ, name); perr == nil {
						return 0, advised{fmt.Errorf("%s %s has no version %d: %w\n'ghpkg versions %s%s' lists its versions (--state deleted: the deleted ones)",
							typ, name, id, err, name, ownerFlags(owner, typ))}
					}
				}
				return 0, a.checkOwner(ctx, c, owner, err)
			}
			if a.asJSON {
				vj := versionOf(v)
				out.Version = &vj
				return 0, a.printJSON(out)
			}
			fmt.Fprintf(a.env.Stdout, "version %d of %s %s\n  name:    %s\n  tags:    %s\n  created: %s\n  url:     %s\n",
				v.ID, typ, name, v.Name, tagsOf(v.Tags()), v.CreatedAt.UTC().Format("2006-01-02 15:04:05Z"), v.HTMLURL)
			return 0, nil
		}
		p, _, err := api.Get(ctx, typ, name)
		if err != nil {
			return 0, a.checkOwner(ctx, c, owner, err)
		}
		if a.asJSON {
			pj := packageOf(p)
			out.Info = &pj
			return 0, a.printJSON(out)
		}
		fmt.Fprintf(a.env.Stdout, "%s %s (id %d)\n  visibility: %s\n  versions:   %d\n  updated:    %s\n  url:        %s\n",
			p.PackageType, p.Name, p.ID, p.Visibility, p.VersionCount, p.UpdatedAt.UTC().Format("2006-01-02 15:04:05Z"), p.HTMLURL)
		if p.Repository != nil {
			fmt.Fprintf(a.env.Stdout, "  repository: %s\n", p.Repository.FullName)
		}
		return 0, nil
	})
	return cmd
}
