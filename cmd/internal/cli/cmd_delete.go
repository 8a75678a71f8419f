package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/retention"
)

func (a *app) deleteCommand() *cobra.Command {
	var id versionID
	var yes, force bool
	var registry string
	var rf runFlags
	cmd := &cobra.Command{
		Use:   "delete PACKAGE --yes",
		Short: "Delete a package, or one of its versions",
		Long: `Delete PACKAGE, or with --id one version of it. --yes is required: GitHub
keeps what was deleted restorable for 30 days ('ghpkg restore').

A container version is checked first: the registry is asked which tags need
it (a platform image of a multi-arch index, an attestation, a signature),
and the delete is refused (exit 2, naming the tags and the image to delete
instead) when one does, or when the registry cannot tell; --force deletes
it anyway. To delete many versions safely, in an order that never breaks a
tag, use 'ghpkg prune'.

The token's scopes are checked first (delete:packages; plus repo for types
other than container): a token that lacks them exits 2 before any change.
GitHub refuses to delete a package's last version (for containers, its last
tagged version) and public versions downloaded over 5,000 times: such a
version is reported "retained". A 404 is re-read before it is reported: a
version that still exists is "failed" (the token may not delete it), one
confirmed gone is "already-gone"; an ID the package never had (neither
active nor deleted) exits 2 before any change. The delete is recorded in
an undo journal first ('ghpkg help prune', Undo journal), whose path is
printed.`,
		Example: `  # one version: an untagged build no image needs
  ghpkg delete team/app --org octo-org --id 1260000006 --yes

  # refused (exit 2): a platform image of the multi-arch image tagged latest
  ghpkg delete team/app --org octo-org --id 1260000043 --yes

  # a whole package, versions and all
  ghpkg delete hello-world-npm --org octo-org --type npm --yes`,
		Args: onePackage,
	}
	cmd.Flags().Var(&id, "id", "delete only this version (default: the whole package)")
	cmd.Flags().BoolVar(&yes, "yes", false, "really delete (required)")
	cmd.Flags().BoolVar(&force, "force", false, "delete a container version even if a tagged image needs it, or the registry cannot tell (breaks those images)")
	cmd.Flags().StringVar(&registry, "registry", "", "container registry `HOST` asked what needs the version (default: ghcr.io, or containers.HOST for --base-url)")
	a.addRunFlags(cmd, &rf)
	cmd.RunE = a.action(func(ctx context.Context, _ *cobra.Command, args []string) (int, error) {
		if !yes {
			return 0, usagef("refusing to delete without --yes (deleted packages and versions can be restored for 30 days)")
		}
		name := args[0]
		if force && (id == 0 || a.packageType() != ghpackages.Container) {
			return 0, usagef("--force only overrides the check of a container version (--id with --type container); nothing else is checked")
		}
		ctx, c, owner, typ, err := a.target(ctx, &rf)
		if err != nil {
			return 0, err
		}
		if err := a.preflight(ctx, c, ghpackages.OperationDelete, typ, "delete "+string(typ)+" packages", true); err != nil {
			return 0, err
		}
		api := c.Packages(owner)
		if id != 0 {
			if err := a.checkVersionKnown(ctx, c, owner, typ, name, int64(id), "delete"); err != nil {
				return 0, err
			}
			if typ == ghpackages.Container {
				if err := a.guardDelete(ctx, c, owner, name, int64(id), registry, force); err != nil {
					return 0, err
				}
			}
			return a.single(ctx, api, owner, "delete-version", name, typ, int64(id), func() (*ghpackages.Response, error) {
				return api.DeleteVersion(ctx, typ, name, int64(id))
			})
		}
		return a.single(ctx, api, owner, "delete-package", name, typ, 0, func() (*ghpackages.Response, error) { return api.Delete(ctx, typ, name) })
	})
	return cmd
}

// guardDelete asks the registry what needs container version id of name,
// and refuses the delete (a usage error: exit 2, nothing changed) when a
// tag needs it or the registry cannot tell, unless force. A version that
// does not exist in a readable package is let through: the delete reports
// it "already-gone".
func (a *app) guardDelete(ctx context.Context, c *ghpackages.Client, owner ghpackages.Owner, name string, id int64, registry string, force bool) error {
	api := c.Packages(owner)
	typ := ghpackages.Container
	pkg, _, err := api.Get(ctx, typ, name)
	if err != nil {
		return a.checkOwner(ctx, c, owner, err)
	}
	v, _, err := api.GetVersion(ctx, typ, name, id)
	switch {
	case errors.Is(err, ghpackages.ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	repo := repositoryOf(owner, pkg)
	host := registryOr(registry, a.baseURL)
	deps, err := retention.NeededBy(ctx, a.resolver(registry, nil), repo, v.Name)
	what := fmt.Sprintf("version %d (%s) of %s", id, short(v.Name), name)
	switch {
	case err != nil && ctx.Err() != nil:
		return err
	case err != nil && force:
		a.warnf("could not tell whether a tag needs %s (%v); deleting it anyway (--force)", what, firstLine(err.Error()))
		return nil
	case err != nil:
		return usagef("cannot tell whether a tag needs %s: the registry %s could not be read (%v). Check --registry and that the token can read the registry; --force deletes it without the check",
			what, host, firstLine(err.Error()))
	case len(deps) == 0:
		return nil
	}
	images := a.describeDependents(ctx, api, name, deps)
	if force {
		a.warnf("%s is needed by %s: deleting it anyway (--force) breaks them", what, images)
		return nil
	}
	return usagef("refusing to delete %s: it is needed by %s, which it would break. Delete that image instead, or let 'ghpkg prune' delete in a safe order; --force deletes it anyway", what, images)
}

// describeDependents names the images that need a manifest: "the image
// tagged latest, stable, v1.9.0 (version 1260000044, sha256:6f943b50f2fe)".
func (a *app) describeDependents(ctx context.Context, api *ghpackages.OwnerPackages, name string, deps []retention.Dependent) string {
	byDigest := map[string][]string{}
	for _, d := range deps {
		byDigest[d.Digest] = append(byDigest[d.Digest], d.Tag)
	}
	ids := map[string]int64{}
	for v, err := range api.AllVersions(ctx, ghpackages.Container, name, &ghpackages.PackageVersionListOptions{PerPage: 100}) {
		if err != nil {
			break
		}
		if _, ok := byDigest[v.Name]; ok {
			ids[v.Name] = v.ID
		}
	}
	var parts []string
	for _, d := range slices.Sorted(maps.Keys(byDigest)) {
		tags := byDigest[d]
		slices.Sort(tags)
		where := short(d)
		if id, ok := ids[d]; ok {
			where = fmt.Sprintf("version %d, %s", id, where)
		}
		parts = append(parts, fmt.Sprintf("the image tagged %s (%s)", strings.Join(tags, ", "), where))
	}
	return strings.Join(parts, "; ")
}
