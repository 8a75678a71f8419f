package cli

import (
	"context"

	"github.com/spf13/cobra"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

func (a *app) deleteCommand() *cobra.Command {
	var id versionID
	var yes bool
	var rf runFlags
	cmd := &cobra.Command{
		Use:   "delete PACKAGE --yes",
		Short: "Delete a package, or one of its versions",
		Long: `Delete PACKAGE, or with --id one version of it. --yes is required: GitHub
keeps what was deleted restorable for 30 days ('ghpkg restore').

The token's scopes are checked first (delete:packages; plus repo for types
other than container): a token that lacks them exits 2 before any change.
GitHub refuses to delete a package's last version (for containers, its last
tagged version) and public versions downloaded over 5,000 times: such a
version is reported "retained". A 404 is re-read before it is reported: a
version that still exists is "failed" (the token may not delete it), one
confirmed gone is "already-gone".`,
		Example: `  ghpkg delete my-app --org my-org --id 1260000042 --yes
  ghpkg delete old-lib --user octocat --type npm --yes`,
		Args: onePackage,
	}
	cmd.Flags().Var(&id, "id", "delete only this version (default: the whole package)")
	cmd.Flags().BoolVar(&yes, "yes", false, "really delete (required)")
	a.addRunFlags(cmd, &rf)
	cmd.RunE = a.action(func(ctx context.Context, _ *cobra.Command, args []string) (int, error) {
		if !yes {
			return 0, usagef("refusing to delete without --yes (deleted packages and versions can be restored for 30 days)")
		}
		name := args[0]
		ctx, c, owner, typ, err := a.target(ctx, &rf)
		if err != nil {
			return 0, err
		}
		if err := a.preflight(ctx, c, ghpackages.OperationDelete, typ, "delete "+string(typ)+" packages", true); err != nil {
			return 0, err
		}
		api := c.Packages(owner)
		if id != 0 {
			return a.single(ctx, api, owner, "delete-version", name, typ, int64(id), func() (*ghpackages.Response, error) {
				return api.DeleteVersion(ctx, typ, name, int64(id))
			})
		}
		return a.single(ctx, api, owner, "delete-package", name, typ, 0, func() (*ghpackages.Response, error) { return api.Delete(ctx, typ, name) })
	})
	return cmd
}
